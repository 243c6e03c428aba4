"""``gopy fmt`` speed against black on Python of about the same size, in one process.

The gopy input is every sample concatenated into one file; the Python input is
the standard library module closest to it in size. Each is first formatted at
line length 20, so that formatting it at 88 has real work to do (joining the
lines again). Black runs as its command line does by default (safe mode: it
checks AST equivalence and stability), as ``gopy fmt`` always does; its
``--fast`` figure is printed too. Ratios are per KB, CPU time, median.

    python benchmarks/fmt_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sysconfig
import time
from pathlib import Path

import black

from gopy._formatter import _format_header, format_source

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent


def _gopy_input() -> str:
    return "\n\n".join(p.read_text() for p in sorted((ROOT / "samples").glob("*.gopy")))


def _python_input(size: int) -> tuple[str, str]:
    stdlib = sysconfig.get_paths()["stdlib"]
    paths = sorted(
        glob.glob(os.path.join(stdlib, "*.py")), key=lambda p: abs(os.path.getsize(p) - size)
    )
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        try:
            black.format_file_contents(text, fast=False, mode=black.Mode())
        except black.NothingChanged:
            pass
        except Exception:  # a module black cannot format: the next closest one
            continue
        return path, text
    raise SystemExit("no usable standard library module")


def _time(func, source: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        func(source)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    narrow = black.Mode(line_length=20)
    mode = black.Mode()
    gopy_src = format_source(_gopy_input(), narrow)
    path, py = _python_input(len(_gopy_input().encode()))
    py_src = black.format_str(py, mode=narrow)

    def black_safe(src: str) -> None:
        try:
            black.format_file_contents(src, fast=False, mode=mode)
        except black.NothingChanged:
            pass

    def gopy_fmt(src: str) -> None:
        _format_header.cache_clear()  # every run starts cold
        format_source(src, mode)

    t_gopy = _time(gopy_fmt, gopy_src, options.repeat)
    t_black = _time(black_safe, py_src, options.repeat)
    t_fast = _time(lambda s: black.format_str(s, mode=mode), py_src, options.repeat)
    kb_gopy, kb_py = len(gopy_src.encode()) / 1024, len(py_src.encode()) / 1024
    print(
        f"gopy fmt   {kb_gopy:6.1f} KB ({gopy_src.count(chr(10))} lines): {t_gopy:.3f} s, {t_gopy / kb_gopy * 1000:.2f} ms/KB"
    )
    print(
        f"black      {kb_py:6.1f} KB ({py_src.count(chr(10))} lines, {os.path.basename(path)}): {t_black:.3f} s, {t_black / kb_py * 1000:.2f} ms/KB (safe mode)"
    )
    print(f"black fast {kb_py:6.1f} KB: {t_fast:.3f} s, {t_fast / kb_py * 1000:.2f} ms/KB (--fast)")
    ratio = (t_gopy / kb_gopy) / (t_black / kb_py)
    print(
        f"gopy fmt / black, per KB: {ratio:.2f}x (safe mode), {(t_gopy / kb_gopy) / (t_fast / kb_py):.2f}x (--fast)"
    )


if __name__ == "__main__":
    main()
