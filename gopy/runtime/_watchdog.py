"""The blocked-loop watchdog (opt-in): names a goroutine that holds the event loop too long.

Off by default, and then nothing of it runs. ``GOPY_WATCHDOG_MS=N`` (or
``gopy run --watchdog N``) starts a daemon thread per supervised loop that
posts a heartbeat callback to the loop and waits for it. A loop that has not
run the heartbeat after N milliseconds is held by whatever runs on it: the
watchdog then reads the running task (``asyncio.current_task(loop)``) and the
loop thread's stack (``sys._current_frames()``) and prints which goroutine it
is and where it was when the threshold passed, and once the loop is free
again, how long it was held. The cost when on: one callback per period on
the loop, one short wait on the watchdog thread.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from typing import Any

from gopy.runtime._reports import stack_lines

__all__ = ["ENV", "Watchdog", "threshold_from_env", "watchdog_for"]

ENV = "GOPY_WATCHDOG_MS"

#: set by ``gopy run --watchdog MS`` (milliseconds); wins over the environment variable
configured_ms: float | None = None


def threshold_from_env() -> float | None:
    """The watchdog's threshold in seconds, or None when it is off."""
    value: Any = configured_ms
    if value is None:
        value = os.environ.get(ENV)
        if not value:
            return None
    try:
        ms = float(value)
    except ValueError:
        print(f"gopy: ignoring {ENV}={value!r}: not a number of milliseconds", file=sys.stderr)
        return None
    return ms / 1000 if ms > 0 else None


def watchdog_for(sup: Any) -> Watchdog | None:
    """A started watchdog for supervisor ``sup``'s loop if one is asked for (call on the loop thread)."""
    threshold = threshold_from_env()
    if threshold is None:
        return None
    watchdog = Watchdog(sup, threshold)
    watchdog.start()
    return watchdog


class Watchdog:
    """The heartbeat thread of one loop."""

    def __init__(self, sup: Any, threshold: float) -> None:
        self.sup = sup
        self.loop = sup.loop
        self.threshold = threshold
        #: time between a heartbeat and the next one
        self.period = threshold / 2
        self.loop_thread = threading.get_ident()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gopy-watchdog", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """End the watchdog (the loop stops running the heartbeats)."""
        self.stopped.set()

    def _run(self) -> None:
        while not self.stopped.wait(self.period):
            beat = threading.Event()
            posted = time.monotonic()
            try:
                self.loop.call_soon_threadsafe(beat.set)
            except RuntimeError:  # the loop is closed
                return
            if beat.wait(self.threshold) or self.stopped.is_set():
                continue
            self._report_held(posted, beat)

    def _report_held(self, posted: float, beat: threading.Event) -> None:
        """The loop has not run the heartbeat for ``threshold``: say who holds it, then how long."""
        frame = sys._current_frames().get(self.loop_thread)
        task = asyncio.current_task(self.loop)
        if task is not None:
            who = f"goroutine {self.sup.goroutines.get(task) or task.get_name()}"
            where = stack_lines(frame, getattr(task.get_coro(), "cr_frame", None))
        else:
            who = "a callback (not a goroutine)"
            where = stack_lines(frame, None)
        held = time.monotonic() - posted
        lines = [
            f"gopy: watchdog: {who} has held the event loop for at least {held:.3f} s "
            f"(threshold {self.threshold:.3f} s), at:",
            *where,
        ]
        _write("\n".join(lines) + "\n")
        while not beat.wait(self.period):
            if self.stopped.is_set():
                return
        _write(
            f"gopy: watchdog: {who} released the event loop after at least "
            f"{time.monotonic() - posted:.3f} s\n"
        )


def _write(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:  # a closed stderr must not kill the watchdog thread noisily
        pass
