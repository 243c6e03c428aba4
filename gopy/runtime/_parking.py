"""Where blocked goroutines say what they wait for (read by deadlock detection).

A blocking operation's slow path records ``parked[task] = reason`` before it
awaits and removes the entry when it resumes, however it resumes. The fast
paths never touch this dict.
"""

from __future__ import annotations

import asyncio

__all__ = ["parked"]

#: task -> Go's wait reason ("chan receive", "chan send", "select",
#: "select (no cases)", "chan receive (nil chan)", "chan send (nil chan)",
#: "sync.WaitGroup.Wait", "sync.Mutex.Lock").
parked: dict[asyncio.Task, str] = {}
