"""gopy: Go's concurrency (goroutines, channels, select) for Python.

``import gopy`` gives the runtime (everything the ``.gopy`` syntax lowers to,
usable from plain asyncio code) and installs the import hook for ``.gopy``
files. The compiler (``parse``, ``translate``) is loaded on first use, so a
program that only runs cached code never loads it (nor black).
"""

from __future__ import annotations

__version__ = "0.1.0"

from gopy._errors import GopyInternalError, GopySyntaxError
from gopy._chan import ChannelClosed, cap, chan, close, range_of, recv, recv_ok, send
from gopy._select import Selected, recv_case, select, send_case
from gopy._time import Ticker, Timer, after, sleep, tick
from gopy._sync import Mutex, WaitGroup
from gopy._defer import Defers
from gopy._goroutine import Deadlock, GoroutinePanic, go, run_program, run_supervised
from gopy import _importer

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
    # the compiler (loaded lazily)
    "parse",
    "translate",
    "GopySyntaxError",
    "GopyInternalError",
]


def __getattr__(name: str):
    # Keep the compiler (and its parser tables) off the start-up path.
    if name in ("parse", "translate"):
        from gopy import _compiler

        return getattr(_compiler, name)
    raise AttributeError(f"module 'gopy' has no attribute {name!r}")


_importer.install()
