"""The REPL through a pseudo-terminal, typed as a person types (pexpect)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from support import child_env, write

pexpect = pytest.importorskip("pexpect")

PROMPT = ">>> "
MORE = "... "


@pytest.fixture
def repl(tmp_path: Path):
    """Start ``python -m gopy [ARGS]`` on a pty; the child is closed afterwards."""
    children = []

    def start(*args: str) -> pexpect.spawn:
        env = child_env(TERM="dumb", HOME=str(tmp_path), GOPY_HISTFILE=str(tmp_path / "history"))
        child = pexpect.spawn(
            sys.executable,
            ["-m", "gopy", *args],
            cwd=str(tmp_path),
            env=env,
            encoding="utf-8",
            timeout=15,
            dimensions=(40, 200),
        )
        child.delaybeforesend = 0.01  # each line is typed after its prompt anyway
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def type_lines(child: pexpect.spawn, *lines: str) -> None:
    """Type each line after the prompt that asks for it."""
    for line in lines:
        child.expect_exact([PROMPT, MORE])
        child.sendline(line)


def output_of(child: pexpect.spawn, *lines: str) -> str:
    """Type ``lines`` as one input; what it printed before the next prompt (echo removed)."""
    type_lines(child, *lines)
    child.expect_exact(PROMPT)
    text = child.before.replace("\r\n", "\n")
    for line in lines:
        text = text.replace(line + "\n", "", 1)
    child.sendline("")  # an empty input: the next expect finds a fresh prompt
    return text


def test_multiline_select_and_goroutine_running_between_inputs(repl) -> None:
    child = repl()
    child.expect("Go syntax at the prompt")
    type_lines(
        child,
        "from gopy import sleep",
        "ch := chan()",
        "ticks := []",
        "async def ticker():",
        "    while True:",
        "        ticks.append(1)",
        "        await sleep(0.01)",
        "",
        "go ticker()",
        "async def producer(n):",
        "    for i := range n:",
        "        ch <- i * 10",
        "",
        "go producer(3)",
    )
    assert "got 0" in output_of(
        child, "select:", "    case v := <-ch:", '        print("got", v)', ""
    )
    # Values from the goroutine that an earlier input started.
    assert output_of(child, "<-ch").strip() == "10"
    assert output_of(child, "v, ok := <-ch; print(v, ok)").strip() == "20 True"
    before = int(output_of(child, "len(ticks)").strip())
    time.sleep(0.5)  # the prompt waits; the ticker goes on
    after = int(output_of(child, "len(ticks)").strip())
    assert after > before


def test_deadlock_prints_the_report_and_the_prompt_returns(repl) -> None:
    child = repl()
    out = output_of(child, "<-chan()")
    assert "fatal error: all goroutines are asleep - deadlock!" in out
    assert "goroutine 1 [chan receive]:" in out
    assert "<gopy-input-0>:1" in out
    assert output_of(child, "6 * 7").strip() == "42"


def test_goroutine_panic_report_and_the_session_goes_on(repl) -> None:
    child = repl()
    type_lines(child, "async def boom():", '    raise ValueError("boom")', "")
    out = output_of(child, "go boom()")
    assert "panic: ValueError: boom" in out
    assert "goroutine 2 [running]:" in out
    assert 'File "<gopy-input-0>", line 2, in boom' in out
    # A panic while an input waits ends that input (as it would end a program).
    out = output_of(child, "go boom(); <-chan()")
    assert "panic: ValueError: boom" in out
    assert "deadlock" not in out
    assert output_of(child, 'print("alive")').strip() == "alive"


def test_ctrl_c_cancels_a_blocked_input_not_the_session(repl) -> None:
    child = repl()
    type_lines(child, "from gopy import after", "ch := chan()")
    type_lines(child, "<-after(60)")  # blocked on a timer: not a deadlock
    time.sleep(0.3)
    child.sendintr()
    child.expect_exact("KeyboardInterrupt")
    assert output_of(child, "").strip() == ""
    # Ctrl-C at the prompt clears the line.
    type_lines(child, "if True:")
    child.expect_exact(MORE)
    child.sendintr()
    child.expect_exact("KeyboardInterrupt")
    assert output_of(child, 'print("still here")').strip() == "still here"


def test_a_second_ctrl_c_interrupts_plain_code_that_never_yields(repl) -> None:
    child = repl()
    type_lines(child, "n = 0", "while True: n += 1")
    time.sleep(0.3)
    child.sendintr()
    time.sleep(0.3)  # the cancellation cannot land: the loop never gets the thread back
    child.sendintr()
    child.expect_exact("KeyboardInterrupt")
    assert int(output_of(child, "n").strip()) > 0
    assert output_of(child, "<-chan(1) if False else 'loop works'").strip() == "'loop works'"


def test_errors_show_the_input_lines(repl) -> None:
    child = repl()
    out = output_of(child, "x = 1 +")
    assert "SyntaxError: invalid syntax" in out
    out = output_of(child, "1 / 0")
    assert 'File "<gopy-input-1>", line 1, in <module>' in out
    assert "ZeroDivisionError: division by zero" in out
    assert "gopy/_" not in out  # gopy's own frames are hidden


def test_top_level_defer_runs_when_the_input_ends(repl) -> None:
    child = repl()
    out = output_of(child, 'defer print("second"); print("first")')
    assert out.split() == ["first", "second"]


def test_eof_leaves_and_sys_exit_sets_the_status(repl, tmp_path: Path) -> None:
    child = repl()
    type_lines(child, "print('typed')")
    child.expect_exact(PROMPT)
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    if importlib.util.find_spec("readline") is not None:  # history where the platform has it
        assert "print('typed')" in (tmp_path / "history").read_text()
        child = repl()
        child.expect_exact(PROMPT)
        child.send("\x1b[A\r")  # up arrow: the last session's line
        child.expect_exact("\ntyped\r\n")  # the output, not the echo
        child.expect_exact(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    child = repl()
    type_lines(child, "async def leave():", "    sys.exit(3)", "", "import sys", "go leave()")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3


def test_dash_i_runs_the_file_then_the_console_has_its_names(repl, tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        ch := chan(1)
        ch <- "from the file"
        started = False

        async def main():
            global started
            started = True
        """,
    )
    child = repl("-i", "prog.gopy")
    assert output_of(child, "started").strip() == "True"
    assert output_of(child, "<-ch").strip() == "'from the file'"
    assert output_of(child, "__file__").strip() == "'prog.gopy'"


def test_no_arguments_with_piped_input_runs_it_as_python_does(tmp_path: Path) -> None:
    import subprocess

    program = "ch := chan(1)\nch <- 'piped'\nprint(<-ch)\n"
    result = subprocess.run(
        [sys.executable, "-m", "gopy"],
        input=program,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env(),
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "piped\n")


def test_repl_command_reads_piped_lines_as_the_console(tmp_path: Path) -> None:
    import subprocess

    def gopy(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gopy", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=child_env(GOPY_HISTFILE=str(tmp_path / "history")),
            timeout=60,
        )

    result = gopy("repl", stdin="ch := chan(1)\nch <- 5\n<-ch * 2\n")
    assert result.returncode == 0
    assert result.stdout == ">>> >>> >>> 10\n>>> \n"
    result = gopy("repl", "extra")
    assert result.returncode == 2 and "repl takes no arguments" in result.stderr
