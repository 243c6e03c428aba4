"""Go channels as a wrapper around ``asyncio.Queue``, as the seed article builds them.

Written for the tests from the article's description (not copied from it):
``Channel(size)`` wraps ``asyncio.Queue(maxsize=size)``, ``await (ch << v)``
sends, ``await (v << ch)`` receives into a ``Value``, ``Close(ch)`` marks the
channel closed, ``Range(ch)`` iterates until the channel is closed and empty,
and ``go`` is ``asyncio.create_task``. docs/tutorial.md shows where this is
not Go; tests/test_tutorial.py runs each of those claims against this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["Channel", "Value", "Close", "Range", "go"]

go = asyncio.create_task


class Channel:
    """A channel: an ``asyncio.Queue`` and a closed flag."""

    def __init__(self, size: int = 0) -> None:
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=size)
        self._closed = False

    async def __lshift__(self, value: Any) -> None:
        """``await (ch << value)``: send."""
        if self._closed:
            raise RuntimeError("Cannot send to closed channel")
        await self._queue.put(value)

    async def get(self) -> Any:
        """Receive: wait for the next value."""
        return await self._queue.get()

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def empty(self) -> bool:
        return self._queue.empty()


class Value:
    """The left side of ``await (v << ch)``: holds the value received."""

    def __init__(self) -> None:
        self.value: Any = None

    async def __lshift__(self, channel: Channel) -> Value:
        self.value = await channel.get()
        return self


def Close(channel: Channel) -> None:
    channel.close()


async def Range(channel: Channel) -> AsyncIterator[Any]:
    """``async for v in Range(ch)``: values until the channel is closed and empty."""
    while not (channel.closed and channel.empty()):
        yield await channel.get()
