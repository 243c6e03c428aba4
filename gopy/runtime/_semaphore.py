"""Go's weighted semaphore (``golang.org/x/sync/semaphore``), built on gopy's channels.

FIFO: a request that does not fit blocks every request behind it, so a large
one is never starved by a stream of small ones. Thread goroutines call
``acquire_blocking`` and queue in the same FIFO as the tasks.
"""

from __future__ import annotations

import threading
from typing import Any

from gopy.runtime._parking import waiting_as
from gopy.runtime._select import recv_case, select, select_blocking
from gopy.runtime._waiting import Waiter, parked_as, refuse_on_loop

__all__ = ["Semaphore"]

_REASON = "semaphore acquire"


class Semaphore:
    """``Semaphore(n)``: ``await acquire(k=1, ctx=None)``, ``release(k=1)``, ``try_acquire(k=1)``.

    ``acquire_blocking(k=1, ctx=None)`` is ``acquire`` for thread goroutines.
    """

    __slots__ = ("_lock", "_size", "_cur", "_waiters")

    def __init__(self, n: int) -> None:
        if n < 0:
            raise ValueError(f"semaphore: negative size {n}")
        self._lock = threading.Lock()
        self._size = n
        self._cur = 0
        self._waiters: dict[Waiter, None] = {}  # FIFO, O(1) removal

    def __repr__(self) -> str:
        return f"<gopy.Semaphore {self._cur}/{self._size} held waiters={len(self._waiters)}>"

    def try_acquire(self, k: int = 1) -> bool:
        """Acquire ``k`` if it fits now and nobody waits; never blocks."""
        with self._lock:
            if self._size - self._cur >= k and not self._waiters:
                self._cur += k
                return True
            return False

    async def acquire(self, k: int = 1, ctx: Any = None) -> None:
        """Acquire ``k``, waiting in FIFO order; with ``ctx``, raise ``ctx.err()`` once it is done.

        An ended ``ctx`` fails even when ``k`` would fit, and a request larger
        than the semaphore waits until ``ctx`` ends (forever without one), as
        in Go.
        """
        if ctx is not None and ctx.err() is not None:
            raise ctx.err()
        with self._lock:
            if self._size - self._cur >= k and not self._waiters:
                self._cur += k
                return
            waiter = Waiter(k)
            self._waiters[waiter] = None
        done = ctx.done() if ctx is not None else None
        try:
            if done is None:
                await waiter.wait(_REASON)
                return
            if ctx.err() is None:
                await parked_as(_REASON, select(recv_case(waiter.ch), recv_case(done)))
            with self._lock:
                if waiter.granted:
                    return  # granted first: Go keeps the acquisition too
                self._abandon(waiter)
            raise ctx.err()
        except BaseException:
            self._gave_up(waiter)
            raise

    def acquire_blocking(self, k: int = 1, ctx: Any = None) -> None:
        """``acquire`` in a plain function: block the calling thread (same FIFO, same ``ctx`` rules)."""
        if ctx is not None and ctx.err() is not None:
            raise ctx.err()
        with self._lock:
            if self._size - self._cur >= k and not self._waiters:
                self._cur += k
                return
            refuse_on_loop("Semaphore.acquire")
            waiter = Waiter(k)
            self._waiters[waiter] = None
        done = ctx.done() if ctx is not None else None
        try:
            if done is None:
                waiter.wait_blocking(_REASON)
                return
            if ctx.err() is None:
                with waiting_as(_REASON):
                    select_blocking(recv_case(waiter.ch), recv_case(done))
            with self._lock:
                if waiter.granted:
                    return
                self._abandon(waiter)
            raise ctx.err()
        except BaseException:
            self._gave_up(waiter)
            raise

    def _gave_up(self, waiter: Waiter) -> None:
        with self._lock:
            if not waiter.granted:
                self._abandon(waiter)
                return
        self.release(waiter.n)  # granted, then cancelled: give it back

    def _abandon(self, waiter: Waiter) -> None:
        if waiter in self._waiters:
            front = next(iter(self._waiters)) is waiter
            del self._waiters[waiter]
            if front and self._size > self._cur:
                self._notify()  # the head left: the ones behind it may fit now

    def release(self, k: int = 1) -> None:
        """Release ``k``; waiters that now fit are admitted in FIFO order."""
        with self._lock:
            if self._cur - k < 0:
                raise RuntimeError("semaphore: released more than held")
            self._cur -= k
            self._notify()

    def _notify(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = next(iter(waiters))
            if self._size - self._cur < waiter.n:
                break  # not even the head fits: nobody behind it jumps the queue
            self._cur += waiter.n
            del waiters[waiter]
            waiter.wake()
