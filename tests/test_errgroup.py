"""gopy.errgroup: the first exception is the group's result; limits; with_context."""

from __future__ import annotations

import asyncio

import pytest

import gopy
from gopy import context, errgroup


async def step(n: int = 1) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_an_exception_in_a_group_is_its_result_not_a_panic() -> None:
    async def main() -> str:
        g = errgroup.Group()

        async def fails() -> None:
            await gopy.sleep(0)
            raise KeyError("lost")

        async def works() -> None:
            await gopy.sleep(0.01)

        g.go(fails)
        g.go(works)
        with pytest.raises(KeyError, match="lost"):
            await g.wait()
        return "main finished"

    # Under the supervisor, an uncaught exception in a goroutine is a panic:
    # here the program finishes normally.
    assert gopy.run_supervised(main) == "main finished"


async def test_wait_returns_none_when_all_succeed_and_waits_for_all() -> None:
    g = errgroup.Group()
    done = []

    async def work(i: int) -> None:
        await gopy.sleep(0.001 * i)
        done.append(i)

    for i in range(5):
        g.go(work, i)
    assert await g.wait() is None
    assert sorted(done) == [0, 1, 2, 3, 4]
    assert await g.wait() is None  # nothing left: at once


async def test_wait_raises_the_first_exception_after_all_returned() -> None:
    g = errgroup.Group()
    finished = []

    async def fail(msg: str, delay: float) -> None:
        await gopy.sleep(delay)
        finished.append(msg)
        raise ValueError(msg)

    g.go(fail, "second", 0.02)
    g.go(fail, "first", 0.0)
    with pytest.raises(ValueError, match="first"):
        await g.wait()
    assert sorted(finished) == ["first", "second"]


async def test_with_context_cancels_at_the_first_error_with_it_as_cause() -> None:
    g, ctx = errgroup.with_context(context.background())
    seen = []

    async def fail() -> None:
        raise RuntimeError("stop everyone")

    async def worker() -> None:
        await gopy.recv(ctx.done())
        seen.append(ctx.err())

    g.go(worker)
    g.go(fail)
    with pytest.raises(RuntimeError):
        await g.wait()
    assert isinstance(seen[0], context.Canceled)
    assert str(context.cause(ctx)) == "stop everyone"


async def test_with_context_is_cancelled_by_wait_even_without_error() -> None:
    g, ctx = errgroup.with_context(context.background())

    async def ok() -> None:
        pass

    g.go(ok)
    await g.wait()
    assert isinstance(ctx.err(), context.Canceled)


async def test_set_limit_bounds_concurrency_and_queues_in_order() -> None:
    g = errgroup.Group()
    g.set_limit(2)
    running = 0
    peak = 0
    order = []

    async def work(i: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        order.append(i)
        await gopy.sleep(0.002)
        running -= 1

    for i in range(6):
        g.go(work, i)  # never blocks the caller
    await g.wait()
    assert peak == 2
    assert order == [0, 1, 2, 3, 4, 5]


async def test_awaiting_go_waits_for_a_free_slot() -> None:
    g = errgroup.Group()
    g.set_limit(1)
    release = gopy.chan()

    async def hold() -> None:
        await release.recv()

    await g.go(hold)  # a free slot: returns at once
    started = g.go(hold)
    waiter_done = []

    async def producer() -> None:
        await started
        waiter_done.append(True)

    gopy.go(producer)
    await step(5)
    assert waiter_done == []  # the second call is still queued
    await release.send(None)
    await step(5)
    assert waiter_done == [True]
    await release.send(None)
    await g.wait()


async def test_try_go_starts_only_if_a_slot_is_free() -> None:
    g = errgroup.Group()
    g.set_limit(1)
    gate = gopy.chan()

    async def hold() -> None:
        await gate.recv()

    assert g.try_go(hold) is True
    assert g.try_go(hold) is False
    with pytest.raises(RuntimeError, match="errgroup: modify limit while 1 goroutines"):
        g.set_limit(3)
    await gate.send(None)
    await g.wait()
    g.set_limit(-1)  # no limit again
    assert all(g.try_go(hold) for _ in range(3))
    for _ in range(3):
        await gate.send(None)
    await g.wait()


def test_plain_functions_run_in_threads_and_their_exception_is_the_result() -> None:
    async def main() -> None:
        g = errgroup.Group()

        def blocking_work() -> None:
            raise OSError("disk on fire")

        g.go(blocking_work)
        with pytest.raises(OSError, match="disk on fire"):
            await g.wait()

    gopy.run_supervised(main)


def test_cancellation_of_a_group_goroutine_is_not_swallowed() -> None:
    async def main() -> None:
        g = errgroup.Group()

        async def cancelled() -> None:
            raise asyncio.CancelledError()

        g.go(cancelled)
        await g.wait()  # not an error of the group; the goroutine was cancelled

    gopy.run_supervised(main)
