"""The import hook: finding .gopy modules, the bytecode cache, import errors."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Iterator

import pytest

import gopy
from gopy.compiler import _compile as _compiler
from gopy._importer import GopyFileFinder, GopyLoader, cache_path, install
from support import child_env, write

TAG = sys.implementation.cache_tag


def python(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh directory on sys.path; modules imported from it are forgotten after."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the compiler compiles from now on (a cache hit adds none)."""
    seen: list[str] = []
    real = _compiler.compile_source

    def counting(source: str | bytes, filename: str, mode: str):  # type: ignore[no-untyped-def]
        seen.append(f"{os.path.basename(filename)}:{mode}")
        return real(source, filename, mode)

    monkeypatch.setattr(_compiler, "compile_source", counting)
    return seen


def test_install_is_idempotent() -> None:
    hooks = len(sys.path_hooks)
    install()
    install()
    assert len(sys.path_hooks) == hooks
    assert sum(getattr(hook, "_gopy_hook", False) for hook in sys.path_hooks) == 1


def test_import_finds_a_gopy_module(modules: Path) -> None:
    write(
        modules / "greet.gopy",
        """\
        def hello(name):
            return f"hello, {name}"
        """,
    )
    import greet  # type: ignore[import-not-found]

    assert greet.hello("gopher") == "hello, gopher"
    assert greet.__file__ == str(modules / "greet.gopy")
    assert isinstance(greet.__loader__, GopyLoader)
    assert greet.__spec__.origin == str(modules / "greet.gopy")


def test_directories_get_the_gopy_finder(modules: Path) -> None:
    write(modules / "found.gopy", "x = 1\n")
    importlib.import_module("found")
    assert isinstance(sys.path_importer_cache[str(modules)], GopyFileFinder)


def test_module_uses_go_syntax_inside_async_def(modules: Path) -> None:
    write(
        modules / "pipeline.gopy",
        """\
        async def double(values):
            out = chan(len(values))
            for v in values:
                out <- v * 2
            close(out)
            return [x async for x in out]
        """,
    )
    import pipeline  # type: ignore[import-not-found]

    assert gopy.run_supervised(lambda: pipeline.double([1, 2, 3])) == [2, 4, 6]


def test_package_with_init_gopy_and_relative_imports(modules: Path) -> None:
    write(
        modules / "shapes" / "__init__.gopy",
        """\
        from .square import area
        from . import circle
        NAME = "shapes"
        """,
    )
    write(
        modules / "shapes" / "square.gopy",
        """\
        def area(side):
            return side * side
        """,
    )
    write(
        modules / "shapes" / "circle.gopy",
        """\
        import shapes_util
        from .square import area as square_area
        def area(r):
            return shapes_util.PI * r * r
        """,
    )
    write(modules / "shapes_util.gopy", "PI = 3\n")
    import shapes  # type: ignore[import-not-found]

    assert shapes.NAME == "shapes"
    assert shapes.area(3) == 9
    assert shapes.circle.area(2) == 12
    assert shapes.__path__ == [str(modules / "shapes")]
    assert shapes.__package__ == "shapes"


def test_reload_picks_up_an_edit(modules: Path) -> None:
    source = write(modules / "config.gopy", "VALUE = 1\n")
    import config  # type: ignore[import-not-found]

    assert config.VALUE == 1
    source.write_text("VALUE = 2\n")  # same size, same second
    importlib.reload(config)
    assert config.VALUE == 2


def test_py_file_keeps_priority_over_gopy(modules: Path) -> None:
    write(modules / "both.py", "KIND = 'py'\n")
    write(modules / "both.gopy", "KIND = 'gopy'\n")
    import both  # type: ignore[import-not-found]

    assert both.KIND == "py"


def test_cache_never_collides_with_the_py_cache(modules: Path, compiles: list[str]) -> None:
    write(modules / "twin.py", "KIND = 'py'\n")
    gopy_source = write(modules / "twin.gopy", "KIND = 'gopy'\n")
    import twin  # type: ignore[import-not-found]

    loader = GopyLoader("twin", str(gopy_source))
    assert loader.get_code("twin") is not None
    cache = modules / "__pycache__"
    assert sorted(p.name for p in cache.iterdir()) == [f"twin.{TAG}.gopy.pyc", f"twin.{TAG}.pyc"]
    # Both caches are read back without confusing one for the other.
    namespace: dict[str, object] = {}
    exec(GopyLoader("twin", str(gopy_source)).get_code("twin"), namespace)
    assert namespace["KIND"] == "gopy"
    del sys.modules["twin"]
    import twin as again  # type: ignore[import-not-found]

    assert again.KIND == twin.KIND == "py"
    assert compiles == ["twin.gopy:exec"]


def test_cache_is_written_then_reused(modules: Path, compiles: list[str]) -> None:
    write(modules / "cached.gopy", "VALUE = 'first'\n")
    import cached  # type: ignore[import-not-found]

    expected = modules / "__pycache__" / f"cached.{TAG}.gopy.pyc"
    assert cache_path(str(modules / "cached.gopy")) == str(expected)
    assert expected.exists()
    assert [p.name for p in expected.parent.iterdir()] == [expected.name]  # no temp file left
    del sys.modules["cached"]
    import cached as again  # type: ignore[import-not-found]

    assert again.VALUE == "first"
    assert compiles == ["cached.gopy:exec"]


def test_cache_is_invalidated_by_a_source_edit(modules: Path, compiles: list[str]) -> None:
    source = write(modules / "edited.gopy", "VALUE = 'aaa'\n")
    assert importlib.import_module("edited").VALUE == "aaa"
    del sys.modules["edited"]
    source.write_text("VALUE = 'bbb'\n")  # same size, within the same second
    assert importlib.import_module("edited").VALUE == "bbb"
    assert compiles == ["edited.gopy:exec", "edited.gopy:exec"]


def test_cache_is_invalidated_by_a_compiler_change(
    modules: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(modules / "tagged.gopy", "VALUE = 1\n")
    importlib.import_module("tagged")
    del sys.modules["tagged"]
    monkeypatch.setattr(_compiler, "COMPILER_TAG", _compiler.COMPILER_TAG + "-changed")
    importlib.import_module("tagged")
    del sys.modules["tagged"]
    importlib.import_module("tagged")
    assert compiles == ["tagged.gopy:exec", "tagged.gopy:exec"]


def test_a_damaged_cache_is_recompiled(modules: Path, compiles: list[str]) -> None:
    write(modules / "damaged.gopy", "VALUE = 1\n")
    importlib.import_module("damaged")
    del sys.modules["damaged"]
    cache = Path(cache_path(str(modules / "damaged.gopy")))  # type: ignore[arg-type]
    cache.write_bytes(cache.read_bytes()[:30])
    assert importlib.import_module("damaged").VALUE == 1
    assert compiles == ["damaged.gopy:exec", "damaged.gopy:exec"]


def test_no_cache_when_told_not_to_write_bytecode(
    modules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    write(modules / "uncached.gopy", "VALUE = 1\n")
    assert importlib.import_module("uncached").VALUE == 1
    assert not (modules / "__pycache__").exists()


def test_source_is_available_to_inspect_and_tracebacks(modules: Path) -> None:
    write(
        modules / "failing.gopy",
        """\
        def divide(a, b):
            return a / b
        """,
    )
    import failing  # type: ignore[import-not-found]

    assert "return a / b" in inspect.getsource(failing.divide)
    with pytest.raises(ZeroDivisionError) as info:
        failing.divide(1, 0)
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{modules / "failing.gopy"}", line 2, in divide' in text
    assert "    return a / b\n" in text
    assert "           ~~^~~\n" in text


# --- in fresh interpreters ---------------------------------------------------


def test_a_cache_hit_imports_neither_the_compiler_nor_lark(tmp_path: Path) -> None:
    write(
        tmp_path / "hit.gopy",
        """\
        async def produce(n):
            ch = chan(n)
            for i in range(n):
                ch <- i
            return len(ch)
        """,
    )
    check = (
        "import sys, gopy, hit; "
        "print(gopy.run_supervised(lambda: hit.produce(3)), 'gopy.compiler._compile' in sys.modules, 'lark' in sys.modules)"
    )
    first = python("-c", check, cwd=tmp_path)
    assert (first.stdout, first.stderr) == ("3 True False\n", "")  # compiled
    second = python("-c", check, cwd=tmp_path)
    assert (second.stdout, second.stderr) == ("3 False False\n", "")


def test_a_compiler_tag_change_seen_by_another_process(tmp_path: Path) -> None:
    write(tmp_path / "tagged.gopy", "VALUE = 1\n")
    count = (
        "import sys, gopy, gopy.compiler._compile as c; calls = []; real = c.compile_source; "
        "c.compile_source = lambda *a: calls.append(a) or real(*a); {patch}; import tagged; print(len(calls))"
    )
    assert python("-c", count.format(patch="pass"), cwd=tmp_path).stdout == "1\n"
    assert python("-c", count.format(patch="pass"), cwd=tmp_path).stdout == "0\n"
    changed = count.format(patch="c.COMPILER_TAG += '-new'")
    assert python("-c", changed, cwd=tmp_path).stdout == "1\n"
    assert python("-c", changed, cwd=tmp_path).stdout == "0\n"
    assert python("-c", count.format(patch="pass"), cwd=tmp_path).stdout == "1\n"


def test_concurrent_first_imports_leave_one_valid_cache(tmp_path: Path) -> None:
    write(
        tmp_path / "shared.gopy",
        "".join(f"async def f{i}(ch):\n    ch <- {i}\n" for i in range(300)),
    )
    check = (
        "import sys, gopy, shared; print(len(dir(shared)) > 300, 'gopy.compiler._compile' in sys.modules)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", check],
            cwd=tmp_path,
            env=child_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert all(output.startswith("True ") for output in outputs), outputs
    assert [p.name for p in (tmp_path / "__pycache__").iterdir()] == [f"shared.{TAG}.gopy.pyc"]
    assert python("-c", check, cwd=tmp_path).stdout == "True False\n"


def test_pythondontwritebytecode_is_honoured(tmp_path: Path) -> None:
    write(tmp_path / "plain.gopy", "VALUE = 1\n")
    result = python(
        "-c", "import gopy, plain; print(plain.VALUE)", cwd=tmp_path, PYTHONDONTWRITEBYTECODE="1"
    )
    assert result.stdout == "1\n", result.stderr
    assert not (tmp_path / "__pycache__").exists()


def test_pycache_prefix_is_honoured(tmp_path: Path) -> None:
    write(tmp_path / "src" / "prefixed.gopy", "VALUE = 1\n")
    prefix = tmp_path / "caches"
    result = python(
        "-c", "import gopy, prefixed", cwd=tmp_path / "src", PYTHONPYCACHEPREFIX=str(prefix)
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "src" / "__pycache__").exists()
    assert [p.name for p in prefix.rglob("prefixed*")] == [f"prefixed.{TAG}.gopy.pyc"]


def import_error_output(tmp_path: Path, suffix: str) -> str:
    write(
        tmp_path / f"broken{suffix}",
        """\
        values = [1, 2]

        total = values[1] values[0]
        """,
    )
    write(tmp_path / "main.py", "import gopy\nimport broken\n")
    result = python("main.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    return result.stderr.replace(f"broken{suffix}", "broken.SUFFIX")


def test_syntax_error_on_import_prints_like_cpython(tmp_path: Path) -> None:
    gopy_report = import_error_output(tmp_path, ".gopy").splitlines()
    (tmp_path / "broken.gopy").unlink()
    python_report = import_error_output(tmp_path, ".py").splitlines()
    assert (
        gopy_report[:3]
        == python_report[:3]
        == [
            "Traceback (most recent call last):",
            f'  File "{tmp_path / "main.py"}", line 2, in <module>',
            "    import broken",
        ]
    )
    # File, line number and source line as CPython gives them; then the caret
    # line and the message (whose wording is gopy's parser's own).
    assert (
        gopy_report[3:5]
        == python_report[3:5]
        == [
            f'  File "{tmp_path / "broken.SUFFIX"}", line 3',
            "    total = values[1] values[0]",
        ]
    )
    assert len(gopy_report) == 7
    assert gopy_report[5].startswith("    ") and set(gopy_report[5].strip()) == {"^"}
    assert gopy_report[6].startswith("SyntaxError: ")


@pytest.mark.parametrize(
    "importer",
    [
        "import broken",
        "import outer",  # outer imports broken: outer's frame stays, importlib's go
        "import pkg.tool",  # the package's __init__ is the broken file
        "from pkg import tool",
        "import ok\nopen(ok.__file__, 'a').write('x = = 1\\n')\nimport importlib\nimportlib.reload(ok)",
    ],
)
def test_import_syntax_error_output_is_cpythons_byte_for_byte(
    tmp_path: Path, importer: str
) -> None:
    """The whole report, traceback header to message, is the one the same code in a .py gets."""
    reports = []
    for suffix in (".gopy", ".py"):
        root = tmp_path / suffix[1:]
        write(root / f"broken{suffix}", "values = [1, 2]\nx = = 1\n")
        write(root / f"outer{suffix}", "import broken\n")
        write(root / "pkg" / f"__init__{suffix}", "x = = 1\n")
        write(root / "pkg" / f"tool{suffix}", "VALUE = 1\n")
        write(root / f"ok{suffix}", "VALUE = 1\n")
        write(root / "main.py", f"import gopy\n{importer}\n")
        result = python("main.py", cwd=root)
        assert (result.returncode, result.stdout) == (1, ""), result.stderr
        report = result.stderr.replace(str(root), "ROOT").replace("main.py", "MAIN")
        reports.append(re.sub(rf'(ROOT/[^"]*){re.escape(suffix)}"', r'\1.SUFFIX"', report))
    if "reload" in importer:
        # No import statement, so no import.c trimming: importlib's frames show
        # for a .py too (and theirs name other lines). The rest is the same.
        gopy_lines, python_lines = (report.splitlines() for report in reports)
        start = next(i for i, line in enumerate(gopy_lines) if "<frozen" in line)
        assert gopy_lines[:start] == python_lines[:start] and gopy_lines[-4:] == python_lines[-4:]
        assert all(line.startswith('  File "<frozen importlib.') for line in gopy_lines[start:-4])
    else:
        assert reports[0] == reports[1]
    assert reports[0].endswith(
        '.SUFFIX", line 1\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n'
    ) or reports[0].endswith(
        '.SUFFIX", line 2\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n'
    )


def test_an_edit_exactly_2_to_the_32_ns_later_is_not_served_stale(
    modules: Path, compiles: list[str]
) -> None:
    source = write(modules / "wrapped.gopy", "VALUE = 'aaa'\n")
    os.utime(source, ns=(10**18, 10**18))
    assert importlib.import_module("wrapped").VALUE == "aaa"
    del sys.modules["wrapped"]
    source.write_text("VALUE = 'bbb'\n")  # same size; same low 32 bits of the mtime
    os.utime(source, ns=(10**18 + 2**32, 10**18 + 2**32))
    assert importlib.import_module("wrapped").VALUE == "bbb"
    assert compiles == ["wrapped.gopy:exec", "wrapped.gopy:exec"]


def test_the_fingerprint_sees_a_rewrite_with_pinned_mtime_and_size(tmp_path: Path) -> None:
    from gopy._importer import folder_fingerprint

    module = tmp_path / "_lower.py"
    module.write_bytes(b"TAG = 'aaa'\n")
    os.utime(module, ns=(10**9, 10**9))  # as Nix and SOURCE_DATE_EPOCH builds pin it
    before = folder_fingerprint(str(tmp_path))
    assert folder_fingerprint(str(tmp_path)) == before  # stable while nothing changes
    module.write_bytes(b"TAG = 'bbb'\n")
    os.utime(module, ns=(10**9, 10**9))
    assert folder_fingerprint(str(tmp_path)) != before


def test_a_compiler_with_pinned_mtimes_replaced_in_place_is_not_served_stale(
    tmp_path: Path,
) -> None:
    """A copy of gopy whose compiler file is rewritten with other bytes, the same size and mtime."""
    import shutil

    package = Path(gopy.__file__).parent
    copy = tmp_path / "site" / "gopy"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    write(tmp_path / "prog" / "tagged.gopy", "VALUE = 1\n")
    site = str(tmp_path / "site")
    compiled = (
        "import sys; sys.path.insert(0, {site!r}); import gopy; assert gopy.__file__.startswith({site!r}); "
        "import tagged; print('gopy.compiler._compile' in sys.modules)"
    ).format(site=site)
    assert python("-c", compiled, cwd=tmp_path / "prog").stdout == "True\n"
    assert python("-c", compiled, cwd=tmp_path / "prog").stdout == "False\n"  # a hit
    lowered = copy / "compiler" / "_lower_strings.py"
    st = lowered.stat()
    text = lowered.read_bytes()
    changed = text.replace(b"Lowering", b"lowering", 1)  # same size, other bytes
    assert changed != text
    lowered.write_bytes(changed)
    os.utime(lowered, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert python("-c", compiled, cwd=tmp_path / "prog").stdout == "True\n"
