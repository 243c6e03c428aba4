"""Hand-offs between threads and asyncio tasks: gopy channels against thread/async queues.

Scenarios: thread -> task, task -> thread, thread -> thread, each unbuffered
(queues have no rendezvous: maxsize 1, the closest) and with capacity 128.
Baselines in the same run: ``janus`` and ``culsans`` (thread/asyncio queues)
for the mixed hand-offs, ``queue.Queue`` for thread to thread. Wall time
(threads wait), repetitions interleaved, median of baseline time / gopy
time: above 1 gopy is faster. janus and culsans are optional (the ``bench``
extra); a missing one is skipped.

    python benchmarks/threads.py [--n 20000] [--reps 5]
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import gopy

__all__ = ["main"]


def _in_thread(fn: Callable[[], None]) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t


# -- thread -> task ------------------------------------------------------------------


async def gopy_thread_to_task(n: int, cap: int) -> None:
    c: gopy.chan[int] = gopy.chan(cap)

    def producer() -> None:
        send = c.send_blocking
        for i in range(n):
            send(i)

    t = _in_thread(producer)
    recv = c.recv
    for _ in range(n):
        await recv()
    await asyncio.to_thread(t.join)


def mixed_queue(module: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    mod = __import__(module)

    async def thread_to_task(n: int, cap: int) -> None:
        q = mod.Queue(max(cap, 1))

        def producer() -> None:
            put = q.sync_q.put
            for i in range(n):
                put(i)

        t = _in_thread(producer)
        get = q.async_q.get
        for _ in range(n):
            await get()
        await asyncio.to_thread(t.join)
        q.close()
        await q.wait_closed()

    async def task_to_thread(n: int, cap: int) -> None:
        q = mod.Queue(max(cap, 1))

        def consumer() -> None:
            get = q.sync_q.get
            for _ in range(n):
                get()

        t = _in_thread(consumer)
        put = q.async_q.put
        for i in range(n):
            await put(i)
        await asyncio.to_thread(t.join)
        q.close()
        await q.wait_closed()

    return thread_to_task, task_to_thread


# -- task -> thread ------------------------------------------------------------------


async def gopy_task_to_thread(n: int, cap: int) -> None:
    c: gopy.chan[int] = gopy.chan(cap)

    def consumer() -> None:
        recv = c.recv_blocking
        for _ in range(n):
            recv()

    t = _in_thread(consumer)
    send = c.send
    for i in range(n):
        await send(i)
    await asyncio.to_thread(t.join)


# -- thread -> thread ----------------------------------------------------------------


async def gopy_thread_to_thread(n: int, cap: int) -> None:
    c: gopy.chan[int] = gopy.chan(cap)

    def producer() -> None:
        send = c.send_blocking
        for i in range(n):
            send(i)

    def consumer() -> None:
        recv = c.recv_blocking
        for _ in range(n):
            recv()

    threads = [_in_thread(producer), _in_thread(consumer)]
    for t in threads:
        await asyncio.to_thread(t.join)


async def queue_thread_to_thread(n: int, cap: int) -> None:
    q: queue.Queue[int] = queue.Queue(max(cap, 1))

    def producer() -> None:
        put = q.put
        for i in range(n):
            put(i)

    def consumer() -> None:
        get = q.get
        for _ in range(n):
            get()

    threads = [_in_thread(producer), _in_thread(consumer)]
    for t in threads:
        await asyncio.to_thread(t.join)


def _time(bench: Callable[..., Any], n: int, cap: int) -> float:
    start = time.perf_counter()
    asyncio.run(bench(n, cap))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    baselines: dict[str, dict[str, Callable[..., Any]]] = {
        "thread -> task": {},
        "task -> thread": {},
        "thread -> thread": {"queue.Queue": queue_thread_to_thread},
    }
    for module in ("janus", "culsans"):
        try:
            t2a, a2t = mixed_queue(module)
        except ImportError:
            print(f"({module} is not installed: skipped)")
            continue
        baselines["thread -> task"][module] = t2a
        baselines["task -> thread"][module] = a2t
    mine = {
        "thread -> task": gopy_thread_to_task,
        "task -> thread": gopy_task_to_thread,
        "thread -> thread": gopy_thread_to_thread,
    }
    print(f"Python {sys.version.split()[0]}, n={args.n}, {args.reps} repetitions, wall time; "
          "ratio = baseline / gopy (median)")
    for scenario, bench in mine.items():
        for cap in (0, 128):
            times: dict[str, list[float]] = {"gopy": []}
            for rep in range(args.reps):
                sides = [("gopy", bench), *baselines[scenario].items()]
                if rep % 2:
                    sides.reverse()
                for name, fn in sides:
                    times.setdefault(name, []).append(_time(fn, args.n, cap))
            g = statistics.median(times["gopy"])
            parts = [f"gopy {g * 1e6 / args.n:6.1f} us/value"]
            for name in baselines[scenario]:
                b = statistics.median(times[name])
                parts.append(f"{name} {b / g:.2f}x")
            print(f"  {scenario:<17} cap {cap:<4} " + ", ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
