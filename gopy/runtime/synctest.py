"""Go's ``testing/synctest``: run goroutines in a bubble whose clock is virtual.

``gopy.synctest.run(f, *args)`` runs ``await f(*args)`` on an event loop of
its own under gopy's supervisor. Timers in gopy use the running loop's clock
(``sleep``, ``after``, ``Timer``, ``Ticker``, ``after_func``,
``context.with_timeout``), and this loop's clock only moves when every
goroutine of the bubble is durably blocked (nothing ready to run, no worker
thread or I/O in flight): then it jumps to the next timer at once, so an
hour of timeouts takes milliseconds. The virtual wall clock
(``context``'s deadlines, ``synctest.now()``) starts at 2000-01-01 00:00 UTC,
as Go's does.

- ``await synctest.wait()`` returns once every other goroutine of the
  bubble is durably blocked (Go's ``synctest.Wait``).
- Every goroutine blocked with no timer left: the deadlock report
  (``gopy.Deadlock``).
- ``f`` returned while goroutines it started stay blocked: after letting
  time run out for them, ``GoroutineLeak`` (a ``Deadlock``) listing them
  with their ``.gopy`` lines.
- ``await synctest.test(f)`` runs a bubble from inside a running loop (on a
  worker thread; the bubble shares nothing with the caller's goroutines).

Limits: the bubble is a whole event loop, so channels, timers and goroutines
must not cross its border (Go panics; here it is undefined). Values that
timer channels deliver are wall-clock ``time.time()``, not virtual.
"""

from __future__ import annotations

import asyncio
import inspect
import selectors
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from gopy.runtime._deadlock_probe import _executor_busy
from gopy.runtime._leaks import GoroutineLeak, leak_report
from gopy.runtime._supervisor import Deadlock, _supervisors, run_supervised

__all__ = ["run", "test", "wait", "now", "GoroutineLeak", "Deadlock"]

_T = TypeVar("_T")
#: 2000-01-01T00:00:00Z, where Go's bubbles start
_EPOCH = 946684800.0
#: timer jumps allowed after f returned before its leftovers count as leaked (a Ticker never stopped)
_MAX_JUMPS_AFTER_RETURN = 10_000


class _JumpSelector:
    """The loop's selector, polled without waiting: an idle loop asks the bubble what to do."""

    def __init__(self, real: selectors.BaseSelector, loop: _BubbleLoop) -> None:
        self._real = real
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def select(self, timeout: float | None = None) -> list[Any]:
        events = self._real.select(0)
        if events or (timeout is not None and timeout <= 0):
            return events
        return self._loop._idle(self._real, timeout)


class _BubbleLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is virtual and jumps when the bubble is idle."""

    def __init__(self) -> None:
        super().__init__()
        self._virtual = 0.0
        self._selector = _JumpSelector(self._selector, self)  # type: ignore[assignment]
        self._waits: list[asyncio.Future[None]] = []
        self._drain: asyncio.Future[None] | None = None
        self._jumps_after_return = 0

    def time(self) -> float:
        return self._virtual

    def gopy_wall_time(self) -> float:
        """The bubble's ``time.time()``."""
        return _EPOCH + self._virtual

    def _external(self, real: selectors.BaseSelector) -> bool:
        """Whether something outside the bubble's goroutines may still wake one (not durable)."""
        sup = _supervisors.get(self)
        if sup is not None and sup.threads:
            return True
        ssock = getattr(self, "_ssock", None)
        self_pipe = ssock.fileno() if ssock is not None else -1
        if any(key.fd != self_pipe for key in real.get_map().values()):
            return True
        return _executor_busy(self)

    def _idle(self, real: selectors.BaseSelector, timeout: float | None) -> list[Any]:
        """Nothing is ready: wake ``wait()``ers, or jump to the next timer, or report."""
        if self._external(real):
            return real.select(timeout)
        if self._waits:
            waits, self._waits = self._waits, []
            for fut in waits:
                if not fut.done():
                    fut.set_result(None)
            return []
        sup = _supervisors.get(self)
        checker = sup.checker if sup is not None else None
        drain = self._drain
        if sup is not None and sup.closing:  # shutting down: just let the timers run
            drain = None
        if drain is not None and not drain.done():
            others = self._others(sup)
            if not others:
                drain.set_result(None)
                return []
            self._jumps_after_return += 1
            if self._jumps_after_return > _MAX_JUMPS_AFTER_RETURN:
                return self._leaked(sup, others)
        when = None
        for handle in self._scheduled:  # type: ignore[attr-defined]
            if not handle._cancelled and handle is not checker:
                if when is None or handle._when < when:
                    when = handle._when
        if when is not None:
            if when > self._virtual:
                self._virtual = when
            return []
        if sup is None or sup.closing:
            return real.select(timeout)
        if drain is not None and not drain.done():
            return self._leaked(sup, self._others(sup))
        tasks = [t for t in sup.goroutines if not t.done()]
        if tasks:
            sup.fail(Deadlock(sup.deadlock_report_of(tasks)))
        return []

    def _others(self, sup: Any) -> list[asyncio.Task]:
        main = sup.main if sup is not None else None
        return [t for t in asyncio.all_tasks(self) if t is not main and not t.done()]

    def _leaked(self, sup: Any, others: list[asyncio.Task]) -> list[Any]:
        title = "deadlock: main bubble goroutine has exited but blocked goroutines remain"
        sup.fail(GoroutineLeak(leak_report(title, others)))
        return []


_patch_lock = threading.Lock()


def _run_in_bubble(body: Callable[[], Any]) -> Any:
    """``run_supervised(body)`` on a fresh ``_BubbleLoop``."""
    params = inspect.signature(run_supervised).parameters
    if "loop_factory" in params:  # the supervisor's hook, once it has one
        return run_supervised(body, loop_factory=_BubbleLoop)  # type: ignore[call-arg]
    # Until then: run_supervised creates its loop with asyncio.new_event_loop(),
    # which answers with a bubble loop exactly once.
    with _patch_lock:
        original = asyncio.new_event_loop

        def new_event_loop() -> asyncio.AbstractEventLoop:
            asyncio.new_event_loop = original
            return _BubbleLoop()

        asyncio.new_event_loop = new_event_loop
        try:
            return run_supervised(body)
        finally:
            asyncio.new_event_loop = original


def run(f: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``await f(*args, **kwargs)`` in a new bubble; return its result.

    Raises what ``f`` raises, ``GoroutinePanic`` for a goroutine's panic,
    ``Deadlock`` when the bubble deadlocks and ``GoroutineLeak`` when ``f``
    returns while goroutines it started remain blocked.
    """

    async def body() -> Any:
        result = f(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        loop = asyncio.get_running_loop()
        assert isinstance(loop, _BubbleLoop)
        loop._drain = loop.create_future()
        await loop._drain
        return result

    return _run_in_bubble(body)


async def test(f: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``run(f, ...)`` from inside a running loop: the bubble runs on a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(None, lambda: run(f, *args, **kwargs))


def _bubble() -> _BubbleLoop:
    loop = asyncio._get_running_loop()
    if not isinstance(loop, _BubbleLoop):
        raise RuntimeError("synctest: not in a bubble (start one with gopy.synctest.run)")
    return loop


async def wait() -> None:
    """Return once every other goroutine of the bubble is durably blocked (Go's ``synctest.Wait``)."""
    loop = _bubble()
    fut = loop.create_future()
    loop._waits.append(fut)
    await fut


def now() -> float:
    """The bubble's ``time.time()`` (virtual; starts at 2000-01-01 00:00 UTC)."""
    return _bubble().gopy_wall_time()
