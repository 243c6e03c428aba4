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
from gopy import runtime as _runtime
from gopy.runtime import *  # noqa: F403  (the runtime's public names: gopy.runtime.__all__)

__all__ = [
    *_runtime.__all__,
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
