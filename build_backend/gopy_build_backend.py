"""setuptools' PEP 517 backend, with editable installs that static tools can follow.

``pyproject.toml`` maps the package ``gopy.grammar`` to the folder
``grammar/``; for such a mapping setuptools' default editable install is an
import hook (``__editable__..._finder.py``), which mypy and pyright cannot
see, so they would not find ``gopy`` at all. Asked for an editable wheel, this
backend makes setuptools' "compat" one instead, unless the caller chose a mode
(``--config-settings editable_mode=...``): a plain ``.pth`` path entry for the
checkout, which every tool follows. ``gopy.grammar`` then is not importable
from the checkout, and the compiler reads ``grammar/gopy.lark`` from the
checkout instead (see ``gopy/compiler/_grammar_tables.py``).
"""

from __future__ import annotations

from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the rest of the backend, unchanged)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    settings = dict(config_settings or {})
    settings.setdefault("editable_mode", "compat")
    return _setuptools.build_editable(wheel_directory, settings, metadata_directory)
