"""A plain ``def main()`` under ``gopy run``: a thread goroutine, where channel operations block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import child_env, write


def run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(),
    )


def test_plain_main_blocks_on_channels_fed_by_goroutines(tmp_path: Path) -> None:
    prog = write(
        tmp_path / "prog.gopy",
        """\
        import threading

        async def produce(ch):
            for i := range 3:
                ch <- i
            close(ch)

        def main():
            ch := chan()
            go produce(ch)
            for v := range ch:
                print("got", v)
            v, ok := <-ch
            print(v, ok, threading.current_thread() is threading.main_thread())
        """,
    )
    result = run(prog)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == ["got 0", "got 1", "got 2", "None False False"]


def test_a_deadlocked_plain_main_is_reported_at_its_line(tmp_path: Path) -> None:
    prog = write(
        tmp_path / "stuck.gopy",
        """\
        def main():
            ch := chan()
            <-ch
        """,
    )
    result = run(prog)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "fatal error: all goroutines are asleep - deadlock!"
    assert "goroutine 1 [chan receive]:" in lines
    assert f"\t{prog}:3" in lines
    # The task that waits for the thread is not reported a second time.
    assert sum(line.startswith("goroutine ") for line in lines) == 1


def test_a_plain_main_exception_and_exit_status(tmp_path: Path) -> None:
    boom = write(tmp_path / "boom.gopy", 'def main():\n    raise ValueError("boom")\n')
    result = run(boom)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "ValueError: boom"
    assert f'File "{boom}", line 2, in main' in result.stderr
    leave = write(tmp_path / "leave.gopy", "import sys\ndef main():\n    sys.exit(3)\n")
    assert run(leave).returncode == 3
