"""The node builders and generated names shared by the Go lowering and its module pass.

Every node the Go lowering makes gets its position from ``at``; the names
generated code uses (the runtime module, Go's builtins that every ``.gopy``
module sees without an import, and the scaffolding's locals) live here and
nowhere else.
"""

from __future__ import annotations

import ast
from typing import TypeVar

__all__ = [
    "Pos",
    "RUNTIME",
    "PRELUDE",
    "SELECTED",
    "DEFERS",
    "MAIN_FUNCTION",
    "at",
    "span",
    "pos_of",
    "runtime_attr",
    "runtime_call",
    "awaited",
    "name",
    "assign",
]

Pos = tuple[int, int, int, int]
"""(lineno, col_offset, end_lineno, end_col_offset), AST-style (UTF-8 bytes, 0-based)."""

RUNTIME = "gopy"
PRELUDE = frozenset({"cap", "chan", "close"})
SELECTED = "_selected"
DEFERS = "defers"
MAIN_FUNCTION = "_main_module"

_N = TypeVar("_N", bound=ast.AST)


def at(node: _N, pos: Pos) -> _N:
    """Stamp ``pos`` on a node this module creates, and return it."""
    node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = pos
    return node


def span(first: ast.AST, last: ast.AST) -> Pos:
    """The position from the start of ``first`` to the end of ``last``."""
    return (first.lineno, first.col_offset, last.end_lineno, last.end_col_offset)


def pos_of(node: ast.AST) -> Pos:
    """The position of an AST node that has one."""
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def runtime_attr(attr: str, pos: Pos) -> ast.Attribute:
    """``gopy.<attr>``, placed at the start of ``pos``.

    Zero width: CPython attributes an attribute load to its node's last line,
    and a construct's whole span would make that the construct's last line
    (which coverage would then count as run when it never was).
    """
    pos = (pos[0], pos[1], pos[0], pos[1])
    return at(ast.Attribute(at(ast.Name(RUNTIME, ast.Load()), pos), attr, ast.Load()), pos)


def runtime_call(
    attr: str, args: list[ast.expr], pos: Pos, keywords: list[ast.keyword] | None = None
) -> ast.Call:
    """``gopy.<attr>(*args, **keywords)``."""
    return at(ast.Call(runtime_attr(attr, pos), args, keywords or []), pos)


def awaited(call: ast.expr, pos: Pos) -> ast.Await:
    """``await <call>``."""
    return at(ast.Await(call), pos)


def name(ident: str, ctx: ast.expr_context, pos: Pos) -> ast.Name:
    """A ``Name`` node."""
    return at(ast.Name(ident, ctx), pos)


def assign(targets: list[ast.expr], value: ast.expr, pos: Pos) -> ast.Assign:
    """``a = value`` for one target, ``a, b = value`` for several."""
    if len(targets) == 1:
        target = targets[0]
    else:
        target = at(ast.Tuple(list(targets), ast.Store()), span(targets[0], targets[-1]))
    return at(ast.Assign([target], value, None), pos)
