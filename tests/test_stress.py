"""Many producers and consumers under random cancellation: exactly-once delivery.

Producers record a value as sent only when the send returned normally;
consumers record every value they received. Timeouts (``asyncio.timeout`` and
``asyncio.wait_for``) and plain ``Task.cancel()`` land at random points,
including between a hand-off and the moment the parked task resumes. At the
end, the sent and received multisets must be equal and no waiter may remain.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import pytest

import gopy
import gopy.runtime._channels
import gopy.runtime._select
from gopy import chan, recv_case, select, send_case
from gopy.runtime._parking import parked

PRODUCERS = 8
CONSUMERS = 6
PER_PRODUCER = 300


@pytest.fixture
def absorbed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the cancellations that landed after an operation completed."""
    hits = [0]
    real = gopy.runtime._channels._absorb_cancel

    def counting(task: Any, exc: BaseException) -> None:
        hits[0] += 1
        real(task, exc)

    monkeypatch.setattr(gopy.runtime._channels, "_absorb_cancel", counting)
    monkeypatch.setattr(gopy.runtime._select, "_absorb_cancel", counting)
    return hits


def delay(rng: random.Random) -> float:
    """A timeout: often 0 (fires on the next loop iteration), else tiny."""
    return 0.0 if rng.random() < 0.5 else rng.random() * 0.0005


async def guarded(rng: random.Random, use_wait_for: bool, make: Any) -> tuple[bool, Any]:
    """Await ``make()`` under a random timeout: ``(True, result)`` or ``(False, None)``."""
    try:
        if use_wait_for:
            return True, await asyncio.wait_for(make(), delay(rng))
        async with asyncio.timeout(delay(rng)):
            return True, await make()
    except TimeoutError:
        return False, None


async def run_channel_stress(capacity: int, use_wait_for: bool, seed: int) -> None:
    rng = random.Random(seed)
    c: chan[tuple[int, int]] = chan(capacity)
    sent: list[tuple[int, int]] = []
    received: list[tuple[int, int]] = []

    async def producer(p: int) -> None:
        for i in range(PER_PRODUCER):
            done, _ = await guarded(rng, use_wait_for, lambda: c.send((p, i)))
            if done:
                sent.append((p, i))

    async def consumer() -> list[tuple[int, int]]:
        mine: list[tuple[int, int]] = []
        while True:
            done, result = await guarded(rng, use_wait_for, c.recv_ok)
            if done:
                value, ok = result
                if not ok:
                    return mine
                received.append(value)
                mine.append(value)

    consumers = [asyncio.create_task(consumer()) for _ in range(CONSUMERS)]
    await asyncio.gather(*(producer(p) for p in range(PRODUCERS)))
    c.close()
    for seen in await asyncio.gather(*consumers):
        # FIFO: each consumer sees each producer's values in sending order.
        for p in range(PRODUCERS):
            from_p = [i for q, i in seen if q == p]
            assert from_p == sorted(from_p)
    assert len(set(received)) == len(received)
    assert Counter(sent) == Counter(received)
    assert not c._senders and not c._receivers and len(c) == 0
    assert not parked
    assert sent  # the run did something


@pytest.mark.parametrize("capacity", [0, 1, 16])
@pytest.mark.parametrize("use_wait_for", [False, True], ids=["timeout", "wait_for"])
async def test_exactly_once_under_random_timeouts(
    capacity: int, use_wait_for: bool, absorbed: list[int]
) -> None:
    for seed in range(3):
        await run_channel_stress(capacity, use_wait_for, seed)
    # timeout 0 lands on the next iteration, racing with hand-offs there
    assert absorbed[0] > 0


async def test_exactly_once_through_select_under_random_timeouts(absorbed: list[int]) -> None:
    rng = random.Random(7)
    a: chan[tuple[int, int]] = chan()
    b: chan[tuple[int, int]] = chan(2)
    sent: list[tuple[int, int]] = []
    received: list[tuple[int, int]] = []
    producers_left = PRODUCERS

    async def producer(p: int) -> None:
        nonlocal producers_left
        for i in range(PER_PRODUCER):
            v = (p, i)
            done, _ = await guarded(rng, False, lambda: select(send_case(a, v), send_case(b, v)))
            if done:
                sent.append(v)
        producers_left -= 1

    async def consumer() -> None:
        while producers_left or len(b) or a._senders or b._senders:
            done, res = await guarded(rng, False, lambda: select(recv_case(a), recv_case(b)))
            if done:
                received.append(res.value)

    consumers = [asyncio.create_task(consumer()) for _ in range(CONSUMERS)]
    await asyncio.gather(*(producer(p) for p in range(PRODUCERS)))
    await asyncio.gather(*consumers)
    while len(b):
        received.append(await b.recv())
    assert len(set(received)) == len(received)
    assert Counter(sent) == Counter(received)
    assert not a._senders and not a._receivers and not b._senders and not b._receivers
    assert absorbed[0] > 0


@pytest.mark.parametrize("capacity", [0, 4])
async def test_exactly_once_under_random_task_cancel(capacity: int, absorbed: list[int]) -> None:
    rng = random.Random(capacity)
    c: chan[tuple[int, int]] = chan(capacity)
    sent: list[tuple[int, int]] = []
    received: list[tuple[int, int]] = []
    producers_done = asyncio.Event()

    async def producer(p: int) -> None:
        for i in range(PER_PRODUCER):
            await c.send((p, i))
            sent.append((p, i))

    async def consumer() -> None:
        async for v in c:
            received.append(v)

    producers = {asyncio.create_task(producer(p)): p for p in range(PRODUCERS)}
    consumers = {asyncio.create_task(consumer()) for _ in range(CONSUMERS)}

    async def chaos() -> None:
        # Cancel random consumers (replacing them) and restart cancelled
        # producers where they stopped, until every producer finished.
        while not producers_done.is_set():
            for _ in range(rng.randrange(1, 8)):
                await asyncio.sleep(0)
            victim = rng.choice(list(consumers))
            victim.cancel()
            consumers.discard(victim)
            consumers.add(asyncio.create_task(consumer()))

    chaos_task = asyncio.create_task(chaos())
    await asyncio.gather(*producers)
    producers_done.set()
    await chaos_task
    c.close()
    results = await asyncio.gather(*consumers, return_exceptions=True)
    assert all(r is None or isinstance(r, asyncio.CancelledError) for r in results)
    assert len(sent) == PRODUCERS * PER_PRODUCER
    assert len(set(received)) == len(received)
    assert Counter(sent) == Counter(received)
    assert not c._senders and not c._receivers


async def test_exactly_once_with_timer_timeouts_in_select() -> None:
    # The Go idiom: select on the work channel and a timer channel, under
    # random task cancellation on top.
    rng = random.Random(11)
    c: chan[int] = chan()
    sent: list[int] = []
    received: list[int] = []
    timers: list[chan[float]] = []

    async def producer(base: int) -> None:
        for i in range(base, base + 200):
            timeout = gopy.after(rng.random() * 0.0005)
            timers.append(timeout)
            res = await select(send_case(c, i), recv_case(timeout))
            if res.index == 0:
                sent.append(i)

    async def consumer() -> None:
        while True:
            timeout = gopy.after(rng.random() * 0.0005)
            timers.append(timeout)
            res = await select(recv_case(c), recv_case(timeout))
            if res.index == 0:
                received.append(res.value)

    consumers = [asyncio.create_task(consumer()) for _ in range(4)]
    producers = [asyncio.create_task(producer(1000 * p)) for p in range(4)]
    while not all(p.done() for p in producers):
        await asyncio.sleep(rng.random() * 0.001)
        victim = rng.choice(consumers)
        victim.cancel()
        consumers.remove(victim)
        consumers.append(asyncio.create_task(consumer()))
    await asyncio.gather(*producers)
    for t in consumers:
        t.cancel()
    results = await asyncio.gather(*consumers, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results), results
    assert sent and Counter(sent) == Counter(received)
    assert not c._senders and not c._receivers
    assert all(not t._receivers for t in timers)
    assert not parked


@pytest.mark.parametrize("capacity", [0, 1, 3])
@pytest.mark.parametrize("seed", range(4))
async def test_exactly_once_when_close_races_parked_selects_and_timeouts(
    capacity: int, seed: int
) -> None:
    # Producers race a close while parked in plain sends and in selects that
    # send on the channel twice (or send and receive on it); consumers select
    # over the channel twice. Every value whose send returned normally is
    # received exactly once; a send that raised ChannelClosed delivered nothing.
    rng = random.Random(seed)
    c: chan[Any] = chan(capacity)
    sent: list[Any] = []
    received: list[Any] = []

    async def producer(p: int) -> None:
        for i in range(PER_PRODUCER):
            value = (p, i)
            try:
                async with asyncio.timeout(delay(rng)):
                    kind = rng.random()
                    if kind < 0.4:
                        await c.send(value)
                        sent.append(value)
                    elif kind < 0.7:
                        sel = await select(send_case(c, value), send_case(c, value))
                        assert sel.index in (0, 1) and sel.ok
                        sent.append(value)
                    else:
                        sel = await select(send_case(c, value), recv_case(c))
                        if sel.index == 0:
                            sent.append(value)
                        elif sel.ok:
                            received.append(sel.value)
            except TimeoutError:
                pass
            except gopy.ChannelClosed:
                return

    async def consumer() -> None:
        while True:
            try:
                async with asyncio.timeout(delay(rng)):
                    sel = await select(recv_case(c), recv_case(c))
            except TimeoutError:
                continue
            if not sel.ok:
                return
            received.append(sel.value)

    producers = [asyncio.create_task(producer(p)) for p in range(PRODUCERS)]
    consumers = [asyncio.create_task(consumer()) for _ in range(CONSUMERS)]
    for _ in range(rng.randint(50, 400)):
        await asyncio.sleep(0)
    c.close()  # lands on parked senders, receivers and selects alike
    await asyncio.gather(*producers)
    await asyncio.gather(*consumers)
    assert Counter(received) == Counter(sent)
    assert not c._senders and not c._receivers and len(c) == 0
    assert not any(t in parked for t in producers + consumers)
