"""The program supervisor: runs main, turns goroutine exceptions into panics, detects deadlock.

Under ``run_supervised`` every goroutine is numbered (1 is the main program),
an exception escaping one is a panic that stops the program, and a
low-frequency checker reports Go's "all goroutines are asleep" when every
goroutine is stuck and nothing can wake one:

- a task is stuck when it is parked in ``gopy.runtime._parking.parked``, or
  waits on a future that only the loop could complete (asyncio's own
  ``Event``, ``Queue``, ``Lock``, ``Condition``, a bare ``Future``; not one
  chained to a ``concurrent.futures`` future);
- a thread goroutine is stuck when its ``Thread`` is in ``parked`` (a
  blocking channel, select, WaitGroup or Mutex operation); a thread doing
  anything else may wake someone;
- nothing can wake one when the loop has nothing to do
  (``gopy.runtime._deadlock_probe``) and no thread outside gopy's bookkeeping
  is alive and working, no executor has work and no ``signal.signal``
  handler of the program's is installed (``gopy.runtime._goroutine_census``).

With thread goroutines (or on loops whose internals are opaque) the same
picture must be seen at two checks in a row, the parked threads having used no
CPU time in between. Ctrl-C and the SIGQUIT goroutine dump are
``gopy.runtime._interrupts``.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import sys
import threading
import types
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from gopy.runtime._parking import parked
from gopy.runtime._deadlock_probe import probe_for
from gopy.runtime._goroutine_census import (
    ThreadGoroutine,
    asyncio_wait_reason,
    chained_to_a_thread,
    external_waker,
    thread_cpu_time,
    thread_goroutines,
)
from gopy.runtime._interrupts import Interrupts
from gopy.runtime._reports import panic_report, parked_frames_text, stack_lines, user_traceback
from gopy.runtime._watchdog import Watchdog, watchdog_for
from gopy.runtime._worker_threads import DaemonExecutor

__all__ = ["run_program", "run_supervised", "Deadlock", "GoroutinePanic"]

_T = TypeVar("_T")

#: seconds between two deadlock checks (detection takes one or two periods)
_CHECK_PERIOD = 0.25
#: seconds that cancelled goroutines get to unwind once the program is over
_SHUTDOWN_GRACE = 1.0

_get_running_loop = asyncio._get_running_loop
_UNKNOWN = object()
#: the done callbacks read no context variables: one shared context, not a copy per goroutine
_CALLBACK_CONTEXT = contextvars.Context()


class GoroutinePanic(Exception):
    """An exception escaped a goroutine; ``report`` is Go-style panic text."""

    def __init__(self, report: str, exception: BaseException, goroutine: int) -> None:
        super().__init__(report.partition("\n")[0])
        self.report = report
        self.exception = exception
        self.goroutine = goroutine


class Deadlock(Exception):
    """Every goroutine is blocked and nothing can wake one; ``report`` is Go's text."""

    def __init__(self, report: str) -> None:
        super().__init__("all goroutines are asleep - deadlock!")
        self.report = report


# ------------------------------------------------------------ supervisor ---


class _Supervisor:
    """Per-loop bookkeeping of ``run_supervised``: goroutines, panics, deadlock checks."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        #: live goroutine tasks -> goroutine number; also their strong references
        self.goroutines: dict[asyncio.Task, int] = {}
        self.ids = itertools.count(2)
        #: thread goroutines started and not yet reported back on the loop thread
        self.threads = 0
        self.threads_lock = threading.Lock()
        self.failure: GoroutinePanic | Deadlock | None = None
        #: a KeyboardInterrupt that ended a goroutine (see task_done)
        self.interrupted: KeyboardInterrupt | None = None
        self.main: asyncio.Task | None = None
        self.closing = False
        self.checker: asyncio.TimerHandle | None = None
        self.probe = probe_for(loop)
        self.suspect: _Stuck | None = None
        self.on_task_done = self.task_done  # bound once, not per goroutine

    # goroutine lifecycle

    def spawn(self, coro: Any, gid: int) -> None:
        """Start ``coro`` as goroutine ``gid``."""
        task = self.loop.create_task(coro)
        self.goroutines[task] = gid
        task.add_done_callback(self.on_task_done, context=_CALLBACK_CONTEXT)

    def task_done(self, task: asyncio.Task) -> None:
        """Drop the finished goroutine; a goroutine's exception is a panic."""
        gid = self.goroutines.pop(task, 0)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, KeyboardInterrupt):
            # Ctrl-C raised inside a goroutine that held the loop: the program
            # ends as by Ctrl-C (asyncio's loop re-raises it itself; uvloop's does not).
            if self.interrupted is None:
                self.interrupted = exc
                self.loop.stop()
            return
        if exc is not None and not self.closing:
            self.panic(exc, gid)

    def thread_finished(self, gid: int, exc: BaseException | None, coro: Any) -> None:
        """Loop-thread side of a thread goroutine's end (runs after all it posted)."""
        if coro is not None:
            if self.closing:
                coro.close()
            else:
                self.spawn(coro, gid)
        with self.threads_lock:
            self.threads -= 1
        if exc is not None and not self.closing:
            if isinstance(exc, (SystemExit, KeyboardInterrupt)):
                raise exc  # out of the loop, as it would from a task (sys.exit in a goroutine)
            self.panic(exc, gid)

    def panic(self, exc: BaseException, gid: int) -> None:
        """Record the first panic and stop the program."""
        if self.failure is None:
            self.fail(GoroutinePanic(panic_report(exc, gid), exc, gid))

    def fail(self, failure: GoroutinePanic | Deadlock) -> None:
        """Stop the loop now; ``run_supervised`` raises ``failure`` (Go exits at once)."""
        if self.failure is None:
            self.failure = failure
            self.loop.stop()

    def gid(self, task: asyncio.Task) -> int:
        """The goroutine number of ``task`` (tasks not started by go() get one now)."""
        gid = self.goroutines.get(task)
        if gid is None:
            gid = self.goroutines[task] = next(self.ids)
        return gid

    # deadlock detection

    def start_checker(self) -> None:
        """Schedule the periodic deadlock check (never counted as a wake-up source)."""
        self.checker = self.probe.call_later(_CHECK_PERIOD, self.check)

    def stop_checker(self) -> None:
        """Cancel the periodic check."""
        if self.checker is not None:
            self.checker.cancel()
            self.checker = None

    def check(self) -> None:
        """One deadlock check; reschedules itself unless the program is over."""
        self.checker = None
        if self.closing or self.failure is not None:
            return
        try:
            stuck = self.stuck_picture()
        except Exception:
            # A loop that surprises the probe must not end detection for good
            # (an exception here would drop the rescheduling below).
            stuck = None
        if stuck is not None and (
            (self.probe.exact and not stuck.threads) or stuck == self.suspect
        ):
            self.suspect = None
            self.fail(Deadlock(self.deadlock_report(stuck)))
            return
        # Threads, and loops whose internals we cannot see, need the same picture twice.
        self.suspect = stuck
        self.start_checker()

    def stuck_picture(self) -> _Stuck | None:
        """Every task and thread goroutine and what it waits on, if all are stuck; else None.

        Cheapest first: a loop with anything to do returns at once, so a
        running program pays for no more than that.
        """
        if self.probe.busy():
            return None
        snapshot = dict(parked)
        tasks: dict[asyncio.Task, Any] = {}
        for task in asyncio.all_tasks(self.loop):
            waiter = getattr(task, "_fut_waiter", _UNKNOWN)
            # None: the task is scheduled to run; a done future: it is being woken.
            if waiter is None or (waiter is not _UNKNOWN and waiter.done()):
                return None
            if task not in snapshot:
                # Waiting on asyncio's own primitives: stuck unless a thread can complete it.
                if waiter is _UNKNOWN or chained_to_a_thread(waiter):
                    return None
            tasks[task] = waiter
        if not tasks:
            return None
        blocked = {t.ident: t for t in snapshot if isinstance(t, threading.Thread)}
        goroutine_threads = []
        if self.threads:
            goroutine_threads = thread_goroutines(self)
            if len(goroutine_threads) < self.threads:
                return None  # one is starting or ending
            for thread in goroutine_threads:
                if thread.ident not in blocked:
                    return None  # sleeping, in I/O, computing: it may wake someone
        if external_waker(set(blocked)) is not None:
            return None
        return _Stuck(tasks, snapshot, goroutine_threads, blocked)

    def deadlock_report_of(self, tasks: list[asyncio.Task]) -> str:
        """Go's deadlock text for ``tasks``, found stuck by a caller of its own (synctest)."""
        return self.deadlock_report(_Stuck({task: None for task in tasks}, dict(parked), [], {}))

    def deadlock_report(self, stuck: _Stuck) -> str:
        """Go's deadlock text, one block per goroutine in goroutine order."""
        lines = ["fatal error: all goroutines are asleep - deadlock!"]
        lines += self.goroutine_blocks(stuck.tasks, stuck.reasons, stuck.goroutine_threads)
        return "\n".join(lines) + "\n"

    def goroutine_blocks(
        self,
        tasks: Mapping[asyncio.Task, Any],
        reasons: Mapping[Any, str],
        threads: list[ThreadGoroutine],
        running: tuple[asyncio.Task | None, types.FrameType | None] = (None, None),
    ) -> list[str]:
        """Go's ``goroutine N [reason]:`` blocks for tasks and thread goroutines, by number.

        ``reasons``: a ``parked`` snapshot (each primitive's own reason string,
        printed as it is); ``running``: the task now running on the loop
        thread and the frame it was interrupted in (for dumps).
        """
        blocks: list[tuple[int, str, list[str]]] = []
        running_task, running_frame = running
        for task, waiter in tasks.items():
            if getattr(waiter, "gopy_thread_body", False):
                continue  # it awaits a thread goroutine, which is shown instead
            if task is running_task:
                outermost = getattr(task.get_coro(), "cr_frame", None)
                blocks.append((self.gid(task), "running", stack_lines(running_frame, outermost)))
                continue
            reason = reasons.get(task)
            if reason is None:
                if waiter is None:
                    reason = "runnable"
                else:
                    reason = asyncio_wait_reason(task, waiter)
            blocks.append((self.gid(task), reason, parked_frames_text(task)))
        for thread in threads:
            reason = reasons.get(thread.thread, "running")
            blocks.append((thread.gid, reason, stack_lines(thread.frame)))
        lines = []
        for gid, reason, frames in sorted(blocks, key=lambda block: block[0]):
            lines.append("")
            lines.append(f"goroutine {gid} [{reason}]:")
            lines.extend(frames)
        return lines


    def dump_report(self, frame: types.FrameType | None, title: str) -> str:
        """Every goroutine, tasks and threads, as Go prints them on SIGQUIT.

        Runs on the loop thread (in a signal handler); ``frame`` is where the
        handler interrupted it, so the goroutine running there shows where it was.
        """
        reasons = dict(parked)
        running = asyncio.current_task(self.loop)
        tasks = {task: getattr(task, "_fut_waiter", None) for task in asyncio.all_tasks(self.loop)}
        threads = thread_goroutines(self)
        lines = [title]
        lines += self.goroutine_blocks(tasks, reasons, threads, (running, frame))
        return "\n".join(lines) + "\n"


class _Stuck:
    """A deadlock check's picture: every task and thread goroutine, and what each waits on.

    Two pictures are equal when the same tasks wait on the same futures and
    the same threads are parked for the same reasons without having run in
    between (their CPU time, or where that is unknown their innermost frame
    and its instruction, unchanged).
    """

    def __init__(
        self,
        tasks: dict[asyncio.Task, Any],
        reasons: dict[Any, str],
        goroutine_threads: list[ThreadGoroutine],
        blocked: dict[int, threading.Thread],
    ) -> None:
        self.tasks = tasks
        self.reasons = reasons
        self.goroutine_threads = goroutine_threads
        frames = sys._current_frames() if blocked else {}
        self.threads: dict[int, tuple[str, Any]] = {}
        for ident, thread in blocked.items():
            spent: Any = thread_cpu_time(ident)
            if spent is None:
                frame = frames.get(ident)
                spent = (id(frame), getattr(frame, "f_lasti", None))
            self.threads[ident] = (reasons.get(thread, ""), spent)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Stuck) and self.tasks == other.tasks and self.threads == other.threads
        )

    __hash__ = None  # type: ignore[assignment]


#: running loop -> its supervisor (only loops run by run_supervised)
_supervisors: dict[asyncio.AbstractEventLoop, _Supervisor] = {}
#: tasks that ignored cancellation at shutdown; kept so they are never collected noisily
_abandoned: list[asyncio.Task] = []


# ------------------------------------------------------- run_supervised ---


async def _run_body(body: Callable[[], Awaitable[_T]]) -> _T:
    return await body()


def run_supervised(body: Callable[[], Awaitable[_T]]) -> _T:
    """Run ``await body()`` in a new event loop under the goroutine supervisor.

    Returns the body's result or raises its exception; raises
    ``GoroutinePanic`` or ``Deadlock`` (both with ``.report``) when a
    goroutine fails or the program deadlocks; ``KeyboardInterrupt`` after a
    Ctrl-C. Goroutines still running when the body ends are cancelled.
    """
    if _get_running_loop() is not None:
        raise RuntimeError("gopy.run_supervised() cannot be called from a running event loop")
    loop = asyncio.new_event_loop()  # honours the event loop policy (uvloop)
    asyncio.set_event_loop(loop)
    loop.set_default_executor(DaemonExecutor())
    sup = _Supervisor(loop)
    _supervisors[loop] = sup
    interrupts: Interrupts | None = None
    watchdog: Watchdog | None = None
    try:
        main = loop.create_task(_run_body(body))
        sup.main = main
        sup.goroutines[main] = 1
        interrupts = Interrupts(sup, main)
        interrupts.install()
        watchdog = watchdog_for(sup)
        sup.start_checker()
        try:
            result = loop.run_until_complete(main)
        except BaseException as exc:
            if sup.interrupted is not None:
                raise KeyboardInterrupt() from None
            if sup.failure is not None:  # fail() stopped the loop, or main unwound after it
                raise sup.failure from _cause(sup.failure)
            if (
                isinstance(exc, asyncio.CancelledError)
                and interrupts.count
                and main.uncancel() == 0
            ):
                raise KeyboardInterrupt() from None
            raise
        if sup.interrupted is not None:
            raise KeyboardInterrupt()
        if sup.failure is not None:  # a goroutine failed as main returned
            raise sup.failure from _cause(sup.failure)
        return result
    finally:
        if watchdog is not None:
            watchdog.stop()
        sup.closing = True
        sup.stop_checker()
        try:
            _shutdown(loop)
        finally:
            for task in list(sup.goroutines):
                if task.done() and not task.cancelled():
                    task.exception()  # retrieved: no "exception was never retrieved" log
            if interrupts is not None:
                interrupts.restore()
            _supervisors.pop(loop, None)
            asyncio.set_event_loop(None)
            loop.close()


def _cause(failure: GoroutinePanic | Deadlock) -> BaseException | None:
    """What a failure is raised ``from``: the goroutine's exception, if any."""
    return failure.exception if isinstance(failure, GoroutinePanic) else None


def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every remaining task, give them a bounded grace, close async generators."""
    deadline = loop.time() + _SHUTDOWN_GRACE
    cancelled: set[asyncio.Task] = set()
    while True:
        # Cancelled tasks may start new ones while they unwind: repeat.
        pending = asyncio.all_tasks(loop) - cancelled
        remaining = deadline - loop.time()
        if not pending or remaining <= 0:
            break
        for task in pending:
            task.cancel()
        cancelled |= pending
        try:
            _run_until_complete(loop, asyncio.wait(pending, timeout=remaining))
        except BaseException:  # Ctrl-C during shutdown: stop waiting
            break
    for task in cancelled | asyncio.all_tasks(loop):
        if not task.done():
            # It ignored cancellation: abandon it quietly (Go would not wait either).
            task._log_destroy_pending = False  # type: ignore[attr-defined]
            _abandoned.append(task)
        elif not task.cancelled():
            task.exception()  # retrieved: no "exception was never retrieved" log
    try:
        _run_until_complete(
            loop, asyncio.wait_for(loop.shutdown_asyncgens(), max(deadline - loop.time(), 0.1))
        )
    except BaseException:
        pass


def _run_until_complete(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[Any]) -> None:
    """``loop.run_until_complete``, resumed when a stop left over from the program cuts it short.

    When an exception (a thread goroutine's SystemExit) leaves the loop in the
    iteration where main finished, main's completion callback is still queued:
    it stops the loop during the next run, before ``awaitable`` is done.
    """
    fut = asyncio.ensure_future(awaitable, loop=loop)
    for _ in range(3):  # each leftover stop costs one retry
        try:
            loop.run_until_complete(fut)
            return
        except RuntimeError:
            if fut.done():
                raise  # the awaitable's own error
    loop.run_until_complete(fut)


# ------------------------------------------------------------ run_program ---


def run_program(
    body: Callable[[], Awaitable[Any]],
    namespace: Mapping[str, Any],
    *,
    call_plain: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
) -> None:
    """Run a program: ``await body()``, then ``namespace["main"]`` if callable.

    A plain (not ``async``) ``main`` runs through ``call_plain`` when given
    (``gopy.run_program`` passes the thread-goroutine runner, so a ``main``
    that blocks on channels runs where it may block). A goroutine panic or a
    deadlock prints Go's report to stderr and exits with status 2; Ctrl-C
    exits with 130 and no traceback; the main program's own exception
    propagates (Python prints it and exits with 1).
    """

    async def program() -> None:
        await body()
        main = namespace.get("main")
        if callable(main):
            if call_plain is not None and not inspect.iscoroutinefunction(main):
                result = await call_plain(main)
            else:
                result = main()
            if inspect.isawaitable(result):
                await result

    try:
        run_supervised(program)
    except (GoroutinePanic, Deadlock) as failure:
        sys.stdout.flush()
        sys.stderr.write(failure.report)
        sys.stderr.flush()
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        raise exc.with_traceback(user_traceback(exc.__traceback__))
