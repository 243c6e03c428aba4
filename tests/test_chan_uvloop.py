"""The channel, select, timer and cancellation tests again under every installed loop.

Each no-argument ``async def test_...`` of those modules runs in a fresh event
loop made by each loop factory (asyncio's default, and uvloop's when uvloop is
importable).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import pytest

import test_cancellation
import test_chan
import test_memory_model
import test_select
import test_stress
import test_time

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {"asyncio": asyncio.new_event_loop}
try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is optional
    pass
else:
    LOOPS["uvloop"] = uvloop.new_event_loop

CASES = {
    f"{module.__name__}.{name}": fn
    for module in (test_chan, test_select, test_time, test_cancellation, test_memory_model)
    for name, fn in vars(module).items()
    if name.startswith("test_")
    and inspect.iscoroutinefunction(fn)
    and not inspect.signature(fn).parameters
}


def run_in(loop_name: str, fn: Callable[[], Any]) -> None:
    with asyncio.Runner(loop_factory=LOOPS[loop_name]) as runner:
        runner.run(fn())


@pytest.mark.parametrize("loop_name", list(LOOPS))
@pytest.mark.parametrize("case", list(CASES))
def test_under_loop(case: str, loop_name: str) -> None:
    run_in(loop_name, CASES[case])


@pytest.mark.parametrize("loop_name", list(LOOPS))
@pytest.mark.parametrize("capacity", [0, 16])
def test_stress_under_loop(loop_name: str, capacity: int) -> None:
    run_in(loop_name, lambda: test_stress.run_channel_stress(capacity, False, 1))


def test_uvloop_is_exercised_when_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    running: list[asyncio.AbstractEventLoop] = []

    async def probe() -> None:
        running.append(asyncio.get_running_loop())

    run_in("uvloop", probe)
    assert len(running) == 1 and isinstance(running[0], uvloop.Loop)
    assert CASES  # the cases run under uvloop really were collected
