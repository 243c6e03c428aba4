"""gopy's channels, select and goroutines against their plain-asyncio baselines.

Each scenario runs for gopy and for its baseline in the same process, several
repetitions interleaved (the order alternates), on the default event loop and,
if importable, on uvloop. The figure printed is the median over repetitions of
baseline time / gopy time: above 1 gopy is faster. Times are the process's CPU
time by default (everything runs on one thread without waiting on I/O, so this
is the wall time minus what other processes on a busy machine take from it);
``--clock wall`` measures wall-clock time instead.

    python benchmarks/channels.py [--reps N] [--scale X] [--loop asyncio|uvloop|all]
                                  [--clock cpu|wall] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import gopy
from gopy import chan, recv_case, select

__all__ = ["SCENARIOS", "main"]

Bench = Callable[[int], Awaitable[None]]


# -- ping-pong: unbuffered rendezvous vs two Queue(1) ---------------------------


async def gopy_pingpong(n: int) -> None:
    ping: chan[Any] = chan()
    pong: chan[Any] = chan()

    async def player() -> None:
        recv, send = ping.recv, pong.send
        for _ in range(n):
            await send(await recv())

    t = asyncio.create_task(player())
    send, recv = ping.send, pong.recv
    for i in range(n):
        await send(i)
        await recv()
    await t


async def asyncio_pingpong(n: int) -> None:
    ping: asyncio.Queue[int] = asyncio.Queue(1)
    pong: asyncio.Queue[int] = asyncio.Queue(1)

    async def player() -> None:
        get, put = ping.get, pong.put
        for _ in range(n):
            await put(await get())

    t = asyncio.create_task(player())
    put, get = ping.put, pong.get
    for i in range(n):
        await put(i)
        await get()
    await t


# -- producers and one consumer over a buffered channel -------------------------


def gopy_producers(producers: int, capacity: int) -> Bench:
    async def bench(n: int) -> None:
        c: chan[int] = chan(capacity)
        per = n // producers

        async def producer() -> None:
            send = c.send
            for i in range(per):
                await send(i)

        tasks = [asyncio.create_task(producer()) for _ in range(producers)]
        recv = c.recv
        for _ in range(per * producers):
            await recv()
        await asyncio.gather(*tasks)

    return bench


def asyncio_producers(producers: int, capacity: int) -> Bench:
    async def bench(n: int) -> None:
        q: asyncio.Queue[int] = asyncio.Queue(capacity)
        per = n // producers

        async def producer() -> None:
            put = q.put
            for i in range(per):
                await put(i)

        tasks = [asyncio.create_task(producer()) for _ in range(producers)]
        get = q.get
        for _ in range(per * producers):
            await get()
        await asyncio.gather(*tasks)

    return bench


# -- select over two channels vs asyncio.wait(FIRST_COMPLETED) over Queue.get() -


def gopy_select(capacity: int) -> Bench:
    async def bench(n: int) -> None:
        await _gopy_select(n, capacity)

    return bench


def asyncio_select(capacity: int) -> Bench:
    async def bench(n: int) -> None:
        await _asyncio_select(n, capacity)

    return bench


async def _gopy_select(n: int, capacity: int) -> None:
    a: chan[int] = chan(capacity)
    b: chan[int] = chan(capacity)
    half = n // 2

    async def producer(c: chan[int]) -> None:
        send = c.send
        for i in range(half):
            await send(i)

    tasks = [asyncio.create_task(producer(a)), asyncio.create_task(producer(b))]
    cases = (recv_case(a), recv_case(b))
    for _ in range(2 * half):
        await select(*cases)
    await asyncio.gather(*tasks)


async def _asyncio_select(n: int, capacity: int) -> None:
    # asyncio has no unbuffered queue: capacity 0 uses Queue(1), the closest.
    qa: asyncio.Queue[int] = asyncio.Queue(max(capacity, 1))
    qb: asyncio.Queue[int] = asyncio.Queue(max(capacity, 1))
    half = n // 2

    async def producer(q: asyncio.Queue[int]) -> None:
        put = q.put
        for i in range(half):
            await put(i)

    tasks = [asyncio.create_task(producer(qa)), asyncio.create_task(producer(qb))]
    # One pending get() per queue, kept across iterations so that no value is lost.
    left = {qa: half, qb: half}
    getters = {asyncio.create_task(q.get()): q for q in (qa, qb)}
    received = 0
    while received < 2 * half:
        done, _ = await asyncio.wait(getters, return_when=asyncio.FIRST_COMPLETED)
        for g in done:
            g.result()
            received += 1
            q = getters.pop(g)
            left[q] -= 1
            if left[q]:
                getters[asyncio.create_task(q.get())] = q
    await asyncio.gather(*tasks)


# -- goroutines + WaitGroup vs create_task + gather ----------------------------


async def _goroutine(wg: gopy.WaitGroup) -> None:
    wg.done()


async def gopy_goroutines(n: int) -> None:
    wg = gopy.WaitGroup()
    wg.add(n)
    go = gopy.go
    for _ in range(n):
        go(_goroutine, wg)
    await wg.wait()


async def _task() -> None:
    pass


async def asyncio_goroutines(n: int) -> None:
    create_task = asyncio.create_task
    await asyncio.gather(*[create_task(_task()) for _ in range(n)])


# -- driver --------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One comparison: gopy vs baseline on ``n`` operations; ``target`` is the minimum ratio."""

    name: str
    gopy: Bench
    baseline: Bench
    n: int
    target: float
    target_text: str
    #: every repetition inside one running loop, the garbage collector left to
    #: run when it will (as in a long-running program) instead of a fresh loop
    #: and a gc.collect() before each measurement
    one_loop: bool = False


SCENARIOS = [
    Scenario("ping-pong, unbuffered vs 2x Queue(1)", gopy_pingpong, asyncio_pingpong,
             20_000, 1.1, ">= 1.1x faster"),
    Scenario("1 producer 1 consumer, cap 128", gopy_producers(1, 128), asyncio_producers(1, 128),
             200_000, 1.5, ">= 1.5x faster"),
    Scenario("8 producers 1 consumer, cap 16", gopy_producers(8, 16), asyncio_producers(8, 16),
             200_000, 1.4, ">= 1.4x faster"),
    Scenario("select over 2 channels vs asyncio.wait", gopy_select(16), asyncio_select(16),
             20_000, 2.0, ">= 2x faster"),
    Scenario("select, unbuffered (parks) vs asyncio.wait", gopy_select(0), asyncio_select(0),
             20_000, 2.0, ">= 2x faster"),
    Scenario("go + WaitGroup vs create_task + gather", gopy_goroutines, asyncio_goroutines,
             20_000, 1 / 1.2, "<= 1.2x slower"),
    Scenario("go + WaitGroup, one long-running loop", gopy_goroutines, asyncio_goroutines,
             20_000, 1 / 1.2, "<= 1.2x slower", one_loop=True),
]


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
_clock = CLOCKS["cpu"]


async def _timed(bench: Bench, n: int) -> float:
    gc.collect()
    start = _clock()
    await bench(n)
    return _clock() - start


def _loops() -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    loops: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
    try:
        import uvloop
    except ImportError:
        pass
    else:
        loops["uvloop"] = uvloop.new_event_loop
    return loops


async def _one_loop(scenario: Scenario, n: int, reps: int) -> tuple[list[float], list[float]]:
    """gopy and baseline times, every repetition in this one running loop, no gc.collect()."""
    await scenario.gopy(n // 10)  # warm up both sides
    await scenario.baseline(n // 10)
    gopy_times, base_times = [], []
    for rep in range(reps):
        for side in ("gopy", "baseline") if rep % 2 else ("baseline", "gopy"):
            start = _clock()
            await getattr(scenario, side)(n)
            (gopy_times if side == "gopy" else base_times).append(_clock() - start)
    return gopy_times, base_times


def measure(
    scenario: Scenario, loop_factory: Callable[[], asyncio.AbstractEventLoop], reps: int, scale: float
) -> tuple[float, float, float]:
    """Median ratio (baseline / gopy), and the median times of each side."""
    n = max(16, int(scenario.n * scale))
    ratios, gopy_times, base_times = [], [], []
    if scenario.one_loop:
        # Collections land in whichever side is running: more repetitions.
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            gopy_times, base_times = runner.run(_one_loop(scenario, n, 3 * reps))
        ratios = [b / g for g, b in zip(gopy_times, base_times)]
        return statistics.median(ratios), statistics.median(gopy_times), statistics.median(base_times)
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_timed(scenario.gopy, n // 10))  # warm up both sides
        runner.run(_timed(scenario.baseline, n // 10))
        for rep in range(reps):
            if rep % 2:
                g = runner.run(_timed(scenario.gopy, n))
                b = runner.run(_timed(scenario.baseline, n))
            else:
                b = runner.run(_timed(scenario.baseline, n))
                g = runner.run(_timed(scenario.gopy, n))
            ratios.append(b / g)
            gopy_times.append(g)
            base_times.append(b)
    return statistics.median(ratios), statistics.median(gopy_times), statistics.median(base_times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9, help="repetitions per side (default 9)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply operation counts")
    parser.add_argument("--loop", choices=["asyncio", "uvloop", "all"], default="all")
    parser.add_argument("--clock", choices=list(CLOCKS), default="cpu")
    parser.add_argument("--only", nargs="*", default=None, help="scenario name substrings")
    args = parser.parse_args(argv)
    global _clock
    _clock = CLOCKS[args.clock]

    loops = _loops()
    if args.loop != "all":
        if args.loop not in loops:
            print(f"{args.loop} is not importable", file=sys.stderr)
            return 1
        loops = {args.loop: loops[args.loop]}
    print(f"Python {sys.version.split()[0]}, gopy {gopy.__version__}, {args.reps} repetitions, "
          f"scale {args.scale}, {args.clock} time; ratio = asyncio baseline / gopy (median)")
    missed = 0
    for loop_name, factory in loops.items():
        print(f"\n[{loop_name}]")
        print(f"  {'scenario':<42} {'ratio':>7}  {'gopy':>9}  {'baseline':>9}  target")
        for scenario in SCENARIOS:
            if args.only and not any(s in scenario.name for s in args.only):
                continue
            ratio, g, b = measure(scenario, factory, args.reps, args.scale)
            ok = ratio >= scenario.target
            missed += not ok and loop_name == "asyncio"
            print(f"  {scenario.name:<42} {ratio:>6.2f}x  {g * 1e3:>7.1f}ms  {b * 1e3:>7.1f}ms  "
                  f"{scenario.target_text} {'ok' if ok else 'MISSED'}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
