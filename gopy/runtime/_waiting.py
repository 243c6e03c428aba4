"""How the toolbox's primitives park: on a channel, under Go's wait reason for the primitive.

Once, RWMutex, Cond, Semaphore, errgroup and context are built on gopy's own
channels, so they inherit whatever the channel core guarantees (thread
safety, cheap removal of a cancelled waiter). A goroutine parked in one of
them must still show Go's reason ("sync.Cond.Wait", not "chan receive") in
``gopy.runtime._parking.parked``, which deadlock reports and leak checks read.

CONTRACTS.md (interface 2) has the channel core provide
``gopy.runtime._parking.waiting_as(reason)``, a context manager that makes
every park inside it record ``reason``. Until that exists, ``parked_as``
falls back to driving the awaitable itself and overwriting the entry the
channel wrote each time it suspends.

A thread goroutine (a plain ``def``) waits on the same channel with
``Waiter.wait_blocking``, so tasks and threads queue in one FIFO and whoever
releases wakes either kind the same way; ``refuse_on_loop`` is the check that
a ``*_blocking`` form makes before it would park, since an event loop's
thread must never block.

``now()`` is the wall clock as goroutines see it: ``time.time()``, or the
virtual clock of a ``gopy.synctest`` bubble.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Generator
from typing import Any, TypeVar

import gopy.runtime._parking as _parking
from gopy.runtime._channels import chan
from gopy.runtime._chanops import close, recv
from gopy.runtime._ownership import SHARED
from gopy.runtime._parking import parked
from gopy.runtime._parkops import _WOULD_BLOCK

__all__ = ["parked_as", "now", "Waiter", "refuse_on_loop"]

_T = TypeVar("_T")
_get_running_loop = asyncio._get_running_loop
_waiting_as = getattr(_parking, "waiting_as", None)


async def parked_as(reason: str, awaitable: Awaitable[_T]) -> _T:
    """``await awaitable``, recorded in ``parked`` as ``reason`` while it is suspended."""
    if _waiting_as is not None:
        with _waiting_as(reason):
            return await awaitable
    return await _Reasoned(reason, awaitable)


class _Reasoned:
    """Fallback for ``waiting_as``: relabel the park the inner awaitable records."""

    __slots__ = ("reason", "inner")

    def __init__(self, reason: str, inner: Awaitable[Any]) -> None:
        self.reason = reason
        self.inner = inner

    def __await__(self) -> Generator[Any, Any, Any]:
        task = asyncio.current_task()
        gen = self.inner.__await__()
        reason = self.reason
        try:
            value = gen.send(None)
            while True:
                if task is not None and task in parked:
                    parked[task] = reason
                try:
                    sent = yield value
                except GeneratorExit:
                    gen.close()
                    raise
                except BaseException as exc:
                    value = gen.throw(exc)
                else:
                    value = gen.send(sent)
        except StopIteration as stop:
            return stop.value


def refuse_on_loop(op: str) -> None:
    """Raise ``RuntimeError`` if the caller is an event loop's thread (``op`` would block it)."""
    if _get_running_loop() is not None:
        raise RuntimeError(_WOULD_BLOCK.format(op=op))


def now() -> float:
    """Seconds since the epoch: ``time.time()``, or the bubble's virtual clock inside synctest."""
    loop = _get_running_loop()
    wall = getattr(loop, "gopy_wall_time", None)
    return wall() if wall is not None else time.time()


class Waiter:
    """One parked goroutine: woken by closing its channel; ``granted`` says it was handed something."""

    __slots__ = ("ch", "granted", "n")

    def __init__(self, n: int = 1) -> None:
        self.ch: Any = chan()
        # Shared from birth: wake() closes it with the primitive's lock held,
        # and closing a loop-owned channel from another thread waits for that
        # loop to hand it over, which deadlocks if the loop waits for the lock.
        self.ch._owner = SHARED
        self.granted = False
        self.n = n

    def wake(self) -> None:
        """Grant and wake (call with the owner's lock held; never twice)."""
        self.granted = True
        close(self.ch)

    async def wait(self, reason: str) -> None:
        """Park until ``wake()`` (returns at once if it already happened)."""
        await parked_as(reason, recv(self.ch))

    def wait_blocking(self, reason: str) -> None:
        """Block the calling thread until ``wake()``, recorded in ``parked`` as ``reason``."""
        if _waiting_as is not None:
            with _waiting_as(reason):
                self.ch.recv_blocking()
        else:  # pragma: no cover - the channel core provides waiting_as
            self.ch.recv_blocking()
