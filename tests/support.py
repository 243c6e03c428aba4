"""Helpers shared by the tests that run gopy in child processes."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

__all__ = ["write", "child_env"]


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: none of the settings that change caching or reports."""
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "GOPY_TRACEBACK", "PYTHONPYCACHEPREFIX"):
        env.pop(name, None)
    env.update(extra)
    return env
