"""Go's ``select``: one atomic commit across all cases, for tasks and threads.

Fast path: check every case's readiness without committing, choose one ready
case uniformly at random (reservoir sampling over the cases in order), then
complete it with the channel's non-blocking half. Nothing can interleave
between the check and the commit: it runs in one synchronous step, under the
runtime lock unless every channel is owned by the caller's loop.

Slow path: one cell shared by entries on every case's channel queue, each
entry tagged with its case index. The first counterpart to pop a live entry
claims the cell; that makes every other entry of this select dead, so
counterparts skip them, and the select removes them all when it resumes.
Cancellation follows the channel rules: a committed case is returned even if
the cancellation arrived afterwards (see ``gopy.runtime._channels``).
"""

from __future__ import annotations

import asyncio
import threading
from random import Random
from typing import Any, NamedTuple, TypeAlias

from gopy.runtime._channels import (
    _CLOSED,
    _WOULD_BLOCK,
    ChannelClosed,
    _absorb_cancel,
    _block_forever,
    _block_thread_forever,
    _current_task,
    _current_tasks,
    chan,
)
from gopy.runtime._ownership import NOBODY, SHARED, adopt, adopt_async, watch_solo
from gopy.runtime._parking import _overrides, parked
from gopy.runtime._waiters import (
    _NONE,
    _give_up_all,
    _lock,
    _new_queue,
    _peek_live,
    _reason,
    _take,
    _thread_waiter,
    _withdraw_all,
)

__all__ = ["select", "select_blocking", "recv_case", "send_case", "Selected", "Case"]

_get_running_loop = asyncio._get_running_loop
_get_ident = threading.get_ident
_CancelledError = asyncio.CancelledError
_Future = asyncio.Future
# A private generator, like Go's runtime: select neither consumes nor depends
# on the program's own ``random`` state (``random.seed`` does not fix choices).
_random = Random().random
#: ``_ownership.solo()`` and ``solo_loop()`` (see ``select``), kept current by watch_solo
_SOLO: Any = NOBODY
_SOLO_LOOP: Any = None
watch_solo(globals())


class Selected(NamedTuple):
    """The outcome of ``select``: which case ran, the value received and ``ok``."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, as the API requires
    value: Any
    ok: bool


_new_selected = tuple.__new__
_DEFAULT = Selected(-1, None, False)
_PARK = object()
_FOREIGN = object()

#: A select case: ``(channel, is_send, value_to_send)``; build it with
#: ``recv_case`` or ``send_case``.
Case: TypeAlias = "tuple[chan[Any] | None, bool, Any]"


def recv_case(ch: chan[Any] | None) -> Case:
    """A ``case v := <-ch`` for ``select``."""
    return (ch, False, None)


def send_case(ch: chan[Any] | None, value: Any) -> Case:
    """A ``case ch <- value`` for ``select``."""
    return (ch, True, value)


def _bad_case(cases: tuple[Any, ...], index: int) -> TypeError:
    return TypeError(
        f"select() case {index} is {cases[index]!r}: build cases with "
        "gopy.recv_case(ch) or gopy.send_case(ch, value), where ch is a chan or None"
    )


def _foreign(cases: tuple[Case, ...], loop: Any) -> list[chan[Any]]:
    """The cases' channels to adopt: neither shared nor owned by ``loop`` on this thread
    (validating every case)."""
    foreign = []
    index = 0
    me = _get_ident()
    try:
        for ch, _, _ in cases:
            if ch is not None:
                owner = ch._owner
                if owner != SHARED and (owner != me or ch._loop is not loop):
                    foreign.append(ch)
            index += 1
    except (TypeError, ValueError, AttributeError):
        raise _bad_case(cases, index) from None
    return foreign


def _commit_ready(cases: tuple[Case, ...], default: bool, me: int) -> Any:
    """Run one ready case: its ``Selected``; ``_DEFAULT``; ``_PARK``; or, when
    ``me`` is a thread ident (not 0: the lock is held) and some channel is not
    owned by it, ``_FOREIGN`` (before touching any channel)."""
    chosen = -1
    ready = 0
    index = 0
    try:
        for ch, is_send, _ in cases:
            if ch is not None:
                if me and ch._owner != me:
                    return _FOREIGN
                if ch._send_ready() if is_send else ch._recv_ready():
                    ready += 1
                    if ready == 1 or _random() * ready < 1.0:
                        chosen = index
            index += 1
    except (TypeError, ValueError, AttributeError):
        raise _bad_case(cases, index) from None
    if chosen >= 0:
        ch, is_send, value = cases[chosen]
        locked = not me
        if is_send:
            ch._try_send(value, locked)  # type: ignore[union-attr]  # raises if closed
            return _new_selected(Selected, (chosen, None, True))
        value = ch._try_recv(locked)  # type: ignore[union-attr]
        if value is _CLOSED:
            return _new_selected(Selected, (chosen, None, False))
        return _new_selected(Selected, (chosen, value, True))
    if default:
        return _DEFAULT
    return _PARK


def _enqueue(cases: tuple[Case, ...], w: Any, contended: bool) -> tuple[list[Any], list[Any]]:
    """Park one entry per case, all sharing one cell (``contended``: some channel is shared)."""
    cell = [w, None, _get_ident(), contended]
    entries = []
    index = 0
    for ch, is_send, value in cases:
        if ch is not None:
            if is_send:
                q = ch._senders
                if q is None:
                    q = ch._senders = _new_queue()
            else:
                q = ch._receivers
                if q is None:
                    q = ch._receivers = _new_queue()
            entry = [cell, value, index]
            q.append(entry)
            entries.append((q, entry))
        index += 1
    return cell, entries


def _outcome(cases: tuple[Case, ...], result: tuple[int, Any, bool]) -> Selected:
    if not result[2] and cases[result[0]][1]:
        raise ChannelClosed("send on closed channel")
    return _new_selected(Selected, result)


async def select(*cases: Case, default: bool = False) -> Selected:
    """Run one ready case (chosen uniformly at random), else ``default``, else wait."""
    # _commit_ready's steps inline, for channels the solo loop thread owns
    # (see _ownership): the common select is one call less.
    solo = _SOLO
    chosen = -1
    ready = 0
    index = 0
    outcome: Any = None
    mine = False  # every channel is the solo thread's
    try:
        for ch, is_send, _ in cases:
            if ch is not None:
                if ch._owner is not solo:
                    break
                if (
                    ch._send_ready()
                    if is_send  # else ch._recv_ready(), inline:
                    else ch._buf or ch._closed or (ch._senders and _peek_live(ch._senders))
                ):
                    ready += 1
                    if ready == 1 or _random() * ready < 1.0:
                        chosen = index
            index += 1
        else:
            outcome = _PARK  # unless one is ready
            mine = True
    except (TypeError, ValueError, AttributeError):
        raise _bad_case(cases, index) from None
    if outcome is None:  # some channel is not the solo thread's
        me = _get_ident()
        outcome = _commit_ready(cases, default, me)
    elif chosen >= 0:
        ch, is_send, value = cases[chosen]
        if is_send:
            ch._try_send(value, False)  # type: ignore[union-attr]  # raises if closed
            return _new_selected(Selected, (chosen, None, True))
        buf = ch._buf  # type: ignore[union-attr]
        if buf:  # _try_recv's first steps, inline
            value = buf.popleft()
            q = ch._senders  # type: ignore[union-attr]
            if q:  # a slot just freed: the first parked sender's value moves in
                moved = _take(q, False)
                if moved is not _NONE:
                    buf.append(moved)
            return _new_selected(Selected, (chosen, value, True))
        value = ch._try_recv(False)  # type: ignore[union-attr]
        if value is _CLOSED:
            return _new_selected(Selected, (chosen, None, False))
        return _new_selected(Selected, (chosen, value, True))
    elif default:
        return _DEFAULT
    if outcome is _FOREIGN:
        loop = _get_running_loop()
        foreign = _foreign(cases, loop)
        if foreign:
            for ch in foreign:
                await adopt_async(ch, loop)
            outcome = _commit_ready(
                cases, default, me
            )  # all bound here now, unless some are shared
    if outcome is not _FOREIGN:
        if outcome is not _PARK:
            return outcome  # type: ignore[no-any-return]
        if not cases:
            await _block_forever("select (no cases)")
        loop = _SOLO_LOOP if mine else None  # (None: every case nil, or no solo thread)
        if loop is None:
            loop = _get_running_loop()
        fut = _Future(loop=loop)
        cell, entries = _enqueue(cases, fut, False)
        for ch, _, _ in cases:
            if ch is not None:
                ch._loop = loop  # the loop to ask for a hand-over (it may have changed)
    else:
        with _lock:
            outcome = _commit_ready(cases, default, 0)
            if outcome is not _PARK:
                return outcome  # type: ignore[no-any-return]
            fut = _Future(loop=loop)
            cell, entries = _enqueue(cases, fut, True)
    task = _current_tasks.get(loop) or _current_task(loop)  # _task_on(loop), inline
    parked[task] = _reason("select") if _overrides[0] else "select"  # type: ignore[index]
    try:
        try:
            await fut
        except _CancelledError as exc:
            if not _give_up_all(cell, entries):
                raise
            result = cell[1]
            if not result[2] and cases[result[0]][1]:
                raise  # a send case's channel closed: it did not happen
            # A case committed before the cancellation landed: report that case.
            _absorb_cancel(task, exc)
        except BaseException:
            _give_up_all(cell, entries)
            raise
        else:
            me = cell[2]
            for ch, _, _ in cases:
                if ch is not None and ch._owner != me:
                    _give_up_all(cell, entries)  # some channel became shared meanwhile
                    break
            else:  # all still owned by this thread: no lock needed
                _withdraw_all(entries)
    finally:
        del parked[task]  # type: ignore[arg-type]
    return _outcome(cases, cell[1])


def select_blocking(*cases: Case, default: bool = False) -> Selected:
    """``select`` in a plain function: blocks the calling thread until a case runs."""
    loop = _get_running_loop()
    for ch in _foreign(cases, loop):
        adopt(ch, loop)
    with _lock:
        outcome = _commit_ready(cases, default, 0)
        if outcome is not _PARK:
            return outcome  # type: ignore[no-any-return]
        if loop is not None:
            raise RuntimeError(_WOULD_BLOCK.format(op="a select without default"))
        if cases:
            w = _thread_waiter()
            cell, entries = _enqueue(cases, w, True)
    if not cases:
        _block_thread_forever("select (no cases)")
    me = threading.current_thread()
    parked[me] = _reason("select")
    try:
        w.acquire()
    except BaseException:
        _give_up_all(cell, entries)
        raise
    finally:
        del parked[me]
    _give_up_all(cell, entries)
    return _outcome(cases, cell[1])
