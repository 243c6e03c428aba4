"""Lowering of expressions: names, numbers, displays, comprehensions, calls, operators, parameters.

``ExprLowering`` has one method per expression rule of the grammar; string
literals come from ``StringLowering``, positions and targets from
``LoweringBase``.
"""

from __future__ import annotations

import ast

from gopy.compiler._versions import COMPREHENSION_UNPACKING
from gopy.compiler._lower_base import (
    AND,
    BINOPS,
    CMPOPS,
    CONSTS,
    LOAD,
    OR,
    STORE,
    UNARYOPS,
    empty_arguments,
    number_value,
)
from gopy.compiler._lower_go_nodes import PRELUDE
from gopy.compiler._lalr_parser import Tok
from gopy.compiler._lower_strings import StringLowering

__all__ = ["ExprLowering"]


class ExprLowering(StringLowering):
    """One method per expression rule."""

    # ---------------------------------------------------------------- atoms

    def name(self, c: list) -> ast.expr:
        t = c[0]
        node = ast.Name(
            t.value,
            LOAD,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        if t.value in PRELUDE:
            self.prelude_names.append(node)
        return node

    def number(self, c: list) -> ast.expr:
        t = c[0]
        try:
            value = number_value(t.value)
        except ValueError as exc:  # e.g. more digits than sys.get_int_max_str_digits()
            raise self.error_at(str(exc), t) from None
        return ast.Constant(
            value,
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )

    def const(self, c: list) -> ast.expr:
        t = c[0]
        return ast.Constant(
            CONSTS[t.value],
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )

    def paren(self, c: list) -> ast.expr:
        inner = c[1]
        close = c[2]
        self.parens[id(inner)] = (
            c[0].lineno,
            c[0].col_offset,
            close.end_lineno,
            close.end_col_offset,
            inner,
        )
        if self.recv:
            self.recv.pop(id(inner), None)
        return inner

    def tuple_paren(self, c: list) -> ast.expr:
        return self.node(ast.Tuple, c[0], c[-1], c[1:-1:2], LOAD)

    def tuple_bare(self, c: list) -> ast.expr:
        return self.node(ast.Tuple, c[0], c[-1], c[::2], LOAD)

    def list(self, c: list) -> ast.expr:
        return self.node(ast.List, c[0], c[-1], c[1:-1:2], LOAD)

    def set(self, c: list) -> ast.expr:
        return self.node(ast.Set, c[0], c[-1], c[1:-1:2])

    def dict(self, c: list) -> ast.expr:
        items = c[1:-1:2]
        return self.node(ast.Dict, c[0], c[-1], [k for k, _ in items], [v for _, v in items])

    def dict_pair(self, c: list) -> tuple:
        return c[0], c[2]

    def dict_unpack(self, c: list) -> tuple:
        return None, c[1]

    def genexp(self, c: list) -> ast.expr:
        return self.node(ast.GeneratorExp, c[0], c[-1], self._comp_elt(c[1]), c[2])

    def listcomp(self, c: list) -> ast.expr:
        return self.node(ast.ListComp, c[0], c[-1], self._comp_elt(c[1]), c[2])

    def setcomp(self, c: list) -> ast.expr:
        return self.node(ast.SetComp, c[0], c[-1], self._comp_elt(c[1]), c[2])

    def dictcomp(self, c: list) -> ast.expr:
        return self.node(ast.DictComp, c[0], c[-1], c[1], c[3], c[4])

    def dictcomp_unpack(self, c: list) -> ast.expr:
        """``{**d for d in ds}`` (Python 3.15)."""
        if not COMPREHENSION_UNPACKING:
            raise self.error_at("dict unpacking cannot be used in dict comprehension", c[1])
        return self.node(ast.DictComp, c[0], c[-1], c[2], None, c[3])

    def _comp_elt(self, elt: ast.expr) -> ast.expr:
        """A comprehension's element: ``*x`` only from Python 3.15 on."""
        if elt.__class__ is ast.Starred and not COMPREHENSION_UNPACKING:
            raise self.error_at("iterable unpacking cannot be used in comprehension", elt)
        return elt

    def comp_for(self, c: list) -> list[ast.comprehension]:
        return c

    def comp_clause(self, c: list) -> ast.comprehension:
        is_async = 1 if c[0].value == "async" else 0
        c = c[is_async:]
        target = c[1]
        self.store(target, "for")
        return ast.comprehension(target, c[3], c[5::2], is_async)

    # ---------------------------------------------------------------- primaries

    def getattr(self, c: list) -> ast.expr:
        return self.node(ast.Attribute, c[0], c[2], c[0], c[2].value, LOAD)

    def call(self, c: list) -> ast.expr:
        if len(c) == 3:
            return self.node(ast.Call, c[0], c[2], c[0], [], [])
        args, keywords = c[2]
        return self.node(ast.Call, c[0], c[3], c[0], args, keywords)

    def call_genexp(self, c: list) -> ast.expr:
        gen = self.node(ast.GeneratorExp, c[1], c[4], self._comp_elt(c[2]), c[3])
        return self.node(ast.Call, c[0], c[4], c[0], [gen], [])

    def subscript(self, c: list) -> ast.expr:
        index = c[2]
        if index.__class__ is ast.Starred:  # a[*b] is a[(*b,)]
            index = self.node(ast.Tuple, index, index, [index], LOAD)
        return self.node(ast.Subscript, c[0], c[3], c[0], index, LOAD)

    def slice(self, c: list) -> ast.expr:
        parts: list = [None, None, None]
        i = 0
        for child in c:
            if child.__class__ is Tok:
                i += 1
            else:
                parts[i] = child
        return self.node(ast.Slice, c[0], c[-1], *parts)

    def arguments(self, c: list) -> tuple[list[ast.expr], list[ast.keyword]]:
        args: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        seen_kw = seen_kwunpack = False
        for item in c[::2]:
            if item.__class__ is ast.keyword:
                keywords.append(item)
                if item.arg is None:
                    seen_kwunpack = True
                else:
                    seen_kw = True
            elif item.__class__ is ast.Starred:
                if seen_kwunpack:
                    raise self.error_at(
                        "iterable argument unpacking follows keyword argument unpacking", item
                    )
                args.append(item)
            else:
                if seen_kwunpack:
                    raise self.error_at(
                        "positional argument follows keyword argument unpacking", item
                    )
                if seen_kw:
                    raise self.error_at("positional argument follows keyword argument", item)
                args.append(item)
        return args, keywords

    def kwarg(self, c: list) -> ast.keyword:
        if len(c) == 2:
            return self.node(ast.keyword, c[0], c[1], None, c[1])
        return self.node(ast.keyword, c[0], c[2], c[0].value, c[2])

    def starred(self, c: list) -> ast.expr:
        return self.node(ast.Starred, c[0], c[1], c[1], LOAD)

    # ---------------------------------------------------------------- operators

    def binop(self, c: list) -> ast.expr:
        return self.node(ast.BinOp, c[0], c[2], c[0], BINOPS[c[1].value], c[2])

    def unaryop(self, c: list) -> ast.expr:
        return self.node(ast.UnaryOp, c[0], c[1], UNARYOPS[c[0].value], c[1])

    def boolop(self, c: list) -> ast.expr:
        return self.node(ast.BoolOp, c[0], c[-1], AND if c[1].value == "and" else OR, c[::2])

    def compare(self, c: list) -> ast.expr:
        return self.node(ast.Compare, c[0], c[-1], c[0], c[1::2], c[2::2])

    def comp_op(self, c: list) -> ast.cmpop:
        if len(c) == 2:
            return CMPOPS["isnot" if c[0].value == "is" else "not"]
        return CMPOPS[c[0].value]

    def await_expr(self, c: list) -> ast.expr:
        return self.node(ast.Await, c[0], c[1], c[1])

    def recv_expr(self, c: list) -> ast.expr:
        pos = self.span(c[0], c[1])
        node = self.go.recv_expr(c[1], pos)  # type: ignore[attr-defined]
        self.recv[id(node)] = (c[1], pos, node)
        return node

    def ifexp(self, c: list) -> ast.expr:
        return self.node(ast.IfExp, c[0], c[4], c[2], c[0], c[4])

    def namedexpr(self, c: list) -> ast.expr:
        t = c[0]
        target = ast.Name(
            t.value,
            STORE,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        return self.node(ast.NamedExpr, t, c[2], target, c[2])

    def lambdef(self, c: list) -> ast.expr:
        args = c[1] if len(c) == 4 else empty_arguments()
        return self.node(ast.Lambda, c[0], c[-1], args, c[-1])

    def yield_expr(self, c: list) -> ast.expr:
        if len(c) == 1:
            return self.node(ast.Yield, c[0], c[0], None)
        if len(c) == 3:
            return self.node(ast.YieldFrom, c[0], c[2], c[2])
        return self.node(ast.Yield, c[0], c[1], c[1])

    # ---------------------------------------------------------------- parameters

    def param(self, c: list) -> tuple:
        t = c[0]
        n = len(c)
        annotation = default = None
        if n == 3:
            if c[1].value == ":":
                annotation = c[2]
            else:
                default = c[2]
        elif n == 5:
            annotation, default = c[2], c[4]
        last = annotation if annotation is not None else t
        return "arg", self.node(ast.arg, t, last, t.value, annotation, None), default, t

    def star_param(self, c: list) -> tuple:
        if len(c) == 1:
            return "star", None, None, c[0]
        t = c[1]
        annotation = None
        if len(c) == 4:
            annotation = c[3]
        elif len(c) == 5:
            annotation = self.node(ast.Starred, c[3], c[4], c[4], LOAD)
        last = annotation if annotation is not None else t
        return "star", self.node(ast.arg, t, last, t.value, annotation, None), None, c[0]

    def kwstar_param(self, c: list) -> tuple:
        t = c[1]
        annotation = c[3] if len(c) == 4 else None
        last = annotation if annotation is not None else t
        return "kwstar", self.node(ast.arg, t, last, t.value, annotation, None), None, c[0]

    def slash_param(self, c: list) -> tuple:
        return "slash", None, None, c[0]

    def parameters(self, c: list) -> ast.arguments:
        posonly: list[ast.arg] = []
        args: list[ast.arg] = []
        kwonly: list[ast.arg] = []
        kw_defaults: list[ast.expr | None] = []
        defaults: list[ast.expr] = []
        vararg = kwarg = None
        seen_slash = seen_star = seen_default = False
        for kind, arg, default, tok in c[::2]:
            if kwarg is not None:
                raise self.error_at("arguments cannot follow var-keyword argument", tok)
            if kind == "arg":
                if seen_star:
                    kwonly.append(arg)
                    kw_defaults.append(default)
                else:
                    args.append(arg)
                    if default is not None:
                        defaults.append(default)
                        seen_default = True
                    elif seen_default:
                        raise self.error_at("non-default argument follows default argument", arg)
            elif kind == "slash":
                if seen_slash:
                    raise self.error_at("/ may appear only once", tok)
                if seen_star:
                    raise self.error_at("/ must be ahead of *", tok)
                if not args:
                    raise self.error_at("at least one argument must precede /", tok)
                posonly, args = args, []
                seen_slash = True
            elif kind == "star":
                if seen_star:
                    raise self.error_at("* argument may appear only once", tok)
                seen_star = True
                vararg = arg
                star_tok = tok
            else:
                kwarg = arg
        if seen_star and vararg is None and not kwonly:
            raise self.error_at("named arguments must follow bare *", star_tok)
        return ast.arguments(posonly, args, vararg, kwonly, kw_defaults, kwarg, defaults)

    lambda_parameters = parameters
