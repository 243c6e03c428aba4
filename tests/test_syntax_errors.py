"""Every syntax error the compiler core produces: message, line and column.

Positions are CPython's ``SyntaxError`` fields: ``lineno`` and ``offset``
(1-based characters), so the traceback printer puts the caret in the right
place. Most cases start with a blank line so that "line 1" is always wrong.
"""

from __future__ import annotations

import ast
import sys
import traceback

import pytest

import gopy
from gopy import GopyInternalError, GopySyntaxError
from gopy.compiler import _compile as _compiler


def cant_compile(src: str, mode: str = "exec") -> GopySyntaxError:
    with pytest.raises(GopySyntaxError) as info:
        gopy.parse(src, "bad.gopy", mode)
    err = info.value
    assert err.filename == "bad.gopy"
    assert err.text is not None or err.lineno > src.count("\n")
    return err


# (source, message, line, offset)
CASES = [
    # ---- CPython's compile-time errors on the AST come out as GopySyntaxError
    ("\nf() = 1\n", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 2, 1),
    ("\nx = f() = 1\n", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 2, 5),
    ("\ndel f()\n", "cannot delete function call", 2, 5),
    ("\ndel (a, f())\n", "cannot delete function call", 2, 9),
    ("\ndef f(a=1, b): pass\n", "non-default argument follows default argument", 2, 12),
    ("\nfor f() in x: pass\n", "cannot assign to function call", 2, 5),
    ("\nwith a as f(): pass\n", "cannot assign to function call", 2, 11),
    ("\n[x for 1 in y]\n", "cannot assign to literal", 2, 8),
    ("\n(a, b) += 1\n", "'tuple' is an illegal expression for augmented assignment", 2, 1),
    ("\nf() += 1\n", "'function call' is an illegal expression for augmented assignment", 2, 1),
    ("\n[a, b]: int\n", "only single target (not list) can be annotated", 2, 1),
    ("\na, b: int\n", "only single target (not tuple) can be annotated", 2, 1),
    ("\nx = *a\n", "can't use starred expression here", 2, 5),
    ("\n*a\n", "can't use starred expression here", 2, 1),
    ("\n__debug__ = 1\n", "cannot assign to __debug__", 2, 1),
    ("\nNone = 1\n", "cannot assign to None here. Maybe you meant '==' instead of '='?", 2, 1),
    ("\nf(a=1, b)\n", "positional argument follows keyword argument", 2, 8),
    ("\nf(**a, b)\n", "positional argument follows keyword argument unpacking", 2, 8),
    ("\nf(**a, *b)\n", "iterable argument unpacking follows keyword argument unpacking", 2, 8),
    ("\ndef f(*): pass\n", "named arguments must follow bare *", 2, 7),
    ("\ndef f(a, /, b, /): pass\n", "/ may appear only once", 2, 16),
    ("\ndef f(*a, /): pass\n", "/ must be ahead of *", 2, 11),
    ("\ndef f(/): pass\n", "at least one argument must precede /", 2, 7),
    ("\ndef f(**k, a): pass\n", "arguments cannot follow var-keyword argument", 2, 12),
    ("\ndef f(*a, *b): pass\n", "* argument may appear only once", 2, 11),
    ("\nmatch x:\n    case a as _:\n        pass\n", "cannot use '_' as a target", 3, 15),
    ("\nmatch x:\n    case C(a=1, b):\n        pass\n", "positional patterns follow keyword patterns", 3, 17),
    ("\nmatch x:\n    case f'{y}':\n        pass\n", "patterns may only match literals and attribute lookups", 3, 10),
    ("\nmatch x:\n    case 1j + 2j:\n        pass\n", "real number required in complex literal", 3, 10),
    ("\nmatch x:\n    case 1 + 2:\n        pass\n", "imaginary number required in complex literal", 3, 14),
    # ---- literals
    ("\nb'é'\n", "bytes can only contain ASCII literal characters", 2, 1),
    ("\n'a' b'b'\n", "cannot mix bytes and nonbytes literals", 2, 1),
    ("\nx = 'abc\n", "unterminated string literal (detected at line 2)", 2, 5),
    ("\nx = '''abc\n\n", "unterminated triple-quoted string literal (detected at line 3)", 2, 5),
    ("\nx = 08\n", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 2, 5),
    ("\nx = 0b2\n", "invalid digit '2' in binary literal", 2, 7),
    ("\nx = 0o19\n", "invalid digit '9' in octal literal", 2, 8),
    ("\nx = 1abc\n", "invalid decimal literal", 2, 5),
    ("\nx = 0x\n", "invalid hexadecimal literal", 2, 6),
    ("\nx = 0bz\n", "invalid binary literal", 2, 6),
    ("\nx = 1__0\n", "invalid decimal literal", 2, 6),
    ("\nx = 0x1_\n", "invalid hexadecimal literal", 2, 8),
    ("\nx = 5 × 3\n", "invalid character '×' (U+00D7)", 2, 7),
    ("\nx = $\n", "invalid character '$' (U+0024)", 2, 5),
    ("\nx = \\ y\n", "unexpected character after line continuation character", 2, 6),
    # CPython 3.11 reports an error of the f-string itself at the token after it
    ("\nf'{}'\n", {(3, 11): ("f-string: empty expression not allowed", 2, 6),
                    (3, 12): ("f-string: valid expression required before '}'", 2, 4)}),
    # an error inside a replacement field points into the field (CPython 3.11 points into
    # "(a b)"; from 3.12 on CPython itself reports the field's place, without "f-string: ")
    ('\nx = f"é{a b}"\n', {(3, 11): ("f-string: invalid syntax. Perhaps you forgot a comma?", 2, 9),
                          (3, 12): ("invalid syntax. Perhaps you forgot a comma?", 2, 9)}),
    ('\nx = (1,\n  f"{ a b!r}")\n', {(3, 11): ("f-string: invalid syntax. Perhaps you forgot a comma?", 3, 7),
                                   (3, 12): ("invalid syntax. Perhaps you forgot a comma?", 3, 7)}),
    ('\nx = f"{x:{b c}}"\n', {(3, 11): ("f-string: invalid syntax. Perhaps you forgot a comma?", 2, 11),
                            (3, 12): ("invalid syntax. Perhaps you forgot a comma?", 2, 11)}),
    ('\nx = f"""\n  {a b}"""\n', {(3, 11): ("f-string: invalid syntax. Perhaps you forgot a comma?", 3, 4),
                                (3, 12): ("invalid syntax. Perhaps you forgot a comma?", 3, 4)}),
    # PEP 701 (3.12): the f-string's end is found with nested quotes, line breaks and comments
    ('\nx = f"{x\n', {(3, 11): ("unterminated string literal (detected at line 2)", 2, 5),
                    (3, 12): ("'{' was never closed", 2, 7)}),
    ('\nx = f"{x!z}"\n', {(3, 12): ("f-string: invalid conversion character 'z': expected 's', 'r', or 'a'", 2, 10)}),
    # ---- brackets: unclosed ones are reported at the opening bracket
    ("\nx = (1,\n     2\n", "unclosed '('", 2, 5),
    ("\nx = [1, 2\ny = 3\n", "unclosed '['", 2, 5),
    ("\né = {\n", "unclosed '{'", 2, 5),
    ("\nx = )\n", "unmatched ')'", 2, 5),
    ("\nx = (]\n", "closing parenthesis ']' does not match opening parenthesis '('", 2, 6),
    ("\nx = (\n]\n", "closing parenthesis ']' does not match opening parenthesis '(' on line 2", 3, 1),
    ("\nx = " + "(" * 201 + "1" + ")" * 201 + "\n", "too many nested parentheses", 2, 205),
    # ---- the parser
    ("\nif x\n    pass\n", "expected ':'", 2, 5),
    ("\nfor x in range(3)\n    pass\n", "expected ':'", 2, 18),
    ("\nclass A\n    pass\n", "expected ':'", 2, 8),
    ("\ndef f() -> int\n    pass\n", "expected ':'", 2, 15),
    ("\nwhile x  # comment\n    pass\n", "expected ':'", 2, 8),
    ("\ntry:\n    pass\n", "expected 'except' or 'finally' block", 3, 9),
    ("\nx = 1 if 2\n", "expected 'else' after 'if' expression", 2, 11),
    ("\nx = 1 +\n", "invalid syntax", 2, 8),
    ("\nprint 'x'\n", "invalid syntax", 2, 7),
    ("\n[a b]\n", "invalid syntax. Perhaps you forgot a comma?", 2, 2),
    ("\nx = {1: 2 3: 4}\n", "invalid syntax. Perhaps you forgot a comma?", 2, 9),
    ("\nprint('é' x)\n", "invalid syntax. Perhaps you forgot a comma?", 2, 7),
    ("\nx ::= 1\n", "invalid syntax", 2, 4),
    ("\ntry:\n    pass\nexcept E:\n    pass\nexcept* C:\n    pass\n", "cannot have both 'except' and 'except*' on the same 'try'", 6, 1),
    ("\ntry:\n    pass\nexcept* C:\n    pass\nexcept D:\n    pass\n", "cannot have both 'except' and 'except*' on the same 'try'", 6, 1),
    # ---- Go syntax that gopy does not have, and arms without a body
    ("\nasync def f():\n    select:\n        case ch <- 1:\n        default:\n            pass\n",
     "expected an indented block after 'case' statement on line 4", 5, 9),
    ("\nasync def f():\n    select:\n        case <-a:\n        case <-b:\n            pass\n",
     "expected an indented block after 'case' statement on line 4", 5, 9),
    ("\ndef f(out: chan<- int): pass\n",
     "Go's send-only channel type 'chan<- T' is not gopy syntax: annotate it as chan[T]", 2, 12),
    ("\ndef f(inp: <-chan int): pass\n",
     "Go's receive-only channel type '<-chan T' is not gopy syntax: annotate it as chan[T]", 2, 12),
    # ---- syntax newer than the interpreter: its own error (None: valid from that version on)
    ("\ndef f[T](x): pass\n", {(3, 11): ("expected '('", 2, 6), (3, 12): None}),
    ("\nclass C[T]: pass\n", {(3, 11): ("invalid syntax", 2, 8), (3, 12): None}),
    ("\ntype X = int\n", {(3, 11): ("invalid syntax", 2, 6), (3, 12): None}),
    ("\ndef f[T=int](): pass\n", {(3, 11): ("expected '('", 2, 6), (3, 13): None}),
    ("\nclass C[T=int]: pass\n", {(3, 11): ("invalid syntax", 2, 8), (3, 12): ("invalid syntax", 2, 10), (3, 13): None}),
    ("\ntype A[T=int] = int\n", {(3, 11): ("invalid syntax", 2, 6),
                                (3, 12): ("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 2, 8),
                                (3, 13): None}),
    ("\ntry: pass\nexcept A, B: pass\n", {(3, 11): ("multiple exception types must be parenthesized", 3, 8), (3, 14): None}),
    ("\ntry: pass\nexcept A, B as e: pass\n", {(3, 11): ("multiple exception types must be parenthesized", 3, 8),
                                            (3, 14): ("multiple exception types must be parenthesized when using 'as'", 3, 8)}),
    ("\ntry: pass\nexcept* A, B: pass\n", {(3, 11): ("multiple exception types must be parenthesized", 3, 9), (3, 14): None}),
    ("\nx = t'{y}'\n", {(3, 11): ("invalid syntax", 2, 6), (3, 14): None}),
    ("\nlazy import json\n", {(3, 11): ("invalid syntax", 2, 6), (3, 15): None}),
    ("\nx = [*a for a in b]\n", {(3, 11): ("iterable unpacking cannot be used in comprehension", 2, 6), (3, 15): None}),
    ("\nx = {**a for a in b}\n", {(3, 11): ("dict unpacking cannot be used in dict comprehension", 2, 6), (3, 15): None}),
    ("\nf(*a for a in b)\n", {(3, 11): ("iterable unpacking cannot be used in comprehension", 2, 3), (3, 15): None}),
    # ---- indentation
    ("\n  x = 1\n", "unexpected indent", 2, 2),
    ("\nif x:\npass\n", "expected an indented block after 'if' statement on line 2", 3, 1),
    ("\nasync def f():\nreturn\n", "expected an indented block after function definition on line 2", 3, 1),
    ("\ntry:\n    pass\nexcept E:\n# c\nfoo\n", "expected an indented block after 'except' statement on line 4", 6, 1),
    ("\nclass A:\n", "expected an indented block after class definition on line 2", 3, 1),
    ("\ndef f():\n        x = 1\n    y = 2\n", "unindent does not match any outer indentation level", 4, 10),
    ("\nif x:\n        a\n\tb\n", "inconsistent use of tabs and spaces in indentation", 4, 2),
    ("\n" + "".join(" " * i + "if x:\n" for i in range(100)) + " " * 100 + "pass\n", "too many levels of indentation", 102, 1),
    # ---- gopy
    ("\nasync def f():\n    x = <-\n", "expected an expression after '<-'", 3, 9),
    ("\nasync def f():\n    ch <- \n", "expected an expression after '<-'", 3, 8),
    ("\ncase <-ch:\n    pass\n", "'case' outside 'select'", 2, 1),
    ("\nif x:\n    case v := <-ch:\n        pass\n", "'case' outside 'select'", 3, 5),
    ("\ndefault:\n    pass\n", "'default' outside 'select'", 2, 1),
    (
        "\nasync def f():\n    select:\n        default:\n            pass\n        default:\n            pass\n",
        "'default' appears twice in 'select'",
        6,
        9,
    ),
    ("\ngo f\n", "'go' needs a function call", 2, 4),
    ("\nasync def f():\n    x = (ch <- 1)\n", "a send (ch <- v) is a statement, not an expression (write 'a < -b' to compare)", 3, 13),
    ("\nasync def f():\n    select:\n        x = 1\n", "expected 'case' or 'default' in 'select'", 4, 9),
    ("\nmatch x:\n    y = 1\n", "expected 'case'", 3, 5),
    ("\nasync def f():\n    select:\n    pass\n", "expected an indented block after 'select' statement on line 3", 4, 5),
    ("\ngo x + 1\n", "'go' needs a function call", 2, 4),
    ("\ndefer 3\n", "'defer' needs a function call", 2, 7),
    (
        "\nasync def f():\n    select:\n        case a, b, c := <-ch:\n            pass\n",
        "a receive case assigns at most two targets",
        4,
        14,
    ),
    ("\nasync def f():\n    f() := 1\n", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 3, 5),
    ("\nasync def f():\n    for f() := range x:\n        pass\n", "cannot assign to function call", 3, 9),
    # ---- review: messages that named the wrong thing
    (
        "\nasync def f():\n    x = await <-ch\n",
        "'<-' already waits for the value: remove 'await' (or write 'await (<-ch)')",
        3,
        15,
    ),
    ("\nasync def f():\n    <-ch = 1\n", "cannot assign to channel receive here. Maybe you meant '==' instead of '='?", 3, 5),
    ("\nasync def f():\n    del <-ch\n", "cannot delete channel receive", 3, 9),
    ("\nasync def f():\n    for <-a in b: pass\n", "cannot assign to channel receive", 3, 9),
    ("\ndefault: pass\n", "'default' outside 'select'", 2, 1),
    ("\nif x:\n    default: pass\n", "'default' outside 'select'", 3, 5),
    (
        "\nasync def f():\n    select:\n        case go:\n            pass\n",
        "expected '<-': a select case sends (case ch <- v:) or receives (case v := <-ch:)",
        4,
        16,
    ),
    (
        "\nasync def f():\n    select:\n        case v := a:\n            pass\n",
        "expected '<-': a select case sends (case ch <- v:) or receives (case v := <-ch:)",
        4,
        19,
    ),
    ("\nselect\n    case <-a:\n        pass\n", "expected ':'", 2, 7),
    ("\nasync def f():\n    for x in range ch:\n        pass\n", "invalid syntax. Perhaps you meant 'for ... := range ...'?", 3, 14),
    ("\nasync def f():\n    for x = range ch:\n        pass\n", "invalid syntax. Perhaps you meant 'for ... := range ...'?", 3, 11),
    (
        "\nasync def f():\n    match x:\n        case <-ch:\n            pass\n",
        "a channel operation is not a pattern: 'case <-ch:' belongs in a 'select'",
        4,
        14,
    ),
    (
        "\nfor i := 0; i < 10; i++:\n    pass\n",
        "expected 'range' after ':=' in a 'for' header (gopy has only 'for ... := range ...')",
        2,
        10,
    ),
    # ':=' declares names, also in its comma-ok form
    ("\nasync def f():\n    self.a, b := <-ch\n", "non-name on left side of ':='", 3, 5),
    ("\nasync def f():\n    a, *b := <-ch\n", "non-name on left side of ':='", 3, 8),
]


def _for_this_python(cases: list) -> list:
    """The rows that hold on the running interpreter.

    A row is (source, message, line, offset), or (source, {version: (message,
    line, offset) or None}) where each entry holds from that version on and
    None means the source is valid from then on (a row without an entry for
    an older version states nothing there).
    """
    rows = []
    for case in cases:
        if len(case) == 2:
            src, by_version = case
            versions = [v for v in by_version if v <= sys.version_info[:2]]
            expected = by_version[max(versions)] if versions else None
            if expected is None:
                continue
            case = (src, *expected)
        rows.append(case)
    return rows


CASES = _for_this_python(CASES)


@pytest.mark.parametrize(("src", "msg", "line", "offset"), CASES, ids=[c[1][:40] + f"@{c[2]}:{c[3]}" for c in CASES])
def test_error_message_and_position(src: str, msg: str, line: int, offset: int) -> None:
    err = cant_compile(src)
    assert (err.msg, err.lineno, err.offset) == (msg, line, offset)
    assert isinstance(err, SyntaxError)


def test_channel_operation_at_module_level_points_at_operator() -> None:
    # (in a plain def it blocks the thread; at a module's top level it is an error)
    err = cant_compile("\nx = 1\nch <- 1\n")
    assert (err.lineno, err.offset) == (3, 4)
    assert "async def" in err.msg


def test_non_ascii_line_offsets_are_characters() -> None:
    err = cant_compile("\ns = 'é'; x = (]\n")
    assert (err.lineno, err.offset) == (2, 15)
    assert err.text == "s = 'é'; x = (]\n"
    err = cant_compile("\ns = 'ééé'; f() = 1\n")
    assert (err.lineno, err.offset, err.end_offset) == (2, 12, 15)


def test_caret_is_drawn_under_the_error() -> None:
    err = cant_compile("\nx = (1,\n     2\n")
    text = "".join(traceback.format_exception_only(type(err), err))
    assert 'File "bad.gopy", line 2' in text
    assert "x = (1," in text
    assert text.splitlines()[2].index("^") == text.splitlines()[1].index("(")
    assert "unclosed '('" in text


def test_cpython_compile_errors_from_compile_source() -> None:
    """Errors only CPython's compiler finds (symbol table) still come out positioned."""
    with pytest.raises(GopySyntaxError) as info:
        _compiler.compile_source("\ndef f(a, a):\n    pass\n", "dup.gopy", "exec")
    err = info.value
    assert err.msg == "duplicate argument 'a' in function definition"
    assert (err.filename, err.lineno) == ("dup.gopy", 2)
    assert err.text == "def f(a, a):\n"
    with pytest.raises(GopySyntaxError) as info:
        _compiler.compile_source("x = 1\nreturn x\n", "ret.gopy", "exec")
    assert (info.value.msg, info.value.lineno) == ("'return' outside function", 2)


def test_every_error_is_a_syntax_error_not_a_lark_error() -> None:
    """Garbage of every kind gives GopySyntaxError; Lark's exceptions never leak."""
    junk = [")", "(((", "def", "class", "if", "x = = 1", "for in x:", "lambda", "@", "import", "from x import",
            "match x:\n    pass\n", "select:\n    pass\n", "with (a as b:\n", "go go go", "<-", "async x", "yield = 1",
            "x = [i for i in]", "f(*)", "{**}", "a[]", "case:", "try:\n    pass\nelse:\n    pass\n", "\tx\n  y\n"]
    for src in junk:
        with pytest.raises(SyntaxError) as info:
            gopy.parse(src)
        assert isinstance(info.value, GopySyntaxError), src
        assert "lark" not in type(info.value).__module__


def test_internal_errors_are_reported_as_compiler_bugs(monkeypatch: pytest.MonkeyPatch) -> None:
    from gopy.compiler import _lower_statements as _lower

    def broken(self: object, c: list) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(_lower.Lowerer, "pass_stmt", broken)
    with pytest.raises(GopyInternalError, match="internal compiler error.*please report") as info:
        gopy.parse("pass\n")
    assert isinstance(info.value.__cause__, KeyError)


def test_go_is_still_a_name_where_not_a_statement() -> None:
    for src in ("go = 1\n", "go(f)\n", "obj.go()\n", "defer[0]\n", "select(x)\n", "go <- 1\n"):
        gopy.parse(src, mode="main")
    assert ast.unparse(gopy.parse("go(f)\n")) == "go(f)"


# Backslash continuations where a line's indentation would be: CPython 3.11 takes
# the column of the first such backslash (unless it is 0); one before the end of
# the file is "unexpected EOF".
@pytest.mark.parametrize(
    "src",
    [
        "x = 1\n  \\\ny\n",
        "  \\\nx = 1\n",
        "if x:\n    a\n  \\\nb\n",
        "\\\n",
        "x\\\n",
        "x = 1 \\",
    ],
)
def test_backslash_continuation_errors_match_cpython(src: str) -> None:
    with pytest.raises(SyntaxError) as expected:
        ast.parse(src)
    err = cant_compile(src)
    assert (err.msg, err.lineno) == (expected.value.msg, expected.value.lineno)
    assert 1 <= err.offset <= len(src.splitlines()[err.lineno - 1]) + 1


def test_backslash_continuation_before_the_end_in_brackets() -> None:
    err = cant_compile("x = (1 +\\\n")
    assert (err.msg, err.lineno, err.offset) == ("unclosed '('", 1, 5)


@pytest.mark.parametrize(
    "src", ["x = 1\n\\\ny = 2\n", "if x:\n    a\n\\\n    b\n", "if x:\n    a\n    \\\n    b\n", "if 1:\n  x = 1\n  \\\n\n"]
)
def test_backslash_continuation_indentation_matches_cpython(src: str) -> None:
    assert ast.dump(gopy.parse(src), include_attributes=True) == ast.dump(ast.parse(src), include_attributes=True)


# Two errors in one file: the one CPython reports. After a parser error CPython
# tokenizes the rest of the file and most tokenizer errors found there win;
# indentation errors, an unclosed bracket and "unexpected indent" do not.
@pytest.mark.parametrize(
    "src",
    [
        "  x = 1\ny = 2\n  z = 3\n",
        "x = 1\n  y = 'abc\n",
        "x = = 1\ny = 'abc\n",
        "x = = 1\ny = (\n",
        "x = = 1\nif x:\n        a\n    b\n",
        "def f(:\n    pass\nz = 'abc\n",
        "f() = 1\nz = ×\n",
    ],
)
def test_the_error_reported_of_two_is_cpythons(src: str) -> None:
    with pytest.raises(SyntaxError) as expected:
        ast.parse(src)
    err = cant_compile(src)
    assert (err.msg, err.lineno, err.offset) == (expected.value.msg, expected.value.lineno, expected.value.offset)


def test_an_earlier_error_wins_over_an_invalid_ascii_character() -> None:
    err = cant_compile("f() = 1\nx = $\n")
    assert (err.msg, err.lineno) == ("cannot assign to function call here. Maybe you meant '==' instead of '='?", 1)


@pytest.mark.parametrize("expr", ["-" * 100000 + "1", "<-" * 5000 + "c", "a" + ".b" * 100000])
def test_too_deep_for_cpythons_compiler_is_a_syntax_error(expr: str) -> None:
    src = "y = 1\nx = " + expr + "\n"
    for convert in (lambda: _compiler.compile_source(src, "deep.gopy", "main"), lambda: gopy.translate(src, "deep.gopy")):
        with pytest.raises(GopySyntaxError) as info:
            convert()
        assert info.value.lineno == 2 and "too deeply nested" in info.value.msg


def test_mutated_sources_give_a_syntax_error_or_a_tree() -> None:
    """Random insertions of Go tokens and deletions: GopySyntaxError (well placed) or a parse, nothing else."""
    import random
    from pathlib import Path

    rng = random.Random(2)
    golden = Path(__file__).resolve().parent / "golden"
    sources = [p.read_text(encoding="utf-8").split("\n# output\n")[0] for p in sorted(golden.glob("*.golden"))]
    inserts = ["<-", ":=", "go ", "defer ", "select:", "case ", "default:", "\n", "(", ")", ":", " range ",
               "\n    ", ",", 'f"{<-c}"', "\\\n", "\t", "\r", "λ", "'", "await "]
    for _ in range(400):
        src = rng.choice(sources)
        for _ in range(rng.randint(1, 3)):
            k = rng.randrange(len(src) + 1)
            if rng.random() < 0.6:
                src = src[:k] + rng.choice(inserts) + src[k:]
            else:
                src = src[:k] + src[k + rng.randint(1, 5) :]
        lines = src.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for mode in ("exec", "main"):
            try:
                gopy.parse(src, "fuzz.gopy", mode)
            except GopySyntaxError as err:
                assert 1 <= err.lineno <= len(lines) and err.offset >= 1, (err, src)
                if err.text is not None:
                    assert err.text.rstrip("\n") == lines[err.lineno - 1], (err, src)
                    assert err.offset <= len(lines[err.lineno - 1]) + 2, (err, src)


def test_fstring_errors_far_right_on_a_long_line() -> None:
    pad = 'x = "' + "é" * 90 + '" + '
    err = cant_compile(pad + 'f"{a b}"\n')
    # CPython 3.11 marks the two names and the space between; 3.12 the same
    assert (err.lineno, err.offset, err.end_offset) == (1, len(pad) + 4, len(pad) + 7)
    err = cant_compile(pad + 'f"a" b"b"\n')
    assert (err.msg, err.offset) == ("cannot mix bytes and nonbytes literals", len(pad) + 1)


def test_char_col_of_token_boundaries() -> None:
    from gopy.compiler._lower_statements import Lowerer
    from gopy.compiler._source_text import SourceText

    line = "aé€b𝄞c\n"
    lowerer = Lowerer(SourceText(line), "exec")
    for char_col in range(len(line)):
        assert lowerer.char_col(1, len(line[:char_col].encode())) == char_col


# ---- source that does not decode, as CPython reports it


@pytest.mark.parametrize(
    ("source", "msg", "line", "offset"),
    [
        (
            b"x = 1\ny = 'a\xffb'\n",
            "(unicode error) 'utf-8' codec can't decode byte 0xff in position 6: invalid start byte",
            2,
            7,
        ),
        (
            b"\xef\xbb\xbfx = '\xff'\n",
            "(unicode error) 'utf-8' codec can't decode byte 0xff in position 5: invalid start byte",
            1,
            6,
        ),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n", "encoding problem: iso-8859-1 with BOM", 1, 1),
        (b"# coding: foobar\nx = 1\n", "unknown encoding: foobar", 1, 1),
    ],
)
def test_undecodable_source(source: bytes, msg: str, line: int, offset: int) -> None:
    with pytest.raises(SyntaxError) as cpython:
        compile(source, "bad.gopy", "exec")
    with pytest.raises(GopySyntaxError) as info:
        gopy.parse(source, "bad.gopy")
    err = info.value
    assert (err.msg, err.lineno, err.offset) == (msg, line, offset)
    # CPython's message (its position of a bad byte is the string token's, and a
    # BOM conflict has line 0: gopy reports the byte's own line and column)
    assert err.msg == cpython.value.msg.replace("position 1:", "position 6:").replace("position 0:", "position 5:")


def test_lone_surrogate_in_a_str_source_is_cpythons_error() -> None:
    for src in ("x = '\ud800'\n", "\ud800 = 1\n"):
        with pytest.raises(UnicodeEncodeError) as cpython:
            compile(src, "f", "exec")
        with pytest.raises(UnicodeEncodeError) as got:
            gopy.parse(src, "f.gopy")
        assert str(got.value) == str(cpython.value)
