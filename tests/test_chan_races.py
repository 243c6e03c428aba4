"""Races found in review: close and cancellation against parked sends, receives and selects.

Each test is named after the race it pins down; every one steps the loop
instead of sleeping and asserts that no waiter is left behind.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gopy import ChannelClosed, Selected, chan, range_of, recv_case, select, send_case
from gopy.runtime._parking import parked


def no_waiters(*chans: chan[Any]) -> bool:
    """No parked sender or receiver entry is left in any of ``chans``."""
    return all(not c._senders and not c._receivers for c in chans)


async def steps(n: int = 3) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


class Uncomparable:
    """A value whose ``==`` raises, like a numpy array's truth value."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("the truth value is ambiguous")

    __hash__ = object.__hash__


# -- select entries on one channel ---------------------------------------------


async def test_select_two_sends_on_one_channel_cancelled_with_uncomparable_values() -> None:
    # Removing one entry of a select must not compare the values it sends.
    c = chan()
    t = asyncio.create_task(select(send_case(c, Uncomparable()), send_case(c, Uncomparable())))
    await steps()
    assert len(c._senders) == 2
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    assert no_waiters(c) and t not in parked


async def test_select_two_sends_on_one_channel_committed_with_uncomparable_values() -> None:
    c = chan()
    a, b = Uncomparable(), Uncomparable()
    t = asyncio.create_task(select(send_case(c, a), send_case(c, b)))
    await steps()
    assert await c.recv() is a  # the first entry, FIFO
    assert await t == Selected(0, None, True)
    assert no_waiters(c)


async def test_close_wakes_select_parked_to_send_and_receive_on_one_channel() -> None:
    # Go's closechan wakes receivers first: the select reports its receive case.
    c = chan()
    t = asyncio.create_task(select(send_case(c, 1), recv_case(c)))
    await steps()
    assert len(c._senders) == 1 and len(c._receivers) == 1
    c.close()
    assert await t == Selected(1, None, False)
    assert no_waiters(c) and t not in parked


async def test_close_wakes_select_with_one_channel_twice_once() -> None:
    c = chan()
    t = asyncio.create_task(select(recv_case(c), recv_case(c)))
    await steps()
    c.close()
    assert await t == Selected(0, None, False)
    assert no_waiters(c)


async def test_close_of_send_case_channel_then_value_on_other_case() -> None:
    # The close commits the select (it raises); a later send on the other
    # channel finds no live entry and parks instead of being lost.
    a, b = chan(), chan()
    t = asyncio.create_task(select(send_case(a, 1), recv_case(b)))
    await steps()
    a.close()
    s = asyncio.create_task(b.send("v"))
    await steps()
    with pytest.raises(ChannelClosed, match="send on closed channel"):
        await t
    assert not s.done() and len(b._senders) == 1
    assert await b.recv() == "v"
    await s
    assert no_waiters(a, b)


async def test_select_same_channel_twice_other_task_gets_one_value() -> None:
    c = chan()
    t = asyncio.create_task(select(recv_case(c), recv_case(c)))
    await steps()
    await c.send("x")
    s = asyncio.create_task(c.send("y"))
    await steps()
    assert await t == Selected(0, "x", True)
    assert not s.done()  # "y" was not handed to the select's second, dead entry
    assert await c.recv() == "y"
    await s
    assert no_waiters(c)


# -- cancellation at each step of a hand-off -----------------------------------


async def test_cancel_twice_after_handoff_delivers_one_cancellation() -> None:
    c = chan()
    progress: list[str] = []

    async def worker() -> None:
        progress.append(await c.recv())
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            progress.append("cancelled")
            await asyncio.sleep(0)  # a second CancelledError would land here
            progress.append("cleaned up")
            raise

    w = asyncio.create_task(worker())
    await steps()
    await c.send("v")
    assert w.cancel() and w.cancel()
    with pytest.raises(asyncio.CancelledError):
        await w
    assert progress == ["v", "cancelled", "cleaned up"]
    assert no_waiters(c)


async def test_cancel_then_uncancel_after_handoff_is_withdrawn() -> None:
    c = chan()
    progress: list[Any] = []

    async def worker() -> None:
        progress.append(await c.recv())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        progress.append("not cancelled")

    w = asyncio.create_task(worker())
    await steps()
    await c.send("v")
    w.cancel()
    w.uncancel()  # withdrawn before the task resumed
    await w
    assert progress == ["v", "not cancelled"] and w.cancelling() == 0


async def test_cancel_while_redelivered_cancel_is_pending() -> None:
    # The absorbed cancellation is pending redelivery when the task parks
    # again and a second cancellation lands on that park.
    c, d = chan(), chan()
    got: list[Any] = []

    async def worker() -> None:
        got.append(await c.recv())  # absorbs the first cancel
        got.append(await d.recv())  # parks with the redelivery queued

    w = asyncio.create_task(worker())
    await steps()
    loop = asyncio.get_running_loop()
    c._send_nowait("v")
    w.cancel("first")
    await asyncio.sleep(0)  # the worker absorbs, parks on d
    assert got == ["v"] and len(d._receivers) == 1
    w.cancel("second")
    with pytest.raises(asyncio.CancelledError):
        await w
    assert w.cancelled() and no_waiters(c, d) and w not in parked
    assert await select(send_case(d, 1), default=True) == (-1, None, False)
    del loop


async def test_redelivered_cancel_meets_a_value_handed_over_first() -> None:
    # Before the redelivery runs, a sender hands the task a value on its next
    # receive: that value is returned too, then the cancellation lands.
    c = chan()
    got: list[Any] = []

    async def worker() -> None:
        while True:
            got.append(await c.recv())

    w = asyncio.create_task(worker())
    await steps()
    c._send_nowait(1)
    w.cancel()
    loop = asyncio.get_running_loop()
    # Runs before the redelivery callback the worker will queue: hands over 2.
    loop.call_soon(loop.call_soon, c._send_nowait, 2)
    with pytest.raises(asyncio.CancelledError):
        await w
    assert got[0] == 1 and got[-1] in (1, 2)
    assert no_waiters(c) and len(c) == 0


@pytest.mark.parametrize("op", ["send", "recv", "select"])
async def test_nested_timeouts_expire_after_handoff(op: str) -> None:
    c = chan()
    loop = asyncio.get_running_loop()
    cms: list[asyncio.Timeout] = []
    outcome: list[Any] = []

    async def body() -> None:
        async with asyncio.timeout(None) as outer:
            cms.append(outer)
            async with asyncio.timeout(None) as inner:
                cms.append(inner)
                if op == "send":
                    outcome.append(await c.send("v"))
                elif op == "recv":
                    outcome.append(await c.recv())
                else:
                    outcome.append(await select(recv_case(c)))
        await asyncio.sleep(0)
        outcome.append("after")

    t = asyncio.create_task(body())
    await steps()
    if op == "send":
        loop.call_soon(c._recv_nowait)
    else:
        loop.call_soon(c._send_nowait, "v")
    cms[1].reschedule(loop.time() - 1)
    cms[0].reschedule(loop.time() - 1)
    await t  # both bodies completed: neither timeout raises
    assert outcome[-1] == "after" and t.cancelling() == 0 and no_waiters(c)


async def test_inner_timeout_after_handoff_outer_expires_later() -> None:
    c = chan()
    loop = asyncio.get_running_loop()
    cms: list[asyncio.Timeout] = []
    outcome: list[str] = []

    async def body() -> None:
        try:
            async with asyncio.timeout(None) as outer:
                cms.append(outer)
                async with asyncio.timeout(None) as inner:
                    cms.append(inner)
                    await c.recv()
                outcome.append("inner exited")
                await asyncio.sleep(3600)
        except TimeoutError:
            outcome.append("outer timeout")

    t = asyncio.create_task(body())
    await steps()
    loop.call_soon(c._send_nowait, "v")
    cms[1].reschedule(loop.time() - 1)
    await steps()
    assert outcome == ["inner exited"]
    cms[0].reschedule(loop.time() - 1)
    await t
    assert outcome == ["inner exited", "outer timeout"] and t.cancelling() == 0


# -- buffered channels: a parked sender's value moved in on a refill ------------


async def test_select_send_case_cancelled_after_refill() -> None:
    c, other = chan(1), chan()
    await c.send("first")
    t = asyncio.create_task(select(recv_case(other), send_case(c, "second")))
    await steps()
    assert await c.recv() == "first"  # the refill moves "second" in, commits case 1
    t.cancel()
    assert await t == Selected(1, None, True)
    assert await c.recv() == "second"
    assert no_waiters(c, other)


async def test_refill_skips_sender_cancelled_before_the_slot_freed() -> None:
    c = chan(1)
    await c.send("first")
    s1 = asyncio.create_task(c.send("lost?"))
    s2 = asyncio.create_task(c.send("second"))
    await steps()
    s1.cancel()  # its future is cancelled; it has not resumed yet
    assert await c.recv() == "first"
    assert await c.recv() == "second"
    with pytest.raises(asyncio.CancelledError):
        await s1
    await s2
    assert len(c) == 0 and no_waiters(c)


async def test_close_after_refill_keeps_the_moved_value() -> None:
    c = chan(1)
    await c.send("first")
    s = asyncio.create_task(c.send("second"))
    await steps()
    assert await c.recv() == "first"
    c.close()  # the sender's value is already in the buffer: its send happened
    assert await s is None
    assert await c.recv_ok() == ("second", True)
    assert await c.recv_ok() == (None, False)


# -- range over a channel closed during iteration ---------------------------------


async def test_range_over_channel_closed_while_parked() -> None:
    c = chan()
    got: list[int] = []

    async def consumer() -> None:
        async for v in range_of(c):
            got.append(v)

    t = asyncio.create_task(consumer())
    await steps()
    await c.send(1)
    await steps()
    c.close()
    await t
    assert got == [1] and no_waiters(c)


async def test_range_over_buffered_channel_closed_mid_iteration_drains() -> None:
    c = chan(3)
    for i in range(3):
        await c.send(i)
    got = []
    async for v in range_of(c):
        got.append(v)
        if v == 0:
            c.close()
    assert got == [0, 1, 2]


async def test_range_over_nil_channel_blocks_and_is_cancellable() -> None:
    async def consumer() -> None:
        async for _ in range_of(None):
            pass

    t = asyncio.create_task(consumer())
    await steps()
    assert parked[t] == "chan receive (nil chan)"
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    assert t not in parked


# -- range over other values, sync and async --------------------------------------


def _gen() -> Any:
    yield "a"
    yield "b"


RANGES: list[tuple[str, Any, bool, list[Any]]] = [
    ("int", 3, False, [0, 1, 2]),
    ("zero", 0, False, []),
    ("negative int", -2, False, []),
    ("str", "héj", False, [0, 1, 2]),
    ("str pairs", "hé", True, [(0, "h"), (1, "é")]),
    ("list pairs", ["x", "y"], True, [(0, "x"), (1, "y")]),
    ("tuple", ("x", "y"), False, [0, 1]),
    ("dict", {"k": 1, "j": 2}, False, ["k", "j"]),
    ("dict pairs", {"k": 1, "j": 2}, True, [("k", 1), ("j", 2)]),
    ("set", {7}, False, [7]),
    ("set pairs", {7}, True, [(0, 7)]),
    ("generator", None, False, ["a", "b"]),
    ("generator pairs", None, True, [(0, "a"), (1, "b")]),
    ("range", range(2, 4), False, [0, 1]),
    ("bytes", b"ab", True, [(0, 97), (1, 98)]),
]


@pytest.mark.parametrize("kind,x,pairs,expected", RANGES, ids=[r[0] for r in RANGES])
def test_range_of_sync_over_every_kind(kind: str, x: Any, pairs: bool, expected: list[Any]) -> None:
    if x is None:
        x = _gen()
    assert list(range_of(x, pairs=pairs)) == expected


@pytest.mark.parametrize("kind,x,pairs,expected", RANGES, ids=[r[0] for r in RANGES])
async def test_range_of_async_over_every_kind(
    kind: str, x: Any, pairs: bool, expected: list[Any]
) -> None:
    if x is None:
        x = _gen()
    assert [v async for v in range_of(x, pairs=pairs)] == expected


@pytest.mark.parametrize("x", [3, True, 1.5, None, chan()])
def test_range_of_rejects_what_go_rejects(x: Any) -> None:
    with pytest.raises(TypeError):
        list(range_of(x, pairs=True))
    if x is None or isinstance(x, chan):
        with pytest.raises(TypeError, match="async def"):
            list(range_of(x))


def test_range_of_int_evaluates_its_operand_once() -> None:
    # Go evaluates the range expression once: changing n inside the loop does not matter.
    n = 3
    seen = []
    for i in range_of(n):
        seen.append(i)
        n = 10
    assert seen == [0, 1, 2]
