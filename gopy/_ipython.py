"""``%load_ext gopy``: IPython and Jupyter cells in gopy syntax.

Every cell is read as gopy (``%gopy off`` gives plain IPython back, ``%gopy
on`` gopy again). Each cell's statements run as one input of a session
(``gopy._session``): one supervised event loop in a thread of its own that
keeps running between cells, so goroutines started in one cell go on, top-level
channel operations just work, a cell that deadlocks shows Go's report (the
kernel keeps going), and a goroutine's panic shows its report and ends the
cell. Every cell, not only ``%%gopy`` ones: channels are not thread-safe, and
a plain-Python cell that closed or sent on a channel from IPython's own
thread would race with the goroutines; running every cell on the session's
loop keeps all of them on the loop that owns them.

The cell is parsed by the gopy compiler in place of IPython's parser, so the
positions, and with them the tracebacks, are the cell's own lines.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from types import TracebackType
from typing import Any

from gopy._session import InputFailed, Session
from gopy.runtime._goroutine_census import passive_threads

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_RUNNER = "__gopy_run_cell__"
_FUTURES_DIR = os.path.dirname(concurrent.futures.__file__) + os.sep
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class GopyCells:
    """The extension's state in one IPython shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        # The host's own threads (a kernel's heartbeat, I/O and control threads)
        # serve the notebook, not the goroutines: deadlock detection leaves them out.
        self.host_threads = {t.ident for t in threading.enumerate() if t.ident is not None}
        self.host_threads.discard(threading.get_ident())
        passive_threads.update(self.host_threads)
        self.session = Session()
        self.parse_python = shell.compile.ast_parse
        self.enabled = False

    def ast_parse(self, source: str, filename: str = "<unknown>", symbol: str = "exec") -> Any:
        """IPython's ``compile.ast_parse``, reading a cell as gopy."""
        if symbol != "exec":
            return self.parse_python(source, filename, symbol)
        from gopy._interactive import cell_module

        return cell_module(source, filename, _RUNNER)

    def run_cell_program(self, program: Any) -> Any:
        """Run the cell's ``_main_module`` on the session; its value is the cell's."""
        __tracebackhide__ = True  # noqa: F841 (IPython hides this frame)
        if program.__globals__.get("_main_module") is program:
            del program.__globals__["_main_module"]
        try:
            return self.session.run(program)
        except InputFailed as failed:
            # gopy.Deadlock or gopy.GoroutinePanic, shown as Go's report instead of a traceback.
            failure = failed.failure
            failure._render_traceback_ = failed._render_traceback_  # type: ignore[union-attr]
            raise failure.with_traceback(None) from None
        except SystemExit:
            self.session.exit_requested = False  # IPython reports it; the kernel goes on
            raise
        except BaseException as exc:
            raise exc.with_traceback(_user_frames(exc.__traceback__))

    def enable(self) -> None:
        from gopy.runtime import cap, chan, close  # the cells' prelude (each cell imports gopy)

        self.shell.push({"chan": chan, "close": close, "cap": cap})
        self.shell.user_ns[_RUNNER] = self.run_cell_program
        self.shell.user_ns_hidden[_RUNNER] = self.run_cell_program
        self.shell.compile.ast_parse = self.ast_parse
        self.enabled = True

    def disable(self) -> None:
        if self.shell.compile.__dict__.get("ast_parse") == self.ast_parse:
            del self.shell.compile.ast_parse  # the class's method again
        self.enabled = False

    def magic(self, line: str) -> None:
        """%gopy on|off: read cells as gopy, or as plain IPython (the session goes on)."""
        word = line.strip().lower()
        if word == "on":
            self.enable()
        elif word == "off":
            self.disable()
        elif word:
            print(f"%gopy: expected 'on' or 'off', not {word!r}")
        else:
            print(f"gopy cells are {'on' if self.enabled else 'off'}")


def _user_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` without the frames that carried the exception from the session's thread."""
    kept = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith((_FUTURES_DIR, _PACKAGE_DIR)):
            kept.append(tb)
        tb = tb.tb_next
    new = None
    for entry in reversed(kept):
        new = TracebackType(new, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return new


_cells: dict[int, GopyCells] = {}


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gopy``: read every cell as gopy, on a session that runs between cells."""
    cells = _cells.get(id(ipython))
    if cells is None:
        cells = _cells[id(ipython)] = GopyCells(ipython)
        ipython.register_magic_function(cells.magic, "line", "gopy")
    cells.enable()


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext gopy``: plain IPython again; the session's goroutines are cancelled."""
    cells = _cells.pop(id(ipython), None)
    if cells is not None:
        cells.disable()
        cells.session.close()
        passive_threads.difference_update(cells.host_threads)
