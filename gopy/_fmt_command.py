"""The ``gopy fmt`` command: black's style for ``.gopy`` files, with black's options and exit statuses.

Exit status as black's: 0 when nothing changed (or everything was rewritten),
1 with ``--check`` when a file would be reformatted, 123 when a file could not
be formatted (a syntax error, or a result that would change the meaning:
such a file is left untouched).
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import sys
import tokenize
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["main"]

EXIT_WOULD_REFORMAT = 1
EXIT_ERROR = 123


def _files(path: str) -> list[str]:
    if not os.path.isdir(path):
        return [path]
    found = []
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        found += [os.path.join(folder, n) for n in sorted(names) if n.endswith(".gopy")]
    return found


def black_mode(paths: list[str], line_length: int | None = None):
    """Black's Mode from the ``[tool.black]`` table that black itself would read for ``paths``."""
    import black

    config: dict = {}
    pyproject = black.find_pyproject_toml(tuple(paths or ["."]))
    if pyproject:
        config = black.parse_pyproject_toml(pyproject)
    return black.Mode(
        line_length=line_length or int(config.get("line_length", black.DEFAULT_LINE_LENGTH)),
        string_normalization=not config.get("skip_string_normalization", False),
        magic_trailing_comma=not config.get("skip_magic_trailing_comma", False),
        preview=bool(config.get("preview", False)),
    )


def _decode(data: bytes) -> tuple[str, str, str]:
    """Text (with '\\n' newlines), its encoding and its newline, as black reads a file."""
    encoding, lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    if not lines:
        return "", encoding, "\n"
    newline = "\r\n" if lines[0].endswith(b"\r\n") else "\n"
    with io.TextIOWrapper(io.BytesIO(data), encoding) as wrapper:
        return wrapper.read(), encoding, newline


def _diff(path: str, before: str, after: str) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f +0000")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"{path}\t{now}",
        f"{path}\t{now}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _plural(n: int, what: str) -> str:
    return f"{n} file{'s' if n != 1 else ''} {what}"


def main(args: list[str]) -> int:
    """Run ``gopy fmt``; the exit status."""
    parser = argparse.ArgumentParser(
        prog="gopy fmt",
        description="Format .gopy files (directories recursively) in black's style. "
        "The line length comes from [tool.black] in the nearest pyproject.toml, as for black.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="FILE_OR_DIR", help="'-' reads stdin, writes stdout"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change"
    )
    parser.add_argument(
        "--diff", action="store_true", help="write nothing; print a diff of each change"
    )
    parser.add_argument("-l", "--line-length", type=int, help="override black's line length")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    options = parser.parse_args(args)

    from gopy._formatter import FormatError, format_source

    mode = black_mode([p for p in options.paths if p != "-"], options.line_length)
    changed = unchanged = failed = 0

    def report(message: str) -> None:
        if not options.quiet:
            print(message, file=sys.stderr)

    for root in options.paths:
        if root != "-" and not os.path.exists(root):
            print(f"error: cannot format {root}: No such file or directory", file=sys.stderr)
            failed += 1
            continue
        for path in ["-"] if root == "-" else _files(root):
            try:
                data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
                source, encoding, newline = _decode(data)
                result = format_source(source, mode, "<stdin>" if path == "-" else path)
            except (OSError, UnicodeDecodeError, SyntaxError, FormatError) as exc:
                message = exc.strerror if isinstance(exc, OSError) else str(exc)
                print(f"error: cannot format {path}: {message}", file=sys.stderr)
                failed += 1
                continue
            if path == "-" and not (options.check or options.diff):
                sys.stdout.buffer.write(result.replace("\n", newline).encode(encoding))
            if result == source:
                unchanged += 1
                continue
            changed += 1
            if options.diff:
                sys.stdout.write(_diff(path, source, result))
            if options.check or options.diff:
                report(f"would reformat {path}")
            elif path != "-":
                with open(path, "wb") as file:
                    file.write(result.replace("\n", newline).encode(encoding))
                report(f"reformatted {path}")
    would = options.check or options.diff
    summary = []
    if changed:
        summary.append(_plural(changed, "would be reformatted" if would else "reformatted"))
    if unchanged:
        summary.append(_plural(unchanged, "would be left unchanged" if would else "left unchanged"))
    if failed:
        summary.append(_plural(failed, "would fail to reformat" if would else "failed to reformat"))
    report("Oh no!" if failed or (changed and options.check) else "All done!")
    report(", ".join(summary) + ".")
    if failed:
        return EXIT_ERROR
    return EXIT_WOULD_REFORMAT if options.check and changed else 0
