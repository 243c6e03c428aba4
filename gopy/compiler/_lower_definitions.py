"""Lowering of definitions: functions, classes, type parameters, ``type`` aliases.

Type parameters (PEP 695) exist from Python 3.12 on, their defaults (PEP 696)
from 3.13 on; on an older interpreter they are rejected with its own error.
``type_params`` is a field of ``FunctionDef``/``ClassDef`` only from 3.12 on.
"""

from __future__ import annotations

import ast

from gopy.compiler._versions import PEP695, PEP696
from gopy.compiler._lalr_parser import Tok
from gopy.compiler._lower_base import STORE, LoweringBase, empty_arguments

__all__ = ["DefinitionLowering", "TypeParams"]


class TypeParams(list):
    """The lowered ``[T, *Ts, **P]`` of a definition."""


class DefinitionLowering(LoweringBase):
    """The ``def``, ``class`` and ``type`` rules of the grammar."""

    def funcdef(self, c: list) -> ast.stmt:
        body = c[-1]
        params = self._take_type_params(c, "def")
        if c[3].__class__ is Tok:
            args = empty_arguments()
            rest = 4
        else:
            args = c[3]
            rest = 5
        returns = c[rest + 1] if c[rest].value == "->" else None
        fields = [c[1].value, args, body, [], returns, None]
        if PEP695:
            fields.append(params)
        return self.node(ast.FunctionDef, c[0], body[-1], *fields)

    def async_funcdef(self, c: list) -> ast.stmt:
        f = c[1]
        fields = [f.name, f.args, f.body, f.decorator_list, f.returns, None]
        if PEP695:
            fields.append(f.type_params)
        return self.node(ast.AsyncFunctionDef, c[0], f, *fields)

    def classdef(self, c: list) -> ast.stmt:
        body = c[-1]
        params = self._take_type_params(c, "class")
        bases: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        if len(c) == 7:
            bases, keywords = c[3]
        fields = [c[1].value, bases, keywords, body, []]
        if PEP695:
            fields.append(params)
        return self.node(ast.ClassDef, c[0], body[-1], *fields)

    def type_alias(self, c: list) -> ast.stmt:
        """``type X[T] = ...`` (tokenized as a statement only from Python 3.12 on)."""
        params = self._take_type_params(c, "type")
        name = self.node(ast.Name, c[1], c[1], c[1].value, STORE)
        return self.node(ast.TypeAlias, c[0], c[-1], name, params, c[-1])

    def _take_type_params(self, c: list, what: str) -> list:
        """Remove the type parameters (if any) from ``c``."""
        if len(c) < 3 or c[2].__class__ is not TypeParams:
            return []
        return c.pop(2)

    def def_type_params(self, c: list) -> TypeParams:
        return self._type_params(c, "def")

    def class_type_params(self, c: list) -> TypeParams:
        return self._type_params(c, "class")

    def alias_type_params(self, c: list) -> TypeParams:
        return self._type_params(c, "type")

    def _type_params(self, c: list, what: str) -> TypeParams:
        """``[T, *Ts, **P]``, checked against the interpreter as soon as it is read (as
        CPython's parser rejects it there, before the definition's body)."""
        params = TypeParams(p for p in c[1:-1] if p.__class__ is not Tok)
        if not PEP695:
            if what == "def":
                raise self.error_at("expected '('", c[0])
            raise self.error_at("invalid syntax", c[0])
        defaults = self.__dict__.get("_defaults")
        first = (
            next((defaults[id(p)] for p in params if id(p) in defaults), None) if defaults else None
        )
        if first is not None:  # a default before Python 3.13
            name, eq, default, plain = first
            if what == "def":
                raise self.error_at("expected '('", c[0])
            if what == "class" or not plain:
                raise self.error_at("invalid syntax", eq)
            end = self.span(default, default)
            raise self.source.error(
                "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
                name.lineno,
                name.col_offset,
                end[2],
                end[3],
            )
        return params

    def type_param(self, c: list) -> ast.AST:
        name = c[0]
        bound = c[2] if len(c) >= 3 and c[1].value == ":" else None
        default = c[-1] if len(c) >= 3 and c[-2].value == "=" else None
        return self._type_param("TypeVar", c, name, default, name.value, bound)

    def type_var_tuple(self, c: list) -> ast.AST:
        default = c[-1] if len(c) == 4 else None
        return self._type_param("TypeVarTuple", c, c[1], default, c[1].value)

    def param_spec(self, c: list) -> ast.AST:
        default = c[-1] if len(c) == 4 else None
        return self._type_param("ParamSpec", c, c[1], default, c[1].value)

    def _type_param(
        self, cls: str, c: list, name: Tok, default: ast.expr | None, *fields: object
    ) -> ast.AST:
        if not PEP695:
            return ast.AST()  # (rejected by the definition)
        if PEP696:
            fields += (default,)
        node = self.node(getattr(ast, cls), c[0], c[-1], *fields)
        if default is not None and not PEP696:
            # where the interpreter's error points (raised by the definition)
            plain = cls == "TypeVar" and len(c) == 3  # `T = x`, no bound
            self.__dict__.setdefault("_defaults", {})[id(node)] = (name, c[-2], default, plain)
        return node
