"""The errors the Go-construct lowering raises: message, line and column of each.

Every source starts with a blank line, so that "line 1" is always wrong.
Columns are ``SyntaxError.offset``/``end_offset``: 1-based characters.
"""

from __future__ import annotations

import traceback

import pytest

import gopy

RECV = "channel receive outside async function (use 'async def')"
SEND = "channel send outside async function (use 'async def')"
SELECT = "'select' outside async function (use 'async def')"
DEFER_OUTSIDE = "'defer' outside function"

# (source, mode, message, line, offset, end_offset)
CASES = [
    # channel operations where they can neither await nor block: a module-mode top
    # level, a class body there or in an async def (in a plain def they block)
    ("\ns = 'é€'; x = <-ch\n", "exec", RECV, 2, 15, 17),
    ("\nx = f\"é{1}{x!r:>{<-ch}}\"\n", "exec", RECV, 2, 18, 20),
    ("\nx = (f'a'\n     f\"\"\"\n{ <-ch }\"\"\")\n", "exec", RECV, 4, 3, 5),
    ("\nmatch x:\n    case 1:\n        ch <- 1\n", "exec", SEND, 4, 12, 14),
    ("\nx = <-ch\n", "exec", RECV, 2, 5, 7),
    ("\nch <- 1\n", "exec", SEND, 2, 4, 6),
    ("\nselect:\n    case <-a:\n        pass\n", "exec", SELECT, 2, 1, 7),
    ("\nfor x := range [<-ch]:\n    pass\n", "exec", RECV, 2, 17, 19),
    ("\nasync def f(ch):\n    class C:\n        x = <-ch\n", "exec", RECV, 4, 13, 15),
    ("\nclass C:\n    x = <-ch\n", "main", RECV, 3, 9, 11),
    # receives inside f-string replacement fields
    ("\nx = f'{<-ch}'\n", "exec", RECV, 2, 8, 10),
    ("\nclass C:\n    x = f'{<-ch}'\n", "main", RECV, 3, 12, 14),
    # Go syntax inside match and except* bodies, decorators
    # defer
    ("\ndefer f()\n", "exec", DEFER_OUTSIDE, 2, 1, 6),
    ("\ndefer f()\n", "main", DEFER_OUTSIDE, 2, 1, 6),
    ("\ndef f():\n    class C:\n        defer g()\n", "exec", DEFER_OUTSIDE, 4, 9, 14),
    ("\nif x:\n    defer g()\n", "main", DEFER_OUTSIDE, 3, 5, 10),
    # go and defer need a call
    ("\ndef f():\n    go x + 1\n", "exec", "'go' needs a function call", 3, 8, 13),
    ("\ndef f():\n    defer lock\n", "exec", "'defer' needs a function call", 3, 11, 15),
    ("\nasync def f():\n    go await g()\n", "exec", "'go' needs a function call", 3, 8, 17),
    # select
    (
        "\nasync def f():\n    select:\n        default:\n            pass\n"
        "        case <-a:\n            pass\n        default:\n            pass\n",
        "exec",
        "'default' appears twice in 'select'",
        8,
        9,
        17,
    ),
    (
        "\nasync def f():\n    select:\n        case a.b := <-c:\n            pass\n",
        "exec",
        "non-name on left side of ':='",
        4,
        14,
        17,
    ),
    # short declarations and range
    ("\nx.y := 1\n", "exec", "non-name on left side of ':='", 2, 1, 4),
    ("\na, b[0] := 1, 2\n", "exec", "non-name on left side of ':='", 2, 4, 8),
    (
        "\nfor a, b, c := range x:\n    pass\n",
        "exec",
        "range clause permits at most two iteration variables",
        2,
        11,
        12,
    ),
    ("\nfor *a, b := range x:\n    pass\n", "exec", "non-name on left side of ':='", 2, 5, 7),
    ("\nfor a.b := range x:\n    pass\n", "exec", "non-name on left side of ':='", 2, 5, 8),
    (
        "\nasync def f():\n    select:\n        case *a, b = <-c:\n            pass\n",
        "exec",
        "can't use starred expression here",
        4,
        14,
        16,
    ),
    # main mode: what a function body can't keep from the top level
    ("\nreturn 1\n", "main", "'return' outside function", 2, 1, 9),
    ("\nx = yield 1\n", "main", "'yield' outside function", 2, 5, 12),
    ("\nx = yield from g()\n", "main", "'yield' outside function", 2, 5, 19),
    (
        "\ntry:\n    from m import *\nexcept ImportError:\n    pass\n",
        "main",
        "'from ... import *' inside a block: move it to the top level",
        3,
        5,
        20,
    ),
]


@pytest.mark.parametrize(
    "source, mode, message, line, offset, end_offset",
    CASES,
    ids=[f"{i}-{c[2][:20]}" for i, c in enumerate(CASES)],
)
def test_error_position(source, mode, message, line, offset, end_offset) -> None:
    with pytest.raises(gopy.GopySyntaxError) as info:
        gopy.parse(source, "prog.gopy", mode=mode)
    err = info.value
    assert (err.msg, err.lineno, err.offset, err.end_lineno, err.end_offset) == (
        message,
        line,
        offset,
        line,
        end_offset,
    )
    assert err.filename == "prog.gopy"
    assert err.text == source.splitlines(keepends=True)[line - 1]


def test_caret_is_drawn_under_the_operator() -> None:
    source = "\nif x:\n    total = <-ch + 1\n"
    with pytest.raises(gopy.GopySyntaxError) as info:
        gopy.parse(source, "prog.gopy")
    report = "".join(traceback.format_exception_only(info.value))
    assert report.splitlines()[-3:-1] == ["    total = <-ch + 1", "            ^^"]


# In a plain def or lambda (also inside an async def) channel operations lower to
# the blocking API (docs/language.md section 9): these compile, with no await.
PLAIN_FUNCTION_SOURCES = [
    "\ndef f(ch):\n    x = <-ch\n",
    "\ndef f(ch):\n    ch <- 1\n",
    "\ndef f(ch):\n    v, ok := <-ch\n",
    "\ndef f(ch):\n    v, ok = <-ch\n",
    "\ndef f(a):\n    select:\n        case <-a:\n            pass\n",
    "\nasync def f(ch):\n    g = lambda: <-ch\n",
    "\nasync def f(ch):\n    def g():\n        ch <- 1\n",
    "\nasync def f(ch):\n    return lambda: [<-ch for _ in x]\n",
    "\ndef f(ch):\n    async def g(x=<-ch):\n        pass\n",
    "\ndef f(ch):\n    return [v async for v in g() if <-ch]\n",
    "\ndef f(ch):\n    ch <- <-ch\n",
    "\ndef f(ch):\n    s = 'é€'; x = <-ch\n",
    "\ndef f(ch):\n    return f\"{<-ch}\"\n",
    "\ndef f(ch):\n    return f\"é{1}{x!r:>{<-ch}}\"\n",
    "\ndef f(ch):\n    return (f'a'\n            f\"\"\"\n{ <-ch }\"\"\")\n",
    "\nasync def f(ch):\n    return lambda: f'{<-ch}'\n",
    "\ndef f(ch):\n    match x:\n        case 1:\n            ch <- 1\n",
    "\ndef f(ch):\n    try:\n        pass\n    except* E:\n        v := <-ch\n",
    "\ndef f(ch):\n    @deco(<-ch)\n    def g(): pass\n",
]


@pytest.mark.parametrize("source", PLAIN_FUNCTION_SOURCES)
def test_channel_operations_in_a_plain_function_block(source: str) -> None:
    out = gopy.translate(source, "prog.gopy", mode="exec")
    assert "_blocking(" in out
    assert "await gopy." not in out


def test_caret_line_names_the_operation() -> None:
    with pytest.raises(gopy.GopySyntaxError) as info:
        gopy.parse("\nif x:\n    total = <-ch + 1\n", "prog.gopy")
    report = "".join(traceback.format_exception_only(info.value))
    assert report.splitlines()[-1].endswith(f"SyntaxError: {RECV}")


@pytest.mark.parametrize(
    "source",
    [
        "async def f(ch):\n    x = <-ch\n    ch <- x\n    v, ok := <-ch\n",
        "async def f(ch):\n    return [<-ch for _ in range(3)]\n",
        "async def f(ch):\n    return {k: <-ch async for k in g()}\n",
        "async def f(ch):\n    return [[<-ch for _ in y] for y in z]\n",
        "async def f(a):\n    select:\n        case <-a:\n            pass\n",
        "def f(a):\n    select:\n        default:\n            pass\n",
        "def f(a):\n    async def g(x=1):\n        return <-a\n",
        "def f(xs):\n    for x := range xs:\n        go g(x)\n        defer h(x)\n",
        "go f()\nfor x := range 3:\n    pass\n",
    ],
)
def test_allowed_in_module_mode(source) -> None:
    compile(gopy.parse(source, mode="exec"), "<test>", "exec")


@pytest.mark.parametrize(
    "source",
    [
        "x = <-ch\nch <- x\nv, ok := <-ch\n",
        "select:\n    case <-a:\n        pass\n",
        "for v := range ch:\n    pass\n",
        "xs = [<-ch for _ in range(3)]\n",
        "def f(x=<-ch):\n    pass\n",
        "if c:\n    await g()\n",
    ],
)
def test_allowed_at_the_top_level_of_a_program(source) -> None:
    compile(gopy.parse(source, mode="main"), "<test>", "exec")
