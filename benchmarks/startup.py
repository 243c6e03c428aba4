"""Start-up cost of ``python -m gopy run hello.gopy`` against ``python hello.py``.

Both programs pass one message through a channel (a gopy ``chan``, an
``asyncio.Queue``) and print it; ``hello.py`` does it under ``asyncio.run``.
The ``.gopy`` program's cache is warmed first, so this measures a cached
start. Whole processes, interleaved runs, medians. Target: ratio <= 1.5.

    python benchmarks/startup.py [--runs 40] [--python /path/to/python]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "measure"]

HELLO_GOPY = """\
async def main():
    messages = chan(1)
    messages <- "hello, world"
    print(<-messages)
"""

HELLO_PY = """\
import asyncio


async def main():
    messages = asyncio.Queue(1)
    await messages.put("hello, world")
    print(await messages.get())


asyncio.run(main())
"""


def _time(command: list[str], cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or result.stdout != "hello, world\n":
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def measure(python: str, runs: int) -> dict[str, float]:
    """Median wall times (seconds) of both start-ups and their ratio."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the gopy cache must be written once
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "hello.gopy").write_text(HELLO_GOPY)
        Path(folder, "hello.py").write_text(HELLO_PY)
        gopy_command = [python, "-m", "gopy", "run", "hello.gopy"]
        python_command = [python, "hello.py"]
        for _ in range(2):  # warm the cache and the OS's file cache
            _time(gopy_command, folder, env)
            _time(python_command, folder, env)
        gopy_times, python_times = [], []
        for i in range(runs):
            # Alternate which goes first so that drift hits both alike.
            pair = [(gopy_command, gopy_times), (python_command, python_times)]
            for command, times in pair if i % 2 == 0 else reversed(pair):
                times.append(_time(command, folder, env))
    gopy_median = statistics.median(gopy_times)
    python_median = statistics.median(python_times)
    return {
        "gopy": gopy_median,
        "python": python_median,
        "ratio": gopy_median / python_median,
        "ratio_of_pairs": statistics.median(g / p for g, p in zip(gopy_times, python_times)),
    }


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--python", default=sys.executable)
    options = parser.parse_args()
    figures = measure(options.python, options.runs)
    print(
        f"python -m gopy run hello.gopy (cached): {figures['gopy'] * 1000:.1f} ms (median of {options.runs})"
    )
    print(f"python hello.py (asyncio.run):          {figures['python'] * 1000:.1f} ms")
    print(
        f"ratio: {figures['ratio']:.2f} (median of per-run ratios {figures['ratio_of_pairs']:.2f}; target <= 1.5)"
    )


if __name__ == "__main__":
    main()
