"""Once, RWMutex, Cond and Semaphore shared by thread goroutines and tasks (the ``*_blocking`` forms).

A thread and a task contending for one primitive get Go's semantics: one
FIFO of waiters, writer preference, a thread parked under Go's wait reason
(so a thread blocked for good is a deadlock that names the primitive), and
a blocking form that would have to wait on an event loop's thread raises
at once. The switch interval is cut to a microsecond so that threads
interleave inside the runtime as much as CPython lets them.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import child_env, write

import gopy
from gopy import Cond, Mutex, Once, RWMutex, Semaphore
from gopy.runtime import context
from gopy.runtime._parking import parked


@pytest.fixture(autouse=True)
def fast_switching() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def start(fn: Any, *args: Any) -> threading.Thread:
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


async def join(*threads: threading.Thread) -> None:
    for t in threads:
        await asyncio.wait_for(asyncio.to_thread(t.join), 30)


async def parked_as(key: Any, reason: str) -> None:
    """Wait (yielding to the loop) until ``key`` is parked under ``reason``."""
    for _ in range(20000):
        if parked.get(key) == reason:
            return
        await asyncio.sleep(0.0005)
    raise AssertionError(f"{key} never parked as {reason!r} (parked: {parked.get(key)!r})")


# ------------------------------------------------------------------ Once ---


async def test_once_a_task_waits_for_the_plain_function_a_thread_runs() -> None:
    once = Once()
    gate = threading.Event()
    calls: list[str] = []

    def f() -> None:
        calls.append("thread")
        gate.wait(30)

    async def g() -> None:
        calls.append("task")

    t = start(once.do_blocking, f)
    while not calls:
        await asyncio.sleep(0.0005)
    task = asyncio.ensure_future(once.do(g))
    await parked_as(task, "sync.Once.Do")
    gate.set()
    await asyncio.wait_for(task, 30)
    await join(t)
    assert calls == ["thread"]


async def test_once_a_thread_waits_for_the_coroutine_a_task_runs() -> None:
    once = Once()
    release: gopy.chan[None] = gopy.chan()
    returned: list[bool] = []

    async def f() -> None:
        await release.recv()

    def other() -> None:
        raise AssertionError("must not run")

    def thread_caller() -> None:
        once.do_blocking(other)
        returned.append(True)

    task = asyncio.ensure_future(once.do(f))
    await asyncio.sleep(0)
    t = start(thread_caller)
    await parked_as(t, "sync.Once.Do")
    assert returned == []  # waits while f runs
    release.close()
    await task
    await join(t)
    assert returned == [True] and t not in parked


async def test_once_a_thread_returns_when_the_coroutine_a_task_runs_fails() -> None:
    once = Once()
    release: gopy.chan[None] = gopy.chan()

    async def f() -> None:
        await release.recv()
        raise ValueError("init failed")

    task = asyncio.ensure_future(once.do(f))
    await asyncio.sleep(0)
    t = start(once.do_blocking, lambda: None)
    await parked_as(t, "sync.Once.Do")
    release.close()
    with pytest.raises(ValueError):
        await task
    await join(t)
    assert once._done and once._running is None


async def test_once_a_failing_function_in_a_thread_counts_as_done_for_every_waiter() -> None:
    once = Once()
    gate = threading.Event()
    errors: list[BaseException] = []

    def f() -> None:
        gate.wait(30)
        raise ValueError("init failed")

    def runner() -> None:
        try:
            once.do_blocking(f)
        except ValueError as exc:
            errors.append(exc)

    t1 = start(runner)
    while once._running is None:
        await asyncio.sleep(0.0005)
    t2 = start(once.do_blocking, f)
    await parked_as(t2, "sync.Once.Do")
    gate.set()
    await join(t1, t2)
    assert len(errors) == 1 and once._done
    once.do_blocking(f)  # done: f is not run again (off the loop here: no loop runs)


async def test_once_do_blocking_on_the_loop_while_a_thread_runs_f_raises() -> None:
    once = Once()
    gate = threading.Event()
    t = start(once.do_blocking, lambda: gate.wait(30))
    while once._running is None:
        await asyncio.sleep(0.0005)
    with pytest.raises(RuntimeError, match="would block the event loop"):
        once.do_blocking(lambda: None)
    assert once._running == []  # the refused call left no waiter behind
    gate.set()
    await join(t)
    once.do_blocking(lambda: None)  # done now: returns at once, even on the loop


def test_once_plain_do_in_a_thread_waits_like_do_blocking() -> None:
    once = Once()
    gate = threading.Event()
    calls: list[int] = []

    def f() -> None:
        calls.append(1)
        gate.wait(30)

    threads = [start(once.do, f) for _ in range(4)]
    while len([t for t in threads if parked.get(t) == "sync.Once.Do"]) < 3:
        threading.Event().wait(0.0005)
    gate.set()
    for t in threads:
        t.join(30)
    assert calls == [1]


# --------------------------------------------------------------- RWMutex ---


async def test_rwmutex_writer_preference_across_threads_and_tasks() -> None:
    rw = RWMutex()
    order: list[str] = []
    await rw.rlock()  # a task reads

    def writer() -> None:
        with rw:
            order.append("thread writer")

    def reader() -> None:
        with rw.rlocker():
            order.append("thread reader")

    w = start(writer)
    await parked_as(w, "sync.RWMutex.Lock")
    r = start(reader)
    await parked_as(r, "sync.RWMutex.RLock")  # a waiting writer blocks new readers
    assert not rw.try_rlock()
    late = asyncio.ensure_future(rw.rlock())
    await parked_as(late, "sync.RWMutex.RLock")
    rw.runlock()  # the last reader out hands the lock to the writer
    await join(w, r)
    await late
    rw.runlock()
    assert order == ["thread writer", "thread reader"]
    assert rw._readers == 0 and not rw._writer and not rw._writers and not rw._waiting_readers


async def test_rwmutex_a_task_writer_waits_for_thread_readers_then_readers_for_it() -> None:
    rw = RWMutex()
    hold = threading.Event()
    order: list[str] = []

    def reader(name: str) -> None:
        rw.rlock_blocking()
        order.append(name)
        hold.wait(30)
        rw.runlock()

    r1 = start(reader, "r1")
    while rw._readers < 1:
        await asyncio.sleep(0.0005)
    writer = asyncio.ensure_future(rw.lock())
    await parked_as(writer, "sync.RWMutex.Lock")
    r2 = start(reader, "r2")
    await parked_as(r2, "sync.RWMutex.RLock")
    hold.set()
    await writer  # r1 left: the writer goes before r2
    order.append("writer")
    rw.unlock()  # readers that queued during the write go next
    await join(r1, r2)
    assert order == ["r1", "writer", "r2"]


async def test_rwmutex_blocking_forms_on_the_loop_raise_and_leave_no_waiter() -> None:
    rw = RWMutex()
    await rw.lock()
    with pytest.raises(RuntimeError, match="would block the event loop"):
        rw.lock_blocking()
    with pytest.raises(RuntimeError, match="would block the event loop"):
        rw.rlock_blocking()
    with pytest.raises(RuntimeError, match="would block the event loop"):
        with rw.rlocker():
            pass
    assert not rw._writers and not rw._waiting_readers
    rw.unlock()
    rw.rlock_blocking()  # free: succeeds at once, even on the loop
    rw.runlock()


async def test_rwmutex_many_threads_and_tasks_keep_exclusion() -> None:
    rw = RWMutex()
    state = {"readers": 0, "writer": False, "bad": 0}
    guard = threading.Lock()

    def check(write: bool) -> None:
        with guard:
            if state["writer"] or (write and state["readers"]):
                state["bad"] += 1

    def thread_worker(i: int) -> None:
        for j in range(40):
            if (i + j) % 3 == 0:
                with rw:
                    check(True)
                    state["writer"] = True
                    state["writer"] = False
            else:
                with rw.rlocker():
                    check(False)
                    with guard:
                        state["readers"] += 1
                    with guard:
                        state["readers"] -= 1

    async def task_worker(i: int) -> None:
        for j in range(40):
            if (i + j) % 3 == 0:
                async with rw:
                    check(True)
                    state["writer"] = True
                    await asyncio.sleep(0)
                    state["writer"] = False
            else:
                async with rw.rlocker():
                    check(False)
                    with guard:
                        state["readers"] += 1
                    await asyncio.sleep(0)
                    with guard:
                        state["readers"] -= 1

    threads = [start(thread_worker, i) for i in range(3)]
    await asyncio.gather(*(task_worker(i) for i in range(3)))
    await join(*threads)
    assert state["bad"] == 0
    assert rw._readers == 0 and not rw._writer and not rw._writers and not rw._waiting_readers


# ------------------------------------------------------------------ Cond ---


async def test_cond_a_thread_waits_and_a_task_signals() -> None:
    mu = Mutex()
    cond = Cond(mu)
    ready = [False]
    seen: list[bool] = []

    def waiter() -> None:
        with mu:
            while not ready[0]:
                cond.wait_blocking()
            seen.append(mu.locked())  # L is held again on return

    t = start(waiter)
    await parked_as(t, "sync.Cond.Wait")
    async with mu:  # the thread released L while waiting
        ready[0] = True
        cond.signal()
    await join(t)
    assert seen == [True] and not mu.locked() and not cond._waiters


async def test_cond_fifo_across_a_thread_and_a_task() -> None:
    mu = Mutex()
    cond = Cond(mu)
    woken: list[str] = []

    def thread_waiter() -> None:
        mu.lock_blocking()
        cond.wait_blocking()
        woken.append("thread")
        mu.unlock()

    async def task_waiter() -> None:
        async with mu:
            await cond.wait()
            woken.append("task")

    t = start(thread_waiter)
    await parked_as(t, "sync.Cond.Wait")
    task = asyncio.ensure_future(task_waiter())
    await parked_as(task, "sync.Cond.Wait")
    cond.signal()  # the longest waiter is the thread
    await join(t)
    assert woken == ["thread"] and parked.get(task) == "sync.Cond.Wait"

    def signaller() -> None:
        with mu:
            cond.signal()

    await join(start(signaller))
    await task
    assert woken == ["thread", "task"] and not cond._waiters


async def test_cond_with_an_rwmutex_reader_side_in_a_thread() -> None:
    rw = RWMutex()
    cond = Cond(rw.rlocker())

    def waiter() -> None:
        with cond.L:
            cond.wait_blocking()
            assert rw._readers == 1

    t = start(waiter)
    await parked_as(t, "sync.Cond.Wait")
    assert rw.try_lock()  # the reader let go while waiting
    rw.unlock()
    cond.broadcast()
    await join(t)
    assert rw._readers == 0


async def test_cond_wait_blocking_on_the_loop_raises_with_the_lock_still_held() -> None:
    mu = Mutex()
    cond = Cond(mu)
    await mu.lock()
    with pytest.raises(RuntimeError, match="would block the event loop"):
        cond.wait_blocking()
    assert mu.locked() and not cond._waiters
    mu.unlock()


# ------------------------------------------------------------- Semaphore ---


async def test_semaphore_fifo_across_threads_and_tasks() -> None:
    sem = Semaphore(2)
    order: list[str] = []
    await sem.acquire(2)

    def big() -> None:
        sem.acquire_blocking(2)
        order.append("thread 2")
        sem.release(2)

    t = start(big)
    await parked_as(t, "semaphore acquire")
    small = asyncio.ensure_future(sem.acquire(1))
    await parked_as(small, "semaphore acquire")
    sem.release(1)  # 1 fits the task, but the thread is ahead of it
    await asyncio.sleep(0.01)
    assert not small.done() and order == []
    sem.release(1)
    await join(t)
    await small
    order.append("task 1")
    sem.release(1)
    assert order == ["thread 2", "task 1"] and sem._cur == 0 and not sem._waiters


async def test_semaphore_a_task_waits_and_a_thread_releases() -> None:
    sem = Semaphore(1)
    sem.acquire_blocking()  # free: no wait, allowed on the loop
    task = asyncio.ensure_future(sem.acquire())
    await parked_as(task, "semaphore acquire")
    await join(start(sem.release))
    await task
    sem.release()
    assert sem._cur == 0


async def test_semaphore_acquire_blocking_with_a_context() -> None:
    sem = Semaphore(1)
    await sem.acquire()
    ctx, cancel = context.with_cancel(context.background())
    errors: list[BaseException] = []

    def acquirer() -> None:
        try:
            sem.acquire_blocking(1, ctx)
        except BaseException as exc:
            errors.append(exc)

    t = start(acquirer)
    await parked_as(t, "semaphore acquire")
    cancel()
    await join(t)
    assert [type(e) for e in errors] == [context.Canceled] and not sem._waiters
    with pytest.raises(context.Canceled):
        sem.acquire_blocking(1, ctx)  # an ended ctx fails even when k would fit
    sem.release()
    assert sem._cur == 0


async def test_semaphore_threads_and_tasks_never_exceed_the_size() -> None:
    sem = Semaphore(3)
    held = [0]
    peak = [0]
    guard = threading.Lock()

    def take(k: int) -> None:
        with guard:
            held[0] += k
            peak[0] = max(peak[0], held[0])

    def give(k: int) -> None:
        with guard:
            held[0] -= k

    def thread_worker(i: int) -> None:
        for j in range(40):
            k = 1 + (i + j) % 3
            sem.acquire_blocking(k)
            take(k)
            give(k)
            sem.release(k)

    async def task_worker(i: int) -> None:
        for j in range(40):
            k = 1 + (i + j) % 2
            await sem.acquire(k)
            take(k)
            await asyncio.sleep(0)
            give(k)
            sem.release(k)

    threads = [start(thread_worker, i) for i in range(3)]
    await asyncio.gather(*(task_worker(i) for i in range(3)))
    await join(*threads)
    assert 1 <= peak[0] <= 3 and held[0] == 0 and sem._cur == 0 and not sem._waiters


async def test_semaphore_acquire_blocking_on_the_loop_raises() -> None:
    sem = Semaphore(1)
    await sem.acquire()
    with pytest.raises(RuntimeError, match="would block the event loop"):
        sem.acquire_blocking()
    assert not sem._waiters
    sem.release()


# ------------------------------------------------------------ deadlocks ---

DEADLOCKS = {
    "sync.Once.Do": """
        once = gopy.Once()
        once.do_blocking(lambda: once.do_blocking(lambda: None))  # BLOCKED
    """,
    "sync.RWMutex.Lock": """
        rw = gopy.RWMutex()
        rw.rlock_blocking()
        rw.lock_blocking()  # BLOCKED
    """,
    "sync.RWMutex.RLock": """
        rw = gopy.RWMutex()
        with rw:
            rw.rlock_blocking()  # BLOCKED
    """,
    "sync.Cond.Wait": """
        cond = gopy.Cond(gopy.Mutex())
        with cond.L:
            cond.wait_blocking()  # BLOCKED
    """,
    "semaphore acquire": """
        sem = gopy.Semaphore(1)
        sem.acquire_blocking(2)  # BLOCKED
    """,
}


@pytest.mark.parametrize("reason", list(DEADLOCKS))
def test_a_thread_goroutine_blocked_for_good_is_a_deadlock_with_the_reason(
    tmp_path: Path, reason: str
) -> None:
    body = textwrap.indent(textwrap.dedent(DEADLOCKS[reason]).strip(), "    ")
    script = write(
        tmp_path / "prog.gopy",
        "import gopy\n\n\ndef worker(done):\n" + body + "\n    done.close()\n\n\n"
        "async def main():\n    done = chan()\n    go worker(done)\n    <-done\n",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "gopy", "run", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("fatal error: all goroutines are asleep - deadlock!\n")
    line = (
        script.read_text()
        .splitlines()
        .index(next(x for x in script.read_text().splitlines() if "# BLOCKED" in x))
    )
    report = proc.stderr
    assert "goroutine 1 [chan receive]:" in report
    assert f"goroutine 2 [{reason}]:\n" in report, report
    assert f"__main__.worker(...)\n\t{script}:{line + 1}\n" in report, report


def test_a_plain_main_blocked_on_a_semaphore_reports_its_reason(tmp_path: Path) -> None:
    script = write(
        tmp_path / "prog.py",
        "import gopy\n\ndef main():\n    sem = gopy.Semaphore(0)\n    sem.acquire_blocking()\n",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "gopy", "run", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )
    assert proc.returncode == 2, proc.stderr
    assert f"goroutine 1 [semaphore acquire]:\n__main__.main(...)\n\t{script}:5\n" in proc.stderr
