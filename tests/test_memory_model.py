"""The Go memory model's channel rules (go.dev/ref/mem, "Channel communication").

Tasks interleave only at suspension points, so "synchronized before" becomes:
a write made before the first event is visible when the second completes,
whatever the interleaving. Each test drives both orders where there are two.
"""

from __future__ import annotations

import asyncio

import gopy
from gopy import chan, recv_case, select, send_case


async def steps(n: int = 3) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_send_happens_before_the_receive_completes() -> None:
    for capacity in (0, 10):
        for receiver_first in (False, True):
            c = chan(capacity)
            shared: list[str] = []

            async def writer() -> None:
                if receiver_first:
                    await steps()
                shared.append("hello, world")
                await c.send(0)

            w = asyncio.create_task(writer())
            await c.recv()
            assert shared == ["hello, world"]
            await w


async def test_close_happens_before_a_receive_that_returns_because_closed() -> None:
    for receiver_first in (False, True):
        c = chan(10)
        shared: list[str] = []

        async def closer() -> None:
            if receiver_first:
                await steps()
            shared.append("hello, world")
            c.close()

        t = asyncio.create_task(closer())
        assert await c.recv_ok() == (None, False)
        assert shared == ["hello, world"]
        await t


async def test_receive_on_unbuffered_happens_before_the_send_completes() -> None:
    for sender_first in (False, True):
        c = chan()
        shared: list[str] = []

        async def receiver() -> None:
            if sender_first:
                await steps()
            shared.append("hello, world")
            await c.recv()

        r = asyncio.create_task(receiver())
        await c.send(0)
        assert shared == ["hello, world"]
        await r


async def test_kth_receive_happens_before_k_plus_cap_th_send_completes() -> None:
    capacity = 3
    c = chan(capacity)
    received = 0
    checks: list[bool] = []

    async def sender() -> None:
        for k in range(1, 11):
            await c.send(k)
            # send number k has completed: receive number k - C has happened
            checks.append(received >= k - capacity)

    async def receiver() -> None:
        nonlocal received
        for _ in range(10):
            await steps(1)
            await c.recv()
            received += 1

    await asyncio.gather(sender(), receiver())
    assert len(checks) == 10 and all(checks)


async def test_buffered_channel_as_counting_semaphore() -> None:
    # The Go memory model's example: at most `limit` workers run at once.
    limit = 3
    sem: chan[int] = chan(limit)
    running = 0
    peak = 0

    async def worker() -> None:
        nonlocal running, peak
        await sem.send(1)
        running += 1
        peak = max(peak, running)
        await steps(2)
        running -= 1
        await sem.recv()

    await asyncio.gather(*(worker() for _ in range(12)))
    assert peak == limit


async def test_select_communication_has_the_same_guarantees() -> None:
    c = chan()
    shared: list[str] = []

    async def writer() -> None:
        shared.append("sent")
        await select(send_case(c, 1), send_case(None, 2))

    w = asyncio.create_task(writer())
    res = await select(recv_case(c), recv_case(None))
    assert res.index == 0 and shared == ["sent"]
    await w


async def test_range_observes_writes_made_before_each_send() -> None:
    c = chan(2)
    shared: list[int] = []

    async def producer() -> None:
        for i in range(5):
            shared.append(i)
            await gopy.send(c, i)
        c.close()

    p = asyncio.create_task(producer())
    async for v in gopy.range_of(c):
        assert v in shared
    await p
