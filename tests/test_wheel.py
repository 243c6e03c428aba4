"""A wheel built from the repository works in a fresh virtual environment.

Slow (a build, a venv, installing lark and black: about a minute), and it
needs the package index pip is configured with. It runs in CI like any test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRIMES = ["2", "3", "5", "7", "11", "13", "17", "19", "23", "29"]


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GOPY_", "PYTHON", "VIRTUAL_ENV"))
    }
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_wheel_runs_a_sample_outside_the_checkout(tmp_path: Path) -> None:
    # Build from a copy so that setuptools' build/ and egg-info stay out of the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".pytest_cache"
        ),
    )
    wheels = tmp_path / "wheels"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            str(source),
            "-w",
            str(wheels),
        ],
        tmp_path,
    )
    (wheel,) = wheels.glob("gopy_lang-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = str(bin_dir / "python")
    run([python, "-m", "pip", "install", "--quiet", str(wheel)], tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(REPO / "samples" / "prime_sieve.gopy", elsewhere / "sieve.gopy")
    (elsewhere / "lib.gopy").write_text(
        "async def relay(value):\n    ch := chan(1)\n    ch <- value\n    return <-ch\n"
    )

    ran = run([python, "-m", "gopy", "run", "sieve.gopy"], elsewhere)
    assert ran.stdout.splitlines()[: len(PRIMES)] == PRIMES
    script = run([str(bin_dir / "gopy"), "run", "sieve.gopy"], elsewhere)
    assert script.stdout == ran.stdout
    imported = run(
        [
            python,
            "-c",
            "import gopy, lib; print(gopy.run_supervised(lambda: lib.relay('relayed')), gopy.__file__)",
        ],
        elsewhere,
    )
    value, location = imported.stdout.split()
    assert value == "relayed"
    assert Path(location).is_relative_to(venv)  # the installed copy, not the checkout
