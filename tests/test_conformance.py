"""Exact conformance with CPython over the standard library, and fresh parser tables."""

from __future__ import annotations

import ast
import glob
import os
import sysconfig
import warnings

import pytest

import gopy
from gopy.compiler import _grammar_tables as _tables
from gopy.compiler import _lalr_parser as _parse

STDLIB = sysconfig.get_paths()["stdlib"]
MODULES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(STDLIB, "*.py")))


def test_stdlib_is_there() -> None:
    assert len(MODULES) > 100


@pytest.mark.parametrize("module", MODULES)
def test_stdlib_module(module: str) -> None:
    path = os.path.join(STDLIB, module)
    with open(path, "rb") as f:
        src = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ast.dump(ast.parse(src, path), include_attributes=True)
        got = ast.dump(gopy.parse(src, path), include_attributes=True)
    assert got == expected


def test_shipped_tables_match_the_grammar() -> None:
    """Fails when grammar/gopy.lark changed without `python -m gopy.compiler --regenerate`."""
    shipped = _tables.load_tables()
    assert shipped.grammar_hash == _tables.grammar_hash(), "stale tables: run python -m gopy.compiler --regenerate"
    fresh = _tables.build_tables()
    assert tuple(fresh) == tuple(shipped), "stale tables: run python -m gopy.compiler --regenerate"


def test_every_rule_has_a_lowering_method() -> None:
    from gopy.compiler._lower_statements import Lowerer

    tables = _tables.load_tables()
    missing = {name for _, _, kind, _, name in tables.rules if kind == _tables.CALL and not hasattr(Lowerer, name)}
    assert not missing


def test_loading_tables_does_not_import_lark() -> None:
    import subprocess
    import sys

    code = "import sys, gopy; gopy.parse('x = 1'); print('lark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "False"


def test_parse_tree_shows_the_grammar_rules() -> None:
    tree = _parse.parse_tree("go f(x)\nselect: pass\n")
    assert tree.data == "file_input"
    rules = {t.data for t in tree.iter_subtrees()}
    assert {"go_stmt", "select_empty", "call"} <= rules


def test_shipped_tables_are_plain_data() -> None:
    """The tables are data: a fresh unpickle gives the same tables the parser uses."""
    import pickle
    from importlib import resources

    fmt, data = pickle.loads(resources.files("gopy.compiler").joinpath("_lalr_tables.pickle").read_bytes())
    assert fmt == _tables._FORMAT
    assert _tables.Tables(*data) == _tables.load_tables()
