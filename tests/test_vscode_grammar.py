"""The VS Code extension's TextMate grammar, tokenized in node as VS Code does.

``editors/vscode/test/grammar.test.js`` loads the grammar with
``vscode-textmate`` and ``vscode-oniguruma`` (and VS Code's Python grammar
from the ``tm-grammars`` package) and checks the scopes of the gopy
constructs in a snippet and in every sample. This test installs those
packages from the npm registry (``npm ci``, pinned by package-lock.json, into
the gitignored ``editors/vscode/node_modules``) and runs the script. It is
skipped, saying why, only when node is missing or the registry is unreachable.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parent.parent / "editors" / "vscode"
NETWORK_ERRORS = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "ENETUNREACH",
)


def _install() -> None:
    """``npm ci`` unless node_modules already holds what package-lock.json pins."""
    lock = (EXTENSION / "package-lock.json").read_bytes()
    stamp = EXTENSION / "node_modules" / ".gopy-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch vscode-textmate and vscode-oniguruma")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        if any(code in result.stderr for code in NETWORK_ERRORS):
            pytest.skip(f"the npm registry is unreachable: {result.stderr.strip()[-300:]}")
        pytest.fail(f"npm ci failed:\n{result.stdout}\n{result.stderr}")
    stamp.write_text(digest)


def test_textmate_scopes_of_gopy_constructs() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the grammar test runs in node")
    _install()
    result = subprocess.run(
        [node, "test/grammar.test.js"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: snippet and "), result.stdout
