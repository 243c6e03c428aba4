"""Each Go construct lives in three places under one name: grammar rule, lowering, golden test.

The table is docs/architecture.md's ("Where each Go construct lives"); this
test keeps the table and the tree in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gopy.compiler._grammar_tables import grammar_text
from gopy.compiler._lower_go_constructs import GoLowering
from gopy.compiler._lower_statements import Lowerer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

# construct name -> (grammar rule or alias, method of Lowerer, method of GoLowering)
CONSTRUCTS = {
    "send_stmt": ("send_stmt", "send_stmt", "send_stmt"),
    "recv_expr": ("recv_expr", "recv_expr", "recv_expr"),
    "recv_ok_assign": ("short_decl", "short_decl", "recv_ok_assign"),
    "short_decl": ("short_decl", "short_decl", "short_decl"),
    "go_stmt": ("go_stmt", "go_stmt", "go_stmt"),
    "defer_stmt": ("defer_stmt", "defer_stmt", "defer_stmt"),
    "range_for": ("range_for", "range_for", "range_for"),
    "select_stmt": ("select_stmt", "select_stmt", "select_stmt"),
}


def grammar_names() -> set[str]:
    """Rule names (``name:``) and aliases (``-> name``) of the grammar."""
    text = grammar_text()
    rules = re.findall(r"^[?!]?([a-z_]+)\s*:", text, flags=re.M)
    aliases = re.findall(r"->\s*([a-z_]+)", text)
    return set(rules) | set(aliases)


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_each_construct_has_its_rule_lowering_and_golden_test(construct: str) -> None:
    rule, lowerer_method, builder = CONSTRUCTS[construct]
    assert rule in grammar_names()
    assert callable(getattr(Lowerer, lowerer_method, None))
    assert callable(getattr(GoLowering, builder, None))
    golden = GOLDEN / f"{construct}.golden"
    assert golden.is_file(), f"missing golden test {golden.name}"


def test_the_architecture_table_names_every_construct() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Where each Go construct lives", 1)[1].split("\n## ", 1)[0]
    for construct in CONSTRUCTS:
        assert f"`{construct}.golden`" in table, construct
