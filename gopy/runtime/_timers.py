"""Go's timers: ``after``, ``Timer``, ``Ticker``, ``tick`` and ``sleep``.

Timer channels are channels of capacity 1 fed by the event loop's timers
(``loop.call_at`` on the loop's own clock, so a virtual-time loop makes them
virtual), so waiting on one (alone or in a ``select``) costs no task. The
value delivered is the fire time as ``time.time()`` (wall-clock seconds,
like Go's ``time.Now()``). A timer created in a thread goroutine runs on the
loop that started it; in any other thread, on a ``threading.Timer``.

Timers nothing references are freed (Go 1.23): the loop's timer handle holds
the channel only weakly, and a channel that is collected cancels its handle,
so ``select`` with ``after(60)`` in a loop keeps memory flat. The timer's
state lives in its channel: a ``Timer`` or ``Ticker`` whose channel is still
referenced keeps firing.

``stop()`` and ``reset()`` follow Go 1.23, where timer channels are
unbuffered: no receive after either returns gets a value from before the
call, and a fired value the program has not received yet counts as not
delivered (``Timer.stop()`` drops it and returns ``True``). Timer state is
guarded by the runtime lock; a fire checks the timer's generation, so a
fire racing with ``stop`` from another thread delivers nothing.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Coroutine
from typing import Any

from gopy.runtime._channels import chan
from gopy.runtime._goroutines import _thread_state
from gopy.runtime._waiters import _lock

__all__ = ["after", "tick", "Ticker", "Timer", "sleep"]

_get_running_loop = asyncio._get_running_loop
_ref = weakref.ref


def _delay(seconds: float) -> float:
    """A timer's delay: negative means now; NaN is refused (it would break the loop's timer heap)."""
    if seconds != seconds:
        raise ValueError(f"invalid duration: {seconds!r} (nan)")
    return seconds if seconds > 0.0 else 0.0


class _TimerChan(chan[float]):
    """A timer's channel, which also holds the timer's state."""

    __slots__ = ("_tloop", "_handle", "_gen", "_interval", "_when", "__weakref__")

    def __init__(self) -> None:
        super().__init__(1)
        running = _get_running_loop()
        self._tloop: Any = running or getattr(_thread_state, "loop", None)
        self._handle: Any = None  # armed: a loop TimerHandle or threading.Timer
        self._gen = 0
        self._interval = 0.0
        self._when = 0.0

    def __del__(self) -> None:
        handle = self._handle
        if handle is not None:
            _cancel(self._tloop, handle)

    def _arm(self, delay: float, fire: Any) -> None:
        """Under the lock: schedule ``fire(ref, gen)`` after ``delay`` seconds."""
        self._gen += 1
        loop = self._tloop
        ref = _ref(self)
        if loop is None:
            t = threading.Timer(delay, fire, (ref, self._gen))
            t.daemon = True
            t.start()
            self._handle = t
            self._when = time.monotonic() + delay
            return
        self._when = when = loop.time() + delay
        if loop is _get_running_loop():
            self._handle = loop.call_at(when, fire, ref, self._gen)
        else:  # a thread goroutine: arm it on its loop
            self._handle = _Pending()
            loop.call_soon_threadsafe(_arm_remote, ref, self._gen, when, fire)

    def _disarm(self) -> bool:
        """Under the lock: cancel a pending fire; whether there was one."""
        handle = self._handle
        if handle is None:
            return False
        self._gen += 1
        self._handle = None
        _cancel(self._tloop, handle)
        return True

    def _deliver(self) -> None:
        """Fire: a non-blocking send of the current time (dropped if a value is pending)."""
        if self._mine():
            if not self._closed:
                self._try_send(time.time(), False)
        else:
            with _lock:
                if not self._closed:
                    self._try_send(time.time(), True)

    def _drop_pending(self) -> bool:
        buf = self._buf
        if buf:
            buf.clear()
            return True
        return False


class _Pending:
    """Stands for a loop timer being armed from another thread."""

    __slots__ = ()

    def cancel(self) -> None:
        pass  # the generation check makes the armed timer a no-op


def _arm_remote(ref: Any, gen: int, when: float, fire: Any) -> None:
    c = ref()
    if c is None:
        return
    with _lock:
        if c._gen == gen:
            c._handle = c._tloop.call_at(when, fire, ref, gen)


def _cancel(loop: Any, handle: Any) -> None:
    if loop is None or loop is _get_running_loop():
        handle.cancel()
    else:
        try:
            loop.call_soon_threadsafe(handle.cancel)
        except RuntimeError:  # the loop is closed: nothing will fire
            pass


def _fire_once(ref: Any, gen: int) -> None:
    c = ref()
    if c is None:
        return
    with _lock:
        if c._gen != gen:
            return
        c._handle = None
    c._deliver()


def _fire_tick(ref: Any, gen: int) -> None:
    c = ref()
    if c is None:
        return
    with _lock:
        if c._gen != gen:
            return
    c._deliver()  # buffer of 1 already full: this tick is dropped
    with _lock:
        if c._gen != gen:
            return
        interval = c._interval
        when = c._when + interval
        now = c._tloop.time() if c._tloop is not None else time.monotonic()
        if when <= now:  # fell behind: skip the missed ticks, keep the phase
            when += ((now - when) // interval + 1) * interval
        c._handle = None
        c._arm(when - now, _fire_tick)
        c._when = when


def after(seconds: float) -> chan[float]:
    """Go's ``time.After``: a channel that delivers the fire time once."""
    delay = _delay(seconds)
    c = _TimerChan()
    with _lock:
        c._arm(delay, _fire_once)
    return c


def sleep(seconds: float) -> Coroutine[Any, Any, None]:
    """Go's ``time.Sleep``: ``await gopy.sleep(seconds)``."""
    return asyncio.sleep(_delay(seconds))


class Timer:
    """Go's ``time.Timer``: ``.c`` delivers the fire time once; ``stop()``, ``reset()``."""

    __slots__ = ("c",)

    def __init__(self, seconds: float) -> None:
        delay = _delay(seconds)
        self.c: _TimerChan = _TimerChan()
        with _lock:
            self.c._arm(delay, _fire_once)

    def stop(self) -> bool:
        """Stop the timer; ``True`` unless its value was already received (or it was stopped)."""
        self.c._mine()  # a foreign thread makes the channel shared: its buffer is locked
        with _lock:
            # Fired, but a value still in the channel was never delivered (Go 1.23).
            return self.c._disarm() or self.c._drop_pending()

    def reset(self, seconds: float) -> bool:
        """Restart to fire after ``seconds``; ``True`` as ``stop()`` would have returned."""
        delay = _delay(seconds)  # raises before touching the timer
        self.c._mine()
        with _lock:
            c = self.c
            active = c._disarm() or c._drop_pending()
            c._arm(delay, _fire_once)
        return active

    def __repr__(self) -> str:
        return f"<Timer {'active' if self.c._handle is not None else 'inactive'}>"


class Ticker:
    """Go's ``time.Ticker``: ``.c`` delivers at each interval; a slow reader misses ticks."""

    __slots__ = ("c",)

    def __init__(self, seconds: float) -> None:
        seconds = _interval(seconds, "non-positive interval for Ticker")
        self.c: _TimerChan = _TimerChan()
        with _lock:
            self.c._interval = seconds
            self.c._arm(seconds, _fire_tick)

    def stop(self) -> None:
        """Stop the ticks (the channel is not closed, as in Go); a pending tick is dropped."""
        self.c._mine()
        with _lock:
            self.c._disarm()
            self.c._drop_pending()

    def reset(self, seconds: float) -> None:
        """Stop and restart with a new interval (the ticker is untouched if it is invalid)."""
        seconds = _interval(seconds, "non-positive interval for Ticker.Reset")
        self.c._mine()
        with _lock:
            c = self.c
            c._disarm()
            c._drop_pending()
            c._interval = seconds
            c._arm(seconds, _fire_tick)

    def __repr__(self) -> str:
        state = "active" if self.c._handle is not None else "stopped"
        return f"<Ticker every {self.c._interval}s {state}>"


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
