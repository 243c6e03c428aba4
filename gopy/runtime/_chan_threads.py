"""The thread side of a channel: Go's blocking forms, for plain functions.

A mixin of ``chan`` (its state and non-blocking halves live in
``gopy.runtime._channels``): each operation completes at once if it can
(lock-free on the owner's thread, else under the runtime lock), and
otherwise parks the calling thread on its own lock, or raises at once on an
event loop's thread, which must never block.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from gopy.runtime._parkops import _BLOCK, _CLOSED, _WOULD_BLOCK, ChannelClosed, _block_thread
from gopy.runtime._waiters import _lock, _thread_waiter

__all__: list[str] = []

T = TypeVar("T")

_get_running_loop = asyncio._get_running_loop


class _ThreadSide(Generic[T]):
    """``send_blocking``, ``recv_blocking``, ``recv_ok_blocking`` and blocking iteration."""

    __slots__ = ()

    # Provided by chan:
    _mine: Any
    _try_send: Any
    _try_recv: Any
    _enqueue: Any

    def send_blocking(self, value: T) -> None:
        """``ch <- value`` in a plain function: block the calling thread until sent."""
        if self._mine():
            if self._try_send(value, False):
                return
            raise RuntimeError(_WOULD_BLOCK.format(op="a channel send"))
        with _lock:
            if self._try_send(value, True):
                return
            if _get_running_loop() is not None:
                raise RuntimeError(_WOULD_BLOCK.format(op="a channel send"))
            w = _thread_waiter()
            entry, q = self._enqueue(True, w, value)
        if _block_thread(w, entry, q, "chan send") is _CLOSED:
            raise ChannelClosed("send on closed channel")

    def _recv_blocking_any(self) -> Any:
        if self._mine():
            value = self._try_recv(False)
            if value is _BLOCK:
                raise RuntimeError(_WOULD_BLOCK.format(op="a channel receive"))
            return value
        with _lock:
            value = self._try_recv(True)
            if value is not _BLOCK:
                return value
            if _get_running_loop() is not None:
                raise RuntimeError(_WOULD_BLOCK.format(op="a channel receive"))
            w = _thread_waiter()
            entry, q = self._enqueue(False, w, None)
        return _block_thread(w, entry, q, "chan receive")

    def recv_blocking(self) -> T:
        """``<-ch`` in a plain function: block the calling thread for a value (``None`` once closed)."""
        value = self._recv_blocking_any()
        return None if value is _CLOSED else value  # type: ignore[return-value]  # typed as recv

    def recv_ok_blocking(self) -> tuple[T | None, bool]:
        """``v, ok := <-ch`` in a plain function."""
        value = self._recv_blocking_any()
        if value is _CLOSED:
            return None, False
        return value, True

    def _iter_blocking(self) -> Iterator[T]:
        """Receive until closed, blocking the calling thread (``range_blocking``)."""
        while True:
            value = self._recv_blocking_any()
            if value is _CLOSED:
                return
            yield value
