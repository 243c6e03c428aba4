"""Who the goroutines are and what they wait on, seen from outside (deadlock checks, dumps).

Read only when a check or a dump needs it, never on a fast path:

- thread goroutines: every thread whose stack holds the runtime's
  ``_thread_goroutine`` frame (``gopy.runtime._goroutines``); its locals
  ``sup`` and ``gid`` say which supervisor and goroutine number it runs;
- what a task that is not in ``parked`` waits on when it waits on asyncio's
  own primitives (``asyncio.Event.wait``, ``asyncio.Queue.get``, ...);
- the program's own wake-up sources outside the loop: busy
  ``concurrent.futures`` executors (any of them, the thread pools of
  libraries built on them too) and ``signal.signal`` handlers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
import types
from typing import Any

from gopy.runtime._reports import is_runtime_file

__all__ = [
    "ThreadGoroutine",
    "asyncio_wait_reason",
    "chained_to_a_thread",
    "external_waker",
    "gopy_signal_handlers",
    "thread_cpu_time",
    "thread_goroutines",
]

#: the runtime function that runs a thread goroutine (its locals: sup, gid)
#: the runtime functions a thread goroutine runs in (each has ``sup`` and ``gid`` locals)
_THREAD_BODIES = frozenset(("_thread_goroutine", "_thread_body"))
_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__))
_FUTURES_DIR = os.path.join(os.path.dirname(_ASYNCIO_DIR), "concurrent", "futures")

#: handlers gopy itself installs (Ctrl-C, the SIGQUIT dump): not the program's wake-ups
gopy_signal_handlers: set[Any] = set()


class ThreadGoroutine:
    """A thread now running a goroutine: its ident, ``Thread``, number and innermost frame."""

    __slots__ = ("ident", "thread", "gid", "frame")

    def __init__(
        self, ident: int, thread: threading.Thread | None, gid: int, frame: types.FrameType
    ) -> None:
        self.ident = ident
        self.thread = thread
        self.gid = gid
        self.frame = frame


def thread_goroutines(sup: Any, frames: dict[int, types.FrameType] | None = None) -> list[ThreadGoroutine]:
    """The threads now running a goroutine of supervisor ``sup``, in goroutine order."""
    if frames is None:
        frames = sys._current_frames()
    active = threading._active  # type: ignore[attr-defined]  # ident -> Thread, no lock taken
    found = []
    for ident, top in frames.items():
        frame: types.FrameType | None = top
        while frame is not None:
            code = frame.f_code
            if code.co_name in _THREAD_BODIES and is_runtime_file(code.co_filename):
                local = frame.f_locals
                if local.get("sup") is sup:
                    found.append(ThreadGoroutine(ident, active.get(ident), local.get("gid", 0), top))
                break
            frame = frame.f_back
    found.sort(key=lambda t: t.gid)
    return found


def thread_cpu_time(ident: int) -> float | None:
    """CPU seconds the thread has used (None where the platform cannot tell).

    A thread that stays parked uses none: a thread woken and parked again
    between two deadlock checks shows up here even when it parks at the same spot.
    """
    getclock = getattr(time, "pthread_getcpuclockid", None)
    if getclock is None:
        return None
    try:
        return time.clock_gettime(getclock(ident))
    except (OSError, OverflowError, ValueError):  # the thread has just ended
        return None


def chained_to_a_thread(waiter: Any) -> bool:
    """Whether asyncio future ``waiter`` is completed by a ``concurrent.futures`` future.

    ``wrap_future`` (``run_in_executor``, ``to_thread``) chains the two with a
    callback of ``asyncio.futures._chain_future``; the other side's thread may
    still complete it.
    """
    try:
        callbacks = waiter._callbacks or ()
    except AttributeError:
        return True  # a future we cannot look into: it may be completed from anywhere
    for callback, *_ in callbacks:
        if "_chain_future" in getattr(callback, "__qualname__", ""):
            return True
    return False


def asyncio_wait_reason(task: asyncio.Task, waiter: Any) -> str:
    """What a task outside ``parked`` waits on, named after asyncio's API.

    The outermost asyncio frame of its await chain names the primitive
    (``asyncio.Event.wait``, ``asyncio.Queue.get``, ``asyncio.Lock.acquire``,
    ``asyncio.Condition.wait``); a future awaited directly is ``asyncio.Future``
    (``asyncio.Task`` for another task, ``asyncio.gather`` for a gather).
    """
    coro: Any = task.get_coro()
    seen = 0
    while coro is not None and seen < 1000:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        code = frame.f_code
        if os.path.dirname(os.path.abspath(code.co_filename)) == _ASYNCIO_DIR:
            return f"asyncio.{code.co_qualname.lstrip('_')}"
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    if isinstance(waiter, asyncio.Task):
        return "asyncio.Task"
    if type(waiter).__name__ == "_GatheringFuture":
        return "asyncio.gather"
    return "asyncio.Future"


def _pool_worker_busy(thread: threading.Thread, work_queue: Any, frames: dict[int, Any]) -> bool:
    """Whether a ``ThreadPoolExecutor`` worker has work: queued, or running now."""
    if not thread.is_alive():
        return False
    try:
        if work_queue.qsize():
            return True
    except Exception:
        return True
    top = frames.get(thread.ident)  # type: ignore[arg-type]
    if top is None:
        return True  # not started yet, as far as we can see
    code = top.f_code
    # Idle: waiting for work in the pool's own loop (the queue's get is C code).
    return not (
        code.co_name == "_worker"
        and os.path.dirname(os.path.abspath(code.co_filename)) == _FUTURES_DIR
    )


#: Threads that wait for the goroutines instead of waking them, by ident: a
#: console's input thread while an input runs, a notebook kernel's own threads.
#: Their owners (the surfaces) add and remove them.
passive_threads: set[int] = set()


def external_waker(blocked_threads: set[int]) -> str | None:
    """What outside the event loop could still wake a goroutine (None: nothing we know of).

    Every live thread counts, except the calling (loop) thread, gopy's own
    (``gopy-*``: worker threads are accounted for by the supervisor, thread
    goroutine by thread), threads parked in a blocking channel operation
    (``blocked_threads``, their idents), ``passive_threads``, idle ``concurrent.futures`` workers
    and process pools with no pending work. A ``signal.signal`` handler of
    the program's own counts too.
    """
    frames = sys._current_frames()
    active = threading._active  # type: ignore[attr-defined]  # ident -> Thread
    pool = sys.modules.get("concurrent.futures.thread")
    queues = dict(getattr(pool, "_threads_queues", None) or {})
    process = sys.modules.get("concurrent.futures.process")
    managers = set(getattr(process, "_threads_wakeups", None) or ())
    me = threading.get_ident()
    for ident in frames:
        if ident == me or ident in blocked_threads or ident in passive_threads:
            continue
        thread = active.get(ident)
        if thread is None:
            return "a thread started outside the threading module"
        if thread.name.startswith("gopy-"):
            continue
        if thread in queues:
            if _pool_worker_busy(thread, queues[thread], frames):
                return f"executor thread {thread.name}"
            continue
        if thread in managers:
            if getattr(thread, "pending_work_items", True):
                return "process pool"
            continue
        return f"thread {thread.name}"
    return _signal_waker()


def _signal_waker() -> str | None:
    """A ``signal.signal`` handler of the program's own: a signal may still wake someone."""
    for signum in signal.valid_signals():
        try:
            handler = signal.getsignal(signum)
        except (OSError, ValueError):
            continue
        if not callable(handler) or handler is signal.default_int_handler:
            continue
        if handler in gopy_signal_handlers:
            continue
        if getattr(handler, "__qualname__", "") == "_sighandler_noop":
            continue  # asyncio's: the loop's own signal handlers are the probe's business
        try:
            name = signal.Signals(signum).name
        except ValueError:  # a real-time signal
            name = str(signum)
        return f"signal handler for {name}"
    return None
