"""``gopy fmt``'s engine: black's style for ``.gopy`` source, never changing its meaning.

gopy source is made of Python tokens, so Python's own ``tokenize`` reads it.
Each gopy construct is rewritten, token by token, into Python of the same
width and shape: a send ``ch <- v`` becomes ``ch @= v``, a short declaration
``x := e`` becomes ``x @= e``, a receive ``<-ch`` becomes ``~~ch`` (the
precedence of unary minus, as gopy's ``<-``), ``go f(x)`` becomes
``go.f(x)``, ``select:``/``case h:``/``default:`` become ``if`` statements,
``for v := range x`` becomes ``for v, range in x``. Black formats that, and
the tokens that stand for gopy constructs are found again by their position
among the tokens of the same text (black reorders no token, so the k-th
``@=`` of its output is the k-th ``@=`` given to it) and written in gopy's one
canonical spelling. The result is accepted only if ``gopy.parse`` gives the
same tree (positions aside), every comment is kept and a second run changes
nothing; otherwise :class:`FormatError` is raised and the caller leaves the
file alone.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import dataclass

import black

__all__ = ["FormatError", "format_source", "same_tree"]

_OPENS, _CLOSES = "([{", ")]}"
# gopy's rule for `go`/`defer` (docs/language.md, section 2): a soft keyword
# when followed by a name, number, string or one of these.
_OPERAND_KEYWORDS = frozenset({"lambda", "await", "None", "True", "False"})
_OPERAND_OPS = frozenset({"{", "~", "..."})
_ENDS_OPERAND_KEYWORDS = frozenset({"None", "True", "False"})
_STATEMENT_BREAKS = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
# The token strings that placeholders are made of: only tokens black never
# adds or removes (it adds and removes parentheses and commas).
_MARKED = frozenset({"@=", "~", "go", "defer", "if", "rnge", "select"})


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
    # `for v := range x`: black may wrap the iterable in parentheses, and
    # `range` must then come before them.
    range_in: bool = False
    # `v, ok = <-ch` is comma-ok; black may wrap a long right side in
    # parentheses, which would make it unpacking: they are taken out again.
    unwrap_value: bool = False
    # ... and the names before `:=` in a `for` header may not be parenthesized.
    unwrap_targets: bool = False
    # `if select:` (and case, default): black may wrap the condition of a
    # long line (a long comment) in parentheses.
    header: bool = False


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(source).readline))
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

    def __init__(self, source: str, mode: black.Mode) -> None:
        self.source = source
        self.mode = mode
        self.offset = _Offsets(source)
        # (begin, end, replacement, marks at offsets within the replacement)
        self.edits: list[tuple[int, int, str, dict[int, _Mark]]] = []

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
        mode = black.Mode(
            line_length=10**6,
            string_normalization=self.mode.string_normalization,
            magic_trailing_comma=False,
            preview=self.mode.preview,
        )
        return _format(text.strip() + "\n", mode).strip()

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
                        bare = depth == 0 and j > 0 and toks[j - 1].string in ("=", ":=")
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


def _statement_bounds(toks: list[tokenize.TokenInfo], k: int) -> tuple[int, int]:
    """The first and last token of the simple statement holding ``toks[k]``."""
    first = k
    while first > 0:
        prev = toks[first - 1]
        if prev.type in _STATEMENT_BREAKS or prev.string == ";":
            break
        first = _match(toks, first - 1, -1) if prev.string in _CLOSES else first - 1
        if first is None:
            raise FormatError("unbalanced brackets; please report")
    last = k
    while last + 1 < len(toks):
        nxt = toks[last + 1]
        if nxt.type in _STATEMENT_BREAKS or nxt.string == ";":
            break
        last = _match(toks, last + 1, 1) if nxt.string in _OPENS else last + 1
        if last is None:
            raise FormatError("unbalanced brackets; please report")
    return first, last


def _restore(python: str, formatted: str, marks: dict[int, _Mark]) -> str:
    """Black's output with each placeholder token written back as gopy."""
    offset = _Offsets(python)
    queues: dict[str, list[_Mark | None]] = {s: [] for s in _MARKED}
    found = 0
    for tok in _tokens(python):
        if tok.string in _MARKED and tok.type in (tokenize.OP, tokenize.NAME):
            mark = marks.get(offset(tok.start))
            found += mark is not None
            queues[tok.string].append(mark)
    if found != len(marks):
        raise FormatError("a gopy construct was not found again; please report")
    at = _Offsets(formatted)
    toks = [t for t in _tokens(formatted) if t.type not in (tokenize.COMMENT, tokenize.NL)]
    edits = []
    for k, tok in enumerate(toks):
        if tok.string not in _MARKED or tok.type not in (tokenize.OP, tokenize.NAME):
            continue
        if not queues[tok.string]:
            raise FormatError("black changed a token gopy fmt relies on; please report")
        mark = queues[tok.string].pop(0)
        if mark is None:
            continue
        first, last = toks[k - mark.before], toks[k + mark.after]
        text = mark.text
        if mark.header and toks[k + 1].string == "(":
            last = toks[_match(toks, k + 1, 1)]
        if mark.range_in and toks[k - 1].string == "(":  # `for (go) in x`
            first, last = toks[k - 1], toks[k + 2]
        if mark.text == "range" and toks[toks.index(last) + 1].string == "[":
            # black took `for range ([a]):` out of its parentheses, but
            # `for range[a]` is Python (a subscript target): put them back.
            i = toks.index(last) + 1
            while toks[i].string != ":":
                i = _match(toks, i, 1) + 1 if toks[i].string in _OPENS else i + 1
            edits.append((at(toks[toks.index(last) + 1].start),) * 2 + ("(",))
            edits.append((at(toks[i - 1].end),) * 2 + (")",))
        if "\n" in text:  # a multi-line case header: indent it as its line
            text = text.replace("\n", "\n" + formatted[at((tok.start[0], 0)) : at(tok.start)])
        if mark.wrap_value and toks[k - 1].string != "(":
            end = toks[_statement_bounds(toks, k)[1]].end
            text = "(" + text
            edits.append((at(end), at(end), ")"))
        if mark.unwrap_value and toks[k - 1].string == "(" and toks[k - 2].string in ("=", "@="):
            close = _match(toks, k - 1, 1)
            if close is not None and close == _statement_bounds(toks, k - 1)[1]:
                edits.append((at(toks[k - 2].end), at(tok.start), " "))
                edits.append((at(toks[close - 1].end), at(toks[close].end), ""))
        if mark.unwrap_targets and mark.before and toks[k + 1].string != "in":
            # `for (\n v,\n rnge,\n) in x`: black split the targets; gopy wants names
            close = k + 1 if toks[k + 1].string == ")" else k + 2
            open_ = _match(toks, close, -1)
            names = ", ".join(t.string for t in toks[open_ + 1 : k - 1] if t.string != ",")
            first, last, text = toks[open_], toks[close + 1], names + text
        if mark.unwrap_targets and not mark.before and toks[k - 1].string == ")":
            # `(\n a,\n b,\n) := e`: black split the names of a declaration
            open_ = _match(toks, k - 1, -1)
            if open_ is not None and _statement_bounds(toks, open_)[0] == open_:
                names = ", ".join(t.string for t in toks[open_ + 1 : k - 1] if t.string != ",")
                edits.append((at(toks[open_].start), at(toks[k - 1].end), names))
        if mark.wrap_target:
            begin = _statement_bounds(toks, k - 1)[0]
            if not (toks[begin].string == "(" and _match(toks, begin, 1) == k - 1):
                edits.append((at(toks[begin].start), at(toks[begin].start), "("))
                edits.append((at(toks[k - 1].end), at(toks[k - 1].end), ")"))
        edits.append((at(first.start), at(last.end), text))
    out, end = [], 0
    for begin, stop, text in sorted(edits, key=lambda e: e[:2]):
        out += [formatted[end:begin], text]
        end = stop
    out.append(formatted[end:])
    return "".join(out)


def _format(source: str, mode: black.Mode) -> str:
    python, marks = _Rewriter(source, mode).rewrite()
    try:
        formatted = black.format_str(python, mode=mode)
    except black.InvalidInput as exc:
        raise FormatError(f"cannot parse: {exc}") from None
    return _restore(python, formatted, marks)


def _tree(source: str, filename: str) -> str:
    import gopy

    try:
        module = gopy.parse(source, filename, "main")
    except SyntaxError as exc:
        try:  # a module with what only module mode allows (none known today)
            module = gopy.parse(source, filename, "exec")
        except SyntaxError:
            raise FormatError(f"cannot parse: {exc.msg} (line {exc.lineno})") from None
    for node in ast.walk(module):
        # Black re-indents docstrings: compare them as black's own safety check does.
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                node.value.value = "\n".join(
                    line.strip() for line in node.value.value.strip().splitlines()
                )
    return ast.dump(module, include_attributes=False)


def _comments(source: str) -> list[str]:
    return [t.string.lstrip("#").strip() for t in _tokens(source) if t.type == tokenize.COMMENT]


def same_tree(before: str, after: str, filename: str = "<unknown>") -> bool:
    """Whether two sources parse to the same gopy tree, positions aside (as gopy fmt checks)."""
    return _tree(before, filename) == _tree(after, filename)


def format_source(source: str, mode: black.Mode | None = None, filename: str = "<unknown>") -> str:
    """``source`` in black's style with gopy's canonical spellings; FormatError if that fails.

    The result is checked: the same gopy tree (positions aside), the same
    comments, and formatting it again changes nothing.
    """
    mode = mode or black.Mode()
    before = _tree(source, filename)
    if not source.strip():
        return ""
    result = _format(source, mode)
    if result == source:
        return source
    try:
        after = _tree(result, filename)
    except FormatError as exc:
        raise FormatError(f"the formatted code would not parse ({exc}); please report") from None
    if after != before:
        raise FormatError("formatting would change the meaning of the code; please report")
    if _comments(result) != _comments(source):
        raise FormatError("formatting would lose or change a comment; please report")
    if _format(result, mode) != result:
        raise FormatError("formatting is not stable (a second run changes it); please report")
    return result
