"""Wait queues shared by channels, select, WaitGroup and Mutex, for tasks and threads.

A parked operation is a *cell* ``[waiter, result, thread]``: ``waiter`` is
the ``asyncio.Future`` a task awaits, or a held ``_thread.lock`` a thread
blocks on; ``thread`` is the ident of the thread that parked. Whoever completes the operation *claims* the cell (sets ``cell[0]`` to
``None`` and stores the result in ``cell[1]``), then wakes the waiter; an
owner that gives up (cancellation) claims its own cell first. The claim is
the one source of truth: the future only wakes the task, so a cell claimed
from another thread is never missed, and never completed twice.

Queue entries are lists ``[cell, value, index]`` (``value`` to send,
``index`` the select case or ``None``); a select puts one entry per case in
the channels' queues, all sharing one cell. ``entry[0]`` is set to ``None``
when the entry leaves its queue, so that removal is O(1): the owner unlinks
its entry at either end of the deque at once, or leaves it as a *tombstone*
(counted in ``queue.dead``) that poppers skip. Tombstones never sit at
either end (they are trimmed as the ends move), so a queue with no live
entry is empty, and it is compacted when tombstones are more than half of
it: amortized O(1) per removal, FIFO kept.

Every function here runs with the runtime lock held (``_lock``, see
``gopy.runtime._channels``) or on the owner loop's thread of a channel not
shared yet.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from gopy.runtime._parking import _overrides, _reason_var

__all__ = ["_lock", "_WaitQueue", "_new_queue", "_pop_live", "_withdraw", "_wake", "_LockType"]

#: The runtime lock: taken by every operation on a shared channel (see _channels).
_lock = threading.Lock()
_LockType = type(_lock)
_allocate_lock = threading.Lock
_get_ident = threading.get_ident
_get_running_loop = asyncio._get_running_loop


class _WaitQueue(deque):  # type: ignore[type-arg]
    """A FIFO deque of entries that also counts the tombstones in it."""

    __slots__ = ("dead",)


def _new_queue() -> _WaitQueue:
    q = _WaitQueue()
    q.dead = 0
    return q


#: Compact a queue once it holds more than this many tombstones and they are
#: more than half of it.
_COMPACT_MIN = 16


def _pop_live(q: _WaitQueue) -> Any:
    """Pop the first entry whose operation can still complete: ``(cell, entry)`` or ``None``.

    Skips tombstones, entries of a select committed elsewhere, and tasks
    whose future was cancelled (their owner withdraws when it resumes).
    """
    while q:
        entry = q.popleft()
        cell = entry[0]
        if cell is None:
            q.dead -= 1
            continue
        entry[0] = None
        w = cell[0]
        if w is None or (type(w) is not _LockType and w.done()):
            continue
        if q and q[0][0] is None:
            _trim(q)
        return cell, entry
    return None


def _trim(q: _WaitQueue) -> None:
    """Drop tombstones at both ends: the first and last entries of a queue are never tombstones."""
    while q and q[0][0] is None:
        q.popleft()
        q.dead -= 1
    while q and q[-1][0] is None:
        q.pop()
        q.dead -= 1


def _peek_live(q: _WaitQueue | None) -> bool:
    """Whether ``q`` has an entry that can complete (drops dead ones at the head)."""
    if not q:
        return False
    while q:
        entry = q[0]
        cell = entry[0]
        if cell is None:
            q.popleft()
            q.dead -= 1
            continue
        w = cell[0]
        if w is None or (type(w) is not _LockType and w.done()):
            entry[0] = None
            q.popleft()
            continue
        return True
    return False


def _withdraw(q: _WaitQueue | None, entry: list[Any]) -> None:
    """Take ``entry`` out of ``q`` in O(1) unless a counterpart popped it already."""
    if q is None or entry[0] is None:
        return
    entry[0] = None
    if q[0] is entry:
        q.popleft()
        _trim(q)
    elif q[-1] is entry:
        q.pop()
        _trim(q)
    else:
        q.dead += 1
        if q.dead > _COMPACT_MIN and 2 * q.dead > len(q):
            live = [e for e in q if e[0] is not None]
            q.clear()
            q.extend(live)
            q.dead = 0


def _claim(cell: list[Any], result: Any) -> None:
    """Complete the operation parked in ``cell`` with ``result`` and wake its owner at once."""
    w = cell[0]
    cell[0] = None
    cell[1] = result
    if type(w) is _LockType:
        w.release()
    elif cell[2] == _get_ident():  # a task of a loop on this thread
        if not w.done():
            try:
                w.set_result(result)
            except RuntimeError:  # its loop is closed: it never resumes
                pass
    else:
        try:
            w._loop.call_soon_threadsafe(_resolve, w, result)
        except RuntimeError:  # the loop is closed: its tasks never resume
            pass


def _wake(w: Any, result: Any) -> None:
    """Wake a future that nothing else completes, from any thread."""
    _claim([w, None, 0], result)


def _resolve(fut: asyncio.Future[Any], result: Any) -> None:
    if not fut.done():
        fut.set_result(result)


def _give_up(cell: list[Any], q: _WaitQueue | None, entry: list[Any] | None) -> bool:
    """The owner leaves its parked operation: ``True`` if it had completed already.

    Takes the runtime lock: the channel may have become shared while parked.
    """
    with _lock:
        if cell[0] is None:
            return True
        cell[0] = None
        if entry is not None:
            _withdraw(q, entry)
        return False


def _give_up_all(cell: list[Any], entries: list[Any]) -> bool:
    """``_give_up`` for a select (``entries``: its ``(queue, entry)`` pairs), which
    also takes the select's other entries out of their queues after a commit."""
    with _lock:
        committed = cell[0] is None
        cell[0] = None
        for q, entry in entries:
            _withdraw(q, entry)
        return committed


def _reason(default: str) -> str:
    """The wait reason to record: ``waiting_as``'s if one is active, else ``default``."""
    if not _overrides[0]:
        return default
    reason = _reason_var.get()
    return default if reason is None else reason


def _thread_waiter() -> Any:
    """A held lock: the calling thread blocks on it until a counterpart releases it."""
    w = _allocate_lock()
    w.acquire()
    return w
