"""Go's ``GOGC`` for Python's cyclic garbage collector: how often it runs (unchanged by default).

Go collects when the heap has grown by ``GOGC`` percent (100 unless set)
since the last collection. Python's cyclic collector runs by allocation
counts instead (``gc.get_threshold()``), and each collection walks the live
container objects of its generations: a goroutine-heavy program keeps many
of them alive (a task, its coroutines, a channel and its wait queue per
goroutine), so in ``benchmarks/scale.py``'s daisy chain of 100,000
goroutines the collector is about half of the run time.

``set_gc_percent(p)``, Go's ``debug.SetGCPercent``, scales the first
threshold by ``p / 100`` of the thresholds in force when it was first
called: 1000 makes collections ten times rarer, a negative value turns the
collector off, 100 restores it. ``gopy run`` reads ``GOGC`` from the
environment as Go does (``off`` or a percentage; anything else is ignored);
without it nothing is changed.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from operator import index as _index

__all__ = ["set_gc_percent"]

_base: tuple[int, int, int] | None = None
_percent = 100
_disabled_here = False  # whether set_gc_percent turned the collector off
_applied = False
_MAX_THRESHOLD = 2**31 - 1


def set_gc_percent(percent: int) -> int:
    """Set how often the cyclic collector runs, as Go's ``GOGC``; returns the previous setting."""
    global _base, _percent, _disabled_here
    percent = _index(percent)
    if _base is None:
        _base = gc.get_threshold()  # type: ignore[assignment]
    previous = _percent
    if percent < 0:
        if gc.isenabled():
            gc.disable()
            _disabled_here = True
        percent = -1
    else:
        base = _base
        assert base is not None
        gc.set_threshold(min(_MAX_THRESHOLD, max(1, base[0] * percent // 100)), *base[1:])
        if _disabled_here:  # only undo what this knob did
            gc.enable()
            _disabled_here = False
    _percent = percent
    return previous


def apply_gogc(environ: Mapping[str, str] = os.environ) -> None:
    """Apply ``GOGC`` from ``environ`` once per process, at a program's start, as Go's runtime does."""
    global _applied
    if _applied:
        return
    _applied = True
    value = environ.get("GOGC", "").strip()
    if value.lower() == "off":
        set_gc_percent(-1)
        return
    try:
        percent = int(value)
    except ValueError:  # unset or not a number: left alone, as Go does
        return
    set_gc_percent(percent)
