"""gopy.WaitGroup and gopy.Mutex: Go's semantics, fast paths, cancellation races."""

from __future__ import annotations

import asyncio

import pytest

import gopy
from gopy import Mutex, WaitGroup
from gopy.runtime._parking import parked


async def step(n: int = 1) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


# ------------------------------------------------------------- WaitGroup ---


async def test_waitgroup_wait_at_zero_returns_without_yielding() -> None:
    wg = gopy.WaitGroup()
    ran = []

    async def other() -> None:
        ran.append(True)

    task = asyncio.create_task(other())
    await wg.wait()
    assert ran == []  # wait() did not yield to the loop
    await task


async def test_waitgroup_releases_every_waiter_at_zero() -> None:
    wg = gopy.WaitGroup()
    wg.add(2)
    released = []

    async def waiter(i: int) -> None:
        await wg.wait()
        released.append(i)

    tasks = [asyncio.create_task(waiter(i)) for i in range(3)]
    await step()
    assert released == []
    assert all(parked[t] == "sync.WaitGroup.Wait" for t in tasks)
    wg.done()
    await step()
    assert released == []
    wg.done()
    await asyncio.gather(*tasks)
    assert sorted(released) == [0, 1, 2]
    assert not any(t in parked for t in tasks)
    assert not wg._waiters


async def test_waitgroup_add_several_and_reuse() -> None:
    wg = gopy.WaitGroup()
    wg.add(3)
    wg.add(-2)
    wg.done()
    await wg.wait()
    wg.add(1)  # reusable once the counter is back at zero
    waiter = asyncio.create_task(wg.wait())
    await step()
    assert not waiter.done()
    wg.done()
    await waiter


def test_waitgroup_negative_counter_raises() -> None:
    wg = gopy.WaitGroup()
    with pytest.raises(ValueError, match="sync: negative WaitGroup counter"):
        wg.done()
    wg.add(1)
    with pytest.raises(ValueError, match="sync: negative WaitGroup counter"):
        wg.add(-2)
    wg.done()  # the failed add changed nothing
    assert "count=0" in repr(wg)


async def test_waitgroup_wait_cancelled_leaves_no_waiter() -> None:
    wg = gopy.WaitGroup()
    wg.add(1)
    task = asyncio.create_task(wg.wait())
    await step()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not wg._waiters
    assert task not in parked


async def test_waitgroup_wait_cancelled_after_release_race() -> None:
    wg = gopy.WaitGroup()
    wg.add(1)
    task = asyncio.create_task(wg.wait())
    await step()
    wg.done()  # the waiter's future is resolved...
    task.cancel()  # ...and the cancellation lands before it resumes
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not wg._waiters
    await wg.wait()


async def test_waitgroup_with_goroutines() -> None:
    wg = gopy.WaitGroup()
    results = []

    async def worker(i: int) -> None:
        await asyncio.sleep(0)
        results.append(i)
        wg.done()

    for i in range(100):
        wg.add(1)
        gopy.go(worker, i)
    await wg.wait()
    assert sorted(results) == list(range(100))


# ----------------------------------------------------------------- Mutex ---


async def test_mutex_lock_when_free_does_not_yield() -> None:
    mu = gopy.Mutex()
    ran = []

    async def other() -> None:
        ran.append(True)

    task = asyncio.create_task(other())
    await mu.lock()
    async with gopy.Mutex():
        pass
    assert ran == []
    assert mu.locked()
    mu.unlock()
    assert not mu.locked()
    await task


def test_unlock_of_unlocked_mutex_raises() -> None:
    mu = gopy.Mutex()
    with pytest.raises(RuntimeError, match="sync: unlock of unlocked mutex"):
        mu.unlock()


async def test_mutex_async_with_excludes_and_releases_on_error() -> None:
    mu = gopy.Mutex()
    inside = 0
    peak = 0

    async def critical() -> None:
        nonlocal inside, peak
        async with mu:
            inside += 1
            peak = max(peak, inside)
            await step(2)
            inside -= 1

    await asyncio.gather(*(critical() for _ in range(10)))
    assert peak == 1
    with pytest.raises(KeyError):
        async with mu:
            raise KeyError("x")
    assert not mu.locked()


async def test_mutex_hands_off_in_fifo_order() -> None:
    mu = gopy.Mutex()
    order = []

    async def locker(i: int) -> None:
        await mu.lock()
        order.append(i)
        mu.unlock()

    await mu.lock()
    tasks = []
    for i in range(5):
        tasks.append(asyncio.create_task(locker(i)))
        await step()
    assert all(parked[t] == "sync.Mutex.Lock" for t in tasks)
    mu.unlock()
    # A newcomer arriving after the hand-off cannot barge in ahead of the queue.
    assert mu.locked()
    assert not mu.try_lock()
    late = asyncio.create_task(locker(99))
    await asyncio.gather(*tasks, late)
    assert order == [0, 1, 2, 3, 4, 99]
    assert not mu.locked()
    assert not any(t in parked for t in tasks)


async def test_mutex_try_lock() -> None:
    mu = gopy.Mutex()
    assert mu.try_lock()
    assert not mu.try_lock()
    mu.unlock()
    assert mu.try_lock()


async def test_mutex_waiter_cancelled_leaves_no_waiter() -> None:
    mu = gopy.Mutex()
    await mu.lock()
    task = asyncio.create_task(mu.lock())
    await step()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not mu._waiters
    assert task not in parked
    mu.unlock()
    assert not mu.locked()


async def test_mutex_cancelled_after_hand_off_passes_it_on() -> None:
    mu = gopy.Mutex()
    await mu.lock()
    first = asyncio.create_task(mu.lock())
    await step()
    second = asyncio.create_task(mu.lock())
    await step()
    mu.unlock()  # hands the mutex to `first`...
    first.cancel()  # ...which is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await first
    await second  # the mutex went on to the next waiter instead of leaking
    assert mu.locked()
    mu.unlock()
    assert not mu.locked()
    assert not mu._waiters


async def test_mutex_cancelled_after_hand_off_with_no_other_waiter_unlocks() -> None:
    mu = gopy.Mutex()
    await mu.lock()
    task = asyncio.create_task(mu.lock())
    await step()
    mu.unlock()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not mu.locked()


async def test_mutex_under_timeout_never_leaks() -> None:
    mu = gopy.Mutex()
    acquired = 0

    async def contender(i: int) -> None:
        nonlocal acquired
        try:
            async with asyncio.timeout(0.0005 * (i % 7)):
                async with mu:
                    acquired += 1
                    await asyncio.sleep(0)
        except TimeoutError:
            pass

    for _ in range(20):
        await asyncio.gather(*(contender(i) for i in range(30)))
        assert not mu.locked()
        assert not mu._waiters
    assert acquired > 0


async def test_waitgroup_add_after_wait_started_extends_the_wait() -> None:
    wg = WaitGroup()
    wg.add(1)
    w = asyncio.create_task(wg.wait())
    await asyncio.sleep(0)
    wg.add(1)  # the counter is not zero: Go allows this while Wait blocks
    wg.done()
    await asyncio.sleep(0)
    assert not w.done()
    wg.done()
    await w
    assert not wg._waiters


async def test_waitgroup_reused_while_a_released_waiter_has_not_resumed() -> None:
    wg = WaitGroup()
    wg.add(1)
    w = asyncio.create_task(wg.wait())
    await asyncio.sleep(0)
    wg.done()  # releases w; it resumes later
    wg.add(1)  # the next round starts before w resumed
    await w  # w still returns: its round ended
    second = asyncio.create_task(wg.wait())
    await asyncio.sleep(0)
    assert not second.done()
    wg.done()
    await second


async def test_mutex_reused_across_many_rounds_keeps_fifo_and_no_waiter() -> None:
    mu = Mutex()
    order: list[int] = []

    async def worker(i: int) -> None:
        async with mu:
            order.append(i)
            await asyncio.sleep(0)

    for _ in range(3):
        await asyncio.gather(*(worker(i) for i in range(5)))
    assert order == list(range(5)) * 3
    assert not mu.locked() and not mu._waiters
