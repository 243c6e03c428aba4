"""gopy.synctest: the bubble's virtual clock, wait(), deadlock and leak reports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

import gopy
from gopy import context, synctest

from support import child_env, write


def test_a_ten_minute_timeout_fires_at_exactly_ten_virtual_minutes() -> None:
    async def main() -> tuple[float, str]:
        start = synctest.now()
        ctx, cancel = context.with_timeout(context.background(), 600)
        data = gopy.chan()
        sel = await gopy.select(gopy.recv_case(ctx.done()), gopy.recv_case(data))
        cancel()
        return synctest.now() - start, type(ctx.err()).__name__ if sel.index == 0 else "data"

    assert synctest.run(main) == (600.0, "DeadlineExceeded")


def test_the_clock_starts_at_2000_and_moves_only_when_everyone_is_blocked() -> None:
    async def main() -> list[float]:
        seen = [synctest.now()]
        for _ in range(1000):  # busy work: the clock does not move
            await asyncio.sleep(0)
        seen.append(synctest.now())
        await gopy.sleep(1.5)
        seen.append(synctest.now())
        return seen

    assert synctest.run(main) == [946684800.0, 946684800.0, 946684801.5]


def test_sleep_after_timer_ticker_and_after_func_are_virtual() -> None:
    async def main() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        log: list[tuple[str, float]] = []
        t0 = loop.time()
        gopy.after_func(30, lambda: log.append(("after_func", loop.time() - t0)))
        ticker = gopy.Ticker(10)
        for _ in range(3):
            await ticker.c.recv()
            log.append(("tick", loop.time() - t0))
        ticker.stop()
        await gopy.after(5).recv()
        log.append(("after", loop.time() - t0))
        timer = gopy.Timer(100)
        await timer.c.recv()
        log.append(("timer", loop.time() - t0))
        return log

    log = synctest.run(main)
    assert log == [
        ("tick", 10.0),
        ("tick", 20.0),
        ("tick", 30.0),  # the tick and the after_func are both due at 30
        ("after_func", 30.0),
        ("after", 35.0),
        ("timer", 135.0),
    ] or log == [
        ("tick", 10.0),
        ("tick", 20.0),
        ("after_func", 30.0),
        ("tick", 30.0),
        ("after", 35.0),
        ("timer", 135.0),
    ]


def test_wait_returns_when_the_others_are_durably_blocked_without_moving_time() -> None:
    async def main() -> list[str]:
        events: list[str] = []
        ch = gopy.chan()

        async def worker() -> None:
            events.append("started")
            v = await ch.recv()
            events.append(f"got {v}")
            await gopy.sleep(5)
            events.append("slept")

        start = synctest.now()
        gopy.go(worker)
        await synctest.wait()
        events.append("waited")  # the worker is blocked on ch now
        await ch.send(1)
        await synctest.wait()  # the worker sleeps: durably blocked, time not moved
        events.append(f"waited at +{synctest.now() - start}")
        await gopy.sleep(5)
        await synctest.wait()
        events.append(f"end at +{synctest.now() - start}")
        return events

    assert synctest.run(main) == [
        "started",
        "waited",
        "got 1",
        "waited at +0.0",
        "slept",
        "end at +5.0",
    ]


def test_time_waits_for_a_thread_goroutine() -> None:
    """A goroutine running on a worker thread is not durably blocked: no jump meanwhile."""

    async def main() -> list[str]:
        log = []

        def blocking() -> None:
            import time

            time.sleep(0.05)  # real work
            log.append("thread done")

        gopy.go(blocking)
        timer = gopy.Timer(60)
        await timer.c.recv()
        log.append("timer")
        return log

    assert synctest.run(main) == ["thread done", "timer"]


def test_a_bubble_deadlock_is_reported_at_once() -> None:
    async def main() -> None:
        ch = gopy.chan()
        await gopy.sleep(3600)  # time runs out first...
        await ch.recv()  # ...then nothing can wake main

    with pytest.raises(gopy.Deadlock) as info:
        synctest.run(main)
    assert not isinstance(info.value, synctest.GoroutineLeak)
    report = info.value.report
    assert report.startswith("fatal error: all goroutines are asleep - deadlock!")
    assert "goroutine 1 [chan receive]:" in report
    assert "test_synctest.py:" in report


def test_goroutines_left_blocked_when_f_returns_are_a_leak() -> None:
    async def main() -> None:
        ch = gopy.chan()
        mu = gopy.Mutex()
        await mu.lock()

        async def stuck_on_chan() -> None:
            await ch.recv()

        async def stuck_on_mutex() -> None:
            await mu.lock()

        async def finishes_later() -> None:
            await gopy.sleep(86400)  # time still runs for goroutines that can finish

        gopy.go(stuck_on_chan)
        gopy.go(stuck_on_mutex)
        gopy.go(finishes_later)

    with pytest.raises(synctest.GoroutineLeak) as info:
        synctest.run(main)
    report = info.value.report
    assert report.startswith(
        "deadlock: main bubble goroutine has exited but blocked goroutines remain"
    )
    assert "[chan receive]" in report and "[sync.Mutex.Lock]" in report
    assert "stuck_on_chan" in report and "finishes_later" not in report
    assert report.count("test_synctest.py:") == 2


def test_a_leak_is_reported_even_while_a_forgotten_ticker_keeps_time_moving() -> None:
    async def main() -> None:
        gopy.Ticker(1.0)  # never stopped: a timer is always pending
        ch = gopy.chan()

        async def stuck() -> None:
            await ch.recv()

        gopy.go(stuck)

    with pytest.raises(synctest.GoroutineLeak) as info:
        synctest.run(main)
    assert "[chan receive]" in info.value.report and "stuck" in info.value.report


def test_goroutines_that_finish_after_f_returns_are_waited_for() -> None:
    done = []

    async def main() -> str:
        async def late() -> None:
            await gopy.sleep(600)
            done.append(True)

        gopy.go(late)
        return "result"

    assert synctest.run(main) == "result"
    assert done == [True]


def test_a_panic_in_the_bubble_is_a_panic() -> None:
    async def main() -> None:
        async def bad() -> None:
            await gopy.sleep(10)
            raise ValueError("in the bubble")

        gopy.go(bad)
        await gopy.sleep(20)

    with pytest.raises(gopy.GoroutinePanic, match="in the bubble"):
        synctest.run(main)


def test_wait_and_now_outside_a_bubble_are_refused() -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError, match="not in a bubble"):
            await synctest.wait()
        with pytest.raises(RuntimeError, match="not in a bubble"):
            synctest.now()

    gopy.run_supervised(main)


async def test_a_bubble_from_a_running_loop() -> None:
    async def main() -> float:
        await gopy.sleep(3600)
        return synctest.now()

    assert await synctest.test(main) == 946684800.0 + 3600


def test_deadlock_reports_name_the_new_primitives_with_gopy_lines(tmp_path: Path) -> None:
    write(
        tmp_path / "stuck.gopy",
        """\
        from gopy import Cond, Mutex, RWMutex, Semaphore, Once, sleep

        async def on_cond(c):
            async with c.L:
                await c.wait()

        async def on_rlock(rw):
            await rw.rlock()

        async def on_lock(rw):
            await rw.lock()

        async def on_sem(s):
            await s.acquire(2)

        async def main():
            rw := RWMutex()
            await rw.lock()
            s := Semaphore(1)
            await s.acquire()
            go on_cond(Cond(Mutex()))
            go on_rlock(rw)
            go on_lock(rw)
            go on_sem(s)
            await sleep(0.01)
            done := chan()
            <-done
        """,
    )
    ran = subprocess.run(
        [sys.executable, "-m", "gopy", "run", "stuck.gopy"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 2, ran.stderr
    err = ran.stderr
    assert "fatal error: all goroutines are asleep - deadlock!" in err
    for reason, line in (
        ("sync.Cond.Wait", 5),
        ("sync.RWMutex.RLock", 8),
        ("sync.RWMutex.Lock", 11),
        ("semaphore acquire", 14),
        ("chan receive", 27),
    ):
        block = err.split(f"[{reason}]:", 1)
        assert len(block) == 2, f"no goroutine parked in {reason}:\n{err}"
        assert block[1].split("\n\n")[0].rstrip().endswith(f"stuck.gopy:{line}"), err
