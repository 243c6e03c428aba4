"""Wait queues shared by channels, select, WaitGroup and Mutex, for tasks and threads.

A parked plain operation is one list, its queue *entry* and its own cell:
``[waiter, value, None, thread]``. ``waiter`` is the ``asyncio.Future`` a
task awaits, or a held ``_thread.lock`` a thread blocks on; ``value`` is
what a sender sends; ``thread`` the ident of the thread that parked.
Whoever completes the operation *claims* it: sets ``entry[0]`` to ``None``
and stores the result in ``entry[1]`` (the value received, ``None`` for a
send, ``_CLOSED``), then wakes the waiter. An owner that gives up
(cancellation) claims its own entry first. The claim is the one source of
truth: the future only wakes the task, so an operation completed from
another thread is never missed, and never completed twice.

A select parks one entry per case, ``[cell, value, index]``, all sharing
one cell ``[waiter, result, thread, contended]``; the result is ``(index,
value, ok)``. Its ``entry[0]`` is set to ``None`` when the entry leaves its
queue; the claim is on the cell. ``contended`` says that some case's
channel is shared, so that the cell may be claimed from another thread: the
owner thread then claims it under the lock too (``_contend``).

Removal is O(1): the owner unlinks its entry at either end of the deque at
once, or leaves it as a *tombstone* (``entry[0] is None``, counted in
``queue.dead``) that poppers skip. Tombstones never sit at either end (they
are trimmed as the ends move), so a queue with no live entry is empty, and
it is compacted when tombstones are more than half of it: amortized O(1)
per removal, FIFO kept. A popper that drops a plain entry whose future was
cancelled (its task has not resumed yet) marks it ``_POPPED``: out of the
queue, not completed.

Every function here runs with the runtime lock held (``_lock``, see
``gopy.runtime._channels``) or on the owner loop's thread of a channel not
shared (``locked`` is then false): a select's cell may also be reachable
through a shared channel, so such a thread claims cells under the lock.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from gopy.runtime._parking import _overrides, _reason_var

__all__ = ["_lock", "_WaitQueue", "_new_queue", "_withdraw", "_wake", "_LockType"]

#: The runtime lock: taken by every operation on a shared channel (see _channels).
_lock = threading.Lock()
_LockType = type(_lock)
_allocate_lock = threading.Lock
_get_ident = threading.get_ident


class _WaitQueue(deque):  # type: ignore[type-arg]
    """A FIFO deque of entries that also counts the tombstones in it."""

    __slots__ = ("dead",)


def _new_queue() -> _WaitQueue:
    q = _WaitQueue()
    q.dead = 0
    return q


class _Marker:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: ``entry[0]`` of a plain entry dropped from its queue without completing
_POPPED: Any = _Marker("<popped>")

#: Compact a queue once it holds more than this many tombstones and they are
#: more than half of it.
_COMPACT_MIN = 16


def _notify(w: Any, result: Any, thread: int) -> bool:
    """Wake the waiter of an operation just claimed (``result`` for a future;
    ``thread``: the ident of the thread that parked). ``False`` if it can never
    resume: a task of a closed loop."""
    if type(w) is _LockType:
        w.release()
        return True
    if thread == _get_ident():  # a task of a loop on this thread
        if not w.done():
            try:
                w.set_result(result)
            except RuntimeError:  # its loop is closed
                return False
        return True
    try:
        w._loop.call_soon_threadsafe(_resolve, w, result)
    except RuntimeError:  # its loop is closed
        return False
    return True


def _resolve(fut: asyncio.Future[Any], result: Any) -> None:
    if not fut.done():
        fut.set_result(result)


def _claim_case(cell: list[Any], result: Any, locked: bool) -> bool:
    """Claim a select's cell and wake it; ``False`` if it could not complete (or never resumes)."""
    if not locked and cell[3]:  # reachable through a shared channel too
        with _lock:
            return _claim_case(cell, result, True)
    w = cell[0]
    if w is None or (type(w) is not _LockType and w.done()):
        return False
    cell[0] = None
    cell[1] = result
    return _notify(w, result, cell[2])


def _contend(*queues: _WaitQueue | None) -> None:
    """A channel leaves its owner thread: its parked selects' cells are claimed under the lock."""
    for q in queues:
        if q:
            for entry in q:
                if entry[2] is not None and entry[0] is not None:
                    entry[0][3] = True


def _complete(entry: list[Any], w: Any, result: Any, case: Any, locked: bool) -> bool:
    """Claim a live popped entry and wake its waiter: ``result`` for a plain
    operation, ``case`` for a select's case; ``False`` if it could not
    complete, or its task never resumes (a task of a closed loop)."""
    index = entry[2]
    entry[0] = None
    if index is not None:  # a select's case: its cell decides
        return _claim_case(w, (index, *case), locked)
    if type(w) is not _LockType and w.done():  # cancelled, not resumed yet
        entry[0] = _POPPED
        return False
    entry[1] = result
    if locked:
        return _notify(w, result, entry[3])
    try:  # the owner's path: a future of the loop running here
        w.set_result(result)
    except RuntimeError:  # a task of a closed loop
        return False
    return True


def _hand_over(q: _WaitQueue, value: Any, locked: bool) -> bool:
    """Complete the first live parked receiver in ``q`` with ``value``; whether there was one."""
    while q:
        entry = q.popleft()
        w = entry[0]
        if w is None:
            q.dead -= 1
        elif not locked and (entry[2] is None or not w[3]):
            # _complete's commonest cases inline, on the owner's thread: a plain
            # receiver, or a select none of whose channels is shared (either
            # waits on a future of a loop of this thread).
            index = entry[2]
            entry[0] = None
            if index is None:
                if w.done():  # cancelled, not resumed yet
                    entry[0] = _POPPED
                    continue
                entry[1] = value
                result = value
            else:
                cell = w
                w = cell[0]
                if w is None or w.done():  # committed elsewhere, or cancelled
                    continue
                cell[0] = None
                cell[1] = result = (index, value, True)
            if q and q[0][0] is None:
                _trim(q)
            try:
                w.set_result(result)
            except RuntimeError:  # a task of a closed loop: the next receiver gets the value
                continue
            return True
        elif _complete(entry, w, value, (value, True), locked):
            if q and q[0][0] is None:
                _trim(q)
            return True
        # (else dead, or never resumes: the next receiver gets the value)
    return False


#: ``_take``: no live sender was parked
_NONE: Any = _Marker("<no sender>")


def _take(q: _WaitQueue, locked: bool) -> Any:
    """Complete the first live parked sender in ``q``: the value it sent, or ``_NONE``."""
    while q:
        entry = q.popleft()
        w = entry[0]
        if w is None:
            q.dead -= 1
            continue
        value = entry[1]
        if not locked and entry[2] is None and not w.done():
            # _complete's commonest case inline: a plain sender of the owner's loop.
            entry[0] = None
            entry[1] = None
            if q and q[0][0] is None:
                _trim(q)
            try:
                w.set_result(None)
            except RuntimeError:  # a task of a closed loop: it never resumes, but it sent
                pass
            return value
        # A plain sender whose task never resumes still sent: its entry is claimed.
        if _complete(entry, w, None, (None, True), locked) or entry[0] is None and entry[2] is None:
            if q and q[0][0] is None:
                _trim(q)
            return value
    return _NONE


def _fail_all(q: _WaitQueue | None, result: Any, locked: bool) -> None:
    """Complete every live entry in ``q`` with ``result`` (a select case: ``(index, None, False)``)."""
    while q:
        entry = q.popleft()
        w = entry[0]
        if w is not None:
            _complete(entry, w, result, (None, False), locked)
    if q is not None:
        q.dead = 0


def _trim(q: _WaitQueue) -> None:
    """Drop tombstones at both ends: the first and last entries of a queue are never tombstones."""
    while q and q[0][0] is None:
        q.popleft()
        q.dead -= 1
    while q and q[-1][0] is None:
        q.pop()
        q.dead -= 1


def _live(entry: list[Any]) -> bool:
    """Whether a queued entry can still complete."""
    w = entry[0]
    if entry[2] is not None:  # a select's case: its cell decides
        w = w[0]
    return w is not None and (type(w) is _LockType or not w.done())


def _peek_live(q: _WaitQueue | None) -> bool:
    """Whether ``q`` has an entry that can complete (drops dead ones at the head)."""
    while q:
        entry = q[0]
        w = entry[0]
        if w is None:
            q.popleft()
            q.dead -= 1
            continue
        if entry[2] is None:
            if type(w) is _LockType or not w.done():
                return True
            entry[0] = _POPPED
        else:  # a select's case: its cell decides
            w = w[0]
            if w is not None and (type(w) is _LockType or not w.done()):
                return True
            entry[0] = None
        q.popleft()
    return False


def _count_live(q: _WaitQueue | None) -> int:
    return sum(1 for e in q if e[0] is not None and _live(e)) if q else 0


def _withdraw(q: _WaitQueue | None, entry: list[Any]) -> None:
    """Take ``entry`` out of ``q`` in O(1) (its ``entry[0]`` already cleared by the caller)."""
    if q is None:
        return
    if q and q[0] is entry:
        q.popleft()
        _trim(q)
    elif q and q[-1] is entry:
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
    """Complete a WaitGroup's cell ``[waiter, result, thread]``, known to be live, and wake it."""
    w = cell[0]
    cell[0] = None
    cell[1] = result
    _notify(w, result, cell[2])


def _wake(w: Any, result: Any) -> None:
    """Wake a future that nothing else completes, from any thread."""
    _notify(w, result, 0)


def _give_up(entry: list[Any], q: _WaitQueue | None) -> bool:
    """The owner leaves its parked plain operation: ``True`` if it had completed already.

    Takes the runtime lock: the channel may have become shared while parked.
    """
    with _lock:
        w = entry[0]
        if w is None:
            return True
        entry[0] = None
        if w is not _POPPED:
            _withdraw(q, entry)
        return False


def _give_up_all(cell: list[Any], entries: list[Any]) -> bool:
    """``_give_up`` for a select (``entries``: its ``(queue, entry)`` pairs), which
    also takes the select's other entries out of their queues after a commit."""
    with _lock:
        committed = cell[0] is None
        cell[0] = None
        _withdraw_all(entries)
        return committed


def _withdraw_all(entries: list[Any]) -> None:
    for q, entry in entries:
        if entry[0] is not None:
            entry[0] = None
            # _withdraw's commonest cases inline: the entry at either end.
            if q[-1] is entry:
                q.pop()
                if q and q[-1][0] is None:
                    _trim(q)
            elif q[0] is entry:
                q.popleft()
                if q and q[0][0] is None:
                    _trim(q)
            else:
                _withdraw(q, entry)


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
