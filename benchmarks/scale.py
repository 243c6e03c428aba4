"""The runtime at scale: waiter removal, memory per goroutine, freed timers, eager spawning.

Each scenario prints its figures; ratios are measured within one process.

    python benchmarks/scale.py chanlinear [--sizes 2000 8000] [--gc-off]
    python benchmarks/scale.py daisy [--n 100000] [--baseline]   # one chain per process
    python benchmarks/scale.py after [--iterations 1000000]
    python benchmarks/scale.py spawn                              # eager task factory, 3.12+
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import statistics
import sys
import time
from typing import Any

import gopy
from gopy import chan, recv_case, select

__all__ = ["chanlinear", "main"]


# -- Go's test/chan/chanlinear.go ------------------------------------------------


async def _chanlinear(n: int, order: str, messages: int) -> float:
    """CPU seconds per goroutine: n selects parked on one shared channel, woken one by one."""
    shared: chan[bool] = chan()
    own = [chan() for _ in range(n)]

    async def worker(d: chan[bool]) -> None:
        for _ in range(messages):
            await select(recv_case(shared), recv_case(d))

    tasks = [asyncio.create_task(worker(d)) for d in own]
    await asyncio.sleep(0)
    start = time.process_time()
    for _ in range(messages):
        if order == "oldest":
            wake = own
        elif order == "newest":
            wake = own[::-1]
        else:
            wake = random.Random(1).sample(own, len(own))
        for d in wake:
            await d.send(True)
    elapsed = time.process_time() - start
    await asyncio.gather(*tasks)
    return elapsed / n


def chanlinear(sizes: tuple[int, int], order: str, messages: int = 3, reps: int = 3) -> tuple[float, float]:
    """Best per-goroutine cost at the two sizes (seconds)."""
    small = min(asyncio.run(_chanlinear(sizes[0], order, messages)) for _ in range(reps))
    large = min(asyncio.run(_chanlinear(sizes[1], order, messages)) for _ in range(reps))
    return small, large


# -- daisy chain -------------------------------------------------------------------


async def _daisy_gopy(n: int) -> None:
    async def whisper(left: chan[int], right: chan[int]) -> None:
        await left.send(1 + await right.recv())  # type: ignore[operator]

    leftmost: chan[int] = chan()
    left = leftmost
    for _ in range(n):
        right: chan[int] = chan()
        gopy.go(whisper, left, right)
        left = right
    await right.send(1)
    assert await leftmost.recv() == n + 1


async def _daisy_futures(n: int) -> None:
    loop = asyncio.get_running_loop()

    async def whisper(left: asyncio.Future[int], right: asyncio.Future[int]) -> None:
        left.set_result(1 + await right)

    leftmost: asyncio.Future[int] = loop.create_future()
    left = leftmost
    tasks = []
    for _ in range(n):
        right: asyncio.Future[int] = loop.create_future()
        tasks.append(loop.create_task(whisper(left, right)))
        left = right
    right.set_result(1)
    assert await leftmost == n + 1


def daisy(n: int, baseline: bool, gc_off: bool) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one chain of n goroutines (or bare futures)."""
    if gc_off:
        gc.disable()
    start = time.perf_counter()
    asyncio.run((_daisy_futures if baseline else _daisy_gopy)(n))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return elapsed, peak


# -- after() in a select loop --------------------------------------------------------


async def _after_loop(iterations: int) -> list[tuple[int, float, int, float]]:
    import tracemalloc

    data: chan[int] = chan()

    async def producer() -> None:
        for i in range(iterations):
            await data.send(i)

    p = asyncio.create_task(producer())
    tracemalloc.start()
    marks = []
    for i in range(iterations):
        s = await select(recv_case(data), recv_case(gopy.after(60)))
        assert s.index == 0
        if i % (iterations // 10) == 0:
            marks.append(_after_mark(i, tracemalloc))
    marks.append(_after_mark(iterations, tracemalloc))
    tracemalloc.stop()
    await p
    return marks


def _after_mark(i: int, tracemalloc: Any) -> tuple[int, float, int, float]:
    """Iteration, traced MiB, timer handles in the loop's heap, peak RSS MiB."""
    scheduled = len(getattr(asyncio.get_running_loop(), "_scheduled", ()))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return i, tracemalloc.get_traced_memory()[0] / 2**20, scheduled, rss


# -- spawning under an eager task factory ---------------------------------------------


async def _spawn(n: int, reps: int) -> float:
    async def g(wg: gopy.WaitGroup) -> None:
        wg.done()

    async def t() -> None:
        pass

    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    ratios = []
    for _ in range(reps):
        wg = gopy.WaitGroup()
        wg.add(n)
        start = time.process_time()
        for _ in range(n):
            gopy.go(g, wg)
        await wg.wait()
        mine = time.process_time() - start
        start = time.process_time()
        await asyncio.gather(*[loop.create_task(t()) for _ in range(n)])
        theirs = time.process_time() - start
        ratios.append(theirs / mine)
    return statistics.median(ratios)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["chanlinear", "daisy", "after", "spawn"])
    parser.add_argument("--sizes", type=int, nargs=2, default=[2000, 8000])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--baseline", action="store_true", help="daisy: bare asyncio futures")
    parser.add_argument("--gc-off", action="store_true", help="chanlinear, daisy: without the cyclic GC")
    parser.add_argument("--iterations", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}")
    if args.scenario == "chanlinear":
        if args.gc_off:
            gc.disable()
        for order in ("oldest", "newest", "random"):
            small, large = chanlinear(tuple(args.sizes), order)  # type: ignore[arg-type]
            print(f"  wake {order:<6} first: {small * 1e6:7.1f} us/goroutine at n={args.sizes[0]}, "
                  f"{large * 1e6:7.1f} at n={args.sizes[1]}: ratio {large / small:.2f}")
    elif args.scenario == "daisy":
        what = "bare futures" if args.baseline else "gopy"
        elapsed, peak = daisy(args.n, args.baseline, args.gc_off)
        print(f"  daisy chain of {args.n} ({what}{', gc off' if args.gc_off else ''}): "
              f"{elapsed:.2f} s, peak RSS {peak:.0f} MiB")
    elif args.scenario == "after":
        marks = asyncio.run(_after_loop(args.iterations))
        for i, mib, scheduled, rss in marks:
            print(f"  after {i:>8} iterations: {mib:8.2f} MiB traced, {scheduled:>7} timer handles "
                  f"in the loop's heap, peak RSS {rss:.0f} MiB")
    else:
        if not hasattr(asyncio, "eager_task_factory"):
            print("  eager task factories need Python 3.12+")
            return 1
        ratio = asyncio.run(_spawn(20_000, 9))
        print(f"  eager factory, 20k goroutines: create_task+gather / go+WaitGroup = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
