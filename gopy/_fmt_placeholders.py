"""gopy source to Python placeholders that black can format, token by token.

Each gopy construct becomes Python of the same width and shape (see
``gopy._formatter``); every token that stands for gopy gets a :class:`_Mark`
saying how to write it back. The marks are keyed by offset in the Python text.
"""

from __future__ import annotations

import functools
import io
import keyword
import tokenize
from dataclasses import dataclass
from typing import Callable

__all__ = ["FormatError", "Mark", "Offsets", "Rewriter", "tokens", "match_bracket"]

_OPENS, _CLOSES = "([{", ")]}"
# gopy's rule for `go`/`defer` (docs/language.md, section 2): a soft keyword
# when followed by a name, number, string or one of these.
_OPERAND_KEYWORDS = frozenset({"lambda", "await", "None", "True", "False"})
_OPERAND_OPS = frozenset({"{", "~", "..."})
_ENDS_OPERAND_KEYWORDS = frozenset({"None", "True", "False"})


class FormatError(Exception):
    """The source cannot be formatted (a syntax error, or the result would mean something else)."""


@dataclass(frozen=True)
class _Mark:
    """Where a placeholder token stands: replace it (and ``before``/``after`` tokens) by ``text``."""

    text: str
    before: int = 0
    after: int = 0
    # Black drops parentheses that are redundant in Python but not in gopy:
    # `(a if c else b) <- v` (the target of a send) and `a, b = (<-ch)`
    # (unpacking, not comma-ok). These put them back.
    wrap_target: bool = False
    wrap_value: bool = False
    # `for range x` as `for go in x`: black may parenthesize a long target.
    range_in: bool = False
    # `v, ok = <-ch` is comma-ok; black may wrap a long right side in
    # parentheses, which would make it unpacking: they are taken out again.
    unwrap_value: bool = False
    # ... and the names before `:=` in a `for` header may not be parenthesized.
    unwrap_targets: bool = False
    # `if select:` (and case, default): black may wrap the condition of a
    # long line (a long comment) in parentheses.
    header: bool = False


@functools.lru_cache(maxsize=8)  # each text is read several times (rewrite, check)
def _tokens(source: str) -> tuple[tokenize.TokenInfo, ...]:
    try:
        return tuple(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise FormatError(f"cannot tokenize: {exc}") from None


def _logical_lines(tokens: list[tokenize.TokenInfo]):
    """Yield (the significant tokens of one logical line, the INDENT/DEDENT tokens before it)."""
    line: list[tokenize.TokenInfo] = []
    blocks: list[tokenize.TokenInfo] = []
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
            continue
        if tok.type in (tokenize.INDENT, tokenize.DEDENT):
            blocks.append(tok)
        elif tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if line:
                yield line, blocks
                line, blocks = [], []
        else:
            line.append(tok)
    if line:
        yield line, blocks


def _type_name(tok: tokenize.TokenInfo) -> str:
    return tokenize.tok_name.get(tok.type, "")


def _is_name(tok: tokenize.TokenInfo) -> bool:
    return tok.type == tokenize.NAME and not keyword.iskeyword(tok.string)


def _starts_operand(tok: tokenize.TokenInfo | None) -> bool:
    if tok is None:
        return False
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in _OPERAND_KEYWORDS
    if tok.type in (tokenize.NUMBER, tokenize.STRING) or _type_name(tok) == "FSTRING_START":
        return True
    return tok.type == tokenize.OP and tok.string in _OPERAND_OPS


def _ends_operand(tok: tokenize.TokenInfo) -> bool:
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in _ENDS_OPERAND_KEYWORDS
    if tok.type in (tokenize.NUMBER, tokenize.STRING) or _type_name(tok) == "FSTRING_END":
        return True
    return tok.type == tokenize.OP and tok.string in (")", "]", "}", "...")


def _is_arrow(toks: list[tokenize.TokenInfo], i: int) -> bool:
    """Whether ``toks[i:i+2]`` is gopy's one token ``<-``."""
    return (
        toks[i].string == "<"
        and i + 1 < len(toks)
        and toks[i + 1].string == "-"
        and toks[i].end == toks[i + 1].start
    )


def _match(toks: list[tokenize.TokenInfo], i: int, step: int) -> int | None:
    """The index of the bracket matching ``toks[i]``, searching in direction ``step``."""
    depth = 0
    while 0 <= i < len(toks):
        s = toks[i].string
        if toks[i].type == tokenize.OP and s in _OPENS + _CLOSES:
            depth += 1 if (s in _OPENS) == (step > 0) else -1
            if depth == 0:
                return i
        i += step
    return None


def _primary_to_end(toks: list[tokenize.TokenInfo], i: int) -> bool:
    """Whether ``toks[i:]`` up to the statement's end is one primary (``<-`` operands included)."""
    while i + 1 < len(toks) and _is_arrow(toks, i):
        i += 2
    if i >= len(toks):
        return False
    if toks[i].string in _OPENS:
        i = _match(toks, i, 1)
    elif toks[i].type not in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING):
        return False
    while i is not None and i + 1 < len(toks) and toks[i + 1].string != ";":
        nxt = toks[i + 1].string
        if nxt == "." and i + 2 < len(toks):
            i += 2
        elif nxt in ("(", "["):
            i = _match(toks, i + 1, 1)
        elif toks[i + 1].type == tokenize.STRING and toks[i].type == tokenize.STRING:
            i += 1  # implicit concatenation
        else:
            return False
    return i is not None


def _top_colon(toks: list[tokenize.TokenInfo], i: int) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        s = toks[j].string
        if toks[j].type != tokenize.OP:
            continue
        if s in _OPENS:
            depth += 1
        elif s in _CLOSES:
            depth -= 1
        elif s == ":" and depth == 0:
            return j
    return None


class _Offsets:
    """(row, col) token positions to offsets in one text."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def __call__(self, pos: tuple[int, int]) -> int:
        return self.starts[pos[0] - 1] + pos[1]


class _Rewriter:
    """Rewrites one source's gopy constructs into Python placeholders."""

    def __init__(self, source: str, format_header: Callable[[str], str]) -> None:
        self.source = source
        self.format_header = format_header
        self.offset = _Offsets(source)
        # (begin, end, replacement, marks at offsets within the replacement)
        self.edits: list[tuple[int, int, str, dict[int, _Mark]]] = []
        # Placeholder string literal -> the f-string it stands for (see _fstrings).
        self.opaque: dict[str, str] = {}

    def edit(
        self,
        first: tokenize.TokenInfo,
        end: tuple[int, int],
        text: str,
        mark: _Mark,
        at: int = 0,
    ) -> None:
        self.edits.append((self.offset(first.start), self.offset(end), text, {at: mark}))

    def rewrite(self) -> tuple[str, dict[int, _Mark]]:
        """The Python text, and the placeholder tokens in it by offset."""
        blocks: list[str | None] = []
        opened: str | None = None
        for line, indents in _logical_lines(_tokens(self.source)):
            for tok in indents:
                if tok.type == tokenize.INDENT:
                    blocks.append(opened)
                elif blocks:
                    blocks.pop()
            opened = self.line(line, blocks[-1] if blocks else None)
        self.fstrings()
        out: list[str] = []
        marks: dict[int, _Mark] = {}
        at = length = 0
        for begin, end, text, text_marks in sorted(self.edits, key=lambda e: e[:2]):
            if begin < at:
                raise FormatError("overlapping gopy constructs; please report")
            out.append(self.source[at:begin])
            length += begin - at
            marks.update({length + k: mark for k, mark in text_marks.items()})
            out.append(text)
            length += len(text)
            at = end
        out.append(self.source[at:])
        return "".join(out), marks

    def fstrings(self) -> None:
        """Hide f-strings that hold gopy syntax from black, which parses their fields.

        Before Python 3.12 ``tokenize`` gives an f-string as one token, so a
        ``<-`` in a replacement field cannot be rewritten like the rest: the
        whole literal becomes a plain string of the same width (black leaves
        its text alone) and is written back as it was.
        """
        taken = [(begin, end) for begin, end, _, _ in self.edits]
        for tok in _tokens(self.source):
            if tok.type != tokenize.STRING or "<-" not in tok.string:
                continue
            if any(b <= self.offset(tok.start) < e for b, e in taken):
                continue  # inside a select case's header, formatted on its own
            prefix = tok.string[: len(tok.string) - len(tok.string.lstrip("bBfFrRuU"))]
            if "f" not in prefix.lower():
                continue
            if "\n" in tok.string:
                raise FormatError("gopy fmt cannot yet format a multi-line f-string holding '<-'")
            n = len(self.opaque)
            body = f"~{n}~".ljust(len(tok.string) - 2, "~")
            if len(body) > len(tok.string) - 2:
                raise FormatError("an f-string holding '<-' too short for gopy fmt; please report")
            self.opaque['"' + body + '"'] = tok.string
            self.edits.append((self.offset(tok.start), self.offset(tok.end), '"' + body + '"', {}))

    def line(self, toks: list[tokenize.TokenInfo], block: str | None) -> str | None:
        """Rewrite one logical line; 'select' if its header opens a select block."""
        first = toks[0].string
        nxt = toks[1].string if len(toks) > 1 else ""
        if block == "select" and first == "case":
            colon = _top_colon(toks, 1)
            if colon is not None and colon > 1:
                header = self.header(toks[1:colon])
                self.edit(
                    toks[0],
                    toks[colon - 1].end,
                    "if case",
                    _Mark("case " + header, 0, 1, header=True),
                )
                self.statements(toks, colon + 1)
                return None
        if block == "select" and first == "default" and nxt == ":":
            self.edit(toks[0], toks[0].end, "if default", _Mark("default", 0, 1, header=True))
            self.statements(toks, 2)
            return None
        if first == "select" and nxt == ":":
            if len(toks) == 2:
                self.edit(toks[0], toks[0].end, "if select", _Mark("select", 0, 1, header=True))
                return "select"
            if len(toks) == 3 and toks[2].string == "pass":
                # `select: pass` must stay on one line (a select block holds only arms).
                self.edit(toks[0], toks[2].end, "select.pass_", _Mark("select: pass", 0, 2))
                return None
        self.statements(toks, 0)
        return None

    def header(self, toks: list[tokenize.TokenInfo]) -> str:
        """A select case's header, formatted on its own as the statement it is."""
        text = self.source[self.offset(toks[0].start) : self.offset(toks[-1].end)]
        return self.format_header(text.strip())

    def statements(self, toks: list[tokenize.TokenInfo], i: int) -> None:
        """Rewrite the simple statements of ``toks[i:]``, the tail of one logical line."""
        keyword_at = -1  # a `range` that is gopy's keyword ends no operand
        if toks[0].string == "for" or [t.string for t in toks[:2]] == ["async", "for"]:
            keyword_at = self.range_for(toks)
        depth, start, j = 0, i, i
        while j < len(toks):
            tok = toks[j]
            if j == start and depth == 0:
                self.statement_start(toks, j)
            if tok.type == tokenize.OP:
                s = tok.string
                if s in _OPENS:
                    depth += 1
                elif s in _CLOSES:
                    depth -= 1
                elif s in (";", ":") and depth == 0:
                    # As in gopy's tokenizer: a statement may start here.
                    start = j + 1
                elif _is_arrow(toks, j):
                    if j != start and j - 1 != keyword_at and _ends_operand(toks[j - 1]):
                        if depth == 0:  # a send; elsewhere gopy rejects it
                            wrap = toks[start].string == "(" and _match(toks, start, 1) == j - 1
                            self.edit(tok, toks[j + 1].end, "@=", _Mark("<-", wrap_target=wrap))
                    else:  # a receive
                        close = _match(toks, j - 1, 1) if toks[j - 1].string == "(" else None
                        wrap = (
                            close is not None
                            and j >= 2
                            and toks[j - 2].string in ("=", ":=")
                            and (close == len(toks) - 1 or toks[close + 1].string == ";")
                        )
                        bare = (
                            depth == 0
                            and j > 0
                            and toks[j - 1].string in ("=", ":=")
                            and _primary_to_end(toks, j + 2)
                        )
                        mark = _Mark("<-", 0, 1, wrap_value=wrap, unwrap_value=bare)
                        self.edit(tok, toks[j + 1].end, "~~", mark)
                    j += 1
            j += 1

    def statement_start(self, toks: list[tokenize.TokenInfo], j: int) -> None:
        tok = toks[j]
        nxt = toks[j + 1] if j + 1 < len(toks) else None
        if tok.string in ("go", "defer") and nxt is not None and _starts_operand(nxt):
            if _is_name(nxt):  # `go.f(x)`: as wide as `go f(x)`
                self.edit(tok, nxt.start, tok.string + ".", _Mark(tok.string + " ", 0, 1))
            else:
                self.edit(tok, nxt.start, tok.string + " * ", _Mark(tok.string, 0, 1))
            return
        # A short declaration: names, then ':=' (a walrus needs brackets here).
        k = j
        while k + 1 < len(toks) and _is_name(toks[k]):
            s = toks[k + 1].string
            if s == ":=":
                self.edit(toks[k + 1], toks[k + 1].end, "@=", _Mark(":=", unwrap_targets=True))
                return
            if s != ",":
                return
            k += 2

    def range_for(self, toks: list[tokenize.TokenInfo]) -> int:
        """``for a, b := range x:`` and ``for range x:``, by gopy's tokenizer's rules.

        Returns the index of the keyword ``range`` (-1 if there is none).
        """
        depth = 0
        for k, tok in enumerate(toks):
            s = tok.string
            if tok.type == tokenize.OP and s in _OPENS:
                depth += 1
            elif tok.type == tokenize.OP and s in _CLOSES:
                depth -= 1
            elif depth == 0 and s == ":":
                return -1
            elif s != "range" or tok.type != tokenize.NAME or k == 0:
                continue
            elif toks[k - 1].string == "for":
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                if nxt is not None and nxt.string not in ("in", ",", ".", "["):
                    # `for range x` as `for go in x`: as wide, a target and `in`
                    self.edit(tok, nxt.start, "go in ", _Mark("range", 0, 1, range_in=True))
                    return k
                return -1
            elif toks[k - 1].string == ":=" and depth == 0 and k + 1 < len(toks):
                # `v := range x` as `v, rnge in x`: as wide, and `x` stays whole
                mark = _Mark(" := range", 1, 1, unwrap_targets=True)
                self.edit(toks[k - 1], tok.end, ", rnge in", mark, at=2)
                return k
        return -1


Mark, Offsets, Rewriter, tokens, match_bracket = _Mark, _Offsets, _Rewriter, _tokens, _match
