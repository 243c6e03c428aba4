"""Go's ``sync.Once``, ``sync.RWMutex`` and ``sync.Cond``, built on gopy's channels.

Each primitive keeps its state under a ``threading.Lock`` held only for a few
lines (never across an ``await``) and parks a waiting goroutine on a channel
of its own (``gopy.runtime._waiting.Waiter``) under Go's wait reason, so
deadlock reports say ``sync.RWMutex.RLock`` or ``sync.Cond.Wait``. Hand-offs
are direct: whoever releases picks the next owner and marks its waiter
``granted``, so a newcomer cannot barge in. A waiter cancelled after it was
granted passes what it got on, so nothing is ever leaked.

Every waiting operation has a form for thread goroutines (plain functions):
``Once.do_blocking``, ``RWMutex.lock_blocking``/``rlock_blocking`` (and
``with rw:`` / ``with rw.rlocker():``) and ``Cond.wait_blocking``. A thread
queues on the same ``Waiter`` FIFO as the tasks, so the two kinds contend
with the same semantics; on an event loop's thread a form that would have
to wait raises ``RuntimeError`` at once instead.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Protocol

from gopy.runtime._waiting import Waiter, refuse_on_loop

__all__ = ["Once", "RWMutex", "Cond"]


class Once:
    """Go's ``sync.Once``: ``once.do(f)`` runs ``f`` the first time only.

    Every caller returns only after ``f`` has returned. If ``f`` raises, the
    exception reaches the caller that ran it and ``f`` still counts as done
    (Go: a panicking ``f`` has returned). A coroutine function is awaited:
    ``await once.do(f)``; a plain function is called: ``once.do(f)``, or
    ``once.do_blocking(f)`` in a thread goroutine, which also waits for an
    ``f`` that another goroutine (task or thread) is running.
    """

    __slots__ = ("_lock", "_done", "_running")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        #: waiters of the call in progress (None while no call runs)
        self._running: list[Waiter] | None = None

    def __repr__(self) -> str:
        return f"<gopy.Once {'done' if self._done else 'not done'}>"

    def do(self, f: Callable[[], Any]) -> Any:
        """Run ``f`` unless it ran already; returns an awaitable for a coroutine function."""
        if inspect.iscoroutinefunction(f):
            return self._do_async(f)
        if asyncio._get_running_loop() is None:
            return self.do_blocking(f)
        if self._done:
            return None
        with self._lock:
            if self._done:
                return None
            if self._running is not None:
                raise RuntimeError(
                    "sync.Once.Do would block the event loop while another goroutine runs "
                    "its function: await once.do(f) with a coroutine function"
                )
            self._running = []
        try:
            f()
        finally:
            self._finish()
        return None

    def do_blocking(self, f: Callable[[], Any]) -> None:
        """``once.Do(f)`` in a plain function: run ``f``, or block the thread until it has returned."""
        if inspect.iscoroutinefunction(f):
            raise TypeError(
                "Once.do_blocking needs a plain function: await once.do(f) for a coroutine"
            )
        if self._done:  # a stale read only sends us to the locked check
            return
        while True:
            with self._lock:
                if self._done:
                    return
                waiters = self._running
                if waiters is None:
                    self._running = []
                    break
                refuse_on_loop("sync.Once.Do")
                waiter = Waiter()
                waiters.append(waiter)
            waiter.wait_blocking("sync.Once.Do")
        try:
            f()
        finally:
            self._finish()

    def _finish(self) -> None:
        with self._lock:
            self._done = True
            waiters, self._running = self._running or [], None
            for waiter in waiters:
                waiter.wake()

    async def _do_async(self, f: Callable[[], Awaitable[Any]]) -> None:
        while True:
            with self._lock:
                if self._done:
                    return
                waiters = self._running
                if waiters is None:
                    self._running = []
                    break
                waiter = Waiter()
                waiters.append(waiter)
            await waiter.wait("sync.Once.Do")
        try:
            await f()
        finally:
            self._finish()


class _Locker(Protocol):
    async def lock(self) -> None: ...
    def lock_blocking(self) -> None: ...
    def unlock(self) -> None: ...


class RWMutex:
    """Go's ``sync.RWMutex``: one writer or any number of readers.

    ``await rw.lock()`` / ``rw.unlock()`` for the writer, ``await rw.rlock()``
    / ``rw.runlock()`` for readers, ``try_lock()``, ``try_rlock()``,
    ``async with rw:`` (writer) and ``async with rw.rlocker():`` (reader);
    threads use ``lock_blocking()``, ``rlock_blocking()``, ``with rw:`` and
    ``with rw.rlocker():``.
    A writer waiting for the lock blocks new readers, and ``unlock()`` admits
    the readers that queued during the write before the next writer, as in
    Go: neither side starves.
    """

    __slots__ = ("_lock", "_readers", "_writer", "_writers", "_waiting_readers")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readers = 0
        self._writer = False
        self._writers: dict[Waiter, None] = {}  # FIFO, O(1) removal
        self._waiting_readers: dict[Waiter, None] = {}

    def __repr__(self) -> str:
        return (
            f"<gopy.RWMutex writer={self._writer} readers={self._readers} "
            f"waiting={len(self._writers)}w/{len(self._waiting_readers)}r>"
        )

    def try_lock(self) -> bool:
        """Lock for writing if nobody holds it; never waits (Go's ``TryLock``)."""
        with self._lock:
            if self._writer or self._readers or self._writers:
                return False
            self._writer = True
            return True

    def try_rlock(self) -> bool:
        """Lock for reading unless a writer holds or waits for it (Go's ``TryRLock``)."""
        with self._lock:
            if self._writer or self._writers:
                return False
            self._readers += 1
            return True

    async def lock(self) -> None:
        """Lock for writing: wait until no reader or writer holds it."""
        with self._lock:
            if not (self._writer or self._readers or self._writers):
                self._writer = True
                return
            waiter = Waiter()
            self._writers[waiter] = None
        try:
            await waiter.wait("sync.RWMutex.Lock")
        except BaseException:
            self._writer_gave_up(waiter)
            raise

    def lock_blocking(self) -> None:
        """``rw.Lock()`` in a plain function: block the calling thread until locked for writing."""
        with self._lock:
            if not (self._writer or self._readers or self._writers):
                self._writer = True
                return
            refuse_on_loop("RWMutex.lock")
            waiter = Waiter()
            self._writers[waiter] = None
        try:
            waiter.wait_blocking("sync.RWMutex.Lock")
        except BaseException:  # KeyboardInterrupt in the main thread
            self._writer_gave_up(waiter)
            raise

    def _writer_gave_up(self, waiter: Waiter) -> None:
        with self._lock:
            if not waiter.granted:
                del self._writers[waiter]
                if not self._writer and not self._writers:
                    self._admit_readers()
                return
        self.unlock()  # granted, then cancelled: pass the lock on

    def unlock(self) -> None:
        """Unlock the writer side; waiting readers go first, then the next writer."""
        with self._lock:
            if not self._writer:
                raise RuntimeError("sync: Unlock of unlocked RWMutex")
            self._writer = False
            if self._waiting_readers:
                self._admit_readers()
            else:
                self._next_writer()

    async def rlock(self) -> None:
        """Lock for reading: wait while a writer holds the lock or waits for it."""
        with self._lock:
            if not (self._writer or self._writers):
                self._readers += 1
                return
            waiter = Waiter()
            self._waiting_readers[waiter] = None
        try:
            await waiter.wait("sync.RWMutex.RLock")
        except BaseException:
            self._reader_gave_up(waiter)
            raise

    def rlock_blocking(self) -> None:
        """``rw.RLock()`` in a plain function: block the calling thread until locked for reading."""
        with self._lock:
            if not (self._writer or self._writers):
                self._readers += 1
                return
            refuse_on_loop("RWMutex.rlock")
            waiter = Waiter()
            self._waiting_readers[waiter] = None
        try:
            waiter.wait_blocking("sync.RWMutex.RLock")
        except BaseException:  # KeyboardInterrupt in the main thread
            self._reader_gave_up(waiter)
            raise

    def _reader_gave_up(self, waiter: Waiter) -> None:
        with self._lock:
            if not waiter.granted:
                del self._waiting_readers[waiter]
                return
        self.runlock()

    def runlock(self) -> None:
        """Undo one ``rlock()``; the last reader out hands the lock to a waiting writer."""
        with self._lock:
            if self._readers <= 0:
                raise RuntimeError("sync: RUnlock of unlocked RWMutex")
            self._readers -= 1
            if self._readers == 0:
                self._next_writer()

    def _admit_readers(self) -> None:
        readers, self._waiting_readers = self._waiting_readers, {}
        self._readers += len(readers)
        for waiter in readers:
            waiter.wake()

    def _next_writer(self) -> None:
        if self._writers and not self._readers and not self._writer:
            waiter = next(iter(self._writers))
            del self._writers[waiter]
            self._writer = True
            waiter.wake()

    def rlocker(self) -> _ReadLocker:
        """The reader side as a locker (``lock``/``unlock``/``async with``/``with``), Go's ``RLocker``."""
        return _ReadLocker(self)

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


class _ReadLocker:
    """``rw.rlocker()``: ``lock``, ``lock_blocking``, ``unlock`` act on the reader side."""

    __slots__ = ("rw",)

    def __init__(self, rw: RWMutex) -> None:
        self.rw = rw

    async def lock(self) -> None:
        await self.rw.rlock()

    def lock_blocking(self) -> None:
        self.rw.rlock_blocking()

    def unlock(self) -> None:
        self.rw.runlock()

    def __enter__(self) -> None:
        self.rw.rlock_blocking()

    def __exit__(self, *exc_info: Any) -> None:
        self.rw.runlock()

    async def __aenter__(self) -> None:
        await self.rw.rlock()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.rw.runlock()


class Cond:
    """Go's ``sync.Cond``: ``await cond.wait()`` (with ``cond.L`` held), ``signal()``, ``broadcast()``.

    ``wait()`` unlocks ``cond.L``, parks until a ``signal()``/``broadcast()``
    made after it started, and locks ``cond.L`` again before returning (also
    when it is cancelled, so ``async with cond.L:`` stays balanced). Wake-ups
    are FIFO; a signalled waiter that is cancelled passes the signal on.
    A thread goroutine calls ``cond.wait_blocking()`` with ``cond.L`` locked
    by ``lock_blocking()`` (or ``with cond.L:``); tasks and threads share
    the one FIFO of waiters.
    """

    __slots__ = ("L", "_lock", "_waiters")

    def __init__(self, locker: _Locker) -> None:
        self.L = locker
        self._lock = threading.Lock()
        self._waiters: dict[Waiter, None] = {}

    def __repr__(self) -> str:
        return f"<gopy.Cond waiters={len(self._waiters)}>"

    async def wait(self) -> None:
        """Unlock ``L``, wait for a signal, lock ``L`` again."""
        waiter = Waiter()
        with self._lock:
            self._waiters[waiter] = None
        self.L.unlock()
        try:
            await waiter.wait("sync.Cond.Wait")
        except BaseException:
            with self._lock:
                if waiter.granted:
                    self._signal_locked()  # the signal was ours: pass it on
                else:
                    del self._waiters[waiter]
            await _relock(self.L)
            raise
        await self.L.lock()

    def wait_blocking(self) -> None:
        """``c.Wait()`` in a plain function: unlock ``L``, block the thread for a signal, lock ``L``."""
        refuse_on_loop("Cond.wait")  # it always waits: refuse before touching L
        waiter = Waiter()
        with self._lock:
            self._waiters[waiter] = None
        self.L.unlock()
        try:
            waiter.wait_blocking("sync.Cond.Wait")
        except BaseException:  # KeyboardInterrupt in the main thread
            with self._lock:
                if waiter.granted:
                    self._signal_locked()
                else:
                    del self._waiters[waiter]
            self.L.lock_blocking()
            raise
        self.L.lock_blocking()

    def signal(self) -> None:
        """Wake the longest-waiting goroutine, if any."""
        with self._lock:
            self._signal_locked()

    def _signal_locked(self) -> None:
        if self._waiters:
            waiter = next(iter(self._waiters))
            del self._waiters[waiter]
            waiter.wake()

    def broadcast(self) -> None:
        """Wake every waiting goroutine."""
        with self._lock:
            waiters, self._waiters = self._waiters, {}
            for waiter in waiters:
                waiter.wake()


async def _relock(locker: _Locker) -> None:
    """Lock ``locker`` even if cancelled again meanwhile (the cancellation is re-raised after)."""
    while True:
        try:
            await locker.lock()
            return
        except asyncio.CancelledError:
            continue
