"""gopy: Go's concurrency (goroutines, channels, select) for Python.

``import gopy`` gives the runtime (everything the ``.gopy`` syntax lowers to,
usable from plain asyncio code) and installs the import hook for ``.gopy``
files. The compiler (``parse``, ``translate``) is loaded on first use, so a
program that only runs cached code never loads it (nor black).
"""

from __future__ import annotations

from gopy._version import __version__

from gopy import _importer
from gopy.compiler import GopyInternalError, GopySyntaxError
from gopy.runtime import (
    ChannelClosed,
    Deadlock,
    Defers,
    GoroutinePanic,
    Mutex,
    Selected,
    Ticker,
    Timer,
    WaitGroup,
    after,
    cap,
    chan,
    close,
    go,
    range_blocking,
    range_of,
    recv,
    recv_blocking,
    recv_case,
    recv_ok,
    recv_ok_blocking,
    run_program,
    run_supervised,
    select,
    select_blocking,
    send,
    send_blocking,
    send_case,
    sleep,
    tick,
)
from gopy.runtime import Cond, Once, RWMutex, Semaphore, after_func, context, errgroup, synctest

__all__ = [
    # channels (chan, close and cap are also the .gopy prelude)
    "chan",
    "close",
    "cap",
    "ChannelClosed",
    "send",
    "recv",
    "recv_ok",
    "range_of",
    "select",
    # blocking forms for plain functions (threads)
    "send_blocking",
    "recv_blocking",
    "recv_ok_blocking",
    "range_blocking",
    "select_blocking",
    "recv_case",
    "send_case",
    "Selected",
    # goroutines and program supervision
    "go",
    "run_program",
    "run_supervised",
    "Deadlock",
    "GoroutinePanic",
    "Defers",
    # Go's helpers
    "WaitGroup",
    "Mutex",
    "after",
    "tick",
    "Ticker",
    "Timer",
    "sleep",
    # Go's toolbox: context, errgroup, more of sync, after_func
    "context",
    "errgroup",
    "Once",
    "RWMutex",
    "Cond",
    "Semaphore",
    "after_func",
    "synctest",
    # the compiler (loaded lazily)
    "parse",
    "translate",
    "GopySyntaxError",
    "GopyInternalError",
]


def __getattr__(name: str):
    # Keep the compiler (and its parser tables) off the start-up path.
    if name in ("parse", "translate"):
        from gopy import compiler

        return getattr(compiler, name)
    raise AttributeError(f"module 'gopy' has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext gopy``: IPython reads every cell as gopy (``gopy._ipython``, loaded now)."""
    from gopy import _ipython

    _ipython.load_ipython_extension(ipython)


def unload_ipython_extension(ipython: object) -> None:
    """``%unload_ext gopy``: plain IPython cells again."""
    from gopy import _ipython

    _ipython.unload_ipython_extension(ipython)


_importer.install()
