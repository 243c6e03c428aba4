"""The runtime at scale: no operation costs time proportional to the other waiters.

Go's test/chan/chanlinear.go in both wake orders, and cancellation of parked
receivers and Mutex waiters newest-first: the cost per goroutine at 4x the
size stays within 2x (a scan of the wait queue would make it about 4x). The
cyclic collector is off while measuring: its own cost grows with the heap
and is measured separately (benchmarks/scale.py).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

import gopy
from gopy import chan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from scale import _chanlinear  # noqa: E402

SMALL, LARGE = 1000, 4000


@pytest.fixture(autouse=True)
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def per_goroutine_ratio(run: Callable[[int], Awaitable[float]]) -> float:
    """Best cost per goroutine at LARGE over the best at SMALL, two tries each."""
    small = min(asyncio.run(run(SMALL)) for _ in range(2))  # type: ignore[arg-type]
    large = min(asyncio.run(run(LARGE)) for _ in range(2))  # type: ignore[arg-type]
    return large / small


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_chanlinear_select_wakeups_cost_the_same_per_goroutine_at_any_size(order: str) -> None:
    assert per_goroutine_ratio(lambda n: _chanlinear(n, order, 3)) < 2.0


async def _cancel_parked(n: int) -> float:
    c: chan[int] = chan()
    tasks = [asyncio.create_task(c.recv()) for _ in range(n)]
    await asyncio.sleep(0)
    start = time.process_time()
    for t in reversed(tasks):  # newest first: the far end of the queue from a scan
        t.cancel()
        await asyncio.sleep(0)
    elapsed = time.process_time() - start
    await asyncio.gather(*tasks, return_exceptions=True)
    assert not c._receivers
    return elapsed / n


async def _cancel_mutex_waiters(n: int) -> float:
    mu = gopy.Mutex()
    await mu.lock()
    tasks = [asyncio.create_task(mu.lock()) for _ in range(n)]
    await asyncio.sleep(0)
    start = time.process_time()
    for t in tasks[n // 2 :: -1]:  # from the middle towards the head
        t.cancel()
        await asyncio.sleep(0)
    elapsed = time.process_time() - start
    for t in tasks[n // 2 + 1 :]:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert not mu._waiters
    return elapsed / n


@pytest.mark.parametrize("run", [_cancel_parked, _cancel_mutex_waiters], ids=["recv", "mutex"])
def test_cancelling_parked_waiters_costs_the_same_per_waiter_at_any_size(
    run: Callable[[int], Awaitable[float]],
) -> None:
    assert per_goroutine_ratio(run) < 2.0
