"""Translating a 5 MB ``.gopy`` file: ``gopy.translate`` against ``gopy.parse`` alone.

The file is the samples, concatenated until it passes 5 MB (each copy's
``main`` renamed). Prints each stage's time: parsing (the compiler), the
comments (Python's tokenizer), the rendering (the unparser), for scale the
standard library's ``ast.unparse``, and the whole ``translate`` (past
``BLACK_LIMIT`` black is not run), which runs first, in a fresh process.

    python benchmarks/translate_speed.py [--size BYTES]
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

from gopy.compiler._compile import parse, translate
from gopy.compiler._translate import BLACK_LIMIT, _unparse_with_comments, scan

SAMPLES = Path(__file__).parent.parent / "samples"


def corpus(size: int) -> str:
    parts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.gopy"))]
    text = "\n".join(parts)
    copies = []
    total = 0
    while total < size:
        copy = text.replace("def main", f"def main{len(copies)}")
        copies.append(copy)
        total += len(copy) + 1
    return "\n".join(copies)


def timed(label: str, function, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args)
    print(f"{label:<38} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000_000)
    size = parser.parse_args().size
    source = corpus(size)
    print(f"{len(source.encode()) / 1e6:.2f} MB of gopy, black limit {BLACK_LIMIT:,} characters")
    python = timed("gopy.translate (all of it)", translate, source, "big.gopy", "exec")
    module = timed("  gopy.parse (exec)", parse, source, "big.gopy", "exec")
    timed("  rendering (tokenize + unparser)", _unparse_with_comments, module, source)
    timed("    of which the comments (tokenize)", scan, source)
    timed("    ast.unparse alone, for scale", ast.unparse, module)
    print(f"{len(python.encode()) / 1e6:.2f} MB of Python")


if __name__ == "__main__":
    main()
