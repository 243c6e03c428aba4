"""A scope-aware walk over a Python AST, for the passes that finish a gopy module.

Python evaluates some parts of a scope-creating node in the enclosing scope
(decorators, default values, annotations, class bases, the first iterable of a
comprehension); the walk reports every node together with the scope it runs
in, and the statement list that holds it so that a pass can replace it. It
also collects the names each scope binds. It is iterative: expression chains
in real code nest deeper than Python's recursion limit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Scope", "walk", "is_docstring"]

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(eq=False)
class Scope:
    """One Python scope and what the walk learned about it."""

    kind: str  # "module" | "function" | "async" | "lambda" | "class" | "comprehension"
    node: ast.AST
    parent: Scope | None
    channel_ops: bool  # '<-', send and select may appear here (they need 'await')
    bindings: dict[str, None] = field(default_factory=dict)  # ordered by first binding
    declared_global: set[str] = field(default_factory=set)
    star_import: bool = False

    def bind(self, name: str) -> None:
        """Record that this scope binds ``name``."""
        if name not in self.bindings:
            self.bindings[name] = None

    def binder(self) -> Scope:
        """The scope a walrus in this scope binds in (PEP 572: comprehensions are skipped)."""
        scope = self
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return scope

    def module(self) -> Scope:
        """The module scope."""
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def resolves(self, name: str) -> bool:
        """Whether a read of ``name`` here finds a binding in this module (not a builtin)."""
        scope: Scope | None = self
        while scope is not None:
            if scope.kind == "module" or name in scope.declared_global:
                module = scope.module()
                return name in module.bindings or name in module.declared_global
            # Class scopes are seen only by reads directly in the class body.
            if (scope is self or scope.kind != "class") and name in scope.bindings:
                return True
            scope = scope.parent
        return False


Item = tuple[ast.AST, Scope, "list[ast.AST] | None", int]


def walk(module: ast.Module, top: Scope, skip: Set[int] = frozenset()) -> Iterator[Item]:
    """Yield ``(node, scope, holder_list, index)`` for every node, in source order.

    ``holder_list[index] is node`` for nodes held in a list; a consumer may
    replace that element before the walk goes on (the children of the node it
    yielded are walked). Names whose ``id()`` is in ``skip`` bind nothing.
    """
    stack: list[Item] = [(stmt, top, module.body, i) for i, stmt in enumerate(module.body)]
    stack.reverse()
    while stack:
        item = stack.pop()
        yield item
        node, scope = item[0], item[1]
        children: list[Item] = []
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load) and id(node) not in skip:
                scope.bind(node.id)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.bind(node.name)
            is_async = isinstance(node, ast.AsyncFunctionDef)
            inner = Scope("async" if is_async else "function", node, scope, is_async)
            _bind_arguments(inner, node.args)
            _add(children, node.decorator_list, scope)
            children.append((node.args, scope, None, 0))
            if node.returns is not None:
                children.append((node.returns, scope, None, 0))
            _add(children, node.body, inner)
        elif isinstance(node, ast.Lambda):
            inner = Scope("lambda", node, scope, False)
            _bind_arguments(inner, node.args)
            children.append((node.args, scope, None, 0))
            children.append((node.body, inner, None, 0))
        elif isinstance(node, ast.ClassDef):
            scope.bind(node.name)
            inner = Scope("class", node, scope, False)
            _add(children, node.decorator_list, scope)
            _add(children, node.bases, scope)
            _add(children, node.keywords, scope)
            _add(children, node.body, inner)
        elif isinstance(node, _COMPREHENSIONS):
            # Since 3.11 an await may appear in any comprehension of an async function.
            inner = Scope("comprehension", node, scope, scope.channel_ops)
            for i, gen in enumerate(node.generators):
                children.append((gen.target, inner, None, 0))
                children.append((gen.iter, scope if i == 0 else inner, None, 0))
                _add(children, gen.ifs, inner)
            if isinstance(node, ast.DictComp):
                children.append((node.key, inner, None, 0))
                children.append((node.value, inner, None, 0))
            else:
                children.append((node.elt, inner, None, 0))
        else:
            _bind_statement(node, scope)
            for _, value in ast.iter_fields(node):
                if isinstance(value, list):
                    _add(children, value, scope)
                elif isinstance(value, ast.AST):
                    children.append((value, scope, None, 0))
        children.reverse()
        stack.extend(children)


def _add(children: list[Item], nodes: list[Any], scope: Scope) -> None:
    for i, child in enumerate(nodes):
        if isinstance(child, ast.AST):
            children.append((child, scope, nodes, i))


def _bind_arguments(scope: Scope, args: ast.arguments) -> None:
    for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
        if arg is not None:
            scope.bind(arg.arg)


def _bind_statement(node: ast.AST, scope: Scope) -> None:
    """Bindings that are not ``Name`` nodes (imports, handlers, patterns, globals)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            return  # compiler directives; main mode keeps them outside the program body
        for alias in node.names:
            if alias.name == "*":
                scope.star_import = True
            else:
                scope.bind(alias.asname or alias.name.partition(".")[0])
    elif isinstance(node, ast.NamedExpr):
        if isinstance(node.target, ast.Name):
            scope.binder().bind(node.target.id)
    elif isinstance(node, ast.ExceptHandler):
        if node.name:
            scope.bind(node.name)
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)):
        if node.name:
            scope.bind(node.name)
    elif isinstance(node, ast.MatchMapping):
        if node.rest:
            scope.bind(node.rest)
    elif isinstance(node, ast.Global):
        scope.declared_global.update(node.names)
        scope.module().declared_global.update(node.names)


def is_docstring(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` is a docstring (when it comes first in a body)."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )
