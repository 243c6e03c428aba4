"""The coverage.py plugin: ``.gopy`` files reported with their statements, misses and branches."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("coverage")  # the `coverage` extra (in the test extra)

from gopy._coverage_plugin import GopyFileReporter  # noqa: E402
from support import child_env, write  # noqa: E402

RC = "[run]\nplugins = gopy._coverage_plugin\n"

PROGRAM = '''\
"""A program with known missed lines."""


def unused(x):
    y = (x +
         1)
    return y


async def worker(ch, n):
    for i in range(n):
        ch <- i
    close(ch)


async def main():
    ch := chan()
    go worker(ch, 3)
    total = 0
    for v := range ch:
        total += v
    if total > 100:  # pragma: no cover
        print("big")
    select:
        default:
            print("never")
        case v, ok := <-ch:
            print("closed", ok)
    print("total", total)
'''


def coverage(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def json_report(cwd: Path) -> dict[str, object]:
    result = coverage("json", "-o", "-", "--include=*.gopy", cwd=cwd)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)["files"]
    assert isinstance(files, dict)
    return files


def test_reporter_lines_count_a_multiline_statement_once_and_skip_docstrings(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "prog.gopy", PROGRAM)
    reporter = GopyFileReporter(str(path), exclude=r"#\s*pragma: no cover")
    lines = reporter.lines()
    assert 1 not in lines  # the docstring
    assert {4, 5, 7} <= lines and 6 not in lines  # `y = (x +\n 1)` is line 5 only
    assert reporter.translate_lines([6]) == {5}
    assert {22, 23} <= reporter.excluded_lines()  # the excluded if and its body
    assert not {22, 23} & lines


def test_coverage_run_reports_missed_lines_and_branches(tmp_path: Path) -> None:
    write(tmp_path / ".coveragerc", RC)
    write(tmp_path / "prog.gopy", PROGRAM)
    result = coverage("run", "--branch", "-m", "gopy", "run", "prog.gopy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "closed False\ntotal 3\n"
    report = json_report(tmp_path)["prog.gopy"]
    assert isinstance(report, dict)
    assert report["missing_lines"] == [5, 7, 26]
    assert report["excluded_lines"] == [22, 23]
    assert report["summary"]["num_statements"] == 19
    assert report["missing_branches"] == [[27, 26]]  # the default arm never ran
    text = coverage("report", "-m", "--include=*.gopy", cwd=tmp_path)
    assert "prog.gopy" in text.stdout and "5-7, 26" in text.stdout
    html = coverage("html", "--include=*.gopy", "-d", "html", cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "html" / "prog_gopy.html").read_text(encoding="utf-8")
    assert "never" in page


def test_pytest_cov_reports_gopy_test_files(tmp_path: Path) -> None:
    pytest.importorskip("pytest_cov")
    write(tmp_path / ".coveragerc", RC)
    write(
        tmp_path / "test_sums.gopy",
        textwrap.dedent("""\
            async def total(n):
                ch := chan(n)
                for i in range(n):
                    ch <- i
                close(ch)
                s = 0
                for v := range ch:
                    s += v
                if s < 0:
                    return -1
                return s


            async def test_total():
                assert await total(4) == 6
            """),
    )
    write(tmp_path / "never_imported.gopy", 'x = 1\n\n\ndef f():\n    return x\n')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--cov=.",
            "--cov-report=json:cov.json",
            "test_sums.gopy",
        ],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    files = json.loads((tmp_path / "cov.json").read_text())["files"]
    report = files["test_sums.gopy"]
    assert report["missing_lines"] == [10]
    assert report["summary"]["num_statements"] == 13
    # --cov=. names a source folder: a .gopy file that never ran is reported too.
    assert files["never_imported.gopy"]["missing_lines"] == [1, 4, 5]


def test_a_select_whose_last_arm_never_ran_reports_it_missed(tmp_path: Path) -> None:
    write(tmp_path / ".coveragerc", RC)
    write(
        tmp_path / "prog.gopy",
        """\
        async def main():
            ch := chan()
            close(ch)
            select:
                case v, ok := <-ch:
                    print("closed", ok)
                default:
                    print("never")
        """,
    )
    result = coverage("run", "-m", "gopy", "run", "prog.gopy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json_report(tmp_path)["prog.gopy"]["missing_lines"] == [8]  # type: ignore[index]
