"""``gopy translate``, ``gopy check`` and the command line itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import child_env, write


def python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def gopy(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return python("-m", "gopy", *args, cwd=cwd)


# --- translate ---------------------------------------------------------------


def test_translate_prints_a_main_mode_program(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        ch = chan(1)
        ch <- 1
        print(<-ch)
        """,
    )
    result = gopy("translate", "prog.gopy", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert "gopy.run_program(_main_module, globals())" in result.stdout
    compile(result.stdout, "out.py", "exec")


def test_translate_module_of_plain_python_is_itself(tmp_path: Path) -> None:
    source = "def f(x):\n    return x + 1\n\n\nVALUE = f(1)\n"
    write(tmp_path / "plain.gopy", source)
    result = gopy("translate", "--module", "plain.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, source)


def test_translate_to_a_file(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "print('hi')\n")
    printed = gopy("translate", "prog.gopy", cwd=tmp_path).stdout
    result = gopy("translate", "prog.gopy", "-o", "out.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert (tmp_path / "out.py").read_text(encoding="utf-8") == printed


def test_translate_syntax_error(tmp_path: Path) -> None:
    write(tmp_path / "bad.gopy", "x = 1\nif x\n    pass\n")
    result = gopy("translate", "bad.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    lines = result.stderr.splitlines()
    assert lines[:2] == ['  File "bad.gopy", line 2', "    if x"]
    assert set(lines[2].strip()) == {"^"} and lines[3].startswith("SyntaxError: ")


def test_translate_decodes_like_python(tmp_path: Path) -> None:
    (tmp_path / "latin.gopy").write_bytes(b"# -*- coding: latin-1 -*-\nprint('caf\xe9')\n")
    result = gopy("translate", "--module", "latin.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, 'print("caf\u00e9")\n')
    (tmp_path / "broken.gopy").write_bytes(b"print('caf\xe9')\n")
    result = gopy("translate", "broken.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith('  File "broken.gopy", line 1\n')
    assert result.stderr.splitlines()[-1].startswith("SyntaxError: ")


def test_translate_missing_file(tmp_path: Path) -> None:
    result = gopy("translate", "nothere.gopy", cwd=tmp_path)
    assert result.returncode == 1 and "nothere.gopy" in result.stderr


def test_translate_to_an_unwritable_place(tmp_path: Path) -> None:
    write(tmp_path / "ok.gopy", "x = 1\n")
    result = gopy("translate", "ok.gopy", "-o", "no/such/dir/ok.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "gopy translate: no/such/dir/ok.py: No such file or directory\n"


PROGRAMS = {
    "ok": """\
        import sys
        results = chan(3)

        async def square(n):
            results <- n * n

        async def main():
            for n in range(1, 4):
                go square(n)
            total = 0
            for _ in range(3):
                total += <-results
            print("args", sys.argv[1:], "total", total)
        """,
    "error": """\
        async def main():
            ch = chan(1)
            ch <- {"a": 1}
            print((<-ch)["b"])
        """,
    "panic": """\
        import gopy

        async def worker():
            raise RuntimeError("worker failed")

        async def main():
            go worker()
            await gopy.sleep(10)
        """,
    "deadlock": """\
        done = chan()
        print("waiting")
        <-done
        """,
    "exit": """\
        import sys
        print("leaving")
        sys.exit(4)
        """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_translated_program_behaves_like_gopy_run(tmp_path: Path, name: str) -> None:
    write(tmp_path / "prog.gopy", PROGRAMS[name])
    assert gopy("translate", "prog.gopy", "-o", "prog_out.py", cwd=tmp_path).returncode == 0
    ran = gopy("run", "prog.gopy", "a", "b", cwd=tmp_path)
    translated = python("prog_out.py", "a", "b", cwd=tmp_path)
    expected_status = {"ok": 0, "error": 1, "panic": 2, "deadlock": 2, "exit": 4}[name]
    assert ran.returncode == translated.returncode == expected_status, (
        ran.stderr,
        translated.stderr,
    )
    assert ran.stdout == translated.stdout
    if name in ("error", "exit"):
        assert ran.stderr.splitlines()[-1:] == translated.stderr.splitlines()[-1:]
    if name == "panic":
        assert "panic: " in ran.stderr and "panic: " in translated.stderr
    if name == "deadlock":
        assert translated.stderr.startswith("fatal error: all goroutines are asleep - deadlock!")


def test_translated_program_exits_130_on_ctrl_c(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        import gopy
        print("ready", flush=True)
        await gopy.sleep(60)
        """,
    )
    assert gopy("translate", "prog.gopy", "-o", "prog_out.py", cwd=tmp_path).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "prog_out.py"],
        cwd=tmp_path,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert (process.returncode, "Traceback" in stderr) == (130, False)


def test_translated_module_imports_like_the_gopy_module(tmp_path: Path) -> None:
    write(
        tmp_path / "lib.gopy",
        """\
        async def pipe(values):
            ch = chan(len(values))
            for v in values:
                ch <- v
            close(ch)
            return [v async for v in ch]
        """,
    )
    assert (
        gopy("translate", "--module", "lib.gopy", "-o", "lib_out.py", cwd=tmp_path).returncode == 0
    )
    check = "import gopy, {0}; print(gopy.run_supervised(lambda: {0}.pipe([1, 2])))"
    assert python("-c", check.format("lib"), cwd=tmp_path).stdout == "[1, 2]\n"
    assert python("-c", check.format("lib_out"), cwd=tmp_path).stdout == "[1, 2]\n"


# --- check -------------------------------------------------------------------


def test_check_reports_every_error_and_exits_1(tmp_path: Path) -> None:
    write(tmp_path / "src" / "good.gopy", "ch = chan()\ngo print(1)\n")
    write(tmp_path / "src" / "first_bad.gopy", "x = (1,\n  2 3)\n")
    write(tmp_path / "src" / "deeper" / "second_bad.gopy", "def f(:\n    pass\n")
    write(tmp_path / "src" / "__pycache__" / "ignored.gopy", "(((\n")
    write(tmp_path / "src" / ".hidden" / "ignored.gopy", "(((\n")
    write(tmp_path / "src" / "notes.txt", "(((\n")
    result = gopy("check", "src", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    reports = result.stderr.split("SyntaxError: ")
    assert len(reports) == 3, result.stderr  # two reports, in walking order
    assert reports[0].startswith(f'  File "{os.path.join("src", "first_bad.gopy")}", line ')
    assert (
        f'  File "{os.path.join("src", "deeper", "second_bad.gopy")}", line 1\n    def f(:\n'
        in reports[1]
    )


def test_check_passes_quietly(tmp_path: Path) -> None:
    write(tmp_path / "one.gopy", "ch = chan(1)\nch <- 1\nprint(<-ch)\n")
    write(tmp_path / "pkg" / "two.gopy", "async def f(ch):\n    ch <- 1\n")
    result = gopy("check", "one.gopy", "pkg", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_check_module_mode(tmp_path: Path) -> None:
    write(tmp_path / "top.gopy", "ch = chan(1)\nch <- 1\n")
    assert gopy("check", "top.gopy", cwd=tmp_path).returncode == 0
    result = gopy("check", "--module", "top.gopy", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith('  File "top.gopy", line 2\n    ch <- 1\n')


def test_check_missing_path(tmp_path: Path) -> None:
    result = gopy("check", "nothere", cwd=tmp_path)
    assert result.returncode == 1 and "nothere" in result.stderr


# --- the command line ----------------------------------------------------------


@pytest.mark.parametrize("args", [["frobnicate"], ["run"], ["run", "-m"], ["-i"]])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = gopy(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: gopy run FILE.gopy" in result.stderr


def test_help_and_version(tmp_path: Path) -> None:
    assert "gopy translate" in gopy("--help", cwd=tmp_path).stdout
    import gopy as package

    assert gopy("--version", cwd=tmp_path).stdout == f"gopy {package.__version__}\n"


def test_main_returns_status_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gopy.cli import main

    write(tmp_path / "ok.gopy", "x = 1\n")
    write(tmp_path / "bad.gopy", "x = = 1\n")
    assert main(["check", str(tmp_path / "ok.gopy")]) == 0
    assert main(["check", str(tmp_path / "bad.gopy")]) == 1
    assert "    x = = 1\n" in capsys.readouterr().err


def test_check_goes_on_after_a_compiler_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gopy.compiler import _compile as _compiler
    from gopy.compiler._compile_errors import GopyInternalError
    from gopy.cli import main

    real = _compiler.compile_source

    def buggy(source: bytes, filename: str, mode: str) -> object:
        if filename.endswith("a_trigger.gopy"):
            raise GopyInternalError("internal compiler error: simulated")
        return real(source, filename, mode)

    monkeypatch.setattr(_compiler, "compile_source", buggy)
    write(tmp_path / "a_trigger.gopy", "x = 1\n")
    write(tmp_path / "b_bad.gopy", "x = = 1\n")
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"gopy check: {tmp_path / 'a_trigger.gopy'}: a bug in gopy's compiler:" in err
    assert "GopyInternalError: internal compiler error: simulated" in err
    assert "    x = = 1\n" in err  # the next file was still checked


def test_check_a_directory_of_odd_files(tmp_path: Path) -> None:
    """Empty, bad coding cookie, undecodable, unreadable, non-gopy: each gets its own line."""
    src = tmp_path / "src"
    write(src / "empty.gopy", "")
    (src / "cookie.gopy").write_bytes(b"# -*- coding: nonexistent -*-\nx = 1\n")
    (src / "latin.gopy").write_bytes(b"x = '\xe9'\n")
    (src / "dangling.gopy").symlink_to(tmp_path / "gone.gopy")
    write(src / "script.py", "this is not ( checked\n")
    write(src / "ok.gopy", "x = 1\n")
    result = gopy("check", "src", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr and "script.py" not in result.stderr
    lines = result.stderr.splitlines()
    # (the wording of the two decoding errors is the compiler's)
    assert lines[0] == f'  File "{os.path.join("src", "cookie.gopy")}", line 1'
    assert lines[1].startswith("SyntaxError: ") and "nonexistent" in lines[1]
    assert (
        lines[2] == f"gopy check: {os.path.join('src', 'dangling.gopy')}: No such file or directory"
    )
    assert lines[3] == f'  File "{os.path.join("src", "latin.gopy")}", line 1'
    # The undecodable byte's line is shown with a caret, as CPython shows it.
    assert lines[-1].startswith("SyntaxError: (unicode error)") and len(lines) == 7


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_check_skips_what_is_not_a_regular_file(tmp_path: Path) -> None:
    """A FIFO would block the read forever, a link to /dev/zero would read until MemoryError."""
    src = tmp_path / "src"
    write(src / "ok.gopy", "x = 1\n")
    os.mkfifo(src / "fifo.gopy")
    skipped = [os.path.join("src", "fifo.gopy")]
    if os.path.exists("/dev/zero"):
        (src / "zero.gopy").symlink_to("/dev/zero")
        skipped.append(os.path.join("src", "zero.gopy"))
    result = subprocess.run(
        [sys.executable, "-m", "gopy", "check", "src", os.path.join("src", "fifo.gopy")],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=20,  # only catches the hang; a pass takes well under a second
    )
    assert (result.returncode, result.stdout) == (0, "")
    expected = [f"gopy check: {path}: not a regular file, skipped" for path in skipped]
    expected.append(f"gopy check: {skipped[0]}: not a regular file, skipped")
    assert result.stderr.splitlines() == expected
