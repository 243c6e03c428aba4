"""The runtime: Go's concurrency on asyncio, what the ``.gopy`` syntax lowers to.

Channels (``_channels``, ``_chanops``, ``_range``, ``_waiters``,
``_ownership``), ``select`` (``_select``), timers (``_timers``),
``WaitGroup``/``Mutex`` (``_sync``), ``defer`` (``_defer``), goroutines
(``_goroutines``, ``_worker_threads``) and program supervision: panics and
deadlock detection (``_supervisor``, ``_goroutine_census``,
``_deadlock_probe``, ``_reports``, ``_parking``, ``_interrupts``,
``_watchdog``); Go's toolbox (``context``, ``errgroup``, ``synctest``,
``_sync_more``, ``_semaphore``, ``_after_func``). Every primitive works from asyncio tasks on any loop and from
threads (the ``*_blocking`` forms). It is a plain asyncio library: it imports
nothing from the compiler or the surfaces, so a program that runs cached code
never loads them.
"""

from __future__ import annotations

from gopy.runtime._chanops import (
    cap,
    close,
    recv,
    recv_blocking,
    recv_ok,
    recv_ok_blocking,
    send,
    send_blocking,
)
from gopy.runtime._channels import ChannelClosed, chan
from gopy.runtime._defer import Defers
from gopy.runtime._goroutines import Deadlock, GoroutinePanic, go, run_program, run_supervised
from gopy.runtime._range import range_blocking, range_of
from gopy.runtime._select import Selected, recv_case, select, select_blocking, send_case
from gopy.runtime._sync import Mutex, WaitGroup
from gopy.runtime._timers import Ticker, Timer, after, sleep, tick

# Go's toolbox: context, errgroup, more of sync, after_func, synctest.
from gopy.runtime import context, errgroup, synctest
from gopy.runtime._after_func import after_func
from gopy.runtime._collector import set_gc_percent
from gopy.runtime._semaphore import Semaphore
from gopy.runtime._sync_more import Cond, Once, RWMutex

__all__ = [
    "chan",
    "close",
    "cap",
    "ChannelClosed",
    "send",
    "recv",
    "recv_ok",
    "range_of",
    "send_blocking",
    "recv_blocking",
    "recv_ok_blocking",
    "range_blocking",
    "select",
    "select_blocking",
    "recv_case",
    "send_case",
    "Selected",
    "go",
    "run_program",
    "run_supervised",
    "Deadlock",
    "GoroutinePanic",
    "Defers",
    "WaitGroup",
    "Mutex",
    "after",
    "tick",
    "Ticker",
    "Timer",
    "sleep",
    "context",
    "errgroup",
    "Once",
    "RWMutex",
    "Cond",
    "Semaphore",
    "after_func",
    "synctest",
    "set_gc_percent",
]
