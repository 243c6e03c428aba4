"""Go's ``sync.WaitGroup`` and ``sync.Mutex`` for tasks on any loop and for threads.

Both use the channels' cells (``_waiters``) under the runtime lock: a fast
path that neither creates a future nor yields, and a slow path that parks
the task on a future (or the thread on a lock), recorded in
``gopy.runtime._parking.parked`` for deadlock detection. Leaving a wait is
O(1): WaitGroup waiters are a dict keyed by waiter, Mutex waiters a FIFO
wait queue with tombstones.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from gopy.runtime._goroutines import _is_coroutine_function, go
from gopy.runtime._parking import parked
from gopy.runtime._waiters import (
    _claim,
    _count_live,
    _give_up,
    _hand_over,
    _lock,
    _new_queue,
    _reason,
    _thread_waiter,
)

__all__ = ["WaitGroup", "Mutex"]

_current_thread = threading.current_thread
_get_ident = threading.get_ident
_get_running_loop = asyncio._get_running_loop
_WOULD_BLOCK = (
    "{op} would block the event loop: start the function with `go` "
    "(it then runs in a worker thread) or make it `async def`"
)


class WaitGroup:
    """Go's ``sync.WaitGroup``: ``add(n)``, ``done()``, ``await wait()`` (``wait_blocking()``)."""

    __slots__ = ("_count", "_waiters")

    def __init__(self) -> None:
        self._count = 0
        self._waiters: dict[Any, list[Any]] = {}

    def __repr__(self) -> str:
        return f"<gopy.WaitGroup count={self._count} waiters={len(self._waiters)}>"

    def go(self, f: Any, /, *args: Any) -> None:
        """Go 1.25's ``wg.Go(f)``: ``add(1)``, then ``f(*args)`` as a goroutine that calls ``done()``.

        A coroutine function becomes a task, a plain function a thread
        goroutine; a panic in ``f`` is still a panic of the program (as in Go).
        """
        self.add(1)
        if _is_coroutine_function(f):
            go(_done_after_await, self, f(*args))
        else:
            go(_done_after_call, asyncio.get_running_loop(), self, f, args)

    def add(self, delta: int = 1) -> None:
        """Add ``delta`` (may be negative) to the counter; at zero, release every waiter."""
        with _lock:
            count = self._count + delta
            if count < 0:
                raise ValueError("sync: negative WaitGroup counter")
            self._count = count
            if count == 0 and self._waiters:
                self._release()

    def done(self) -> None:
        """Decrement the counter by one."""
        with _lock:  # add(-1), one call less
            count = self._count - 1
            if count < 0:
                raise ValueError("sync: negative WaitGroup counter")
            self._count = count
            if count == 0 and self._waiters:
                self._release()

    def _release(self) -> None:
        waiters, self._waiters = self._waiters, {}
        for cell in waiters.values():
            if cell[0] is not None:
                _claim(cell, None)

    async def wait(self) -> None:
        """Block until the counter is zero (returns at once if it is)."""
        if self._count == 0:  # a stale read only sends us to the locked check
            with _lock:
                if self._count == 0:
                    return
        loop = asyncio.get_running_loop()
        with _lock:
            if self._count == 0:
                return
            fut = loop.create_future()
            cell = [fut, None, _get_ident()]
            self._waiters[fut] = cell
        task = asyncio.current_task()
        if task is not None:
            parked[task] = _reason("sync.WaitGroup.Wait")
        try:
            await fut
        except BaseException:
            # Woken or not, nothing is owed: just leave no waiter behind.
            with _lock:
                if cell[0] is not None:
                    cell[0] = None
                    self._waiters.pop(fut, None)
            raise
        finally:
            if task is not None:
                parked.pop(task, None)

    def wait_blocking(self) -> None:
        """``wg.Wait()`` in a plain function: block the calling thread until zero."""
        with _lock:
            if self._count == 0:
                return
            if _get_running_loop() is not None:
                raise RuntimeError(_WOULD_BLOCK.format(op="WaitGroup.wait"))
            w = _thread_waiter()
            cell = [w, None, 0]
            self._waiters[w] = cell
        me = _current_thread()
        parked[me] = _reason("sync.WaitGroup.Wait")
        try:
            w.acquire()
        except BaseException:
            with _lock:
                if cell[0] is not None:
                    cell[0] = None
                    self._waiters.pop(w, None)
            raise
        finally:
            del parked[me]


class Mutex:
    """Go's ``sync.Mutex``: ``await lock()``, ``unlock()``, ``async with``; FIFO hand-off.

    Not reentrant (locking twice from one goroutine deadlocks, as in Go), and
    any goroutine may unlock it. ``unlock()`` hands the mutex directly to the
    longest waiter, so a newcomer cannot barge in ahead of it. Threads use
    ``lock_blocking()`` or ``with mu:``.
    """

    __slots__ = ("_locked", "_waiters")

    def __init__(self) -> None:
        self._locked = False
        # Invariant: while a live entry is queued, _locked is True.
        self._waiters: Any = None

    def __repr__(self) -> str:
        state = "locked" if self._locked else "unlocked"
        waiters = self._waiters
        count = _count_live(waiters)
        return f"<gopy.Mutex {state} waiters={count}>"

    def locked(self) -> bool:
        """True while some goroutine holds the mutex."""
        return self._locked

    def try_lock(self) -> bool:
        """Lock if free and return True, else return False at once (Go's ``TryLock``)."""
        with _lock:
            if self._locked:
                return False
            self._locked = True
            return True

    def _enqueue(self, w: Any) -> tuple[list[Any], Any]:
        entry = [w, None, None, _get_ident()]  # a plain entry (see _waiters)
        q = self._waiters
        if q is None:
            q = self._waiters = _new_queue()
        q.append(entry)
        return entry, q

    async def lock(self) -> None:
        """Lock the mutex, waiting in FIFO order if it is held."""
        loop = asyncio.get_running_loop()
        with _lock:
            if not self._locked:
                self._locked = True
                return
            fut = loop.create_future()
            entry, q = self._enqueue(fut)
        task = asyncio.current_task()
        if task is not None:
            parked[task] = _reason("sync.Mutex.Lock")
        try:
            await fut
        except BaseException:
            if _give_up(entry, q):
                # unlock() handed us the mutex, then we were cancelled before
                # resuming: pass it on so it is never leaked.
                self.unlock()
            raise
        finally:
            if task is not None:
                parked.pop(task, None)

    def lock_blocking(self) -> None:
        """``mu.Lock()`` in a plain function: block the calling thread until locked."""
        with _lock:
            if not self._locked:
                self._locked = True
                return
            if _get_running_loop() is not None:
                raise RuntimeError(_WOULD_BLOCK.format(op="Mutex.lock"))
            w = _thread_waiter()
            entry, q = self._enqueue(w)
        me = _current_thread()
        parked[me] = _reason("sync.Mutex.Lock")
        try:
            w.acquire()
        except BaseException:
            if _give_up(entry, q):
                self.unlock()
            raise
        finally:
            del parked[me]

    def unlock(self) -> None:
        """Unlock, handing the mutex to the longest waiter if there is one."""
        with _lock:
            if not self._locked:
                raise RuntimeError("sync: unlock of unlocked mutex")
            q = self._waiters
            if q and _hand_over(q, None, True):
                return  # ownership passes to the longest waiter; _locked stays True
            self._locked = False

    async def __aenter__(self) -> None:
        await self.lock()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unlock()

    def __enter__(self) -> None:
        self.lock_blocking()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unlock()


async def _done_after_await(wg: WaitGroup, coro: Any) -> None:
    try:
        await coro
    finally:
        wg.done()


def _done_after_call(
    loop: asyncio.AbstractEventLoop, wg: WaitGroup, f: Any, args: tuple[Any, ...]
) -> None:
    result = None
    try:
        result = f(*args)
    finally:
        if asyncio.iscoroutine(result):  # a plain function that returned a coroutine: await it
            loop.call_soon_threadsafe(go, _done_after_await, wg, result)
        else:
            wg.done()
