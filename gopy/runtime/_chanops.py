"""The module-level channel operations the syntax lowers to (``None`` is the nil channel).

``send``/``recv``/``recv_ok`` return the coroutine to await in an
``async def``; the ``*_blocking`` forms block the calling thread, for plain
functions (thread goroutines). Anything but a channel or ``None`` is a
``TypeError`` that names what was expected.
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

from gopy.runtime._channels import (
    ChannelClosed,
    _block_forever,
    _block_thread_forever,
    chan,
)

__all__ = [
    "send",
    "recv",
    "recv_ok",
    "close",
    "cap",
    "send_blocking",
    "recv_blocking",
    "recv_ok_blocking",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def _not_a_channel(op: str, x: Any) -> TypeError:
    """The error for ``op`` applied to ``x``, which is neither a channel nor ``None``."""
    what = type(x).__name__
    hint = ""
    if inspect.iscoroutine(x):
        name = getattr(x, "__qualname__", getattr(x, "__name__", "it"))
        x.close()  # never awaited by mistake: no second warning on top
        hint = (
            f": it is a coroutine ({name}(...) was probably not awaited; "
            f"write `await {name}(...)`, or call a function that returns a channel)"
        )
    return TypeError(f"{op} needs a channel, got {what}{hint}")


def send(ch: chan[T] | None, value: T) -> Coroutine[Any, Any, None]:
    """``ch <- value``: ``await gopy.send(ch, value)``."""
    if ch is None:
        return _block_forever("chan send (nil chan)")
    try:
        return ch.send(value)
    except AttributeError:
        raise _not_a_channel("send (ch <- v)", ch) from None


class _Receiver(Protocol[T_co]):
    """What ``recv`` needs (covariant, so that ``print(await recv(c))`` type-checks)."""

    def recv(self) -> Coroutine[Any, Any, T_co]: ...


def recv(ch: _Receiver[T] | None) -> Coroutine[Any, Any, T]:
    """``<-ch``: ``await gopy.recv(ch)`` (typed ``T``: see ``chan.recv``)."""
    if ch is None:
        return _block_forever("chan receive (nil chan)")
    try:
        return ch.recv()
    except AttributeError:
        raise _not_a_channel("receive (<-ch)", ch) from None


class _OkReceiver(Protocol[T_co]):
    """What ``recv_ok`` needs (covariant, so that ``v, ok = await recv_ok(c)`` type-checks)."""

    def recv_ok(self) -> Coroutine[Any, Any, tuple[T_co | None, bool]]: ...


def recv_ok(ch: _OkReceiver[T] | None) -> Coroutine[Any, Any, tuple[T | None, bool]]:
    """``v, ok = <-ch``: ``await gopy.recv_ok(ch)``."""
    if ch is None:
        return _block_forever("chan receive (nil chan)")
    try:
        return ch.recv_ok()
    except AttributeError:
        raise _not_a_channel("receive (v, ok := <-ch)", ch) from None


def close(ch: chan[Any] | None) -> None:
    """Go's ``close(ch)``."""
    if ch is None:
        raise ChannelClosed("close of nil channel")
    if not isinstance(ch, chan):
        raise _not_a_channel("close", ch)
    ch.close()


def cap(ch: chan[Any] | None) -> int:
    """Go's ``cap(ch)``; ``cap(None) == 0``."""
    if ch is None:
        return 0
    return ch._cap


def send_blocking(ch: chan[T] | None, value: T) -> None:
    """``ch <- value`` in a plain function: blocks the calling thread."""
    if ch is None:
        _block_thread_forever("chan send (nil chan)")
    if not isinstance(ch, chan):
        raise _not_a_channel("send (ch <- v)", ch)
    ch.send_blocking(value)


def recv_blocking(ch: chan[T] | None) -> T:
    """``<-ch`` in a plain function: blocks the calling thread."""
    if ch is None:
        _block_thread_forever("chan receive (nil chan)")
    if not isinstance(ch, chan):
        raise _not_a_channel("receive (<-ch)", ch)
    return ch.recv_blocking()


def recv_ok_blocking(ch: chan[T] | None) -> tuple[T | None, bool]:
    """``v, ok := <-ch`` in a plain function: blocks the calling thread."""
    if ch is None:
        _block_thread_forever("chan receive (nil chan)")
    if not isinstance(ch, chan):
        raise _not_a_channel("receive (v, ok := <-ch)", ch)
    return ch.recv_ok_blocking()
