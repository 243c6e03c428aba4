"""Go's timers: ``after``, ``Timer``, ``Ticker``, ``tick`` and ``sleep``.

Timer channels are ordinary channels of capacity 1 fed by ``loop.call_later``
callbacks, so waiting on one (alone or in a ``select``) costs no task. The
value delivered is the fire time as ``time.time()`` (wall-clock seconds, like
Go's ``time.Now()``). A timer binds to the event loop running when it is
created.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from gopy._chan import chan

__all__ = ["after", "tick", "Ticker", "Timer", "sleep"]


def _deliver(c: chan[float]) -> None:
    """Fire: a non-blocking send of the current time (dropped if a value is pending)."""
    if not c._closed:
        c._send_nowait(time.time())


def after(seconds: float) -> chan[float]:
    """Go's ``time.After``: a channel that delivers the fire time once."""
    c: chan[float] = chan(1)
    asyncio.get_running_loop().call_later(max(seconds, 0.0), _deliver, c)
    return c


def sleep(seconds: float) -> Coroutine[Any, Any, None]:
    """Go's ``time.Sleep``: ``await gopy.sleep(seconds)``."""
    return asyncio.sleep(max(seconds, 0.0))


class Timer:
    """Go's ``time.Timer``: ``.c`` delivers the fire time once; ``stop()``, ``reset()``."""

    __slots__ = ("c", "_loop", "_handle")

    def __init__(self, seconds: float) -> None:
        self.c: chan[float] = chan(1)
        self._loop = asyncio.get_running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self._start(seconds)

    def _start(self, seconds: float) -> None:
        self._handle = self._loop.call_later(max(seconds, 0.0), self._fire)

    def _fire(self) -> None:
        self._handle = None
        _deliver(self.c)

    def stop(self) -> bool:
        """Stop the timer; ``True`` if it had not fired (nor been stopped) yet."""
        handle = self._handle
        if handle is None:
            return False
        handle.cancel()
        self._handle = None
        return True

    def reset(self, seconds: float) -> bool:
        """Restart to fire after ``seconds``; ``True`` if the timer was still active."""
        active = self.stop()
        # As in Go 1.23: no stale value from the previous setting stays readable.
        self.c._buf.clear()
        self._start(seconds)
        return active

    def __repr__(self) -> str:
        return f"<Timer {'active' if self._handle is not None else 'inactive'}>"


class Ticker:
    """Go's ``time.Ticker``: ``.c`` delivers at each interval; a slow reader misses ticks."""

    __slots__ = ("c", "_loop", "_interval", "_when", "_handle")

    def __init__(self, seconds: float) -> None:
        self.c: chan[float] = chan(1)
        self._loop = asyncio.get_running_loop()
        self._interval = 0.0
        self._when = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._start(seconds)

    def _start(self, seconds: float) -> None:
        if not seconds > 0:
            raise ValueError("non-positive interval for Ticker")
        self._interval = seconds
        self._when = self._loop.time() + seconds
        self._handle = self._loop.call_at(self._when, self._fire)

    def _fire(self) -> None:
        _deliver(self.c)  # buffer of 1 already full: this tick is dropped
        interval = self._interval
        when = self._when + interval
        now = self._loop.time()
        if when <= now:  # fell behind: skip the missed ticks, keep the phase
            when += ((now - when) // interval + 1) * interval
        self._when = when
        self._handle = self._loop.call_at(when, self._fire)

    def stop(self) -> None:
        """Stop the ticks (the channel is not closed, as in Go)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def reset(self, seconds: float) -> None:
        """Stop and restart with a new interval."""
        self.stop()
        self._start(seconds)

    def __repr__(self) -> str:
        state = "active" if self._handle is not None else "stopped"
        return f"<Ticker every {self._interval}s {state}>"


def tick(seconds: float) -> chan[float] | None:
    """Go's ``time.Tick``: the channel of a ticker never stopped; ``None`` if ``seconds <= 0``."""
    if not seconds > 0:
        return None  # as in Go: the nil channel, which never delivers
    return Ticker(seconds).c
