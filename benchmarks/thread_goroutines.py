"""Many thread goroutines blocked on channels at once: time to block them all, to release them, peak RSS.

python benchmarks/thread_goroutines.py N      # e.g. 1000 or 10000
"""

import asyncio
import resource
import sys
import threading
import time

import gopy
from gopy import chan
from gopy.runtime._parking import parked


async def main(n):
    c = chan()
    out = chan(n)

    def worker():
        out.send_blocking(c.recv_blocking())

    t0 = time.perf_counter()
    for _ in range(n):
        gopy.go(worker)
    while sum(1 for k in parked.copy() if isinstance(k, threading.Thread)) < n:
        await asyncio.sleep(0.01)
    t1 = time.perf_counter()
    for i in range(n):
        await c.send(i)
    got = [await out.recv() for _ in range(n)]
    t2 = time.perf_counter()
    assert sorted(got) == list(range(n))
    print(
        f"{n} thread goroutines: all blocked after {t1-t0:.2f} s, released and drained in {t2-t1:.2f} s, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MiB, threads {threading.active_count()}"
    )


asyncio.run(main(int(sys.argv[1])))
