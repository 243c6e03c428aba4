"""``gopy fmt``'s engine: black's style for ``.gopy`` source, never changing its meaning.

gopy source is made of Python tokens, so Python's own ``tokenize`` reads it.
Each gopy construct is rewritten, token by token, into Python of the same
width and shape: a send ``ch <- v`` becomes ``ch @= v``, a short declaration
``x := e`` becomes ``x @= e``, a receive ``<-ch`` becomes ``~~ch`` (the
precedence of unary minus, as gopy's ``<-``), ``go f(x)`` becomes
``go.f(x)``, ``select:``/``case h:``/``default:`` become ``if`` statements,
``for v := range x`` becomes ``for v, rnge in x``. Black formats that, and
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
import functools
import tokenize

import black

from gopy._fmt_placeholders import FormatError, Mark, Offsets, Rewriter, match_bracket, tokens

__all__ = ["FormatError", "format_source"]

_OPENS, _CLOSES = "([{", ")]}"
_STATEMENT_BREAKS = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
# The token strings that placeholders are made of: only tokens black never
# adds or removes (it adds and removes parentheses and commas).
_MARKED = frozenset({"@=", "~", "go", "defer", "if", "rnge", "select"})


def _statement_bounds(toks: list[tokenize.TokenInfo], k: int) -> tuple[int, int]:
    """The first and last token of the simple statement holding ``toks[k]``."""
    first = k
    while first > 0:
        prev = toks[first - 1]
        if prev.type in _STATEMENT_BREAKS or prev.string == ";":
            break
        first = match_bracket(toks, first - 1, -1) if prev.string in _CLOSES else first - 1
        if first is None:
            raise FormatError("unbalanced brackets; please report")
    last = k
    while last + 1 < len(toks):
        nxt = toks[last + 1]
        if nxt.type in _STATEMENT_BREAKS or nxt.string == ";":
            break
        last = match_bracket(toks, last + 1, 1) if nxt.string in _OPENS else last + 1
        if last is None:
            raise FormatError("unbalanced brackets; please report")
    return first, last


def _restore(python: str, formatted: str, marks: dict[int, Mark], opaque: dict[str, str]) -> str:
    """Black's output with each placeholder token written back as gopy."""
    offset = Offsets(python)
    queues: dict[str, list[Mark | None]] = {s: [] for s in _MARKED}
    found = 0
    for tok in tokens(python):
        if tok.string in _MARKED and tok.type in (tokenize.OP, tokenize.NAME):
            mark = marks.get(offset(tok.start))
            found += mark is not None
            queues[tok.string].append(mark)
    if found != len(marks):
        raise FormatError("a gopy construct was not found again; please report")
    at = Offsets(formatted)
    toks = [t for t in tokens(formatted) if t.type not in (tokenize.COMMENT, tokenize.NL)]
    edits = []
    for k, tok in enumerate(toks):
        if tok.type == tokenize.STRING and tok.string in opaque:
            edits.append((at(tok.start), at(tok.end), opaque.pop(tok.string)))
            continue
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
            last = toks[match_bracket(toks, k + 1, 1)]
        if mark.range_in and toks[k - 1].string == "(":  # `for (go) in x`
            first, last = toks[k - 1], toks[k + 2]
        if mark.text == "range" and toks[toks.index(last) + 1].string == "[":
            # black took `for range ([a]):` out of its parentheses, but
            # `for range[a]` is Python (a subscript target): put them back.
            i = toks.index(last) + 1
            while toks[i].string != ":":
                i = match_bracket(toks, i, 1) + 1 if toks[i].string in _OPENS else i + 1
            edits.append((at(toks[toks.index(last) + 1].start),) * 2 + ("(",))
            edits.append((at(toks[i - 1].end),) * 2 + (")",))
        if "\n" in text:  # a multi-line case header: indent it as its line
            text = text.replace("\n", "\n" + formatted[at((tok.start[0], 0)) : at(tok.start)])
        if mark.wrap_value and toks[k - 1].string != "(":
            end = toks[_statement_bounds(toks, k)[1]].end
            text = "(" + text
            edits.append((at(end), at(end), ")"))
        if mark.unwrap_value and toks[k - 1].string == "(" and toks[k - 2].string in ("=", "@="):
            close = match_bracket(toks, k - 1, 1)
            if close is not None and close == _statement_bounds(toks, k - 1)[1]:
                edits.append((at(toks[k - 2].end), at(tok.start), " "))
                edits.append((at(toks[close - 1].end), at(toks[close].end), ""))
        if mark.unwrap_targets and mark.before and toks[k + 1].string != "in":
            # `for (\n v,\n rnge,\n) in x`: black split the targets; gopy wants names
            close = k + 1 if toks[k + 1].string == ")" else k + 2
            open_ = match_bracket(toks, close, -1)
            names = ", ".join(t.string for t in toks[open_ + 1 : k - 1] if t.string != ",")
            first, last, text = toks[open_], toks[close + 1], names + text
        if mark.unwrap_targets and not mark.before and toks[k - 1].string == ")":
            # `(\n a,\n b,\n) := e`: black split the names of a declaration
            open_ = match_bracket(toks, k - 1, -1)
            if open_ is not None and _statement_bounds(toks, open_)[0] == open_:
                names = ", ".join(t.string for t in toks[open_ + 1 : k - 1] if t.string != ",")
                edits.append((at(toks[open_].start), at(toks[k - 1].end), names))
        if mark.wrap_target:
            begin = _statement_bounds(toks, k - 1)[0]
            if not (toks[begin].string == "(" and match_bracket(toks, begin, 1) == k - 1):
                edits.append((at(toks[begin].start), at(toks[begin].start), "("))
                edits.append((at(toks[k - 1].end), at(toks[k - 1].end), ")"))
        edits.append((at(first.start), at(last.end), text))
    if opaque:
        raise FormatError("an f-string was not found again; please report")
    out, end = [], 0
    for begin, stop, text in sorted(edits, key=lambda e: e[:2]):
        out += [formatted[end:begin], text]
        end = stop
    out.append(formatted[end:])
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _format_header(text: str, string_normalization: bool, preview: bool) -> str:
    mode = black.Mode(
        line_length=10**6,
        string_normalization=string_normalization,
        magic_trailing_comma=False,
        preview=preview,
    )
    return _format(text + "\n", mode).strip()


def _format(source: str, mode: black.Mode) -> str:
    header = functools.partial(
        _format_header, string_normalization=mode.string_normalization, preview=mode.preview
    )
    rewriter = Rewriter(source, header)
    python, marks = rewriter.rewrite()
    try:
        formatted = black.format_str(python, mode=mode)
    except black.InvalidInput as exc:
        raise FormatError(f"cannot parse: {exc}") from None
    return _restore(python, formatted, marks, rewriter.opaque)


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
    return [t.string.lstrip("#").strip() for t in tokens(source) if t.type == tokenize.COMMENT]


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
