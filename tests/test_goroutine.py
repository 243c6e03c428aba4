"""gopy.go and gopy.run_supervised in process: goroutine semantics and the supervisor."""

from __future__ import annotations

import asyncio
import functools
import gc
import threading
import time
import warnings
import weakref
from pathlib import Path
from typing import Any

import pytest

import gopy
from gopy.runtime import _goroutines as _goroutine

GOROUTINE_PY = str(Path(_goroutine.__file__))
CHAN_PY = str(Path(_goroutine.__file__).with_name("_channels.py"))


async def step(n: int = 1) -> None:
    """Let the other tasks run ``n`` loop iterations."""
    for _ in range(n):
        await asyncio.sleep(0)


# ------------------------------------------------------------------- go ---


def test_go_without_running_loop_raises() -> None:
    async def f() -> None:
        pass

    with pytest.raises(RuntimeError, match="gopy.go needs a running event loop"):
        gopy.go(f)
    with pytest.raises(RuntimeError, match="running event loop"):
        gopy.go(print, "x")


async def test_go_with_a_coroutine_object_is_a_type_error() -> None:
    async def f(x: int) -> None:
        pass

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited" on top
        with pytest.raises(TypeError, match=r"gopy.go\(f, \.\.\.\)"):
            gopy.go(f(1))  # type: ignore[arg-type]
        gc.collect()


async def test_go_with_a_non_callable_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="callable"):
        gopy.go(42)  # type: ignore[arg-type]


async def test_arguments_are_evaluated_at_go_time() -> None:
    seen = []
    done = asyncio.Event()

    async def record(value: int, *, key: str) -> None:
        seen.append((value, key))
        done.set()

    x, k = 1, "a"
    gopy.go(record, x, key=k)
    x, k = 2, "b"
    assert seen == []  # started concurrently, not run inline
    await done.wait()
    assert seen == [(1, "a")]


async def test_goroutine_is_strongly_referenced() -> None:
    release = asyncio.Event()
    finished = []

    async def long_lived() -> None:
        await release.wait()
        finished.append(True)

    gopy.go(long_lived)
    await step()
    (task,) = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    ref = weakref.ref(task)
    del task
    gc.collect()
    assert ref() is not None
    release.set()
    await step(2)
    assert finished == [True]
    gc.collect()
    assert ref() is None  # the reference is dropped once it is done


async def test_bound_method_and_async_callable_objects_become_tasks() -> None:
    where = []

    class Worker:
        async def run(self, n: int) -> None:
            where.append(("method", n, threading.current_thread() is threading.main_thread()))

        async def __call__(self, n: int) -> None:
            where.append(("call", n, threading.current_thread() is threading.main_thread()))

    gopy.go(Worker().run, 1)
    gopy.go(Worker(), 2)
    await step(2)
    assert sorted(where) == [("call", 2, True), ("method", 1, True)]


async def test_plain_callable_runs_in_a_thread_without_blocking_the_loop() -> None:
    loop = asyncio.get_running_loop()
    release = threading.Event()
    result: asyncio.Future[str] = loop.create_future()

    def blocking(tag: str) -> None:
        # Blocks its thread until the loop (still running) releases it.
        assert release.wait(10)
        loop.call_soon_threadsafe(result.set_result, f"{tag} in {threading.current_thread().name}")

    gopy.go(blocking, "job")
    ticks = 0
    while not release.is_set():
        ticks += 1
        await asyncio.sleep(0.001)
        if ticks == 5:
            release.set()
    assert await asyncio.wait_for(result, 10) == "job in gopy-worker"


async def test_worker_threads_are_reused() -> None:
    threads = []  # the Thread objects themselves: identities cannot be recycled

    def job(done: asyncio.Future[None]) -> None:
        threads.append(threading.current_thread())
        done.get_loop().call_soon_threadsafe(done.set_result, None)

    for _ in range(10):
        done = asyncio.get_running_loop().create_future()
        gopy.go(job, done)
        await done
        await asyncio.sleep(0.01)  # the worker goes back to idle
    assert all(t.name == "gopy-worker" and t.daemon for t in threads)
    assert len({id(t) for t in threads}) < 10


async def test_callable_returning_a_coroutine_runs_it_on_the_loop() -> None:
    done = asyncio.Event()

    async def target() -> None:
        assert threading.current_thread() is threading.main_thread()
        done.set()

    gopy.go(lambda: target())
    await asyncio.wait_for(done.wait(), 10)


async def test_thread_goroutine_can_start_goroutines() -> None:
    done = asyncio.Event()

    async def on_loop() -> None:
        done.set()

    def in_thread() -> None:
        gopy.go(on_loop)

    gopy.go(in_thread)
    await asyncio.wait_for(done.wait(), 10)


async def test_unsupervised_failure_goes_to_the_loop_exception_handler() -> None:
    loop = asyncio.get_running_loop()
    reported: asyncio.Future[dict[str, Any]] = loop.create_future()
    loop.set_exception_handler(lambda _loop, ctx: reported.set_result(ctx))

    async def fail() -> None:
        raise ValueError("lost?")

    gopy.go(fail)
    context = await asyncio.wait_for(reported, 10)
    assert isinstance(context["exception"], ValueError)
    assert "gopy.go" in context["message"]


async def test_unsupervised_thread_failure_goes_to_the_loop_exception_handler() -> None:
    loop = asyncio.get_running_loop()
    reported: asyncio.Future[dict[str, Any]] = loop.create_future()
    loop.set_exception_handler(lambda _loop, ctx: reported.set_result(ctx))

    def fail() -> None:
        raise KeyError("thread")

    gopy.go(fail)
    context = await asyncio.wait_for(reported, 10)
    assert isinstance(context["exception"], KeyError)


# -------------------------------------------------------- run_supervised ---


def test_run_supervised_returns_the_result() -> None:
    async def body() -> int:
        await asyncio.sleep(0)
        return 42

    assert gopy.run_supervised(body) == 42
    assert _goroutine._supervisors == {}


def test_run_supervised_propagates_the_body_exception() -> None:
    async def body() -> None:
        raise KeyError("main")

    with pytest.raises(KeyError, match="main"):
        gopy.run_supervised(body)


async def test_run_supervised_refuses_a_running_loop() -> None:
    async def body() -> None:
        pass

    with pytest.raises(RuntimeError, match="running event loop"):
        gopy.run_supervised(body)


def test_goroutine_panic_report_names_the_goroutine() -> None:
    async def idle() -> None:
        await asyncio.sleep(10)

    async def fail(n: int) -> None:
        await asyncio.sleep(0)
        raise ValueError(f"boom {n}")

    async def body() -> None:
        gopy.go(idle)  # goroutine 2
        gopy.go(fail, 7)  # goroutine 3
        await asyncio.sleep(10)

    with pytest.raises(gopy.GoroutinePanic) as info:
        gopy.run_supervised(body)
    report = info.value.report
    assert report.startswith("panic: ValueError: boom 7\n\ngoroutine 3 [running]:\nTraceback")
    assert 'raise ValueError(f"boom {n}")' in report
    assert GOROUTINE_PY not in report
    assert isinstance(info.value.exception, ValueError)
    assert info.value.__cause__ is info.value.exception
    assert info.value.goroutine == 3


def test_thread_goroutine_panic() -> None:
    def fail() -> None:
        raise OSError("disk")

    async def body() -> None:
        gopy.go(fail)
        await asyncio.sleep(10)

    with pytest.raises(gopy.GoroutinePanic) as info:
        gopy.run_supervised(body)
    assert info.value.report.startswith("panic: OSError: disk\n\ngoroutine 2 [running]:")
    assert GOROUTINE_PY not in info.value.report
    assert 'raise OSError("disk")' in info.value.report


def test_gopy_exceptions_are_named_gopy_dot() -> None:
    async def send_on_closed(ch: gopy.chan[int]) -> None:
        await ch.send(1)

    async def body() -> None:
        ch: gopy.chan[int] = gopy.chan()
        ch.close()
        gopy.go(send_on_closed, ch)
        await asyncio.sleep(10)

    with pytest.raises(gopy.GoroutinePanic) as info:
        gopy.run_supervised(body)
    assert info.value.report.startswith("panic: gopy.ChannelClosed: send on closed channel\n")
    assert CHAN_PY not in info.value.report


def test_gopy_traceback_all_keeps_runtime_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOPY_TRACEBACK", "all")

    async def send_on_closed(ch: gopy.chan[int]) -> None:
        await ch.send(1)

    async def body() -> None:
        ch: gopy.chan[int] = gopy.chan()
        ch.close()
        gopy.go(send_on_closed, ch)
        await asyncio.sleep(10)

    with pytest.raises(gopy.GoroutinePanic) as info:
        gopy.run_supervised(body)
    assert CHAN_PY in info.value.report


def test_main_ending_cancels_goroutines_quietly(caplog: pytest.LogCaptureFixture) -> None:
    log = []

    async def forever(name: str) -> None:
        try:
            await asyncio.sleep(100)
        finally:
            log.append(name)

    async def stubborn() -> None:
        while True:  # swallows cancellation: abandoned after the grace period
            try:
                await asyncio.sleep(100)
            except asyncio.CancelledError:
                log.append("stubborn")

    async def body() -> str:
        gopy.go(forever, "a")
        gopy.go(forever, "b")
        gopy.go(stubborn)
        await step()
        return "done"

    assert gopy.run_supervised(body) == "done"
    assert sorted(log) == ["a", "b", "stubborn"]
    assert "destroyed" not in caplog.text
    assert "never retrieved" not in caplog.text


def test_exception_while_unwinding_after_main_is_not_a_panic() -> None:
    async def messy() -> None:
        try:
            await asyncio.sleep(100)
        finally:
            raise KeyError("during cancellation")

    async def body() -> int:
        gopy.go(messy)
        await step()
        return 1

    assert gopy.run_supervised(body) == 1


def test_deadlock_in_process() -> None:
    async def body() -> None:
        await gopy.chan().recv()

    with pytest.raises(gopy.Deadlock) as info:
        gopy.run_supervised(body)
    lines = info.value.report.splitlines()
    assert lines[:3] == [
        "fatal error: all goroutines are asleep - deadlock!",
        "",
        "goroutine 1 [chan receive]:",
    ]
    assert lines[3].endswith("body(...)")
    assert lines[4].startswith("\t") and lines[4].endswith(
        f"test_goroutine.py:{body.__code__.co_firstlineno + 1}"
    )


def test_go_honours_the_loops_task_factory() -> None:
    made = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        made.append(task)
        return task

    async def work() -> None:
        pass

    async def body() -> None:
        asyncio.get_running_loop().set_task_factory(factory)
        gopy.go(work)
        await step(2)

    gopy.run_supervised(body)
    assert [t.get_coro().__name__ for t in made].count("work") == 1


def test_successive_supervised_runs_are_independent() -> None:
    async def body() -> int:
        wg = gopy.WaitGroup()

        async def work() -> None:
            wg.done()

        for _ in range(10):
            wg.add(1)
            gopy.go(work)
        await wg.wait()
        return 10

    assert [gopy.run_supervised(body) for _ in range(3)] == [10, 10, 10]


def test_panic_stops_a_main_that_ignores_cancellation() -> None:
    async def fail() -> None:
        raise ValueError("x")

    async def body() -> None:
        gopy.go(fail)
        while True:
            try:
                await asyncio.sleep(100)
            except asyncio.CancelledError:
                pass

    with pytest.raises(gopy.GoroutinePanic):
        gopy.run_supervised(body)


def test_uvloop_supervised_run() -> None:
    uvloop = pytest.importorskip("uvloop")

    async def body() -> str:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        wg = gopy.WaitGroup()

        def blocking() -> None:
            time.sleep(0.01)
            wg_done()

        def wg_done() -> None:
            loop.call_soon_threadsafe(wg.done)

        loop = asyncio.get_running_loop()
        wg.add(1)
        gopy.go(blocking)
        await wg.wait()
        return "ok"

    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        assert gopy.run_supervised(body) == "ok"
    finally:
        asyncio.set_event_loop_policy(policy)


# ------------------------------------------- what go() accepts, and from where ---


class _AsyncCallable:
    def __init__(self, where: list[Any]) -> None:
        self.where = where

    async def __call__(self, n: int) -> None:
        self.where.append(("call", n, threading.current_thread() is threading.main_thread()))

    async def method(self, n: int) -> None:
        self.where.append(("method", n, threading.current_thread() is threading.main_thread()))

    @classmethod
    async def cmethod(cls, where: list[Any], n: int) -> None:
        where.append(("classmethod", n, threading.current_thread() is threading.main_thread()))

    @staticmethod
    async def smethod(where: list[Any], n: int) -> None:
        where.append(("staticmethod", n, threading.current_thread() is threading.main_thread()))


async def test_go_partials_and_methods_of_coroutine_functions_run_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None of them may take the detour through a worker thread.
    threads = []
    monkeypatch.setattr(_goroutine._workers, "submit", lambda job: threads.append(job))
    where: list[Any] = []
    obj = _AsyncCallable(where)

    async def plain(n: int) -> None:
        where.append(("partial", n, threading.current_thread() is threading.main_thread()))

    gopy.go(functools.partial(plain, 1))
    gopy.go(functools.partial(obj, 2))  # a partial of an async callable object
    gopy.go(functools.partial(obj.method, 3))
    gopy.go(functools.partial(functools.partial(plain), 4))
    gopy.go(_AsyncCallable.cmethod, where, 5)
    gopy.go(_AsyncCallable.smethod, where, 6)
    gopy.go(obj, 7)
    await step(2)
    assert threads == []
    assert sorted(where) == sorted(
        [
            ("partial", 1, True),
            ("call", 2, True),
            ("method", 3, True),
            ("partial", 4, True),
            ("classmethod", 5, True),
            ("staticmethod", 6, True),
            ("call", 7, True),
        ]
    )


def test_go_from_a_thread_goroutine_after_the_program_ended_leaks_no_coroutine() -> None:
    release = threading.Event()
    outcome: list[Any] = []

    async def never_runs() -> None:
        pass

    def late() -> None:
        assert release.wait(10)
        try:
            gopy.go(never_runs)
        except RuntimeError as exc:
            outcome.append(str(exc))
        outcome.append("returned")

    async def body() -> None:
        gopy.go(late)

    gopy.run_supervised(body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        release.set()
        deadline = time.monotonic() + 10
        while "returned" not in outcome and time.monotonic() < deadline:
            time.sleep(0.01)
        gc.collect()
    assert outcome and outcome[-1] == "returned"
    assert not [w for w in caught if "never awaited" in str(w.message)]


async def test_go_from_a_non_goroutine_thread_says_there_is_no_loop() -> None:
    async def f() -> None:
        pass

    def in_executor() -> str:
        try:
            gopy.go(f)
        except RuntimeError as exc:
            return str(exc)
        return "started"

    message = await asyncio.get_running_loop().run_in_executor(None, in_executor)
    assert "running event loop" in message


@pytest.mark.skipif(not hasattr(asyncio, "eager_task_factory"), reason="eager tasks are 3.12+")
async def test_go_under_an_eager_task_factory_starts_eagerly_and_reports_failures() -> None:
    loop = asyncio.get_running_loop()
    loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]
    seen: list[Any] = []
    loop.set_exception_handler(lambda _loop, ctx: seen.append(ctx["exception"]))
    ran: list[int] = []

    async def quick(i: int) -> None:
        ran.append(i)

    async def boom() -> None:
        raise ValueError("eager")

    try:
        gopy.go(quick, 1)
        assert ran == [1]  # ran to its end inside go(), as create_task would
        gopy.go(boom)
        await asyncio.sleep(0)
        assert [str(e) for e in seen] == ["eager"]
    finally:
        loop.set_task_factory(None)
        loop.set_exception_handler(None)
