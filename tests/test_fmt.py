"""``gopy fmt``: black's style, canonical gopy spellings, and never a change of meaning.

Every sample, every golden input and a seeded fuzzed corpus is formatted; the
gopy tree (``gopy.parse``, positions aside) must be unchanged, every comment
kept, and a second run must change nothing.
"""

from __future__ import annotations

import ast
import io
import random
import subprocess
import sys
import tokenize
from pathlib import Path

import black
import pytest

import gopy
from gopy import _formatter
from gopy._formatter import FormatError, format_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples").glob("*.gopy"))
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.golden"))


def tree(source: str) -> str:
    try:
        module = gopy.parse(source, "<test>", "main")
    except SyntaxError:
        module = gopy.parse(source, "<test>", "exec")
    for node in ast.walk(module):  # black re-indents docstrings
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                node.value.value = [line.strip() for line in node.value.value.strip().splitlines()]
    return ast.dump(module, include_attributes=False)


def comments(source: str) -> list[str]:
    toks = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string.lstrip("#").strip() for t in toks if t.type == tokenize.COMMENT]


def assert_formats_safely(source: str, mode: black.Mode) -> str:
    formatted = format_source(source, mode)
    assert tree(formatted) == tree(source)
    assert comments(formatted) == comments(source)
    assert format_source(formatted, mode) == formatted
    return formatted


def golden_input(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("# flags:"):
        text = text.split("\n", 1)[1]
    return text.split("\n# output\n", 1)[0] + "\n"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("line_length", [100, 40])
def test_samples_keep_their_meaning(path: Path, line_length: int) -> None:
    assert_formats_safely(path.read_text(encoding="utf-8"), black.Mode(line_length=line_length))


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
@pytest.mark.parametrize("line_length", [88, 30])
def test_golden_inputs_keep_their_meaning(path: Path, line_length: int) -> None:
    assert_formats_safely(golden_input(path), black.Mode(line_length=line_length))


def test_canonical_spellings() -> None:
    messy = (
        "async def main( ):\n"
        "    ch:=chan( 3 )\n"
        "    ch<-1 # send\n"
        "    x=<-   ch\n"
        "    v,ok:=<-ch\n"
        "    print(<- ch+1, -<-ch)\n"
        "    go   worker(1,2)\n"
        "    defer  close( ch )\n"
        "    for i , j:=range [1] :\n"
        "        pass\n"
        "    for range(ch): pass\n"
        "    select:\n"
        "        case v:=<-ch:   # first\n"
        "            print(v)\n"
        "        case ch<-  'x': pass\n"
        "        case d['k']  =  <-ch: go f ()\n"
        "        default : ch<-3\n"
        "    select : pass\n"
    )
    assert format_source(messy) == (
        "async def main():\n"
        "    ch := chan(3)\n"
        "    ch <- 1  # send\n"
        "    x = <-ch\n"
        "    v, ok := <-ch\n"
        "    print(<-ch + 1, -<-ch)\n"
        "    go worker(1, 2)\n"
        "    defer close(ch)\n"
        "    for i, j := range [1]:\n"
        "        pass\n"
        "    for range ch:\n"
        "        pass\n"
        "    select:\n"
        "        case v := <-ch:  # first\n"
        "            print(v)\n"
        '        case ch <- "x":\n'
        "            pass\n"
        '        case d["k"] = <-ch:\n'
        "            go f()\n"
        "        default:\n"
        "            ch <- 3\n"
        "    select: pass\n"
    )


def test_gopy_constructs_count_as_wide_as_they_are_written() -> None:
    # Each gopy line is split exactly where black splits a Python line of the
    # same width and shape: the placeholders black sees are as wide as the gopy.
    pairs = [
        ("ch <- fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n", "ch += fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n"),
        ("xy := fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n", "xy += fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n"),
        ("x = <-fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n", "x = -~fff(aaaaaaaaaaa, bbbbbbbbbbb, ccc)\n"),
        ("go fff(aaaaaaaaaaaaa, bbbbbbbbbbb, cccc)\n", "gogfff(aaaaaaaaaaaaa, bbbbbbbbbbb, cccc)\n"),
        ("for v := range fff(aaaaaaaaa, bbbbbbbb):\n    pass\n",
         "for v, xxxx in fff(aaaaaaaaa, bbbbbbbb):\n    pass\n"),
        ("for range fffffff(aaaaaaaaaa, bbbbbbbb):\n    pass\n",
         "for xx in fffffff(aaaaaaaaaa, bbbbbbbb):\n    pass\n"),
    ]  # fmt: skip
    for gopy_line, python_line in pairs:
        assert len(gopy_line.split("\n")[0]) == len(python_line.split("\n")[0]) == 40
        for width in (40, 39, 30):
            mode = black.Mode(line_length=width)
            ours = format_source(gopy_line, mode).count("\n")
            assert ours == black.format_str(python_line, mode=mode).count("\n"), (gopy_line, width)
        assert format_source(gopy_line, black.Mode(line_length=40)) == gopy_line


def test_parentheses_that_matter_in_gopy_are_kept() -> None:
    # Redundant in Python, meaningful in gopy: black alone would drop them.
    for source in (
        "async def f():\n    a, b = (<-ch)\n",
        "async def f():\n    a, b := (<-ch)\n",
        "async def f():\n    (out if ready else None) <- 1\n",
        "async def f():\n    select:\n        case (out if ready else None) <- 1:\n            pass\n",
    ):
        assert format_source(source) == source
    # Black wraps a long right side in parentheses; gopy fmt takes them out
    # again only around a bare receive (where they would turn comma-ok into
    # unpacking), not around a longer expression that starts with one.
    narrow = black.Mode(line_length=30)
    for source in (
        "async def f():\n    value, ok = <-channels[index].inbox\n",
        "async def f():\n    x := <-results if cond else -<-other_channel\n",
    ):
        assert_formats_safely(source, narrow)


def test_python_names_that_look_like_gopy_are_left_as_python() -> None:
    source = (
        "go = 1\ngo += 1\ngo(f)\nobj.go()\ndefer[0]\nselect(x)\n"
        "for range in x:\n    pass\n"
        "for x in range(3):\n    pass\n"
        "if n := 10:\n    pass\n"
    )
    assert format_source(source) == source


def test_python_spelled_like_the_placeholders_is_left_alone() -> None:
    # gopy fmt writes `ch <- v` as `ch @= v`, `<-ch` as `~~ch`, `go f()` as
    # `go.f()`...: the same tokens written by hand must come back unchanged.
    source = (
        "async def f(a, b, x, ch):\n"
        "    a @= b\n"
        "    ch <- ~~x\n"
        "    y = ~~x + <-ch\n"
        "    go.f(x)\n"
        "    go f(x)\n"
        "    defer.g(x)\n"
        "    for go in x:\n"
        "        pass\n"
        "    for v, rnge in x:\n"
        "        pass\n"
        "    for v := range x:\n"
        "        pass\n"
        "    if select:\n"
        "        pass\n"
        "    if case:\n"
        "        pass\n"
        "    select.pass_\n"
        "    select: pass\n"
    )
    assert format_source(source) == source


def test_receives_inside_f_strings() -> None:
    # Python 3.11's tokenize gives an f-string as one token; 3.12's splits it.
    source = 'async def f(ch):\n    print(f"{<-ch}  {x!r:>{w}}" ,  f"{ {1:2}[1] }")\n'
    expected = 'async def f(ch):\n    print(f"{<-ch}  {x!r:>{w}}", f"{ {1:2}[1] }")\n'
    assert assert_formats_safely(source, black.Mode()) == expected


def test_syntax_errors_are_refused() -> None:
    with pytest.raises(FormatError, match="cannot parse"):
        format_source("x = (\n")
    with pytest.raises(FormatError, match="cannot parse"):
        format_source("a <- b <- c\n")


def test_a_change_of_meaning_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = black.format_str

    def sloppy(src: str, *, mode: black.Mode) -> str:  # a black that swaps operands
        return real(src, mode=mode).replace("a + b", "b + a")

    monkeypatch.setattr(_formatter.black, "format_str", sloppy)
    with pytest.raises(FormatError, match="change the meaning"):
        format_source("x  =  a + b\n")


# A fuzzed corpus: random programs made of every gopy construct, with random
# spacing, comments and line lengths (short ones force black to split lines).

NAMES = ["ch", "out", "results", "jobs_channel_with_a_long_name", "a", "b"]


def _expr(rng: random.Random, depth: int = 0) -> list[str]:
    pick = rng.randrange(9 if depth < 3 else 3)
    if pick == 0:
        return [rng.choice(NAMES)]
    if pick == 1:
        return [str(rng.randrange(1000))]
    if pick == 2:
        return ["<-", rng.choice(NAMES)]
    if pick == 3:
        return [*_expr(rng, depth + 1), rng.choice(["+", "*", "-", "IF"]), *_expr(rng, depth + 1)]
    if pick == 4:
        args = [_expr(rng, depth + 1) for _ in range(rng.randrange(4))]
        call = [rng.choice(["f", "obj.method", "compute_something_long"]), "("]
        for i, arg in enumerate(args):
            call += arg + ([","] if i < len(args) - 1 or rng.random() < 0.2 else [])
        return call + [")"]
    if pick == 5:
        return ["[", *_expr(rng, depth + 1), ",", *_expr(rng, depth + 1), "]"]
    if pick == 6:
        return ["(", *_expr(rng, depth + 1), ")"]
    if pick == 7:
        return ["-", "<-", rng.choice(NAMES)]
    return [rng.choice(['"text"', 'f"{<-ch}!"', "f'{x} {<-out!r:>4}'"])]


def _fix_if(tokens: list[str]) -> list[str]:
    # The conditional operator, written IF in the expressions.
    out: list[str] = []
    for tok in tokens:
        out += ["if", "cond", "else"] if tok == "IF" else [tok]
    return out


def _call(rng: random.Random) -> list[str]:
    return [rng.choice(["worker", "obj.run", "close"]), "(", *_expr(rng, 1), ")"]


def _simple(rng: random.Random) -> list[str]:
    ch = rng.choice(NAMES)
    forms = [
        lambda: [ch, "<-", *_expr(rng)],
        lambda: ["x", ":=", *_expr(rng)],
        lambda: ["v", ",", "ok", ":=", "<-", ch],
        lambda: ["v", ",", "ok", "=", "<-", ch],
        lambda: ["p", ",", "q", "=", "(", "<-", ch, ")"],
        lambda: ["go", *_call(rng)],
        lambda: ["defer", *_call(rng)],
        lambda: ["print", "(", *_expr(rng), ")"],
        lambda: ["y", "=", *_expr(rng)],
        lambda: ["go", "=", "1"],
        lambda: ["(", "out", "if", "cond", "else", "None", ")", "<-", *_expr(rng)],
    ]
    return rng.choice(forms)()


def _block(rng: random.Random, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    for _ in range(rng.randrange(1, 4)):
        lines += _statement(rng, indent, depth)
    return lines


def _line(rng: random.Random, indent: int, tokens: list[str]) -> str:
    text = " " * indent + _join(rng, _fix_if(tokens))
    if rng.random() < 0.2:
        text += rng.choice(["  # note", " #tight", "  # x <- y"])
    return text


def _statement(rng: random.Random, indent: int, depth: int) -> list[str]:
    kind = rng.randrange(6 if depth < 2 else 1)
    if kind == 0:
        return [_line(rng, indent, _simple(rng))]
    if kind == 1:
        header = rng.choice(
            [["for", "v", ":=", "range"], ["for", "i", ",", "v", ":=", "range"], ["for", "range"]]
        )
        iterable = _expr(rng)
        if iterable[0] == "[":  # `for range[...]` is Python (a subscript target)
            iterable = ["(", *iterable, ")"]
        lines = [_line(rng, indent, header + iterable + [":"])]
        return lines + _block(rng, indent + 4, depth + 1)
    if kind == 2:
        lines = [_line(rng, indent, ["select", ":"])]
        arms = [
            ["case", "v", ":=", "<-", rng.choice(NAMES), ":"],
            ["case", "v", ",", "ok", ":=", "<-", rng.choice(NAMES), ":"],
            ["case", "<-", rng.choice(NAMES), ":"],
            ["case", rng.choice(NAMES), "<-", *_expr(rng), ":"],
            ["case", "d", "[", '"k"', "]", "=", "<-", rng.choice(NAMES), ":"],
        ]
        rng.shuffle(arms)
        for arm in arms[: rng.randrange(1, 5)] + ([["default", ":"]] if rng.random() < 0.5 else []):
            if rng.random() < 0.3:
                lines.append(_line(rng, indent + 4, arm + _simple(rng)))
            else:
                lines.append(_line(rng, indent + 4, arm))
                lines += _block(rng, indent + 8, depth + 1)
        return lines
    if kind == 3:
        return [_line(rng, indent, ["select", ":", "pass"])]
    if kind == 4:
        return [_line(rng, indent, ["while", "cond", ":"])] + _block(rng, indent + 4, depth + 1)
    return [_line(rng, indent, ["if", "cond", ":", *_simple(rng), ";", *_simple(rng)])]


def _join(rng: random.Random, tokens: list[str]) -> str:
    text = tokens[0]
    for prev, tok in zip(tokens, tokens[1:]):
        glue = prev[-1].isalnum() or prev[-1] in '_"'
        glue = glue and (tok[0].isalnum() or tok[0] in '_"')
        ops = not prev[-1].isalnum() and prev not in "()[]" and not tok[0].isalnum()
        gap = rng.choice(["", "", " ", "  "])
        text += (" " if (glue or ops) and not gap else "") + gap + tok
    return text


def fuzzed_program(seed: int) -> str:
    rng = random.Random(seed)
    body: list[str] = []
    for _ in range(rng.randrange(2, 6)):
        body += _statement(rng, 4, 0)
    return "async def main(cond, d):\n" + "\n".join(body) + "\n"


@pytest.mark.parametrize("chunk", range(4))
def test_a_fuzzed_corpus_keeps_its_meaning(chunk: int) -> None:
    for seed in range(chunk * 30, chunk * 30 + 30):
        source = fuzzed_program(seed)
        tree(source)  # the generator makes valid gopy only
        mode = black.Mode(line_length=random.Random(seed).choice([12, 30, 60, 88]))
        try:
            assert_formats_safely(source, mode)
        except (AssertionError, FormatError) as exc:
            raise AssertionError(f"seed {seed}:\n{source}") from exc


# The command line: black's options and exit statuses.


def gopy_fmt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", "fmt", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_check_diff_and_write(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 30\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    messy = pkg / "a.gopy"
    messy.write_text("ch<-f(aaaaaaaa, bbbbbbbbbbbb)\n")
    tidy = pkg / "b.gopy"
    tidy.write_text("x := 1\n")
    formatted = "ch <- f(\n    aaaaaaaa, bbbbbbbbbbbb\n)\n"  # 30 columns: [tool.black]

    check = gopy_fmt("--check", "pkg", cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    assert "would reformat pkg/a.gopy" in check.stderr
    assert messy.read_text() == "ch<-f(aaaaaaaa, bbbbbbbbbbbb)\n"

    diff = gopy_fmt("--diff", "pkg/a.gopy", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert "-ch<-f(aaaaaaaa, bbbbbbbbbbbb)\n+ch <- f(\n" in diff.stdout
    assert messy.read_text() == "ch<-f(aaaaaaaa, bbbbbbbbbbbb)\n"

    write = gopy_fmt("pkg", cwd=tmp_path)
    assert write.returncode == 0, write.stderr
    assert messy.read_text() == formatted
    assert tidy.read_text() == "x := 1\n"
    assert gopy_fmt("--check", "pkg", cwd=tmp_path).returncode == 0

    wide = gopy_fmt("--check", "-l", "100", "pkg", cwd=tmp_path)
    assert wide.returncode == 1 and "would reformat pkg/a.gopy" in wide.stderr


def test_cli_errors_exit_123_and_leave_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gopy"
    bad.write_text("x  = (\n")
    good = tmp_path / "good.gopy"
    good.write_text("x=1\n")
    result = gopy_fmt("--check", "bad.gopy", "good.gopy", "missing.gopy", cwd=tmp_path)
    assert result.returncode == 123
    assert "error: cannot format bad.gopy: cannot parse" in result.stderr
    assert "error: cannot format missing.gopy" in result.stderr
    assert bad.read_text() == "x  = (\n"
    assert gopy_fmt("bad.gopy", "good.gopy", cwd=tmp_path).returncode == 123
    assert bad.read_text() == "x  = (\n"
    assert good.read_text() == "x = 1\n"  # the other files are still formatted


def test_cli_stdin_and_crlf(tmp_path: Path) -> None:
    piped = subprocess.run(
        [sys.executable, "-m", "gopy", "fmt", "-q", "-"],
        input="go  f(x)\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stdout == "go f(x)\n"
    crlf = tmp_path / "w.gopy"
    crlf.write_bytes(b"ch<-1\r\nx:=2\r\n")
    assert gopy_fmt("-q", "w.gopy", cwd=tmp_path).returncode == 0
    assert crlf.read_bytes() == b"ch <- 1\r\nx := 2\r\n"
