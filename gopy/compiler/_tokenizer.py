"""gopy's tokenizer: Python 3.11's lexical rules plus ``<-`` and the soft keywords.

It turns a whole source into tokens at once (NEWLINE, INDENT and DEDENT
included), resolving each logical line's soft keywords with the whole line in
view; the rules are documented at the top of ``grammar/gopy.lark``. Positions
are AST-style: ``lineno``/``end_lineno`` 1-based, ``col_offset``/
``end_col_offset`` 0-based UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from typing import Callable

from gopy.compiler._versions import PEP701, PEP750
from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._fstring_scan import Unterminated, scan_fstring
from gopy.compiler._soft_keywords import SOFT_KEYWORDS, resolve_line
from gopy.compiler._source_text import SourceText

__all__ = ["Tok", "Tokenizer", "SOFT_KEYWORDS", "HARD_KEYWORDS"]

HARD_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else "
    "except finally for from global if import in is lambda nonlocal not or pass raise "
    "return try while with yield".split()
)


class Tok:
    """A token: type (a grammar terminal name), text and AST-style position."""

    __slots__ = ("type", "value", "lineno", "col_offset", "end_lineno", "end_col_offset")

    def __init__(
        self, type: str, value: str, lineno: int, col: int, end_lineno: int, end_col: int
    ) -> None:
        self.type = type
        self.value = value
        self.lineno = lineno
        self.col_offset = col
        self.end_lineno = end_lineno
        self.end_col_offset = end_col

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.value!r}, {self.lineno}:{self.col_offset})"


_STRING_PREFIX = (
    r"(?:[rR][bBfFtT]?|[bBfFtT][rR]?|[uU])?" if PEP750 else r"(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?"
)
_STRING_BODY = (
    r"'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'(?!'')[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"(?!"")[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
)
_DIGITS = r"[0-9](?:_?[0-9])*"
_EXPONENT = r"[eE][-+]?" + _DIGITS
_POINTFLOAT = rf"(?:{_DIGITS}\.(?:{_DIGITS})?|\.{_DIGITS})(?:{_EXPONENT})?"
_FLOAT = rf"(?:{_POINTFLOAT}|{_DIGITS}{_EXPONENT})"
_NUMBER = (
    rf"(?:{_DIGITS}[jJ]|{_FLOAT}[jJ]|{_FLOAT}"
    r"|0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+"
    r"|0(?:_?0)*(?![0-9_])|[1-9](?:_?[0-9])*)"
)
_OPERATORS = sorted(
    "<- := ... -> ** // << >> <= >= == != += -= *= /= %= &= |= ^= @= <<= >>= **= //= "
    "( ) [ ] { } : , ; . + - * / % & | ^ ~ < > = @".split(),
    key=len,
    reverse=True,
)
_TOKEN_RE = re.compile(
    r"(?P<ws>[ \t\f]+)"
    r"|(?P<nl>\n)"
    r"|(?P<comment>#[^\n]*)"
    rf"|(?P<string>{_STRING_PREFIX}(?:{_STRING_BODY}))"
    rf"|(?P<badstring>{_STRING_PREFIX}(?:'''|\"\"\"|'|\"))"
    r"|(?P<name>(?:[^\W\d]|[^\x00-\x7f])(?:\w|[^\x00-\x7f])*)"
    rf"|(?P<number>{_NUMBER})"
    r"|(?P<op>" + "|".join(re.escape(op) for op in _OPERATORS) + r")"
    r"|(?P<cont>\\\n)"
)
_INDENT_RE = re.compile(r"[ \t\f]*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}


def _indent_columns(indent: str) -> tuple[int, int]:
    """The column of an indentation (tabs to multiples of 8) and its alternate (tabs as 1)."""
    col = alt = 0
    for ch in indent:
        if ch == " ":
            col += 1
            alt += 1
        elif ch == "\t":
            col = (col // 8 + 1) * 8
            alt += 1
        else:  # form feed resets the column, as in CPython
            col = alt = 0
    return col, alt


class Tokenizer:
    """Python's tokenizer rules plus gopy's soft keywords, for one source text."""

    def __init__(self, source: SourceText, literals: dict[str, str]) -> None:
        self.source = source
        self.text = source.text
        self.literals = literals
        self.keywords = {k: literals[k] for k in HARD_KEYWORDS if k in literals}
        self.all_ascii = self.text.isascii()

    def error(
        self,
        msg: str,
        lineno: int,
        col: int,
        end_lineno: int | None = None,
        end_col: int | None = None,
    ) -> GopySyntaxError:
        return self.source.error(msg, lineno, col, end_lineno, end_col)

    def tokens(self) -> list[Tok]:
        text = self.text
        n = len(text)
        lit = self.literals
        keywords = self.keywords
        all_ascii = self.all_ascii
        match = _TOKEN_RE.match
        toks: list[Tok] = []
        append = toks.append
        pos = 0
        lineno = 1
        line_start = 0
        line_ascii = True
        brackets: list[Tok] = []
        indents = [0]
        alt_indents = [0]
        blocks: list[str | None] = [None]
        pending_block: str | None = None
        line_begin = 0  # index in toks of the current logical line's first token
        soft = False  # the current logical line has a soft keyword or 'with'
        at_bol = True

        # The byte column of the last position asked for on a non-ASCII line, so
        # that a long line costs linear time (tokens are asked for left to right).
        memo = [-1, 0, 0]  # line_start, position, byte column

        def bcol(p: int) -> int:
            if line_ascii:
                return p - line_start
            if memo[0] != line_start or p < memo[1]:
                memo[0] = memo[1] = line_start
                memo[2] = 0
            memo[2] += len(text[memo[1] : p].encode("utf-8"))
            memo[1] = p
            return memo[2]

        try:
            while True:
                if at_bol:
                    at_bol = False
                    if not all_ascii:
                        eol = text.find("\n", pos)
                        line_ascii = text[pos : eol if eol >= 0 else n].isascii()
                    m = _INDENT_RE.match(text, pos)
                    ws_end = m.end()
                    c = text[ws_end : ws_end + 1]
                    indent = m.group()
                    cont_col = 0
                    while c == "\\" and text.startswith("\n", ws_end + 1):
                        # Indentation can't be split with backslashes: as CPython 3.11
                        # does, the column of the first such backslash (unless it is 0)
                        # is the line's indentation; the spaces after it count on.
                        if not cont_col:
                            cont_col = _indent_columns(indent)[0]
                        if ws_end + 2 >= n:
                            raise self.error(
                                "unexpected EOF while parsing", lineno, bcol(ws_end) + 1
                            )
                        lineno += 1
                        line_start = ws_end + 2
                        if not all_ascii:
                            eol = text.find("\n", line_start)
                            line_ascii = text[line_start : eol if eol >= 0 else n].isascii()
                        m = _INDENT_RE.match(text, line_start)
                        ws_end = m.end()
                        c = text[ws_end : ws_end + 1]
                        indent += m.group()
                    if c == "#" or c == "\n" or c == "":
                        # a blank or comment-only line: no NEWLINE, no indentation change
                        eol = text.find("\n", ws_end)
                        if eol < 0:
                            pos = n
                            break
                        pos = eol + 1
                        lineno += 1
                        line_start = pos
                        at_bol = True
                        continue
                    if indent == "":
                        col = alt = 0
                    elif cont_col:
                        col = alt = cont_col
                    else:
                        col, alt = _indent_columns(indent)
                    line_begin = len(toks)
                    here = bcol(ws_end)
                    if col == indents[-1]:
                        if alt != alt_indents[-1]:
                            raise self.error(
                                "inconsistent use of tabs and spaces in indentation", lineno, here
                            )
                        pending_block = None
                    elif col > indents[-1]:
                        if alt <= alt_indents[-1]:
                            raise self.error(
                                "inconsistent use of tabs and spaces in indentation", lineno, here
                            )
                        if len(indents) > 99:  # CPython's tokenizer limit (MAXINDENT)
                            raise self.error("too many levels of indentation", lineno, 0)
                        indents.append(col)
                        alt_indents.append(alt)
                        blocks.append(pending_block)
                        pending_block = None
                        append(Tok("INDENT", "", lineno, 0, lineno, here))
                    else:
                        pending_block = None
                        while col < indents[-1]:
                            indents.pop()
                            alt_indents.pop()
                            blocks.pop()
                            append(Tok("DEDENT", "", lineno, here, lineno, here))
                        if col != indents[-1]:
                            eol = text.find("\n", ws_end)
                            raise self.error(
                                "unindent does not match any outer indentation level",
                                lineno,
                                bcol(eol if eol >= 0 else n),
                            )
                        if alt != alt_indents[-1]:
                            raise self.error(
                                "inconsistent use of tabs and spaces in indentation", lineno, here
                            )
                    line_begin = len(toks)
                    pos = ws_end
                m = match(text, pos)
                if m is None:
                    if pos >= n:
                        break
                    self._bad_char(pos, lineno, line_start, bcol)
                kind = m.lastgroup
                end = m.end()
                if kind == "name":
                    value = m.group()
                    if value in keywords:
                        t = keywords[value]
                        if value == "with":
                            soft = True
                    else:
                        t = "NAME"
                        if value in SOFT_KEYWORDS:
                            soft = True
                        elif not value.isascii():
                            value = self._check_name(value, lineno, bcol(pos))
                    append(Tok(t, value, lineno, bcol(pos), lineno, bcol(end)))
                elif kind == "op":
                    value = m.group()
                    tok = Tok(lit[value], value, lineno, bcol(pos), lineno, bcol(end))
                    append(tok)
                    if value in _OPEN:
                        brackets.append(tok)
                        if len(brackets) > 200:  # CPython's tokenizer limit (MAXLEVEL)
                            raise self.error("too many nested parentheses", lineno, tok.col_offset)
                    elif value in _CLOSE:
                        if not brackets:
                            raise self.error(f"unmatched '{value}'", lineno, tok.col_offset)
                        opener = brackets.pop()
                        if opener.value != _CLOSE[value]:
                            where = "" if opener.lineno == lineno else f" on line {opener.lineno}"
                            raise self.error(
                                f"closing parenthesis '{value}' does not match opening parenthesis '{opener.value}'{where}",
                                lineno,
                                tok.col_offset,
                            )
                elif kind == "ws" or kind == "comment":
                    pass
                elif kind == "nl":
                    if not brackets:
                        if soft:
                            pending_block = resolve_line(lit, toks, line_begin, blocks[-1])
                            soft = False
                        append(Tok("NEWLINE", "\n", lineno, bcol(pos), lineno, bcol(end)))
                        at_bol = True
                    lineno += 1
                    line_start = end
                    if not all_ascii:
                        eol = text.find("\n", end)
                        line_ascii = text[end : eol if eol >= 0 else n].isascii()
                elif kind == "number":
                    append(Tok("NUMBER", m.group(), lineno, bcol(pos), lineno, bcol(end)))
                    if end < n and (text[end].isalnum() or text[end] == "_"):
                        self._bad_number(m.group(), end, lineno, bcol)
                elif kind == "string" or (kind == "badstring" and PEP701):
                    if PEP701 and _formatted(text, pos):
                        end = self._fstring_end(pos, lineno, line_start, bcol)
                    elif kind == "badstring":
                        self._bad_string(m.group(), pos, lineno, bcol)
                    value = text[pos:end]
                    col = bcol(pos)
                    start_line = lineno
                    nls = value.count("\n")
                    if nls:
                        lineno += nls
                        line_start = text.rfind("\n", pos, end) + 1
                        if not all_ascii:
                            eol = text.find("\n", end)
                            line_ascii = text[line_start : eol if eol >= 0 else n].isascii()
                    append(Tok("STRING", value, start_line, col, lineno, bcol(end)))
                elif kind == "cont":
                    if end >= n and not brackets:  # (an open bracket is reported instead)
                        raise self.error("unexpected EOF while parsing", lineno, bcol(pos) + 1)
                    lineno += 1
                    line_start = end
                    if not all_ascii:
                        eol = text.find("\n", end)
                        line_ascii = text[end : eol if eol >= 0 else n].isascii()
                elif kind == "badstring":
                    self._bad_string(m.group(), pos, lineno, bcol)
                pos = end

            if brackets:
                opener = brackets[-1]
                raise self.error(f"unclosed '{opener.value}'", opener.lineno, opener.col_offset)
            # the last line gets its NEWLINE even without a trailing '\n'
            if len(toks) > line_begin and toks[-1].type not in ("NEWLINE", "INDENT", "DEDENT"):
                if soft:
                    resolve_line(lit, toks, line_begin, blocks[-1])
                col = bcol(pos)
                append(Tok("NEWLINE", "", lineno, col, lineno, col + 1))
            elif (
                toks and toks[-1].type == "INDENT"
            ):  # pragma: no cover - indentation before EOF only
                toks.pop()
            end_line, end_col = lineno, bcol(pos)
            for _ in range(len(indents) - 1):
                append(Tok("DEDENT", "", end_line, end_col, end_line, end_col))
            append(Tok("$END", "", end_line, end_col, end_line, end_col))
        except GopySyntaxError as exc:
            # The complete logical lines before the error: the parser reads them
            # first, so that an earlier error is the one reported (as CPython's
            # parser, which pulls tokens as it goes, does).
            exc.tokens_before = toks[:line_begin]  # type: ignore[attr-defined]
            raise
        return toks

    def _bad_number(self, number: str, end: int, lineno: int, bcol: Callable[[int], int]) -> None:
        """CPython's errors for a number run into letters or digits (`0b12`, `1abc`)."""
        c = self.text[end]
        bases = {"0b": "binary", "0o": "octal", "0x": "hexadecimal"}
        base = bases.get(number[:2].lower())
        if base and c.isdigit():
            raise self.error(f"invalid digit '{c}' in {base} literal", lineno, bcol(end))
        if number == "0" and c.lower() in "box":  # `0b2`: no digit of the base at all
            digit = self.text[end + 1 : end + 2]
            if digit.isdigit():
                raise self.error(
                    f"invalid digit '{digit}' in {bases['0' + c.lower()]} literal",
                    lineno,
                    bcol(end + 1),
                )
            raise self.error(f"invalid {bases['0' + c.lower()]} literal", lineno, bcol(end))
        if c == "_":  # `1_`, `1__0`: an underscore must be followed by a digit
            raise self.error(f"invalid {base or 'decimal'} literal", lineno, bcol(end))
        word = re.match(r"\w+", self.text[end : end + 16]).group()
        if word.startswith(("and", "or", "if", "else", "in", "is", "not", "for")):
            return  # `1if x else y` is still valid Python 3.11
        if number[-1] in "jJ":
            what = "imaginary"
        elif base:
            what = base
        elif "." in number or "e" in number.lower():
            what = "decimal"
        else:
            what = "decimal"
        raise self.error(f"invalid {what} literal", lineno, bcol(end - 1))

    def _bad_char(self, pos: int, lineno: int, line_start: int, bcol: Callable[[int], int]) -> None:
        c = self.text[pos]
        col = bcol(pos)
        if c.isdigit():
            raise self.error(
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                lineno,
                col,
            )
        if c == "\\":
            if pos + 1 == len(self.text):  # the last line's implicit newline follows
                raise self.error("unexpected EOF while parsing", lineno, col + 1)
            # (CPython reports the character after the backslash)
            raise self.error(
                "unexpected character after line continuation character", lineno, col + 1
            )
        if c.isprintable():
            raise self.error(f"invalid character '{c}' (U+{ord(c):04X})", lineno, col)
        raise self.error(f"invalid non-printable character U+{ord(c):04X}", lineno, col)

    def _check_name(self, value: str, lineno: int, col: int) -> str:
        """NFKC-normalise a non-ASCII identifier, rejecting invalid characters."""
        import unicodedata

        if not value.isidentifier():
            for i, c in enumerate(value):
                if not (value[: i + 1]).isidentifier() and not ("a" + c).isidentifier():
                    bad_col = col + len(value[:i].encode("utf-8"))
                    if c.isprintable():
                        raise self.error(
                            f"invalid character '{c}' (U+{ord(c):04X})", lineno, bad_col
                        )
                    raise self.error(
                        f"invalid non-printable character U+{ord(c):04X}", lineno, bad_col
                    )
            raise self.error("invalid syntax", lineno, col)
        return unicodedata.normalize("NFKC", value)

    def _bad_string(self, opening: str, pos: int, lineno: int, bcol: Callable[[int], int]) -> None:
        quote = opening.lstrip("rRbBfFuUtT")
        what = "triple-quoted string literal" if len(quote) == 3 else "string literal"
        detected = (
            lineno if len(quote) == 1 else self.text.count("\n") + (not self.text.endswith("\n"))
        )
        raise self.error(f"unterminated {what} (detected at line {detected})", lineno, bcol(pos))

    def _fstring_end(
        self, pos: int, lineno: int, line_start: int, bcol: Callable[[int], int]
    ) -> int:
        """Where the PEP 701 f-string (or t-string) at ``pos`` ends; CPython's error if it doesn't."""
        try:
            return scan_fstring(self.text, pos)
        except Unterminated:
            pass
        # Ask CPython about the text from the literal on, placed at its own line and column.
        import ast

        col = pos - line_start
        head = "\n" * (lineno - 1) + ("(" + " " * (col - 1) if col else "")
        try:
            ast.parse(head + self.text[pos:], self.source.filename)
        except SyntaxError as exc:
            if exc.lineno is not None and exc.lineno >= lineno:
                line = exc.lineno
                c = (exc.offset or 1) - 1
                start = self.source.byte_col(line, c) if line != lineno else bcol(line_start + c)
                raise self.error(exc.msg, line, start) from None
        raise self.error("unterminated string literal", lineno, bcol(pos))


def _formatted(text: str, pos: int) -> bool:
    """Whether the string literal at ``pos`` is an f-string or a t-string."""
    while text[pos] not in "'\"":
        if text[pos] in "fFtT":
            return True
        pos += 1
    return False
