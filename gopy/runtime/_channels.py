"""Go's channels on asyncio: direct hand-off, a FIFO buffer, close, nil.

A channel is one state object, like Go's ``hchan``: a buffer deque, a deque
of parked senders and a deque of parked receivers. Waiter entries are tuples:

* receivers: ``(future, index)``
* senders: ``(future, value, index)``

``index`` is ``None`` for a plain ``send``/``recv``; for a ``select`` it is the
case's position, and the one future is shared by all the select's entries.
Whoever completes a parked operation removes the entry and resolves its
future: a plain receiver gets the value (or ``_CLOSED``), a plain sender
``None``, a select ``(index, value, ok)``.

Invariants:

* An entry whose future is done is dead (its task was cancelled, or its
  select already committed on another channel): anyone who pops it skips it,
  and its owner removes it when it resumes, so none is left behind.
* Live receivers are parked only while the buffer is empty and no live
  sender is parked; live senders only while the buffer is full. (A parked
  select with a send and a receive case on one unbuffered channel is in
  both queues; it is never matched with itself, since only another task's
  operation pops entries.)
* Operations that can complete at once do so without a future and without
  yielding to the event loop.

Cancellation: a task cancelled after its parked operation was completed by
the other side (its future already holds a result) returns that result
normally (a receiver keeps the value it was handed; nothing is put back).
The cancellation is not lost: ``_redeliver_cancel`` cancels the task again at
its next suspension point, whatever it awaits there, unless by then every
cancellation request was withdrawn with ``Task.uncancel()``. That is what
``asyncio.timeout()`` does when its body completed, so the timeout exits
cleanly as for any completed body; with ``asyncio.wait_for()`` the inner
task's result is returned.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator, Mapping, Sequence
from operator import index as _index
from typing import Any, Generic, NoReturn, Protocol, TypeVar, overload

from gopy.runtime._parking import parked

__all__ = [
    "chan",
    "ChannelClosed",
    "send",
    "recv",
    "recv_ok",
    "close",
    "cap",
    "range_of",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_get_running_loop = asyncio.get_running_loop
_current_task = asyncio.current_task
_CancelledError = asyncio.CancelledError
# Faster than loop.create_future() (no Python frame) and valid on any loop.
_Future = asyncio.Future
# {loop: running task}, kept by asyncio's task steps (C or Python). Reading it
# avoids a second running-loop lookup (one getpid() system call each) on every
# park; where a Python version stops maintaining it, the lookup falls back.
_current_tasks: dict[Any, asyncio.Task[Any]] = getattr(asyncio.tasks, "_current_tasks", {})


def _task_on(loop: asyncio.AbstractEventLoop) -> asyncio.Task[Any] | None:
    """The task running on ``loop`` (the caller's)."""
    return _current_tasks.get(loop) or _current_task(loop)


class ChannelClosed(Exception):
    """Go's channel panics: send on closed channel, close of closed or nil channel."""


class _Sentinel:
    """A named marker object."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The result a plain parked receiver gets when the channel is closed.
_CLOSED: Any = _Sentinel("<closed>")
#: ``_recv_nowait`` / ``_send_nowait``: the operation would block.
_BLOCK: Any = _Sentinel("<would block>")


def _redeliver_cancel(task: asyncio.Task[Any], msg: Any) -> None:
    """Cancel ``task`` again unless every cancellation request was withdrawn."""
    # Runs once the task has suspended again. cancelling() == 0 means the
    # requesters took it back (asyncio.timeout's exit after a completed body).
    # If a newer request is already in flight, cancelling twice still throws
    # a single CancelledError.
    if not task.done() and task.cancelling():
        task.uncancel()  # keep the count: this is the same request, delivered late
        task.cancel(msg)


def _absorb_cancel(task: asyncio.Task[Any] | None, exc: BaseException) -> None:
    """The operation completed although ``task`` was cancelled: deliver it later."""
    if task is not None and task.cancelling():
        msg = exc.args[0] if exc.args else None
        task.get_loop().call_soon(_redeliver_cancel, task, msg)


def _discard(queue: deque[Any], entry: Any) -> None:
    """Remove ``entry`` from ``queue`` if a counterpart has not popped it already."""
    # Test first: a failing deque.remove() formats the entry's repr (a future's
    # repr is slow) into its ValueError.
    if entry in queue:
        queue.remove(entry)


def _abandon(fut: asyncio.Future[Any], queue: deque[Any], entry: Any) -> None:
    """A parked operation is left by an exception other than cancellation: kill its entry."""
    if not fut.done():
        fut.cancel()
    _discard(queue, entry)


async def _block_forever(reason: str) -> NoReturn:
    """Park the current task for good (a nil channel, an empty select)."""
    loop = _get_running_loop()
    fut: asyncio.Future[Any] = _Future(loop=loop)
    task = _task_on(loop)
    parked[task] = reason  # type: ignore[index]
    try:
        await fut
    finally:
        del parked[task]  # type: ignore[arg-type]
    raise AssertionError("unreachable")  # pragma: no cover


class chan(Generic[T]):
    """A Go channel: ``chan()`` is unbuffered (rendezvous), ``chan(n)`` holds n values."""

    __slots__ = ("_cap", "_buf", "_senders", "_receivers", "_closed")

    def __init__(self, capacity: int = 0) -> None:
        capacity = _index(capacity)
        if capacity < 0:
            raise ValueError("makechan: size out of range")
        self._cap: int = capacity
        self._buf: deque[T] = deque()
        self._senders: deque[tuple[asyncio.Future[Any], T, int | None]] = deque()
        self._receivers: deque[tuple[asyncio.Future[Any], int | None]] = deque()
        self._closed: bool = False

    # -- introspection ---------------------------------------------------

    @property
    def cap(self) -> int:
        """The capacity (0 for an unbuffered channel)."""
        return self._cap

    @property
    def closed(self) -> bool:
        """Whether ``close`` was called."""
        return self._closed

    def __len__(self) -> int:
        return len(self._buf)

    def __bool__(self) -> bool:
        # An empty channel is still a channel: ``if ch:`` must not mean ``len(ch)``.
        return True

    def __repr__(self) -> str:
        senders = sum(1 for e in self._senders if not e[0].done())
        receivers = sum(1 for e in self._receivers if not e[0].done())
        state = "closed" if self._closed else "open"
        return (
            f"<chan cap={self._cap} len={len(self._buf)} "
            f"waiting senders={senders} receivers={receivers} {state}>"
        )

    # -- non-blocking halves (shared with select and timers) -------------

    def _send_nowait(self, value: T) -> bool:
        """Send if that needs no waiting; ``False`` if the sender would block."""
        if self._closed:
            raise ChannelClosed("send on closed channel")
        receivers = self._receivers
        while receivers:
            fut, index = receivers.popleft()
            if fut.done():
                continue
            fut.set_result(value if index is None else (index, value, True))
            return True
        if len(self._buf) < self._cap:
            self._buf.append(value)
            return True
        return False

    def _recv_nowait(self) -> Any:
        """Receive if that needs no waiting: a value, ``_CLOSED`` or ``_BLOCK``."""
        buf = self._buf
        if buf:
            value = buf.popleft()
            if self._senders:
                self._refill()
            return value
        senders = self._senders
        while senders:
            fut, value, index = senders.popleft()
            if fut.done():
                continue
            fut.set_result(None if index is None else (index, None, True))
            return value
        if self._closed:
            return _CLOSED
        return _BLOCK

    def _refill(self) -> None:
        """A slot just freed in a full buffer: move the first parked sender's value in."""
        senders = self._senders
        while senders:
            fut, value, index = senders.popleft()
            if fut.done():
                continue
            self._buf.append(value)
            fut.set_result(None if index is None else (index, None, True))
            return

    def _recv_ready(self) -> bool:
        """Whether a receive would complete at once (drops dead senders at the head)."""
        if self._buf or self._closed:
            return True
        senders = self._senders
        while senders and senders[0][0].done():
            senders.popleft()
        return bool(senders)

    def _send_ready(self) -> bool:
        """Whether a send would complete (or raise) at once."""
        if self._closed or len(self._buf) < self._cap:
            return True
        receivers = self._receivers
        while receivers and receivers[0][0].done():
            receivers.popleft()
        return bool(receivers)

    # -- blocking operations ---------------------------------------------

    async def send(self, value: T) -> None:
        """Send ``value``; wait for a receiver (unbuffered) or for buffer space."""
        if self._closed:
            raise ChannelClosed("send on closed channel")
        receivers = self._receivers
        while receivers:
            fut, index = receivers.popleft()
            if fut.done():
                continue
            fut.set_result(value if index is None else (index, value, True))
            return
        if len(self._buf) < self._cap:
            self._buf.append(value)
            return
        # Slow path: park until a receiver takes the value or the channel closes.
        loop = _get_running_loop()
        fut = _Future(loop=loop)
        entry = (fut, value, None)
        self._senders.append(entry)
        task = _current_tasks.get(loop) or _current_task(loop)
        parked[task] = "chan send"  # type: ignore[index]
        try:
            await fut
        except _CancelledError as exc:
            if not fut.done() or fut.cancelled():
                _discard(self._senders, entry)
                raise
            if fut.exception() is not None:  # closed meanwhile: the send did not happen
                raise
            # The value was taken before the cancellation landed: the send happened.
            _absorb_cancel(task, exc)
        except BaseException:  # thrown in by hand (coro.throw/close): leave nothing behind
            _abandon(fut, self._senders, entry)
            raise
        finally:
            del parked[task]  # type: ignore[arg-type]

    async def recv(self) -> T | None:
        """Receive a value; ``None`` at once when the channel is closed and drained."""
        buf = self._buf
        if buf:
            value = buf.popleft()
            if self._senders:
                self._refill()
            return value
        senders = self._senders
        while senders:
            fut, value, index = senders.popleft()
            if fut.done():
                continue
            fut.set_result(None if index is None else (index, None, True))
            return value
        if self._closed:
            return None
        value = await self._park_receiver()
        return None if value is _CLOSED else value

    async def _park_receiver(self) -> Any:
        """Slow path of every receive: park until a value arrives or the channel closes.

        Returns the value, or ``_CLOSED``. A cancellation that lands after a
        sender handed over a value is absorbed (the value is returned and the
        cancellation re-delivered later); otherwise the entry leaves the queue.
        """
        loop = _get_running_loop()
        fut = _Future(loop=loop)
        entry = (fut, None)
        self._receivers.append(entry)
        task = _current_tasks.get(loop) or _current_task(loop)
        parked[task] = "chan receive"  # type: ignore[index]
        try:
            return await fut
        except _CancelledError as exc:
            if not fut.done() or fut.cancelled():
                _discard(self._receivers, entry)
                raise
            _absorb_cancel(task, exc)
            return fut.result()
        except BaseException:
            _abandon(fut, self._receivers, entry)
            raise
        finally:
            del parked[task]  # type: ignore[arg-type]

    async def recv_ok(self) -> tuple[T | None, bool]:
        """Receive ``(value, True)``, or ``(None, False)`` once closed and drained."""
        buf = self._buf
        if buf:
            value = buf.popleft()
            if self._senders:
                self._refill()
            return value, True
        value = self._recv_nowait()
        if value is _BLOCK:
            value = await self._park_receiver()
        if value is _CLOSED:
            return None, False
        return value, True

    def close(self) -> None:
        """Close: parked receivers get ``(None, False)``, parked senders raise."""
        if self._closed:
            raise ChannelClosed("close of closed channel")
        self._closed = True
        receivers = self._receivers
        while receivers:
            fut, index = receivers.popleft()
            if not fut.done():
                fut.set_result(_CLOSED if index is None else (index, None, False))
        senders = self._senders
        while senders:
            fut = senders.popleft()[0]
            if not fut.done():
                fut.set_exception(ChannelClosed("send on closed channel"))

    # -- iteration ---------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        buf = self._buf
        if buf:
            value = buf.popleft()
            if self._senders:
                self._refill()
            return value
        value = self._recv_nowait()
        if value is _BLOCK:
            value = await self._park_receiver()
        if value is _CLOSED:
            raise StopAsyncIteration
        return value

    def __iter__(self) -> NoReturn:
        raise TypeError(
            "cannot range over a channel in a plain function: "
            "receiving waits, so use 'async def' (and 'async for')"
        )


# -- the module-level operations the syntax lowers to (None is the nil channel)


def send(ch: chan[T] | None, value: T) -> Coroutine[Any, Any, None]:
    """``ch <- value``: ``await gopy.send(ch, value)``."""
    if ch is None:
        return _block_forever("chan send (nil chan)")
    return ch.send(value)


def recv(ch: chan[T] | None) -> Coroutine[Any, Any, T | None]:
    """``<-ch``: ``await gopy.recv(ch)``."""
    if ch is None:
        return _block_forever("chan receive (nil chan)")
    return ch.recv()


class _OkReceiver(Protocol[T_co]):
    """What ``recv_ok`` needs (covariant, so that ``v, ok = await recv_ok(c)`` type-checks)."""

    def recv_ok(self) -> Coroutine[Any, Any, tuple[T_co | None, bool]]: ...


def recv_ok(ch: _OkReceiver[T] | None) -> Coroutine[Any, Any, tuple[T | None, bool]]:
    """``v, ok = <-ch``: ``await gopy.recv_ok(ch)``."""
    if ch is None:
        return _block_forever("chan receive (nil chan)")
    return ch.recv_ok()


def close(ch: chan[Any] | None) -> None:
    """Go's ``close(ch)``."""
    if ch is None:
        raise ChannelClosed("close of nil channel")
    ch.close()


def cap(ch: chan[Any] | None) -> int:
    """Go's ``cap(ch)``; ``cap(None) == 0``."""
    if ch is None:
        return 0
    return ch._cap


# -- range -----------------------------------------------------------------


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
        chan.__iter__(None)  # type: ignore[arg-type]


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
