"""Go's channels for asyncio tasks and threads: direct hand-off, a FIFO buffer, close.

A channel is one state object, like Go's ``hchan``: a buffer, a queue of
parked senders and a queue of parked receivers, each created on first use.
Parked operations are cells and queue entries (see ``_waiters``): whoever
completes one claims its cell, stores the result and wakes the waiter; a
plain receiver gets the value (or ``_CLOSED``), a plain sender ``None`` (or
``_CLOSED``: it raises), a select ``(index, value, ok)``.

Locking invariants (they do not rely on the GIL):

* One runtime lock (``_waiters._lock``) guards the state of every *shared*
  channel, the cells of every parked operation, WaitGroup, Mutex and timer
  state, and ``_ownership``'s requests. It is a leaf: held only for a few
  non-blocking steps, never across an ``await``, a blocking wait or user
  code, and never taken twice (so it cannot deadlock).
* A channel *owned* by a loop (``chan._owner``, see ``_ownership``) is
  touched only by that loop's thread, without the lock; it becomes shared,
  for good, only in a callback on that thread (or under the lock while that
  loop is not running). Every operation first checks that ``_owner`` is the
  caller's thread (an async one: that it *is* ``_SOLO``, the one thread that
  runs loops, if there is one; see ``_ownership``); anything else goes
  through ``adopt``, then takes the lock. The ``locked`` argument of the
  helpers below says which of the two holds.
* A parked operation is claimed at most once (``entry[0]``, or a select's
  ``cell[0]``, set to ``None``; see ``_waiters``), by the counterpart
  completing it or by its owner giving up, always with the lock held or on
  the owner loop's thread of a channel not shared; a select's cell, which
  a shared channel may reach too, only with the lock held. The waiter is
  woken after its claim: a task on the waker's own loop by ``set_result``,
  a task on another loop by ``call_soon_threadsafe``, a thread by releasing
  its lock; none of these calls back into the runtime.
* Live receivers are parked only while the buffer is empty and no live
  sender is parked; live senders only while the buffer is full. (A select
  with a send and a receive case on one unbuffered channel is in both
  queues; it is never matched with itself, since only another goroutine's
  operation pops entries.)
* Operations that can complete at once do so without a future and without
  yielding to the event loop.

Cancellation: a task cancelled after its parked operation was completed by
the other side (its cell was claimed) returns that result normally (a
receiver keeps the value it was handed; nothing is put back). The
cancellation is not lost: ``_redeliver_cancel`` cancels the task again at
its next suspension point, whatever it awaits there, unless by then every
cancellation request was withdrawn with ``Task.uncancel()``. That is what
``asyncio.timeout()`` does when its body completed, so the timeout exits
cleanly as for any completed body; with ``asyncio.wait_for()`` the inner
task's result is returned.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from operator import index as _index
from typing import Any, Generic, NoReturn, TypeVar

from gopy.runtime._chan_threads import _ThreadSide
from gopy.runtime._ownership import NOBODY, SHARED, UNBOUND, adopt, adopt_async, watch_solo
from gopy.runtime._parkops import (
    _BLOCK,
    _CLOSED,
    _WOULD_BLOCK,
    ChannelClosed,
    _absorb_cancel,
    _await_cell,
    _block_forever,
    _block_thread_forever,
    _redeliver_cancel,  # noqa: F401  (re-exported: tests patch it here)
    _task_on,  # noqa: F401
)
from gopy.runtime._parking import _overrides, parked
from gopy.runtime._waiters import (
    _NONE,
    _count_live,
    _fail_all,
    _give_up,
    _hand_over,
    _lock,
    _new_queue,
    _peek_live,
    _reason,
    _take,
    _trim,
)

__all__ = ["chan", "ChannelClosed"]

T = TypeVar("T")

#: ``chan._buf`` until a value is buffered (an unbuffered channel's for good)
_NO_BUF: tuple[()] = ()

_get_running_loop = asyncio._get_running_loop
_get_ident = threading.get_ident
_current_task = asyncio.current_task
_CancelledError = asyncio.CancelledError
# Faster than loop.create_future() (no Python frame) and valid on any loop.
_Future = asyncio.Future
# {loop: running task}, kept by asyncio's task steps (C or Python). Reading it
# avoids a second running-loop lookup on every park; where a Python version
# stops maintaining it, the lookup falls back.
_current_tasks: dict[Any, asyncio.Task[Any]] = getattr(asyncio.tasks, "_current_tasks", {})
#: ``_ownership.solo()``: a channel it owns skips the thread check, and its
#: running loop ``solo_loop()`` (see _ownership), kept current by watch_solo
_SOLO: Any = NOBODY
_SOLO_LOOP: Any = None
watch_solo(globals())


class chan(_ThreadSide[T], Generic[T]):
    """A Go channel: ``chan()`` is unbuffered (rendezvous), ``chan(n)`` holds n values.

    Usable from asyncio tasks (``await ch.send(v)``) and from threads
    (``ch.send_blocking(v)``), on any number of loops and threads at once.
    """

    __slots__ = ("_cap", "_buf", "_senders", "_receivers", "_closed", "_owner", "_loop")

    def __init__(self, capacity: int = 0) -> None:
        capacity = _index(capacity)
        if capacity < 0:
            raise ValueError("makechan: size out of range")
        self._cap: int = capacity
        self._buf: deque[T] | tuple[()] = _NO_BUF
        self._senders: Any = None
        self._receivers: Any = None
        self._closed: bool = False
        if _get_ident() == _SOLO and _SOLO_LOOP is not None:
            # Made by a goroutine of the solo loop (see _ownership): bound to it at
            # once, as its first operation would (nothing else can see it yet).
            self._owner: int = _SOLO
            self._loop: Any = _SOLO_LOOP
        else:
            self._owner = UNBOUND
            self._loop = None

    # -- introspection ---------------------------------------------------

    @property
    def cap(self) -> int:
        """The capacity (0 for an unbuffered channel)."""
        return self._cap

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return self._closed

    def __len__(self) -> int:
        return len(self._buf)

    def __bool__(self) -> bool:
        # An empty channel is still a channel: ``if ch:`` must not mean ``len(ch)``.
        return True

    def __repr__(self) -> str:
        with _lock:
            senders = _count_live(self._senders)
            receivers = _count_live(self._receivers)
        state = "closed" if self._closed else "open"
        return (
            f"<chan cap={self._cap} len={len(self)} "
            f"waiting senders={senders} receivers={receivers} {state}>"
        )

    def _mine(self) -> bool:
        """For synchronous operations: whether the caller may skip the lock."""
        owner = self._owner
        if owner == SHARED:
            return False
        loop = _get_running_loop()
        if owner == _get_ident() and self._loop is loop:
            return True
        return adopt(self, loop)

    # -- non-blocking halves ---------------------------------------------

    def _send_nowait(self, value: T) -> bool:
        """Send if that needs no waiting (from any thread); ``False`` if it would block."""
        if self._mine():
            return self._try_send(value, False)
        with _lock:
            return self._try_send(value, True)

    def _recv_nowait(self) -> Any:
        """Receive if that needs no waiting (from any thread): a value, ``_CLOSED`` or ``_BLOCK``."""
        if self._mine():
            return self._try_recv(False)
        with _lock:
            return self._try_recv(True)

    # (``_try_*`` and below: with the lock held (``locked``), or on the owner's thread)

    def _try_send(self, value: T, locked: bool) -> bool:
        """Send if that needs no waiting; ``False`` if the sender would block."""
        if self._closed:
            raise ChannelClosed("send on closed channel")
        q = self._receivers
        if q and _hand_over(q, value, locked):
            return True
        buf = self._buf
        if len(buf) < self._cap:
            if buf is _NO_BUF:
                buf = self._buf = deque()
            buf.append(value)  # type: ignore[union-attr]
            return True
        return False

    def _try_recv(self, locked: bool) -> Any:
        """Receive if that needs no waiting: a value, ``_CLOSED`` or ``_BLOCK``."""
        buf = self._buf
        if buf:
            value = buf.popleft()
            q = self._senders
            if q:  # a slot just freed: the first parked sender's value moves in
                moved = _take(q, locked)
                if moved is not _NONE:
                    buf.append(moved)
            return value
        q = self._senders
        if q:
            value = _take(q, locked)
            if value is not _NONE:
                return value
        if self._closed:
            return _CLOSED
        return _BLOCK

    def _recv_ready(self) -> bool:
        """Whether a receive would complete at once (drops dead senders at the head)."""
        if self._buf or self._closed:
            return True
        q = self._senders
        return _peek_live(q) if q else False

    def _send_ready(self) -> bool:
        """Whether a send would complete (or raise) at once."""
        if self._closed:
            return True
        if len(self._buf) < self._cap:
            return True
        q = self._receivers
        return _peek_live(q) if q else False

    def _enqueue(self, sending: bool, w: Any, value: Any) -> tuple[list[Any], Any]:
        """Park one plain operation: its entry and queue."""
        entry = [w, value, None, _get_ident()]
        if sending:
            q = self._senders
            if q is None:
                q = self._senders = _new_queue()
        else:
            q = self._receivers
            if q is None:
                q = self._receivers = _new_queue()
        q.append(entry)
        return entry, q

    # -- operations for tasks ----------------------------------------------

    async def send(self, value: T) -> None:
        """Send ``value``; wait for a receiver (unbuffered) or for buffer space."""
        if self._owner is not _SOLO and self._owner != _get_ident() and (
            self._owner == SHARED or not await adopt_async(self, _get_running_loop())
        ):
            return await self._send_locked(value)
        if self._closed:
            raise ChannelClosed("send on closed channel")
        q = self._receivers
        while q:
            # Hand off to the first parked receiver. Owned: every waiter is a
            # future of this loop, so set_result is safe.
            entry = q[0]
            fut = entry[0]
            if fut is None or entry[2] is not None or fut.done():
                if _hand_over(q, value, False):  # a select, or dead entries first
                    return
                break
            q.popleft()
            entry[0] = None
            entry[1] = value
            if q and q[0][0] is None:
                _trim(q)
            try:
                fut.set_result(value)
            except RuntimeError:  # a task of a closed loop: it never resumes
                continue  # not delivered: the next receiver gets the value
            return
        buf = self._buf
        if len(buf) < self._cap:
            if buf is _NO_BUF:
                buf = self._buf = deque()
            buf.append(value)  # type: ignore[union-attr]
            return
        # Slow path: park until a receiver takes the value or the channel closes.
        loop = _SOLO_LOOP if self._owner is _SOLO else None
        if loop is None:
            loop = _get_running_loop()
        self._loop = loop  # the loop to ask for a hand-over (it may have changed)
        fut = _Future(loop=loop)
        entry = [fut, value, None, self._owner]
        q = self._senders
        if q is None:
            q = self._senders = _new_queue()
        q.append(entry)
        task = _current_tasks.get(loop) or _current_task(loop)
        parked[task] = _reason("chan send") if _overrides[0] else "chan send"  # type: ignore[index]
        try:
            result = await fut
        except _CancelledError as exc:
            if not _give_up(entry, q) or entry[1] is _CLOSED:
                raise  # not sent (a close is as true an outcome as the cancellation)
            # The value was taken before the cancellation landed: the send happened.
            _absorb_cancel(task, exc)
            return
        except BaseException:  # thrown in by hand (coro.throw/close): leave nothing behind
            _give_up(entry, q)
            raise
        finally:
            del parked[task]  # type: ignore[arg-type]
        if result is _CLOSED:
            raise ChannelClosed("send on closed channel")

    async def _send_locked(self, value: T) -> None:
        """A send on a shared channel."""
        with _lock:
            if self._try_send(value, True):
                return
            fut = _Future(loop=_get_running_loop())
            entry, q = self._enqueue(True, fut, value)
        if await _await_cell(fut, entry, q, "chan send") is _CLOSED:
            raise ChannelClosed("send on closed channel")

    async def _recv_locked(self) -> Any:
        """A receive on a shared channel: the value, or ``_CLOSED``."""
        with _lock:
            value = self._try_recv(True)
            if value is not _BLOCK:
                return value
            fut = _Future(loop=_get_running_loop())
            entry, q = self._enqueue(False, fut, None)
        return await _await_cell(fut, entry, q, "chan receive")

    async def _park_receiver(self) -> Any:
        """The owner's slow path of ``recv_ok`` and ``async for``: park until a value
        arrives or the channel closes (``recv`` has the same steps inline).

        Returns the value, or ``_CLOSED``. A cancellation that lands after a
        sender handed over a value is absorbed (the value is returned and the
        cancellation re-delivered later); otherwise the entry leaves the queue.
        """
        loop = _SOLO_LOOP if self._owner is _SOLO else None
        if loop is None:
            loop = _get_running_loop()
        self._loop = loop  # the loop to ask for a hand-over (it may have changed)
        fut = _Future(loop=loop)
        entry = [fut, None, None, self._owner]
        q = self._receivers
        if q is None:
            q = self._receivers = _new_queue()
        q.append(entry)
        task = _current_tasks.get(loop) or _current_task(loop)
        parked[task] = _reason("chan receive") if _overrides[0] else "chan receive"  # type: ignore[index]
        try:
            return await fut
        except _CancelledError as exc:
            if not _give_up(entry, q):
                raise
            _absorb_cancel(task, exc)
            return entry[1]
        except BaseException:
            _give_up(entry, q)
            raise
        finally:
            del parked[task]  # type: ignore[arg-type]

    async def recv(self) -> T:
        """Receive a value; ``None`` at once when the channel is closed and drained.

        Typed ``T``, as Go's receive gives a ``T`` (its zero value once closed):
        the ``None`` of a closed channel is the one thing the type does not show
        (docs/language.md, section 17); ``recv_ok`` shows it.
        """
        if self._owner is not _SOLO and self._owner != _get_ident() and (
            self._owner == SHARED or not await adopt_async(self, _get_running_loop())
        ):
            value = await self._recv_locked()
            return None if value is _CLOSED else value  # type: ignore[return-value]
        buf = self._buf
        if buf:
            value = buf.popleft()
            q = self._senders
            if q:  # a slot just freed (see _try_recv)
                entry = _take(q, False)  # (the value moved in)
                if entry is not _NONE:
                    buf.append(entry)
            return value
        q = self._senders
        while q:
            # Take the first parked sender's value (see send for the owner's rules).
            entry = q[0]
            fut = entry[0]
            if fut is None or entry[2] is not None or fut.done():
                value = _take(q, False)  # a select, or dead entries first
                if value is not _NONE:
                    return value  # type: ignore[no-any-return]
                break
            q.popleft()
            entry[0] = None
            value = entry[1]
            entry[1] = None
            if q and q[0][0] is None:
                _trim(q)
            try:
                fut.set_result(None)
            except RuntimeError:  # a task of a closed loop: it never resumes (the value is ours)
                pass
            return value  # type: ignore[no-any-return]
        if self._closed:
            return None  # type: ignore[return-value]
        # _park_receiver's steps, inline: one coroutine frame less per parked receiver.
        loop = _SOLO_LOOP if self._owner is _SOLO else None
        if loop is None:
            loop = _get_running_loop()
        self._loop = loop  # the loop to ask for a hand-over (it may have changed)
        fut = _Future(loop=loop)
        entry = [fut, None, None, self._owner]
        q = self._receivers
        if q is None:
            q = self._receivers = _new_queue()
        q.append(entry)
        task = _current_tasks.get(loop) or _current_task(loop)
        parked[task] = _reason("chan receive") if _overrides[0] else "chan receive"  # type: ignore[index]
        try:
            value = await fut
        except _CancelledError as exc:
            if not _give_up(entry, q):
                raise
            _absorb_cancel(task, exc)
            value = entry[1]
        except BaseException:
            _give_up(entry, q)
            raise
        finally:
            del parked[task]  # type: ignore[arg-type]
        return None if value is _CLOSED else value  # type: ignore[no-any-return]

    async def recv_ok(self) -> tuple[T | None, bool]:
        """Receive ``(value, True)``, or ``(None, False)`` once closed and drained."""
        if self._owner is not _SOLO and self._owner != _get_ident() and (
            self._owner == SHARED or not await adopt_async(self, _get_running_loop())
        ):
            value = await self._recv_locked()
        else:
            buf = self._buf
            if buf:
                value = buf.popleft()
                q = self._senders
                if q:  # a slot just freed (see _try_recv)
                    moved = _take(q, False)
                    if moved is not _NONE:
                        buf.append(moved)
                return value, True
            value = self._try_recv(False)
            if value is _BLOCK:
                value = await self._park_receiver()
        if value is _CLOSED:
            return None, False
        return value, True

    def close(self) -> None:
        """Close: parked receivers get ``(None, False)``, parked senders raise."""
        if self._mine():
            self._close(False)
        else:
            with _lock:
                self._close(True)

    def _close(self, locked: bool) -> None:
        if self._closed:
            raise ChannelClosed("close of closed channel")
        self._closed = True
        _fail_all(self._receivers, _CLOSED, locked)
        _fail_all(self._senders, _CLOSED, locked)

    # -- iteration ---------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._owner is not _SOLO and self._owner != _get_ident() and (
            self._owner == SHARED or not await adopt_async(self, _get_running_loop())
        ):
            value = await self._recv_locked()
        else:
            buf = self._buf
            if buf:
                value = buf.popleft()
                q = self._senders
                if q:  # a slot just freed (see _try_recv)
                    moved = _take(q, False)
                    if moved is not _NONE:
                        buf.append(moved)
                return value
            value = self._try_recv(False)
            if value is _BLOCK:
                value = await self._park_receiver()
        if value is _CLOSED:
            raise StopAsyncIteration
        return value

    def __iter__(self) -> NoReturn:
        # Not iterable: unpacking (``a, b = ch``) must never receive by accident.
        raise TypeError(
            "a channel is not iterable: in an 'async def' use 'async for'; in a plain "
            "function (a thread goroutine) use gopy.range_blocking(ch), which blocks"
        )
