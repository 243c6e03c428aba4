"""Which loop may touch a channel without the runtime lock (biased locking).

A channel is *bound* by its first operation on a thread that runs an event
loop: ``chan._owner`` becomes that thread's ident and ``chan._loop`` its
loop. While bound, only that thread touches the channel's state, without
taking the lock: the asyncio fast paths check one thread ident and are
otherwise as fast as a single-threaded channel. (The ident, not the running
loop: on Python 3.11 ``asyncio._get_running_loop()`` makes a ``getpid()``
system call, five times the cost of ``threading.get_ident()``.)

The first operation from anywhere else (a thread goroutine, another loop's
thread) makes the channel *shared* for good: it asks the owner loop,
through ``call_soon_threadsafe``, to run ``_acknowledge``, and waits for it
(a thread blocks; a task awaits). That callback runs between two steps of
the owner loop, when none of its operations is half-done, and flips the
channel to shared; from then on every operation on it, the owner's
included, takes the runtime lock. A channel that no loop has bound yet, or
whose owner is the caller's own thread, is bound to the caller's thread and
loop at once under the lock (or made shared if the caller runs no loop); one
whose owner loop in another thread is closed or not running (so that none
of its tasks can be inside an operation) is made shared at once. (Known corner: a
thread that runs a second loop after its first one stopped, and reaches a
channel bound under the first one only through fast paths, is not asked; a
parked operation re-registers the thread's current loop.)

While one thread only runs event loops (the usual program), the check is
cheaper still: every asyncio operation then runs on that thread, so the
fast paths compare ``chan._owner`` with ``solo()``, that thread's interned
ident, by identity, and call ``threading.get_ident()`` only when they
differ; a park and ``go()`` read its running loop, ``solo_loop()``, instead
of looking it up (a ``getpid()`` system call on 3.11), and a channel made
while it runs is bound to it at once. gopy sees each loop start and stop
through ``asyncio._set_running_loop``, which every asyncio loop calls
(``install_loop_watch`` wraps it). The bias belongs to the one thread that
runs a loop (the last one keeps it while none does); a loop starting on a
second thread ends it, under ``_solo_lock`` and before that loop runs any
task, so that none of its tasks takes the owner's fast path on a channel it
does not own; when only one thread runs a loop again, that thread gets it.
A thread that still reads an old value is the owner of what it touches
through it. A loop gopy cannot see leaves the bias off for good: uvloop
imported before gopy (it keeps its own reference to the function), a
thread that already ran Python code when gopy was imported, a forked child
(its parent's threads may have held the locks). An async operation must run
in a task of a running loop (a coroutine stepped by hand on another thread
is not seen).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import Any

from gopy.runtime._waiters import _Marker, _contend, _lock, _wake

__all__ = ["SHARED", "UNBOUND", "NOBODY", "adopt", "adopt_async", "solo", "solo_loop", "watch_solo"]

#: ``chan._owner`` of a channel every operation locks for (never a thread ident)
SHARED = -1
#: ``chan._owner`` of a channel no loop has bound yet
UNBOUND = 0

_get_ident = threading.get_ident
_get_running_loop = asyncio._get_running_loop
#: one int object per thread ident, so that bound channels share it
_idents: dict[int, int] = {}


# -- the single-loop-thread bias -----------------------------------------


#: ``solo()`` while two threads run loops, or for good when gopy cannot see
#: every loop: never a channel's owner
NOBODY: Any = _Marker("<no solo loop thread>")
#: ``solo()`` before any loop ran
_UNSEEN: Any = _Marker("<no loop yet>")

_solo: Any = _UNSEEN
#: the loop running on the solo thread (None between its loops)
_solo_loop: asyncio.AbstractEventLoop | None = None
#: module namespaces that keep copies of ``solo()`` and ``solo_loop()`` as
#: ``_SOLO`` and ``_SOLO_LOOP`` (a module global is the cheapest read)
_solo_watchers: list[dict[str, Any]] = []
#: thread ident -> the loop it runs now, for every loop seen running
_running: dict[int, asyncio.AbstractEventLoop] = {}
#: loops gopy cannot see may run: no bias, for good
_blind = False
# Guards the four names above. Not the runtime lock: a loop may start in a
# signal handler or a finalizer of a thread that holds that one (reentrant
# for the same reason).
_solo_lock = threading.RLock()


def solo() -> Any:
    """The interned ident of the one thread that runs event loops, else a marker."""
    return _solo


def solo_loop() -> asyncio.AbstractEventLoop | None:
    """The loop running on the solo thread, if any (read it on that thread)."""
    return _solo_loop


def watch_solo(namespace: dict[str, Any]) -> None:
    """Keep ``namespace["_SOLO"]`` and ``namespace["_SOLO_LOOP"]`` current (a module's globals)."""
    with _solo_lock:
        _solo_watchers.append(namespace)
        namespace["_SOLO"] = _solo
        namespace["_SOLO_LOOP"] = _solo_loop


def _set_solo(value: Any, loop: asyncio.AbstractEventLoop | None) -> None:
    global _solo, _solo_loop
    # The loop first: a thread that reads the new ident reads its loop too
    # (and a park or go() that reads None looks the loop up).
    _solo_loop = loop
    for namespace in _solo_watchers:
        namespace["_SOLO_LOOP"] = loop
    _solo = value
    for namespace in _solo_watchers:
        namespace["_SOLO"] = value


def _loop_switch(loop: asyncio.AbstractEventLoop | None) -> None:
    """A loop starts (``loop``) or stops (``None``) on the calling thread: keep,
    move or end the bias. It is held by the one thread that runs a loop (and
    kept by the last one while none does)."""
    me = _get_ident()
    with _solo_lock:
        if _blind:
            return
        if loop is None:
            _running.pop(me, None)
        else:
            _running[me] = loop
        if len(_running) == 1:
            ((ident, running),) = _running.items()
            _set_solo(_idents.setdefault(ident, ident), running)
        elif _running:
            _set_solo(NOBODY, None)
        elif _solo is not NOBODY:
            _set_solo(_solo, None)


def _go_blind() -> None:
    global _blind
    _blind = True
    _running.clear()
    _set_solo(NOBODY, None)


def _after_fork_in_child() -> None:
    # One thread, whose running loop (if any) is its parent's: no bias, and
    # a fresh lock in case another thread of the parent held it.
    global _solo_lock
    _solo_lock = threading.RLock()
    _go_blind()


def install_loop_watch() -> None:
    """Wrap ``asyncio._set_running_loop`` so that each loop's start is seen (idempotent)."""
    current = asyncio.events._set_running_loop
    if getattr(current, "_gopy_watch", False):
        return
    original = current

    def _set_running_loop(loop: asyncio.AbstractEventLoop | None) -> None:
        if not _blind:
            _loop_switch(loop)
        original(loop)

    _set_running_loop._gopy_watch = True  # type: ignore[attr-defined]
    _set_running_loop.__wrapped__ = original  # type: ignore[attr-defined]
    asyncio.events._set_running_loop = _set_running_loop
    asyncio._set_running_loop = _set_running_loop  # type: ignore[attr-defined]
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
    with _solo_lock:
        if len(sys._current_frames()) > 1 or "uvloop" in sys.modules:
            _go_blind()  # loops gopy cannot see may run (or start later)
        else:
            loop = _get_running_loop()
            if loop is not None:  # imported inside a running loop
                _loop_switch(loop)


class _Request:
    """A pending hand-over from an owner loop to shared mode."""

    __slots__ = ("event", "futures")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.futures: list[asyncio.Future[Any]] = []


#: channel -> its pending request (under _lock)
_pending: dict[Any, _Request] = {}


def _request(ch: Any, loop: asyncio.AbstractEventLoop | None) -> Any:
    """Under the lock: ``True`` if the caller owns ``ch`` now, ``False`` if it is shared,
    else the ``_Request`` to wait for."""
    owner = ch._owner
    if owner == SHARED:
        return False
    me = _get_ident()
    owner_loop = ch._loop
    if owner == me and owner_loop is loop:
        return True
    if owner == UNBOUND or owner == me:
        # Nobody else touches it without the lock: no hand-over to wait for.
        req = _pending.pop(ch, None)
        if req is None and loop is not None:
            ch._owner = _idents.setdefault(me, me)  # (again, if this thread runs a new loop)
            ch._loop = loop
            return True
        _share(ch)
        if req is not None:  # a hand-over its old loop stopped before answering
            _release(req)
        return False
    if owner_loop.is_closed() or not owner_loop.is_running():
        # Another thread's loop, stopped: none of its tasks is inside an
        # operation, but some may be parked, so the channel becomes shared
        # (never another thread's: that thread may run its loop again).
        _share(ch)
        req = _pending.pop(ch, None)
        if req is not None:
            _release(req)
        return False
    req = _pending.get(ch)
    if req is None:
        req = _pending[ch] = _Request()
        try:
            owner_loop.call_soon_threadsafe(_acknowledge, ch)
        except RuntimeError:  # closed just now
            del _pending[ch]
            _share(ch)
            return False
    return req


def _share(ch: Any) -> None:
    """Under the lock, with no operation on ``ch`` half-done: make it shared for good."""
    if ch._owner != UNBOUND:
        _contend(ch._senders, ch._receivers)
    ch._owner = SHARED


def _acknowledge(ch: Any) -> None:
    """On the owner loop, between steps: make ``ch`` shared and release the requesters."""
    with _lock:
        if ch._owner == _get_ident():  # (not shared meanwhile)
            _share(ch)
        req = _pending.pop(ch, None)
        if req is not None:
            _release(req)


def _release(req: _Request) -> None:
    req.event.set()
    for fut in req.futures:
        _wake(fut, None)


def adopt(ch: Any, loop: asyncio.AbstractEventLoop | None) -> bool:
    """Make ``ch`` usable from the calling thread; ``True`` if it may skip the lock.

    Blocks until the owner loop hands the channel over (a thread switch).
    """
    with _lock:
        req = _request(ch, loop)
    if req is True or req is False:
        return req
    while not req.event.wait(0.5):
        with _lock:  # the owner loop stopped before it could answer
            if ch._owner != SHARED and not ch._loop.is_running() and _pending.get(ch) is req:
                del _pending[ch]
                _share(ch)
                _release(req)
    return False


async def adopt_async(ch: Any, loop: asyncio.AbstractEventLoop) -> bool:
    """``adopt`` for a task: waits for the hand-over without blocking its loop."""
    with _lock:
        req = _request(ch, loop)
        if req is True or req is False:
            return req
        fut = loop.create_future()
        req.futures.append(fut)
    await fut
    return False


install_loop_watch()
