"""``%load_ext gopy`` in an in-process IPython shell (IPython's own test shell)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from support import child_env

pytest.importorskip("IPython")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def shell():
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "gopy")
    yield ip
    ip.run_line_magic("unload_ext", "gopy")


def run(shell, cell: str):
    """Run ``cell`` as a person's cell (with history, so tracebacks find its lines)."""
    return shell.run_cell(cell, store_history=True)


def test_channel_operations_at_the_top_level_of_cells(shell) -> None:
    assert run(
        shell, "ch := chan()\nasync def produce(n):\n    for i := range n:\n        ch <- i * 2\n"
    ).success
    assert run(shell, "go produce(3)").success
    # The goroutine from the earlier cell answers these cells' receives.
    assert run(shell, "<-ch").result == 0
    assert run(shell, "v, ok := <-ch\nv, ok").result == (2, True)
    result = run(shell, "select:\n    case v := <-ch:\n        got = v\ngot")
    assert result.result == 4
    assert shell.user_ns["got"] == 4


def test_goroutines_keep_running_between_cells(shell) -> None:
    cell = (
        "from gopy import sleep\n"
        "ticks := []\n"
        "done := chan()\n"
        "async def ticker():\n"
        "    defer close(done)\n"
        "    while len(ticks) < 10_000:\n"
        "        ticks.append(1)\n"
        "        await sleep(0.01)\n"
        "go ticker()\n"
    )
    assert run(shell, cell).success
    before = run(shell, "len(ticks)").result
    time.sleep(0.3)  # no cell runs meanwhile
    assert run(shell, "len(ticks)").result > before
    # Stopped, so that nothing keeps the next cells from deadlocking.
    assert run(shell, "ticks.extend([0] * 10_000)\n<-done").success


def test_a_deadlocking_cell_shows_the_report_and_the_shell_goes_on(shell, capsys) -> None:
    result = run(shell, "lonely := chan()\n<-lonely")
    assert type(result.error_in_exec).__name__ == "Deadlock"
    out = capsys.readouterr().out
    assert "fatal error: all goroutines are asleep - deadlock!" in out
    assert "goroutine 1 [chan receive]:" in out
    assert "Traceback" not in out
    assert run(shell, "6 * 7").result == 42


def test_a_goroutine_panic_shows_its_report(shell, capsys) -> None:
    cell = "async def boom():\n    raise ValueError('boom')\ngo boom()\n<-chan()\n"
    result = run(shell, cell)
    assert type(result.error_in_exec).__name__ == "GoroutinePanic"
    out = capsys.readouterr().out
    assert "panic: ValueError: boom" in out
    assert "line 2, in boom" in out
    assert "deadlock" not in out


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill")
def test_an_interrupt_cancels_the_running_cell_not_the_session(shell) -> None:
    main = threading.main_thread().ident
    assert main is not None
    # What Jupyter's "interrupt the kernel" does: SIGINT while the cell waits.
    timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    try:
        # (asyncio.sleep: cancelled with the cell, it leaves no timer behind)
        result = run(
            shell, "import asyncio\nwaited := 'no'\nawait asyncio.sleep(30)\nwaited = 'yes'"
        )
    finally:
        timer.cancel()
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert shell.user_ns["waited"] == "no"
    assert run(shell, "c := chan(1)\nc <- 'on'\n<-c").result == "on"


def test_tracebacks_point_at_the_cell_lines(shell, capsys) -> None:
    result = run(shell, "x := 1\ndef f():\n    return 1 / 0\nf()\n")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    out = capsys.readouterr().out
    assert "----> 3     return 1 / 0" in out
    assert "----> 4 f()" in out
    assert "concurrent" not in out and "_session" not in out


def test_top_level_defer_runs_at_the_end_of_the_cell(shell, capsys) -> None:
    assert run(shell, "defer print('deferred')\nprint('body')\n").success
    assert capsys.readouterr().out.split() == ["body", "deferred"]


def test_gopy_off_gives_plain_ipython_back(shell) -> None:
    shell.run_line_magic("gopy", "off")
    try:
        result = run(shell, "c := chan(1)\n")
        assert isinstance(result.error_before_exec, SyntaxError)
        assert run(shell, "40 + 2").result == 42
    finally:
        shell.run_line_magic("gopy", "on")
    assert run(shell, "c := chan(1)\nc <- 'again'\n<-c").result == "again"


def test_import_gopy_stays_light() -> None:
    code = (
        "import sys, gopy\n"
        "assert callable(gopy.load_ipython_extension)\n"
        "print(sorted(m for m in ('IPython', 'gopy._ipython', 'gopy._session') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60
    )
    assert result.stdout == "[]\n", result.stderr


def test_the_sample_notebook_in_a_real_kernel() -> None:
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = nbformat.read(SAMPLES / "notebook.ipynb", as_version=4)
    # Cells tagged raises-exception may fail; any other failing cell fails the run.
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    outputs = [cell.outputs for cell in notebook.cells if cell.cell_type == "code"]
    assert outputs[2][0]["data"]["text/plain"] == "0"  # received from the goroutine of cell 2
    assert outputs[3][0]["text"] == "1\n4\n9\n16\n"
    (error,) = outputs[4]
    assert error["ename"] == "Deadlock"
    assert error["traceback"][:3] == [
        "fatal error: all goroutines are asleep - deadlock!",
        "",
        "goroutine 1 [chan receive]:",
    ]
    assert outputs[5][0]["text"] == "closed\n"  # the kernel went on
