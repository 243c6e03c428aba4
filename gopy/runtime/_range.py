"""What ``for v := range x`` iterates: channels, nil, ints, sequences, maps, iterables.

``range_of`` serves ``async def`` (channels are async-iterated);
``range_blocking`` serves plain functions (channels block the thread).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import index as _index
from typing import Any, Generic, NoReturn, TypeVar, overload

from gopy.runtime._chanops import _not_a_channel
from gopy.runtime._channels import _block_forever, _block_thread_forever, chan

__all__ = ["range_of", "range_blocking"]

T = TypeVar("T")


class _AsyncIter(Generic[T]):
    """Async iteration over a plain iterator."""

    __slots__ = ("_it",)

    def __init__(self, it: Iterator[T]) -> None:
        self._it = it

    def __aiter__(self) -> _AsyncIter[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return next(self._it)
        except StopIteration:
            raise StopAsyncIteration from None


class _NilRange:
    """``range`` over the nil channel: blocks forever."""

    __slots__ = ()

    def __aiter__(self) -> _NilRange:
        return self

    async def __anext__(self) -> NoReturn:
        await _block_forever("chan receive (nil chan)")

    def __iter__(self) -> NoReturn:
        chan.__iter__(None)  # type: ignore[arg-type]  # the same TypeError


def _range_iter(x: Any, pairs: bool) -> Iterator[Any]:
    """Go's range over a value that is not a channel, as a Python iterator."""
    tx = type(x)
    if tx is list or tx is tuple or tx is str or tx is range:
        return iter(enumerate(x)) if pairs else iter(range(len(x)))
    if tx is dict:
        return iter(x.items()) if pairs else iter(x)
    if hasattr(tx, "__index__") and tx is not bool:  # int, numpy integers, ...
        if pairs:
            raise TypeError("range over int permits only one iteration variable")
        return iter(range(_index(x)))
    if isinstance(x, Mapping):
        return iter(x.items()) if pairs else iter(x)
    if isinstance(x, Sequence):
        return iter(enumerate(x)) if pairs else iter(range(len(x)))
    if isinstance(x, Iterable):
        return iter(enumerate(x)) if pairs else iter(x)
    if inspect.iscoroutine(x):
        raise _not_a_channel("range", x)
    raise TypeError(f"cannot range over {x!r} (type {tx.__name__})")


class _Range:
    """What ``for ... := range x`` iterates: sync- and async-iterable."""

    __slots__ = ("_it",)

    def __init__(self, it: Iterator[Any]) -> None:
        self._it = it

    def __iter__(self) -> Iterator[Any]:
        return self._it

    def __aiter__(self) -> _AsyncIter[Any]:
        return _AsyncIter(self._it)


@overload
def range_of(x: chan[T], pairs: bool = False) -> chan[T]: ...
@overload
def range_of(x: Any, pairs: bool = False) -> Any: ...


def range_of(x: Any, pairs: bool = False) -> Any:
    """The object behind ``for v := range x`` (see the architecture notes)."""
    if type(x) is chan or isinstance(x, chan):
        if pairs:
            raise TypeError("range over channel permits only one iteration variable")
        return x
    if x is None:
        if pairs:
            raise TypeError("range over channel permits only one iteration variable")
        return _NilRange()
    # Evaluated now, as Go evaluates the range expression once before the
    # loop: an error points at the `range` line, not into the loop machinery.
    return _Range(_range_iter(x, pairs))


def range_blocking(x: Any, pairs: bool = False) -> Iterator[Any]:
    """``for v := range x`` in a plain function: a plain iterator; a channel blocks the thread."""
    if type(x) is chan or isinstance(x, chan):
        if pairs:
            raise TypeError("range over channel permits only one iteration variable")
        return x._iter_blocking()
    if x is None:
        if pairs:
            raise TypeError("range over channel permits only one iteration variable")
        return _nil_blocking()
    return _range_iter(x, pairs)


def _nil_blocking() -> Iterator[Any]:
    _block_thread_forever("chan receive (nil chan)")
    yield  # pragma: no cover
