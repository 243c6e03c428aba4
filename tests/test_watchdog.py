"""The blocked-loop watchdog: off by default, names a goroutine that holds the loop."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from support import child_env, write
from test_supervisor import line_of

BUSY = """\
import time

def crunch():
    end = time.monotonic() + 0.6
    while time.monotonic() < end: pass  # BUSY

async def busy():
    crunch()  # CALL

async def main():
    go busy()
    await gopy.sleep(0.9)
    print("done")
"""

HELD = re.compile(
    r"gopy: watchdog: goroutine 2 has held the event loop for at least (\d+\.\d+) s "
    r"\(threshold 0\.100 s\), at:"
)
RELEASED = re.compile(
    r"gopy: watchdog: goroutine 2 released the event loop after at least (\d+\.\d+) s"
)


def gopy_run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", "run", *args],
        cwd=cwd,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("how", ["flag", "flag=", "env"])
def test_watchdog_names_the_goroutine_that_holds_the_loop_and_where(
    tmp_path: Path, how: str
) -> None:
    script = write(tmp_path / "prog.gopy", "import gopy\n" + BUSY)
    if how == "flag":
        proc = gopy_run("--watchdog", "100", str(script), cwd=tmp_path)
    elif how == "flag=":
        proc = gopy_run("--watchdog=100", str(script), cwd=tmp_path)
    else:
        proc = gopy_run(str(script), cwd=tmp_path, GOPY_WATCHDOG_MS="100")
    assert (proc.returncode, proc.stdout) == (0, "done\n"), proc.stderr
    lines = proc.stderr.splitlines()
    held = HELD.fullmatch(lines[0])
    assert held, proc.stderr
    assert lines[1:5] == [
        "__main__.crunch(...)",
        f"\t{script}:{line_of(script, 'BUSY')}",
        "__main__.busy(...)",
        f"\t{script}:{line_of(script, 'CALL')}",
    ]
    released = RELEASED.fullmatch(lines[5])
    assert released and len(lines) == 6, proc.stderr
    # Ratios of figures the watchdog printed itself (no wall time asserted):
    # it reports once the threshold has passed, and the release after it.
    assert float(held[1]) >= 0.1
    assert float(released[1]) >= float(held[1])


def test_watchdog_is_off_by_default(tmp_path: Path) -> None:
    script = write(tmp_path / "prog.gopy", "import gopy\n" + BUSY)
    proc = gopy_run(str(script), cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "done\n", "")


def _thread_names_inside(monkeypatch: pytest.MonkeyPatch, value: str | None) -> list[str]:
    import gopy

    if value is None:
        monkeypatch.delenv("GOPY_WATCHDOG_MS", raising=False)
    else:
        monkeypatch.setenv("GOPY_WATCHDOG_MS", value)

    async def body() -> Any:
        return [thread.name for thread in threading.enumerate()]

    return gopy.run_supervised(body)


def test_watchdog_off_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zero cost when off: no thread, no heartbeat (a 0 or empty setting is off too)."""
    assert "gopy-watchdog" not in _thread_names_inside(monkeypatch, None)
    assert "gopy-watchdog" not in _thread_names_inside(monkeypatch, "")
    assert "gopy-watchdog" not in _thread_names_inside(monkeypatch, "0")
    assert "gopy-watchdog" in _thread_names_inside(monkeypatch, "250")


def test_watchdog_keeps_deadlocks_reported(tmp_path: Path) -> None:
    script = write(tmp_path / "prog.gopy", "async def main():\n    <-chan()  # PARK\n")
    proc = gopy_run(str(script), cwd=tmp_path, GOPY_WATCHDOG_MS="20")
    assert proc.returncode == 2
    assert proc.stderr == (
        "fatal error: all goroutines are asleep - deadlock!\n\n"
        f"goroutine 1 [chan receive]:\n__main__.main(...)\n\t{script}:{line_of(script, 'PARK')}\n"
    )


@pytest.mark.parametrize("args", [["--watchdog"], ["--watchdog", "soon", "x.gopy"]])
def test_watchdog_flag_usage_errors(tmp_path: Path, args: list[str]) -> None:
    proc = gopy_run(*args, cwd=tmp_path)
    assert proc.returncode == 2 and "--watchdog needs a number of milliseconds" in proc.stderr
