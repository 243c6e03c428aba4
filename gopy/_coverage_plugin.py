"""A coverage.py plugin that reports ``.gopy`` files.

Enable it in the project's coverage configuration::

    [tool.coverage.run]
    plugins = ["gopy._coverage_plugin"]

The code objects of a compiled ``.gopy`` file already carry its file name and
lines, so tracing needs no translation: the file tracer only claims the file.
The reporter finds the executable lines the way coverage.py does for ``.py``
files, from the compiled code's line table, with multi-line statements counted
once at their first line (from the source's tokens, which are Python's) and
docstrings left out; branch arcs come from coverage.py's own analysis run over
the lowered tree, whose positions are the ``.gopy`` source's.

Only coverage.py imports this module (``import gopy`` does not).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from typing import Any

from coverage import CoveragePlugin, FileReporter, FileTracer
from coverage.misc import join_regex
from coverage.parser import PythonParser, multiline_map_from_text
from coverage.phystokens import source_token_lines

__all__ = ["GopyPlugin", "coverage_init"]

_SUFFIX = ".gopy"


def coverage_init(reg: Any, options: dict[str, str]) -> None:
    """coverage.py's entry point for plugins."""
    plugin = GopyPlugin()
    reg.add_file_tracer(plugin)
    reg.add_configurer(plugin)  # only to read the exclusion patterns


class GopyPlugin(CoveragePlugin):
    """Claims ``.gopy`` files for tracing and reports them."""

    def __init__(self) -> None:
        self._exclude: str | None = None
        self._partial: str | None = None

    def configure(self, config: Any) -> None:
        patterns = list(config.get_option("report:exclude_lines") or [])
        try:
            patterns += list(config.get_option("report:exclude_also") or [])
        except Exception:  # an older coverage.py without exclude_also
            pass
        self._exclude = join_regex(patterns) or None
        partial = list(config.get_option("report:partial_branches") or [])
        try:
            partial += list(config.get_option("report:partial_also") or [])
        except Exception:
            pass
        self._partial = join_regex(partial) or None

    def file_tracer(self, filename: str) -> FileTracer | None:
        return _Tracer(filename) if filename.endswith(_SUFFIX) else None

    def file_reporter(self, filename: str) -> FileReporter:
        return GopyFileReporter(filename, self._exclude, self._partial)

    def find_executable_files(self, src_dir: str) -> Iterable[str]:
        for folder, dirs, files in os.walk(src_dir):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                if name.endswith(_SUFFIX):
                    yield os.path.join(folder, name)


class _Tracer(FileTracer):
    def __init__(self, filename: str) -> None:
        self._filename = filename

    def source_filename(self) -> str:
        return self._filename


class GopyParser(PythonParser):
    """coverage.py's ``PythonParser``, fed with gopy's lowered tree and code."""

    def parse_source(self) -> None:
        from coverage.bytecode import ByteParser
        from coverage.exceptions import NotPython

        try:
            tree = _lowered(self.text, self.filename)
            code = compile(tree, self.filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise NotPython(f"Couldn't parse '{self.filename}' as gopy source: {exc}") from exc
        self._ast_root = tree
        self.multiline_map = multiline_map_from_text(self.text)
        if self.text.strip():
            self.raw_statements = set(ByteParser(code=code).find_statements())
        if self.exclude:
            self.raw_excluded = self.lines_matching(self.exclude)
            self.excluded = set(self.raw_excluded)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0] if node.body else None
                if (
                    isinstance(first, ast.Expr)
                    and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)
                ):
                    self.raw_docstrings.update(range(first.lineno, (first.end_lineno or 0) + 1))
            if isinstance(node, ast.stmt) and self.excluded:
                # An excluded clause header excludes the whole clause, as for .py.
                header = _header_lines(node)
                if header and self.excluded.intersection(header):
                    self.excluded.update(range(header[0], (node.end_lineno or node.lineno) + 1))
        self.excluded = self.first_lines(self.excluded)
        ignore = self.excluded | self.raw_docstrings
        self.statements = self.first_lines(self.raw_statements - ignore) - ignore


def _lowered(text: str, filename: str) -> ast.Module:
    """The tree that ran: a program's (``gopy run``) or an importable module's.

    A file is taken for a program when only main mode compiles it, or when it
    defines a top-level ``main`` and is not a ``test_*.gopy`` file.
    """
    from gopy.compiler._compile import parse

    try:
        module = parse(text, filename, "exec")
    except SyntaxError:
        return parse(text, filename, "main")
    is_test = os.path.basename(filename).startswith("test_")
    defines_main = any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "main"
        for node in module.body
    )
    return parse(text, filename, "main") if defines_main and not is_test else module


def _header_lines(node: ast.stmt) -> range | None:
    """The lines of a compound statement's header (decorators included)."""
    body = getattr(node, "body", None)
    if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
        return None
    decorators = getattr(node, "decorator_list", [])
    first = min([d.lineno for d in decorators] + [node.lineno])
    return range(first, max(node.lineno, body[0].lineno - 1) + 1)


class GopyFileReporter(FileReporter):
    """Executable, excluded and missed lines (and arcs) of one ``.gopy`` file."""

    def __init__(
        self, filename: str, exclude: str | None = None, partial: str | None = None
    ) -> None:
        super().__init__(filename)
        self._exclude = exclude
        self._partial = partial
        self._parser: GopyParser | None = None
        self._source: str | None = None

    def source(self) -> str:
        if self._source is None:
            from gopy.compiler._compile import decode_source

            with open(self.filename, "rb") as file:
                text = decode_source(file.read())
            self._source = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        return self._source

    @property
    def parser(self) -> GopyParser:
        if self._parser is None:
            self._parser = GopyParser(
                text=self.source(), filename=self.filename, exclude=self._exclude
            )
            self._parser.parse_source()
        return self._parser

    def lines(self) -> set[int]:
        return self.parser.statements

    def excluded_lines(self) -> set[int]:
        return self.parser.excluded

    def translate_lines(self, lines: Iterable[int]) -> set[int]:
        return self.parser.translate_lines(lines)

    def translate_arcs(self, arcs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
        return self.parser.translate_arcs(arcs)

    def no_branch_lines(self) -> set[int]:
        return self.parser.lines_matching(self._partial) if self._partial else set()

    def arcs(self) -> set[tuple[int, int]]:
        return self.parser.arcs()

    def exit_counts(self) -> dict[int, int]:
        return self.parser.exit_counts()

    def missing_arc_description(
        self, start: int, end: int, executed_arcs: Iterable[tuple[int, int]] | None = None
    ) -> str:
        return self.parser.missing_arc_description(start, end)

    def arc_description(self, start: int, end: int) -> str:
        return self.parser.arc_description(start, end)

    def source_token_lines(self) -> Any:
        return source_token_lines(self.source())  # gopy is made of Python's tokens
