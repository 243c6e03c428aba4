"""AST builders for the Go constructs, and the module passes that finish them.

The compiler core calls one builder per construct while it lowers the Lark
tree (``send_stmt``, ``recv_expr``, ``go_stmt``, ...). A builder cannot know
the scope it sits in, so it records the nodes it made; the module pass
(``_lower_go_module_pass.finish``, run by ``lower`` after the parse) then
walks the finished module once to check where channel operations appear, pick
``for`` or ``async for``, wrap the functions that defer, wrap a program in main
mode and insert the imports (``gopy.compiler._lower_go_module_pass``). The shapes are fixed
in docs/architecture.md ("How each construct lowers").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeVar

from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._lower_go_nodes import (
    DEFERS,
    SELECTED,
    Pos,
    assign,
    at,
    awaited,
    name,
    pos_of,
    runtime_call,
    span,
)
from gopy.compiler._source_text import SourceText

__all__ = ["GoLowering", "SelectArm"]

_N = TypeVar("_N", bound=ast.AST)


@dataclass
class SelectArm:
    """One arm of a ``select`` statement, as the compiler core parsed it."""

    kind: str  # "recv" | "send" | "default"
    channel: ast.expr | None
    value: ast.expr | None  # the value of a send arm
    targets: list[ast.expr]  # 0, 1 or 2 targets of a recv arm (Store ctx)
    declare: bool  # True for ':=', False for '='
    body: list[ast.stmt]
    pos: Pos  # the 'case'/'default' keyword through the ':'
    op_pos: Pos | None  # the '<-' operator


@dataclass(eq=False)
class Op:
    """A node a builder made, kept until ``finish_module`` places it."""

    kind: str  # "recv" | "send" | "select" | "range" | "defer" | "go"
    node: ast.AST  # holds the node alive, so that its id() stays unique
    error_pos: Pos  # where a misplaced channel operation is reported


class GoLowering:
    """Builds the Python AST of each Go construct and finishes the module."""

    def __init__(self, source: SourceText, mode: str) -> None:
        if mode not in ("exec", "main"):
            raise ValueError(f"mode must be 'exec' or 'main', not {mode!r}")
        self.source = source
        self.mode = mode
        self.ops: dict[int, Op] = {}
        # Names the scaffolding binds (``_selected``): never made global in main mode.
        self.generated: set[int] = set()
        # Every Name node spelled like a prelude name, when the caller tracks them
        # (the compiler core does; None: ``finish_module`` searches the tree).
        self.prelude_names: list[ast.Name] | None = None

    def _record(self, kind: str, node: _N, error_pos: Pos) -> _N:
        self.ops[id(node)] = Op(kind, node, error_pos)
        return node

    def _error(self, msg: str, pos: Pos) -> GopySyntaxError:
        return self.source.error(msg, *pos)

    # -- channel operations ------------------------------------------------

    def send_stmt(self, channel: ast.expr, value: ast.expr, pos: Pos, op_pos: Pos) -> ast.stmt:
        """``ch <- v`` -> ``await gopy.send(ch, v)``."""
        call = awaited(runtime_call("send", [channel, value], pos), pos)
        self._record("send", call, op_pos)
        return at(ast.Expr(call), pos)

    def recv_expr(self, channel: ast.expr, pos: Pos) -> ast.expr:
        """``<-ch`` -> ``await gopy.recv(ch)``."""
        call = awaited(runtime_call("recv", [channel], pos), pos)
        return self._record("recv", call, _arrow(pos))

    def recv_ok_assign(
        self,
        targets: list[ast.expr],
        channel: ast.expr,
        pos: Pos,
        recv_pos: Pos,
        declare: bool = False,
    ) -> ast.stmt:
        """``v, ok = <-ch`` (or ``:=``) -> ``v, ok = await gopy.recv_ok(ch)``."""
        if declare:
            self._check_declared(targets)
        call = awaited(runtime_call("recv_ok", [channel], recv_pos), recv_pos)
        self._record("recv", call, _arrow(recv_pos))
        return assign(targets, call, pos)

    def short_decl(self, targets: list[ast.expr], value: ast.expr, pos: Pos) -> ast.stmt:
        """``x := e`` -> ``x = e``; ``a, b := e`` -> ``a, b = e``."""
        self._check_declared(targets)
        return assign(targets, value, pos)

    def _check_declared(self, targets: list[ast.expr]) -> None:
        for target in targets:
            if not isinstance(target, ast.Name):
                raise self._error("non-name on left side of ':='", pos_of(target))

    # -- goroutines and defer ----------------------------------------------

    def go_stmt(self, call: ast.expr, pos: Pos) -> ast.stmt:
        """``go f(a, b=c)`` -> ``gopy.go(f, a, b=c)``."""
        if not isinstance(call, ast.Call):
            raise self._error("'go' needs a function call", pos_of(call))
        stmt = at(ast.Expr(runtime_call("go", [call.func, *call.args], pos, call.keywords)), pos)
        return self._record("go", stmt, pos)

    def defer_stmt(self, call: ast.expr, pos: Pos) -> ast.stmt:
        """``defer f(a)`` -> ``defers.push(f, a)``; the function body is wrapped later."""
        if not isinstance(call, ast.Call):
            raise self._error("'defer' needs a function call", pos_of(call))
        push = at(ast.Attribute(name(DEFERS, ast.Load(), pos), "push", ast.Load()), pos)
        stmt = at(ast.Expr(at(ast.Call(push, [call.func, *call.args], call.keywords), pos)), pos)
        return self._record("defer", stmt, _keyword(pos, "defer"))

    # -- range and select --------------------------------------------------

    def range_for(
        self,
        targets: list[ast.expr],
        iterable: ast.expr,
        body: list[ast.stmt],
        orelse: list[ast.stmt],
        pos: Pos,
    ) -> ast.stmt:
        """``for k, v := range x:`` -> ``[async] for k, v in gopy.range_of(x, pairs=True):``.

        The ``For`` becomes an ``AsyncFor`` in ``finish_module`` where channel
        operations are allowed.
        """
        if len(targets) > 2:
            raise self._error(
                "range clause permits at most two iteration variables", pos_of(targets[2])
            )
        self._check_declared(targets)
        if not targets:
            target: ast.expr = name("_", ast.Store(), pos_of(iterable))
            self.generated.add(id(target))
        elif len(targets) == 1:
            target = targets[0]
        else:
            target = at(ast.Tuple(list(targets), ast.Store()), span(targets[0], targets[1]))
        keywords = []
        if len(targets) == 2:
            true = at(ast.Constant(True), pos_of(iterable))
            keywords.append(at(ast.keyword("pairs", true), pos_of(iterable)))
        iterator = runtime_call("range_of", [iterable], pos_of(iterable), keywords)
        loop = at(ast.For(target, iterator, body, orelse, None), pos)
        return self._record("range", loop, pos)

    def select_stmt(self, arms: list[SelectArm], pos: Pos) -> list[ast.stmt]:
        """``select:`` -> ``_selected = await gopy.select(...)`` and an if/elif chain."""
        default: SelectArm | None = None
        cases: list[SelectArm] = []
        for arm in arms:
            if arm.kind == "default":
                if default is not None:
                    raise self._error("'default' appears twice in 'select'", arm.pos)
                default = arm
                continue
            if arm.declare:
                self._check_declared(arm.targets)
            if len(arm.targets) > 2:
                raise self._error(
                    "a receive case assigns at most two targets", pos_of(arm.targets[2])
                )
            for target in arm.targets:
                if isinstance(target, ast.Starred):
                    raise self._error("can't use starred expression here", pos_of(target))
            cases.append(arm)
        if not cases and default is not None:
            # Nothing can block: Go runs the default at once.
            return list(default.body)
        descriptors = [self._case_descriptor(arm) for arm in cases]
        keywords = []
        if default is not None:
            true = at(ast.Constant(True), default.pos)
            keywords.append(at(ast.keyword("default", true), default.pos))
        call = awaited(runtime_call("select", descriptors, pos, keywords), pos)
        self._record("select", call, _keyword(pos, "select"))
        if not cases:
            return [at(ast.Expr(call), pos)]
        selected = name(SELECTED, ast.Store(), pos)
        self.generated.add(id(selected))
        # The chain ends in an 'else' (the default, or else the last case, which is
        # then the only index left), so a type checker sees every arm's names bound.
        if default is not None:
            chain: list[ast.stmt] = list(default.body)
            tested = len(cases)
        else:
            chain = self._case_body(cases[-1])
            tested = len(cases) - 1
        for index in range(tested - 1, -1, -1):
            chain = [self._case_branch(index, cases[index], chain)]
        return [at(ast.Assign([selected], call, None), pos), *chain]

    def _case_descriptor(self, arm: SelectArm) -> ast.expr:
        assert arm.channel is not None
        if arm.kind == "send":
            assert arm.value is not None
            return runtime_call("send_case", [arm.channel, arm.value], arm.pos)
        if arm.kind != "recv":
            raise ValueError(f"unknown select arm kind {arm.kind!r}")
        return runtime_call("recv_case", [arm.channel], arm.pos)

    def _case_branch(self, index: int, arm: SelectArm, orelse: list[ast.stmt]) -> ast.If:
        test = at(
            ast.Compare(
                at(
                    ast.Attribute(name(SELECTED, ast.Load(), arm.pos), "index", ast.Load()), arm.pos
                ),
                [ast.Eq()],
                [at(ast.Constant(index), arm.pos)],
            ),
            arm.pos,
        )
        body = self._case_body(arm)
        # A default arm may come first in the source: the branch ends where its text ends last.
        end = max((s.end_lineno, s.end_col_offset) for s in (body[-1], *orelse[-1:]))
        return at(ast.If(test, body, orelse), (*arm.pos[:2], *end))

    def _case_body(self, arm: SelectArm) -> list[ast.stmt]:
        """An arm's statements, after the assignment of its received value."""
        body = list(arm.body)
        if arm.targets:
            fields = ("value", "ok")[: len(arm.targets)]
            values = [
                at(ast.Attribute(name(SELECTED, ast.Load(), arm.pos), f, ast.Load()), arm.pos)
                for f in fields
            ]
            value = values[0] if len(values) == 1 else at(ast.Tuple(values, ast.Load()), arm.pos)
            body.insert(0, assign(arm.targets, value, arm.pos))
        return body


def _arrow(pos: Pos) -> Pos:
    """The span of the ``<-`` token at the start of ``pos``."""
    return (pos[0], pos[1], pos[0], pos[1] + 2)


def _keyword(pos: Pos, word: str) -> Pos:
    """The span of the keyword ``word`` at the start of ``pos``."""
    return (pos[0], pos[1], pos[0], pos[1] + len(word))
