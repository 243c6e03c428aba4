"""Go's ``golang.org/x/sync/errgroup``: goroutines whose first exception is the group's result.

``g = errgroup.Group()`` or ``g, ctx = errgroup.with_context(parent)``;
``g.go(f, *args)``; ``await g.wait()`` waits for all of them, then raises the
first exception any of them raised (``ctx`` is cancelled with it as the
cause as soon as it happens) or returns ``None``.

An exception in a group's goroutine is caught by the group: it is the
group's result, never a panic of the program. ``BaseException``s that are not
``Exception``s (cancellation, ``KeyboardInterrupt``, ``SystemExit``) pass
through as for any goroutine.

``set_limit(n)`` bounds how many run at once. ``g.go`` never blocks the
caller: a call beyond the limit is queued and starts, in order, when a
running one returns; ``await g.go(f)`` waits for that start (Go's ``Go``
blocks), so a producer cannot run ahead. ``try_go`` starts only if a slot
is free now.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import gopy.runtime.context as _context
from gopy.runtime._goroutines import _is_coroutine_function, go as _go
from gopy.runtime._waiting import Waiter

__all__ = ["Group", "with_context"]

_REASON = "sync.WaitGroup.Wait"  # Go's errgroup waits on a WaitGroup


class _Started:
    """What ``g.go`` returns: await it to wait until the function has started."""

    __slots__ = ("_waiter",)

    def __init__(self, waiter: Waiter | None) -> None:
        self._waiter = waiter

    def __await__(self) -> Generator[Any, Any, None]:
        if self._waiter is not None and not self._waiter.granted:
            # Go's g.Go blocks sending to the group's semaphore channel.
            yield from self._waiter.wait("chan send").__await__()


_STARTED = _Started(None)


class Group:
    """A group of goroutines working on subtasks of a common task."""

    __slots__ = ("_lock", "_active", "_limit", "_queue", "_waiters", "_err", "_cancel")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._limit: int | None = None
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...], Waiter]] = deque()
        self._waiters: list[Waiter] = []
        self._err: BaseException | None = None
        self._cancel: Callable[[BaseException | None], None] | None = None

    def __repr__(self) -> str:
        return f"<gopy.errgroup.Group active={self._active} queued={len(self._queue)}>"

    def set_limit(self, n: int) -> None:
        """At most ``n`` goroutines at once (negative: no limit); only while none is active."""
        with self._lock:
            if self._active or self._queue:
                raise RuntimeError(
                    f"errgroup: modify limit while {self._active + len(self._queue)} "
                    "goroutines in the group are still active"
                )
            self._limit = None if n < 0 else n

    def go(self, f: Callable[..., Any], /, *args: Any) -> _Started:
        """Start ``f(*args)`` as a goroutine (queued if the limit is reached)."""
        with self._lock:
            if self._limit is None or self._active < self._limit:
                self._active += 1
                start = True
            else:
                waiter = Waiter()
                self._queue.append((f, args, waiter))
                start = False
        if start:
            self._start(f, args)
            return _STARTED
        return _Started(waiter)

    def try_go(self, f: Callable[..., Any], /, *args: Any) -> bool:
        """Start ``f(*args)`` only if the limit allows it now; ``True`` if it started."""
        with self._lock:
            if self._limit is not None and (self._active >= self._limit or self._queue):
                return False
            self._active += 1
        self._start(f, args)
        return True

    def _start(self, f: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if _is_coroutine_function(f):
            _go(self._run_async, f, args)
        else:
            _go(self._run_thread, asyncio.get_running_loop(), f, args)

    async def _run_async(self, f: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            result = f(*args)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # the group's result, not a panic
            self._fail(exc)
        finally:
            self._finished()

    def _run_thread(
        self, loop: asyncio.AbstractEventLoop, f: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        coro = None
        try:
            coro = f(*args)
        except Exception as exc:
            loop.call_soon_threadsafe(self._fail, exc)
        finally:
            if asyncio.iscoroutine(coro):  # a plain function that returned a coroutine
                loop.call_soon_threadsafe(_go, self._run_async, _returning, (coro,))
            else:
                loop.call_soon_threadsafe(self._finished)

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            if self._err is not None:
                return
            self._err = exc
            cancel = self._cancel
        if cancel is not None:
            cancel(exc)

    def _finished(self) -> None:
        with self._lock:
            if self._queue:
                f, args, waiter = self._queue.popleft()
                waiter.wake()
                start = (f, args)
            else:
                start = None
                self._active -= 1
                if self._active == 0:
                    waiters, self._waiters = self._waiters, []
                    for waiter in waiters:
                        waiter.wake()
        if start is not None:  # the slot passes straight to the next queued call
            self._start(*start)

    async def wait(self) -> None:
        """Wait for every goroutine of the group; raise the first exception, if any."""
        with self._lock:
            if self._active or self._queue:
                waiter = Waiter()
                self._waiters.append(waiter)
            else:
                waiter = None
        if waiter is not None:
            await waiter.wait(_REASON)
        if self._cancel is not None:
            self._cancel(self._err)
        if self._err is not None:
            raise self._err


def _returning(coro: Any) -> Any:
    return coro


def with_context(parent: _context.Context) -> tuple[Group, _context.Context]:
    """A group and a child of ``parent`` cancelled by its first exception (or by ``wait()``)."""
    ctx, cancel = _context.with_cancel_cause(parent)
    g = Group()
    g._cancel = cancel
    return g, ctx
