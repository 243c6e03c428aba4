"""A Pygments lexer for ``.gopy``: Python's lexer plus gopy's operators and soft keywords.

Registered through the ``pygments.lexers`` entry point (name ``gopy``, files
``*.gopy``), so ``pygmentize -l gopy``, Sphinx and IPython find it once gopy
is installed. Only Pygments imports this module; ``import gopy`` never does.

``<-`` is one operator token, as in gopy's tokenizer. ``go``, ``defer``,
``select``, ``case``, ``default`` and ``range`` become keywords only where
they start a gopy statement, by the rules of docs/language.md section 2
(``go = 1`` and ``obj.go()`` stay names); ``chan``, ``close`` and ``cap``, the
prelude, are builtins.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Iterator

from pygments.lexers.python import PythonLexer
from pygments.token import Keyword, Name, Operator, _TokenType

__all__ = ["GopyLexer", "gopy_keyword_offsets"]

PRELUDE = frozenset({"chan", "close", "cap"})
_OPENS, _CLOSES = "([{", ")]}"
_OPERAND_KEYWORDS = frozenset({"lambda", "await", "None", "True", "False"})


def _python_tokens(text: str) -> list[tokenize.TokenInfo]:
    """Python's tokens of ``text``, as far as it tokenizes (a snippet may be cut short)."""
    found: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            found.append(tok)
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _starts_operand(tok: tokenize.TokenInfo | None) -> bool:
    if tok is None:
        return False
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in _OPERAND_KEYWORDS
    if tok.type in (tokenize.NUMBER, tokenize.STRING):
        return True
    return tok.string in ("{", "~", "...") or tokenize.tok_name[tok.type] == "FSTRING_START"


def _lines(toks: list[tokenize.TokenInfo]) -> Iterator[tuple[list[tokenize.TokenInfo], int]]:
    """Each logical line's significant tokens, with the indentation change before it."""
    line: list[tokenize.TokenInfo] = []
    change = 0
    for tok in toks:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
            continue
        if tok.type == tokenize.INDENT:
            change += 1
        elif tok.type == tokenize.DEDENT:
            change -= 1
        elif tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if line:
                yield line, change
            line, change = [], 0
        else:
            line.append(tok)
    if line:
        yield line, change


def gopy_keyword_offsets(text: str) -> set[tuple[int, int]]:
    """The (row, column) of every soft keyword of ``text`` that starts a gopy construct."""
    found: set[tuple[int, int]] = set()
    blocks: list[bool] = []  # per indented block: is it a select's?
    opens_select = False
    for toks, change in _lines(_python_tokens(text)):
        for _ in range(change):
            blocks.append(opens_select)
        for _ in range(-change):
            if blocks:
                blocks.pop()
        in_select = bool(blocks) and blocks[-1]
        opens_select = False
        first = toks[0].string
        nxt = toks[1].string if len(toks) > 1 else ""
        if first == "select" and nxt == ":" and (len(toks) == 2 or toks[2].string == "pass"):
            found.add(toks[0].start)
            opens_select = len(toks) == 2
        elif in_select and (first == "case" or (first == "default" and nxt == ":")):
            found.add(toks[0].start)
        if first == "for" or [t.string for t in toks[:2]] == ["async", "for"]:
            _range_keyword(toks, found)
        depth, start = 0, 0
        for j, tok in enumerate(toks):
            if j == start and depth == 0 and tok.string in ("go", "defer"):
                if _starts_operand(toks[j + 1] if j + 1 < len(toks) else None):
                    found.add(tok.start)
            if tok.type == tokenize.OP:
                if tok.string in _OPENS:
                    depth += 1
                elif tok.string in _CLOSES:
                    depth -= 1
                elif tok.string in (";", ":") and depth == 0:
                    start = j + 1
    return found


def _range_keyword(toks: list[tokenize.TokenInfo], found: set[tuple[int, int]]) -> None:
    depth = 0
    for k, tok in enumerate(toks):
        if tok.string in _OPENS:
            depth += 1
        elif tok.string in _CLOSES:
            depth -= 1
        elif depth == 0 and tok.string == ":":
            return
        elif tok.string == "range" and k > 0 and tok.type == tokenize.NAME:
            prev = toks[k - 1].string
            after = toks[k + 1].string if k + 1 < len(toks) else ""
            if (prev == "for" and after not in ("in", ",", ".", "[", "")) or (
                prev == ":=" and depth == 0
            ):
                found.add(tok.start)
            return


class GopyLexer(PythonLexer):
    """Python's lexer, plus gopy's ``<-``, soft keywords and prelude."""

    name = "gopy"
    aliases = ["gopy"]
    filenames = ["*.gopy"]
    mimetypes = ["text/x-gopy"]

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        line_starts = [0]
        for line in text.splitlines(keepends=True):
            line_starts.append(line_starts[-1] + len(line))
        keywords = {line_starts[row - 1] + col for row, col in gopy_keyword_offsets(text)}
        pending: tuple[int, _TokenType, str] | None = None  # a '<' that may start '<-'
        previous = ""
        for index, token, value in super().get_tokens_unprocessed(text):
            if pending is not None:
                if value == "-" and index == pending[0] + 1:
                    yield pending[0], Operator, "<-"
                    pending = None
                    previous = "<-"
                    continue
                yield pending
                pending = None
            if value == "<" and token in Operator:
                pending = (index, token, value)
                continue
            if index in keywords:
                token = Keyword
            elif value in PRELUDE and token is Name and previous != ".":
                token = Name.Builtin
            if value.strip():
                previous = value
            yield index, token, value
        if pending is not None:
            yield pending
