"""Deadlock detection beyond gopy's primitives: the program's own executors, threads and
signal handlers can wake main (no report); asyncio's own primitives that nothing can
complete are a deadlock (a report naming them). In child processes, as gopy run."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_supervisor import LOOPS, goroutines, line_of, run

WAKEABLE = {
    "own_thread_pool": """
        from concurrent.futures import ThreadPoolExecutor

        def slow(loop, ch):
            time.sleep(0.8)
            asyncio.run_coroutine_threadsafe(ch.send("woken"), loop)

        async def main():
            ch = gopy.chan()
            pool = ThreadPoolExecutor(2)
            pool.submit(slow, asyncio.get_running_loop(), ch)  # fire and forget
            print(await ch.recv())
        """,
    "own_thread_pool_busy_with_queued_work": """
        from concurrent.futures import ThreadPoolExecutor

        def slow(loop, ch, value):
            time.sleep(0.4)
            asyncio.run_coroutine_threadsafe(ch.send(value), loop)

        async def main():
            ch = gopy.chan()
            pool = ThreadPoolExecutor(1)
            loop = asyncio.get_running_loop()
            for value in ("one", "two", "woken"):
                pool.submit(slow, loop, ch, value)
            for _ in range(3):
                value = await ch.recv()
            print(value)
        """,
    "library_thread": """
        def library_worker(loop, ch):  # a thread a library started, not a goroutine
            time.sleep(0.8)
            loop.call_soon_threadsafe(ch.close)

        async def main():
            ch = gopy.chan()
            threading.Thread(
                target=library_worker, args=(asyncio.get_running_loop(), ch), daemon=True
            ).start()
            await ch.recv()
            print("woken")
        """,
    "signal_signal_handler": """
        import signal

        async def main():
            loop = asyncio.get_running_loop()
            ch = gopy.chan()
            signal.signal(signal.SIGALRM, lambda *_: loop.call_soon_threadsafe(ch.close))
            signal.setitimer(signal.ITIMER_REAL, 0.8)  # no thread: only the handler is left
            await ch.recv()
            print("woken")
        """,
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", sorted(WAKEABLE))
def test_no_false_deadlock_for_the_programs_own_wake_ups(
    tmp_path: Path, case: str, loop: str
) -> None:
    proc = run(tmp_path, WAKEABLE[case], loop)
    assert (proc.returncode, proc.stderr, proc.stdout) == (0, "", "woken\n")


ASYNCIO_DEADLOCKS = {
    "event": ("asyncio.Event.wait", "await asyncio.Event().wait()"),
    "queue": ("asyncio.Queue.get", "await asyncio.Queue().get()"),
    "lock": ("asyncio.Lock.acquire", "lock = asyncio.Lock(); await lock.acquire(); await lock.acquire()"),
    "condition": (
        "asyncio.Condition.wait",
        "cond = asyncio.Condition(); await cond.acquire(); await cond.wait()",
    ),
    "future": ("asyncio.Future", "await asyncio.get_running_loop().create_future()"),
}


@pytest.mark.parametrize("loop", LOOPS)
@pytest.mark.parametrize("case", sorted(ASYNCIO_DEADLOCKS))
def test_blocked_on_asyncio_primitives_is_a_deadlock(tmp_path: Path, case: str, loop: str) -> None:
    reason, statement = ASYNCIO_DEADLOCKS[case]
    body = f"""
        async def waits_too():
            await asyncio.Event().wait()  # OTHER

        async def main():
            gopy.go(waits_too)
            ch = gopy.chan()
            gopy.go(ch.recv)
            await asyncio.sleep(0.01)
            {statement}  # PARK
        """
    proc = run(tmp_path, body, loop)
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert proc.stderr.startswith("fatal error: all goroutines are asleep - deadlock!\n")
    blocks = goroutines(proc.stderr)
    script = tmp_path / "prog.py"
    assert blocks[1] == (reason, ["__main__.main(...)", f"\t{script}:{line_of(script, 'PARK')}"])
    assert blocks[2] == (
        "asyncio.Event.wait",
        ["__main__.waits_too(...)", f"\t{script}:{line_of(script, 'OTHER')}"],
    )
    assert blocks[3][0] == "chan receive"


def test_a_future_completed_by_an_executor_is_not_a_deadlock(tmp_path: Path) -> None:
    """A future chained to a concurrent.futures one: its thread completes it."""
    proc = run(
        tmp_path,
        """
        from concurrent.futures import ThreadPoolExecutor

        async def main():
            loop = asyncio.get_running_loop()
            print(await loop.run_in_executor(ThreadPoolExecutor(1), time.sleep, 0.8) or "woken")
        """,
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (0, "", "woken\n")


def test_report_prints_a_primitives_own_reason(tmp_path: Path) -> None:
    """A primitive that parks with a reason the report never heard of: printed as it is."""
    proc = run(
        tmp_path,
        """
        from gopy.runtime._parking import parked

        async def acquire():  # as a newer primitive parks
            task = asyncio.current_task()
            parked[task] = "semaphore acquire"
            try:
                await asyncio.get_running_loop().create_future()
            finally:
                del parked[task]

        async def main():
            gopy.go(acquire)
            parked[asyncio.current_task()] = "sync.Cond.Wait"
            await asyncio.get_running_loop().create_future()
        """,
    )
    assert proc.returncode == 2, proc.stderr
    blocks = goroutines(proc.stderr)
    assert (blocks[1][0], blocks[2][0]) == ("sync.Cond.Wait", "semaphore acquire")


# ------------------------------------------------- thread goroutines (issue 9) ---
# Until the channel module parks threads itself, a thread goroutine parks the way
# CONTRACTS.md says it will: parked[its Thread] = reason, then it really blocks.

THREAD_DEADLOCK = """\
import threading
from gopy.runtime._parking import parked

def worker(release):
    parked[threading.current_thread()] = "sync.WaitGroup.Wait"
    release.acquire()  # THREAD

async def main():
    release = threading.Lock()
    release.acquire()
    go worker(release)
    ch = chan()
    <-ch  # MAIN
"""


def test_thread_goroutines_blocked_with_every_task_are_a_deadlock(tmp_path: Path) -> None:
    import subprocess
    import sys

    from support import child_env, write

    script = write(tmp_path / "prog.gopy", THREAD_DEADLOCK)
    proc = subprocess.run(
        [sys.executable, "-m", "gopy", "run", str(script)],
        capture_output=True,
        text=True,
        timeout=20,
        env=child_env(),
    )
    assert (proc.returncode, proc.stdout) == (2, ""), proc.stderr
    assert proc.stderr.startswith("fatal error: all goroutines are asleep - deadlock!\n")
    blocks = goroutines(proc.stderr)
    assert blocks == {
        1: ("chan receive", ["__main__.main(...)", f"\t{script}:{line_of(script, 'MAIN')}"]),
        2: (
            "sync.WaitGroup.Wait",
            ["__main__.worker(...)", f"\t{script}:{line_of(script, 'THREAD')}"],
        ),
    }


@pytest.mark.parametrize("loop", LOOPS)
def test_a_thread_goroutine_that_runs_while_parked_is_not_blocked(tmp_path: Path, loop: str) -> None:
    """Parked at every check but using the CPU in between: as a thread woken and parked
    again each time would look; only the same picture with no CPU time spent is stuck."""
    proc = run(
        tmp_path,
        """
        from gopy.runtime._parking import parked

        def worker(loop, ch):
            me = threading.current_thread()
            parked[me] = "chan receive"
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                pass
            del parked[me]
            loop.call_soon_threadsafe(ch.close)

        async def main():
            ch = gopy.chan()
            gopy.go(worker, asyncio.get_running_loop(), ch)
            await ch.recv()
            print("woken")
        """,
        loop,
    )
    assert (proc.returncode, proc.stderr, proc.stdout) == (0, "", "woken\n")
