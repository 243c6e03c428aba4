"""What every lowering method needs: positions, parenthesised extents, targets.

``LoweringBase.node`` is the one helper that stamps source positions onto the
nodes the lowering builds; ``parens`` records the extents of parenthesised
expressions (CPython widens a parent to its operand's parentheses); ``store``
and ``delete`` check assignment targets with CPython's messages. The operator
tables map token spellings to ``ast`` operator nodes.
"""

from __future__ import annotations

import ast
import bisect
import itertools
from typing import Any

from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._source_text import SourceText

__all__ = [
    "LoweringBase",
    "LOAD",
    "STORE",
    "DEL",
    "BINOPS",
    "AUGOPS",
    "UNARYOPS",
    "CMPOPS",
    "AND",
    "OR",
    "CONSTS",
    "empty_arguments",
    "number_value",
]

LOAD = ast.Load()
STORE = ast.Store()
DEL = ast.Del()

BINOPS = {
    "+": ast.Add(),
    "-": ast.Sub(),
    "*": ast.Mult(),
    "/": ast.Div(),
    "%": ast.Mod(),
    "//": ast.FloorDiv(),
    "@": ast.MatMult(),
    "**": ast.Pow(),
    "<<": ast.LShift(),
    ">>": ast.RShift(),
    "|": ast.BitOr(),
    "^": ast.BitXor(),
    "&": ast.BitAnd(),
}
AUGOPS = {op + "=": node for op, node in BINOPS.items()}
UNARYOPS = {"+": ast.UAdd(), "-": ast.USub(), "~": ast.Invert(), "not": ast.Not()}
CMPOPS = {
    "<": ast.Lt(),
    ">": ast.Gt(),
    "==": ast.Eq(),
    ">=": ast.GtE(),
    "<=": ast.LtE(),
    "!=": ast.NotEq(),
    "in": ast.In(),
    "not": ast.NotIn(),
    "is": ast.Is(),
    "isnot": ast.IsNot(),
}
AND = ast.And()
OR = ast.Or()
CONSTS = {"None": None, "True": True, "False": False, "...": ...}

# What CPython calls an expression that cannot be a target.
_DESCRIPTIONS = {
    ast.Call: "function call",
    ast.BinOp: "expression",
    ast.UnaryOp: "expression",
    ast.BoolOp: "expression",
    ast.Compare: "comparison",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.Dict: "dict literal",
    ast.Set: "set display",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Yield: "yield expression",
    ast.YieldFrom: "yield expression",
    ast.Await: "await expression",
    ast.JoinedStr: "f-string expression",
    ast.FormattedValue: "f-string expression",
    ast.NamedExpr: "named expression",
    ast.Starred: "starred",
    ast.Name: "name",
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Tuple: "tuple",
    ast.List: "list",
}


# A backslash that may start an invalid escape sequence (which warns); strings
# without one decode without touching the process-wide warnings filters.


def empty_arguments() -> ast.arguments:
    """The ``arguments`` of a function without parameters."""
    return ast.arguments([], [], None, [], [], None, [])


def number_value(text: str) -> int | float | complex:
    """The value of a NUMBER token."""
    if text.isdigit():
        return int(text)
    prefix = text[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        return int(text, 0)
    last = text[-1]
    if last == "j" or last == "J":
        return complex(0.0, float(text[:-1]))
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text, 0)


class LoweringBase:
    """Positions, parenthesised extents and target checks shared by all lowering methods."""

    AUGOPS = AUGOPS

    def __init__(self, source: SourceText) -> None:
        self.source = source
        # id(node) -> (lineno, col, end_lineno, end_col, node) of its outermost parentheses
        self.parens: dict[int, tuple] = {}
        # id(recv node) -> (channel, pos, node) for a receive that is not parenthesised
        self.recv: dict[int, tuple] = {}
        self._lines: list[str] | None = None
        self._char_starts: dict[int, list[int] | None] = {}
        # Every Name spelled like a prelude name (``chan``, ``close``, ``cap``): the
        # module passes are skipped for plain Python that has none in Load context.
        self.prelude_names: list[ast.Name] = []

    # -- positions

    def span(self, first: Any, last: Any) -> tuple[int, int, int, int]:
        """AST-style position from the start of ``first`` to the end of ``last``."""
        parens = self.parens
        p = parens.get(id(first)) if parens else None
        if p is None:
            line, col = first.lineno, first.col_offset
        else:
            line, col = p[0], p[1]
        p = parens.get(id(last)) if parens else None
        if p is None:
            return line, col, last.end_lineno, last.end_col_offset
        return line, col, p[2], p[3]

    def node(self, cls: type, first: Any, last: Any, *fields: Any) -> Any:
        """``cls(*fields)`` spanning ``first`` through ``last`` (tokens or nodes)."""
        parens = self.parens
        p = parens.get(id(first)) if parens else None
        if p is None:
            line, col = first.lineno, first.col_offset
        else:
            line, col = p[0], p[1]
        p = parens.get(id(last)) if parens else None
        if p is None:
            return cls(
                *fields,
                lineno=line,
                col_offset=col,
                end_lineno=last.end_lineno,
                end_col_offset=last.end_col_offset,
            )
        return cls(*fields, lineno=line, col_offset=col, end_lineno=p[2], end_col_offset=p[3])

    def is_bare_tuple(self, node: ast.Tuple) -> bool:
        """Whether a tuple was written without its own parentheses."""
        first = self.span(node.elts[0], node.elts[0])
        return (node.lineno, node.col_offset) == first[:2]

    def char_col(self, lineno: int, byte_col: int) -> int:
        """The character column of a token boundary (linear per line, however many f-strings it has)."""
        try:
            starts = self._char_starts[lineno]
        except KeyError:
            line = self.source.line(lineno)
            # the byte offset where each character of the line starts, built once per line
            starts = (
                None
                if line.isascii()
                else list(itertools.accumulate((len(c.encode("utf-8")) for c in line), initial=0))
            )
            self._char_starts[lineno] = starts
        return byte_col if starts is None else bisect.bisect_left(starts, byte_col)

    def error_at(self, msg: str, node: Any) -> GopySyntaxError:
        """A syntax error spanning ``node`` (a token or an AST node)."""
        return self.source.error(
            msg, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset
        )

    # -- targets

    @staticmethod
    def describe(node: ast.expr) -> str:
        """CPython's name for an expression in "cannot assign to ..." messages."""
        if node.__class__ is ast.Constant:
            value = node.value
            if value is None or value is True or value is False:
                return str(value)
            if value is ...:
                return "ellipsis"
            return "literal"
        return _DESCRIPTIONS.get(node.__class__, "expression")

    def store(self, node: ast.expr, how: str) -> None:
        """Give an assignment target Store context, or raise CPython's error for it."""
        cls = node.__class__
        if cls is ast.Name:
            if node.id == "__debug__":
                raise self.error_at("cannot assign to __debug__", node)
            node.ctx = STORE
        elif cls is ast.Attribute or cls is ast.Subscript:
            node.ctx = STORE
        elif cls is ast.Tuple or cls is ast.List:
            node.ctx = STORE
            for elt in node.elts:
                self.store(elt, how)
        elif cls is ast.Starred:
            node.ctx = STORE
            self.store(node.value, how)
        else:
            what = self._describe_target(node)
            if how == "assign" and cls not in (ast.Tuple, ast.List):
                raise self.error_at(
                    f"cannot assign to {what} here. Maybe you meant '==' instead of '='?", node
                )
            raise self.error_at(f"cannot assign to {what}", node)

    def delete(self, node: ast.expr) -> None:
        """Give a ``del`` target Del context, or raise CPython's error for it."""
        cls = node.__class__
        if cls is ast.Name or cls is ast.Attribute or cls is ast.Subscript:
            node.ctx = DEL
        elif cls is ast.Tuple or cls is ast.List:
            node.ctx = DEL
            for elt in node.elts:
                self.delete(elt)
        else:
            raise self.error_at(f"cannot delete {self._describe_target(node)}", node)

    def _describe_target(self, node: ast.expr) -> str:
        """``describe``, knowing which ``await`` nodes are channel receives."""
        if node.__class__ is ast.Await and id(node) in self.go.ops:  # type: ignore[attr-defined]
            return "channel receive"
        return self.describe(node)
