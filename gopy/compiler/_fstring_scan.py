"""Where an f-string (or t-string) ends, and the ``<-`` in its replacement fields.

Python 3.12 (PEP 701) lets a replacement field hold any expression: strings
with the same quotes, nested f-strings, line breaks (also in a single-quoted
f-string) and comments. ``scan_fstring`` walks such a literal as CPython's
tokenizer does, and is also used on 3.11's simpler f-strings to find the
receives (``<-``) of the replacement fields.
"""

from __future__ import annotations

__all__ = ["scan_fstring", "receive_arrows", "Unterminated"]


class Unterminated(Exception):
    """The literal does not end (the caller asks CPython for its exact error)."""


def _prefix_len(text: str, i: int) -> int:
    q = i
    while text[q] not in "'\"":
        q += 1
    return q - i


def _skip_plain(text: str, i: int, limit: int) -> int:
    """The index after the (non-f) string literal whose prefix starts at ``text[i]``."""
    q = i + _prefix_len(text, i)
    raw = "r" in text[i:q].lower()
    quote = text[q] * 3 if text.startswith(text[q] * 3, q) else text[q]
    j = q + len(quote)
    while j < limit:
        c = text[j]
        if c == "\\" and not raw:
            j += 2
            continue
        if c == "\\":  # a raw string still can't end at an escaped quote
            j += 2
            continue
        if text.startswith(quote, j):
            return j + len(quote)
        if c == "\n" and len(quote) == 1:
            raise Unterminated
        j += 1
    raise Unterminated


def scan_fstring(text: str, i: int, limit: int | None = None, arrows: list | None = None) -> int:
    """The index after the f-string whose prefix starts at ``text[i]``.

    Appends to ``arrows`` the index of each ``<-`` of its replacement fields
    (nested f-strings included). Raises ``Unterminated`` if it does not end.
    """
    if limit is None:
        limit = len(text)
    q = i + _prefix_len(text, i)
    raw = "r" in text[i:q].lower()
    quote = text[q] * 3 if text.startswith(text[q] * 3, q) else text[q]
    triple = len(quote) == 3
    j = q + len(quote)
    # a stack of open replacement fields: [mode, bracket depth]; mode is
    # "expr", "conv" (after '!') or "spec" (after ':', where '{' opens a field)
    fields: list[list] = []
    while j < limit:
        c = text[j]
        mode = fields[-1][0] if fields else "lit"
        if mode == "expr":
            field = fields[-1]
            if c in "'\"" or (c.isalpha() and _starts_string(text, j)):
                if c not in "'\"" and _is_fprefix(text, j):
                    j = scan_fstring(text, j, limit, arrows)
                else:
                    j = _skip_plain(text, j, limit)
                continue
            if c == "#":
                nl = text.find("\n", j)
                if nl < 0 or nl >= limit:
                    raise Unterminated
                j = nl
                continue
            if c.isalnum() or c == "_":  # a name or number: skip it whole
                k = j + 1
                while k < limit and (text[k].isalnum() or text[k] == "_"):
                    k += 1
                j = k
                continue
            if text.startswith("<<", j):
                j += 2
                continue
            if text.startswith("<-", j):
                if arrows is not None:
                    arrows.append(j)
                j += 2
                continue
            if c in "([{":
                field[1] += 1
            elif c in ")]}":
                if field[1]:
                    field[1] -= 1
                elif c == "}":
                    fields.pop()
            elif field[1] == 0 and c == "!" and not text.startswith("!=", j):
                field[0] = "conv"
            elif field[1] == 0 and c == ":":
                field[0] = "spec"
            j += 1
            continue
        # literal text: the string's own, or a format spec
        if c == "\\" and not raw:
            if text.startswith("N{", j + 1):
                end = text.find("}", j)
                j = limit if end < 0 else end + 1
            else:
                j += 2
            continue
        if c == "\\":
            j += 2
            continue
        if text.startswith(quote, j) and mode == "lit":
            return j + len(quote)
        if text.startswith(quote, j) and not triple:
            raise Unterminated  # a format spec ended by the closing quote
        if c == "\n" and not triple:
            raise Unterminated
        if c == "{":
            if mode == "lit" and text.startswith("{{", j):
                j += 2
                continue
            fields.append(["expr", 0])
        elif c == "}":
            if mode == "lit":
                j += 2 if text.startswith("}}", j) else 1
                continue
            fields.pop()
        elif mode == "conv" and c == ":":
            fields[-1][0] = "spec"
        j += 1
    raise Unterminated


def _starts_string(text: str, j: int) -> bool:
    """Whether ``text[j]`` (a letter) is a string prefix directly followed by a quote."""
    if j and (text[j - 1].isalnum() or text[j - 1] == "_"):
        return False
    k = j
    while k < len(text) and k - j < 3 and text[k] in "rRbBfFuUtT":
        k += 1
    return k > j and k < len(text) and text[k] in "'\""


def _is_fprefix(text: str, j: int) -> bool:
    k = j + _prefix_len(text, j)
    prefix = text[j:k].lower()
    return "f" in prefix or "t" in prefix


def receive_arrows(value: str) -> list[int]:
    """Offsets in an f-string token's text of the ``<-`` operators in its replacement fields."""
    q = _prefix_len(value, 0)
    prefix = value[:q].lower()
    if "f" not in prefix and "t" not in prefix:
        return []
    arrows: list[int] = []
    try:
        scan_fstring(value, 0, len(value), arrows)
    except Unterminated:
        pass
    return arrows
