"""The LALR(1) tables: built from ``grammar/gopy.lark`` by Lark, shipped pickled.

Lark compiles the grammar into tables once, by
``python -m gopy.compiler --regenerate``, which writes
``gopy/compiler/_lalr_tables.pickle``; start-up only unpickles them (Lark is
imported only to rebuild them and by the staleness test).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from importlib import resources
from typing import Any, NamedTuple

__all__ = [
    "Tables",
    "IDENTITY",
    "SPLICE",
    "CALL",
    "TABLES_FILE",
    "build_tables",
    "load_tables",
    "regenerate",
    "grammar_text",
    "grammar_hash",
]

TABLES_FILE = "_lalr_tables.pickle"
_FORMAT = 1

IDENTITY, SPLICE, CALL = 0, 1, 2


class Tables(NamedTuple):
    """The LALR tables and what the tokenizer and driver need to use them."""

    grammar_hash: str
    table: list[dict[str, int]]  # state -> terminal/rule -> shift state (>= 0) or ~rule
    rules: list[
        tuple[int, str, int, tuple[int, ...], str]
    ]  # size, origin, kind, splice idx, callback
    start: int
    end: int
    literals: dict[str, str]  # keyword/operator spelling -> terminal name


def grammar_text() -> str:
    """The grammar source shipped in ``gopy.grammar``."""
    try:
        return resources.files("gopy.grammar").joinpath("gopy.lark").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        # Run from a checkout whose directory shadows the installed package:
        # 'gopy.grammar' is mapped to grammar/ only by the installed metadata.
        path = os.path.join(
            os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "grammar", "gopy.lark"
        )
        with open(path, encoding="utf-8") as f:
            return f.read()


def grammar_hash(text: str | None = None) -> str:
    """A short hash of the grammar text (baked into the tables and COMPILER_TAG)."""
    return hashlib.sha256((text or grammar_text()).encode("utf-8")).hexdigest()[:16]


def build_tables() -> Tables:
    """Compile the grammar with Lark (slow: only for ``--regenerate`` and the staleness test)."""
    import logging

    from lark import Lark, logger
    from lark.parsers.lalr_analysis import Shift

    conflicts: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            conflicts.append(record.getMessage())

    handler = _Collect(logging.DEBUG)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        text = grammar_text()
        lark = Lark(text, parser="lalr", lexer="basic", start="file_input", keep_all_tokens=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    conflicts = [c for c in conflicts if "conflict" in c.lower() or c.startswith(" * ")]
    if conflicts:
        # Lark resolves shift/reduce conflicts as shifts silently; the grammar must have none.
        raise RuntimeError("LALR conflicts in the gopy grammar:\n" + "\n".join(conflicts))
    parse_table = lark.parser.parser.parser.parse_table
    rule_index: dict[Any, int] = {}
    rules = []
    for rule in lark.rules:
        rule_index[rule] = len(rules)
        origin = str(rule.origin.name)
        size = len(rule.expansion)
        splice = tuple(
            i
            for i, sym in enumerate(rule.expansion)
            if not sym.is_term and sym.name.startswith("_")
        )
        name = str(rule.alias or origin)
        if origin.startswith("_"):
            kind = SPLICE
        elif rule.options.expand1 and not rule.alias and size == 1 and not splice:
            kind = IDENTITY
        else:
            kind = CALL
        rules.append((size, origin, kind, splice, name))
    # Number the states in a canonical order (Lark's order follows set hashing,
    # which changes from run to run) so that regenerating is reproducible.
    start_state = parse_table.start_states["file_input"]
    state_ids = {start_state: 0}
    queue = [start_state]
    for s in queue:
        for sym, (action, arg) in sorted(parse_table.states[s].items(), key=lambda kv: str(kv[0])):
            if action is Shift and arg not in state_ids:
                state_ids[arg] = len(state_ids)
                queue.append(arg)
    for s in parse_table.states:
        if s not in state_ids:
            state_ids[s] = len(state_ids)
    table: list[dict[str, int]] = [{} for _ in state_ids]
    for s, actions in parse_table.states.items():
        row = table[state_ids[s]]
        for sym, (action, arg) in actions.items():
            row[str(sym)] = state_ids[arg] if action is Shift else ~rule_index[arg]
    literals = {
        str(t.pattern.value): str(t.name) for t in lark.terminals if t.pattern.type == "str"
    }
    start = state_ids[parse_table.start_states["file_input"]]
    end = state_ids[parse_table.end_states["file_input"]]
    return Tables(grammar_hash(text), table, rules, start, end, literals)


_tables: Tables | None = None


def load_tables() -> Tables:
    """The shipped tables (unpickled once per process)."""
    global _tables
    if _tables is None:
        data = resources.files("gopy.compiler").joinpath(TABLES_FILE).read_bytes()
        fmt, tables = pickle.loads(data)
        if fmt != _FORMAT:
            raise RuntimeError(
                "gopy's parser tables are from another version; run python -m gopy.compiler --regenerate"
            )
        _tables = Tables(*tables)
    return _tables


def regenerate(path: str) -> None:
    """Write freshly built tables to ``path``."""
    tables = build_tables()
    with open(path, "wb") as f:
        pickle.dump((_FORMAT, tuple(tables)), f, protocol=pickle.HIGHEST_PROTOCOL)
