"""Go's ``defer``: calls pushed during a function, run last-first when it exits.

``defer f(a)`` in a ``.gopy`` function lowers to ``defers.push(f, a)`` inside
``with gopy.Defers() as defers:`` (``async with`` in an ``async def``, where a
deferred call's awaitable result is awaited). As in Go, every deferred call
runs even when an earlier one raises, and an exception raised by a deferred
call replaces the one in flight; the replaced exception stays reachable as
``__context__``, chained exactly as ``contextlib.ExitStack`` chains its
callbacks' exceptions.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["Defers"]

_Call = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class Defers:
    """The deferred calls of one function activation."""

    __slots__ = ("_calls",)

    def __init__(self) -> None:
        self._calls: list[_Call] = []

    def __repr__(self) -> str:
        return f"<gopy.Defers pending={len(self._calls)}>"

    def push(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Defer ``fn(*args, **kwargs)``; ``fn`` and the arguments are already evaluated."""
        self._calls.append((fn, args, kwargs))

    def __enter__(self) -> Defers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        calls = self._calls
        frame_exc = sys.exc_info()[1]
        pending = exc
        raised = False
        while calls:
            fn, args, kwargs = calls.pop()
            try:
                result = fn(*args, **kwargs)
                if inspect.iscoroutine(result):
                    result.close()
                    raise TypeError(
                        f"deferred call {_name(fn)}() returned a coroutine in a plain function: "
                        "defer it inside an `async def` (async with gopy.Defers())"
                    )
            except BaseException as new:
                _fix_context(new, pending, frame_exc)
                pending, raised = new, True
        if raised:
            _reraise(pending)
        return False

    async def __aenter__(self) -> Defers:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        calls = self._calls
        frame_exc = sys.exc_info()[1]
        pending = exc
        raised = False
        while calls:
            fn, args, kwargs = calls.pop()
            try:
                result = fn(*args, **kwargs)
                if inspect.isawaitable(result):
                    await result
            except BaseException as new:
                _fix_context(new, pending, frame_exc)
                pending, raised = new, True
        if raised:
            _reraise(pending)
        return False


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _fix_context(
    new: BaseException, old: BaseException | None, frame_exc: BaseException | None
) -> None:
    """Make ``old`` the end of ``new``'s context chain (``ExitStack``'s rule).

    Python sets ``__context__`` to the exception being handled when ``__exit__``
    started (``frame_exc``), not to the one a previous deferred call raised.
    """
    while True:
        context = new.__context__
        if context is None or context is old:
            return
        if context is frame_exc:
            break
        new = context
    new.__context__ = old


def _reraise(exc: BaseException | None) -> None:
    assert exc is not None
    # `raise` inside __exit__ would set __context__ again; keep the fixed chain.
    fixed = exc.__context__
    try:
        raise exc
    except BaseException:
        exc.__context__ = fixed
        raise
