"""``gopy check --types``: mypy over the translations, errors at their ``.gopy`` positions.

Each file is translated in module mode (main mode for a program that only
compiles as one) without black, into a temporary folder laid out as the
sources are (so that ``.gopy`` modules that import each other resolve), and
mypy checks the translations. Each position mypy reports in a translation is
mapped back through the lowered tree, whose nodes carry the ``.gopy`` source's
positions: the translation parses to the same tree, node for node, so the
node that starts at the reported position is found and its source position
printed, in mypy's own ``file:line:column: severity: message`` format.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

__all__ = ["check_types"]

_MESSAGE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<rest>(?:error|note|warning): .*)$"
)


@dataclass
class _Translation:
    source_path: str
    lines: list[str]  # the .gopy source's lines, for byte-to-character columns
    exact: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    by_line: dict[int, tuple[int, int]] = field(default_factory=dict)

    def position(self, line: int, column: int | None) -> tuple[int, int | None]:
        """The ``.gopy`` line and 1-based column of a translation's line and 1-based column."""
        found = self.exact.get((line, column - 1)) if column else None
        if found is None:
            found = self.by_line.get(line)
            if found is None:
                return line, column
        src_line, src_byte_col = found
        text = self.lines[src_line - 1] if 0 < src_line <= len(self.lines) else ""
        src_col = len(text.encode()[:src_byte_col].decode("utf-8", "ignore"))
        return src_line, src_col + 1 if column else None


def _position_map(lowered: ast.Module, python: str, translation: _Translation) -> None:
    """Pair the translation's nodes with the lowered tree's, in walk order."""
    reparsed = ast.parse(python)
    # (Not ast.dump: the lowering may leave out fields that parsing fills, such
    # as 3.12's empty type_params.)
    same = [type(n) for n in ast.walk(reparsed)] == [type(n) for n in ast.walk(lowered)]
    kind = ast.AST if same else ast.stmt  # statements at least stay paired
    pairs = zip(
        (n for n in ast.walk(reparsed) if isinstance(n, kind) and hasattr(n, "lineno")),
        (n for n in ast.walk(lowered) if isinstance(n, kind) and hasattr(n, "lineno")),
    )
    first_expression: dict[int, tuple[int, int]] = {}
    new: Any
    old: Any
    for new, old in pairs:
        value = (old.lineno, old.col_offset)
        translation.exact.setdefault((new.lineno, new.col_offset), value)
        # a line's fallback: the first statement starting on it, else the first node
        if isinstance(new, ast.stmt):
            translation.by_line.setdefault(new.lineno, value)
        else:
            first_expression.setdefault(new.lineno, value)
    for line, value in first_expression.items():
        translation.by_line.setdefault(line, value)


def _import_root(path: str) -> str:
    """The folder that ``path`` is imported from: above every package it is in."""
    folder = os.path.dirname(os.path.abspath(path))
    while any(os.path.exists(os.path.join(folder, f"__init__{ext}")) for ext in (".gopy", ".py")):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def _module_path(path: str) -> str:
    """Where the translation of ``path`` goes in the temporary tree, as its module name says."""
    relative = os.path.relpath(os.path.abspath(path), _import_root(path))
    return relative[: -len(".gopy")] + ".py"


def _translate(path: str) -> tuple[ast.Module, str, list[str]]:
    from gopy.compiler._compile import decode_source, parse
    from gopy.compiler._translate import render

    with open(path, "rb") as file:
        data = file.read()
    try:
        lowered = parse(data, path, "exec")
    except SyntaxError:
        lowered = parse(data, path, "main")  # a program: top-level channel operations
    text = decode_source(data)
    return lowered, render(lowered, text, use_black=False), text.splitlines()


def check_types(files: list[str], checker_args: list[str] | None = None) -> int:
    """Run mypy over the translations of the ``.gopy`` ``files``; the exit status."""
    from gopy._traceback import format_syntax_error

    failed = False
    with tempfile.TemporaryDirectory(prefix="gopy-types-") as folder:
        translations: dict[str, _Translation] = {}
        for path in files:
            try:
                lowered, python, lines = _translate(path)
            except SyntaxError as exc:
                print(format_syntax_error(exc), end="", file=sys.stderr)
                failed = True
                continue
            except OSError as exc:
                print(f"gopy check: {path}: {exc.strerror}", file=sys.stderr)
                failed = True
                continue
            target = os.path.join(folder, _module_path(path))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as out:
                out.write(python)
            translation = _Translation(path, lines)
            _position_map(lowered, python, translation)
            translations[os.path.realpath(target)] = translation
        if not translations:
            return 1 if failed else 0
        command = [
            sys.executable, "-m", "mypy",
            "--show-column-numbers", "--no-error-summary", "--no-pretty",
            "--no-color-output", "--show-absolute-path",
            *(checker_args or []),
            *sorted(translations),
        ]  # fmt: skip
        env = dict(os.environ)
        # The translations first, then the folders they are imported from (for .py neighbours).
        roots = sorted({_import_root(path) for path in files})
        env["MYPYPATH"] = os.pathsep.join(filter(None, [folder, *roots, env.get("MYPYPATH")]))
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env)
        except OSError as exc:
            print(f"gopy check --types: cannot run mypy: {exc}", file=sys.stderr)
            return 2
        if result.returncode == 2 or "No module named mypy" in result.stderr:
            sys.stderr.write(result.stderr + result.stdout)
            if "No module named mypy" in result.stderr:
                print(
                    "gopy check --types needs mypy: pip install 'gopy-lang[types]'", file=sys.stderr
                )
            return 2
        errors = 0
        for line in result.stdout.splitlines():
            match = _MESSAGE.match(line)
            found = translations.get(os.path.realpath(match["path"])) if match else None
            if match is None or found is None:
                print(line)
                continue
            column = int(match["col"]) if match["col"] else None
            src_line, src_col = found.position(int(match["line"]), column)
            where = f"{found.source_path}:{src_line}:" + (f"{src_col}:" if src_col else "")
            print(f"{where} {match['rest']}")
            errors += match["rest"].startswith("error:")
        sys.stderr.write(result.stderr)
    return 1 if failed or errors or result.returncode else 0
