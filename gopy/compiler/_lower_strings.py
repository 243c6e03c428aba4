"""Lowering of string literals: concatenated groups, bytes, f-strings.

A group that holds an f-string is parsed by CPython itself on its own source
span (placed at the same byte column, so CPython's position rules hold
exactly); a receive (``<-ch``) inside a replacement field is masked before
that parse and restored after it (``ReceiveRestorer``).
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any

from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._lower_fstrings import ReceiveRestorer, receive_arrows
from gopy.compiler._lower_base import LoweringBase
from gopy.compiler._lower_go_nodes import PRELUDE
from gopy.compiler._lalr_parser import Tok
from gopy.compiler._versions import PEP701

__all__ = ["StringLowering"]

_PAD_LIMIT = 80  # columns beyond which an f-string group is parsed unpadded and shifted
_MAY_WARN = re.compile(r"\\(?![\n\\'\"abfnrtv0-7x])")


class StringLowering(LoweringBase):
    """The string-literal rules of the grammar."""

    def strings(self, toks: list[Tok]) -> ast.expr:
        first, last = toks[0], toks[-1]
        values: list = []
        is_bytes: bool | None = None
        kind = None
        for t in toks:
            s = t.value
            q = 0
            while s[q] not in "'\"":
                q += 1
            prefix = s[:q].lower()
            if "f" in prefix or "t" in prefix:
                return self._fstring_group(toks)
            b = "b" in prefix
            if is_bytes is None:
                is_bytes = b
                if s[:q] == "u":  # CPython marks only a lowercase u prefix
                    kind = "u"
            elif is_bytes != b:
                raise self.source.error(
                    "cannot mix bytes and nonbytes literals",
                    first.lineno,
                    first.col_offset,
                    last.end_lineno,
                    last.end_col_offset,
                )
            quote = 3 if s[q + 1 : q + 3] == s[q] * 2 and len(s) - q >= 6 else 1
            body = s[q + quote : len(s) - quote]
            if "\\" not in body or "r" in prefix:
                if b:
                    if not body.isascii():
                        raise self.error_at("bytes can only contain ASCII literal characters", t)
                    values.append(body.encode("ascii"))
                else:
                    values.append(body)
            else:
                values.append(self._decode_string(t))
        value = b"".join(values) if is_bytes else "".join(values)
        return ast.Constant(
            value,
            kind,
            lineno=first.lineno,
            col_offset=first.col_offset,
            end_lineno=last.end_lineno,
            end_col_offset=last.end_col_offset,
        )

    def _decode_string(self, t: Tok) -> Any:
        """A string literal with escapes, decoded (and its warnings re-raised) as CPython does."""
        if not _MAY_WARN.search(t.value):
            try:
                return ast.literal_eval(t.value)
            except SyntaxError as exc:
                raise self.error_at(exc.msg, t) from None
        # catch_warnings is process-wide state: only for literals that will warn
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = ast.literal_eval(t.value)
            except SyntaxError as exc:
                raise self.error_at(exc.msg, t) from None
        for w in caught:
            warnings.warn_explicit(w.message, w.category, self.source.filename, t.lineno)
        return value

    def _fstring_group(self, toks: list[Tok]) -> ast.expr:
        """A string group with an f-string: CPython parses the group's own text.

        The text is placed so that its first token sits at the same byte column
        (and its lines keep their layout), so CPython 3.11's f-string position
        rules give the same columns as in the whole file; only the line numbers
        are shifted back.
        """
        first, last = toks[0], toks[-1]
        src = self.source
        if self._lines is None:
            # Python's lines end only at '\n' (str.splitlines also splits at '\f', '\u2028', ...)
            self._lines = src.text.split("\n")
        lines = self._lines
        first_line = lines[first.lineno - 1]
        last_line = lines[last.end_lineno - 1]
        start = self.char_col(first.lineno, first.col_offset)
        end = self.char_col(last.end_lineno, last.end_col_offset)
        if first.lineno == last.end_lineno:
            text = first_line[start:end]
        else:
            text = "\n".join(
                [first_line[start:], *lines[first.lineno : last.end_lineno - 1], last_line[:end]]
            )
        arrows: set[tuple[int, int]] = set()
        if "<-" in text:
            text, arrows = self._mark_receives(toks, first, start, text)
        # Far right on a line, the group is parsed at column 0 and moved there
        # afterwards (all on one line, that is the same): padding each f-string
        # of a long line with spaces would make the line quadratic.
        shift = (
            first.col_offset
            if first.lineno == last.end_lineno and first.col_offset > _PAD_LIMIT
            else 0
        )
        wrapped = "(\n" + " " * (first.col_offset - shift) + text + "\n)"
        caught: list = []
        try:
            if _MAY_WARN.search(text):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    expr = ast.parse(wrapped, src.filename, mode="eval").body
            else:
                expr = ast.parse(wrapped, src.filename, mode="eval").body
        except SyntaxError as exc:
            lineno = (exc.lineno or 2) + first.lineno - 2
            field = self._fstring_field_error(exc, lineno)
            if field is not None:
                raise field from None
            if not PEP701 and exc.msg.startswith("f-string"):
                # Python 3.11 parses the f-string when its group ends: the error is
                # reported at the parser's next token.
                raise src.error(exc.msg, *self._after(last)) from None
            pad = first.col_offset - shift
            where = self._unwrap(exc.lineno, exc.offset, first.lineno, start, pad, last.end_lineno)
            if where is None:
                raise src.error(exc.msg, first.lineno, first.col_offset) from None
            end = self._unwrap(
                exc.end_lineno, exc.end_offset, first.lineno, start, pad, last.end_lineno
            )
            raise src.error(exc.msg, *where, *(end or (None, None))) from None
        for w in caught:
            warnings.warn_explicit(w.message, w.category, src.filename, first.lineno)
        if shift:
            for node in ast.walk(expr):
                if "col_offset" in node._attributes:
                    node.col_offset += shift  # type: ignore[attr-defined]
                    node.end_col_offset += shift  # type: ignore[attr-defined]
        ast.increment_lineno(expr, first.lineno - 2)
        if "cap" in text or "chan" in text or "close" in text or not text.isascii():
            self.prelude_names += [
                n for n in ast.walk(expr) if n.__class__ is ast.Name and n.id in PRELUDE
            ]
        if arrows:
            expr = ReceiveRestorer(arrows, self.go.recv_expr).visit(expr)  # type: ignore[attr-defined]
        return expr

    def _after(self, last: Tok) -> tuple[int, int]:
        """Where the token after ``last`` starts (on its line: the line's end if none)."""
        line = self.source.line(last.end_lineno).rstrip("\n")
        col = self.char_col(last.end_lineno, last.end_col_offset)
        rest = line[col:]
        stripped = rest.lstrip(" \t\f")
        if not stripped or stripped[0] == "#" or stripped[0] == "\\":
            col = len(line)
        else:
            col += len(rest) - len(stripped)
        return last.end_lineno, self.source.byte_col(last.end_lineno, col)

    def _unwrap(
        self, line: int | None, offset: int | None, first: int, start: int, pad: int, last: int
    ) -> tuple[int, int] | None:
        """The source (line, byte column) of a position in the wrapped group text."""
        if not line or not offset or line < 2 or line - 2 > last - first:
            return None
        lineno = first + line - 2
        col = offset - 1
        if line == 2:
            if col < pad:
                return None
            col = start + col - pad
        if col > len(self.source.line(lineno)):
            return None
        return lineno, self.source.byte_col(lineno, col)

    def _fstring_field_error(self, exc: SyntaxError, lineno: int) -> GopySyntaxError | None:
        """An error inside a replacement field, placed in the source line.

        CPython 3.11 reports it against the field's text alone, as ``(a b)``;
        the field is found in line ``lineno`` and the offsets moved there.
        """
        text = exc.text or ""
        if not (exc.msg.startswith("f-string") and text.startswith("(") and exc.offset):
            return None
        inner = text.rstrip("\n")[1:-1]
        line = self.source.line(lineno).replace("<-", "~~")  # as the text CPython parsed
        k = line.find("{" + inner)
        if not inner or k < 0:
            return None
        col = k + exc.offset - 1  # offset 2 is the field's first character, at k + 1
        end = k + exc.end_offset - 1 if exc.end_offset and exc.end_lineno == exc.lineno else col + 1
        src = self.source
        return src.error(
            exc.msg,
            lineno,
            src.byte_col(lineno, col),
            lineno,
            src.byte_col(lineno, max(end, col + 1)),
        )

    def _mark_receives(
        self, toks: list[Tok], first: Tok, start: int, text: str
    ) -> tuple[str, set[tuple[int, int]]]:
        """``text`` with the replacement fields' ``<-`` overwritten, and their (line, byte column)s."""
        lines = self._lines
        assert lines is not None
        line_starts = [0]
        nl = text.find("\n")
        while nl >= 0:
            line_starts.append(nl + 1)
            nl = text.find("\n", nl + 1)
        arrows: set[tuple[int, int]] = set()
        for t in toks:
            if "<-" not in t.value:
                continue
            token_col = self.char_col(t.lineno, t.col_offset)
            for off in receive_arrows(t.value):
                newlines = t.value.count("\n", 0, off)
                if newlines:
                    line, col = t.lineno + newlines, off - t.value.rfind("\n", 0, off) - 1
                else:
                    line, col = t.lineno, token_col + off
                k = line_starts[line - first.lineno] + (
                    col - start if line == first.lineno else col
                )
                text = text[:k] + "~~" + text[k + 2 :]
                arrows.add((line, len(lines[line - 1][:col].encode("utf-8"))))
        return text, arrows
