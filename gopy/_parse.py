"""Text to parse: gopy's tokenizer and the LALR(1) driver over prebuilt tables.

The grammar (``grammar/gopy.lark``) is compiled by Lark into LALR tables once,
by ``python -m gopy._parse --regenerate``, and shipped as ``gopy/_tables.pickle``;
start-up only unpickles them (Lark is not imported at run time). The tokenizer
is hand-written because Python's lexical rules (indentation, soft keywords,
f-strings, byte columns) need lookahead over a whole logical line. The driver
calls the lowering's methods as rules are reduced, so no parse tree is built.

Token positions are AST-style: ``lineno``/``end_lineno`` 1-based,
``col_offset``/``end_col_offset`` 0-based UTF-8 byte offsets.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from importlib import resources
from typing import Any, Callable, NamedTuple

from gopy._errors import GopySyntaxError
from gopy._source import SourceText
from gopy._tokenize import Tok, Tokenizer

__all__ = [
    "Tok",
    "Tables",
    "load_tables",
    "tokenize",
    "run_parser",
    "syntax_error",
    "parse_tree",
    "grammar_text",
]

_TABLES_FILE = "_tables.pickle"
_FORMAT = 1

# ---------------------------------------------------------------- tables

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
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "grammar", "gopy.lark"
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
        data = resources.files("gopy").joinpath(_TABLES_FILE).read_bytes()
        fmt, tables = pickle.loads(data)
        if fmt != _FORMAT:
            raise RuntimeError(
                "gopy's parser tables are from another version; run python -m gopy._parse --regenerate"
            )
        _tables = Tables(*tables)
    return _tables


def regenerate(path: str) -> None:
    """Write freshly built tables to ``path``."""
    tables = build_tables()
    with open(path, "wb") as f:
        pickle.dump((_FORMAT, tuple(tables)), f, protocol=pickle.HIGHEST_PROTOCOL)


def tokenize(source: SourceText, tables: Tables | None = None) -> list[Tok]:
    """All tokens of ``source``, ending with NEWLINE, DEDENTs and ``$END``."""
    if tables is None:
        tables = load_tables()
    return Tokenizer(source, tables.literals).tokens()


# ---------------------------------------------------------------- driver


class UnexpectedToken(Exception):
    """The parser met a token no rule allows here (turned into a GopySyntaxError)."""

    def __init__(self, token: Tok, state: int, prev: Tok | None) -> None:
        super().__init__(token)
        self.token = token
        self.state = state
        self.prev = prev


def run_parser(
    tokens: list[Tok], tables: Tables, callbacks: list[Callable[[list], Any] | None]
) -> Any:
    """Run the LALR(1) automaton over ``tokens``; ``callbacks[i]`` builds rule i's value."""
    table = tables.table
    rules = tables.rules
    end_state = tables.end
    states = [tables.start]
    values: list[Any] = []
    prev = None
    for tok in tokens:
        tt = tok.type
        while True:
            action = table[states[-1]].get(tt)
            if action is None:
                raise UnexpectedToken(tok, states[-1], prev)
            if action >= 0:
                states.append(action)
                values.append(tok)
                break
            rule = ~action
            size, origin, kind, splice, _ = rules[rule]
            if kind == IDENTITY:
                del states[-1]
                states.append(table[states[-1]][origin])
                continue
            if size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                children = []
            if splice:
                # A repetition is a left-recursive helper rule: grow its list in
                # place (it belongs to the parser) rather than copy it at each
                # item, which made long lists quadratic.
                first = 1 if splice[0] == 0 else 0
                flat: list = children[0] if first else []
                for i in range(first, len(children)):
                    if i in splice:
                        flat += children[i]
                    else:
                        flat.append(children[i])
                children = flat
            if kind == CALL:
                value = callbacks[rule](children)
            else:
                value = children
            states.append(table[states[-1]][origin])
            values.append(value)
            if tt == "$END" and states[-1] == end_state:
                return values[-1]
        prev = tok
    raise AssertionError("the parser did not reach its end state")


_HEADERS = {
    "if": "'if' statement",
    "elif": "'elif' statement",
    "else": "'else' statement",
    "while": "'while' statement",
    "for": "'for' statement",
    "with": "'with' statement",
    "try": "'try' statement",
    "except": "'except' statement",
    "finally": "'finally' statement",
    "def": "function definition",
    "class": "class definition",
    "match": "'match' statement",
    "case": "'case' statement",
    "select": "'select' statement",
    "default": "'default' statement",
}


def _expected_block(tokens: list[Tok], index: int) -> str:
    """CPython's "expected an indented block after 'if' statement on line 3"."""
    i = index - 2  # before the header's NEWLINE
    while i > 0 and tokens[i - 1].type not in ("NEWLINE", "INDENT", "DEDENT"):
        i -= 1
    if i >= 0 and tokens[i].value == "async" and i + 1 < index:
        i += 1
    header = tokens[i] if i >= 0 else None
    what = _HEADERS.get(header.value) if header is not None else None
    if what is None:
        return "expected an indented block"
    return f"expected an indented block after {what} on line {header.lineno}"


def syntax_error(
    exc: UnexpectedToken, source: SourceText, tables: Tables, tokens: list[Tok]
) -> GopySyntaxError:
    """The user-facing error for a token the grammar does not allow."""
    lit = tables.literals
    tok, prev = exc.token, exc.prev
    index = next(i for i in range(len(tokens) - 1, -1, -1) if tokens[i] is tok)
    last = next(
        (t for t in reversed(tokens[:index]) if t.type not in ("NEWLINE", "INDENT", "DEDENT")), None
    )
    tt = tok.type
    expected = tables.table[exc.state]

    def at_token(msg: str, t: Tok = tok) -> GopySyntaxError:
        return source.error(
            msg, t.lineno, t.col_offset, t.end_lineno, max(t.end_col_offset, t.col_offset + 1)
        )

    if prev is not None and prev.type == lit["<-"]:
        return at_token("expected an expression after '<-'", prev)
    if tt == "CASE":
        return at_token("'case' outside 'select'")
    head = _line_head(tokens, index)
    if (
        head is not None
        and head.type == "NAME"
        and head.value == "default"
        and tokens[index - 1] is not head
    ):
        after = tokens[tokens.index(head) + 1]
        if after.type == lit[":"]:
            return at_token("'default' outside 'select'", head)
    if head is not None and head.type == "CASE" and lit["<-"] in expected and tt != "NEWLINE":
        return at_token(
            "expected '<-': a select case sends (case ch <- v:) or receives (case v := <-ch:)"
        )
    if tt == "DEFAULT":
        return at_token("'default' outside 'select'")
    if tt == "INDENT":
        if (
            index >= 2
            and tokens[index - 2].value == "select"
            and (index == 2 or tokens[index - 3].type in ("NEWLINE", "INDENT", "DEDENT"))
        ):
            word = tokens[index - 2]  # a 'select' line without its ':'
            return source.error("expected ':'", word.end_lineno, word.end_col_offset)
        return source.error("unexpected indent", tok.lineno, max(tok.end_col_offset - 1, 0))
    if "INDENT" in expected:
        return source.error(_expected_block(tokens, index), tok.lineno, tok.col_offset)
    if tt == lit["<-"] and prev is not None and prev.type == lit["await"]:
        return at_token(
            "'<-' already waits for the value: remove 'await' (or write 'await (<-ch)')"
        )
    if tt == lit["<-"] and head is not None and head.type == "CASE" and tokens[index - 1] is head:
        return at_token("a channel operation is not a pattern: 'case <-ch:' belongs in a 'select'")
    if tt == lit["<-"]:
        return at_token(
            "a send (ch <- v) is a statement, not an expression (write 'a < -b' to compare)"
        )
    if ("CASE" in expected or "DEFAULT" in expected) and "MATCH" not in expected:
        if "DEFAULT" in expected:
            return at_token("expected 'case' or 'default' in 'select'")
        return at_token("expected 'case'")
    if lit["except"] in expected and lit["finally"] in expected and last is not None:
        return source.error(
            "expected 'except' or 'finally' block", last.end_lineno, last.end_col_offset
        )
    if lit[":"] in expected and (tt == "NEWLINE" or tt == "$END") and prev is not None:
        return source.error("expected ':'", prev.end_lineno, prev.end_col_offset)
    if lit["else"] in expected and tt == "NEWLINE" and prev is not None:
        return source.error(
            "expected 'else' after 'if' expression", prev.end_lineno, prev.end_col_offset
        )
    if tt == "$END":
        return source.error("unexpected end of input", tok.lineno, tok.col_offset)
    if (
        prev is not None
        and prev.type == lit["except"]
        and (tt == lit["*"] or "NAME" not in expected)
        and index >= 2
        and tokens[index - 2].type in ("DEDENT", "NEWLINE")
    ):
        end = tok if tt == lit["*"] else prev
        return source.error(
            "cannot have both 'except' and 'except*' on the same 'try'",
            prev.lineno,
            prev.col_offset,
            end.end_lineno,
            end.end_col_offset,
        )
    if (
        lit["("] in expected
        and prev is not None
        and index >= 2
        and tokens[index - 2].type == lit["def"]
    ):
        return at_token("expected '('")
    if (
        prev is not None
        and prev.type == lit[":="]
        and "RANGE" in expected
        and head is not None
        and head.type == lit["for"]
    ):
        return at_token(
            "expected 'range' after ':=' in a 'for' header (gopy has only 'for ... := range ...')"
        )
    range_after = tt == lit["="] and index + 1 < len(tokens) and tokens[index + 1].value == "range"
    if range_after or (
        prev is not None
        and prev.value == "range"
        and prev.type == "NAME"
        and _starts_operand(tok, lit)
    ):
        head = _line_head(tokens, index)
        if head is not None and head.type == lit["for"]:
            if range_after:
                prev = tok
            return source.error(
                "invalid syntax. Perhaps you meant 'for ... := range ...'?",
                prev.lineno,
                prev.col_offset,
                tok.end_lineno,
                tok.end_col_offset,
            )
    if (
        prev is not None
        and _ends_operand(prev, lit)
        and _starts_operand(tok, lit)
        and _in_brackets(tokens, index, lit)
    ):
        return source.error(
            "invalid syntax. Perhaps you forgot a comma?",
            prev.lineno,
            prev.col_offset,
            tok.end_lineno,
            tok.end_col_offset,
        )
    return at_token("invalid syntax")


def _line_head(tokens: list[Tok], index: int) -> Tok | None:
    """The first token of the logical line that holds ``tokens[index]``."""
    i = index
    while i > 0 and tokens[i - 1].type not in ("NEWLINE", "INDENT", "DEDENT"):
        i -= 1
    return tokens[i] if i < index else None


def _ends_operand(t: Tok, lit: dict[str, str]) -> bool:
    return (
        t.type in ("NAME", "NUMBER", "STRING")
        or t.value in (")", "]", "}")
        and t.type == lit[t.value]
    )


def _starts_operand(t: Tok, lit: dict[str, str]) -> bool:
    return (
        t.type in ("NAME", "NUMBER", "STRING")
        or t.value in ("(", "[", "{")
        and t.type == lit[t.value]
    )


def _in_brackets(tokens: list[Tok], index: int, lit: dict[str, str]) -> bool:
    depth = 0
    opens = (lit["("], lit["["], lit["{"], "WITH_LPAR")
    closes = (lit[")"], lit["]"], lit["}"], "WITH_RPAR")
    for t in tokens[:index]:
        if t.type in opens:
            depth += 1
        elif t.type in closes:
            depth -= 1
        elif t.type == "NEWLINE":
            depth = 0
    return depth > 0


def parse_tree(text: str) -> Any:
    """The Lark parse tree of ``text`` (for debugging the grammar)."""
    from lark import Token, Tree

    tables = load_tables()

    def leaf(tok: Any) -> Any:
        return (
            Token(tok.type, tok.value, line=tok.lineno, column=tok.col_offset)
            if isinstance(tok, Tok)
            else tok
        )

    callbacks: list = []
    for _, _, kind, _, name in tables.rules:
        callbacks.append(lambda children, name=name: Tree(name, [leaf(c) for c in children]))
    return run_parser(tokenize(SourceText(text)), tables, callbacks)


def _main(argv: list[str]) -> int:
    if argv[1:] == ["--regenerate"]:
        path = str(resources.files("gopy").joinpath(_TABLES_FILE))
        regenerate(path)
        print(f"wrote {path}")
        return 0
    if len(argv) == 2:
        with open(argv[1], encoding="utf-8") as f:
            print(parse_tree(f.read()).pretty())
        return 0
    print("usage: python -m gopy._parse --regenerate | FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
