"""Lowering of ``match`` patterns (PEP 634), one method per pattern rule."""

from __future__ import annotations

import ast
from gopy.compiler._lower_base import LoweringBase, number_value
from gopy.compiler._lalr_parser import Tok

__all__ = ["MatchLowering"]

_USUB = ast.USub()
_ADD = ast.Add()
_SUB = ast.Sub()


class MatchLowering(LoweringBase):
    """Builds ``ast.pattern`` nodes."""

    def _capture_name(self, t: Tok) -> str:
        if t.value == "_":
            raise self.error_at("cannot use '_' as a target", t)
        return t.value

    def capture_or_value_pattern(self, c: list) -> ast.pattern:
        x = c[0]
        if x.__class__ is ast.Name:
            name = None if x.id == "_" else x.id
            return self.node(ast.MatchAs, x, x, None, name)
        return self.node(ast.MatchValue, x, x, x)

    def literal_pattern(self, c: list) -> ast.pattern:
        x = c[0]
        if x.__class__ is ast.Constant and (x.value is None or x.value is True or x.value is False):
            return self.node(ast.MatchSingleton, x, x, x.value)
        if x.__class__ is ast.JoinedStr:
            raise self.error_at("patterns may only match literals and attribute lookups", x)
        return self.node(ast.MatchValue, x, x, x)

    def negative_number(self, c: list) -> ast.expr:
        t = c[1]
        number = ast.Constant(
            number_value(t.value),
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        return self.node(ast.UnaryOp, c[0], t, _USUB, number)

    def complex_number(self, c: list) -> ast.expr:
        real, op, t = c
        inner = real.operand if real.__class__ is ast.UnaryOp else real
        if isinstance(inner.value, complex):
            raise self.error_at("real number required in complex literal", real)
        value = number_value(t.value)
        imag = ast.Constant(
            value,
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        if not isinstance(value, complex):
            raise self.error_at("imaginary number required in complex literal", imag)
        return self.node(ast.BinOp, real, t, real, _ADD if op.value == "+" else _SUB, imag)

    def group_pattern(self, c: list) -> ast.pattern:
        inner = c[1]
        close = c[2]
        self.parens[id(inner)] = (
            c[0].lineno,
            c[0].col_offset,
            close.end_lineno,
            close.end_col_offset,
            inner,
        )
        return inner

    def open_sequence_pattern(self, c: list) -> list:
        return c

    def sequence_pattern(self, c: list) -> ast.pattern:
        if len(c) == 3 and c[1].__class__ is list:
            items = c[1][::2]
        else:
            items = c[1:-1:2]
        return self.node(ast.MatchSequence, c[0], c[-1], items)

    def sequence_pattern_open(self, c: list) -> ast.pattern:
        items = c[0]
        return self.node(ast.MatchSequence, items[0], items[-1], items[::2])

    def star_pattern(self, c: list) -> ast.pattern:
        t = c[1]
        return self.node(ast.MatchStar, c[0], t, None if t.value == "_" else t.value)

    def as_pattern(self, c: list) -> ast.pattern:
        return self.node(ast.MatchAs, c[0], c[2], c[0], self._capture_name(c[2]))

    def or_pattern(self, c: list) -> ast.pattern:
        return self.node(ast.MatchOr, c[0], c[-1], c[::2])

    def mapping_item(self, c: list) -> tuple:
        key = c[0]
        if key.__class__ is ast.Name:
            raise self.error_at("invalid syntax", c[1])
        return key, c[2]

    def mapping_rest(self, c: list) -> tuple:
        return None, c[1]

    def mapping_pattern(self, c: list) -> ast.pattern:
        keys: list[ast.expr] = []
        patterns: list[ast.pattern] = []
        rest = None
        for key, value in c[1:-1:2]:
            if rest is not None:
                raise self.error_at("invalid syntax", value if key is None else key)
            if key is None:
                rest = self._capture_name(value)
            else:
                keys.append(key)
                patterns.append(value)
        return self.node(ast.MatchMapping, c[0], c[-1], keys, patterns, rest)

    def keyword_pattern(self, c: list) -> tuple:
        return "kw", c[0], c[2]

    def class_pattern(self, c: list) -> ast.pattern:
        cls = c[0]
        patterns: list[ast.pattern] = []
        names: list[str] = []
        kw_patterns: list[ast.pattern] = []
        for arg in c[2:-1:2]:
            if arg.__class__ is tuple:
                names.append(arg[1].value)
                kw_patterns.append(arg[2])
            elif names:
                raise self.error_at("positional patterns follow keyword patterns", arg)
            else:
                patterns.append(arg)
        return self.node(ast.MatchClass, cls, c[-1], cls, patterns, names, kw_patterns)
