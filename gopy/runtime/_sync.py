"""Go's ``sync.WaitGroup`` and ``sync.Mutex`` for goroutines on one event loop.

Both follow the channels' pattern: a fast path that neither creates a future
nor yields, and a slow path that parks the task (recorded in
``gopy.runtime._parking.parked`` for deadlock detection) on a plain future.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType

from gopy.runtime._parking import parked

__all__ = ["WaitGroup", "Mutex"]


class WaitGroup:
    """Go's ``sync.WaitGroup``: ``add(n)``, ``done()``, ``await wait()``."""

    __slots__ = ("_count", "_waiters")

    def __init__(self) -> None:
        self._count = 0
        self._waiters: list[asyncio.Future[None]] = []

    def __repr__(self) -> str:
        return f"<gopy.WaitGroup count={self._count} waiters={len(self._waiters)}>"

    def add(self, delta: int = 1) -> None:
        """Add ``delta`` (may be negative) to the counter; at zero, release every waiter."""
        count = self._count + delta
        if count < 0:
            raise ValueError("sync: negative WaitGroup counter")
        self._count = count
        if count == 0 and self._waiters:
            self._release()

    def done(self) -> None:
        """Decrement the counter by one."""
        count = self._count - 1
        if count < 0:
            raise ValueError("sync: negative WaitGroup counter")
        self._count = count
        if count == 0 and self._waiters:
            self._release()

    def _release(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait(self) -> None:
        """Block until the counter is zero (returns at once if it is)."""
        if self._count == 0:
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        task = asyncio.current_task()
        if task is not None:
            parked[task] = "sync.WaitGroup.Wait"
        try:
            await fut
        except BaseException:
            # Woken or not, nothing is owed: just leave no waiter behind.
            if not fut.done():
                fut.cancel()
            try:
                self._waiters.remove(fut)
            except ValueError:
                pass
            raise
        finally:
            if task is not None:
                parked.pop(task, None)


class Mutex:
    """Go's ``sync.Mutex``: ``await lock()``, ``unlock()``, ``async with``; FIFO hand-off.

    Not reentrant (locking twice from one goroutine deadlocks, as in Go), and
    any goroutine may unlock it. ``unlock()`` hands the mutex directly to the
    longest waiter, so a newcomer cannot barge in ahead of it.
    """

    __slots__ = ("_locked", "_waiters")

    def __init__(self) -> None:
        self._locked = False
        # Invariant: while a live (not done) future is queued, _locked is True.
        self._waiters: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        state = "locked" if self._locked else "unlocked"
        return f"<gopy.Mutex {state} waiters={len(self._waiters)}>"

    def locked(self) -> bool:
        """True while some goroutine holds the mutex."""
        return self._locked

    def try_lock(self) -> bool:
        """Lock if free and return True, else return False at once (Go's ``TryLock``)."""
        if self._locked:
            return False
        self._locked = True
        return True

    async def lock(self) -> None:
        """Lock the mutex, waiting in FIFO order if it is held."""
        if not self._locked:
            self._locked = True
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        task = asyncio.current_task()
        if task is not None:
            parked[task] = "sync.Mutex.Lock"
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                # unlock() handed us the mutex, then we were cancelled before
                # resuming: pass it on so it is never leaked.
                self.unlock()
            else:
                fut.cancel()
                try:
                    self._waiters.remove(fut)
                except ValueError:
                    pass
            raise
        finally:
            if task is not None:
                parked.pop(task, None)

    def unlock(self) -> None:
        """Unlock, handing the mutex to the longest waiter if there is one."""
        if not self._locked:
            raise RuntimeError("sync: unlock of unlocked mutex")
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # ownership passes; _locked stays True
                return
        self._locked = False

    async def __aenter__(self) -> None:
        if not self._locked:
            self._locked = True
            return
        await self.lock()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.unlock()
