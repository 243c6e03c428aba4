"""``gopy.translate``: comments kept next to their statements, every constant unchanged.

The translated module must compile to the same constants (docstrings
included) as the ``.gopy`` module itself, over the samples and over a corpus
of generated programs whose docstrings and strings black would rewrite.
"""

from __future__ import annotations

import ast
import random
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

import gopy
from gopy.compiler._compile import compile_source, parse
from gopy.compiler._translate import render, source_comments

SAMPLES = sorted((Path(__file__).parent.parent / "samples").glob("*.gopy"))


def constants(code: types.CodeType) -> list[object]:
    """``co_consts`` of ``code`` and of every code object nested in it, in order."""
    found: list[object] = []
    for const in code.co_consts:
        if const == code.co_firstlineno and "__firstlineno__" in code.co_names:
            continue  # 3.13's class line: a position, not a constant of the program
        if isinstance(const, types.CodeType):
            found.append(("code", const.co_name, constants(const)))
        else:
            found.append((type(const).__name__, repr(const)))
    return found


def assert_same_constants(source: str, mode: str) -> str:
    python = gopy.translate(source, "prog.gopy", mode)
    original = compile_source(source, "prog.gopy", mode)
    translated = compile(python, "prog.py", "exec", dont_inherit=True)
    assert constants(translated) == constants(original)
    return python


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
@pytest.mark.parametrize("mode", ["main", "exec"])
def test_sample_translation_keeps_every_constant(path: Path, mode: str) -> None:
    source = path.read_text(encoding="utf-8")
    python = assert_same_constants(source, mode)
    for comment in (line.strip() for line in source.splitlines()):
        if comment.startswith("#"):
            assert comment in python


DOCSTRINGS = [
    '"""  leading and trailing blanks  """',
    '"""Summary.\n\n        over-indented body   \n    """',
    "'''single quotes, \"double\" inside'''",
    '"""tab\there and a backslash \\\\ and \\t escape"""',
    '"""ends with a quote\\""""',
    "'plain one-line docstring '",
    '"""\n    starts on the next line\n"""',
    'r"""raw \\d+ docstring"""',
    '"""unicode: café ☕ \\N{SNOWMAN}"""',
]
STRINGS = ['"a  b"', "'it''s'", '"""multi\n   line  \n"""', "f'{x!r:>10} {x}'", "b'\\x00bytes'"]
STATEMENTS = [
    "x = {s}  # a comment",
    "y = [{s},\n     {s}]  # continued",
    "# a comment alone\nz = ({s})",
    "if {s}:\n    w = {s}\nelse:\n    w = None  # else",
    "ch := chan(1)\nch <- {s}",
    "go print({s})",
    "v, ok := <-chan_of({s})",
    "select:\n    case v := <-chan_of({s}):\n        print(v)  # got\n    default:\n        pass",
]


def generated_program(rng: random.Random) -> str:
    def doc() -> str:
        return rng.choice(DOCSTRINGS)

    def body(indent: str) -> str:
        lines = []
        for _ in range(rng.randint(1, 4)):
            template = rng.choice(STATEMENTS)
            text = template.replace("{s}", rng.choice(STRINGS))
            lines.append(textwrap.indent(text, indent))
        return "\n".join(lines)

    parts = [
        doc(),
        "x = 1",
        "def chan_of(v):\n    c := chan(1)\n    c.send_nowait(v)\n    return c",
    ]
    for index in range(rng.randint(1, 3)):
        kind = rng.choice(["async def", "class"])
        if kind == "class":
            parts.append(
                f"class C{index}:\n    {doc()}\n    # in the class\n    a = {rng.choice(STRINGS)}"
            )
        else:
            parts.append(f"# about f{index}\nasync def f{index}(x):\n    {doc()}\n{body('    ')}")
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("seed", range(60))
def test_generated_program_translation_keeps_every_constant(seed: int) -> None:
    source = generated_program(random.Random(seed))
    python = assert_same_constants(source, "exec")
    assert ast.get_docstring(ast.parse(python), clean=False) == ast.get_docstring(
        parse(source, "prog.gopy", "exec"), clean=False
    )
    for comment in source_comments(source):
        assert comment.text in python


def test_comments_stay_next_to_their_statements() -> None:
    source = textwrap.dedent('''\
        # header
        """Doc."""
        import math  # on import

        # above f
        async def f(ch):  # on def
            x = [1,  # in a list
                 2]
            if x:  # on if
                ch <- 1
                # end of the if block
            # end of f
        # end of the file
        ''')
    lines = gopy.translate(source, "c.gopy", "exec").splitlines()
    assert lines[0] == "# header"
    assert "import math  # on import" in lines
    assert lines[lines.index("# above f") + 1] == "async def f(ch):  # on def"
    assert "    x = [1, 2]  # in a list" in lines
    assert lines[lines.index("    if x:  # on if") + 1] == "        await gopy.send(ch, 1)"
    assert lines.index("        # end of the if block") > lines.index("    if x:  # on if")
    assert lines.index("    # end of f") < lines.index("# end of the file")


def test_black_docstring_rewrite_is_undone() -> None:
    source = 'def f():\n    """  spaced   \n      out  """\n    return 1\n'
    python = gopy.translate(source, "d.gopy", "exec")
    assert python.startswith("def f():\n")  # black did format it
    function = ast.parse(python).body[0]
    assert isinstance(function, ast.FunctionDef)
    assert ast.get_docstring(function, clean=False) == "  spaced   \n      out  "
    translated: dict[str, Any] = {}
    exec(compile(python, "d.py", "exec"), translated)
    original: dict[str, Any] = {}
    exec(compile_source(source, "d.gopy", "exec"), original)
    assert translated["f"].__doc__ == original["f"].__doc__  # (3.13 cleans both alike)


def test_without_black_the_same_tree() -> None:
    source = SAMPLES[0].read_text(encoding="utf-8")
    module = parse(source, "s.gopy", "main")
    plain = render(module, source, use_black=False)
    formatted = render(module, source, use_black=True)
    assert plain != formatted
    assert ast.dump(ast.parse(plain)) == ast.dump(ast.parse(formatted))
