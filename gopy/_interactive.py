"""Compiling what a person types: REPL inputs and notebook cells.

Built on the compiler's main mode (top-level channel operations allowed): the
program wrapper ``async def _main_module(): ...`` is taken apart again so
that the input's statements run at module level in the session's namespace,
compiled with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` (as ``python -m asyncio``
does). A top-level ``defer`` belongs to the input: its calls run when the
input ends. ``compile_input`` also tells a complete input from one that needs
more lines, as ``codeop`` does.
"""

from __future__ import annotations

import ast
import io
import tokenize
import types

from gopy.compiler import GopySyntaxError

__all__ = ["PRELUDE", "cell_module", "compile_input", "parse_input"]

#: names every input sees without an import (the session namespace holds them)
PRELUDE = ("cap", "chan", "close")
_DEFERS = "__gopy_defers__"
_MAIN = "_main_module"
_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
# Errors that more lines may still cure, wherever they are reported.
_UNFINISHED = ("unclosed '", "unterminated triple-quoted string", "unexpected EOF")
# Errors that more lines may cure when they are reported at the end of the input.
_AT_END = ("expected", "unexpected end of input")


def _parse_main(source: str, filename: str) -> tuple[ast.Module, list[tuple[int, int]]]:
    """The main-mode tree of ``source`` and the (line, byte column) of its top-level defers.

    The compiler rejects ``defer`` outside a function; each such ``defer`` is
    parsed as a ``go`` of the same call (same length, so every position holds)
    and turned into a push onto the input's own ``Defers`` afterwards.
    """
    from gopy.compiler._compile import parse

    lines = source.split("\n")
    defers: list[tuple[int, int]] = []
    while True:
        try:
            return parse("\n".join(lines), filename, "main"), defers
        except GopySyntaxError as exc:
            if exc.msg != "'defer' outside function" or not exc.lineno or not exc.offset:
                raise
            row, col = exc.lineno - 1, exc.offset - 1
            line = lines[row]
            if line[col : col + 5] != "defer" or len(defers) > 1000:
                raise
            lines[row] = line[:col] + "go   " + line[col + 5 :]
            defers.append((exc.lineno, len(line[:col].encode())))


def _generated_prelude_import(stmt: ast.stmt, lines: list[str]) -> bool:
    """Whether ``stmt`` is the compiler's ``from gopy import chan, ...`` (the namespace has them)."""
    if not (isinstance(stmt, ast.ImportFrom) and stmt.module == "gopy" and not stmt.level):
        return False
    if not all(a.name in PRELUDE and a.asname is None for a in stmt.names):
        return False
    text = lines[stmt.lineno - 1].encode()[stmt.col_offset :]
    return not text.startswith(b"from")  # positioned at the name it provides, not typed


def _take_apart(module: ast.Module, source: str, filename: str, defers: list) -> tuple:
    """(module-level head, the program's statements) of a main-mode tree."""
    body = module.body
    function = body[-2]
    assert isinstance(function, ast.AsyncFunctionDef) and function.name == _MAIN, filename
    lines = source.split("\n")
    head = [stmt for stmt in body[:-2] if not _generated_prelude_import(stmt, lines)]
    inner = function.body
    declared = inner[:1] if inner and isinstance(inner[0], ast.Global) else []
    inner = inner[len(declared) :]
    if defers:
        inner = _with_defers(inner, set(defers), filename)
    return head, declared, inner


def _with_defers(inner: list[ast.stmt], defers: set, filename: str) -> list[ast.stmt]:
    """``inner`` inside ``async with gopy.Defers() as <defers>:``, its defers pushed there."""
    for stmt in inner:
        for node in ast.walk(stmt):
            if isinstance(node, ast.ClassDef):
                held = _held_defer(node, defers)
                if held is not None:
                    raise GopySyntaxError("'defer' outside function", filename, *held)
            if (
                isinstance(node, ast.Expr)
                and (node.lineno, node.col_offset) in defers
                and isinstance(node.value, ast.Call)
            ):
                call = node.value
                call.func = ast.Attribute(ast.Name(_DEFERS, ast.Load()), "push", ast.Load())
                ast.copy_location(call.func, call)
                ast.copy_location(call.func.value, call)
    first, last = inner[0], inner[-1]
    runtime = ast.Attribute(ast.Name("gopy", ast.Load()), "Defers", ast.Load())
    item = ast.withitem(ast.Call(runtime, [], []), ast.Name(_DEFERS, ast.Store()))
    wrapper = ast.AsyncWith([item], inner)
    for node in (wrapper, item.context_expr, runtime, runtime.value, item.optional_vars):
        node.lineno, node.col_offset = first.lineno, first.col_offset  # type: ignore[attr-defined]
        node.end_lineno, node.end_col_offset = last.end_lineno, last.end_col_offset  # type: ignore[attr-defined]
    return [wrapper]


def _held_defer(scope: ast.AST, defers: set) -> tuple[int, int, None] | None:
    """(line, offset, text) of a top-level ``defer`` inside ``scope`` (a class body), if any."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Expr) and (node.lineno, node.col_offset) in defers:
            return node.lineno, node.col_offset + 1, None
    return None


def _unfinished(exc: SyntaxError, source: str, ended: bool) -> bool:
    """Whether more lines could turn ``exc`` into a complete input (codeop's question)."""
    msg = exc.msg or ""
    if msg.startswith(_UNFINISHED):
        return True
    if ended or not msg.startswith(_AT_END):
        return False
    lines = source.rstrip("\n").split("\n")
    last = len(lines)
    return (exc.lineno or 0) > last or (
        exc.lineno == last and (exc.offset or 0) > len(lines[-1].rstrip())
    )


def _compound(source: str) -> bool:
    """Whether ``source`` holds an indented block or opens one (it ends at a blank line)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return source.count("\n") > 0 and source.split("\n")[-1][:1].isspace()
    if any(t.type == tokenize.INDENT for t in tokens):
        return True
    line = [t for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL)]
    ends = [i for i, t in enumerate(line) if t.type == tokenize.NEWLINE]
    return bool(ends) and ends[0] > 0 and line[ends[0] - 1].string == ":"


def parse_input(source: str, filename: str) -> tuple[list, list, list] | None:
    """``(head, declared, statements)`` of one input, or None when it needs more lines.

    An input that opens a block is complete at a blank line, as in Python's
    REPL; ``head`` is what stays at module level (docstring, ``__future__``
    and star imports), ``declared`` the wrapper's ``global`` statement.
    """
    lines = source.split("\n")
    ended = len(lines) > 1 and not lines[-1].strip()
    try:
        module, defers = _parse_main(source, filename)
    except SyntaxError as exc:
        if _unfinished(exc, source, ended):
            return None
        raise
    if not ended and _compound(source):
        return None
    return _take_apart(module, source, filename, defers)


def compile_input(source: str, filename: str, symbol: str = "single") -> types.CodeType | None:
    """A REPL input compiled to run in the session namespace, or None if it needs more lines.

    ``symbol="single"`` displays each expression statement's value, as
    Python's REPL does; ``"exec"`` (a file run by ``gopy -i``) does not.
    Evaluating the code gives a coroutine when the input awaits anything.
    """
    parts = parse_input(source, filename)
    if parts is None:
        return None
    head, _, statements = parts
    body = head + statements
    tree: ast.mod = ast.Interactive(body) if symbol == "single" else ast.Module(body, [])
    return compile(tree, filename, symbol, flags=_FLAGS, dont_inherit=True)


def cell_module(source: str, filename: str, runner: str) -> ast.Module:
    """A notebook cell as a module that hands its program to ``runner`` (a name in the namespace).

    The cell's statements stay in ``async def _main_module()`` (its names
    global), and the module ends with ``runner(_main_module)``, whose value
    IPython displays: the cell's last expression statement becomes the
    function's ``return``.
    """
    module, defers = _parse_main(source, filename)
    head, declared, statements = _take_apart(module, source, filename, [])
    if statements and isinstance(statements[-1], ast.Expr):
        last = statements[-1]
        statements[-1] = ast.copy_location(ast.Return(last.value), last)
    if defers:
        statements = _with_defers(statements, set(defers), filename)
    function = module.body[-2]
    assert isinstance(function, ast.AsyncFunctionDef)
    function.body = declared + statements
    run = module.body[-1]
    call = ast.Call(ast.Name(runner, ast.Load()), [ast.Name(_MAIN, ast.Load())], [])
    ast.copy_location(call.func, run)
    ast.copy_location(call.args[0], run)
    module.body = [*head, function, ast.copy_location(ast.Expr(ast.copy_location(call, run)), run)]
    return module
