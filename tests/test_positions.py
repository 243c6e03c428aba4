"""Tracebacks of running gopy code: CPython draws its carets under the right source text.

Each case is a module whose ``main`` fails in a Go construct (or in an operand
of one); the test runs it and compares the traceback's frame for the
``.gopy`` file (the source line and the caret line under it) with what a
person would expect to see underlined.
"""

from __future__ import annotations

import asyncio
import linecache
import textwrap
import traceback
from pathlib import Path

import pytest

from gopy.compiler._compile import compile_source


def _frame_lines(tmp_path: Path, src: str, mode: str = "exec") -> list[str]:
    """The traceback lines of the innermost ``.gopy`` frame: source line, caret line if any."""
    path = tmp_path / "prog.gopy"
    src = textwrap.dedent(src).lstrip("\n")
    path.write_text(src, encoding="utf-8")
    linecache.checkcache(str(path))
    code = compile_source(src, str(path), mode)
    namespace: dict = {"__name__": "prog"}
    with pytest.raises(Exception) as info:
        exec(code, namespace)
        asyncio.run(namespace["main"]())
    lines = "".join(traceback.format_exception(info.value)).splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f'  File "{path}"')]
    assert starts, "\n".join(lines)
    frame = lines[starts[-1] + 1 : starts[-1] + 3]
    if len(frame) == 2 and not set(frame[1].strip()) <= set("^~"):
        frame = frame[:1]
    return [line[4:] for line in frame]


CASES = {
    "send_on_closed_channel": (
        """
        async def main():
            ch = chan(1)
            close(ch)
            x = 1;    ch   <-   x + 1
        """,
        ["x = 1;    ch   <-   x + 1", "          ^^^^^^^^^^^^^^^"],
    ),
    "send_after_non_ascii_text": (
        """
        async def main():
            ch = chan(1)
            close(ch)
            s = 'été'; ch <- s
        """,
        ["s = 'été'; ch <- s", "           ^^^^^^^"],
    ),
    "failing_argument_of_go": (
        """
        def f(a, b):
            pass

        async def main():
            go   f(1, 1 / 0)
        """,
        ["go   f(1, 1 / 0)", "          ~~^~~"],
    ),
    "failing_method_lookup_in_go": (
        """
        async def main():
            obj = object()
            go obj.missing(1)
        """,
        ["go obj.missing(1)", "   ^^^^^^^^^^^"],
    ),
    "failing_subscript_in_go": (
        """
        async def main():
            fs = []
            go fs[0](1)
        """,
        ["go fs[0](1)", "   ~~^^^"],
    ),
    "failing_argument_of_defer": (
        """
        async def main():
            defer   print(1 / 0)
        """,
        ["defer   print(1 / 0)", "              ~~^~~"],
    ),
    "receive_from_a_non_channel": (
        """
        async def main():
            x = 1 + (<-  5)
        """,
        ["x = 1 + (<-  5)", "         ^^^^^"],
    ),
    "comma_ok_receive_from_a_non_channel": (
        """
        async def main():
            v, ok :=   <- 5
        """,
        ["v, ok :=   <- 5", "           ^^^^"],
    ),
    "receive_in_fstring": (
        """
        async def main():
            s = f"{1}{ <-5 }"
        """,
        ['s = f"{1}{ <-5 }"', "           ^^^"],
    ),
    "failing_channel_operand_of_select": (
        """
        async def main():
            select:
                case  v := <-(1/0):
                    pass
        """,
        ["case  v := <-(1/0):", "              ~^~"],
    ),
    "failing_value_of_a_select_send": (
        """
        async def main():
            ch = chan()
            select:
                case ch <- [][0]:
                    pass
        """,
        ["case ch <- [][0]:", "           ~~^^^"],
    ),
    "short_declaration": (
        """
        async def main():
            x   :=   1 / 0
        """,
        ["x   :=   1 / 0", "         ~~^~~"],
    ),
    "range_over_a_float": (
        """
        async def main():
            for v := range 5.0:
                pass
        """,
        ["for v := range 5.0:", "               ^^^"],
    ),
    "send_spanning_its_whole_line": (
        # CPython draws no caret under a whole line
        """
        async def main():
            ch = chan(1)
            close(ch)
            ch <- 1
        """,
        ["ch <- 1"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_caret_under_the_failing_construct(tmp_path: Path, name: str) -> None:
    src, expected = CASES[name]
    assert _frame_lines(tmp_path, src) == expected


def test_a_failing_deferred_call_is_reported_at_the_function_exit(tmp_path: Path) -> None:
    # The deferred calls run when the function exits: its frame names the function
    # (the header line), not the first 'defer' statement.
    src = "def bad(x):\n    raise ValueError(x)\n\nasync def main():\n    defer print('first')\n    defer bad(1)\n    return 1\n"
    path = tmp_path / "prog.gopy"
    path.write_text(src, encoding="utf-8")
    linecache.checkcache(str(path))
    namespace: dict = {}
    exec(compile_source(src, str(path), "exec"), namespace)
    with pytest.raises(ValueError) as info:
        asyncio.run(namespace["main"]())
    frames = [f for f in traceback.extract_tb(info.value.__traceback__) if f.filename == str(path)]
    assert [(f.name, f.lineno, f.line) for f in frames] == [("main", 4, "async def main():"), ("bad", 2, "raise ValueError(x)")]
