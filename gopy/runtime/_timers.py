"""Go's timers: ``after``, ``Timer``, ``Ticker``, ``tick`` and ``sleep``.

Timer channels are ordinary channels of capacity 1 fed by ``loop.call_later``
callbacks, so waiting on one (alone or in a ``select``) costs no task. The
value delivered is the fire time as ``time.time()`` (wall-clock seconds, like
Go's ``time.Now()``). A timer binds to the event loop running when it is
created.

``stop()`` and ``reset()`` follow Go 1.23, where timer channels are
unbuffered: no receive after either returns gets a value from before the
call, and a fired value the program has not received yet counts as not
delivered (``Timer.stop()`` drops it and returns ``True``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from gopy.runtime._channels import chan

__all__ = ["after", "tick", "Ticker", "Timer", "sleep"]


def _delay(seconds: float) -> float:
    """A timer's delay: negative means now; NaN is refused (it would break the loop's timer heap)."""
    if seconds != seconds:
        raise ValueError(f"invalid duration: {seconds!r} (nan)")
    return seconds if seconds > 0.0 else 0.0


def _deliver(c: chan[float]) -> None:
    """Fire: a non-blocking send of the current time (dropped if a value is pending)."""
    if not c._closed:
        c._send_nowait(time.time())


def after(seconds: float) -> chan[float]:
    """Go's ``time.After``: a channel that delivers the fire time once."""
    c: chan[float] = chan(1)
    asyncio.get_running_loop().call_later(_delay(seconds), _deliver, c)
    return c


def sleep(seconds: float) -> Coroutine[Any, Any, None]:
    """Go's ``time.Sleep``: ``await gopy.sleep(seconds)``."""
    return asyncio.sleep(_delay(seconds))


class Timer:
    """Go's ``time.Timer``: ``.c`` delivers the fire time once; ``stop()``, ``reset()``."""

    __slots__ = ("c", "_loop", "_handle")

    def __init__(self, seconds: float) -> None:
        self.c: chan[float] = chan(1)
        self._loop = asyncio.get_running_loop()
        self._handle: asyncio.TimerHandle | None = None
        self._start(_delay(seconds))

    def _start(self, delay: float) -> None:
        self._handle = self._loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        _deliver(self.c)

    def stop(self) -> bool:
        """Stop the timer; ``True`` unless its value was already received (or it was stopped)."""
        handle = self._handle
        if handle is not None:
            handle.cancel()
            self._handle = None
            return True
        # Fired, but a value still in the channel was never delivered (Go 1.23).
        buf = self.c._buf
        if buf:
            buf.clear()
            return True
        return False

    def reset(self, seconds: float) -> bool:
        """Restart to fire after ``seconds``; ``True`` as ``stop()`` would have returned."""
        delay = _delay(seconds)  # raises before touching the timer
        active = self.stop()
        self._start(delay)
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
        self._start(_interval(seconds, "non-positive interval for Ticker"))

    def _start(self, seconds: float) -> None:
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
        """Stop the ticks (the channel is not closed, as in Go); a pending tick is dropped."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.c._buf.clear()

    def reset(self, seconds: float) -> None:
        """Stop and restart with a new interval (the ticker is untouched if it is invalid)."""
        seconds = _interval(seconds, "non-positive interval for Ticker.Reset")
        self.stop()
        self._start(seconds)

    def __repr__(self) -> str:
        state = "active" if self._handle is not None else "stopped"
        return f"<Ticker every {self._interval}s {state}>"


def _interval(seconds: float, message: str) -> float:
    """A ticker's interval: positive, else ``ValueError`` (Go panics)."""
    if seconds != seconds:
        raise ValueError(f"invalid duration: {seconds!r} (nan)")
    if not seconds > 0:
        raise ValueError(message)
    return seconds


def tick(seconds: float) -> chan[float] | None:
    """Go's ``time.Tick``: the channel of a ticker never stopped; ``None`` if ``seconds <= 0``."""
    if not _delay(seconds) > 0:
        return None  # as in Go: the nil channel, which never delivers
    return Ticker(seconds).c
