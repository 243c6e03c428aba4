"""Where blocked goroutines say what they wait for (read by deadlock detection).

A blocking operation's slow path records ``parked[key] = reason`` before it
waits and removes the entry when it resumes, however it resumes. The key is
the ``asyncio.Task`` for a task, the ``threading.Thread`` for a thread
blocked in a ``*_blocking`` operation. The fast paths never touch this dict.

Threads: every write is one ``parked[key] = reason`` or ``del parked[key]``
(each atomic: under the GIL, and under the dict's own lock on a free-threaded
build), made by the thread that parks. Readers on another thread take a
snapshot with ``parked.copy()`` (one atomic operation too) and never iterate
the live dict. A goroutine is listed a little after it queued its operation
and removed a little after it was woken: a reader may see a thread as not
parked while it is about to park, never as parked while it runs user code.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["parked", "waiting_as"]

#: task or thread -> Go's wait reason ("chan receive", "chan send", "select",
#: "select (no cases)", "chan receive (nil chan)", "chan send (nil chan)",
#: "sync.WaitGroup.Wait", "sync.Mutex.Lock", or a ``waiting_as`` reason).
parked: dict[asyncio.Task | threading.Thread, str] = {}

_reason_var: ContextVar[str | None] = ContextVar("gopy_wait_reason", default=None)
#: ``[n]``: how many ``waiting_as`` blocks are open in any thread; while it is
#: 0 a park records its own reason without looking the context variable up.
_overrides = [0]
_overrides_lock = threading.Lock()


@contextmanager
def waiting_as(reason: str) -> Iterator[None]:
    """Make every park inside the block record ``reason`` instead of the primitive's own."""
    with _overrides_lock:
        _overrides[0] += 1
    token = _reason_var.set(reason)
    try:
        yield
    finally:
        _reason_var.reset(token)
        with _overrides_lock:
            _overrides[0] -= 1
