"""Go-shaped report text: panic and deadlock reports, with gopy's own frames hidden.

``GOPY_TRACEBACK=all`` (like Go's ``GOTRACEBACK``) keeps the runtime's frames.
"""

from __future__ import annotations

import asyncio
import functools
import os
import traceback
import types
from typing import Any

__all__ = [
    "is_runtime_file",
    "panic_report",
    "parked_frames_text",
    "show_all_frames",
    "stack_lines",
    "user_traceback",
]

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_ASYNCIO_DIR = os.path.dirname(os.path.abspath(asyncio.__file__))


@functools.lru_cache(maxsize=256)
def is_runtime_file(filename: str) -> bool:
    """True for the files of gopy's runtime (hidden from reports by default)."""
    path = os.path.abspath(filename)
    return os.path.dirname(path) == _RUNTIME_DIR


def show_all_frames() -> bool:
    """Whether ``GOPY_TRACEBACK=all`` asks for the runtime's own frames too."""
    return os.environ.get("GOPY_TRACEBACK", "").lower() == "all"


def _coroutine_frames(coro: Any) -> list[types.FrameType]:
    """The frames of a suspended coroutine's await chain, outermost first."""
    frames = []
    seen = 0
    while coro is not None and seen < 1000:
        seen += 1
        frame = (
            getattr(coro, "cr_frame", None)
            or getattr(coro, "gi_frame", None)
            or getattr(coro, "ag_frame", None)
        )
        if frame is None:
            break
        frames.append(frame)
        coro = (
            getattr(coro, "cr_await", None)
            or getattr(coro, "gi_yieldfrom", None)
            or getattr(coro, "ag_await", None)
        )
    return frames


def _frame_lines(frames: list[types.FrameType], hide_asyncio: bool = False) -> list[str]:
    """Go-style lines for ``frames`` (innermost first): ``module.function(...)``, tab, file:line."""
    show_all = show_all_frames()
    lines = []
    for frame in frames:
        code = frame.f_code
        if not show_all and (
            is_runtime_file(code.co_filename)
            or (hide_asyncio and os.path.dirname(os.path.abspath(code.co_filename)) == _ASYNCIO_DIR)
        ):
            continue
        module = frame.f_globals.get("__name__", "?")
        lines.append(f"{module}.{code.co_qualname}(...)")
        lines.append(f"\t{code.co_filename}:{frame.f_lineno}")
    return lines


def parked_frames_text(task: asyncio.Task) -> list[str]:
    """Go-style lines for where ``task`` is parked, innermost call first."""
    lines = _frame_lines(list(reversed(_coroutine_frames(task.get_coro()))), hide_asyncio=True)
    if not lines:
        lines.append(f"{task.get_coro()!r}")
    return lines


def stack_lines(top: types.FrameType | None, outermost: types.FrameType | None = None) -> list[str]:
    """Go-style lines for a live stack, from ``top`` (innermost) out to ``outermost``.

    Without ``outermost`` the walk stops at the runtime's ``_thread_goroutine``
    (or ``call_in_thread``'s ``_thread_body``) frame (a thread goroutine's bottom: below it are the worker pool and
    ``threading``). Runtime and asyncio frames are left out unless
    ``GOPY_TRACEBACK=all``.
    """
    frames = []
    frame = top
    while frame is not None and len(frames) < 1000:
        code = frame.f_code
        if (
            outermost is None
            and code.co_name in ("_thread_goroutine", "_thread_body")
            and is_runtime_file(code.co_filename)
        ):
            frames.append(frame)
            break
        frames.append(frame)
        if frame is outermost:
            break
        frame = frame.f_back
    lines = _frame_lines(frames, hide_asyncio=True)
    if not lines and top is not None:
        lines.append(f"{top.f_code.co_qualname}(...) (no frame of the program)")
    return lines


def _trim_traceback(te: traceback.TracebackException, seen: set[int]) -> None:
    """Drop gopy runtime frames from ``te`` and the exceptions chained to it."""
    if id(te) in seen:
        return
    seen.add(id(te))
    kept = [f for f in te.stack if not is_runtime_file(f.filename)]
    if kept or not te.stack:
        te.stack = traceback.StackSummary.from_list(kept)
    for chained in (te.__cause__, te.__context__, *(getattr(te, "exceptions", None) or ())):
        if chained is not None:
            _trim_traceback(chained, seen)


def _exception_title(exc: BaseException) -> str:
    """``ExcType: message`` with gopy's own exceptions named as ``gopy.X``."""
    cls = type(exc)
    module, name = cls.__module__, cls.__qualname__
    if module.startswith("gopy.") and "._" in f".{module}":
        name = f"gopy.{name}"
    elif module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the panic
        message = "<exception str() failed>"
    return f"{name}: {message}" if message else name


def panic_report(exc: BaseException, goroutine: int) -> str:
    """Go's panic text: title, then the goroutine's Python traceback."""
    te = traceback.TracebackException.from_exception(exc)
    if not show_all_frames():
        _trim_traceback(te, set())
    trace = "".join(te.format())
    return f"panic: {_exception_title(exc)}\n\ngoroutine {goroutine} [running]:\n{trace}"


def user_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` without its leading gopy-runtime and asyncio frames."""
    if show_all_frames():
        return tb
    start = tb
    while start is not None:
        filename = start.tb_frame.f_code.co_filename
        if not (
            is_runtime_file(filename) or os.path.dirname(os.path.abspath(filename)) == _ASYNCIO_DIR
        ):
            return start
        start = start.tb_next
    return tb
