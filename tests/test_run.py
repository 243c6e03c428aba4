"""``gopy run``: __main__, argv, exit statuses, reports, caching of the program."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import child_env, write

TAG = sys.implementation.cache_tag


def gopy_run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", "run", *args],
        cwd=cwd,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def python(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


SHOW_SETUP = """\
    import json, os, sys
    print(json.dumps({
        "argv": sys.argv, "path0": sys.path[0], "name": __name__,
        "file": __file__, "main": sys.modules["__main__"].__dict__ is globals(),
    }))
    """


def test_program_runs_as_main_with_pythons_argv(tmp_path: Path) -> None:
    write(tmp_path / "app" / "show.gopy", SHOW_SETUP)
    result = gopy_run("app/show.gopy", "one", "--two", "-m", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "argv": ["app/show.gopy", "one", "--two", "-m"],
        "path0": str(tmp_path / "app"),
        "name": "__main__",
        "file": str(tmp_path / "app" / "show.gopy"),
        "main": True,
    }
    # ... exactly what Python gives the same file as a script.
    write(tmp_path / "app" / "show.py", SHOW_SETUP)
    plain = python("app/show.py", "one", "--two", "-m", cwd=tmp_path)
    assert json.loads(plain.stdout) | {"file": ""} == json.loads(result.stdout) | {
        "argv": ["app/show.py", "one", "--two", "-m"],
        "file": "",
    }


def test_top_level_channels_and_main_convention(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        messages = chan(1)
        messages <- "from the top level"
        print(<-messages)

        async def main():
            done = chan()
            go worker(done)
            print(<-done)

        async def worker(done):
            done <- "from a goroutine"
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "from the top level\nfrom a goroutine\n"


def test_plain_main_function_is_called(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        print("body")
        def main():
            print("main")
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "body\nmain\n")


def test_sys_exit_status_passes_through(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "import sys\nsys.exit(3)\n")
    assert gopy_run("prog.gopy", cwd=tmp_path).returncode == 3


def test_system_exit_from_main_flushes_piped_output(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        async def main():
            for i := range 5000:
                print(i)
            raise SystemExit(3)
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path, PYTHONUNBUFFERED="")
    assert (result.returncode, result.stderr) == (3, "")
    assert result.stdout.splitlines() == [str(i) for i in range(5000)]


def test_sys_exit_in_a_goroutine_ends_the_program_with_its_status(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        import sys
        from gopy import sleep

        async def quit():
            print("quitting")
            sys.exit(4)

        async def main():
            go quit()
            await sleep(30)
            print("not reached")
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (4, "quitting\n", "")


def test_sys_exit_in_a_thread_goroutine_as_main_returns_is_quiet(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        import sys, time

        def quit():
            sys.exit(4)

        async def main():
            go quit()
            time.sleep(0.2)  # the thread's exit is seen as main returns
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (4, "")


def test_uncaught_exception_exits_1_with_gopy_frames_only(tmp_path: Path) -> None:
    program = textwrap.dedent("""\
        def lookup(table, key):
            return table["values"][key]

        async def main():
            lookup({"values": {"é": 1}}, "ü")
        """)
    write(tmp_path / "prog.gopy", program)
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    gopy_file = tmp_path / "prog.gopy"
    assert lines[:3] == [
        "Traceback (most recent call last):",
        f'  File "{gopy_file}", line 5, in main',
        '    lookup({"values": {"é": 1}}, "ü")',
    ]
    assert lines[-1] == "KeyError: 'ü'"
    # The frames from main on, carets included, are CPython's for the same code
    # in a .py file (whatever the Python version draws).
    write(tmp_path / "prog.py", program + "import asyncio\nasyncio.run(main())\n")
    plain = python("prog.py", cwd=tmp_path).stderr.replace("prog.py", "prog.gopy").splitlines()
    start = next(i for i, line in enumerate(plain) if line.endswith(", in main"))
    assert lines == ["Traceback (most recent call last):", *plain[start:]]


def test_carets_under_a_call_inside_a_send(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        def lookup(d, k):
            return d[k]

        async def main():
            ch := chan(1)
            ch <- lookup({"é": 1}, "é") + lookup({}, "k")
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 1
    line = 'ch <- lookup({"é": 1}, "é") + lookup({}, "k")'
    call = 'lookup({}, "k")'
    lines = result.stderr.splitlines()
    assert lines[1:3] == [f'  File "{tmp_path / "prog.gopy"}", line 6, in main', f"    {line}"]
    # The caret line CPython draws for the same call at the same column of a .py.
    write(
        tmp_path / "prog.py",
        """\
        def lookup(d, k):
            return d[k]

        def main():
            chx = lookup({"é": 1}, "é") + lookup({}, "k")
        main()
        """,
    )
    plain = python("prog.py", cwd=tmp_path).stderr.splitlines()
    caret_line = plain[plain.index('    chx = lookup({"é": 1}, "é") + lookup({}, "k")') + 1]
    assert lines[3] == caret_line
    if sys.version_info < (3, 13):
        assert caret_line == "    " + " " * line.index(call) + "^" * len(call)


def test_gopy_traceback_all_keeps_the_runners_frames(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "async def main():\n    raise ValueError('boom')\n")
    quiet = gopy_run("prog.gopy", cwd=tmp_path)
    loud = gopy_run("prog.gopy", cwd=tmp_path, GOPY_TRACEBACK="all")
    assert quiet.returncode == loud.returncode == 1
    assert "_runner.py" not in quiet.stderr and "asyncio" not in quiet.stderr
    assert "_runner.py" in loud.stderr and "raise ValueError('boom')" in loud.stderr


def test_exception_at_top_level_shows_its_line(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "x = 1\ny = x / 0\n")
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert f'  File "{tmp_path / "prog.gopy"}", line 2, in ' in result.stderr
    assert "    y = x / 0\n" in result.stderr
    assert result.stderr.endswith("ZeroDivisionError: division by zero\n")


def test_goroutine_panic_exits_2(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        import gopy

        async def worker(ch):
            v = <-ch
            raise ValueError(f"bad value {v}")

        async def main():
            ch = chan()
            go worker(ch)
            ch <- 7
            await gopy.sleep(10)
        """,
    )
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "panic: " in result.stderr and "bad value 7" in result.stderr
    assert 'raise ValueError(f"bad value {v}")' in result.stderr


def test_deadlock_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "ch = chan()\nch <- 1\n")
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("fatal error: all goroutines are asleep - deadlock!")
    assert "prog.gopy" in result.stderr


@pytest.mark.parametrize("goroutines, kind", [(0, "async"), (3, "async"), (3, "thread")])
def test_ctrl_c_exits_130_quietly(tmp_path: Path, goroutines: int, kind: str) -> None:
    # A thread goroutine can't be cancelled: it must not keep the process alive.
    spin = (
        "async def spin():\n    while True:\n        await gopy.sleep(0.01)\n"
        if kind == "async"
        else "def spin():\n    while True:\n        time.sleep(0.01)\n"
    )
    write(
        tmp_path / "prog.gopy",
        "import time\nimport gopy\n\n" + spin + textwrap.dedent(f"""
        async def main():
            for _ in range({goroutines}):
                go spin()
            print("ready", flush=True)
            await gopy.sleep(60)
        """),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gopy", "run", "prog.gopy"],
        cwd=tmp_path,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "Traceback" not in stderr


def test_syntax_error_in_the_program_prints_like_cpython(tmp_path: Path) -> None:
    source = "values = [1, 2]\n\ntotal = values[1] values[0]\n"
    write(tmp_path / "bad.gopy", source)
    write(tmp_path / "bad.py", source)
    result = gopy_run("bad.gopy", cwd=tmp_path)
    plain = python("bad.py", cwd=tmp_path)
    assert result.returncode == plain.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        f'  File "{tmp_path / "bad.gopy"}", line 3',
        "    total = values[1] values[0]",
    ]
    assert lines[:2] == [
        line.replace("bad.py", "bad.gopy") for line in plain.stderr.splitlines()[:2]
    ]
    assert len(lines) == 4 and set(lines[2].strip()) == {"^"}
    assert lines[3].startswith("SyntaxError: ")


def test_syntax_error_in_an_imported_module(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "import helper\n")
    write(tmp_path / "helper.gopy", "def f(:\n    pass\n")
    result = gopy_run("prog.gopy", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "Traceback (most recent call last):",
        f'  File "{tmp_path / "prog.gopy"}", line 1, in <module>',
        "    import helper",
    ] or lines[1].endswith(", line 1, in _main_module")
    assert lines[3:5] == [f'  File "{tmp_path / "helper.gopy"}", line 1', "    def f(:"]
    assert lines[-1].startswith("SyntaxError: ")
    assert "gopy/_" not in result.stderr and "importlib" not in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = gopy_run("nothere.gopy", cwd=tmp_path)
    assert result.returncode == 2
    assert "can't open file" in result.stderr and "nothere.gopy" in result.stderr
    assert "Traceback" not in result.stderr


def test_program_from_stdin(tmp_path: Path) -> None:
    """``gopy run -`` as ``python -``: argv, __file__, sys.path[0], reports."""
    program = (
        "import sys\nch := chan(1)\nch <- sys.argv\nprint(<-ch, __file__, repr(sys.path[0]))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-m", "gopy", "run", "-", "a", "b"],
        input=program,
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "['-', 'a', 'b'] <stdin> ''\n", "")
    failing = "def f():\n    1/0\n\nasync def main():\n    f()\n"
    failed = subprocess.run(
        [sys.executable, "-m", "gopy", "run", "-"],
        input=failing,
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    plain = subprocess.run(
        [sys.executable, "-"],
        input=failing.replace("async def main", "def main") + "main()\n",
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == plain.returncode == 1
    assert failed.stderr.splitlines()[1:] == plain.stderr.splitlines()[2:]
    broken = subprocess.run(
        [sys.executable, "-m", "gopy", "run", "-"],
        input="x = = 1\n",
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (broken.returncode, broken.stderr) == (
        1,
        '  File "<stdin>", line 1\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n',
    )
    assert not (tmp_path / "__pycache__").exists()


def test_directory_without_main_gopy(tmp_path: Path) -> None:
    write(tmp_path / "app" / "helper.gopy", "NAME = 'helper'\n")
    result = gopy_run("app", cwd=tmp_path)
    plain = python("app", cwd=tmp_path)
    assert result.returncode == plain.returncode == 1
    where = str(tmp_path / "app")
    assert result.stderr == f"gopy: can't find '__main__.gopy' module in {where!r}\n"
    assert plain.stderr.endswith(f"can't find '__main__' module in {where!r}\n")


def test_program_cache_is_separate_and_reused(tmp_path: Path) -> None:
    write(
        tmp_path / "prog.gopy",
        """\
        import sys
        ch = chan(1)
        ch <- "ok"
        print(<-ch, "gopy.compiler._compile" in sys.modules, "lark" in sys.modules)
        """,
    )
    first = gopy_run("prog.gopy", cwd=tmp_path)
    assert (first.returncode, first.stdout) == (0, "ok True False\n"), first.stderr
    assert [p.name for p in (tmp_path / "__pycache__").iterdir()] == [f"prog.{TAG}.gopy-main.pyc"]
    second = gopy_run("prog.gopy", cwd=tmp_path)
    assert (second.returncode, second.stdout) == (0, "ok False False\n"), second.stderr
    # Imported, the same file compiles in module mode, to its own cache.
    write(
        tmp_path / "prog.gopy",
        "import sys\nVALUE = 'module'\nprint('gopy.compiler._compile' in sys.modules)\n",
    )
    imported = python("-c", "import gopy, prog", cwd=tmp_path)
    assert imported.stdout == "True\n", imported.stderr
    assert sorted(p.name for p in (tmp_path / "__pycache__").iterdir()) == [
        f"prog.{TAG}.gopy-main.pyc",
        f"prog.{TAG}.gopy.pyc",
    ]
    rerun = gopy_run("prog.gopy", cwd=tmp_path)
    assert rerun.stdout == "True\n"  # the edit invalidated the program's cache


def test_optimized_runs_have_their_own_cache(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "assert False, 'checked'\nprint('asserts off')\n")
    assert gopy_run("prog.gopy", cwd=tmp_path).returncode == 1
    optimized = subprocess.run(
        [sys.executable, "-O", "-m", "gopy", "run", "prog.gopy"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (optimized.returncode, optimized.stdout) == (0, "asserts off\n")
    assert sorted(p.name for p in (tmp_path / "__pycache__").iterdir()) == [
        f"prog.{TAG}.gopy-main.pyc",
        f"prog.{TAG}.opt-1.gopy-main.pyc",
    ]


def test_directory_runs_its_main(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__main__.gopy", "import sys, helper\nprint(helper.NAME, sys.argv)\n")
    write(tmp_path / "app" / "helper.gopy", "NAME = 'helper'\n")
    result = gopy_run("app", "x", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "helper ['app', 'x']\n"), result.stderr


def test_no_program_cache_with_pythondontwritebytecode(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "print('hi')\n")
    result = gopy_run("prog.gopy", cwd=tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert result.stdout == "hi\n"
    assert not (tmp_path / "__pycache__").exists()


def test_run_module_with_relative_imports(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.gopy", "GREETING = 'hello'\n")
    write(tmp_path / "pkg" / "words.gopy", "def shout(s):\n    return s.upper()\n")
    write(
        tmp_path / "pkg" / "tool.gopy",
        """\
        import sys
        from . import GREETING
        from .words import shout

        async def main():
            ch = chan(1)
            ch <- shout(GREETING)
            print(<-ch, __name__, __package__, sys.argv[1:], sys.argv[0] == __file__)
        """,
    )
    result = gopy_run("-m", "pkg.tool", "a", "b", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HELLO __main__ pkg ['a', 'b'] True\n"
    assert (tmp_path / "pkg" / "__pycache__" / f"tool.{TAG}.gopy-main.pyc").exists()


def test_run_package_runs_its_main(tmp_path: Path) -> None:
    write(tmp_path / "app" / "__init__.gopy", "")
    write(tmp_path / "app" / "__main__.gopy", "import sys\nprint('app main', sys.argv[1:])\n")
    result = gopy_run("-m", "app", "x", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "app main ['x']\n"), result.stderr


def test_run_module_whose_package_has_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.gopy", "x = = 1\n")
    write(tmp_path / "pkg" / "tool.gopy", "print('unreachable')\n")
    # CPython's own report of the error, without python -m's runpy frames.
    init = tmp_path / "pkg" / "__init__.gopy"
    expected = f'  File "{init}", line 1\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n'
    for target in ("pkg.tool", "pkg"):
        result = gopy_run("-m", target, cwd=tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", expected)


def test_run_missing_module(tmp_path: Path) -> None:
    result = gopy_run("-m", "nothere", cwd=tmp_path)
    assert result.returncode == 1
    assert "No module named nothere" in result.stderr


def test_run_module_given_a_file_name_says_so_like_python(tmp_path: Path) -> None:
    write(tmp_path / "prog.gopy", "print('imported')\n")
    result = gopy_run("-m", "prog.gopy", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "gopy: Error while finding module specification for 'prog.gopy' (ModuleNotFoundError: "
        "__path__ attribute not found on 'prog' while trying to find 'prog.gopy'). "
        "Try using 'prog' instead of 'prog.gopy' as the module name.\n"
    )


def test_run_module_in_a_missing_package(tmp_path: Path) -> None:
    result = gopy_run("-m", "nopkg.tool", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "gopy: Error while finding module specification for 'nopkg.tool' "
        "(ModuleNotFoundError: No module named 'nopkg')\n"
    )


def test_run_module_whose_package_fails_to_import_shows_its_traceback(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.gopy", "import missing_dependency\n")
    write(tmp_path / "pkg" / "tool.gopy", "print('unreachable')\n")
    result = gopy_run("-m", "pkg.tool", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "Traceback (most recent call last):",
        f'  File "{tmp_path / "pkg" / "__init__.gopy"}", line 1, in <module>',
        "    import missing_dependency",
        "ModuleNotFoundError: No module named 'missing_dependency'",
    ]


def test_run_module_exception_exits_1(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.gopy", "")
    write(tmp_path / "pkg" / "fail.gopy", "def main():\n    raise RuntimeError('nope')\n")
    result = gopy_run("-m", "pkg.fail", cwd=tmp_path)
    assert result.returncode == 1
    assert "    raise RuntimeError('nope')" in result.stderr
    assert "RuntimeError: nope" in result.stderr and "_runner" not in result.stderr


def test_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("gopy")
    assert script.exists(), "the gopy console script is installed with the package"
    write(tmp_path / "prog.gopy", SHOW_SETUP)
    result = subprocess.run(
        [str(script), "run", "prog.gopy", "x"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["argv"], shown["path0"], shown["name"]) == (
        ["prog.gopy", "x"],
        str(tmp_path),
        "__main__",
    )
