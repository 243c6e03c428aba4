"""Go's ``select``: one atomic commit across all cases, no task per case.

Fast path: check every case's readiness without committing, choose one ready
case uniformly at random (reservoir sampling over the cases in order), then
complete it with the channel's non-blocking half. Nothing can interleave
between the check and the commit because nothing awaits in between.

Slow path: one future shared by entries on every case's channel queue, each
entry tagged with its case index. The first counterpart to pop a live entry
resolves the future; that makes every other entry of this select dead (its
future is done), so counterparts skip them, and the select removes them all
when it resumes. Cancellation follows the channel rules: a committed case is
returned even if the cancellation arrived afterwards (see ``gopy.runtime._channels``).
"""

from __future__ import annotations

import asyncio
from random import Random
from typing import Any, NamedTuple, TypeAlias

from gopy.runtime._channels import _CLOSED, _absorb_cancel, _block_forever, _discard, _task_on, chan
from gopy.runtime._parking import parked

__all__ = ["select", "recv_case", "send_case", "Selected", "Case"]

_get_running_loop = asyncio.get_running_loop
_CancelledError = asyncio.CancelledError
_Future = asyncio.Future
# A private generator, like Go's runtime: select neither consumes nor depends
# on the program's own ``random`` state (``random.seed`` does not fix choices).
_random = Random().random


class Selected(NamedTuple):
    """The outcome of ``select``: which case ran, the value received and ``ok``."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, as the API requires
    value: Any
    ok: bool


_new_selected = tuple.__new__
_DEFAULT = Selected(-1, None, False)

#: A select case: ``(channel, is_send, value_to_send)``; build it with
#: ``recv_case`` or ``send_case``.
Case: TypeAlias = "tuple[chan[Any] | None, bool, Any]"


def recv_case(ch: chan[Any] | None) -> Case:
    """A ``case v := <-ch`` for ``select``."""
    return (ch, False, None)


def send_case(ch: chan[Any] | None, value: Any) -> Case:
    """A ``case ch <- value`` for ``select``."""
    return (ch, True, value)


async def select(*cases: Case, default: bool = False) -> Selected:
    """Run one ready case (chosen uniformly at random), else ``default``, else wait."""
    chosen = -1
    ready = 0
    index = 0
    try:
        for ch, is_send, _ in cases:
            if ch is not None and (ch._send_ready() if is_send else ch._recv_ready()):
                ready += 1
                if ready == 1 or _random() * ready < 1.0:
                    chosen = index
            index += 1
    except (TypeError, ValueError, AttributeError):
        raise TypeError(
            f"select() case {index} is {cases[index]!r}: build cases with "
            "gopy.recv_case(ch) or gopy.send_case(ch, value), where ch is a chan or None"
        ) from None
    if chosen >= 0:
        ch, is_send, value = cases[chosen]
        if is_send:
            ch._send_nowait(value)  # type: ignore[union-attr]  # raises if closed
            return _new_selected(Selected, (chosen, None, True))
        value = ch._recv_nowait()  # type: ignore[union-attr]
        if value is _CLOSED:
            return _new_selected(Selected, (chosen, None, False))
        return _new_selected(Selected, (chosen, value, True))
    if default:
        return _DEFAULT
    if not cases:
        await _block_forever("select (no cases)")
    return await _park_select(cases)


async def _park_select(cases: tuple[Case, ...]) -> Selected:
    """Slow path: wait on every case at once until one commits."""
    loop = _get_running_loop()
    fut: asyncio.Future[Any] = _Future(loop=loop)
    entries: list[tuple[int, Any, Any]] = []
    index = 0
    for ch, is_send, value in cases:
        if ch is not None:
            if is_send:
                entry: Any = (fut, value, index)
                queue: Any = ch._senders
            else:
                entry = (fut, index)
                queue = ch._receivers
            queue.append(entry)
            entries.append((index, queue, entry))
        index += 1
    task = _task_on(loop)
    parked[task] = "select"  # type: ignore[index]
    committed = -1
    try:
        try:
            result = await fut
        except _CancelledError as exc:
            if not fut.done() or fut.cancelled() or fut.exception() is not None:
                raise
            # A case committed before the cancellation landed: report that case.
            _absorb_cancel(task, exc)
            result = fut.result()
        committed = result[0]
    finally:
        del parked[task]  # type: ignore[arg-type]
        for index, queue, entry in entries:
            # The committed entry was popped by whoever completed it.
            if index != committed:
                _discard(queue, entry)
    return _new_selected(Selected, result)
