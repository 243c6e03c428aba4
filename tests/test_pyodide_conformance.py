"""The compiler on Python 3.14 and 3.15, through Pyodide (CPython compiled to WebAssembly).

The npm package ``pyodide`` ships each CPython with its standard library.
The test installs it into a cache folder (``~/.cache/gopy-pyodide/<version>``,
or ``$GOPY_PYODIDE_CACHE``) and runs ``tests/pyodide/conformance.py`` there
with node: every top-level stdlib module and every snippet of
``tests/pep_corpus`` must parse exactly as that interpreter's ``ast.parse``
does (or fail with its error), and the lowered golden programs and gopy
snippets must compile with every warning an error (PEP 765 included). It
skips, saying why, only when node is missing or the npm registry is
unreachable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYODIDE = {"3.14.2": "314.0.8", "3.15.0rc1": "315.0.0-alpha.2"}  # Python -> npm version
CACHE = Path(os.environ.get("GOPY_PYODIDE_CACHE") or Path.home() / ".cache" / "gopy-pyodide")
_NETWORK = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network", re.I)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the 3.14/3.15 conformance runs under Pyodide in node")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    if int(out.strip().lstrip("v").split(".")[0]) < 18:
        pytest.skip(f"node {out.strip()} is too old for Pyodide (18 or newer needed)")
    return node


def _pyodide(npm_version: str) -> Path:
    """The installed package folder, installing it on first use."""
    folder = CACHE / npm_version
    package = folder / "node_modules" / "pyodide"
    if (package / "pyodide.mjs").exists() and (package / "python_stdlib.zip").exists():
        return package
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: it fetches Pyodide for the 3.14/3.15 conformance")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), f"pyodide@{npm_version}"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        if _NETWORK.search(done.stderr):
            pytest.skip(f"the npm registry is unreachable (pyodide@{npm_version}): {done.stderr[-300:]}")
        pytest.fail(f"npm install pyodide@{npm_version} failed:\n{done.stderr[-2000:]}")
    return package


@pytest.mark.parametrize("python", sorted(PYODIDE))
def test_conformance_under_pyodide(python: str) -> None:
    node = _node()
    package = _pyodide(PYODIDE[python])
    script = REPO / "tests" / "pyodide" / "conformance.py"
    done = subprocess.run(
        [node, str(REPO / "tests" / "pyodide" / "run.mjs"), str(package), str(REPO), str(script),
         "/stdlib.zip", "/corpus", "/golden"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["version"] == python
    assert report["stdlib_total"] > 100
    assert report["stdlib_differences"] == []
    assert report["stdlib_identical"] == report["stdlib_total"]
    assert report["snippets"] > 40
    assert report["snippet_differences"] == []
    assert report["programs"] > 15
    assert report["compile_problems"] == []
    assert report["gopy_checks"] == []
