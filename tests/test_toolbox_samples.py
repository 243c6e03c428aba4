"""The toolbox samples inside a ``gopy.synctest`` bubble: their timeouts take no real time.

``tests/test_samples.py`` runs every sample under ``gopy run`` and translated;
here the timeout-heavy ones are imported and run in a bubble, where their
deadlines are exact (virtual) instants and a Go-sized latency costs nothing.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

import pytest

import gopy
from gopy import synctest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(SAMPLES))

    def load(name: str):
        sys.modules.pop(name, None)
        return importlib.import_module(name)

    yield load


def test_google_search_in_a_bubble_meets_its_deadline_exactly(sample, capsys) -> None:
    google_search = sample("google_search")

    async def main() -> tuple[list[str], float]:
        start = synctest.now()
        results = await google_search.google("golang")
        return results, synctest.now() - start

    results, took = synctest.run(main)
    assert results == [
        "web result for 'golang' from web2",
        "image result for 'golang' from image1",
    ]
    assert took == pytest.approx(0.25, abs=1e-9)  # the deadline, to the nanosecond
    assert capsys.readouterr().out == "timed out\n"


def test_google_search_with_go_sized_latencies_costs_no_real_time(sample) -> None:
    """Minutes of latency, in a bubble: the whole run is quicker than one real second would be."""
    google_search = sample("google_search")
    google_search.LATENCY.update(
        web1=90.0, web2=30.0, image1=45.0, image2=600.0, video1=3600.0, video2=7200.0
    )

    async def main() -> tuple[list[str], float]:
        start = synctest.now()
        results = await google_search.google("golang", timeout=120.0)
        return results, synctest.now() - start

    results, took = synctest.run(main)
    assert results == [
        "web result for 'golang' from web2",
        "image result for 'golang' from image1",
    ]
    assert took == 120.0
    # The same program on a real clock would wait 120 s; compare with a real
    # 20 ms wait measured in the same process (a ratio, not a wall time).
    begin = time.perf_counter()
    synctest.run(main)
    virtual_cost = time.perf_counter() - begin
    begin = time.perf_counter()
    gopy.run_supervised(lambda: gopy.sleep(0.02))
    real_cost = time.perf_counter() - begin
    assert virtual_cost < real_cost * 50  # 120 s of program time cost less than 1 s


def test_worker_pool_batches_in_a_bubble(sample, capsys) -> None:
    worker_pool = sample("worker_pool_errgroup")
    synctest.run(worker_pool.main)
    assert capsys.readouterr().out.splitlines() == [
        "batch 1: 8 jobs done, at most 3 at once",
        "batch 2: stopped by ValueError: job 2: bad input",
        "batch 3: stopped by DeadlineExceeded: context deadline exceeded",
    ]
