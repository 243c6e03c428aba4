"""Go's ``time.AfterFunc`` and ``sync.WaitGroup.Go`` (Go 1.25).

Both start their function as its own goroutine with ``gopy.go``: a coroutine
function becomes a task, a plain one runs on a worker thread.

``WaitGroup.go`` belongs in ``_sync``; until it moves there it is attached to
``WaitGroup`` from here (``wait_group_go`` is the method's body).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from gopy.runtime._goroutines import _is_coroutine_function, go
from gopy.runtime._sync import WaitGroup
from gopy.runtime._timers import Timer, _delay

__all__ = ["after_func", "wait_group_go"]


class _FuncTimer(Timer):
    """The ``Timer`` of ``after_func``: no channel (``c`` is ``None``, as in Go); firing calls ``go(f)``."""

    __slots__ = ("_f", "_args")

    def __init__(self, seconds: float, f: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._f = f
        self._args = args
        self.c = None  # type: ignore[assignment]
        self._loop = asyncio.get_running_loop()
        self._handle = None
        self._start(_delay(seconds))

    def _fire(self) -> None:
        self._handle = None
        go(self._f, *self._args)

    def stop(self) -> bool:
        """Prevent the call; ``True`` if that stopped it, ``False`` if it already started."""
        handle = self._handle
        if handle is None:
            return False
        handle.cancel()
        self._handle = None
        return True


def after_func(seconds: float, f: Callable[..., Any], /, *args: Any) -> Timer:
    """Go's ``time.AfterFunc``: run ``f(*args)`` in its own goroutine after ``seconds``."""
    return _FuncTimer(seconds, f, args)


def wait_group_go(wg: WaitGroup, f: Callable[..., Any], /, *args: Any) -> None:
    """``wg.go(f, *args)``: ``wg.add(1)``, then start ``f(*args)`` as a goroutine that calls ``wg.done()``.

    A panic in ``f`` is still a panic of the program (as in Go).
    """
    wg.add(1)
    if _is_coroutine_function(f):
        go(_run_async, wg, f, args)
    else:
        go(_run_thread, asyncio.get_running_loop(), wg, f, args)


async def _run_async(wg: WaitGroup, f: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        await f(*args)
    finally:
        wg.done()


async def _await_then_done(wg: WaitGroup, coro: Any) -> None:
    try:
        await coro
    finally:
        wg.done()


def _run_thread(
    loop: asyncio.AbstractEventLoop, wg: WaitGroup, f: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    coro = None
    try:
        coro = f(*args)
    finally:
        # WaitGroup wakes its waiters on the loop thread (until _sync is thread-safe).
        if asyncio.iscoroutine(coro):  # a plain function that returned a coroutine: await it
            loop.call_soon_threadsafe(go, _await_then_done, wg, coro)
        else:
            loop.call_soon_threadsafe(wg.done)


if not hasattr(WaitGroup, "go"):
    WaitGroup.go = wait_group_go  # type: ignore[attr-defined]
