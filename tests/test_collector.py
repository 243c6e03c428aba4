"""``set_gc_percent`` and ``GOGC``: Go's knob for how often the collector runs."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import gopy
from gopy.runtime import _collector


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    saved = (_collector._base, _collector._percent, _collector._disabled_here, _collector._applied)
    yield
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()
    _collector._base, _collector._percent, _collector._disabled_here, _collector._applied = saved


def test_set_gc_percent_scales_the_first_threshold_and_returns_the_previous_setting() -> None:
    first, second, third = gc.get_threshold()
    assert gopy.set_gc_percent(1000) == 100
    assert gc.get_threshold() == (first * 10, second, third)
    assert gopy.set_gc_percent(50) == 1000
    assert gc.get_threshold() == (first // 2, second, third)
    assert gopy.set_gc_percent(100) == 50
    assert gc.get_threshold() == (first, second, third)


def test_a_negative_percent_turns_the_collector_off_and_a_positive_one_back_on() -> None:
    assert gc.isenabled()
    gopy.set_gc_percent(-5)
    assert not gc.isenabled()
    assert gopy.set_gc_percent(100) == -1
    assert gc.isenabled()


def test_zero_collects_as_often_as_python_can_and_huge_values_are_clamped() -> None:
    gopy.set_gc_percent(0)
    assert gc.get_threshold()[0] == 1
    gopy.set_gc_percent(10**12)
    assert gc.get_threshold()[0] == 2**31 - 1


def test_the_knob_only_turns_back_on_a_collector_it_turned_off() -> None:
    gc.disable()  # the program's own choice
    gopy.set_gc_percent(-1)
    gopy.set_gc_percent(100)
    assert not gc.isenabled()


@pytest.mark.parametrize(
    ("value", "enabled", "factor"),
    [
        ("off", False, None),
        ("OFF", False, None),
        ("400", True, 4),
        (" 200 ", True, 2),
        ("", True, 1),
        ("lots", True, 1),
        ("--5", True, 1),
        ("\u00b2", True, 1),
    ],
)
def test_gogc_from_the_environment(value: str, enabled: bool, factor: int | None) -> None:
    first = gc.get_threshold()[0]
    _collector._applied = False
    _collector.apply_gogc({"GOGC": value})
    assert gc.isenabled() is enabled
    if factor is not None:
        assert gc.get_threshold()[0] == first * factor


def test_gogc_is_applied_once_per_process() -> None:
    first = gc.get_threshold()[0]
    _collector._applied = False
    _collector.apply_gogc({"GOGC": "200"})
    _collector.apply_gogc({"GOGC": "off"})
    assert gc.isenabled() and gc.get_threshold()[0] == 2 * first


def test_gopy_run_reads_gogc(tmp_path: Path) -> None:
    program = tmp_path / "prog.gopy"
    program.write_text(textwrap.dedent("""\
            import gc

            async def main():
                print(gc.isenabled(), gc.get_threshold()[0])
            """))

    def run(gogc: str | None) -> list[str]:
        env = {k: v for k, v in os.environ.items() if k != "GOGC"}
        if gogc is not None:
            env["GOGC"] = gogc
        proc = subprocess.run(
            [sys.executable, "-m", "gopy", "run", str(program)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    enabled, default = run(None)
    assert enabled == "True"
    assert run("off")[0] == "False"
    assert run("300") == ["True", str(3 * int(default))]
