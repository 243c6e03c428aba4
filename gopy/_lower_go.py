"""AST builders for the Go constructs, and the module passes that finish them.

The compiler core calls one builder per construct while it lowers the Lark
tree (``send_stmt``, ``recv_expr``, ``go_stmt``, ...). A builder cannot know
the scope it sits in, so it records the nodes it made; ``finish_module`` then
walks the finished module once to check where channel operations appear, pick
``for`` or ``async for``, wrap the functions that defer, wrap a program in main
mode and insert the imports (``gopy._lower_go_module``). The shapes are fixed
in docs/architecture.md ("How each construct lowers").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TypeVar

from gopy._errors import GopySyntaxError
from gopy._source import SourceText

__all__ = [
    "GoLowering",
    "SelectArm",
    "Pos",
    "RUNTIME",
    "PRELUDE",
    "SELECTED",
    "DEFERS",
    "MAIN_FUNCTION",
]

Pos = tuple[int, int, int, int]
"""(lineno, col_offset, end_lineno, end_col_offset), AST-style (UTF-8 bytes, 0-based)."""

# The names generated code uses: the runtime module, Go's builtins that every
# .gopy module sees without an import, and the few local names of the
# scaffolding. They live here and nowhere else.
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
    """``gopy.<attr>``."""
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
        chain: list[ast.stmt] = list(default.body) if default is not None else []
        for index in range(len(cases) - 1, -1, -1):
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
        body = list(arm.body)
        if arm.targets:
            fields = ("value", "ok")[: len(arm.targets)]
            values = [
                at(ast.Attribute(name(SELECTED, ast.Load(), arm.pos), f, ast.Load()), arm.pos)
                for f in fields
            ]
            value = values[0] if len(values) == 1 else at(ast.Tuple(values, ast.Load()), arm.pos)
            body.insert(0, assign(arm.targets, value, arm.pos))
        # A default arm may come first in the source: the branch ends where its text ends last.
        end = max((s.end_lineno, s.end_col_offset) for s in (body[-1], *orelse[-1:]))
        return at(ast.If(test, body, orelse), (*arm.pos[:2], *end))

    # -- the module --------------------------------------------------------

    def finish_module(self, module: ast.Module) -> ast.Module:
        """Place the recorded constructs; plain Python comes back untouched."""
        # Imported here: the module passes build their nodes with this module's helpers.
        from gopy._lower_go_module import finish

        return finish(self, module)


def _arrow(pos: Pos) -> Pos:
    """The span of the ``<-`` token at the start of ``pos``."""
    return (pos[0], pos[1], pos[0], pos[1] + 2)


def _keyword(pos: Pos, word: str) -> Pos:
    """The span of the keyword ``word`` at the start of ``pos``."""
    return (pos[0], pos[1], pos[0], pos[1] + len(word))
