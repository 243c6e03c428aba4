"""This tree's runtime against an older commit's, in one process: is a fast path as fast as it was?

``benchmarks/channels.py`` compares gopy with plain asyncio; a change to the
runtime is judged against the runtime it replaces. This script exports an
older commit's ``gopy`` package (``git archive``) to a temporary directory
under another name (``gopy_then``: its imports of ``gopy`` are renamed), then
runs the gopy side of every ``channels.py`` scenario with each package,
interleaved in one process on one loop, and prints the median of
then / now per scenario: above 1 the current tree is faster.

    python benchmarks/against_commit.py COMMIT [--reps N] [--scale X] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.util
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import gopy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import channels  # noqa: E402  (benchmarks/channels.py: the scenarios and the measurement)

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
_IMPORT = re.compile(r"\b(from|import) gopy\b")


def export_then(commit: str, into: Path) -> ModuleType:
    """Import ``commit``'s ``gopy`` package as ``gopy_then``."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", "--format=tar", commit, "gopy"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "gopy_then"
    (into / "gopy").rename(package)
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        text = _IMPORT.sub(lambda m: f"{m[1]} gopy_then", text)
        text = text.replace('"gopy.', '"gopy_then.').replace(
            "import gopy_then\n", "import gopy_then as gopy\n"
        )
        path.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("gopy_then")


def scenarios_for(package: ModuleType, name: str) -> Any:
    """``channels.py`` loaded again with ``package`` as its ``gopy``."""
    saved = sys.modules["gopy"]
    sys.modules["gopy"] = package
    try:
        spec = importlib.util.spec_from_file_location(name, HERE / "channels.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        sys.modules["gopy"] = saved
    return module.SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the commit to compare with (e.g. fad6474)")
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", default=None, help="scenario name substrings")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        then_package = export_then(args.commit, Path(tmp))
        now_scenarios = scenarios_for(gopy, "_channels_now")
        then_scenarios = scenarios_for(then_package, "_channels_then")
        print(
            f"Python {sys.version.split()[0]}, {args.reps} repetitions, cpu time, default loop; "
            f"ratio = {args.commit} time / this tree's time (median)"
        )
        for now, then in zip(now_scenarios, then_scenarios):
            if now.one_loop or (args.only and not any(s in now.name for s in args.only)):
                continue
            # channels.py's own interleaved measurement, with the old runtime as the baseline.
            ratio, now_time, then_time = channels.measure(
                dataclasses.replace(now, baseline=then.gopy),
                asyncio.new_event_loop,
                args.reps,
                args.scale,
            )
            n = max(16, int(now.n * args.scale))
            print(
                f"  {now.name:<42} {ratio:5.2f}   "
                f"now {now_time * 1e6 / n:6.2f} us/op   "
                f"then {then_time * 1e6 / n:6.2f} us/op",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
