"""Exact conformance with CPython over the standard library, and fresh parser tables."""

from __future__ import annotations

import ast
import glob
import os
import sys
import sysconfig
import warnings

import pytest

import gopy
from gopy.compiler import _grammar_tables as _tables
from gopy.compiler import _lalr_parser as _parse

STDLIB = sysconfig.get_paths()["stdlib"]
MODULES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(STDLIB, "*.py")))


def test_stdlib_is_there() -> None:
    assert len(MODULES) > 100


@pytest.mark.parametrize("module", MODULES)
def test_stdlib_module(module: str) -> None:
    path = os.path.join(STDLIB, module)
    with open(path, "rb") as f:
        src = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ast.dump(ast.parse(src, path), include_attributes=True)
        got = ast.dump(gopy.parse(src, path), include_attributes=True)
    assert got == expected


def test_shipped_tables_match_the_grammar() -> None:
    """Fails when grammar/gopy.lark changed without `python -m gopy.compiler --regenerate`."""
    shipped = _tables.load_tables()
    assert shipped.grammar_hash == _tables.grammar_hash(), "stale tables: run python -m gopy.compiler --regenerate"
    fresh = _tables.build_tables()
    assert tuple(fresh) == tuple(shipped), "stale tables: run python -m gopy.compiler --regenerate"


def test_every_rule_has_a_lowering_method() -> None:
    from gopy.compiler._lower_statements import Lowerer

    tables = _tables.load_tables()
    missing = {name for _, _, kind, _, name in tables.rules if kind == _tables.CALL and not hasattr(Lowerer, name)}
    assert not missing


def test_loading_tables_does_not_import_lark() -> None:
    import subprocess
    import sys

    code = "import sys, gopy; gopy.parse('x = 1'); print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "False"


def test_parse_tree_shows_the_grammar_rules() -> None:
    tree = _parse.parse_tree("go f(x)\nselect: pass\n")
    assert tree.data == "file_input"
    rules = {t.data for t in tree.iter_subtrees()}
    assert {"go_stmt", "select_empty", "call"} <= rules


def test_shipped_tables_are_plain_data() -> None:
    """The tables are data: a fresh unpickle gives the same tables the parser uses."""
    import pickle
    from importlib import resources

    fmt, data = pickle.loads(resources.files("gopy.compiler").joinpath("_lalr_tables.pickle").read_bytes())
    assert fmt == _tables._FORMAT
    assert _tables.Tables(*data) == _tables.load_tables()


# ---- the syntax each Python version added (tests/pep_corpus), on this interpreter

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "pyodide"))
import corpus  # noqa: E402  (tests/pyodide/corpus.py: shared with the Pyodide runs)

CORPUS = os.path.join(os.path.dirname(__file__), "pep_corpus")
SNIPPETS = corpus.snippets(CORPUS)
GOPY_SNIPPETS = corpus.snippets(CORPUS, ".gopy")


# Where gopy deliberately differs from an interpreter (the exact difference is asserted).
KNOWN_DIFFERENCES = {
    # CPython 3.11 reports an error inside a replacement field at its offset in the
    # field's own text, "(lambda)"; gopy places it in the source line, at the ':'.
    ((3, 11), "pep701_fstrings.py#8"): "pep701_fstrings.py#8: expected ('SyntaxError', "
    "'f-string: invalid syntax', 1, 8), got ('SyntaxError', 'f-string: invalid syntax', 1, 14)",
}


@pytest.mark.parametrize(("name", "src"), SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_pep_snippet(name: str, src: str) -> None:
    """The same tree as ast.parse, or (syntax newer than this Python) the same error."""
    known = KNOWN_DIFFERENCES.get((sys.version_info[:2], name))
    assert corpus.check(gopy.parse, src, name) == known


@pytest.mark.parametrize(("name", "src"), GOPY_SNIPPETS, ids=[name for name, _ in GOPY_SNIPPETS])
def test_gopy_inside_new_syntax(name: str, src: str) -> None:
    if sys.version_info[:2] >= corpus.since(src):
        assert corpus.compiles_without_warnings(gopy.parse, src, name, "exec") is None
    else:
        with pytest.raises(SyntaxError):
            gopy.parse(src, name)


def test_golden_programs_compile_without_warnings() -> None:
    """No generated code warns (3.14's PEP 765: no return/break/continue leaves a finally)."""
    golden = os.path.join(os.path.dirname(__file__), "golden")
    cases = corpus.golden_sources(golden)
    assert len(cases) > 10
    problems = [p for name, src, mode in cases if (p := corpus.compiles_without_warnings(gopy.parse, src, name, mode))]
    assert problems == []
