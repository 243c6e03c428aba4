"""Parked operations that two threads may complete at once, and what a parked goroutine costs.

A select parks one entry per case, all sharing one cell. On a channel its
loop owns, the owner completes entries without the runtime lock; but a
select's cell may also be reachable through a *shared* channel, where
another thread completes it under the lock. These tests race the two, with
the switch interval cut to a microsecond: exactly one case may commit, and
the other sender must still be waiting.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

import gopy
from gopy import chan, recv_case, select
from gopy.runtime._ownership import SHARED


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def no_waiters(*chans: chan[Any]) -> bool:
    return all(not c._senders and not c._receivers for c in chans)


async def _race_one_select(a: chan[Any], b: chan[Any], i: int) -> None:
    """A select parked on a and b; a task sends on a while a thread sends on b."""
    sel = asyncio.create_task(select(recv_case(a), recv_case(b)))
    await asyncio.sleep(0)
    assert len(a._receivers) == 1 and len(b._receivers) == 1  # parked on both
    thread = threading.Thread(target=b.send_blocking, args=(("b", i),), daemon=True)
    thread.start()
    sender = asyncio.create_task(a.send(("a", i)))
    chosen = await asyncio.wait_for(sel, 10)
    # The case that lost must still have its sender waiting: receive its value.
    other = b if chosen.index == 0 else a
    value = await asyncio.wait_for(other.recv(), 10)
    await asyncio.wait_for(sender, 10)
    await asyncio.wait_for(asyncio.to_thread(thread.join), 10)
    assert {chosen.value, value} == {("a", i), ("b", i)}
    assert no_waiters(a, b)


def test_a_select_commits_once_when_its_channel_becomes_shared_while_parked() -> None:
    # b is owned by the loop when the select parks; the thread's send makes it
    # shared (the loop hands it over) while the loop's own task sends on a.
    async def main() -> None:
        for i in range(1000):
            await _race_one_select(chan(), chan(), i)

    asyncio.run(main())


def test_a_select_commits_once_when_one_channel_is_shared_from_the_start() -> None:
    async def main() -> None:
        for i in range(1000):
            b: chan[Any] = chan()
            await asyncio.to_thread(b._recv_nowait)  # a thread's operation: b is shared now
            assert b._owner == SHARED
            await _race_one_select(chan(), b, i)

    asyncio.run(main())


# -- what a parked goroutine costs ------------------------------------------------


def test_a_goroutine_parked_on_its_own_channel_costs_under_2_5_kb() -> None:
    # Go's daisy chain: n goroutines, each parked receiving on its own channel.
    # Everything the chain allocates is counted (task, coroutines, channel,
    # future, wait queue), not just gopy's part; Go's own figure is 2.8 KB.
    n = 5_000

    async def whisper(left: chan[int], right: chan[int]) -> None:
        await left.send(1 + await right.recv())  # type: ignore[operator]

    async def main() -> float:
        leftmost: chan[int] = chan()
        left = leftmost
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(n):
                right: chan[int] = chan()
                gopy.go(whisper, left, right)
                left = right
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            per = (tracemalloc.get_traced_memory()[0] - before) / n
        finally:
            tracemalloc.stop()
        await right.send(1)
        assert await leftmost.recv() == n + 1
        return per

    per = asyncio.run(main())
    assert per < 2_500, f"{per:.0f} bytes per parked goroutine"
