"""gopy.Once, RWMutex, Cond, Semaphore, WaitGroup.go, Mutex.try_lock, after_func."""

from __future__ import annotations

import asyncio

import pytest

import gopy
from gopy import Cond, Mutex, Once, RWMutex, Semaphore, WaitGroup
from gopy.runtime._parking import parked


async def step(n: int = 1) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def start(coro_fn, *args) -> asyncio.Task:
    return asyncio.ensure_future(coro_fn(*args))


# ------------------------------------------------------------------ Once ---


async def test_once_runs_f_once_and_every_caller_waits_for_it() -> None:
    once = Once()
    calls = []
    returned = []

    async def f() -> None:
        calls.append(1)
        await gopy.sleep(0.005)

    async def caller(i: int) -> None:
        await once.do(f)
        returned.append((i, len(calls)))

    tasks = [start(caller, i) for i in range(5)]
    await step(3)
    assert calls == [1] and returned == []  # the others wait while f runs
    assert all(parked.get(t) == "sync.Once.Do" for t in tasks[1:])
    await asyncio.gather(*tasks)
    assert calls == [1]
    assert sorted(returned) == [(i, 1) for i in range(5)]


async def test_once_with_a_failing_function_called_concurrently_is_not_rerun() -> None:
    once = Once()
    calls = []

    async def f() -> None:
        calls.append(1)
        await gopy.sleep(0.002)
        raise ValueError("init failed")

    results = await asyncio.gather(*(once.do(f) for _ in range(4)), return_exceptions=True)
    assert calls == [1]
    assert [type(r).__name__ for r in results].count("ValueError") == 1  # only the one that ran
    assert results.count(None) == 3
    await once.do(f)  # still done: Go counts a panicking f as returned
    assert calls == [1]


def test_once_with_a_plain_function() -> None:
    once = Once()
    calls = []
    once.do(lambda: calls.append(1))
    once.do(lambda: calls.append(2))
    assert calls == [1]
    failing = Once()
    with pytest.raises(ZeroDivisionError):
        failing.do(lambda: 1 / 0)
    failing.do(lambda: calls.append(3))
    assert calls == [1]


# --------------------------------------------------------------- RWMutex ---


async def test_rwmutex_readers_share_writers_exclude() -> None:
    rw = RWMutex()
    await rw.rlock()
    await rw.rlock()
    assert rw.try_rlock()
    assert not rw.try_lock()
    for _ in range(3):
        rw.runlock()
    assert rw.try_lock()
    assert not rw.try_rlock() and not rw.try_lock()
    rw.unlock()


async def test_rwmutex_a_waiting_writer_blocks_new_readers() -> None:
    rw = RWMutex()
    events = []
    await rw.rlock()

    async def writer() -> None:
        await rw.lock()
        events.append("writer")
        rw.unlock()

    async def late_reader() -> None:
        await rw.rlock()
        events.append("reader")
        rw.runlock()

    w = start(writer)
    await step(2)
    assert parked.get(w) == "sync.RWMutex.Lock"
    r = start(late_reader)
    await step(2)
    assert parked.get(r) == "sync.RWMutex.RLock"  # not admitted past the waiting writer
    assert not rw.try_rlock()
    rw.runlock()
    await asyncio.gather(w, r)
    assert events == ["writer", "reader"]


async def test_rwmutex_unlock_admits_waiting_readers_before_the_next_writer() -> None:
    rw = RWMutex()
    events = []
    await rw.lock()

    async def reader(i: int) -> None:
        async with rw.rlocker():
            events.append(f"r{i}")
            await step(2)

    async def writer() -> None:
        async with rw:
            events.append("w")

    tasks = [start(reader, 1), start(writer), start(reader, 2)]
    await step(2)
    rw.unlock()
    await asyncio.gather(*tasks)
    # both readers that queued during the write go before the writer
    assert events[:2] == ["r1", "r2"] and events[2] == "w"


async def test_rwmutex_cancelled_waiting_writer_lets_queued_readers_in() -> None:
    rw = RWMutex()
    await rw.rlock()
    w = start(rw.lock)
    await step(2)
    r = start(rw.rlock)
    await step(2)
    assert not r.done()
    w.cancel()
    await step(3)
    assert r.done() and rw._readers == 2
    rw.runlock()
    rw.runlock()
    assert rw.try_lock()


async def test_rwmutex_misuse_panics_with_gos_messages() -> None:
    rw = RWMutex()
    with pytest.raises(RuntimeError, match=r"^sync: Unlock of unlocked RWMutex$"):
        rw.unlock()
    with pytest.raises(RuntimeError, match=r"^sync: RUnlock of unlocked RWMutex$"):
        rw.runlock()


# ------------------------------------------------------------------ Cond ---


async def test_cond_wait_unlocks_and_relocks_signal_is_fifo() -> None:
    mu = Mutex()
    cond = Cond(mu)
    woken = []

    async def waiter(i: int) -> None:
        async with mu:
            await cond.wait()
            assert mu.locked()
            woken.append(i)

    tasks = [start(waiter, i) for i in range(3)]
    await step(3)
    assert all(parked.get(t) == "sync.Cond.Wait" for t in tasks)
    assert not mu.locked()  # every waiter released L
    cond.signal()
    await step(3)
    assert woken == [0]
    cond.broadcast()
    await asyncio.gather(*tasks)
    assert woken == [0, 1, 2]
    cond.signal()  # nobody waits: nothing happens


async def test_cond_with_an_rwmutex_reader_side() -> None:
    rw = RWMutex()
    cond = Cond(rw.rlocker())
    ready = False

    async def waiter() -> None:
        async with rw.rlocker():
            while not ready:
                await cond.wait()

    t = start(waiter)
    await step(2)
    async with rw:
        ready = True
    cond.broadcast()
    await t


async def test_a_signal_racing_with_a_cancel_is_never_lost() -> None:
    mu = Mutex()
    cond = Cond(mu)
    woken = []

    async def waiter(i: int) -> None:
        async with mu:
            await cond.wait()
            woken.append(i)

    a, b = start(waiter, 0), start(waiter, 1)
    await step(2)
    cond.signal()  # for a...
    a.cancel()  # ...which is cancelled before it resumes
    await step(5)
    # Either a took the signal (its wait had completed) or it passed it to b.
    assert len(woken) == 1 and not mu.locked()
    if woken == [0]:
        cond.signal()
    await step(5)
    assert sorted(woken) == [0, 1] or (woken == [1] and a.cancelled())
    assert b.done()


# ------------------------------------------------------------- Semaphore ---


async def test_semaphore_weighted_acquire_release_try() -> None:
    sem = Semaphore(5)
    await sem.acquire(3)
    assert sem.try_acquire(2)
    assert not sem.try_acquire(1)
    sem.release(5)
    assert sem.try_acquire(5)
    sem.release(5)
    with pytest.raises(RuntimeError, match=r"^semaphore: released more than held$"):
        sem.release()


async def test_semaphore_is_fifo_so_a_large_request_is_not_starved() -> None:
    sem = Semaphore(4)
    await sem.acquire(3)
    order = []

    async def want(k: int, name: str) -> None:
        await sem.acquire(k)
        order.append(name)

    big = start(want, 4, "big")
    await step(2)
    assert parked.get(big) == "semaphore acquire"
    small = start(want, 1, "small")  # would fit now, but the big one is first
    await step(2)
    assert order == [] and not sem.try_acquire(1)
    sem.release(3)
    await big
    assert order == ["big"]
    sem.release(4)
    await small
    assert order == ["big", "small"]


async def test_semaphore_cancelled_head_lets_the_next_one_in() -> None:
    sem = Semaphore(2)
    await sem.acquire(1)
    big = start(sem.acquire, 2)
    await step(2)
    small = start(sem.acquire, 1)
    await step(2)
    assert not small.done()
    big.cancel()
    await step(3)
    assert small.done() and sem._cur == 2


async def test_semaphore_acquire_with_a_context_gives_up_when_it_ends() -> None:
    from gopy import context

    sem = Semaphore(1)
    await sem.acquire()
    ctx, cancel = context.with_timeout(context.background(), 0.005)
    with pytest.raises(context.DeadlineExceeded):
        await sem.acquire(1, ctx=ctx)
    assert sem._waiters == {}
    sem.release()
    cancel()
    # an ended context fails even with a free slot (x/sync/semaphore since v0.7)
    with pytest.raises(context.DeadlineExceeded):
        await sem.acquire(1, ctx=ctx)
    assert sem.try_acquire()


# ------------------------------------------------- WaitGroup.go, try_lock ---


async def test_waitgroup_go_adds_and_calls_done() -> None:
    wg = WaitGroup()
    out = []

    async def work(i: int) -> None:
        await gopy.sleep(0.001)
        out.append(i)

    def blocking(i: int) -> None:
        out.append(i)

    for i in range(3):
        wg.go(work, i)
    wg.go(blocking, 10)  # a plain function: a worker thread
    await wg.wait()
    assert sorted(out) == [0, 1, 2, 10]


def test_a_panic_in_waitgroup_go_is_still_a_panic() -> None:
    async def main() -> None:
        wg = WaitGroup()

        async def bad() -> None:
            raise ValueError("boom")

        wg.go(bad)
        await wg.wait()
        await gopy.sleep(1)

    with pytest.raises(gopy.GoroutinePanic, match="boom"):
        gopy.run_supervised(main)


async def test_mutex_try_lock() -> None:
    mu = Mutex()
    assert mu.try_lock()
    assert not mu.try_lock()
    mu.unlock()
    with pytest.raises(RuntimeError, match=r"^sync: unlock of unlocked mutex$"):
        mu.unlock()


def test_waitgroup_negative_counter_message() -> None:
    with pytest.raises(ValueError, match=r"^sync: negative WaitGroup counter$"):
        WaitGroup().done()


# ------------------------------------------------------------ after_func ---


async def test_after_func_calls_f_in_its_own_goroutine() -> None:
    ran = []

    async def f(x: int) -> None:
        ran.append((x, asyncio.current_task()))

    t = gopy.after_func(0.001, f, 7)
    assert isinstance(t, gopy.Timer) and t.c is None
    await gopy.sleep(0.01)
    assert ran and ran[0][0] == 7 and ran[0][1] is not asyncio.current_task()
    assert t.stop() is False  # already fired


async def test_after_func_stop_prevents_the_call_and_reset_rearms() -> None:
    ran = []
    t = gopy.after_func(0.002, lambda: ran.append(1))
    assert t.stop() is True
    await gopy.sleep(0.01)
    assert ran == []
    assert t.reset(0.001) is False
    await gopy.sleep(0.05)
    assert ran == [1]  # a plain function ran on a worker thread


# ------------------------------------------------ invariants under cancels ---


async def test_rwmutex_and_semaphore_invariants_hold_under_random_cancellation() -> None:
    """Many goroutines lock, hold and unlock while a third of them are cancelled at random."""
    import random

    rng = random.Random(1234)
    rw = RWMutex()
    sem = Semaphore(5)
    state = {"readers": 0, "writer": False, "held": 0}
    violations = []

    async def reader() -> None:
        async with rw.rlocker():
            state["readers"] += 1
            try:
                if state["writer"]:
                    violations.append("reader with writer")
                await asyncio.sleep(0)
            finally:
                state["readers"] -= 1

    async def writer() -> None:
        async with rw:
            if state["writer"] or state["readers"]:
                violations.append("writer not alone")
            state["writer"] = True
            try:
                await asyncio.sleep(0)
            finally:
                state["writer"] = False

    async def weighted(k: int) -> None:
        await sem.acquire(k)
        try:
            state["held"] += k
            if state["held"] > 5:
                violations.append("semaphore over capacity")
            await asyncio.sleep(0)
        finally:
            state["held"] -= k
            sem.release(k)

    tasks = []
    for _ in range(300):
        kind = rng.random()
        if kind < 0.45:
            tasks.append(start(reader))
        elif kind < 0.7:
            tasks.append(start(writer))
        else:
            tasks.append(start(weighted, rng.randint(1, 5)))
        if rng.random() < 0.5:
            await asyncio.sleep(0)
        if tasks and rng.random() < 0.33:
            rng.choice(tasks).cancel()
    # A lost wake-up would hang here: fail instead (the bound is far above the real need).
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    assert violations == []
    # everything was given back: the locks and the semaphore are free again
    assert rw.try_lock()
    rw.unlock()
    assert sem.try_acquire(5)
    assert rw._writers == {} and rw._waiting_readers == {} and sem._waiters == {}
