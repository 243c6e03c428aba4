"""Go's channel semantics, one test per rule (the Go spec's send, receive, close, range)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import gopy
from gopy import ChannelClosed, chan, recv_case, select, send_case
from gopy.runtime._parking import parked


def no_waiters(*chans: chan[Any]) -> bool:
    """No parked sender or receiver entry is left in any of ``chans``."""
    return all(not c._senders and not c._receivers for c in chans)


async def steps(n: int = 3) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


# -- construction, len, cap, repr -------------------------------------------


async def test_capacity_and_len() -> None:
    c = chan(3)
    assert c.cap == 3 and gopy.cap(c) == 3 and len(c) == 0
    await c.send("a")
    await c.send("b")
    assert len(c) == 2
    assert gopy.cap(None) == 0
    assert chan().cap == 0


async def test_generic_alias_makes_a_channel() -> None:
    c = chan[int](4)
    assert type(c) is chan and c.cap == 4


def test_negative_capacity_raises() -> None:
    with pytest.raises(ValueError):
        chan(-1)


def test_channel_needs_no_event_loop_to_construct() -> None:
    c = chan(1)
    assert asyncio.run(_send_recv(c)) == 42
    # a second event loop works with the same channel
    assert asyncio.run(_send_recv(c)) == 42


async def _send_recv(c: chan[int]) -> int | None:
    await c.send(42)
    return await c.recv()


async def test_repr_shows_state() -> None:
    c = chan(2)
    await c.send(1)
    r = asyncio.create_task(chan.recv(d := chan()))
    await steps()
    assert repr(c) == "<chan cap=2 len=1 waiting senders=0 receivers=0 open>"
    assert "receivers=1" in repr(d)
    d.close()
    assert repr(d).endswith("closed>")
    await r


# -- blocking ----------------------------------------------------------------


async def test_unbuffered_send_waits_for_a_receiver() -> None:
    c = chan()
    s = asyncio.create_task(c.send(1))
    await steps()
    assert not s.done() and len(c._senders) == 1
    assert await c.recv() == 1
    await steps()
    assert s.done() and no_waiters(c)


async def test_unbuffered_send_returns_only_after_the_value_is_taken() -> None:
    c = chan()
    log: list[str] = []

    async def sender() -> None:
        await c.send(1)
        log.append("sent")

    s = asyncio.create_task(sender())
    await steps(5)
    assert log == []
    log.append("recv")
    await c.recv()
    await s
    assert log == ["recv", "sent"]


async def test_receive_waits_for_a_value() -> None:
    c = chan(1)
    r = asyncio.create_task(c.recv())
    await steps()
    assert not r.done() and len(c._receivers) == 1
    await c.send(7)
    assert await r == 7 and no_waiters(c)


async def test_buffered_send_blocks_when_full() -> None:
    c = chan(2)
    await c.send(1)
    await c.send(2)
    s = asyncio.create_task(c.send(3))
    await steps()
    assert not s.done() and len(c) == 2
    assert await c.recv() == 1
    # the parked sender's value moved into the freed slot
    assert len(c) == 2 and not c._senders
    await s
    assert [await c.recv(), await c.recv()] == [2, 3]


async def test_immediate_operations_do_not_yield() -> None:
    c = chan(1)
    other_ran = False

    async def other() -> None:
        nonlocal other_ran
        other_ran = True

    t = asyncio.create_task(other())
    await c.send(1)
    await c.recv()
    assert not other_ran
    await t


async def test_immediate_operations_create_no_future(monkeypatch: pytest.MonkeyPatch) -> None:
    import gopy.runtime._channels
    import gopy.runtime._select

    created: list[object] = []
    real_future = asyncio.Future

    def counting_future(*, loop: asyncio.AbstractEventLoop) -> asyncio.Future[Any]:
        fut: asyncio.Future[Any] = real_future(loop=loop)
        created.append(fut)
        return fut

    monkeypatch.setattr(gopy.runtime._channels, "_Future", counting_future)
    monkeypatch.setattr(gopy.runtime._select, "_Future", counting_future)
    c = chan(2)
    await c.send(1)
    await gopy.send(c, 2)
    assert await c.recv() == 1 and await c.recv_ok() == (2, True)
    await select(send_case(c, 3), default=True)
    assert (await select(recv_case(c))).value == 3
    assert created == []
    r = asyncio.create_task(c.recv())  # this one parks: exactly one future
    await steps()
    await c.send(4)
    assert await r == 4 and len(created) == 1


async def test_send_hands_off_to_a_parked_receiver() -> None:
    c = chan(5)
    r = asyncio.create_task(c.recv())
    await steps()
    await c.send("x")
    assert len(c) == 0  # the value went straight to the receiver, not the buffer
    assert await r == "x"


# -- FIFO ----------------------------------------------------------------------


async def test_buffer_is_fifo() -> None:
    c = chan(10)
    for i in range(10):
        await c.send(i)
    assert [await c.recv() for _ in range(10)] == list(range(10))


async def test_blocked_senders_are_served_in_arrival_order() -> None:
    for capacity in (0, 2):
        c = chan(capacity)
        for i in range(capacity):
            await c.send(i)
        senders = []
        for i in range(capacity, capacity + 5):
            senders.append(asyncio.create_task(c.send(i)))
            await steps(1)
        assert [await c.recv() for _ in range(capacity + 5)] == list(range(capacity + 5))
        await asyncio.gather(*senders)
        assert no_waiters(c)


async def test_blocked_receivers_are_served_in_arrival_order() -> None:
    c = chan()
    receivers = []
    for _ in range(5):
        receivers.append(asyncio.create_task(c.recv()))
        await steps(1)
    for i in range(5):
        await c.send(i)
    assert await asyncio.gather(*receivers) == list(range(5))


# -- close -------------------------------------------------------------------


async def test_send_on_closed_channel_raises() -> None:
    c = chan(1)
    c.close()
    with pytest.raises(ChannelClosed, match="^send on closed channel$"):
        await c.send(1)
    with pytest.raises(ChannelClosed, match="^send on closed channel$"):
        await gopy.send(c, 1)


async def test_close_of_closed_channel_raises() -> None:
    c = chan()
    gopy.close(c)
    with pytest.raises(ChannelClosed, match="^close of closed channel$"):
        gopy.close(c)


def test_close_of_nil_channel_raises() -> None:
    with pytest.raises(ChannelClosed, match="^close of nil channel$"):
        gopy.close(None)


async def test_receive_on_closed_channel_drains_buffer_then_zero_values() -> None:
    c = chan(3)
    await c.send(1)
    await c.send(2)
    c.close()
    assert await c.recv_ok() == (1, True)
    assert await gopy.recv(c) == 2
    assert await c.recv() is None
    assert await gopy.recv_ok(c) == (None, False)
    assert await c.recv_ok() == (None, False)


async def test_close_wakes_every_parked_receiver() -> None:
    c = chan()
    rs = [asyncio.create_task(c.recv_ok()) for _ in range(3)]
    r2 = asyncio.create_task(c.recv())
    await steps()
    c.close()
    assert await asyncio.gather(*rs) == [(None, False)] * 3
    assert await r2 is None
    assert no_waiters(c)


async def test_close_makes_every_parked_sender_raise() -> None:
    c = chan(1)
    await c.send(0)
    ss = [asyncio.create_task(c.send(i)) for i in range(3)]
    await steps()
    c.close()
    for s in ss:
        with pytest.raises(ChannelClosed, match="send on closed channel"):
            await s
    # the buffered value is still delivered
    assert await c.recv_ok() == (0, True)
    assert await c.recv_ok() == (None, False)
    assert no_waiters(c)


async def test_close_is_synchronous() -> None:
    c = chan()
    r = asyncio.create_task(c.recv_ok())
    await steps()
    c.close()
    assert c.closed and not c._receivers
    assert await r == (None, False)


# -- nil channels ----------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "reason"),
    [
        (lambda: gopy.send(None, 1), "chan send (nil chan)"),
        (lambda: gopy.recv(None), "chan receive (nil chan)"),
        (lambda: gopy.recv_ok(None), "chan receive (nil chan)"),
        (lambda: gopy.range_of(None).__anext__(), "chan receive (nil chan)"),
    ],
)
async def test_nil_channel_blocks_forever(op: Any, reason: str) -> None:
    t = asyncio.create_task(op())
    await steps(5)
    assert not t.done()
    assert parked[t] == reason
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    assert t not in parked


# -- wait reasons for deadlock detection -----------------------------------


async def test_parked_reasons_are_recorded_and_removed() -> None:
    c = chan()
    s = asyncio.create_task(c.send(1))
    await steps()
    assert parked[s] == "chan send"
    await c.recv()
    await s
    assert s not in parked
    r = asyncio.create_task(c.recv())
    await steps()
    assert parked[r] == "chan receive"
    await c.send(2)
    await r
    assert r not in parked


async def test_fast_paths_do_not_touch_parked() -> None:
    c = chan(1)
    me = asyncio.current_task()
    await c.send(1)
    assert me not in parked
    await c.recv()
    assert me not in parked


# -- range ------------------------------------------------------------------


async def test_range_receives_until_closed_and_drained() -> None:
    c = chan(2)

    async def producer() -> None:
        for i in range(5):
            await c.send(i)
        c.close()

    p = asyncio.create_task(producer())
    assert [v async for v in gopy.range_of(c)] == list(range(5))
    assert [v async for v in c] == []
    await p


async def test_range_over_channel_in_sync_code_raises_with_hint() -> None:
    with pytest.raises(TypeError, match="async def"):
        for _ in gopy.range_of(chan()):
            pass


async def test_range_over_channel_with_two_variables_raises() -> None:
    with pytest.raises(TypeError):
        gopy.range_of(chan(), pairs=True)


async def test_range_over_values() -> None:
    assert list(gopy.range_of(3)) == [0, 1, 2]
    assert list(gopy.range_of("ab")) == [0, 1]
    assert list(gopy.range_of("ab", pairs=True)) == [(0, "a"), (1, "b")]
    assert list(gopy.range_of([5, 6], pairs=True)) == [(0, 5), (1, 6)]
    assert list(gopy.range_of({"x": 1, "y": 2})) == ["x", "y"]
    assert list(gopy.range_of({"x": 1}, pairs=True)) == [("x", 1)]
    assert list(gopy.range_of({3})) == [3]
    assert list(gopy.range_of(iter("ab"), pairs=True)) == [(0, "a"), (1, "b")]
    assert [i async for i in gopy.range_of(2)] == [0, 1]
    assert [kv async for kv in gopy.range_of((7, 8), pairs=True)] == [(0, 7), (1, 8)]
    class Three:
        def __index__(self) -> int:
            return 3

    assert list(gopy.range_of(Three())) == [0, 1, 2]
    with pytest.raises(TypeError):
        list(gopy.range_of(True))
    with pytest.raises(TypeError):
        list(gopy.range_of(3, pairs=True))
    with pytest.raises(TypeError):
        list(gopy.range_of(1.5))


# -- module functions accept channels like methods ---------------------------


async def test_module_functions_match_methods() -> None:
    c = chan(1)
    await gopy.send(c, 5)
    assert await gopy.recv(c) == 5
    await gopy.send(c, 6)
    assert await gopy.recv_ok(c) == (6, True)
    gopy.close(c)
    assert await gopy.recv_ok(c) == (None, False)


async def test_none_is_a_valid_value() -> None:
    c = chan(1)
    await c.send(None)
    assert await c.recv_ok() == (None, True)


async def test_empty_channel_is_truthy() -> None:
    assert chan() and chan(3)


def test_capacity_must_be_an_integer() -> None:
    with pytest.raises(TypeError):
        chan(1.5)  # type: ignore[arg-type]
