"""Cancellation races, written by stepping the loop: park, hand off, cancel, resume.

The rule: a task cancelled while blocked in send, recv or select either
completed its operation (and sees the result) or did not perform it at all,
and no waiter is left in any channel's queues. A cancellation that lands after
the operation completed is delivered at the task's next suspension point,
unless it was withdrawn (``asyncio.timeout()`` withdraws it when its body
completed).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings
from typing import Any

import pytest

from gopy import ChannelClosed, Selected, chan, recv_case, select, send_case
from gopy.runtime._parking import parked


def no_waiters(*chans: chan[Any]) -> bool:
    """No parked sender or receiver entry is left in any of ``chans``."""
    return all(not c._senders and not c._receivers for c in chans)


async def steps(n: int = 3) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


# -- cancelled before anything happened: the operation did not happen ------------


async def test_send_cancelled_while_parked() -> None:
    c = chan()
    s = asyncio.create_task(c.send(1))
    await steps()
    s.cancel()
    with pytest.raises(asyncio.CancelledError):
        await s
    assert no_waiters(c) and s not in parked
    assert await select(recv_case(c), default=True) == (-1, None, False)


async def test_recv_cancelled_while_parked() -> None:
    c = chan(1)
    r = asyncio.create_task(c.recv())
    await steps()
    r.cancel()
    with pytest.raises(asyncio.CancelledError):
        await r
    assert no_waiters(c) and r not in parked
    await c.send(1)
    assert len(c) == 1  # buffered, not handed to the cancelled receiver


async def test_cancelled_receiver_is_skipped_before_it_resumes() -> None:
    c = chan()
    r = asyncio.create_task(c.recv())
    await steps()
    r.cancel()  # its future is cancelled now; the task resumes later
    s = asyncio.create_task(c.send("v"))
    await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await r
    assert not s.done()  # the value was not handed to the dead receiver
    assert await c.recv() == "v"
    await s
    assert no_waiters(c)


async def test_cancelled_sender_is_skipped_before_it_resumes() -> None:
    c = chan()
    s1 = asyncio.create_task(c.send(1))
    s2 = asyncio.create_task(c.send(2))
    await steps()
    s1.cancel()
    assert await c.recv() == 2
    with pytest.raises(asyncio.CancelledError):
        await s1
    await s2
    assert no_waiters(c)


async def test_select_cancelled_while_parked() -> None:
    a, b = chan(), chan(1)
    await b.send(0)
    t = asyncio.create_task(select(recv_case(a), send_case(b, 1)))
    await steps()
    assert len(a._receivers) == 1 and len(b._senders) == 1
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    assert no_waiters(a, b) and t not in parked
    assert len(b) == 1  # the send case did not happen


# -- cancelled after the other side completed the operation ----------------------


async def test_send_cancelled_after_handoff() -> None:
    c = chan()
    s = asyncio.create_task(c.send("v"))
    await steps()
    assert await c.recv() == "v"  # takes the parked sender's value, wakes it
    assert s.cancel()  # lands before the sender resumes
    assert await s is None  # the send happened: it returns normally
    assert not s.cancelled() and no_waiters(c) and s not in parked


async def test_send_cancelled_after_value_moved_into_buffer() -> None:
    c = chan(1)
    await c.send("first")
    s = asyncio.create_task(c.send("second"))
    await steps()
    assert await c.recv() == "first"  # frees a slot: "second" moves in
    s.cancel()
    assert await s is None
    assert await c.recv() == "second"
    assert no_waiters(c)


async def test_recv_cancelled_after_handoff() -> None:
    c = chan()
    r = asyncio.create_task(c.recv())
    await steps()
    await c.send("v")  # handed to the parked receiver
    r.cancel()
    assert await r == "v"  # the value is returned, not lost
    assert no_waiters(c) and r not in parked


async def test_recv_ok_cancelled_after_handoff() -> None:
    c = chan()
    r = asyncio.create_task(c.recv_ok())
    await steps()
    await c.send("v")
    r.cancel()
    assert await r == ("v", True)
    assert no_waiters(c)


async def test_recv_cancelled_after_close() -> None:
    c = chan()
    r = asyncio.create_task(c.recv_ok())
    await steps()
    c.close()
    r.cancel()
    assert await r == (None, False)


async def test_range_cancelled_after_handoff() -> None:
    c = chan()
    got: list[Any] = []

    async def consumer() -> None:
        async for v in c:
            got.append(v)

    t = asyncio.create_task(consumer())
    await steps()
    await c.send(1)
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t  # delivered at the next receive, after the value was recorded
    assert got == [1] and no_waiters(c)


async def test_send_cancelled_after_close() -> None:
    c = chan()
    s = asyncio.create_task(c.send(1))
    await steps()
    c.close()  # the sender's future holds ChannelClosed now
    s.cancel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(asyncio.CancelledError):
            await s  # the send did not happen: either error is truthful
        gc.collect()  # no "exception was never retrieved" from the future
    assert no_waiters(c)


async def test_select_cancelled_after_commit() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(recv_case(a), recv_case(b)))
    await steps()
    await b.send("v")  # commits case 1
    t.cancel()
    assert await t == Selected(1, "v", True)
    assert no_waiters(a, b) and t not in parked


async def test_select_send_case_cancelled_after_handoff() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(recv_case(a), send_case(b, "v")))
    await steps()
    assert await b.recv() == "v"
    t.cancel()
    assert await t == Selected(1, None, True)
    assert no_waiters(a, b)


async def test_select_cancelled_after_close_of_send_case() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(recv_case(a), send_case(b, "v")))
    await steps()
    b.close()
    t.cancel()
    with pytest.raises((asyncio.CancelledError, ChannelClosed)):
        await t
    assert no_waiters(a, b)


# -- where the absorbed cancellation goes ---------------------------------------


async def test_absorbed_cancellation_is_delivered_at_next_suspension() -> None:
    c = chan()
    progress: list[str] = []

    async def worker() -> None:
        await c.send(1)
        progress.append("sent")
        await asyncio.sleep(3600)
        progress.append("slept")

    w = asyncio.create_task(worker())
    await steps()
    await c.recv()
    w.cancel()
    with pytest.raises(asyncio.CancelledError):
        await w
    assert progress == ["sent"]
    assert w.cancelled() and w.cancelling() == 1  # one request, delivered once


async def test_absorbed_cancellation_is_delivered_at_next_channel_operation() -> None:
    c = chan()

    async def worker() -> None:
        while True:
            await c.send(1)

    w = asyncio.create_task(worker())
    await steps()
    await c.recv()
    w.cancel()
    with pytest.raises(asyncio.CancelledError):
        await w
    assert no_waiters(c)


async def test_cancel_message_survives_redelivery() -> None:
    c = chan()

    async def worker() -> None:
        await c.recv()
        await asyncio.sleep(3600)

    w = asyncio.create_task(worker())
    await steps()
    await c.send(1)
    w.cancel("stop it")
    with pytest.raises(asyncio.CancelledError, match="stop it"):
        await w


async def _timeout_race(c: chan[Any], body_continues: bool, op: str) -> tuple[str, Any]:
    """Run ``op`` on ``c`` under asyncio.timeout; expire it right after the hand-off."""
    loop = asyncio.get_running_loop()
    timeouts: list[asyncio.Timeout] = []
    outcome: list[Any] = []

    async def body() -> None:
        try:
            async with asyncio.timeout(None) as cm:
                timeouts.append(cm)
                if op == "send":
                    outcome.append(await c.send("v"))
                elif op == "recv":
                    outcome.append(await c.recv())
                else:
                    outcome.append(await select(recv_case(c), recv_case(None)))
                if body_continues:
                    await asyncio.sleep(0)
                    outcome.append("continued")
        except TimeoutError:
            outcome.append("timeout")
        # no cancellation may be left pending once the timeout exited
        await asyncio.sleep(0)
        outcome.append("after")

    t = asyncio.create_task(body())
    await steps()

    def counterpart() -> None:
        if op == "send":
            outcome.append(c._recv_nowait())
        else:
            c._send_nowait("v")

    # Queue the hand-off, then the timeout: the timeout's cancel lands after
    # the hand-off resolved the body's future but before the body resumes.
    loop.call_soon(counterpart)
    timeouts[0].reschedule(loop.time() - 1)
    await t
    assert t.cancelling() == 0 and no_waiters(c)
    return outcome[0], outcome[1:]


@pytest.mark.parametrize("op", ["send", "recv", "select"])
async def test_timeout_exits_cleanly_when_operation_completed(op: str) -> None:
    first, rest = await _timeout_race(chan(), body_continues=False, op=op)
    if op == "send":
        assert first == "v" and rest == [None, "after"]  # taken; send returned
    elif op == "recv":
        assert first == "v" and rest == ["after"]
    else:
        assert first == Selected(0, "v", True) and rest == ["after"]


@pytest.mark.parametrize("op", ["send", "recv", "select"])
async def test_timeout_raises_when_body_continues_after_completed_operation(op: str) -> None:
    first, rest = await _timeout_race(chan(), body_continues=True, op=op)
    assert rest[-2:] == ["timeout", "after"]
    assert "continued" not in rest


async def test_wait_for_returns_value_received_at_the_deadline() -> None:
    c = chan()
    r = asyncio.create_task(asyncio.wait_for(c.recv(), 3600))
    await steps()
    # Python 3.11 runs the awaitable in an inner task; 3.12+ in the caller's
    # task under asyncio.timeout. Either way the timeout cancels that task.
    inner = [t for t in asyncio.all_tasks() if t not in (r, asyncio.current_task())]
    receiver = inner[0] if sys.version_info < (3, 12) else r
    assert parked[receiver] == "chan receive"
    await c.send("v")
    receiver.cancel()  # what wait_for's timeout does, right after the hand-off
    assert await r == "v"
    assert no_waiters(c)


async def test_outside_cancel_survives_a_timeout_that_withdrew_its_own() -> None:
    # Two requests land after the hand-off: the timeout's and an outside one.
    # The timeout withdraws its own on exit; the outside one is still delivered.
    c = chan()
    loop = asyncio.get_running_loop()
    timeouts: list[asyncio.Timeout] = []
    progress: list[str] = []

    async def body() -> None:
        async with asyncio.timeout(None) as cm:
            timeouts.append(cm)
            await c.send("v")
        progress.append("timeout exited")
        await asyncio.sleep(3600)
        progress.append("slept")

    t = asyncio.create_task(body())
    await steps()
    loop.call_soon(c._recv_nowait)
    timeouts[0].reschedule(loop.time() - 1)
    loop.call_soon(t.cancel)
    with pytest.raises(asyncio.CancelledError):
        await t
    assert progress == ["timeout exited"]


@pytest.mark.parametrize("op", ["send", "recv", "recv_ok", "select"])
async def test_exception_thrown_into_parked_operation_leaves_no_waiter(op: str) -> None:
    c = chan()
    coro = {
        "send": lambda: c.send(1),
        "recv": lambda: c.recv(),
        "recv_ok": lambda: c.recv_ok(),
        "select": lambda: select(recv_case(c), send_case(c, 2)),
    }[op]()
    coro.send(None)  # runs to the park (driven by hand, inside this task)
    assert c._senders or c._receivers
    with pytest.raises(KeyError):
        coro.throw(KeyError("boom"))
    assert no_waiters(c) and asyncio.current_task() not in parked
    # a later counterpart is not handed to the abandoned waiter
    assert await select(send_case(c, 3), recv_case(c), default=True) == (-1, None, False)
