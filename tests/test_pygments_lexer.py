"""The Pygments lexer: found through its entry point, Python's tokens plus gopy's."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pygments.lexers import PythonLexer, get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, Number, Operator, Punctuation

from gopy._pygments_lexer import GopyLexer

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.gopy"))


def significant(source: str) -> list[tuple[object, str]]:
    tokens = GopyLexer().get_tokens(textwrap.dedent(source))
    return [(token, value) for token, value in tokens if value.strip()]


def test_found_by_name_and_by_file_name() -> None:
    assert isinstance(get_lexer_by_name("gopy"), GopyLexer)
    assert isinstance(get_lexer_for_filename("pipeline.gopy"), GopyLexer)


def test_gopy_statements() -> None:
    assert (
        significant("""
        select:
            case v, ok := <-ch:
                go worker(v)
            case out <- 1: pass
            default:
                defer close(out)
        for i := range n:
            x := <-<-cc
        """)
        == [
            (Keyword, "select"),
            (Punctuation, ":"),
            (Keyword, "case"),
            (Name, "v"),
            (Punctuation, ","),
            (Name, "ok"),
            (Operator, ":="),
            (Operator, "<-"),
            (Name, "ch"),
            (Punctuation, ":"),
            (Keyword, "go"),
            (Name, "worker"),
            (Punctuation, "("),
            (Name, "v"),
            (Punctuation, ")"),
            (Keyword, "case"),
            (Name, "out"),
            (Operator, "<-"),
            (Number.Integer, "1"),
            (Punctuation, ":"),
            (Keyword, "pass"),
            (Keyword, "default"),
            (Punctuation, ":"),
            (Keyword, "defer"),
            (Name.Builtin, "close"),
            (Punctuation, "("),
            (Name, "out"),
            (Punctuation, ")"),
            (Keyword, "for"),
            (Name, "i"),
            (Operator, ":="),
            (Keyword, "range"),
            (Name, "n"),
            (Punctuation, ":"),
            (Name, "x"),
            (Operator, ":="),
            (Operator, "<-"),
            (Operator, "<-"),
            (Name, "cc"),
        ]
    )


def test_soft_keywords_used_as_python_stay_python() -> None:
    source = """
        go = 1
        obj.go()
        go(f)
        select(x)
        default = 2
        case = 3
        for range in x:
            pass
        for v in range(3):
            pass
        ch.close()
        go <- v
        """
    gopy_tokens = significant(source)
    assert (Keyword, "go") not in gopy_tokens
    assert (Keyword, "select") not in gopy_tokens
    assert (Keyword, "default") not in gopy_tokens
    assert (Keyword, "case") not in gopy_tokens
    assert (Keyword, "range") not in gopy_tokens
    assert (Name.Builtin, "range") in gopy_tokens
    assert (Name, "close") in gopy_tokens  # an attribute, not the prelude's
    assert gopy_tokens[-3:] == [(Name, "go"), (Operator, "<-"), (Name, "v")]
    # Everything but `<-` is exactly Python's lexer's.
    python_tokens = [
        (t, v) for t, v in PythonLexer().get_tokens(textwrap.dedent(source)) if v.strip()
    ]
    assert gopy_tokens[:-2] == python_tokens[:-3]


def test_plain_python_is_lexed_as_python_does() -> None:
    source = inspect.getsource(textwrap)
    assert list(GopyLexer().get_tokens(source)) == list(PythonLexer().get_tokens(source))


def test_a_comparison_with_a_space_is_not_a_receive() -> None:
    assert significant("a < -b\n")[1] == (Operator, "<")
    assert significant("a<-b\n")[1] == (Operator, "<-")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_lex_without_errors(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tokens = list(GopyLexer().get_tokens(source))
    assert not [value for token, value in tokens if token in Error]
    assert "".join(value for _, value in tokens) == source
    gopy_words = {(Operator, "<-")} | {(Keyword, w) for w in ("go", "defer", "select", "range")}
    assert gopy_words & set(tokens)  # every sample uses some gopy construct
    pairs = zip(tokens, tokens[1:])
    assert not [a for a, b in pairs if a == (Operator, "<") and b == (Operator, "-")]


def test_import_gopy_does_not_import_pygments() -> None:
    code = "import sys, gopy; assert 'pygments' not in sys.modules, 'pygments imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
