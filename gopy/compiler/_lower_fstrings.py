"""Receives (``<-ch``) inside f-string replacement fields.

f-strings are parsed by CPython (see ``ExprLowering._fstring_group``), which
reads ``<-`` as ``< -``. Before that parse, each ``<-`` of a replacement
field is overwritten with ``~~``: the same width (so every position stays
exact) and an operator of the same precedence as the receive. After the
parse, the double inversion that starts at a recorded ``<-`` position becomes
the receive. A ``~~`` the programmer wrote is left alone: only recorded
positions are converted.
"""

from __future__ import annotations

import ast
from typing import Callable

__all__ = ["receive_arrows", "ReceiveRestorer"]


def _skip_string(s: str, i: int) -> int:
    """The index after the string literal that starts at ``s[i]`` (a quote)."""
    quote = s[i] * 3 if s.startswith(s[i] * 3, i) else s[i]
    end = s.find(quote, i + len(quote))
    return len(s) if end < 0 else end + len(quote)


def receive_arrows(value: str) -> list[int]:
    """Offsets in an f-string token's text of the ``<-`` operators in its replacement fields."""
    q = 0
    while value[q] not in "'\"":
        q += 1
    if "f" not in value[:q].lower():
        return []
    quote = 3 if value.startswith(value[q] * 3, q) and len(value) - q >= 6 else 1
    i, end = q + quote, len(value) - quote
    arrows: list[int] = []
    # One entry per open replacement field: [mode, bracket depth]; mode is
    # "expr", "conv" (after '!') or "spec" (after ':', where '{' nests a field).
    fields: list[list] = []
    while i < end:
        c = value[i]
        if not fields:
            if c == "{":
                if value.startswith("{{", i):
                    i += 2
                    continue
                fields.append(["expr", 0])
            i += 1
            continue
        field = fields[-1]
        mode = field[0]
        if mode == "expr":
            if c in "'\"":
                i = _skip_string(value, i)
                continue
            if value.startswith("<<", i):
                i += 2
                continue
            if value.startswith("<-", i):
                arrows.append(i)
                i += 2
                continue
            if c in "([{":
                field[1] += 1
            elif c in ")]}":
                if field[1]:
                    field[1] -= 1
                elif c == "}":
                    fields.pop()
            elif field[1] == 0 and c == "!" and not value.startswith("!=", i):
                field[0] = "conv"
            elif field[1] == 0 and c == ":":
                field[0] = "spec"
        elif c == "}":
            fields.pop()
        elif mode == "conv" and c == ":":
            field[0] = "spec"
        elif mode == "spec" and c == "{":
            fields.append(["expr", 0])
        i += 1
    return arrows


class ReceiveRestorer(ast.NodeTransformer):
    """Turns ``~~x`` back into the receive it stands for, at the recorded positions."""

    def __init__(
        self, arrows: set[tuple[int, int]], recv_expr: Callable[[ast.expr, tuple], ast.expr]
    ) -> None:
        self.arrows = arrows
        self.recv_expr = recv_expr

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        inner = node.operand
        if (
            (node.lineno, node.col_offset) in self.arrows
            and isinstance(node.op, ast.Invert)
            and isinstance(inner, ast.UnaryOp)
            and isinstance(inner.op, ast.Invert)
        ):
            pos = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
            return self.recv_expr(inner.operand, pos)
        return node
