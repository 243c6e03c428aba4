"""Channels, select, WaitGroup, Mutex and timers shared by tasks, threads and several loops.

Each test pins a race of issue 9 (close, send, two loops, racing non-blocking
operations, cancellation against a thread) and checks that no waiter is
left behind. The switch interval is cut to a microsecond so that threads
interleave inside the runtime as much as CPython lets them.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import gopy
from gopy import ChannelClosed, chan, recv_case, select_blocking, send_case
from gopy.runtime._parking import parked, waiting_as


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def no_waiters(*chans: chan[Any]) -> bool:
    return all(not c._senders and not c._receivers for c in chans)


def start(fn: Any, *args: Any) -> threading.Thread:
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


async def join(t: threading.Thread) -> None:
    """Wait for a thread without blocking the loop (no polling: a thread join)."""
    await asyncio.wait_for(asyncio.to_thread(t.join), 30)


# -- the measured failures of issue 9 -------------------------------------------


def test_close_from_a_thread_wakes_a_receiver_under_plain_asyncio_run() -> None:
    c: chan[int] = chan()
    woke = threading.Event()

    async def main() -> tuple[Any, bool]:
        closer = threading.Timer(0.02, c.close)
        closer.start()
        # Nothing else runs on this loop: only a thread-safe wake-up ends the wait.
        got = await asyncio.wait_for(c.recv_ok(), 10)
        woke.set()
        return got, closer.is_alive()

    got, _ = asyncio.run(main())
    assert got == (None, False) and woke.is_set() and no_waiters(c)


async def test_2000_values_from_a_thread_arrive_in_order() -> None:
    c: chan[int] = chan()

    def producer() -> None:
        for i in range(2000):
            c.send_blocking(i)
        c.close()

    t = start(producer)
    got = [v async for v in c]
    await join(t)
    assert got == list(range(2000)) and no_waiters(c)


@pytest.mark.parametrize("capacity", [0, 16])
def test_two_loops_in_two_threads_share_a_channel(capacity: int) -> None:
    c: chan[int] = chan(capacity)
    got: list[int] = []

    def sender() -> None:
        async def main() -> None:
            for i in range(200):
                await c.send(i)

        asyncio.run(main())

    def receiver() -> None:
        async def main() -> None:
            for _ in range(200):
                got.append(await c.recv())  # type: ignore[arg-type]

        asyncio.run(main())

    threads = [start(sender), start(receiver)]
    for t in threads:
        t.join(30)
    assert got == list(range(200)) and no_waiters(c)


def test_racing_nonblocking_operations_never_leak_a_marker() -> None:
    c: chan[int] = chan(4)
    n, senders = 600, 3
    got: list[Any] = []
    lock = threading.Lock()

    def send_nowait() -> None:
        i = 0
        while i < n:
            if select_blocking(send_case(c, i), default=True).index == 0:
                i += 1

    def recv_nowait() -> None:
        mine = []
        while len(mine) < n:
            s = select_blocking(recv_case(c), default=True)
            if s.index == 0:
                mine.append(s.value)
        with lock:
            got.extend(mine)

    threads = [start(send_nowait) for _ in range(senders)]
    threads += [start(recv_nowait) for _ in range(senders)]
    for t in threads:
        t.join(60)
    assert Counter(got) == Counter({i: senders for i in range(n)})
    assert all(type(v) is int for v in got) and no_waiters(c) and len(c) == 0


async def test_cancelling_a_task_whose_partner_is_a_thread_loses_and_duplicates_nothing() -> None:
    c: chan[int] = chan()
    n = 300
    received: list[int] = []

    def producer() -> None:
        for i in range(n):
            c.send_blocking(i)

    t = start(producer)
    while len(received) < n:
        r = asyncio.create_task(c.recv())
        await asyncio.sleep(0)
        r.cancel()  # races with the thread's hand-off
        try:
            received.append(await r)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            pass
    await join(t)
    assert received == list(range(n)) and no_waiters(c)


# -- blocking forms: rules on the loop's thread ----------------------------------


async def test_blocking_forms_on_the_loop_thread_raise_instead_of_blocking() -> None:
    c: chan[int] = chan(1)
    c.send_blocking(1)  # room in the buffer: completes at once
    with pytest.raises(RuntimeError, match="go.*async def"):
        c.send_blocking(2)
    assert gopy.recv_blocking(c) == 1
    with pytest.raises(RuntimeError, match="would block the event loop"):
        gopy.recv_ok_blocking(c)
    assert select_blocking(recv_case(c), default=True).index == -1
    with pytest.raises(RuntimeError):
        select_blocking(recv_case(c))
    wg = gopy.WaitGroup()
    wg.add(1)
    with pytest.raises(RuntimeError):
        wg.wait_blocking()
    assert no_waiters(c)


def test_blocking_forms_in_plain_threads_without_any_loop() -> None:
    c: chan[int] = chan()
    out: list[Any] = []

    def consumer() -> None:
        out.extend(gopy.range_blocking(c))
        out.append(gopy.recv_ok_blocking(c))

    t = start(consumer)
    for i in range(5):
        gopy.send_blocking(c, i)
    gopy.close(c)
    t.join(10)
    assert out == [0, 1, 2, 3, 4, (None, False)]
    with pytest.raises(ChannelClosed):
        c.send_blocking(9)


def test_select_blocking_with_a_timer_in_a_thread_without_a_loop() -> None:
    never: chan[int] = chan()
    s = select_blocking(recv_case(never), recv_case(gopy.after(0.01)))
    assert s.index == 1 and isinstance(s.value, float) and no_waiters(never)


def test_close_wakes_a_thread_blocked_in_select_and_one_blocked_in_send() -> None:
    a: chan[int] = chan()
    b: chan[int] = chan()
    results: list[Any] = []

    def selector() -> None:
        results.append(tuple(select_blocking(recv_case(a), recv_case(None))))

    def sender() -> None:
        try:
            b.send_blocking(1)
        except ChannelClosed as e:
            results.append(str(e))

    threads = [start(selector), start(sender)]
    while not (a._receivers and b._senders):
        time.sleep(0.001)
    a.close()
    b.close()
    for t in threads:
        t.join(10)
    assert sorted(map(str, results)) == ["(0, None, False)", "send on closed channel"]
    assert no_waiters(a, b) and not any(t in parked for t in threads)


def test_parked_threads_are_keyed_by_thread_with_reasons_and_waiting_as() -> None:
    a: chan[int] = chan()
    b: chan[int] = chan()
    mu = gopy.Mutex()
    mu.lock_blocking()

    def recv_a() -> None:
        a.recv_blocking()

    def as_cond() -> None:
        with waiting_as("sync.Cond.Wait"):
            b.recv_blocking()

    def lock() -> None:
        with mu:
            pass

    threads = [start(recv_a), start(as_cond), start(lock)]
    deadline = time.monotonic() + 10
    while len(parked.copy()) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)
    snapshot = parked.copy()
    assert snapshot[threads[0]] == "chan receive"
    assert snapshot[threads[1]] == "sync.Cond.Wait"
    assert snapshot[threads[2]] == "sync.Mutex.Lock"
    a.send_blocking(1)
    b.send_blocking(2)
    mu.unlock()
    for t in threads:
        t.join(10)
    assert not any(t in parked for t in threads) and not mu.locked()


# -- sync and timers across threads ----------------------------------------------


async def test_mutex_and_waitgroup_shared_by_tasks_and_threads() -> None:
    mu = gopy.Mutex()
    wg = gopy.WaitGroup()
    count = [0]
    rounds = 300

    def thread_worker() -> None:
        for _ in range(rounds):
            with mu:
                v = count[0]
                time.sleep(0)
                count[0] = v + 1
        wg.done()

    async def task_worker() -> None:
        for _ in range(rounds):
            async with mu:
                v = count[0]
                await asyncio.sleep(0)
                count[0] = v + 1
        wg.done()

    wg.add(4)
    threads = [start(thread_worker) for _ in range(2)]
    tasks = [asyncio.create_task(task_worker()) for _ in range(2)]
    await asyncio.wait_for(wg.wait(), 60)
    await asyncio.gather(*tasks)
    for t in threads:
        await join(t)
    assert count[0] == 4 * rounds and not mu.locked() and not wg._waiters


async def test_thread_goroutines_with_waitgroup_wait_blocking() -> None:
    wg = gopy.WaitGroup()
    done = chan(1)
    wg.add(3)

    def waiter() -> None:
        wg.wait_blocking()
        done.send_blocking("released")

    gopy.go(waiter)
    for _ in range(3):
        gopy.go(wg.done)
    assert await asyncio.wait_for(done.recv(), 10) == "released"


async def test_a_thousand_thread_goroutines_blocked_at_once() -> None:
    n = 1000
    c: chan[int] = chan()
    out: chan[int] = chan(n)

    def worker() -> None:
        out.send_blocking(c.recv_blocking() * 2)  # type: ignore[operator]

    for _ in range(n):
        gopy.go(worker)
    for i in range(n):
        await c.send(i)
    got = sorted([await out.recv() for _ in range(n)])  # type: ignore[type-var]
    assert got == [2 * i for i in range(n)] and no_waiters(c, out)


def test_timer_stopped_from_another_thread_delivers_nothing() -> None:
    async def main() -> tuple[bool, Any]:
        t = gopy.Timer(0.02)
        stopped = await asyncio.to_thread(t.stop)
        await asyncio.sleep(0.05)
        s = await gopy.select(recv_case(t.c), default=True)
        return stopped, s.index

    assert asyncio.run(main()) == (True, -1)


async def test_timer_whose_channel_is_referenced_fires_without_its_timer_object() -> None:
    c = gopy.Timer(0.005).c  # the Timer itself is dropped at once
    gc.collect()
    assert isinstance(await asyncio.wait_for(c.recv(), 5), float)


async def test_unreferenced_after_timers_are_freed_and_cancelled() -> None:
    loop = asyncio.get_running_loop()
    data: chan[int] = chan(1)
    before = len(loop._scheduled)  # type: ignore[attr-defined]
    for i in range(3000):
        await data.send(i)
        s = await gopy.select(recv_case(data), recv_case(gopy.after(60)))
        assert s.index == 0
        await asyncio.sleep(0)  # a loop iteration, where asyncio purges its heap
    # asyncio drops cancelled handles from its heap once they are half of it.
    assert len(loop._scheduled) - before < 250  # type: ignore[attr-defined]
    c = gopy.after(60)
    ref = __import__("weakref").ref(c)
    del c
    assert ref() is None


# -- errors ------------------------------------------------------------------------


async def test_receive_from_a_coroutine_says_it_was_not_awaited() -> None:
    async def make() -> chan[int]:
        return chan()

    with pytest.raises(TypeError, match="needs a channel.*coroutine.*not awaited"):
        await gopy.recv(make())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a channel, got int"):
        await gopy.send(3, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="coroutine"):
        gopy.range_of(make())
    with pytest.raises(TypeError, match="needs a channel"):
        gopy.recv_blocking([])  # type: ignore[arg-type]


async def test_call_in_thread_runs_a_blocking_main_that_starts_goroutines() -> None:
    from gopy.runtime._goroutines import call_in_thread

    async def double(c: chan[int], out: chan[int]) -> None:
        await out.send(2 * await c.recv())  # type: ignore[operator]

    def main(n: int) -> list[int]:
        c: chan[int] = chan()
        out: chan[int] = chan()
        for _ in range(n):
            gopy.go(double, c, out)
        for i in range(n):
            c.send_blocking(i)
        got = sorted(out.recv_blocking() for _ in range(n))  # type: ignore[type-var]
        if select_blocking(recv_case(gopy.after(0.001))).index != 0:
            raise AssertionError("unreachable")
        return got  # type: ignore[return-value]

    assert await call_in_thread(main, 5) == [0, 2, 4, 6, 8]

    def fails() -> None:
        raise KeyError("from the thread")

    with pytest.raises(KeyError, match="from the thread"):
        await call_in_thread(fails)


async def test_a_blocked_thread_goroutine_is_listed_with_its_reason() -> None:
    from gopy.runtime._goroutines import thread_goroutines

    c: chan[int] = chan()
    gopy.go(c.recv_blocking)
    while not any(r == "chan receive" for r in parked.copy().values()):
        await asyncio.sleep(0.001)
    blocked = [t for t in thread_goroutines.copy() if parked.copy().get(t) == "chan receive"]
    assert len(blocked) == 1
    await c.send(1)
    while blocked[0] in thread_goroutines.copy():
        await asyncio.sleep(0.001)
    assert blocked[0] not in parked
