"""Goroutines left blocked forever: Go 1.26's goroutine-leak report, for tests.

``blocked_forever()`` is awaited by a test's own goroutine once the test body
has returned: it lets every goroutine that can run do so, then returns the
goroutines that are parked on gopy primitives with nothing left that could
wake them (no ready callback, timer, file descriptor, worker thread). Only
asyncio's own loops are inspected (their wake-up sources are exact); elsewhere
it finds nothing rather than guess.
"""

from __future__ import annotations

import asyncio

from gopy.runtime._parking import parked
from gopy.runtime._reports import parked_frames_text
from gopy.runtime._supervisor import Deadlock, _supervisors

__all__ = ["GoroutineLeak", "blocked_forever", "leak_report"]

#: event-loop iterations granted to the goroutines still running before looking
_SETTLE_ROUNDS = 1000


class GoroutineLeak(Deadlock):
    """Goroutines remain blocked forever after the test (or bubble) returned; ``report`` lists them."""

    def __init__(self, report: str) -> None:
        Exception.__init__(self, report.partition("\n")[0])
        self.report = report


def leak_report(title: str, tasks: list[asyncio.Task]) -> str:
    """``title``, then one Go-style block per goroutine: number, wait reason, .gopy lines."""
    loop = tasks[0].get_loop() if tasks else None
    sup = _supervisors.get(loop) if loop is not None else None
    numbered = sorted(((sup.gid(t) if sup else 0, t) for t in tasks), key=lambda p: p[0])
    lines = [title]
    for gid, task in numbered:
        lines.append("")
        lines.append(f"goroutine {gid} [{parked.get(task, 'unknown')}]:")
        lines.extend(parked_frames_text(task))
    return "\n".join(lines) + "\n"


async def blocked_forever() -> list[asyncio.Task]:
    """The other goroutines of this loop that nothing can ever wake (empty if unsure)."""
    loop = asyncio.get_running_loop()
    sup = _supervisors.get(loop)
    me = asyncio.current_task()
    if sup is None or not sup.probe.exact:
        return []
    for _ in range(_SETTLE_ROUNDS):
        await asyncio.sleep(0)
        if not loop._ready:  # type: ignore[attr-defined]
            break
    else:
        return []  # still busy: not our business to wait longer
    if sup.threads:
        return []
    others = [t for t in asyncio.all_tasks(loop) if t is not me]
    for task in others:
        waiter = getattr(task, "_fut_waiter", None)
        if task not in parked or waiter is None or waiter.done():
            return []
    if not others:
        return []
    # The deadlock checker's own timer is not a way to wake anyone.
    had_checker = sup.checker is not None
    sup.stop_checker()
    try:
        busy = sup.probe.busy()
    finally:
        if had_checker:
            sup.start_checker()
    return [] if busy else others
