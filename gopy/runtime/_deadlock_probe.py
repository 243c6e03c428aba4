"""Deadlock detection's view of the event loop: can anything still wake a goroutine?

On asyncio's own loops the answer is exact: the probe reads everything the
loop holds (ready callbacks, timers, watched file descriptors, signal
handlers) plus the default executor's work. Under uvloop the loop's internals
are opaque: the probe watches what Python code asks of the loop (timers,
readers and writers, signal handlers, executor jobs) and the supervisor needs
the same stuck picture at two checks in a row. On both, servers, connections
and child processes opened through the loop's methods count while they are
open (a child's exit reaches even asyncio's loop from a watcher thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["probe_for", "SelectorProbe", "TrackingProbe"]


class SelectorProbe:
    """Exact wake-up sources of asyncio's own (selector) event loop."""

    exact = True

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        ssock = getattr(loop, "_ssock", None)
        self.self_pipe = ssock.fileno() if ssock is not None else -1
        # A child process's exit reaches the loop from a watcher thread.
        self.opened = _Opened(loop)

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
        if getattr(loop, "_signal_handlers", None) or _executor_busy(loop):
            return True
        return self.opened.busy()


class TrackingProbe:
    """Best effort for loops with opaque internals (uvloop): watch what Python code schedules.

    The loop's ``call_later``/``call_at``/``add_reader``/``add_writer`` are
    shadowed by instance attributes that remember timers and watched file
    descriptors (likewise signal handlers, ``run_in_executor`` jobs, and the
    servers, connections and subprocesses the loop opens). Callbacks the loop
    schedules internally (``call_soon``, transports' own) are invisible, so a
    deadlock is only reported when the same tasks wait on the same futures at
    two checks in a row.
    """

    exact = False

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        #: (when, handle): the fire time as computed here, since uvloop returns a plain
        #: Handle (no when()) for a zero delay
        self.timers: list[tuple[float, Any]] = []
        self.fds: set[int] = set()
        self.signals: set[int] = set()
        self.jobs: list[Any] = []  # run_in_executor futures
        self.jobs_prune_at = 64
        self.prune_at = 64
        self._call_later = loop.call_later
        self.opened = _Opened(loop)
        try:
            self._wrap(loop)
        except (AttributeError, TypeError):  # no instance __dict__: timers stay invisible
            pass

    def _wrap(self, loop: Any) -> None:
        orig_later, orig_at = loop.call_later, loop.call_at
        orig_add_reader, orig_add_writer = loop.add_reader, loop.add_writer
        orig_remove_reader, orig_remove_writer = loop.remove_reader, loop.remove_writer

        def call_later(delay: float, callback: Any, *args: Any, context: Any = None) -> Any:
            handle = orig_later(delay, callback, *args, context=context)
            return self._track(loop.time() + delay, handle)

        def call_at(when: float, callback: Any, *args: Any, context: Any = None) -> Any:
            return self._track(when, orig_at(when, callback, *args, context=context))

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

        loop.add_signal_handler, loop.remove_signal_handler = (
            add_signal_handler,
            remove_signal_handler,
        )
        loop.call_later, loop.call_at = call_later, call_at
        loop.add_reader, loop.add_writer = add_reader, add_writer
        loop.remove_reader, loop.remove_writer = remove_reader, remove_writer

    def _track(self, when: float, handle: Any) -> Any:
        self.timers.append((when, handle))
        if len(self.timers) >= self.prune_at:
            self._prune()
            self.prune_at = 2 * len(self.timers) + 64
        return handle

    def _prune(self) -> None:
        now = self.loop.time()
        self.timers = [(w, h) for w, h in self.timers if w > now and not h.cancelled()]

    def call_later(self, delay: float, callback: Callable[[], None]) -> Any:
        """A timer of the checker's own, not tracked."""
        return self._call_later(delay, callback)

    def busy(self) -> bool:
        """True if a tracked timer, watched file descriptor or signal handler could fire."""
        self._prune()
        if any(not job.done() for job in self.jobs):
            return True
        if self.timers or self.fds or self.signals or _executor_busy(self.loop):
            return True
        return self.opened.busy()


class _Opened:
    """Servers, connections and subprocesses opened through the loop's methods.

    Their events reach goroutines through protocol callbacks that no task
    awaits: a listening server, an open transport or a running child process
    can still wake a goroutine. (On asyncio's selector loop sockets and pipes
    are visible in the selector too; a child's exit is not.)
    """

    #: the loop's coroutine methods that open something, and whether it is a server
    METHODS = (
        ("create_server", True),
        ("create_unix_server", True),
        ("create_connection", False),
        ("create_unix_connection", False),
        ("create_datagram_endpoint", False),
        ("connect_accepted_socket", False),
        ("connect_read_pipe", False),
        ("connect_write_pipe", False),
        ("subprocess_exec", False),
        ("subprocess_shell", False),
    )

    def __init__(self, loop: Any) -> None:
        self.servers: list[Any] = []
        self.transports: list[Any] = []
        for name, is_server in self.METHODS:
            original = getattr(loop, name, None)
            if original is not None:
                try:
                    setattr(loop, name, self._wrap(original, is_server))
                except (AttributeError, TypeError):  # no instance __dict__: stays invisible
                    return

    def _wrap(self, original: Callable[..., Any], is_server: bool) -> Callable[..., Any]:
        async def opener(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            if is_server:
                self.servers.append(result)
            else:
                self.transports.append(result[0])
            return result

        return opener

    def busy(self) -> bool:
        """True if a tracked server still serves, or a transport or child process is live."""
        # A server made with start_serving=False may start later: keep it until closed.
        self.servers = [s for s in self.servers if s.sockets]
        self.transports = [t for t in self.transports if _transport_live(t)]
        return bool(self.transports) or any(s.is_serving() for s in self.servers)


def _transport_live(transport: Any) -> bool:
    """Whether an opened transport can still deliver an event."""
    get_returncode = getattr(transport, "get_returncode", None)
    if get_returncode is not None:  # a subprocess: live until the child has exited
        try:
            return get_returncode() is None
        except Exception:  # a transport that cannot tell: assume it may wake someone
            return True
    return not transport.is_closing()


def _fileno(fd: Any) -> int:
    return fd if isinstance(fd, int) else fd.fileno()


def _executor_busy(loop: Any) -> bool:
    """True if the loop's default executor has queued or running work (fire-and-forget
    ``run_in_executor`` jobs could still wake a goroutine)."""
    executor = getattr(loop, "_default_executor", None)
    if executor is None:
        return False
    busy = getattr(executor, "busy", None)  # gopy's DaemonExecutor
    if busy is not None:
        return busy > 0
    try:
        # ThreadPoolExecutor: its idle semaphore counts idle worker threads.
        idle = executor._idle_semaphore._value
        return bool(executor._work_queue.qsize()) or len(executor._threads) > idle
    except AttributeError:  # another executor type: assume it may be working
        return True


def probe_for(loop: asyncio.AbstractEventLoop) -> SelectorProbe | TrackingProbe:
    """The exact probe for asyncio's own loops, the tracking one for any other."""
    if isinstance(loop, asyncio.BaseEventLoop) and hasattr(loop, "_scheduled"):
        return SelectorProbe(loop)
    return TrackingProbe(loop)
