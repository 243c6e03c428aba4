"""Go's select rules, one test each, plus fairness checked statistically."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

import gopy
from gopy import ChannelClosed, Selected, chan, recv_case, select, send_case
from gopy.runtime._parking import parked


def no_waiters(*chans: chan[Any]) -> bool:
    """No parked sender or receiver entry is left in any of ``chans``."""
    return all(not c._senders and not c._receivers for c in chans)


async def steps(n: int = 3) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


def chi_square(counts: Counter[int], keys: list[int], total: int) -> float:
    """Pearson's statistic against the uniform distribution over ``keys``."""
    expected = total / len(keys)
    return sum((counts[k] - expected) ** 2 / expected for k in keys)


# -- choosing ------------------------------------------------------------------


async def test_single_ready_receive_case_runs() -> None:
    a, b = chan(), chan(1)
    await b.send("x")
    assert await select(recv_case(a), recv_case(b)) == Selected(1, "x", True)
    assert len(b) == 0


async def test_single_ready_send_case_runs() -> None:
    a, b = chan(), chan(1)
    res = await select(send_case(a, 1), send_case(b, 2))
    assert res == (1, None, True) and isinstance(res, Selected)
    assert await b.recv() == 2


async def test_ready_cases_are_chosen_uniformly() -> None:
    chans = [chan(1) for _ in range(3)]
    trials = 30_000
    counts: Counter[int] = Counter()
    for _ in range(trials):
        for c in chans:
            if not len(c):
                await c.send(0)
        counts[(await select(*map(recv_case, chans))).index] += 1
    # df = 2: P(chi2 > 60) is about 1e-13, so this never flakes, yet
    # "always the first ready case" gives chi2 = 60000.
    assert chi_square(counts, [0, 1, 2], trials) < 60


async def test_only_ready_cases_are_chosen_and_uniformly() -> None:
    a, idle, b = chan(1), chan(), chan(1)
    trials = 20_000
    counts: Counter[int] = Counter()
    for _ in range(trials):
        for c in (a, b):
            if not len(c):
                await c.send(0)
        counts[(await select(recv_case(a), recv_case(idle), recv_case(b))).index] += 1
    assert counts[1] == 0
    assert chi_square(counts, [0, 2], trials) < 60


async def test_mixed_send_and_receive_cases_are_chosen_uniformly() -> None:
    inbox, outbox = chan(1), chan(1)
    trials = 20_000
    counts: Counter[int] = Counter()
    for _ in range(trials):
        if not len(inbox):
            await inbox.send(0)
        if len(outbox):
            await outbox.recv()
        counts[(await select(recv_case(inbox), send_case(outbox, 1))).index] += 1
    assert chi_square(counts, [0, 1], trials) < 60


# -- default -----------------------------------------------------------------


async def test_default_runs_when_nothing_is_ready() -> None:
    a = chan()
    assert await select(recv_case(a), send_case(a, 1), default=True) == Selected(-1, None, False)
    assert no_waiters(a)


async def test_default_is_not_taken_when_a_case_is_ready() -> None:
    a = chan(1)
    await a.send(5)
    assert await select(recv_case(a), default=True) == (0, 5, True)


async def test_default_only_select_returns_at_once() -> None:
    assert (await select(default=True)).index == -1


# -- nil channels ---------------------------------------------------------------


async def test_nil_channel_case_is_never_ready() -> None:
    assert (await select(recv_case(None), send_case(None, 1), default=True)).index == -1
    a = chan(1)
    await a.send(1)
    for _ in range(200):
        res = await select(recv_case(None), recv_case(a), send_case(None, 2))
        assert res.index == 1
        await a.send(1)


async def test_select_with_only_nil_channels_blocks() -> None:
    t = asyncio.create_task(select(recv_case(None), send_case(None, 0)))
    await steps()
    assert not t.done() and parked[t] == "select"
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t


async def test_empty_select_blocks_forever() -> None:
    t = asyncio.create_task(select())
    await steps(5)
    assert not t.done() and parked[t] == "select (no cases)"
    t.cancel()
    with pytest.raises(asyncio.CancelledError):
        await t
    assert t not in parked


# -- closed channels -----------------------------------------------------------


async def test_receive_case_on_closed_channel_is_ready_with_ok_false() -> None:
    a, b = chan(), chan()
    b.close()
    assert await select(recv_case(a), recv_case(b)) == Selected(1, None, False)


async def test_send_case_on_closed_channel_raises() -> None:
    a = chan()
    a.close()
    with pytest.raises(ChannelClosed, match="^send on closed channel$"):
        await select(send_case(a, 1), recv_case(chan()))
    with pytest.raises(ChannelClosed):
        await select(send_case(a, 1), default=True)


async def test_close_wakes_parked_select_send_case_with_panic() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(send_case(a, 1), recv_case(b)))
    await steps()
    a.close()
    with pytest.raises(ChannelClosed, match="send on closed channel"):
        await t
    assert no_waiters(a, b)


async def test_close_wakes_parked_select_receive_case() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(recv_case(a), recv_case(b)))
    await steps()
    b.close()
    assert await t == Selected(1, None, False)
    assert no_waiters(a, b)


# -- blocking ------------------------------------------------------------------


async def test_select_blocks_until_a_case_can_proceed() -> None:
    a, b = chan(), chan()
    t = asyncio.create_task(select(recv_case(a), recv_case(b)))
    await steps()
    assert not t.done() and parked[t] == "select"
    assert len(a._receivers) == 1 and len(b._receivers) == 1
    await b.send("v")  # hand-off to the parked select: completes at once
    assert await t == Selected(1, "v", True)
    assert no_waiters(a, b) and t not in parked


async def test_parked_select_commits_exactly_one_case() -> None:
    a, b = chan(1), chan(1)
    t = asyncio.create_task(select(recv_case(a), recv_case(b)))
    await steps()
    await a.send(1)  # commits case 0
    await b.send(2)  # the select's entry on b is dead now: this goes to the buffer
    assert await t == Selected(0, 1, True)
    assert len(b) == 1 and await b.recv() == 2
    assert no_waiters(a, b)


async def test_parked_select_send_case_delivers_to_a_receiver() -> None:
    out, other = chan(), chan()
    t = asyncio.create_task(select(send_case(out, "item"), recv_case(other)))
    await steps()
    assert await out.recv() == "item"
    assert await t == Selected(0, None, True)
    assert no_waiters(out, other)


async def test_parked_select_send_case_moves_into_freed_buffer_slot() -> None:
    out = chan(1)
    await out.send("first")
    t = asyncio.create_task(select(send_case(out, "second"), recv_case(chan())))
    await steps()
    assert await out.recv() == "first"
    assert await t == Selected(0, None, True)
    assert await out.recv() == "second"


async def test_two_selects_rendezvous() -> None:
    c = chan()
    t = asyncio.create_task(select(recv_case(c), recv_case(chan())))
    await steps()
    assert await select(send_case(c, 3), send_case(chan(), 4)) == (0, None, True)
    assert await t == (0, 3, True)
    assert no_waiters(c)


async def test_select_on_same_channel_twice() -> None:
    c = chan()
    t = asyncio.create_task(select(recv_case(c), recv_case(c)))
    await steps()
    assert len(c._receivers) == 2
    await c.send(1)
    assert (await t).value == 1
    assert no_waiters(c)


async def test_select_does_not_match_itself() -> None:
    c = chan()
    t = asyncio.create_task(select(send_case(c, 1), recv_case(c)))
    await steps(5)
    assert not t.done()
    assert await c.recv() == 1
    assert await t == (0, None, True)
    assert no_waiters(c)


async def test_select_uses_after_as_timeout_without_a_task() -> None:
    c = chan()
    before = len(asyncio.all_tasks())
    timeout = gopy.after(0.01)
    assert len(asyncio.all_tasks()) == before
    res = await select(recv_case(c), recv_case(timeout))
    assert res.index == 1 and isinstance(res.value, float)
    assert no_waiters(c, timeout)


async def test_module_level_select_is_the_same_function() -> None:
    assert gopy.select is select and gopy.recv_case is recv_case


async def test_malformed_case_raises_type_error_with_hint() -> None:
    c = chan()
    with pytest.raises(TypeError, match="recv_case"):
        await select(c)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="case 1"):
        await select(recv_case(c), recv_case(asyncio.Queue()), default=True)  # type: ignore[arg-type]


async def test_select_does_not_touch_the_global_random_state() -> None:
    import random

    a, b = chan(1), chan(1)
    random.seed(42)
    expected = [random.random() for _ in range(3)]
    random.seed(42)
    for _ in range(50):
        await a.send(0)
        await b.send(0)
        await select(recv_case(a), recv_case(b))
        await select(recv_case(a), recv_case(b))
    assert [random.random() for _ in range(3)] == expected
