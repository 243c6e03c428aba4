"""Conformance checks shared by the native tests and the Pyodide runs (stdlib only).

``check(parse, src, path)`` compares gopy's parse of ``src`` with the running
interpreter's: the same tree (``ast.dump`` with attributes), or the same
SyntaxError (message, line, offset). It returns None when they agree, else a
one-line description of the difference.
"""

from __future__ import annotations

import ast
import os
import warnings
from typing import Callable

SEPARATOR = "# ----\n"


def snippets(directory: str, suffix: str = ".py") -> list[tuple[str, str]]:
    """``(name, source)`` for every snippet of the corpus files ending in ``suffix``."""
    out = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(suffix):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            parts = f.read().split(SEPARATOR)
        out += [(f"{name}#{i}", part) for i, part in enumerate(parts)]
    return out


def since(src: str) -> tuple[int, int]:
    """The version a gopy snippet needs, from its first line ``# since 3.12`` (else 3.11)."""
    first = src.split("\n", 1)[0]
    if first.startswith("# since "):
        major, minor = first[len("# since ") :].split(".")
        return int(major), int(minor)
    return (3, 11)


def golden_sources(directory: str) -> list[tuple[str, str, str]]:
    """``(name, source, mode)`` of each golden case (tests/golden/*.golden)."""
    out = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".golden"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            text = f.read()
        mode = "main"
        if text.startswith("# flags: --module\n"):
            mode = "exec"
            text = text.split("\n", 1)[1]
        out.append((name, text.split("# output\n", 1)[0], mode))
    return out


def _outcome(fn: Callable[[], ast.AST]) -> object:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(fn(), include_attributes=True)
    except SyntaxError as exc:
        return ("SyntaxError", exc.msg, exc.lineno, exc.offset)


def check(parse: Callable[..., ast.AST], src: str | bytes, path: str = "<snippet>") -> str | None:
    """None if gopy and the interpreter agree on ``src``, else what differs."""
    expected = _outcome(lambda: ast.parse(src, path))
    got = _outcome(lambda: parse(src, path))
    if got == expected:
        return None
    if isinstance(expected, str) and isinstance(got, str):
        i = next((k for k, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
        return f"{path}: trees differ at {i}: expected ...{expected[max(0, i - 60):i + 60]}... got ...{got[max(0, i - 60):i + 60]}..."
    return f"{path}: expected {str(expected)[:300]}, got {str(got)[:300]}"


def compiles_without_warnings(parse: Callable[..., ast.AST], src: str, path: str, mode: str) -> str | None:
    """None if the lowered module compiles with every warning an error (PEP 765 included)."""
    try:
        module = parse(src, path, mode)
    except SyntaxError as exc:
        return f"{path}: {exc.msg} at {exc.lineno}:{exc.offset}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            compile(module, path, "exec")
        except (SyntaxError, Warning) as exc:
            return f"{path}: {type(exc).__name__}: {exc}"
    return None
