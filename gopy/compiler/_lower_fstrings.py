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

from gopy.compiler._fstring_scan import receive_arrows

__all__ = ["receive_arrows", "ReceiveRestorer"]


class ReceiveRestorer(ast.NodeTransformer):
    """Turns ``~~x`` back into the receive it stands for, at the recorded positions."""

    def __init__(
        self, arrows: set[tuple[int, int]], recv_expr: Callable[[ast.expr, tuple], ast.expr]
    ) -> None:
        self.arrows = arrows
        self.recv_expr = recv_expr

    def visit_Interpolation(self, node: ast.AST) -> ast.AST:
        """A t-string interpolation keeps its expression's text: ``<-ch``, not ``~~ch``."""
        self.generic_visit(node)
        text = node.str  # type: ignore[attr-defined]
        if "~~" in text and any(
            (node.lineno, node.col_offset) <= arrow <= (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
            for arrow in self.arrows
        ):
            node.str = text.replace("~~", "<-")  # type: ignore[attr-defined]
        return node

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
