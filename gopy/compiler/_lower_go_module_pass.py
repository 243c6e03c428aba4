"""The module passes that finish the Go constructs (``finish``, run by ``lower``).

One scope-aware walk checks where channel operations and ``defer`` appear,
turns a range loop into ``async for`` where it can await, and finds the
prelude names a module reads without binding; then the functions that defer
are wrapped, a program in main mode is wrapped in ``async def _main_module``,
and the imports are inserted. A module that uses none of this is returned
as it came.
"""

from __future__ import annotations

import ast
import unicodedata
from typing import TYPE_CHECKING

from gopy.compiler._lower_go_nodes import (
    DEFERS,
    MAIN_FUNCTION,
    PRELUDE,
    RUNTIME,
    Pos,
    at,
    name,
    pos_of,
    runtime_call,
)
from gopy.compiler._lower_go_scopes import Scope, is_docstring, walk

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

if TYPE_CHECKING:
    from gopy.compiler._lower_go_constructs import GoLowering

__all__ = ["finish"]

# In a plain function a channel operation blocks the thread (CONTRACTS.md, interface 1).
_BLOCKING = {
    "send": "send_blocking",
    "recv": "recv_blocking",
    "recv_ok": "recv_ok_blocking",
    "select": "select_blocking",
    "range_of": "range_blocking",
}

_CONTEXT_MESSAGES = {
    "recv": "channel receive outside async function (use 'async def')",
    "send": "channel send outside async function (use 'async def')",
    "select": "'select' outside async function (use 'async def')",
}


class _Finisher:
    """The state of one ``finish`` run."""

    def __init__(self, lowering: GoLowering, module: ast.Module) -> None:
        self.lowering = lowering
        self.module = module
        self.main = lowering.mode == "main"
        self.top = Scope("module", module, None, channel_ops=self.main)
        self.errors: list[tuple[str, Pos]] = []
        self.first_op: Pos | None = None
        self.defers: dict[int, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Pos]] = {}
        self.prelude_reads: list[tuple[ast.Name, Scope]] = []
        self.dropped: list[tuple[list[ast.AST], ast.Pass]] = []
        # Names that bind nothing in the output; the nodes are kept so their ids stay unique.
        self.skip = set(lowering.generated)
        self.unbound: list[ast.AST] = []
        # Main mode: the top-level statements through the last top-level star
        # import stay at module level, in order (a star import can't go inside
        # a function); the program proper starts after them.
        stars = (
            [i for i, stmt in enumerate(module.body) if _is_star_import(stmt)] if self.main else []
        )
        self.prefix_end = stars[-1] + 1 if stars else 0
        self.last_star: ast.stmt | None = module.body[stars[-1]] if stars else None
        self.top_index = 0
        self.prefix_bindings: dict[str, None] = {}
        self.names: list[str] = []
        # ids of the 'await gopy.recv(ch)' (...) nodes that become blocking calls
        self.blocking: set[int] = set()

    def scan(self) -> None:
        """The walk: check contexts, choose ``async for``, collect defers and reads."""
        ops = self.lowering.ops
        body = self.module.body
        for node, scope, holder, index in walk(self.module, self.top, self.skip):
            if holder is body:
                self.top_index = index
                if index == self.prefix_end and index:
                    # The program proper starts: what it binds is kept apart
                    # (only those names need its 'global' statement).
                    self.prefix_bindings = self.top.bindings
                    self.top.bindings = {}
            in_prefix = self.top_index < self.prefix_end and scope.binder() is self.top
            op = ops.get(id(node))
            if in_prefix and (op is not None or _awaits(node)):
                self.star_import_too_late()
            if op is not None:
                if self.first_op is None:
                    self.first_op = pos_of(node)
                if op.kind in _CONTEXT_MESSAGES:
                    if scope.channel_ops:
                        pass
                    elif _in_plain_function(scope):
                        self.blocking.add(id(node))
                    else:
                        self.errors.append((_CONTEXT_MESSAGES[op.kind], op.error_pos))
                elif op.kind == "range":
                    if scope.channel_ops:
                        assert holder is not None
                        holder[index] = _async_for(node)  # type: ignore[arg-type]
                    elif _in_plain_function(scope) and not node.iter.keywords:  # type: ignore[attr-defined]
                        # (with pairs=True a channel is an error anyway: range_of stays)
                        node.iter.func.attr = _BLOCKING["range_of"]  # type: ignore[attr-defined]
                elif op.kind == "defer":
                    if isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.defers.setdefault(id(scope.node), (scope.node, op.error_pos))
                    else:
                        self.errors.append(("'defer' outside function", op.error_pos))
            elif isinstance(node, ast.Name):
                if node.id in PRELUDE and isinstance(node.ctx, ast.Load):
                    self.prelude_reads.append((node, scope))
            elif self.main and scope is self.top and not in_prefix:
                self.check_top_level(node, holder, index)

    def star_import_too_late(self) -> None:
        """Main mode: a Go statement or ``await`` would have to run before a star import."""
        assert self.last_star is not None
        self.errors.append(
            (
                "'from ... import *' must come before the program's first Go statement or 'await' "
                "(it runs at module level, before the program)",
                pos_of(self.last_star),
            )
        )

    def check_top_level(self, node: ast.AST, holder: list[ast.AST] | None, index: int) -> None:
        """Main mode: what the program's top level may not keep inside a function."""
        if isinstance(node, ast.Return):
            self.errors.append(("'return' outside function", pos_of(node)))
        elif isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.errors.append(("'yield' outside function", pos_of(node)))
        elif isinstance(node, ast.Nonlocal):
            self.errors.append(("nonlocal declaration not allowed at module level", pos_of(node)))
        elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            if holder is not self.module.body:
                self.errors.append(
                    ("'from ... import *' inside a block: move it to the top level", pos_of(node))
                )
        elif isinstance(node, ast.Global):
            # A no-op at module level; the wrapper declares every top-level binding global.
            assert holder is not None
            holder[index] = at(ast.Pass(), pos_of(node))
            self.dropped.append((holder, holder[index]))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            # An annotated name can't be global: keep the assignment, drop the annotation.
            assert holder is not None
            if node.value is not None:
                holder[index] = at(ast.Assign([node.target], node.value, None), pos_of(node))
            else:
                holder[index] = at(ast.Pass(), pos_of(node))
                self.dropped.append((holder, holder[index]))
                self.skip.add(id(node.target))
                self.unbound.append(node.target)

    def program_bindings(self) -> list[str]:
        """The names the program proper binds; all the module's bindings are merged back."""
        names = list(self.top.bindings)
        if self.prefix_bindings:
            self.top.bindings = {**self.prefix_bindings, **self.top.bindings}
            self.prefix_bindings = {}
        return names

    def raise_first_error(self) -> None:
        """Report the error that comes first in the source."""
        if self.errors:
            msg, pos = min(self.errors, key=lambda e: e[1])
            raise self.lowering.source.error(msg, *pos)

    def free_prelude(self) -> list[str]:
        """The prelude names the module reads without binding them, sorted."""
        if self.top.star_import and not self.main and self.first_op is None:
            # Plain Python stays plain: the star import may well provide the name.
            return []
        if any(_is_star_import(s) and s.module == RUNTIME and not s.level for s in self.module.body):  # type: ignore[attr-defined]
            return []  # 'from gopy import *' provides them all
        return sorted({n.id for n, scope in self.prelude_reads if not scope.resolves(n.id)})

    def wrap_defers(self) -> None:
        """Wrap the body of each function that defers, once (its docstring stays first)."""
        for function, _ in self.defers.values():
            body = function.body
            head = body[:1] if is_docstring(body[0]) else []
            # Its exit runs the deferred calls when the function returns: a traceback
            # through it names the function (its header line), not one defer. (From
            # 3.13 on CPython places the exit at the context expression, so it too
            # carries the function's position.)
            pos = pos_of(function)
            target = name(DEFERS, ast.Store(), pos)
            item = ast.withitem(runtime_call("Defers", [], pos), target)
            if isinstance(function, ast.AsyncFunctionDef):
                wrapper: ast.stmt = ast.AsyncWith([item], body[len(head) :], None)
            else:
                wrapper = ast.With([item], body[len(head) :], None)
            function.body = [*head, at(wrapper, pos)]

    def wrap_program(self) -> Pos:
        """Main mode: move the top level into ``async def _main_module()``."""
        for holder, placeholder in self.dropped:
            if any(stmt is not placeholder for stmt in holder):
                holder[:] = [stmt for stmt in holder if stmt is not placeholder]
        body = self.module.body
        head = _head_length(body)
        start = max(head, self.prefix_end)
        prefix = body[head:start]
        rest = body[start:]
        if rest:
            pos = (rest[0].lineno, rest[0].col_offset, rest[-1].end_lineno, rest[-1].end_col_offset)
        elif body:
            pos = pos_of(body[0])
        else:
            pos = (1, 0, 1, 0)
        names = self.names
        inner: list[ast.stmt] = [at(ast.Global(names), pos)] if names else []
        inner += rest or [at(ast.Pass(), pos)]
        no_args = ast.arguments([], [], None, [], [], None, [])
        function = at(ast.AsyncFunctionDef(MAIN_FUNCTION, no_args, inner, [], None, None), pos)
        namespace = at(ast.Call(name("globals", ast.Load(), pos), [], []), pos)
        run = runtime_call("run_program", [name(MAIN_FUNCTION, ast.Load(), pos), namespace], pos)
        self.module.body = [*body[:head], *prefix, function, at(ast.Expr(run), pos)]
        return pos

    def insert_imports(self, uses_runtime: bool, prelude: list[str], pos: Pos) -> None:
        """``import gopy`` and ``from gopy import ...`` after the docstring and __future__."""
        body = self.module.body
        # Before any star import, which may rebind a prelude name (it wins, as a
        # Go package's own declarations shadow the builtins).
        index = _head_length(body)
        imports: list[ast.stmt] = []
        if uses_runtime and not _imports_runtime(body[index:]):
            imports.append(at(ast.Import([at(ast.alias(RUNTIME, None), pos)]), pos))
        if prelude:
            read = next(pos_of(n) for n, _ in self.prelude_reads if n.id == prelude[0])
            aliases = [at(ast.alias(n, None), read) for n in prelude]
            imports.append(at(ast.ImportFrom(RUNTIME, aliases, 0), read))
        body[index:index] = imports


def finish(lowering: GoLowering, module: ast.Module) -> ast.Module:
    """Finish the Go constructs of ``module`` in place and return it."""
    if not lowering.ops and lowering.mode == "exec":
        names = lowering.prelude_names
        if names is None:
            if not _may_read_prelude(lowering, module):
                return module
        elif not any(n.ctx.__class__ is ast.Load for n in names):
            return module  # plain Python that reads no prelude name: nothing to place
    finisher = _Finisher(lowering, module)
    finisher.scan()
    finisher.names = finisher.program_bindings()
    finisher.raise_first_error()
    prelude = finisher.free_prelude()
    if finisher.first_op is None and not prelude and not finisher.main:
        return module
    if finisher.blocking:
        _Blocking(finisher.blocking).visit(module)
    finisher.wrap_defers()
    pos = finisher.first_op
    if finisher.main:
        pos = finisher.wrap_program()
    if pos is None:
        pos = pos_of(finisher.prelude_reads[0][0])
    finisher.insert_imports(finisher.main or finisher.first_op is not None, prelude, pos)
    return module


def _may_read_prelude(lowering: GoLowering, module: ast.Module) -> bool:
    """Whether ``module`` reads a prelude name; a fast text test rules out most modules."""
    text = lowering.source.text
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # what identifiers are compared as
    if not any(_has_word(text, word) for word in PRELUDE):
        return False
    return any(
        isinstance(node, ast.Name) and node.id in PRELUDE and isinstance(node.ctx, ast.Load)
        for node in ast.walk(module)
    )


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` occurs in ``text`` as a whole identifier, not after a '.'.

    Never misses a Name token: a false hit (in a string, a comment, a
    definition) only costs the walk that follows.
    """
    index = text.find(word)
    while index != -1:
        end = index + len(word)
        before = text[index - 1] if index else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "._") and not (after.isalnum() or after == "_"):
            return True
        index = text.find(word, end)
    return False


def _awaits(node: ast.AST) -> bool:
    """Whether ``node`` itself suspends (``await``, ``async for``/``with``, an async comprehension)."""
    if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
        return True
    return isinstance(node, _COMPREHENSIONS) and any(g.is_async for g in node.generators)  # type: ignore[attr-defined]


def _in_plain_function(scope: Scope) -> bool:
    """Whether code in ``scope`` runs in a (non-async) function's call: it may block."""
    while scope.kind in ("comprehension", "class") and scope.parent is not None:
        scope = scope.parent
    return scope.kind in ("function", "lambda")


class _Blocking(ast.NodeTransformer):
    """``await gopy.recv(ch)`` -> ``gopy.recv_blocking(ch)`` (and send, recv_ok, select)."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids

    def visit_Await(self, node: ast.Await) -> ast.expr:
        self.generic_visit(node)
        if id(node) not in self.ids:
            return node
        call = node.value
        call.func.attr = _BLOCKING[call.func.attr]  # type: ignore[attr-defined]
        return call


def _async_for(loop: ast.For) -> ast.AsyncFor:
    return at(ast.AsyncFor(loop.target, loop.iter, loop.body, loop.orelse, None), pos_of(loop))


def _head_length(body: list[ast.stmt]) -> int:
    """How many statements the docstring and the ``__future__`` imports take."""
    index = 1 if body and is_docstring(body[0]) else 0
    while (
        index < len(body)
        and isinstance(body[index], ast.ImportFrom)
        and body[index].module == "__future__"  # type: ignore[attr-defined]
    ):
        index += 1
    return index


def _is_star_import(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)


def _imports_runtime(body: list[ast.stmt]) -> bool:
    """Whether the leading imports of ``body`` already include a plain ``import gopy``."""
    for stmt in body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return False
        if isinstance(stmt, ast.Import) and any(
            a.name == RUNTIME and a.asname is None for a in stmt.names
        ):
            return True
    return False
