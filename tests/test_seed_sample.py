"""samples/seed_producer_consumer.gopy: the seed article's program prints what Go's prints.

The sample logs to standard error through `logging`, in `log.Println`'s format;
its argument shortens the producer's one-second sleep. Go's program fixes the
order of its lines only partly, so the check enumerates every order Go allows
for this schedule (each sleep far longer than the work between sleeps) and
requires the output to be one of them.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from support import child_env

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/seed_producer_consumer.gopy"
PAUSE = "0.1"  # seconds between sends, instead of Go's 1
STAMP = re.compile(r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) (.*)")


def interleavings(*chains: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every merge of the chains that keeps the order within each chain."""
    if not any(chains):
        return {()}
    merged: set[tuple[str, ...]] = set()
    for k, chain in enumerate(chains):
        if chain:
            rest = chains[:k] + (chain[1:],) + chains[k + 1 :]
            merged |= {(chain[0], *tail) for tail in interleavings(*rest)}
    return merged


def go_orders() -> set[tuple[str, ...]]:
    """The line orders Go's program can print when every sleep outlasts the work around it.

    In second 0, main's "Waiting" is concurrent with everything; "Sending 0"
    comes before the send completes, so before both "Sent 0" (program order)
    and "Received 0" (the send happens before the receive completes), which
    are concurrent with each other. Each later second starts with "Sending i",
    after which "Sent i" and "Received i" again race. The end is one chain:
    close(ch) ends the consumer's range, whose close(exit) releases main.
    """
    first = {("Sending 0", *pair) for pair in itertools.permutations(["Sent 0", "Received 0"])}
    second_zero = set()
    for order in first:
        second_zero |= interleavings(order, ("Waiting for everything to complete",))
    later = [
        {(f"Sending {i}", *pair) for pair in itertools.permutations([f"Sent {i}", f"Received {i}"])}
        for i in range(1, 5)
    ]
    tail = ("Finished producing", "Finished consuming", "All done, exiting!")
    return {sum(blocks, ()) + tail for blocks in itertools.product(second_zero, *later)}


def run(command: list[str]) -> tuple[datetime, datetime, subprocess.CompletedProcess[str]]:
    start = datetime.now().replace(microsecond=0)
    result = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=60
    )
    return start, datetime.now(), result


def messages(stderr: str) -> list[str]:
    matches = [STAMP.fullmatch(line) for line in stderr.splitlines()]
    assert all(matches), stderr
    return [m[2] for m in matches if m]


def test_go_orders_are_the_ones_go_allows() -> None:
    orders = go_orders()
    # 8 orders for second 0, 2 for each of the next four seconds
    assert len(orders) == 8 * 2**4
    assert all(len(order) == 19 and order[-1] == "All done, exiting!" for order in orders)
    # the consumer keeps up: each value is received before the next one is sent
    for order in orders:
        for i in range(4):
            assert order.index(f"Received {i}") < order.index(f"Sending {i + 1}")


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("seed") / "seed_producer_consumer.py"
    result = subprocess.run(
        [sys.executable, "-m", "gopy", "translate", SAMPLE, "-o", str(target)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return target


@pytest.mark.parametrize("how", ["gopy run", "translated"])
def test_the_seed_program_prints_a_go_order(how: str, translated: Path) -> None:
    if how == "gopy run":
        command = [sys.executable, "-m", "gopy", "run", SAMPLE, PAUSE]
    else:
        command = [sys.executable, str(translated), PAUSE]
    _, _, result = run(command)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert tuple(messages(result.stderr)) in go_orders(), result.stderr


def test_the_timestamps_are_gos_log_format() -> None:
    start, end, result = run([sys.executable, "-m", "gopy", "run", SAMPLE, PAUSE])
    assert result.returncode == 0, result.stderr
    stamps = [STAMP.fullmatch(line) for line in result.stderr.splitlines()]
    assert len(stamps) == 19 and all(stamps), result.stderr
    # Go's log.LstdFlags: local date and time to the second, "2009/11/10 23:00:00"
    times = [datetime.strptime(m[1], "%Y/%m/%d %H:%M:%S") for m in stamps if m]
    assert times == sorted(times)
    assert start <= times[0] and times[-1] <= end


def test_the_sample_documents_its_argument() -> None:
    text = (ROOT / SAMPLE).read_text(encoding="utf-8")
    assert f"python -m gopy run {SAMPLE} [SECONDS]" in text
