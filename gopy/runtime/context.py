"""Go's ``context``: cancellation, deadlines and request-scoped values.

``from gopy import context``; ``ctx, cancel = context.with_timeout(context.background(), 2.0)``;
``case <-ctx.done():`` in a ``select``. Durations are seconds, deadlines are
``time.time()`` timestamps (the bubble's virtual clock inside ``gopy.synctest``).

A cancellable context keeps its state under a ``threading.Lock``: cancelling
it (from any goroutine, a timer, or a parent) sets the error, closes
``done()`` and cancels the children registered so far, and a child created
at the same moment either registers before that or finds the parent already
cancelled, so no child is ever missed. A context's timer is released when it
is cancelled, however that happens.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import gopy.runtime._goroutines as _goroutines
from gopy.runtime._channels import chan
from gopy.runtime._chanops import close
from gopy.runtime._goroutines import go
from gopy.runtime._select import recv_case, select
from gopy.runtime._waiting import now

__all__ = [
    "Context",
    "Canceled",
    "DeadlineExceeded",
    "background",
    "todo",
    "with_cancel",
    "with_cancel_cause",
    "with_timeout",
    "with_deadline",
    "with_value",
    "without_cancel",
    "cause",
    "after_func",
]


class Canceled(Exception):
    """``ctx.err()`` of a context that was cancelled (Go's ``context.Canceled``)."""

    def __init__(self, message: str = "context canceled") -> None:
        super().__init__(message)


class DeadlineExceeded(TimeoutError):
    """``ctx.err()`` of a context whose deadline passed (Go's ``context.DeadlineExceeded``)."""

    def __init__(self, message: str = "context deadline exceeded") -> None:
        super().__init__(message)


class Context:
    """A context: ``done()``, ``err()``, ``deadline()``, ``value(key)``.

    Subclass it to write your own; ``with_cancel`` and friends accept any
    object with these four methods (a foreign parent is watched by a goroutine).
    """

    def done(self) -> chan[None] | None:
        """A channel closed when the context ends; ``None`` if it never can."""
        return None

    def err(self) -> BaseException | None:
        """``None`` while the context is live, else ``Canceled()`` or ``DeadlineExceeded()``."""
        return None

    def deadline(self) -> tuple[float | None, bool]:
        """``(when, True)`` if the context has a deadline, else ``(None, False)``."""
        return None, False

    def value(self, key: Any) -> Any:
        """The value bound to ``key`` by ``with_value`` here or in an ancestor, else ``None``."""
        return None


class _Empty(Context):
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


_BACKGROUND = _Empty("context.Background")
_TODO = _Empty("context.TODO")


def background() -> Context:
    """The root context: never cancelled, no deadline, no values."""
    return _BACKGROUND


def todo() -> Context:
    """Like ``background()``, for code that has no context to pass yet."""
    return _TODO


class _ValueCtx(Context):
    __slots__ = ("_parent", "_key", "_val")

    def __init__(self, parent: Context, key: Any, val: Any) -> None:
        self._parent, self._key, self._val = parent, key, val

    def done(self) -> chan[None] | None:
        return self._parent.done()

    def err(self) -> BaseException | None:
        return self._parent.err()

    def deadline(self) -> tuple[float | None, bool]:
        return self._parent.deadline()

    def value(self, key: Any) -> Any:
        return self._val if key == self._key else self._parent.value(key)

    def __repr__(self) -> str:
        return f"{self._parent!r}.WithValue({self._key!r}, {self._val!r})"


class _WithoutCancel(Context):
    __slots__ = ("_parent",)

    def __init__(self, parent: Context) -> None:
        self._parent = parent

    def value(self, key: Any) -> Any:
        return self._parent.value(key)

    def __repr__(self) -> str:
        return f"{self._parent!r}.WithoutCancel"


class _CancelCtx(Context):
    __slots__ = (
        "_parent",
        "_lock",
        "_done",
        "_err",
        "_cause",
        "_children",
        "_timer",
        "_timer_loop",
        "_when",
    )

    def __init__(self, parent: Context) -> None:
        self._parent = parent
        self._lock = threading.Lock()
        self._done: chan[None] = chan()
        self._err: BaseException | None = None
        self._cause: BaseException | None = None
        #: what to do when this context ends: child contexts, after_func callbacks
        self._children: dict[object, Callable[[BaseException, BaseException | None], None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._when: float | None = None

    def done(self) -> chan[None]:
        return self._done

    def err(self) -> BaseException | None:
        return self._err

    def deadline(self) -> tuple[float | None, bool]:
        if self._when is not None:
            return self._when, True
        return self._parent.deadline()

    def value(self, key: Any) -> Any:
        return self._parent.value(key)

    def __repr__(self) -> str:
        kind = "WithDeadline" if self._when is not None else "WithCancel"
        return f"{self._parent!r}.{kind}"

    def cancel(self, err: BaseException, cause: BaseException | None) -> None:
        """End the context (first call only): error, ``done()`` closed, children cancelled."""
        with self._lock:
            if self._err is not None:
                return
            self._err = err
            self._cause = cause if cause is not None else err
            children, self._children = self._children, {}
            timer, self._timer = self._timer, None
        if timer is not None:
            if asyncio._get_running_loop() is self._timer_loop:
                timer.cancel()
            else:  # cancelled from a thread goroutine
                self._timer_loop.call_soon_threadsafe(timer.cancel)
        close(self._done)
        for on_end in children.values():
            on_end(err, self._cause)
        _detach(self._parent, self)

    def on_end(
        self, key: object, callback: Callable[[BaseException, BaseException | None], None]
    ) -> bool:
        """Register ``callback(err, cause)`` for when this context ends; False if it has ended."""
        with self._lock:
            if self._err is None:
                self._children[key] = callback
                return True
        return False

    def forget(self, key: object) -> bool:
        """Drop a registration; True if it was still pending."""
        with self._lock:
            return self._children.pop(key, None) is not None


def _cancel_ancestor(parent: Context) -> _CancelCtx | Context | None:
    """The context whose end ends ``parent`` (its nearest cancellable ancestor), or None."""
    while True:
        if isinstance(parent, _CancelCtx):
            return parent
        if isinstance(parent, _ValueCtx):
            parent = parent._parent
            continue
        if isinstance(parent, (_Empty, _WithoutCancel)) or parent.done() is None:
            return None
        return parent  # someone else's Context: watched by a goroutine


def _detach(parent: Context, child: object) -> None:
    ancestor = _cancel_ancestor(parent)
    if isinstance(ancestor, _CancelCtx):
        ancestor.forget(child)


def _propagate(parent: Context, key: object, on_end: Callable[..., None]) -> None:
    """Call ``on_end(err, cause)`` when ``parent`` ends (at once if it has)."""
    ancestor = _cancel_ancestor(parent)
    if ancestor is None:
        return
    if isinstance(ancestor, _CancelCtx):
        if not ancestor.on_end(key, on_end):
            on_end(ancestor._err, ancestor._cause)
        return
    err = ancestor.err()
    if err is not None:
        on_end(err, cause(ancestor))
        return
    go(_watch, ancestor, key, on_end)


async def _watch(parent: Context, child: Any, on_end: Callable[..., None]) -> None:
    """Watch a foreign parent: end the child when it ends (or stop when the child does)."""
    child_done = child.done() if isinstance(child, _CancelCtx) else None
    cases = [recv_case(parent.done())]
    if child_done is not None:
        cases.append(recv_case(child_done))
    sel = await select(*cases)
    if sel.index == 0:
        on_end(parent.err(), cause(parent))


def _new_cancel_ctx(parent: Context) -> _CancelCtx:
    if parent is None:
        raise TypeError("cannot create context from nil parent")
    ctx = _CancelCtx(parent)
    _propagate(parent, ctx, ctx.cancel)
    return ctx


def with_cancel(parent: Context) -> tuple[Context, Callable[[], None]]:
    """A child of ``parent`` and ``cancel()``, which ends it (and its children) with ``Canceled``."""
    ctx = _new_cancel_ctx(parent)
    return ctx, lambda: ctx.cancel(Canceled(), None)


def with_cancel_cause(parent: Context) -> tuple[Context, Callable[[BaseException | None], None]]:
    """Like ``with_cancel``, but ``cancel(cause)`` records ``cause`` for ``context.cause(ctx)``."""
    ctx = _new_cancel_ctx(parent)
    return ctx, lambda cause=None: ctx.cancel(Canceled(), cause)


def with_deadline(parent: Context, when: float) -> tuple[Context, Callable[[], None]]:
    """A child that ends with ``DeadlineExceeded`` at ``when`` (a ``time.time()`` timestamp)."""
    return _with_deadline(parent, when, when - now())


def with_timeout(parent: Context, seconds: float) -> tuple[Context, Callable[[], None]]:
    """``with_deadline(parent, now + seconds)``."""
    if seconds != seconds:
        raise ValueError(f"invalid duration: {seconds!r} (nan)")
    return _with_deadline(parent, now() + seconds, seconds)


def _with_deadline(
    parent: Context, when: float, delay: float
) -> tuple[Context, Callable[[], None]]:
    current, has = parent.deadline() if parent is not None else (None, False)
    if has and current is not None and current <= when:
        return with_cancel(parent)  # the parent ends first: no timer of our own
    ctx = _new_cancel_ctx(parent)
    ctx._when = when

    def cancel() -> None:
        ctx.cancel(Canceled(), None)

    if delay <= 0:
        ctx.cancel(DeadlineExceeded(), None)
        return ctx, cancel
    loop = asyncio._get_running_loop()
    if loop is not None:
        _arm(ctx, loop, delay)
    else:  # a thread goroutine: the timer lives on the loop that started it
        loop = getattr(_goroutines._thread_state, "loop", None)
        if loop is None:
            raise RuntimeError("context.with_timeout needs a running event loop or a goroutine")
        loop.call_soon_threadsafe(_arm, ctx, loop, delay, now())
    return ctx, cancel


def _arm(
    ctx: _CancelCtx, loop: asyncio.AbstractEventLoop, delay: float, since: float | None = None
) -> None:
    """Start ``ctx``'s deadline timer on ``loop`` (its thread), unless ``ctx`` already ended."""
    if since is not None:
        delay -= now() - since  # the time it took to get here from the thread
    timer = loop.call_later(max(delay, 0.0), lambda: ctx.cancel(DeadlineExceeded(), None))
    with ctx._lock:
        if ctx._err is None:
            ctx._timer = timer
            ctx._timer_loop = loop
            return
    timer.cancel()  # ended meanwhile (its parent, or cancel())


def with_value(parent: Context, key: Any, value: Any) -> Context:
    """A child that carries ``key`` -> ``value`` (ends with its parent)."""
    if parent is None:
        raise TypeError("cannot create context from nil parent")
    return _ValueCtx(parent, key, value)


def without_cancel(parent: Context) -> Context:
    """A context with ``parent``'s values that is never cancelled and has no deadline."""
    if parent is None:
        raise TypeError("cannot create context from nil parent")
    return _WithoutCancel(parent)


def cause(ctx: Context) -> BaseException | None:
    """Why ``ctx`` ended: the cause given to a ``with_cancel_cause`` cancel, else ``ctx.err()``."""
    ancestor = _cancel_ancestor(ctx)
    if isinstance(ancestor, _CancelCtx):
        return ancestor._cause
    return ctx.err()


def after_func(ctx: Context, f: Callable[[], Any]) -> Callable[[], bool]:
    """Run ``f()`` in its own goroutine once ``ctx`` ends; returns ``stop()``.

    ``stop()`` unregisters ``f``: ``True`` if that kept it from starting,
    ``False`` if it already started or was stopped before.
    """
    key = object()
    state = {"stopped": False, "started": False}
    lock = threading.Lock()

    def on_end(err: BaseException, why: BaseException | None) -> None:
        with lock:
            if state["stopped"] or state["started"]:
                return
            state["started"] = True
        go(f)

    _propagate(ctx, key, on_end)

    def stop() -> bool:
        ancestor = _cancel_ancestor(ctx)
        if isinstance(ancestor, _CancelCtx):
            ancestor.forget(key)
        with lock:
            if state["started"] or state["stopped"]:
                return False
            state["stopped"] = True
            return True

    return stop
