"""The compiler's two error roots: user errors and compiler bugs."""

from __future__ import annotations

__all__ = ["GopySyntaxError", "GopyInternalError"]


class GopySyntaxError(SyntaxError):
    """A syntax error in gopy source, positioned like CPython's own.

    ``lineno``/``end_lineno`` are 1-based; ``offset``/``end_offset`` are
    1-based character offsets into ``text`` (what ``SyntaxError`` expects, so
    that Python's traceback printer draws the caret under the right text).
    """

    def __init__(
        self,
        msg: str,
        filename: str,
        lineno: int,
        offset: int,
        text: str | None,
        end_lineno: int | None = None,
        end_offset: int | None = None,
    ) -> None:
        if end_lineno is None:
            end_lineno = lineno
        if end_offset is None:
            end_offset = offset
        super().__init__(msg, (filename, lineno, offset, text, end_lineno, end_offset))


class GopyInternalError(Exception):
    """A bug in the gopy compiler (not in the program being compiled)."""
