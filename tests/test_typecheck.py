"""``gopy check --types``: mypy over the translations, each message at its ``.gopy`` position."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")  # in the test extra (and the `types` extra)

from support import child_env, write  # noqa: E402

SAMPLES = Path(__file__).parent.parent / "samples"

PROGRAM = '''\
"""Type errors and revealed types at known .gopy positions."""


async def main() -> None:
    ch := chan[int](1)
    ch <- "x"
    v := <-ch
    reveal_type(v)
    w, ok := <-ch
    reveal_type(w)
    for x := range ch:
        reveal_type(x)
    total: str = v
'''


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("mypy-cache"))


def check_types(*args: str, cwd: Path, cache: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gopy", "check", "--types", *args],
        cwd=cwd,
        env=child_env(MYPY_CACHE_DIR=cache),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_errors_and_revealed_types_at_gopy_positions(tmp_path: Path, mypy_cache: str) -> None:
    write(tmp_path / "prog.gopy", PROGRAM)
    result = check_types("prog.gopy", cwd=tmp_path, cache=mypy_cache)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    # The send of a str on a chan[int], at the send statement.
    assert lines[0].startswith("prog.gopy:6:5: error: ")
    assert lines[0].endswith("[misc]") and '"send"' in lines[0]
    # A receive's element type is the channel's (see docs/language.md for None).
    revealed = {line.split(":")[1]: line for line in lines if "Revealed type" in line}
    assert set(revealed) == {"8", "10", "12"}
    assert revealed["8"].startswith("prog.gopy:8:17: note: Revealed type is ")
    assert re.search(r'Revealed type is "(builtins\.)?int', revealed["8"])
    assert re.search(r'Revealed type is "(builtins\.)?int"', revealed["12"])  # range: never None
    # `total: str = v` is wrong whatever a receive gives, at the value's column.
    assert any(line.startswith("prog.gopy:13:18: error: Incompatible types") for line in lines)


def assert_only_the_samples_own_issues(output: str) -> None:
    """Every error is at a sample's own gap, none at code that only the lowering wrote."""
    for line in output.splitlines():
        if ": error: " not in line:
            continue
        path, lineno, column, _ = line.split(":", 3)
        assert Path(path).suffix == ".gopy" and Path(path).is_file(), line
        source_line = Path(path).read_text(encoding="utf-8").splitlines()[int(lineno) - 1]
        if line.endswith("[var-annotated]"):  # `ch := chan()`, `state := {}`: untyped
            assert re.search(r":= (chan\(|\{\}|\[\])", source_line), line
            assert source_line[int(column) - 1] != " ", line
        else:  # a receive's `T | None` (the runtime's annotation of `<-ch`) reaching a use
            assert "<-" in source_line, line


def test_every_sample_type_checks_without_lowering_errors(tmp_path: Path, mypy_cache: str) -> None:
    result = check_types(str(SAMPLES), cwd=tmp_path, cache=mypy_cache)
    assert result.stderr == ""
    assert_only_the_samples_own_issues(result.stdout)


def test_samples_with_untyped_bodies_checked(tmp_path: Path, mypy_cache: str) -> None:
    """With mypy checking unannotated bodies too, only the samples' own issues remain."""
    write(tmp_path / "mypy.ini", "[mypy]\ncheck_untyped_defs = True\n")
    result = check_types(str(SAMPLES), cwd=tmp_path, cache=mypy_cache)
    assert result.stdout.count("[var-annotated]") > 10, result.stderr  # the config was read
    assert_only_the_samples_own_issues(result.stdout)


def test_names_bound_in_every_select_arm_are_defined(tmp_path: Path, mypy_cache: str) -> None:
    write(tmp_path / "mypy.ini", "[mypy]\nenable_error_code = possibly-undefined\n")
    write(
        tmp_path / "sel.gopy",
        """\
        async def main() -> None:
            a := chan[int](1)
            b := chan[int](1)
            a <- 1
            select:
                case y := <-a:
                    z = y
                case y := <-b:
                    z = y + 1
            print(z)
        """,
    )
    result = check_types("sel.gopy", cwd=tmp_path, cache=mypy_cache)
    assert (result.returncode, result.stdout) == (0, "")


def test_a_syntax_error_is_reported_as_gopy_check_does(tmp_path: Path, mypy_cache: str) -> None:
    write(tmp_path / "bad.gopy", "x = 1\nif x\n    pass\n")
    result = check_types("bad.gopy", "missing.gopy", cwd=tmp_path, cache=mypy_cache)
    assert result.returncode == 1
    assert 'File "bad.gopy", line 2' in result.stderr
    assert "missing.gopy: No such file or directory" in result.stderr
