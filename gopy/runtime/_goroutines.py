"""Goroutines: ``gopy.go`` starts a task (coroutine functions) or a worker-thread job.

Under ``run_supervised`` (``gopy.runtime._supervisor``) goroutines are numbered and
supervised; on any other running loop they are kept alive and a failure goes
to the loop's exception handler. Plain callables run on a pool of daemon
worker threads that grows on demand.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from gopy.runtime._collector import apply_gogc
from gopy.runtime._ownership import NOBODY, watch_solo
from gopy.runtime._worker_threads import workers as _workers

# Re-exported: gopy/__init__.py imports the supervisor's names from here.
from gopy.runtime._supervisor import (
    _CALLBACK_CONTEXT,
    Deadlock,
    GoroutinePanic,
    _Supervisor,
    _supervisors,
    run_supervised,
)
from gopy.runtime._supervisor import run_program as _run_program

__all__ = ["go", "call_in_thread", "run_program", "run_supervised", "Deadlock", "GoroutinePanic"]

_CO_COROUTINE = inspect.CO_COROUTINE
_get_running_loop = asyncio._get_running_loop
_Task = asyncio.Task
_FunctionType = types.FunctionType
# 3.12+: asyncio.eager_task_factory, which go() inlines as it inlines create_task
_eager_task_factory = getattr(asyncio, "eager_task_factory", object())
_get_ident = threading.get_ident
#: 3.11's running-loop lookup makes a getpid() system call: go() on the solo
#: loop thread reads ``_ownership.solo_loop()`` instead (kept current here by
#: watch_solo); later versions' lookup is cheaper than that check.
_SLOW_LOOKUP = sys.version_info < (3, 12)
_SOLO: Any = NOBODY
_SOLO_LOOP: Any = None
watch_solo(globals())
_NO_LOOP_MESSAGE = (
    "gopy.go needs a running event loop (call it inside `gopy run`, "
    "gopy.run_program(), asyncio.run() or another running loop)"
)

_thread_state = threading.local()


#: goroutines started on loops without a supervisor (plain asyncio users)
_background: set[asyncio.Task] = set()

#: thread -> (its supervisor or None, goroutine id) while it runs a thread
#: goroutine (written by that thread; readers take ``.copy()``). With
#: ``_parking.parked`` it tells deadlock detection which threads are blocked.
thread_goroutines: dict[threading.Thread, tuple[Any, int]] = {}


# -------------------------------------------------------------------- go ---


def _is_coroutine_function(fn: Any) -> bool:
    """Whether calling ``fn`` makes a coroutine (so it runs on the loop, not in a thread)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if type(fn) is types.FunctionType:
        return bool(fn.__code__.co_flags & _CO_COROUTINE)
    if type(fn) is types.MethodType:
        return _is_coroutine_function(fn.__func__)
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)
    return call is not None and inspect.iscoroutinefunction(call)


#: loop type -> whether its create_task is BaseEventLoop's (so go() may build the Task)
_plain_loop_types: dict[type, bool] = {}


def _is_plain_loop_type(cls: type) -> bool:
    """Whether ``cls.create_task`` is asyncio's own (remembered per loop type)."""
    plain = issubclass(cls, asyncio.BaseEventLoop) and (
        cls.create_task is asyncio.BaseEventLoop.create_task
    )
    _plain_loop_types[cls] = plain
    return plain


def go(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Start ``fn(*args, **kwargs)`` as a goroutine (Go's ``go f(args)``)."""
    loop = _SOLO_LOOP if _SLOW_LOOKUP and _get_ident() == _SOLO else None
    if loop is None:
        loop = _get_running_loop()
    if loop is None:
        return _go_from_thread(fn, args, kwargs)
    sup = _supervisors.get(loop)
    # _is_coroutine_function() inlined for plain functions: this is the hot path.
    if (
        fn.__code__.co_flags & _CO_COROUTINE
        if type(fn) is _FunctionType
        else _is_coroutine_function(fn)
    ):
        coro = fn(*args, **kwargs) if kwargs else fn(*args)
        # What BaseEventLoop.create_task does, minus two Python layers, where
        # that is all create_task would do (no task factory, no debug mode).
        plain = _plain_loop_types.get(type(loop))
        if plain is None:
            plain = _is_plain_loop_type(type(loop))
        if plain and not loop._debug:  # type: ignore[attr-defined]
            factory = loop._task_factory  # type: ignore[attr-defined]
            if factory is None:
                task = _Task(coro, loop=loop)
            elif factory is _eager_task_factory:
                task = _Task(coro, loop=loop, eager_start=True)
            else:
                task = loop.create_task(coro)
        else:
            task = loop.create_task(coro)
        if sup is not None:  # sup.spawn() inlined too
            sup.goroutines[task] = next(sup.ids)
            task.add_done_callback(sup.on_task_done, context=_CALLBACK_CONTEXT)
        elif task.done():  # ran to the end eagerly: no callback round trip
            _unsupervised_done(task)
        else:
            _background.add(task)
            task.add_done_callback(_unsupervised_done, context=_CALLBACK_CONTEXT)
        return None
    _check_callable(fn)
    _start_thread(loop, sup, fn, args, kwargs)
    return None


def _check_callable(fn: Any) -> None:
    if asyncio.iscoroutine(fn):
        name = getattr(fn, "__name__", "f")
        if hasattr(fn, "close"):
            fn.close()  # never awaited by design; no "never awaited" warning on top
        raise TypeError(
            f"gopy.go() takes a function and its arguments, not a coroutine object: "
            f"write gopy.go({name}, ...) instead of gopy.go({name}(...))"
        )
    if not callable(fn):
        raise TypeError(f"gopy.go() needs a callable, not {type(fn).__name__}")


def _go_from_thread(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``go`` called in a thread goroutine: start the new one on the owning loop."""
    loop = getattr(_thread_state, "loop", None)
    if loop is None:
        raise RuntimeError(_NO_LOOP_MESSAGE)
    sup: _Supervisor | None = _thread_state.sup
    if _is_coroutine_function(fn):
        coro = fn(*args, **kwargs)
        try:
            if sup is not None:
                gid = next(sup.ids)
                # The calling thread is still counted in sup.threads, and this
                # callback runs before that thread's own end is processed.
                loop.call_soon_threadsafe(sup.spawn, coro, gid)
            else:
                loop.call_soon_threadsafe(_spawn_unsupervised, loop, coro)
        except RuntimeError:  # the loop is closed: the program is over
            coro.close()
            raise
        return None
    _check_callable(fn)
    _start_thread(loop, sup, fn, args, kwargs)
    return None


def _spawn_unsupervised(loop: asyncio.AbstractEventLoop, coro: Any) -> None:
    task = loop.create_task(coro)
    _background.add(task)
    task.add_done_callback(_unsupervised_done, context=_CALLBACK_CONTEXT)


def _unsupervised_done(task: asyncio.Task) -> None:
    _background.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        task.get_loop().call_exception_handler(
            {
                "message": "exception in goroutine started by gopy.go()",
                "exception": exc,
                "task": task,
            }
        )


def _start_thread(
    loop: asyncio.AbstractEventLoop,
    sup: _Supervisor | None,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    gid = 0
    if sup is not None:
        gid = next(sup.ids)
        with sup.threads_lock:
            sup.threads += 1
    context = contextvars.copy_context()
    _workers.submit(functools.partial(_thread_goroutine, loop, sup, gid, context, fn, args, kwargs))


def _thread_goroutine(
    loop: asyncio.AbstractEventLoop,
    sup: _Supervisor | None,
    gid: int,
    context: contextvars.Context,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Body of a thread goroutine: run ``fn``, then report back to the loop thread."""
    _thread_state.loop, _thread_state.sup = loop, sup
    me = threading.current_thread()
    thread_goroutines[me] = (sup, gid)
    exc: BaseException | None = None
    coro = None
    try:
        result = context.run(fn, *args, **kwargs)
        if asyncio.iscoroutine(result):  # e.g. a lambda returning a coroutine
            coro = result
    except BaseException as e:  # a panic whatever it is; the loop thread decides
        exc = e
    finally:
        _thread_state.loop = _thread_state.sup = None
        del thread_goroutines[me]
    try:
        if sup is not None:
            loop.call_soon_threadsafe(sup.thread_finished, gid, exc, coro)
        elif coro is not None:
            loop.call_soon_threadsafe(_spawn_unsupervised, loop, coro)
        elif exc is not None:
            loop.call_soon_threadsafe(
                loop.call_exception_handler,
                {"message": "exception in goroutine started by gopy.go()", "exception": exc},
            )
    except RuntimeError:  # the loop is closed: the program is over
        if coro is not None:
            coro.close()


async def call_in_thread(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run plain ``fn`` as a thread goroutine and wait for its result (or its exception).

    For a plain ``def main()`` that blocks on channels: it runs where it may
    block, ``go`` inside it starts goroutines on this loop, its timers use this
    loop's clock, and a supervisor counts it as a running thread.
    """
    loop = asyncio.get_running_loop()
    sup = _supervisors.get(loop)
    fut: asyncio.Future[Any] = loop.create_future()
    # The awaiting task stands for the thread: deadlock reports show the
    # thread (as the task's goroutine) and leave the task out.
    fut.gopy_thread_body = True  # type: ignore[attr-defined]
    task = asyncio.current_task()
    gid = sup.gid(task) if sup is not None and task is not None else 0
    context = contextvars.copy_context()
    if sup is not None:
        with sup.threads_lock:
            sup.threads += 1

    def finish(exc: BaseException | None, result: Any) -> None:
        if sup is not None:
            with sup.threads_lock:
                sup.threads -= 1
        if fut.done():
            return
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(result)

    _workers.submit(functools.partial(_thread_body, loop, sup, gid, context, fn, args, kwargs, finish))
    return await fut


def _thread_body(
    loop: asyncio.AbstractEventLoop,
    sup: _Supervisor | None,
    gid: int,
    context: contextvars.Context,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    finish: Callable[[BaseException | None, Any], None],
) -> None:
    """``call_in_thread``'s thread (found by name, with ``sup`` and ``gid``, by the census)."""
    _thread_state.loop, _thread_state.sup = loop, sup
    try:
        result = context.run(fn, *args, **kwargs)
    except BaseException as exc:  # handed to the awaiting task, whatever it is
        outcome: tuple[BaseException | None, Any] = (exc, None)
    else:
        outcome = (None, result)
    finally:
        _thread_state.loop = _thread_state.sup = None
    try:
        loop.call_soon_threadsafe(finish, *outcome)
    except RuntimeError:  # the loop is closed: the program is over
        pass


def run_program(body: Callable[[], Any], namespace: Any) -> None:
    """Run a program under supervision (see ``_supervisor.run_program``).

    A plain ``def main()`` runs as a thread goroutine, where channel
    operations may block, as Go's main goroutine may. ``GOGC`` in the
    environment sets how often the cyclic collector runs (see ``_collector``).
    """
    apply_gogc()
    _run_program(body, namespace, call_plain=call_in_thread)
