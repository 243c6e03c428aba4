"""How goroutines park and resume: tasks on futures, threads on locks.

Shared by channels and select: the panic type, the result markers, the
cancellation rules (see ``gopy.runtime._channels``) and the waits for a
parked task or thread, each leaving nothing behind however it ends.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, NoReturn

from gopy.runtime._parking import parked
from gopy.runtime._waiters import _give_up, _reason, _thread_waiter

__all__ = ["ChannelClosed"]

_get_running_loop = asyncio._get_running_loop
_current_task = asyncio.current_task
_current_thread = threading.current_thread
_CancelledError = asyncio.CancelledError
_Future = asyncio.Future
_current_tasks: dict[Any, asyncio.Task[Any]] = getattr(asyncio.tasks, "_current_tasks", {})


def _task_on(loop: asyncio.AbstractEventLoop) -> asyncio.Task[Any] | None:
    """The task running on ``loop`` (the caller's)."""
    return _current_tasks.get(loop) or _current_task(loop)


class ChannelClosed(Exception):
    """Go's channel panics: send on closed channel, close of closed or nil channel."""


class _Sentinel:
    """A named marker object."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The result of a parked plain operation on a channel that was closed.
_CLOSED: Any = _Sentinel("<closed>")
#: ``_try_recv``: the operation would block (never leaves the runtime).
_BLOCK: Any = _Sentinel("<would block>")

_WOULD_BLOCK = (
    "{op} would block the event loop: start the function with `go` "
    "(it then runs in a worker thread) or make it `async def`"
)


def _redeliver_cancel(task: asyncio.Task[Any], msg: Any) -> None:
    """Cancel ``task`` again unless every cancellation request was withdrawn."""
    # Runs once the task has suspended again. cancelling() == 0 means the
    # requesters took it back (asyncio.timeout's exit after a completed body).
    # If a newer request is already in flight, cancelling twice still throws
    # a single CancelledError.
    if not task.done() and task.cancelling():
        task.uncancel()  # keep the count: this is the same request, delivered late
        task.cancel(msg)


def _absorb_cancel(task: asyncio.Task[Any] | None, exc: BaseException) -> None:
    """The operation completed although ``task`` was cancelled: deliver it later."""
    if task is not None and task.cancelling():
        msg = exc.args[0] if exc.args else None
        task.get_loop().call_soon(_redeliver_cancel, task, msg)


async def _await_cell(fut: asyncio.Future[Any], entry: list[Any], q: Any, reason: str) -> Any:
    """Wait for a parked task's entry (``_waiters``) to be completed; its result.

    A cancellation (or any exception thrown in) before completion withdraws
    the entry and propagates; a cancellation after completion is absorbed.
    """
    loop = fut.get_loop()
    task = _current_tasks.get(loop) or _current_task(loop)
    parked[task] = _reason(reason)  # type: ignore[index]
    try:
        return await fut
    except _CancelledError as exc:
        if not _give_up(entry, q):
            raise
        if entry[1] is _CLOSED and reason == "chan send":
            raise  # the send did not happen: the cancellation is as true as the panic
        _absorb_cancel(task, exc)
        return entry[1]
    except BaseException:  # thrown in by hand (coro.throw/close): leave nothing behind
        _give_up(entry, q)
        raise
    finally:
        del parked[task]  # type: ignore[arg-type]


def _block_thread(w: Any, entry: list[Any], q: Any, reason: str) -> Any:
    """Block the calling thread on its waiter ``w`` until its entry is completed; its result."""
    me = _current_thread()
    parked[me] = _reason(reason)  # type: ignore[index]
    try:
        w.acquire()
    except BaseException:  # KeyboardInterrupt in the main thread
        _give_up(entry, q)
        raise
    finally:
        del parked[me]  # type: ignore[arg-type]
    return entry[1]


async def _block_forever(reason: str) -> NoReturn:
    """Park the current task for good (a nil channel, an empty select)."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Any] = _Future(loop=loop)
    task = _task_on(loop)
    parked[task] = _reason(reason)  # type: ignore[index]
    try:
        await fut
    finally:
        del parked[task]  # type: ignore[arg-type]
    raise AssertionError("unreachable")  # pragma: no cover


def _block_thread_forever(reason: str) -> NoReturn:
    """Block the calling thread for good (a nil channel, an empty select)."""
    if _get_running_loop() is not None:
        raise RuntimeError(_WOULD_BLOCK.format(op="this operation"))
    w = _thread_waiter()
    me = _current_thread()
    parked[me] = _reason(reason)  # type: ignore[index]
    try:
        w.acquire()
    finally:
        del parked[me]  # type: ignore[arg-type]
    raise AssertionError("unreachable")  # pragma: no cover
