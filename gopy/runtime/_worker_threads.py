"""Daemon worker threads: for ``go`` of a plain callable and the loop's default executor.

Daemon threads because Go does not wait for goroutines when main returns:
neither a thread goroutine nor an ``asyncio.to_thread`` job keeps a finished
program alive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["workers", "DaemonExecutor"]

#: seconds an idle worker thread waits for another job before exiting
_WORKER_IDLE = 10.0


class _Slot:
    """An idle worker: the job handed to it, and the lock it sleeps on until then."""

    __slots__ = ("job", "ready")

    def __init__(self) -> None:
        self.job: Callable[[], None] | None = None
        self.ready = threading.Lock()
        self.ready.acquire()


class _Workers:
    """A pool of daemon threads that grows on demand, so a goroutine never waits for one.

    The most recently idle worker takes the next job (a stack), so a burst of
    thousands of thread goroutines leaves a small hot set in use and the rest
    time out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Invariant: a slot is in _idle exactly while its worker waits for a job;
        # a submitter pops it and hands the job over under the lock.
        self._idle: list[_Slot] = []

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on an idle worker, or on a new one."""
        with self._lock:
            if self._idle:
                slot = self._idle.pop()
                slot.job = job
                slot.ready.release()
                return
        threading.Thread(target=self._work, args=(job,), name="gopy-worker", daemon=True).start()

    def _work(self, job: Callable[[], None]) -> None:
        slot = _Slot()
        while True:
            job()
            slot.job = None
            with self._lock:
                self._idle.append(slot)
            if not slot.ready.acquire(timeout=_WORKER_IDLE):
                with self._lock:
                    if slot.job is None:  # nobody claimed us: retire
                        self._idle.remove(slot)
                        return
                slot.ready.acquire()  # claimed just as we timed out: released at once
            job = slot.job  # type: ignore[assignment]


workers = _Workers()


class DaemonExecutor(ThreadPoolExecutor):
    """A supervised loop's default executor: its jobs run on the daemon workers.

    asyncio's own default executor joins its threads at interpreter exit, so a
    goroutine blocked in ``asyncio.to_thread`` would keep the program running
    after main returned. (A ``ThreadPoolExecutor`` subclass because
    ``loop.set_default_executor`` accepts nothing else.)
    """

    def __init__(self) -> None:
        super().__init__(max_workers=1)  # starts no thread: submit is replaced
        self._busy_lock = threading.Lock()
        #: jobs submitted and not finished (deadlock detection reads it)
        self.busy = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def job() -> None:
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = fn(*args, **kwargs)
                    except BaseException as exc:  # as ThreadPoolExecutor's work items do
                        future.set_exception(exc)
                    else:
                        future.set_result(result)
            finally:
                with self._busy_lock:
                    self.busy -= 1

        with self._busy_lock:
            self.busy += 1
        workers.submit(job)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to join: the workers are daemon threads shared by every loop."""
