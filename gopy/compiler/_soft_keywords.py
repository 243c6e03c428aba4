"""Soft keywords: which NAME tokens of a logical line are keywords.

The rules are documented at the top of ``grammar/gopy.lark``. The tokenizer
calls ``resolve_line`` once per logical line that has a soft keyword (or a
``with``), with the whole line's tokens in view.
"""

from __future__ import annotations

from gopy.compiler._versions import PEP695, PEP810
from typing import Any

__all__ = ["SOFT_KEYWORDS", "resolve_line"]

SOFT_KEYWORDS = frozenset(
    {"go", "defer", "select", "match", "case", "default", "range"}
    | ({"type"} if PEP695 else set())
    | ({"lazy"} if PEP810 else set())
)


def resolve_line(lit: dict[str, str], toks: list[Any], b: int, block: str | None) -> str | None:
    """Turn the soft keywords of the logical line ``toks[b:]`` into keywords.

    Returns the kind of block ('match' or 'select') the line's header opens.
    """
    colon, semicolon, colonequal = lit[":"], lit[";"], lit[":="]
    t_for, t_with, t_lpar = lit["for"], lit["with"], lit["("]
    opens = (lit["("], lit["["], lit["{"])
    closes = (lit[")"], lit["]"], lit["}"])
    e = len(toks)  # the NEWLINE is appended after this
    tok = toks[b].__class__
    toks.append(tok("NEWLINE", "", 0, 0, 0, 0))  # sentinel lookahead
    toks.append(tok("NEWLINE", "", 0, 0, 0, 0))
    starts_operand = {
        "NAME",
        "NUMBER",
        "STRING",
        lit["lambda"],
        lit["await"],
        lit["None"],
        lit["True"],
        lit["False"],
        lit["{"],
        lit["~"],
        lit["..."],
    }
    opened: str | None = None
    depth = 0
    start = True
    header_done = False
    try:
        for i in range(b, e):
            t = toks[i]
            tt = t.type
            if tt == "NAME" and t.value in SOFT_KEYWORDS:
                v = t.value
                nxt = toks[i + 1]
                if v == "range":
                    prev = toks[i - 1].type if i > b else ""
                    if prev == t_for and nxt.type not in (
                        lit["in"],
                        lit[","],
                        lit["."],
                        lit["["],
                    ):
                        t.type = "RANGE"
                    elif (
                        prev == colonequal
                        and depth == 0
                        and not header_done
                        and t_for in (toks[b].type, toks[b + 1].type)
                    ):
                        t.type = "RANGE"
                elif start and depth == 0:
                    if v == "go" or v == "defer":
                        # a name followed by one of these is not Python
                        if nxt.type in starts_operand:
                            t.type = v.upper()
                    elif v == "type":
                        if nxt.type == "NAME" and toks[i + 2].type in (lit["="], lit["["]):
                            t.type = "TYPE"
                    elif v == "lazy":
                        if nxt.type in (lit["import"], lit["from"]):
                            t.type = "LAZY"
                    elif i != b:
                        pass
                    elif v == "match":
                        if toks[e - 1].type == colon and e - b >= 3 and nxt.type != colon:
                            t.type = "MATCH"
                            opened = "match"
                    elif v == "case":
                        if block in ("match", "select") or (
                            nxt.type in ("NAME", "NUMBER", "STRING", lit["<-"])
                            and _has_top_colon(toks, i + 1, e, colon, opens, closes)
                        ):
                            t.type = "CASE"
                    elif v == "default":
                        if nxt.type == colon and (
                            block == "select" or toks[i + 2].type == "NEWLINE"
                        ):
                            t.type = "DEFAULT"
                    elif v == "select":
                        if nxt.type == colon and toks[i + 2].type in ("NEWLINE", lit["pass"]):
                            t.type = "SELECT"
                            if toks[i + 2].type == "NEWLINE":
                                opened = "select"
            elif tt == t_with and depth == 0 and toks[i + 1].type == t_lpar:
                _with_parens(lit, toks, i + 1, e)
            if tt in opens:
                depth += 1
            elif tt in closes:
                depth -= 1
            start = tt == semicolon or (tt == colon and depth == 0)
            if start:
                header_done = True  # a 'for' header ends at its ':'
    finally:
        del toks[e:]
    return opened


def _has_top_colon(
    toks: list[Any], i: int, e: int, colon: str, opens: tuple, closes: tuple
) -> bool:
    depth = 0
    for j in range(i, e):
        tt = toks[j].type
        if tt in opens:
            depth += 1
        elif tt in closes:
            depth -= 1
        elif tt == colon and depth == 0:
            return True
    return False


def _with_parens(lit: dict[str, str], toks: list[Any], i: int, e: int) -> None:
    """Mark `with (a as b, c):` parentheses that enclose the whole item list."""
    opens = (lit["("], lit["["], lit["{"])
    closes = (lit[")"], lit["]"], lit["}"])
    bad = (lit["for"], lit["yield"], lit["async"], lit[":="])
    depth = 0
    for j in range(i, e):
        tt = toks[j].type
        if tt in opens:
            depth += 1
        elif tt in closes:
            depth -= 1
            if depth == 0:
                if j > i + 1 and toks[j + 1].type == lit[":"]:
                    toks[i].type = "WITH_LPAR"
                    toks[j].type = "WITH_RPAR"
                return
        elif depth == 1 and tt in bad:
            return
        elif depth == 1 and tt == lit["*"] and toks[j - 1].type in (lit["("], lit[","]):
            return
