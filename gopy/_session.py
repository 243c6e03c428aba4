"""An interactive session: one supervised event loop that keeps running between inputs.

The loop runs in a thread of its own (``gopy-session``), so goroutines
started by one input go on running while the person types the next; the
main thread reads input and waits for each one (Ctrl-C lands there, as in
Python's REPL). Supervision is ``run_supervised``'s with two changes for a
session: a deadlock is looked for only while an input runs (between inputs
a parked goroutine may still be fed by the next one), and a deadlock or a
goroutine's panic prints Go's report and ends the running input instead of
the program.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from gopy.runtime._goroutine_census import passive_threads
from gopy.runtime._reports import panic_report
from gopy.runtime._supervisor import (
    Deadlock,
    GoroutinePanic,
    _shutdown,
    _Supervisor,
    _supervisors,
)
from gopy.runtime._worker_threads import DaemonExecutor

__all__ = ["InputFailed", "Session"]

#: seconds between two looks at a waited-for input (a wait Ctrl-C can interrupt everywhere)
_POLL = 0.1


class InputFailed(Exception):
    """The input was stopped by a deadlock or a goroutine's panic; ``report`` is Go's text."""

    def __init__(self, failure: GoroutinePanic | Deadlock) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.report = failure.report

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return self.report.rstrip("\n").split("\n")


class _Cancelled(Exception):
    """The input's task ended by cancellation (Ctrl-C)."""


class _SessionSupervisor(_Supervisor):
    """``run_supervised``'s supervisor, reporting failures instead of stopping the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, session: Session) -> None:
        super().__init__(loop)
        self.session = session
        self.input_task: asyncio.Task | None = None
        self.input_failure: GoroutinePanic | Deadlock | None = None

    def task_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and isinstance(task.exception(), SystemExit):
            self.goroutines.pop(task, None)  # the session's loop thread handles the exit
            return
        super().task_done(task)

    def panic(self, exc: BaseException, gid: int) -> None:
        self.fail(GoroutinePanic(panic_report(exc, gid), exc, gid))

    def fail(self, failure: GoroutinePanic | Deadlock) -> None:
        task = self.input_task
        if task is not None and not task.done():
            # The input is this session's program: it ends, and its waiter prints the report.
            if self.input_failure is None:
                self.input_failure = failure
                task.cancel()
                return
        self.session.report(failure.report)


class Session:
    """A supervised event loop in its own thread; ``run`` executes one input on it.

    ``report`` prints a report that no input waits for (a goroutine that
    panics between inputs); ``on_exit`` is called with the status when a
    goroutine calls ``sys.exit()`` while no input runs.
    """

    def __init__(
        self,
        report: Callable[[str], None] | None = None,
        on_exit: Callable[[Any], None] | None = None,
    ) -> None:
        self.report = report or _print_report
        self.on_exit = on_exit or (lambda code: None)
        self.exit_code: Any = None
        self.exit_requested = False
        self.loop = asyncio.new_event_loop()
        self.loop.set_default_executor(DaemonExecutor())
        self.sup = _SessionSupervisor(self.loop, self)
        _supervisors[self.loop] = self.sup
        self.closed = False
        self.thread = threading.Thread(target=self._run_loop, name="gopy-session", daemon=True)
        self.thread.start()

    # the loop thread

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        while not self.closed:
            try:
                self.loop.run_forever()
            except SystemExit as exc:  # sys.exit() in the input or in a goroutine
                task = self.sup.input_task
                if (
                    task is None
                    or not task.done()
                    or task.cancelled()
                    or task.exception() is not exc
                ):
                    self._goroutine_exit(exc.code)
            except KeyboardInterrupt:  # raised by a goroutine: its panic report is printed
                pass
            except BaseException as exc:  # never lose the session's loop to a stray error
                self.report(f"gopy: error in the session's event loop: {exc!r}\n")
            else:
                break
        # Closing: cancel what is left, here, where this loop is the current one.
        self.sup.stop_checker()
        try:
            _shutdown(self.loop)
        finally:
            _supervisors.pop(self.loop, None)
            asyncio.set_event_loop(None)
            self.loop.close()

    def _goroutine_exit(self, code: Any) -> None:
        """A goroutine called ``sys.exit(code)``: the running input ends and the session with it."""
        self.exit_code, self.exit_requested = code, True
        task = self.sup.input_task
        if task is not None and not task.done():
            task.cancel()
        else:
            self.on_exit(code)

    def _start(
        self,
        make: Callable[[], Any],
        waiter: concurrent.futures.Future,
        context: contextvars.Context,
    ) -> None:
        """Loop thread: evaluate the input; an awaitable result runs as goroutine 1.

        It runs in the caller's context (a notebook kernel finds the cell's
        output there), and the goroutines it starts inherit it.
        """
        try:
            result = context.run(make)
            if not inspect.isawaitable(result):
                waiter.set_result(result)
                return
            if asyncio.iscoroutine(result):
                task = self.loop.create_task(result, context=context)
            else:
                task = asyncio.ensure_future(result, loop=self.loop)
        except BaseException as exc:
            waiter.set_exception(exc)
            return
        sup = self.sup
        sup.goroutines[task] = 1
        sup.input_task, sup.input_failure = task, None
        sup.stop_checker()  # one checker, even after an abandoned input (a third Ctrl-C)
        sup.start_checker()
        task.add_done_callback(lambda t: self._finished(t, waiter))

    def _finished(self, task: asyncio.Task, waiter: concurrent.futures.Future) -> None:
        sup = self.sup
        sup.goroutines.pop(task, None)
        failure = None
        if sup.input_task is task:  # not an input abandoned by a third Ctrl-C
            sup.stop_checker()
            failure, sup.input_task, sup.input_failure = sup.input_failure, None, None
        if failure is not None:
            # It was cancelled for the failure, or finished anyway while unwinding.
            waiter.set_exception(InputFailed(failure))
        elif self.exit_requested:
            waiter.set_exception(SystemExit(self.exit_code))
        elif task.cancelled():
            waiter.set_exception(_Cancelled())
        elif task.exception() is not None:
            waiter.set_exception(task.exception())  # type: ignore[arg-type]
        else:
            waiter.set_result(task.result())

    def _cancel_input(self) -> None:
        task = self.sup.input_task
        if task is not None:
            task.cancel()

    # the main thread

    def run(self, make: Callable[[], Any]) -> Any:
        """Call ``make()`` on the loop thread and wait for it (and for what it returns, if awaitable).

        Returns the result or raises the input's exception; ``InputFailed`` for
        a deadlock or a panic; ``KeyboardInterrupt`` once a Ctrl-C has
        cancelled the input; ``SystemExit`` if the input or a goroutine exits.
        """
        # While it waits here this thread wakes no goroutine: deadlock detection
        # must not count it as a thread that might.
        me = threading.get_ident()
        passive_threads.add(me)
        try:
            return self._run(make)
        finally:
            passive_threads.discard(me)

    def _run(self, make: Callable[[], Any]) -> Any:
        waiter: concurrent.futures.Future = concurrent.futures.Future()
        context = contextvars.copy_context()
        self.loop.call_soon_threadsafe(self._start, make, waiter, context)
        try:
            return self._wait(waiter)
        except KeyboardInterrupt:
            pass
        self.loop.call_soon_threadsafe(self._cancel_input)
        for interrupts in range(2):
            try:
                self._wait(waiter)
            except KeyboardInterrupt:
                if interrupts:
                    break  # a third Ctrl-C: give up waiting (the input may still run)
                # The input does not yield (a loop in plain code holds the thread):
                # interrupt the loop thread itself, as Ctrl-C interrupts Python's REPL.
                _raise_in_thread(self.thread, KeyboardInterrupt)
                continue
            except (Exception, SystemExit) as exc:
                if isinstance(exc, SystemExit) or self.exit_requested:
                    raise
            break
        raise KeyboardInterrupt

    def _wait(self, waiter: concurrent.futures.Future) -> Any:
        while True:
            try:
                result = waiter.result(timeout=_POLL)
            except TimeoutError:
                continue
            except _Cancelled:
                raise KeyboardInterrupt from None
            self.settle()
            return result

    def settle(self) -> None:
        """Let the goroutines an input just started take their first steps (and report)."""
        done = threading.Event()
        try:
            self.loop.call_soon_threadsafe(self.loop.call_soon, done.set)
        except RuntimeError:  # closed
            return
        done.wait(1.0)

    def close(self) -> None:
        """Stop the loop, cancel the goroutines still running (a bounded grace), close it."""
        if self.closed:
            return
        self.closed = True
        self.sup.closing = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        # An input that never yields holds the loop: the process exit ends it (a daemon thread).
        self.thread.join(5.0)


def _print_report(text: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(text)
    sys.stderr.flush()


def _raise_in_thread(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` in ``thread`` at its next bytecode (not inside a blocking C call)."""
    import ctypes

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type)
        )


def interrupt_main_thread() -> None:
    """Raise KeyboardInterrupt in the main thread, even while it waits in ``input()``."""
    main = threading.main_thread()
    if hasattr(signal, "pthread_kill") and main.ident is not None:
        signal.pthread_kill(main.ident, signal.SIGINT)
    else:  # pragma: no cover - Windows
        import _thread

        _thread.interrupt_main()
