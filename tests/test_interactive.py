"""Compiling REPL inputs (gopy._interactive): complete or not, and what an input runs."""

from __future__ import annotations

import inspect

import pytest

import gopy
from gopy._interactive import compile_input

NEEDS_MORE = [
    "select:",
    "select:\n    case v := <-ch:",
    "select:\n    case v := <-ch:\n        print(v)",  # a block ends at a blank line
    "if x:",
    "def f():\n    return 1",
    "try:\n    pass",
    "x = [1,",
    "go f(\n",
    "s = '''open",
    "x = 1 + \\",
    "@decorator",
    "for v := range ch:",
]

COMPLETE = [
    "x := <-ch",
    "ch <- 1",
    "x = [1,\n 2]",  # brackets closed: no blank line needed, as in Python
    "select:\n    case v := <-ch:\n        print(v)\n",
    "def f():\n    return 1\n",
    "s = '''one\ntwo'''",
    "go f(1)",
    "defer f(1)",
]


@pytest.mark.parametrize("source", NEEDS_MORE)
def test_incomplete_input_asks_for_more(source: str) -> None:
    assert compile_input(source, "<input>") is None


@pytest.mark.parametrize("source", COMPLETE)
def test_complete_input_compiles(source: str) -> None:
    assert compile_input(source, "<input>") is not None


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1 +", "invalid syntax"),
        ("if x:\n    pass\n  oops\n", "unindent does not match any outer indentation level"),
        ("class A:\n    defer f()\n", "'defer' outside function"),
        ("return 1", "'return' outside function"),
    ],
)
def test_errors_are_reported_at_once(source: str, message: str) -> None:
    with pytest.raises(SyntaxError) as caught:
        compile_input(source, "<input>")
    assert message in caught.value.msg


def run(source: str, namespace: dict) -> object:
    """Evaluate a compiled input as the session does (awaiting it if it awaits)."""
    code = compile_input(source + "\n", "<input>")
    assert code is not None

    async def main() -> object:
        result = eval(code, namespace)
        return await result if inspect.isawaitable(result) else result

    return gopy.run_supervised(main)


def namespace() -> dict:
    return {"__name__": "__main__", "chan": gopy.chan, "close": gopy.close, "cap": gopy.cap}


def test_an_input_binds_names_in_the_namespace_and_awaits_channel_operations() -> None:
    ns = namespace()
    run("ch := chan(2)\nch <- 'a'\nch <- 'b'\nfirst := <-ch\nsecond, ok := <-ch", ns)
    assert (ns["first"], ns["second"], ns["ok"]) == ("a", "b", True)


def test_the_prelude_is_not_reimported_over_a_name_the_session_rebound() -> None:
    ns = namespace()
    run("def chan(n=0):\n    return 'mine'\n", ns)
    run("x := chan()", ns)
    assert ns["x"] == "mine"


def test_a_top_level_defer_runs_when_the_input_ends(capsys) -> None:
    ns = namespace()
    run("log := []\ndefer log.append('deferred')\nlog.append('body')", ns)
    assert ns["log"] == ["body", "deferred"]
    with pytest.raises(ZeroDivisionError):
        run("defer log.append('also on error')\n1 / 0", ns)
    assert ns["log"][-1] == "also on error"


def test_expression_statements_are_displayed(capsys) -> None:
    ns = namespace()
    run("ch := chan(1)\nch <- 42", ns)
    run("<-ch", ns)
    run("for i := range 2:\n    i * 10\n", ns)
    assert capsys.readouterr().out == "42\n0\n10\n"


def test_an_awaiting_input_is_a_coroutine_and_a_plain_one_is_not() -> None:
    plain = compile_input("x = 1", "<input>")
    awaiting = compile_input("x := <-ch", "<input>")
    assert plain is not None and awaiting is not None
    assert not plain.co_flags & inspect.CO_COROUTINE
    assert awaiting.co_flags & inspect.CO_COROUTINE
