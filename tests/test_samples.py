"""Run every program in samples/ with `python -m gopy run` and check its output.

Each sample is also translated with `gopy translate` and the Python it prints
is run with plain `python`, with the same checks.

Where Go leaves the order of output open (goroutines printing concurrently),
the checks cover what is fixed: the multiset of lines, the order within one
goroutine, the order that channel operations force, and counts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

Check = Callable[[list[str]], None]
EXPECTED: dict[str, Check] = {}


def expect(name: str) -> Callable[[Check], Check]:
    """Register the output check for samples/<name>.gopy."""

    def register(check: Check) -> Check:
        EXPECTED[name] = check
        return check

    return register


def exactly(name: str, *lines: str) -> None:
    """Register a sample whose output is fixed, line for line."""

    def check(out: list[str]) -> None:
        assert out == list(lines)

    EXPECTED[name] = check


def run_sample(name: str) -> subprocess.CompletedProcess[str]:
    """Run samples/<name>.gopy as a user would, from the repository root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    return subprocess.run(
        [sys.executable, "-m", "gopy", "run", f"samples/{name}.gopy"],
        cwd=SAMPLES.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_translated(name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Translate samples/<name>.gopy with `gopy translate` and run the result with plain python."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    target = tmp_path / f"{name}.py"
    translated = subprocess.run(
        [sys.executable, "-m", "gopy", "translate", f"samples/{name}.gopy", "-o", str(target)],
        cwd=SAMPLES.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert translated.returncode == 0, translated.stderr
    return subprocess.run(
        [sys.executable, str(target)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def before(out: list[str], first: str, second: str) -> bool:
    return out.index(first) < out.index(second)


# -- the quick-start sample ---------------------------------------------------


@expect("producer_consumer")
def _(out: list[str]) -> None:
    assert Counter(out) == Counter(
        [f"{verb} {i}" for i in range(5) for verb in ("Sending", "Sent", "Received")]
        + ["Waiting for everything to complete", "All done, exiting!"]
    )
    assert out[-1] == "All done, exiting!"
    # the producer's own order, and the consumer's
    producer = [line for line in out if line.startswith(("Sending", "Sent"))]
    assert producer == [f"{verb} {i}" for i in range(5) for verb in ("Sending", "Sent")]
    assert [line for line in out if line.startswith("Received")] == [
        f"Received {i}" for i in range(5)
    ]
    # a value is received only after it was being sent
    for i in range(5):
        assert before(out, f"Sending {i}", f"Received {i}")


# -- Go by Example ------------------------------------------------------------


@expect("gobyexample_goroutines")
def _(out: list[str]) -> None:
    assert out[:3] == ["direct : 0", "direct : 1", "direct : 2"]
    assert out[-1] == "done"
    middle = out[3:-1]
    assert Counter(middle) == Counter(["goroutine : 0", "goroutine : 1", "goroutine : 2", "going"])
    assert [line for line in middle if line.startswith("goroutine")] == [
        "goroutine : 0",
        "goroutine : 1",
        "goroutine : 2",
    ]


exactly("gobyexample_channels", "ping")
exactly("gobyexample_channel_buffering", "buffered", "channel")
exactly("gobyexample_channel_synchronization", "working...done")
exactly("gobyexample_channel_directions", "passed message")


@expect("gobyexample_select")
def _(out: list[str]) -> None:
    assert sorted(out) == ["received one", "received two"]


exactly("gobyexample_timeouts", "timeout 1", "result 2")
exactly(
    "gobyexample_non_blocking_channel_operations",
    "no message received",
    "no message sent",
    "no activity",
)


@expect("gobyexample_closing_channels")
def _(out: list[str]) -> None:
    sent = [f"sent job {j}" for j in (1, 2, 3)]
    received = [f"received job {j}" for j in (1, 2, 3)]
    assert Counter(out) == Counter(
        sent + received + ["sent all jobs", "received all jobs", "received more jobs: False"]
    )
    assert [line for line in out if line.startswith("sent")] == sent + ["sent all jobs"]
    assert [line for line in out if line.startswith("received job")] == received
    # the worker learns that jobs is closed only after main closed it and it drained it
    assert before(out, "sent all jobs", "received all jobs")
    assert before(out, "received job 3", "received all jobs")
    assert out[-1] == "received more jobs: False"


exactly("gobyexample_range_over_channels", "one", "two")
exactly("gobyexample_timers", "Timer 1 fired", "Timer 2 stopped")


@expect("gobyexample_tickers")
def _(out: list[str]) -> None:
    assert out[-1] == "Ticker stopped"
    ticks = out[:-1]
    # main sleeps for several intervals, and timers fire in deadline order
    assert len(ticks) >= 1
    # a readable local time, like Go's; ticks in order
    stamps = [
        re.fullmatch(r"Tick at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?)", line) for line in ticks
    ]
    assert all(stamps), ticks
    assert [m[1] for m in stamps if m] == sorted(m[1] for m in stamps if m)


@expect("gobyexample_worker_pools")
def _(out: list[str]) -> None:
    parsed = [
        re.fullmatch(r"worker ([123]) (started  |finished )job ([1-5])", line) for line in out
    ]
    assert all(parsed), out
    events = [(m[1], m[2].strip(), int(m[3])) for m in parsed if m]
    assert len(events) == 10
    for job in range(1, 6):
        mine = [(w, what) for w, what, j in events if j == job]
        # each job is started and then finished, once, by one worker
        assert [what for _, what in mine] == ["started", "finished"]
        assert mine[0][0] == mine[1][0]
    for worker in "123":
        # a worker finishes its job before it takes the next one
        mine = [(what, j) for w, what, j in events if w == worker]
        assert [what for what, _ in mine] == ["started", "finished"] * (len(mine) // 2)
        assert [j for what, j in mine[::2]] == [j for what, j in mine[1::2]]


@expect("gobyexample_waitgroups")
def _(out: list[str]) -> None:
    expected = [f"Worker {i} {what}" for i in range(1, 6) for what in ("starting", "done")]
    assert Counter(out) == Counter(expected)
    for i in range(1, 6):
        assert before(out, f"Worker {i} starting", f"Worker {i} done")


@expect("gobyexample_rate_limiting")
def _(out: list[str]) -> None:
    plain = [re.fullmatch(r"request (\d) at (\d+) ms", line) for line in out[:5]]
    bursty = [re.fullmatch(r"bursty request (\d) at (\d+) ms", line) for line in out[5:]]
    assert len(out) == 10 and all(plain) and all(bursty), out
    assert [int(m[1]) for m in plain if m] == [1, 2, 3, 4, 5]
    assert [int(m[1]) for m in bursty if m] == [1, 2, 3, 4, 5]


exactly("gobyexample_mutexes", "{'a': 2000, 'b': 1000}")


@expect("gobyexample_stateful_goroutines")
def _(out: list[str]) -> None:
    assert len(out) == 2
    reads = re.fullmatch(r"readOps: (\d+)", out[0])
    writes = re.fullmatch(r"writeOps: (\d+)", out[1])
    assert reads and writes, out
    assert int(reads[1]) > 0 and int(writes[1]) > 0


# -- the classics -------------------------------------------------------------

PRIMES = [
    2,
    3,
    5,
    7,
    11,
    13,
    17,
    19,
    23,
    29,
    31,
    37,
    41,
    43,
    47,
    53,
    59,
    61,
    67,
    71,
    73,
    79,
    83,
    89,
    97,
]
exactly("prime_sieve", *map(str, PRIMES))
exactly("daisy_chain", "100001")
exactly(
    "power_series",
    "exp: 1 1 1/2 1/6 1/24 1/120 1/720 1/5040 1/40320 1/362880",
    "sin: 0 1 0 -1/6 0 1/120 0 -1/5040 0 1/362880",
    "cos: 1 0 -1/2 0 1/24 0 -1/720 0 1/40320 0",
)


# -- Go's toolbox: context, errgroup, sync (issue 10) -------------------------

exactly(
    "google_search",
    "timed out",
    "web result for 'golang' from web2",
    "image result for 'golang' from image1",
)
exactly(
    "pipeline_cancel",
    "received 5 squares",
    "all squares: True",
    "stages stopped: context canceled",
)
exactly(
    "worker_pool_errgroup",
    "batch 1: 8 jobs done, at most 3 at once",
    "batch 2: stopped by ValueError: job 2: bad input",
    "batch 3: stopped by DeadlineExceeded: context deadline exceeded",
)


# -- the tests ----------------------------------------------------------------



# Plain-def workers in threads, fed and drained by goroutines (issue 9).
exactly(
    "thread_pool_hashing",
    "file0 d29751f2649b32ff",
    "file1 1fb6a051d8996888",
    "file2 d95df32a84545f36",
    "file3 21f9b56105cdbdcd",
    "file4 4e11839a20de3d95",
    "file5 ffb9a8fd442d2723",
    "file6 1c71913afd264023",
    "file7 30bd6d97affa9196",
    "8 files hashed by 4 thread workers",
)

def sample_names() -> list[str]:
    return sorted(path.stem for path in SAMPLES.glob("*.gopy"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_runs_with_expected_output(name: str) -> None:
    result = run_sample(name)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    EXPECTED[name](result.stdout.splitlines())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_translated_sample_runs_the_same_under_plain_python(name: str, tmp_path: Path) -> None:
    result = run_translated(name, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    EXPECTED[name](result.stdout.splitlines())


# samples checked by a test module of their own (not by stdout: they log to stderr)
OWN_TESTS = {"seed_producer_consumer": "test_seed_sample.py"}


def test_every_sample_has_an_expectation() -> None:
    assert sample_names() == sorted([*EXPECTED, *OWN_TESTS])
    assert all((Path(__file__).parent / test).is_file() for test in OWN_TESTS.values())


def test_samples_readme_lists_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text()
    listed = set(re.findall(r"`([\w]+)\.gopy`", readme))
    assert listed == set(sample_names())


def test_the_quick_start_sample_is_the_readme_command() -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    assert "python -m gopy run samples/producer_consumer.gopy" in readme


def readme_snippet(opening: str) -> str:
    """The README's ```python block that starts with ``opening``."""
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    found = [block for block in blocks if block.startswith(opening)]
    assert len(found) == 1, f"no README block starts with {opening!r}"
    return found[0]


def test_the_readme_tour_runs_and_imports(tmp_path: Path) -> None:
    """The tour program runs as the README says, and imports from Python as it says."""
    (tmp_path / "pipeline.gopy").write_text(readme_snippet("# pipeline.gopy"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOPY_")}
    ran = subprocess.run(
        [sys.executable, "-m", "gopy", "run", "pipeline.gopy"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "0\n1\n4\n9\n16\n", "")
    importer = readme_snippet("import gopy          # installs the import hook")
    imported = subprocess.run(
        [sys.executable, "-c", importer + "assert callable(pipeline.main)\n"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    runtime = subprocess.run(
        [sys.executable, "-c", readme_snippet("import asyncio, gopy")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (runtime.returncode, runtime.stdout) == (0, "hi\n"), runtime.stderr
