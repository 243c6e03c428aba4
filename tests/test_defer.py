"""gopy.Defers: Go's defer, sync and async forms, and exception chaining."""

from __future__ import annotations

import contextlib

import pytest

import gopy


def test_deferred_calls_run_last_first_with_arguments_taken_at_push() -> None:
    log: list[object] = []

    def tag(target: list[object], *, msg: str) -> None:
        target.append(msg)

    with gopy.Defers() as defers:
        x = "at push"
        for i in range(3):
            defers.push(log.append, i)
        defers.push(tag, log, msg=x)
        x = "rebound later"
        log.append("body")
    assert log == ["body", "at push", 2, 1, 0]


def test_deferred_calls_run_when_the_body_raises() -> None:
    log = []
    with pytest.raises(ZeroDivisionError):
        with gopy.Defers() as defers:
            defers.push(log.append, "deferred")
            1 / 0
    assert log == ["deferred"]


def test_exception_in_deferred_call_replaces_the_one_in_flight() -> None:
    def boom(msg: str) -> None:
        raise KeyError(msg)

    with pytest.raises(KeyError) as info:
        with gopy.Defers() as defers:
            defers.push(boom, "first pushed")
            defers.push(boom, "second pushed")
            raise ValueError("body")
    # Last-first: "second pushed" ran first and replaced ValueError, then
    # "first pushed" replaced it: the chain reads like Go's panic sequence.
    assert info.value.args == ("first pushed",)
    assert isinstance(info.value.__context__, KeyError)
    assert info.value.__context__.args == ("second pushed",)
    assert isinstance(info.value.__context__.__context__, ValueError)


def test_chaining_matches_exit_stack() -> None:
    def boom(msg: str) -> None:
        raise KeyError(msg)

    def chain(exc: BaseException | None) -> list[str]:
        out = []
        while exc is not None:
            out.append(f"{type(exc).__name__}{exc.args}")
            exc = exc.__context__
        return out

    with pytest.raises(KeyError) as ours:
        with gopy.Defers() as defers:
            defers.push(boom, "a")
            defers.push(print)
            defers.push(boom, "b")
            raise ValueError("body")
    with pytest.raises(KeyError) as theirs:
        with contextlib.ExitStack() as stack:
            stack.callback(boom, "a")
            stack.callback(print)
            stack.callback(boom, "b")
            raise ValueError("body")
    assert chain(ours.value) == chain(theirs.value)


def test_deferred_exception_without_exception_in_flight() -> None:
    log = []

    def boom() -> None:
        raise RuntimeError("deferred")

    with pytest.raises(RuntimeError, match="deferred") as info:
        with gopy.Defers() as defers:
            defers.push(log.append, "still runs")
            defers.push(boom)
    assert info.value.__context__ is None
    assert log == ["still runs"]


def test_sync_defers_reject_a_coroutine_result() -> None:
    async def cleanup() -> None:
        pass

    with pytest.raises(TypeError, match="async def"):
        with gopy.Defers() as defers:
            defers.push(cleanup)


async def test_async_defers_await_awaitable_results() -> None:
    log = []

    async def cleanup(name: str) -> None:
        log.append(name)

    async with gopy.Defers() as defers:
        defers.push(cleanup, "async")
        defers.push(log.append, "sync")
        log.append("body")
    assert log == ["body", "sync", "async"]


async def test_async_defers_replace_exception() -> None:
    async def boom() -> None:
        raise KeyError("deferred")

    with pytest.raises(KeyError) as info:
        async with gopy.Defers() as defers:
            defers.push(boom)
            raise ValueError("body")
    assert isinstance(info.value.__context__, ValueError)


async def test_defer_runs_in_a_goroutine_closing_a_channel() -> None:
    ch = gopy.chan()

    async def produce() -> None:
        async with gopy.Defers() as defers:
            defers.push(gopy.close, ch)
            for i in range(3):
                await ch.send(i)

    gopy.go(produce)
    assert [v async for v in ch] == [0, 1, 2]
