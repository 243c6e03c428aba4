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


async def test_timer_stop_after_fire_before_receive_drops_the_stale_value() -> None:
    # Go 1.23: no receive after Stop returns gets a value from before the Stop,
    # and Stop reports True when the program had not received it yet.
    t = Timer(0)
    await gopy.sleep(0.01)
    assert len(t.c) == 1  # fired, not received
    assert t.stop() is True
    assert len(t.c) == 0
    assert await gopy.select(gopy.recv_case(t.c), default=True) == (-1, None, False)
    assert t.stop() is False


async def test_timer_drain_idiom_never_blocks() -> None:
    # Go's pre-1.23 `if !t.Stop() { <-t.C }` stays safe: Stop is False only
    # when the value was received already (so there is nothing to drain) ...
    t = Timer(0)
    await gopy.sleep(0.01)
    await t.c.recv()
    assert t.stop() is False
    # ... and True whenever a value was still pending.
    t2 = Timer(0)
    await gopy.sleep(0.01)
    assert t2.stop() is True


async def test_timer_stop_after_value_handed_to_parked_receiver() -> None:
    # The fire handed the value to a parked receiver: it was received; Stop is False.
    t = Timer(0.001)
    r = asyncio.create_task(t.c.recv())
    while not r.done():
        await gopy.sleep(0.001)
    assert t.stop() is False
    assert isinstance(await r, float)


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


async def test_ticker_stop_drops_a_pending_tick() -> None:
    # Go 1.23: after Stop returns, no stale tick is received.
    tk = Ticker(0.001)
    await gopy.sleep(0.01)
    assert len(tk.c) == 1
    tk.stop()
    assert len(tk.c) == 0


async def test_ticker_reset_drops_a_pending_tick() -> None:
    tk = Ticker(0.001)
    await gopy.sleep(0.01)
    tk.reset(10)
    assert len(tk.c) == 0
    tk.stop()


async def test_ticker_reset_to_non_positive_interval_keeps_ticking() -> None:
    # Go's Reset panics before touching the ticker: it keeps its old interval.
    tk = Ticker(0.001)
    with pytest.raises(ValueError, match="non-positive interval for Ticker.Reset"):
        tk.reset(0)
    assert isinstance(await tk.c.recv(), float)
    assert "active" in repr(tk)
    tk.stop()


@pytest.mark.parametrize("make", [gopy.after, Timer, gopy.sleep, Ticker, gopy.tick])
async def test_nan_duration_is_rejected(make: object) -> None:
    # A NaN deadline would sit in the loop's timer heap breaking its order.
    with pytest.raises(ValueError, match="nan"):
        make(float("nan"))  # type: ignore[operator]


async def test_timer_reset_with_nan_keeps_the_timer() -> None:
    t = Timer(10)
    with pytest.raises(ValueError):
        t.reset(float("nan"))
    assert t.stop() is True


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
