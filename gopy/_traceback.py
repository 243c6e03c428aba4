"""Errors as the user should see them: ``.gopy`` frames, not gopy's machinery.

``GOPY_TRACEBACK=all`` (like Go's ``GOTRACEBACK``) keeps every frame.
"""

from __future__ import annotations

import os
import sys
import traceback
from types import CodeType, TracebackType
from typing import Callable

__all__ = [
    "as_plain_syntax_error",
    "format_syntax_error",
    "is_internal",
    "print_exception",
    "show_all_frames",
    "without_internal_frames",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_FROZEN_INTERNALS = ("<frozen importlib.", "<frozen runpy>")


def show_all_frames() -> bool:
    """Whether ``GOPY_TRACEBACK=all`` asks for gopy's own frames too."""
    return os.environ.get("GOPY_TRACEBACK", "").lower() == "all"


def _asyncio_dir() -> str | None:
    asyncio = sys.modules.get("asyncio")
    file = getattr(asyncio, "__file__", None)
    return os.path.dirname(file) + os.sep if file else None


def is_internal(code: CodeType) -> bool:
    """Whether ``code`` is gopy's runner or runtime, the event loop, or importlib."""
    filename = code.co_filename
    if filename.startswith(_PACKAGE_DIR) or filename.startswith(_FROZEN_INTERNALS):
        return True
    asyncio_dir = _asyncio_dir()
    return asyncio_dir is not None and filename.startswith(asyncio_dir)


def _cleaned(
    tb: TracebackType | None, hidden: Callable[[TracebackType], bool]
) -> TracebackType | None:
    kept = []
    while tb is not None:
        if not hidden(tb):
            kept.append(tb)
        tb = tb.tb_next
    new: TracebackType | None = None
    for entry in reversed(kept):
        new = TracebackType(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return new


def without_internal_frames(
    exc: BaseException, hidden: Callable[[TracebackType], bool] | None = None
) -> BaseException:
    """Drop internal frames from ``exc``'s traceback and those it chains to."""
    if hidden is None:
        hidden = lambda tb: is_internal(tb.tb_frame.f_code)  # noqa: E731
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = _cleaned(current.__traceback__, hidden)
        pending += [current.__cause__, current.__context__]
        pending += getattr(current, "exceptions", ())
    return exc


def as_plain_syntax_error(exc: SyntaxError) -> SyntaxError:
    """``exc`` as a ``SyntaxError`` (printed ``SyntaxError: ...`` like CPython's)."""
    if type(exc) is SyntaxError:
        return exc
    details = (exc.filename, exc.lineno, exc.offset, exc.text, exc.end_lineno, exc.end_offset)
    return SyntaxError(exc.msg, details)


def format_syntax_error(exc: SyntaxError) -> str:
    """CPython's report of a syntax error: file and line, the line, the caret."""
    return "".join(traceback.format_exception_only(SyntaxError, as_plain_syntax_error(exc)))


def print_exception(exc: BaseException) -> None:
    """Print ``exc`` and its traceback as Python would (through ``sys.excepthook``)."""
    if isinstance(exc, SyntaxError) and exc.__traceback__ is None:
        exc = as_plain_syntax_error(exc)
    sys.excepthook(type(exc), exc, exc.__traceback__)
