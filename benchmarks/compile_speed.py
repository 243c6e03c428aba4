"""Compile speed: gopy.parse against ast.parse over the standard library.

Parses every top-level ``*.py`` module of the running interpreter's standard
library with both, in the same process, and prints both rates and the ratio.

    python benchmarks/compile_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import ast
import glob
import os
import sys
import sysconfig
import time
import warnings

__all__ = ["main"]


def _sources() -> list[tuple[str, bytes]]:
    stdlib = sysconfig.get_paths()["stdlib"]
    out = []
    for path in sorted(glob.glob(os.path.join(stdlib, "*.py"))):
        with open(path, "rb") as f:
            out.append((path, f.read()))
    return out


def _best(fn, sources: list[tuple[str, bytes]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path, src in sources:
            fn(src, path)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each parser; the best is kept")
    args = parser.parse_args()

    import gopy

    warnings.simplefilter("ignore")  # the stdlib's invalid escapes warn under both parsers
    sources = _sources()
    size = sum(len(src) for _, src in sources)
    gopy.parse(b"x = 1\n")  # load the tables outside the timing

    cpython = _best(lambda src, path: ast.parse(src, path), sources, args.repeat)
    ours = _best(lambda src, path: gopy.parse(src, path), sources, args.repeat)
    mb = size / 1e6
    print(f"Python {sys.version.split()[0]}: {len(sources)} stdlib modules, {mb:.2f} MB")
    print(f"ast.parse : {cpython:7.3f} s  {mb / cpython:7.2f} MB/s")
    print(f"gopy.parse: {ours:7.3f} s  {mb / ours:7.2f} MB/s")
    print(f"ratio     : gopy.parse is {ours / cpython:.1f}x slower than ast.parse (target: at most 6x)")


if __name__ == "__main__":
    main()
