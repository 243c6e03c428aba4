"""Goroutines (``gopy.go``) and the program supervisor: panics, deadlock, shutdown.

A goroutine is an asyncio task (coroutine functions) or a job on a daemon
worker thread (plain callables). Under ``run_supervised`` every goroutine is
numbered (1 is the main program), an exception escaping one is a panic that
stops the program, and a low-frequency checker reports Go's "all goroutines
are asleep" when every task is parked in ``gopy._park.parked`` and nothing
(timer, I/O, worker thread, ready callback) can wake any of them.

What the checker can see: on asyncio's own loops, everything the loop holds
(ready callbacks, timers, watched file descriptors, signal handlers) plus the
default executor's work and the thread goroutines; the answer is exact, so a
deadlock is reported at the first check that sees it. Under uvloop the loop's
internals are opaque: timers, readers/writers and signal handlers added
through the loop's Python methods are tracked, and the same stuck picture must
be seen at two checks in a row. On every loop, a thread that was not started
with ``gopy.go`` (or the default executor) and later wakes a goroutine through
``call_soon_threadsafe`` is invisible: start such threads with ``gopy.go``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import itertools
import os
import queue
import signal
import sys
import threading
import traceback
import types
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from gopy._park import parked

__all__ = ["go", "run_program", "run_supervised", "Deadlock", "GoroutinePanic"]

_T = TypeVar("_T")

#: seconds between two deadlock checks (detection takes one or two periods)
_CHECK_PERIOD = 0.25
#: seconds that cancelled goroutines get to unwind once the program is over
_SHUTDOWN_GRACE = 1.0
#: seconds an idle worker thread waits for another job before exiting
_WORKER_IDLE = 10.0

_CO_COROUTINE = inspect.CO_COROUTINE
_get_running_loop = asyncio._get_running_loop
_Task = asyncio.Task
_FunctionType = types.FunctionType
#: the done callbacks read no context variables: one shared context, not a copy per goroutine
_CALLBACK_CONTEXT = contextvars.Context()
_NO_LOOP_MESSAGE = (
    "gopy.go needs a running event loop (call it inside `gopy run`, "
    "gopy.run_program(), asyncio.run() or another running loop)"
)


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


# ---------------------------------------------------------------- frames ---

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_RUNTIME_MODULES = frozenset(
    ("_goroutine.py", "_chan.py", "_select.py", "_time.py", "_sync.py", "_defer.py", "_park.py")
)
_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__))


@functools.lru_cache(maxsize=256)
def _is_runtime_file(filename: str) -> bool:
    """True for the files of gopy's runtime (hidden from reports by default)."""
    path = os.path.abspath(filename)
    return os.path.dirname(path) == _RUNTIME_DIR and os.path.basename(path) in _RUNTIME_MODULES


def _show_all_frames() -> bool:
    return os.environ.get("GOPY_TRACEBACK", "") == "all"


def _coroutine_frames(coro: Any) -> list[types.FrameType]:
    """The frames of a suspended coroutine's await chain, outermost first."""
    frames = []
    seen = 0
    while coro is not None and seen < 1000:
        seen += 1
        frame = (
            getattr(coro, "cr_frame", None)
            or getattr(coro, "gi_frame", None)
            or getattr(coro, "ag_frame", None)
        )
        if frame is None:
            break
        frames.append(frame)
        coro = (
            getattr(coro, "cr_await", None)
            or getattr(coro, "gi_yieldfrom", None)
            or getattr(coro, "ag_await", None)
        )
    return frames


def _parked_frames_text(task: asyncio.Task) -> list[str]:
    """Go-style lines for where ``task`` is parked, innermost call first."""
    frames = _coroutine_frames(task.get_coro())
    show_all = _show_all_frames()
    lines = []
    for frame in reversed(frames):
        code = frame.f_code
        if not show_all and _is_runtime_file(code.co_filename):
            continue
        module = frame.f_globals.get("__name__", "?")
        lines.append(f"{module}.{code.co_qualname}(...)")
        lines.append(f"\t{code.co_filename}:{frame.f_lineno}")
    if not lines:
        lines.append(f"{task.get_coro()!r}")
    return lines


def _trim_traceback(te: traceback.TracebackException, seen: set[int]) -> None:
    """Drop gopy runtime frames from ``te`` and the exceptions chained to it."""
    if id(te) in seen:
        return
    seen.add(id(te))
    kept = [f for f in te.stack if not _is_runtime_file(f.filename)]
    if kept or not te.stack:
        te.stack = traceback.StackSummary.from_list(kept)
    for chained in (te.__cause__, te.__context__, *(getattr(te, "exceptions", None) or ())):
        if chained is not None:
            _trim_traceback(chained, seen)


def _exception_title(exc: BaseException) -> str:
    """``ExcType: message`` with gopy's own exceptions named as ``gopy.X``."""
    cls = type(exc)
    module, name = cls.__module__, cls.__qualname__
    if module.startswith("gopy._"):
        name = f"gopy.{name}"
    elif module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the panic
        message = "<exception str() failed>"
    return f"{name}: {message}" if message else name


def _panic_report(exc: BaseException, goroutine: int) -> str:
    """Go's panic text: title, then the goroutine's Python traceback."""
    te = traceback.TracebackException.from_exception(exc)
    if not _show_all_frames():
        _trim_traceback(te, set())
    trace = "".join(te.format())
    return f"panic: {_exception_title(exc)}\n\ngoroutine {goroutine} [running]:\n{trace}"


# --------------------------------------------------------- worker threads ---


class _Workers:
    """A pool of daemon threads that grows on demand, so a goroutine never waits for one.

    Daemon threads because Go does not wait for goroutines when main returns.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = 0
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on an idle worker, or on a new one."""
        with self._lock:
            # Invariant: _idle counts workers blocked in get(); a submitter
            # claims one by decrementing it and must put its job under the lock.
            if self._idle:
                self._idle -= 1
                self._jobs.put(job)
                return
        threading.Thread(target=self._work, args=(job,), name="gopy-worker", daemon=True).start()

    def _work(self, job: Callable[[], None]) -> None:
        while True:
            job()
            with self._lock:
                self._idle += 1
            try:
                job = self._jobs.get(timeout=_WORKER_IDLE)
            except queue.Empty:
                with self._lock:
                    try:
                        # A submitter claimed us just as we timed out.
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        self._idle -= 1
                        return


_workers = _Workers()
_thread_state = threading.local()


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
        self.main: asyncio.Task | None = None
        self.closing = False
        self.checker: asyncio.TimerHandle | None = None
        self.probe = _probe_for(loop)
        self.suspect: dict[asyncio.Task, Any] | None = None
        self.on_task_done = self.task_done  # bound once, not per goroutine
        #: asyncio's own loop, not in debug mode: go() may build the Task itself
        self.plain_tasks = (
            isinstance(loop, asyncio.BaseEventLoop)
            and type(loop).create_task is asyncio.BaseEventLoop.create_task
            and not loop.get_debug()
        )

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
            self.fail(GoroutinePanic(_panic_report(exc, gid), exc, gid))

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
        stuck = self.stuck_tasks()
        if stuck is not None and (self.probe.exact or stuck == self.suspect):
            self.suspect = None
            self.fail(Deadlock(self.deadlock_report(list(stuck))))
            return
        # Loops whose internals we cannot see need the same picture twice.
        self.suspect = stuck
        self.start_checker()

    def stuck_tasks(self) -> dict[asyncio.Task, Any] | None:
        """Every task of the loop -> the future it waits on, if all are stuck; else None."""
        if self.threads:
            return None
        goroutines = self.goroutines
        if len(parked) < len(goroutines):
            return None
        for task in goroutines:
            if task not in parked:
                return None
        stuck = {}
        for task in asyncio.all_tasks(self.loop):
            if task not in parked:
                return None
            waiter = getattr(task, "_fut_waiter", _UNKNOWN)
            # None: the task is scheduled to run; a done future: it is being woken.
            if waiter is None or (waiter is not _UNKNOWN and waiter.done()):
                return None
            stuck[task] = waiter
        if not stuck or self.probe.busy():
            return None
        return stuck

    def deadlock_report(self, tasks: list[asyncio.Task]) -> str:
        """Go's deadlock text, one block per goroutine in goroutine order."""
        lines = ["fatal error: all goroutines are asleep - deadlock!"]
        for gid, task in sorted(((self.gid(t), t) for t in tasks), key=lambda p: p[0]):
            lines.append("")
            lines.append(f"goroutine {gid} [{parked.get(task, 'unknown')}]:")
            lines.extend(_parked_frames_text(task))
        return "\n".join(lines) + "\n"


_UNKNOWN = object()


class _SelectorProbe:
    """Exact wake-up sources of asyncio's own (selector) event loop."""

    exact = True

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        ssock = getattr(loop, "_ssock", None)
        self.self_pipe = ssock.fileno() if ssock is not None else -1

    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        """A timer of the checker's own (excluded by being run when we look)."""
        return self.loop.call_later(delay, callback)

    def busy(self) -> bool:
        """True if a ready callback, timer, I/O watch or signal handler could still run."""
        loop = self.loop
        if loop._ready:
            return True
        # The checker's own handle is not in _scheduled: it is running now.
        for handle in loop._scheduled:
            if not handle.cancelled():
                return True
        selector = getattr(loop, "_selector", None)
        if selector is not None:
            for key in selector.get_map().values():
                if key.fd != self.self_pipe:
                    return True
        proactor = getattr(loop, "_proactor", None)  # Windows: overlapped I/O in flight
        if proactor is not None and getattr(proactor, "_cache", None):
            return True
        return bool(getattr(loop, "_signal_handlers", None)) or _executor_busy(loop)


class _TrackingProbe:
    """Best effort for loops with opaque internals (uvloop): watch what Python code schedules.

    The loop's ``call_later``/``call_at``/``add_reader``/``add_writer`` are
    shadowed by instance attributes that remember timers and watched file
    descriptors (likewise signal handlers and ``run_in_executor`` jobs). Callbacks the loop schedules internally (transports,
    ``call_soon``) are invisible, so a deadlock is only reported when the same
    tasks wait on the same futures at two checks in a row.
    """

    exact = False

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.timers: list[Any] = []
        self.fds: set[int] = set()
        self.signals: set[int] = set()
        self.jobs: list[Any] = []  # run_in_executor futures
        self.jobs_prune_at = 64
        self.prune_at = 64
        self._call_later = loop.call_later
        try:
            self._wrap(loop)
        except (AttributeError, TypeError):  # no instance __dict__: timers stay invisible
            pass

    def _wrap(self, loop: Any) -> None:
        orig_later, orig_at = loop.call_later, loop.call_at
        orig_add_reader, orig_add_writer = loop.add_reader, loop.add_writer
        orig_remove_reader, orig_remove_writer = loop.remove_reader, loop.remove_writer

        def call_later(delay: float, callback: Any, *args: Any, context: Any = None) -> Any:
            return self._track(orig_later(delay, callback, *args, context=context))

        def call_at(when: float, callback: Any, *args: Any, context: Any = None) -> Any:
            return self._track(orig_at(when, callback, *args, context=context))

        def add_reader(fd: Any, callback: Any, *args: Any) -> None:
            orig_add_reader(fd, callback, *args)
            self.fds.add(_fileno(fd))

        def add_writer(fd: Any, callback: Any, *args: Any) -> None:
            orig_add_writer(fd, callback, *args)
            self.fds.add(-1 - _fileno(fd))

        def remove_reader(fd: Any) -> bool:
            self.fds.discard(_fileno(fd))
            return orig_remove_reader(fd)

        def remove_writer(fd: Any) -> bool:
            self.fds.discard(-1 - _fileno(fd))
            return orig_remove_writer(fd)

        orig_run_in_executor = loop.run_in_executor

        def run_in_executor(executor: Any, func: Any, *args: Any) -> Any:
            fut = orig_run_in_executor(executor, func, *args)
            self.jobs.append(fut)
            if len(self.jobs) >= self.jobs_prune_at:
                self.jobs = [job for job in self.jobs if not job.done()]
                self.jobs_prune_at = 2 * len(self.jobs) + 64
            return fut

        loop.run_in_executor = run_in_executor
        orig_add_signal, orig_remove_signal = loop.add_signal_handler, loop.remove_signal_handler

        def add_signal_handler(sig: int, callback: Any, *args: Any) -> None:
            orig_add_signal(sig, callback, *args)
            self.signals.add(sig)

        def remove_signal_handler(sig: int) -> bool:
            self.signals.discard(sig)
            return orig_remove_signal(sig)

        loop.add_signal_handler, loop.remove_signal_handler = add_signal_handler, remove_signal_handler
        loop.call_later, loop.call_at = call_later, call_at
        loop.add_reader, loop.add_writer = add_reader, add_writer
        loop.remove_reader, loop.remove_writer = remove_reader, remove_writer

    def _track(self, handle: Any) -> Any:
        self.timers.append(handle)
        if len(self.timers) >= self.prune_at:
            self._prune()
            self.prune_at = 2 * len(self.timers) + 64
        return handle

    def _prune(self) -> None:
        now = self.loop.time()
        self.timers = [h for h in self.timers if not h.cancelled() and h.when() > now]

    def call_later(self, delay: float, callback: Callable[[], None]) -> Any:
        """A timer of the checker's own, not tracked."""
        return self._call_later(delay, callback)

    def busy(self) -> bool:
        """True if a tracked timer, watched file descriptor or signal handler could fire."""
        self._prune()
        if any(not job.done() for job in self.jobs):
            return True
        return bool(self.timers or self.fds or self.signals) or _executor_busy(self.loop)


def _fileno(fd: Any) -> int:
    return fd if isinstance(fd, int) else fd.fileno()


def _executor_busy(loop: Any) -> bool:
    """True if the loop's default executor has queued or running work (fire-and-forget
    ``run_in_executor`` jobs could still wake a goroutine)."""
    executor = getattr(loop, "_default_executor", None)
    if executor is None:
        return False
    try:
        # ThreadPoolExecutor: its idle semaphore counts idle worker threads.
        idle = executor._idle_semaphore._value
        return bool(executor._work_queue.qsize()) or len(executor._threads) > idle
    except AttributeError:  # another executor type: assume it may be working
        return True


def _probe_for(loop: asyncio.AbstractEventLoop) -> _SelectorProbe | _TrackingProbe:
    if isinstance(loop, asyncio.BaseEventLoop) and hasattr(loop, "_scheduled"):
        return _SelectorProbe(loop)
    return _TrackingProbe(loop)


#: running loop -> its supervisor (only loops run by run_supervised)
_supervisors: dict[asyncio.AbstractEventLoop, _Supervisor] = {}
#: goroutines started on loops without a supervisor (plain asyncio users)
_background: set[asyncio.Task] = set()
#: tasks that ignored cancellation at shutdown; kept so they are never collected noisily
_abandoned: list[asyncio.Task] = []


# -------------------------------------------------------------------- go ---


def _is_coroutine_function(fn: Any) -> bool:
    if type(fn) is types.FunctionType:
        return bool(fn.__code__.co_flags & _CO_COROUTINE)
    if type(fn) is types.MethodType:
        return _is_coroutine_function(fn.__func__)
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)
    return call is not None and inspect.iscoroutinefunction(call)


def go(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Start ``fn(*args, **kwargs)`` as a goroutine (Go's ``go f(args)``)."""
    loop = _get_running_loop()
    if loop is None:
        return _go_from_thread(fn, args, kwargs)
    sup = _supervisors.get(loop)
    # _is_coroutine_function() inlined for plain functions: this is the hot path.
    if fn.__code__.co_flags & _CO_COROUTINE if type(fn) is _FunctionType else _is_coroutine_function(fn):
        coro = fn(*args, **kwargs) if kwargs else fn(*args)
        if sup is not None:  # sup.spawn() inlined too
            if sup.plain_tasks and loop._task_factory is None:  # type: ignore[attr-defined]
                task = _Task(coro, loop=loop)  # what BaseEventLoop.create_task does, minus layers
            else:
                task = loop.create_task(coro)
            sup.goroutines[task] = next(sup.ids)
            task.add_done_callback(sup.on_task_done, context=_CALLBACK_CONTEXT)
        else:
            _spawn_unsupervised(loop, coro)
        return None
    _check_callable(fn)
    _start_thread(loop, sup, fn, args, kwargs)
    return None


def _check_callable(fn: Any) -> None:
    if asyncio.iscoroutine(fn):
        name = getattr(fn, "__name__", "f")
        if hasattr(fn, "close"):
            fn.close()  # never awaited by design; no "never awaited" warning on top
        raise TypeError(
            f"gopy.go() takes a function and its arguments, not a coroutine object: "
            f"write gopy.go({name}, ...) instead of gopy.go({name}(...))"
        )
    if not callable(fn):
        raise TypeError(f"gopy.go() needs a callable, not {type(fn).__name__}")


def _go_from_thread(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``go`` called in a thread goroutine: start the new one on the owning loop."""
    loop = getattr(_thread_state, "loop", None)
    if loop is None:
        raise RuntimeError(_NO_LOOP_MESSAGE)
    sup: _Supervisor | None = _thread_state.sup
    if _is_coroutine_function(fn):
        coro = fn(*args, **kwargs)
        if sup is not None:
            gid = next(sup.ids)
            # The calling thread is still counted in sup.threads, and this
            # callback runs before that thread's own end is processed.
            loop.call_soon_threadsafe(sup.spawn, coro, gid)
        else:
            loop.call_soon_threadsafe(_spawn_unsupervised, loop, coro)
        return None
    _check_callable(fn)
    _start_thread(loop, sup, fn, args, kwargs)
    return None


def _spawn_unsupervised(loop: asyncio.AbstractEventLoop, coro: Any) -> None:
    task = loop.create_task(coro)
    _background.add(task)
    task.add_done_callback(_unsupervised_done, context=_CALLBACK_CONTEXT)


def _unsupervised_done(task: asyncio.Task) -> None:
    _background.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler(
            {"message": "exception in goroutine started by gopy.go()", "exception": exc, "task": task}
        )


def _start_thread(
    loop: asyncio.AbstractEventLoop,
    sup: _Supervisor | None,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    gid = 0
    if sup is not None:
        gid = next(sup.ids)
        with sup.threads_lock:
            sup.threads += 1
    context = contextvars.copy_context()
    _workers.submit(functools.partial(_thread_goroutine, loop, sup, gid, context, fn, args, kwargs))


def _thread_goroutine(
    loop: asyncio.AbstractEventLoop,
    sup: _Supervisor | None,
    gid: int,
    context: contextvars.Context,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Body of a thread goroutine: run ``fn``, then report back to the loop thread."""
    _thread_state.loop, _thread_state.sup = loop, sup
    exc: BaseException | None = None
    coro = None
    try:
        result = context.run(fn, *args, **kwargs)
        if asyncio.iscoroutine(result):  # e.g. a lambda returning a coroutine
            coro = result
    except BaseException as e:  # a panic whatever it is; the loop thread decides
        exc = e
    finally:
        _thread_state.loop = _thread_state.sup = None
    try:
        if sup is not None:
            loop.call_soon_threadsafe(sup.thread_finished, gid, exc, coro)
        elif coro is not None:
            loop.call_soon_threadsafe(_spawn_unsupervised, loop, coro)
        elif exc is not None:
            loop.call_soon_threadsafe(
                loop.call_exception_handler,
                {"message": "exception in goroutine started by gopy.go()", "exception": exc},
            )
    except RuntimeError:  # the loop is closed: the program is over
        if coro is not None:
            coro.close()


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
    sup = _Supervisor(loop)
    _supervisors[loop] = sup
    interrupts = 0
    sigint_installed = False
    try:
        main = loop.create_task(_run_body(body))
        sup.main = main
        sup.goroutines[main] = 1

        def on_sigint(signum: int, frame: types.FrameType | None) -> None:
            # asyncio.Runner's rule: the first Ctrl-C cancels main, the next raises.
            nonlocal interrupts
            interrupts += 1
            if interrupts == 1 and not main.done():
                main.cancel()
                loop.call_soon_threadsafe(lambda: None)  # wake a loop blocked in select()
                return
            if not sup.closing:
                raise KeyboardInterrupt()

        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            try:
                signal.signal(signal.SIGINT, on_sigint)
                sigint_installed = True
            except ValueError:  # a main thread without signal support (embedded Python)
                pass
        sup.start_checker()
        try:
            result = loop.run_until_complete(main)
        except BaseException as exc:
            if sup.failure is not None:  # fail() stopped the loop, or main unwound after it
                raise sup.failure from _cause(sup.failure)
            if isinstance(exc, asyncio.CancelledError) and interrupts and main.uncancel() == 0:
                raise KeyboardInterrupt() from None
            raise
        if sup.failure is not None:  # a goroutine failed as main returned
            raise sup.failure from _cause(sup.failure)
        return result
    finally:
        sup.closing = True
        sup.stop_checker()
        try:
            _shutdown(loop)
        finally:
            if sigint_installed and signal.getsignal(signal.SIGINT) is on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)
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
            loop.run_until_complete(asyncio.wait(pending, timeout=remaining))
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
        loop.run_until_complete(
            asyncio.wait_for(loop.shutdown_asyncgens(), max(deadline - loop.time(), 0.1))
        )
    except BaseException:
        pass


# ------------------------------------------------------------ run_program ---


def run_program(body: Callable[[], Awaitable[Any]], namespace: Mapping[str, Any]) -> None:
    """Run a program: ``await body()``, then ``namespace["main"]`` if callable.

    A goroutine panic or a deadlock prints Go's report to stderr and exits
    with status 2; Ctrl-C exits with 130 and no traceback; the main program's
    own exception propagates (Python prints it and exits with 1).
    """

    async def program() -> None:
        await body()
        main = namespace.get("main")
        if callable(main):
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
        raise exc.with_traceback(_user_traceback(exc.__traceback__))


def _user_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` without its leading gopy-runtime and asyncio frames."""
    if _show_all_frames():
        return tb
    start = tb
    while start is not None:
        filename = start.tb_frame.f_code.co_filename
        if not (_is_runtime_file(filename) or os.path.dirname(os.path.abspath(filename)) == _ASYNCIO_DIR):
            return start
        start = start.tb_next
    return tb

