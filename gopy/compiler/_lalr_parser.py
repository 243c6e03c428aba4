"""Text to parse: gopy's tokenizer run over the text, then the LALR(1) driver.

The tables come from ``_grammar_tables``. The tokenizer is hand-written
because Python's lexical rules (indentation, soft keywords, f-strings, byte
columns) need lookahead over a whole logical line. The driver calls the
lowering's methods as rules are reduced, so no parse tree is built; a token no
rule allows becomes a ``GopySyntaxError`` with CPython's wording.

Token positions are AST-style: ``lineno``/``end_lineno`` 1-based,
``col_offset``/``end_col_offset`` 0-based UTF-8 byte offsets.
"""

from __future__ import annotations

from typing import Any, Callable

from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._grammar_tables import CALL, IDENTITY, Tables, load_tables
from gopy.compiler._source_text import SourceText
from gopy.compiler._tokenizer import Tok, Tokenizer
from gopy.compiler._versions import PEP701

__all__ = [
    "Tok",
    "CALL",
    "Tables",
    "load_tables",
    "tokenize",
    "UnexpectedToken",
    "run_parser",
    "syntax_error",
    "parse_tree",
]


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
    if prev is not None and prev.type == "STRING" and not PEP701:
        # Python 3.11 parses an f-string when its string group ends, so an error in
        # one (a nested quote ended it early) wins over the token after it.
        fstring_error = _fstring_error(prev.value)
        if fstring_error is not None:
            return at_token(fstring_error)
    if tt in ("CASE", "DEFAULT") and "INDENT" in expected:  # an arm without a body
        return source.error(_expected_block(tokens, index), tok.lineno, tok.col_offset)
    if prev is not None and prev.type == "NAME" and prev.value == "chan":
        if tt == lit["<-"]:
            return at_token(
                "Go's send-only channel type 'chan<- T' is not gopy syntax: annotate it as chan[T]",
                prev,
            )
        if index >= 2 and tokens[index - 2].type == lit["<-"] and tt == "NAME":
            return at_token(
                "Go's receive-only channel type '<-chan T' is not gopy syntax: annotate it as chan[T]",
                tokens[index - 2],
            )
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


def _fstring_error(text: str) -> str | None:
    """The "f-string: ..." error of an f-string token on its own, if it has one."""
    prefix = text[: len(text) - len(text.lstrip("rRbBfFuU"))]
    if "f" not in prefix.lower():
        return None
    import ast

    try:
        ast.parse("(" + text + ")")
    except SyntaxError as exc:
        if exc.msg.startswith("f-string"):
            return exc.msg
    return None


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
