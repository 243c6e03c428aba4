"""Signals under ``run_supervised``: Ctrl-C ends the program, SIGQUIT dumps every goroutine.

Ctrl-C follows ``asyncio.Runner``'s rule (the first cancels main, so its
``finally`` blocks and defers run; a second raises ``KeyboardInterrupt``),
with one addition for Go's "one Ctrl-C ends the program": when the event loop
does not get back to its callbacks within ``ESCALATE_AFTER`` seconds of the
first Ctrl-C (a goroutine is busy in pure-Python code or a blocking call on
the loop thread, so main's cancellation cannot even start), a helper thread
sends the second one itself. ``KeyboardInterrupt`` then interrupts the busy
goroutine where it is.

SIGQUIT (Ctrl-\\) prints every goroutine, tasks and threads, with what it
waits on and its file and line, in the deadlock report's shape, then exits
with status 2 at once, as Go does. Windows has no SIGQUIT: Ctrl-Break
(SIGBREAK) stands in. Handlers are installed only on the main thread and
only where the program has not installed its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import types
from typing import Any

from gopy.runtime._goroutine_census import gopy_signal_handlers

__all__ = ["Interrupts", "DUMP_SIGNAL"]

#: seconds the loop gets to acknowledge a Ctrl-C before a second one is sent
ESCALATE_AFTER = 0.25
#: the goroutine dump's signal: SIGQUIT (Ctrl-\), SIGBREAK (Ctrl-Break) on Windows
DUMP_SIGNAL: int | None = getattr(signal, "SIGQUIT", None) or getattr(signal, "SIGBREAK", None)


class Interrupts:
    """The Ctrl-C and dump handlers of one supervised run (``sup``: its ``_Supervisor``)."""

    def __init__(self, sup: Any, main: asyncio.Task) -> None:
        self.sup = sup
        self.main = main
        self.count = 0
        self.installed: list[tuple[int, Any]] = []  # (signal, our handler)
        self.restored = False

    def install(self) -> None:
        """Take SIGINT and the dump signal where they still have their default handlers."""
        if threading.current_thread() is not threading.main_thread():
            return
        wanted = [(signal.SIGINT, signal.default_int_handler, self.on_sigint)]
        if DUMP_SIGNAL is not None:
            wanted.append((DUMP_SIGNAL, signal.SIG_DFL, self.on_dump))
        for signum, default, handler in wanted:
            try:
                if signal.getsignal(signum) is not default:
                    continue  # the program's (or its embedder's) own: leave it alone
                signal.signal(signum, handler)
            except (ValueError, OSError):  # no signal support here (embedded Python)
                continue
            gopy_signal_handlers.add(handler)
            self.installed.append((signum, handler))

    def restore(self) -> None:
        """Put the default handlers back where ours still are."""
        self.restored = True
        for signum, handler in self.installed:
            try:
                if signal.getsignal(signum) == handler:
                    default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
                    signal.signal(signum, default)
            except (ValueError, OSError):
                pass
            gopy_signal_handlers.discard(handler)
        self.installed.clear()

    # Ctrl-C

    def on_sigint(self, signum: int, frame: types.FrameType | None) -> None:
        """The first Ctrl-C cancels main; the next raises (``asyncio.Runner``'s rule)."""
        self.count += 1
        if self.count == 1 and not self.main.done():
            self.main.cancel()
            acknowledged = threading.Event()
            try:
                # Also wakes a loop blocked in select().
                self.sup.loop.call_soon_threadsafe(acknowledged.set)
            except RuntimeError:  # the loop is closed
                return
            threading.Thread(
                target=self._escalate, args=(acknowledged,), name="gopy-interrupt", daemon=True
            ).start()
            return
        if not self.sup.closing:
            raise KeyboardInterrupt()

    def _escalate(self, acknowledged: threading.Event) -> None:
        """Send the second Ctrl-C if the loop is held by a busy goroutine."""
        if acknowledged.wait(ESCALATE_AFTER) or self.sup.closing or self.restored:
            return
        pthread_kill = getattr(signal, "pthread_kill", None)
        if pthread_kill is not None:
            # A real signal also interrupts a blocking call (time.sleep) on the loop thread.
            pthread_kill(threading.main_thread().ident, signal.SIGINT)
        else:
            import _thread

            _thread.interrupt_main()

    # goroutine dump

    def on_dump(self, signum: int, frame: types.FrameType | None) -> None:
        """Print every goroutine and exit with status 2, as Go does on SIGQUIT."""
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = str(signum)
        try:
            report = self.sup.dump_report(frame, f"{name}: quit")
        except Exception as exc:  # the dump must end the program even if it breaks
            report = f"{name}: quit\n(gopy could not list the goroutines: {exc!r})\n"
        try:
            sys.stdout.flush()
        except Exception:
            pass
        try:
            sys.stderr.write(report)
            sys.stderr.flush()
        except Exception:
            os.write(2, report.encode("utf-8", "replace"))
        os._exit(2)
