"""Go's ``time.AfterFunc``: a ``Timer`` whose firing starts a goroutine.

The function runs as its own goroutine with ``gopy.go``: a coroutine
function becomes a task, a plain one runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from gopy.runtime._goroutines import go
from gopy.runtime._timers import Timer, _delay

__all__ = ["after_func"]


class _FuncTimer(Timer):
    """The ``Timer`` of ``after_func``: no channel (``c`` is ``None``, as in Go); firing calls ``go(f)``.

    ``_armed`` (under ``_guard``) is what decides: a fire that finds it cleared
    (stopped or reset meanwhile) does nothing, so ``stop()`` and ``reset()``
    are exact from any thread; the loop's handle is cancelled on the loop's
    thread only to free it early.
    """

    __slots__ = ("_f", "_args", "_loop", "_handle", "_armed", "_guard")

    def __init__(self, seconds: float, f: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._f = f
        self._args = args
        self.c = None  # type: ignore[assignment]
        self._loop = asyncio.get_running_loop()
        self._guard = threading.Lock()
        self._armed = 0  # generation of the live arming, 0 when none
        self._handle: asyncio.TimerHandle | None = None
        self._arm(_delay(seconds))

    def _arm(self, delay: float) -> None:
        with self._guard:
            generation = self._armed = abs(self._armed) + 1
        self._on_loop(lambda: self._schedule(delay, generation))

    def _schedule(self, delay: float, generation: int) -> None:
        if self._armed == generation:
            self._handle = self._loop.call_later(delay, self._fire, generation)

    def _on_loop(self, fn: Callable[[], None]) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            fn()
        else:
            self._loop.call_soon_threadsafe(fn)

    def _fire(self, generation: int) -> None:
        with self._guard:
            if self._armed != generation:
                return
            self._armed = -generation
        self._handle = None
        go(self._f, *self._args)

    def _disarm(self) -> bool:
        with self._guard:
            active = self._armed > 0
            self._armed = -abs(self._armed)
        if active:
            self._on_loop(self._cancel_handle)
        return active

    def _cancel_handle(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    def stop(self) -> bool:
        """Prevent the call; ``True`` if that stopped it, ``False`` if it already started."""
        return self._disarm()

    def reset(self, seconds: float) -> bool:
        """Call ``f`` after ``seconds`` from now; ``True`` if the timer was active."""
        delay = _delay(seconds)
        active = self._disarm()
        self._arm(delay)
        return active

    def __repr__(self) -> str:
        return f"<Timer after_func {'active' if self._armed > 0 else 'inactive'}>"


def after_func(seconds: float, f: Callable[..., Any], /, *args: Any) -> Timer:
    """Go's ``time.AfterFunc``: run ``f(*args)`` in its own goroutine after ``seconds``."""
    return _FuncTimer(seconds, f, args)
