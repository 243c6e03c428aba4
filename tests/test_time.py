"""Go's timers: after, Timer, Ticker, tick, sleep (ordinary channels fed by loop timers)."""

from __future__ import annotations

import asyncio
import time

import pytest

import gopy
from gopy import Ticker, Timer, chan


async def test_after_delivers_the_fire_time_once() -> None:
    start = time.time()
    c = gopy.after(0.01)
    assert isinstance(c, chan) and c.cap == 1
    fired = await c.recv()
    assert isinstance(fired, float) and fired >= start
    await gopy.sleep(0.03)
    assert len(c) == 0  # nothing more is ever sent


async def test_after_creates_no_task() -> None:
    before = asyncio.all_tasks()
    c = gopy.after(0)
    assert asyncio.all_tasks() == before
    await c.recv()


async def test_after_with_negative_duration_fires_at_once() -> None:
    assert isinstance(await gopy.after(-1).recv(), float)


async def test_timer_delivers_once() -> None:
    t = Timer(0.005)
    assert isinstance(await t.c.recv(), float)
    assert t.stop() is False  # already fired


async def test_timer_stop_before_fire_returns_true_and_nothing_arrives() -> None:
    t = Timer(0.01)
    assert t.stop() is True
    assert t.stop() is False  # already stopped
    await gopy.sleep(0.03)
    assert len(t.c) == 0


async def test_timer_stop_after_fire_keeps_the_value_for_the_drain_idiom() -> None:
    t = Timer(0)
    await gopy.sleep(0.01)
    assert t.stop() is False
    assert len(t.c) == 1  # Go's `if !t.Stop() { <-t.C }` works
    await t.c.recv()


async def test_timer_reset_restarts_and_reports_activity() -> None:
    t = Timer(10)
    assert t.reset(0.005) is True
    assert isinstance(await t.c.recv(), float)
    assert t.reset(0.005) is False
    assert isinstance(await t.c.recv(), float)


async def test_timer_reset_drops_a_stale_value() -> None:
    t = Timer(0)
    await gopy.sleep(0.01)
    assert len(t.c) == 1
    t.reset(10)
    assert len(t.c) == 0
    t.stop()


async def test_ticker_delivers_repeatedly() -> None:
    tk = Ticker(0.002)
    values = [await tk.c.recv() for _ in range(3)]
    tk.stop()
    assert values == sorted(values) and len(set(values)) == 3


async def test_ticker_drops_ticks_for_a_slow_reader() -> None:
    tk = Ticker(0.001)
    await gopy.sleep(0.03)  # many intervals pass
    assert len(tk.c) == 1  # at most one tick is kept
    tk.stop()


async def test_ticker_stop_stops_ticks() -> None:
    tk = Ticker(0.002)
    await tk.c.recv()
    tk.stop()
    await gopy.sleep(0.02)
    assert len(tk.c) == 0


async def test_ticker_reset_changes_the_interval() -> None:
    tk = Ticker(10)
    tk.reset(0.002)
    assert isinstance(await tk.c.recv(), float)
    tk.stop()


async def test_ticker_rejects_non_positive_interval() -> None:
    with pytest.raises(ValueError):
        Ticker(0)
    with pytest.raises(ValueError):
        Ticker(1).reset(-1)


async def test_tick_with_non_positive_interval_is_the_nil_channel() -> None:
    assert gopy.tick(0) is None and gopy.tick(-1) is None


async def test_tick_returns_a_ticking_channel() -> None:
    c = gopy.tick(0.002)
    assert c is not None
    assert isinstance(await c.recv(), float)
    assert isinstance(await c.recv(), float)


async def test_sleep_is_awaitable_and_lets_others_run() -> None:
    ran = []

    async def other() -> None:
        ran.append(1)

    t = asyncio.create_task(other())
    await gopy.sleep(0)
    assert ran == [1]
    await gopy.sleep(-1)
    await t


async def test_timer_in_select_as_timeout() -> None:
    never: chan[int] = chan()
    t = Timer(0.005)
    res = await gopy.select(gopy.recv_case(never), gopy.recv_case(t.c))
    assert res.index == 1
    assert not never._receivers and not t.c._receivers
