"""Source text with the position arithmetic the compiler needs.

Lark counts columns in characters; CPython's AST counts UTF-8 bytes, and
``SyntaxError.offset`` counts characters again (1-based). This class converts
between them, cheaply for the common all-ASCII line.
"""

from __future__ import annotations

import re

from gopy.compiler._compile_errors import GopySyntaxError

__all__ = ["SourceText"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


class SourceText:
    """A ``.gopy`` source and its file name."""

    def __init__(self, text: str, filename: str = "<unknown>") -> None:
        self.text = text
        self.filename = filename
        # Python breaks source lines at \n, \r\n and \r only (str.splitlines
        # also breaks at \f, \x85, \u2028 and others).
        self.lines = _LINE.findall(text)[:-1] or [""]
        self._ascii = [line.isascii() for line in self.lines]

    def line(self, lineno: int) -> str:
        """Line ``lineno`` (1-based) with its newline, or '' past the end."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1]
        return ""

    def byte_col(self, lineno: int, char_col: int) -> int:
        """UTF-8 byte offset of character column ``char_col`` (0-based)."""
        if lineno > len(self.lines) or self._ascii[lineno - 1]:
            return char_col
        return len(self.lines[lineno - 1][:char_col].encode("utf-8"))

    def char_col(self, lineno: int, byte_col: int) -> int:
        """Character column of UTF-8 byte offset ``byte_col`` (0-based)."""
        if lineno > len(self.lines) or self._ascii[lineno - 1]:
            return byte_col
        return len(self.lines[lineno - 1].encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def error(
        self,
        msg: str,
        lineno: int,
        byte_col: int,
        end_lineno: int | None = None,
        end_byte_col: int | None = None,
    ) -> GopySyntaxError:
        """A ``GopySyntaxError`` at the given AST-style (byte, 0-based) position."""
        offset = self.char_col(lineno, byte_col) + 1
        if end_lineno is None:
            end_lineno, end_offset = lineno, offset + 1
        else:
            end_offset = self.char_col(end_lineno, end_byte_col or 0) + 1
        return GopySyntaxError(
            msg, self.filename, lineno, offset, self.line(lineno), end_lineno, end_offset
        )
