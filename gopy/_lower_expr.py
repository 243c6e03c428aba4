"""Lowering of expressions, literals, comprehensions, calls and parameters.

``LoweringBase`` holds what every lowering method needs: the one helper that
stamps positions (``node``), the parenthesised extents and assignment-target
checks. ``ExprLowering`` has one method per expression rule of the grammar.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
import warnings
from typing import Any

from gopy._errors import GopySyntaxError
from gopy._lower_fstring import ReceiveRestorer, receive_arrows
from gopy._lower_go import PRELUDE
from gopy._parse import Tok
from gopy._source import SourceText

__all__ = ["LoweringBase", "ExprLowering", "LOAD", "empty_arguments", "number_value"]

LOAD = ast.Load()
STORE = ast.Store()
DEL = ast.Del()

_BINOPS = {
    "+": ast.Add(),
    "-": ast.Sub(),
    "*": ast.Mult(),
    "/": ast.Div(),
    "%": ast.Mod(),
    "//": ast.FloorDiv(),
    "@": ast.MatMult(),
    "**": ast.Pow(),
    "<<": ast.LShift(),
    ">>": ast.RShift(),
    "|": ast.BitOr(),
    "^": ast.BitXor(),
    "&": ast.BitAnd(),
}
_AUGOPS = {op + "=": node for op, node in _BINOPS.items()}
_UNARYOPS = {"+": ast.UAdd(), "-": ast.USub(), "~": ast.Invert(), "not": ast.Not()}
_CMPOPS = {
    "<": ast.Lt(),
    ">": ast.Gt(),
    "==": ast.Eq(),
    ">=": ast.GtE(),
    "<=": ast.LtE(),
    "!=": ast.NotEq(),
    "in": ast.In(),
    "not": ast.NotIn(),
    "is": ast.Is(),
    "isnot": ast.IsNot(),
}
_AND = ast.And()
_OR = ast.Or()
_CONSTS = {"None": None, "True": True, "False": False, "...": ...}
_PRELUDE = PRELUDE
_PAD_LIMIT = 80  # columns beyond which an f-string group is parsed unpadded and shifted

# What CPython calls an expression that cannot be a target.
_DESCRIPTIONS = {
    ast.Call: "function call",
    ast.BinOp: "expression",
    ast.UnaryOp: "expression",
    ast.BoolOp: "expression",
    ast.Compare: "comparison",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.Dict: "dict literal",
    ast.Set: "set display",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Yield: "yield expression",
    ast.YieldFrom: "yield expression",
    ast.Await: "await expression",
    ast.JoinedStr: "f-string expression",
    ast.FormattedValue: "f-string expression",
    ast.NamedExpr: "named expression",
    ast.Starred: "starred",
    ast.Name: "name",
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Tuple: "tuple",
    ast.List: "list",
}


# A backslash that may start an invalid escape sequence (which warns); strings
# without one decode without touching the process-wide warnings filters.
_MAY_WARN = re.compile(r"\\(?![\n\\'\"abfnrtv0-7x])")


def empty_arguments() -> ast.arguments:
    """The ``arguments`` of a function without parameters."""
    return ast.arguments([], [], None, [], [], None, [])


def number_value(text: str) -> int | float | complex:
    """The value of a NUMBER token."""
    if text.isdigit():
        return int(text)
    prefix = text[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        return int(text, 0)
    last = text[-1]
    if last == "j" or last == "J":
        return complex(0.0, float(text[:-1]))
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text, 0)


class LoweringBase:
    """Positions, parenthesised extents and target checks shared by all lowering methods."""

    AUGOPS = _AUGOPS

    def __init__(self, source: SourceText) -> None:
        self.source = source
        # id(node) -> (lineno, col, end_lineno, end_col, node) of its outermost parentheses
        self.parens: dict[int, tuple] = {}
        # id(recv node) -> (channel, pos, node) for a receive that is not parenthesised
        self.recv: dict[int, tuple] = {}
        self._lines: list[str] | None = None
        self._char_starts: dict[int, list[int] | None] = {}
        # Every Name spelled like a prelude name (``chan``, ``close``, ``cap``): the
        # module passes are skipped for plain Python that has none in Load context.
        self.prelude_names: list[ast.Name] = []

    # -- positions

    def span(self, first: Any, last: Any) -> tuple[int, int, int, int]:
        """AST-style position from the start of ``first`` to the end of ``last``."""
        parens = self.parens
        p = parens.get(id(first)) if parens else None
        if p is None:
            line, col = first.lineno, first.col_offset
        else:
            line, col = p[0], p[1]
        p = parens.get(id(last)) if parens else None
        if p is None:
            return line, col, last.end_lineno, last.end_col_offset
        return line, col, p[2], p[3]

    def node(self, cls: type, first: Any, last: Any, *fields: Any) -> Any:
        """``cls(*fields)`` spanning ``first`` through ``last`` (tokens or nodes)."""
        parens = self.parens
        p = parens.get(id(first)) if parens else None
        if p is None:
            line, col = first.lineno, first.col_offset
        else:
            line, col = p[0], p[1]
        p = parens.get(id(last)) if parens else None
        if p is None:
            return cls(
                *fields,
                lineno=line,
                col_offset=col,
                end_lineno=last.end_lineno,
                end_col_offset=last.end_col_offset,
            )
        return cls(*fields, lineno=line, col_offset=col, end_lineno=p[2], end_col_offset=p[3])

    def is_bare_tuple(self, node: ast.Tuple) -> bool:
        """Whether a tuple was written without its own parentheses."""
        first = self.span(node.elts[0], node.elts[0])
        return (node.lineno, node.col_offset) == first[:2]

    def char_col(self, lineno: int, byte_col: int) -> int:
        """The character column of a token boundary (linear per line, however many f-strings it has)."""
        try:
            starts = self._char_starts[lineno]
        except KeyError:
            line = self.source.line(lineno)
            # the byte offset where each character of the line starts, built once per line
            starts = (
                None
                if line.isascii()
                else list(itertools.accumulate((len(c.encode("utf-8")) for c in line), initial=0))
            )
            self._char_starts[lineno] = starts
        return byte_col if starts is None else bisect.bisect_left(starts, byte_col)

    def error_at(self, msg: str, node: Any) -> GopySyntaxError:
        """A syntax error spanning ``node`` (a token or an AST node)."""
        return self.source.error(
            msg, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset
        )

    # -- targets

    @staticmethod
    def describe(node: ast.expr) -> str:
        """CPython's name for an expression in "cannot assign to ..." messages."""
        if node.__class__ is ast.Constant:
            value = node.value
            if value is None or value is True or value is False:
                return str(value)
            if value is ...:
                return "ellipsis"
            return "literal"
        return _DESCRIPTIONS.get(node.__class__, "expression")

    def store(self, node: ast.expr, how: str) -> None:
        """Give an assignment target Store context, or raise CPython's error for it."""
        cls = node.__class__
        if cls is ast.Name:
            if node.id == "__debug__":
                raise self.error_at("cannot assign to __debug__", node)
            node.ctx = STORE
        elif cls is ast.Attribute or cls is ast.Subscript:
            node.ctx = STORE
        elif cls is ast.Tuple or cls is ast.List:
            node.ctx = STORE
            for elt in node.elts:
                self.store(elt, how)
        elif cls is ast.Starred:
            node.ctx = STORE
            self.store(node.value, how)
        else:
            what = self._describe_target(node)
            if how == "assign" and cls not in (ast.Tuple, ast.List):
                raise self.error_at(
                    f"cannot assign to {what} here. Maybe you meant '==' instead of '='?", node
                )
            raise self.error_at(f"cannot assign to {what}", node)

    def delete(self, node: ast.expr) -> None:
        """Give a ``del`` target Del context, or raise CPython's error for it."""
        cls = node.__class__
        if cls is ast.Name or cls is ast.Attribute or cls is ast.Subscript:
            node.ctx = DEL
        elif cls is ast.Tuple or cls is ast.List:
            node.ctx = DEL
            for elt in node.elts:
                self.delete(elt)
        else:
            raise self.error_at(f"cannot delete {self._describe_target(node)}", node)

    def _describe_target(self, node: ast.expr) -> str:
        """``describe``, knowing which ``await`` nodes are channel receives."""
        if node.__class__ is ast.Await and id(node) in self.go.ops:  # type: ignore[attr-defined]
            return "channel receive"
        return self.describe(node)


class ExprLowering(LoweringBase):
    """One method per expression rule."""

    # ---------------------------------------------------------------- atoms

    def name(self, c: list) -> ast.expr:
        t = c[0]
        node = ast.Name(
            t.value,
            LOAD,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        if t.value in _PRELUDE:
            self.prelude_names.append(node)
        return node

    def number(self, c: list) -> ast.expr:
        t = c[0]
        try:
            value = number_value(t.value)
        except ValueError as exc:  # e.g. more digits than sys.get_int_max_str_digits()
            raise self.error_at(str(exc), t) from None
        return ast.Constant(
            value,
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )

    def const(self, c: list) -> ast.expr:
        t = c[0]
        return ast.Constant(
            _CONSTS[t.value],
            None,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )

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
            if "f" in prefix:
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
            if exc.lineno == 2 and exc.offset:
                col = exc.offset - 1
                if shift:
                    col = shift + len(text[:col].encode("utf-8"))
            else:
                lineno, col = first.lineno, first.col_offset
            raise src.error(exc.msg, lineno, col) from None
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
                n for n in ast.walk(expr) if n.__class__ is ast.Name and n.id in _PRELUDE
            ]
        if arrows:
            expr = ReceiveRestorer(arrows, self.go.recv_expr).visit(expr)  # type: ignore[attr-defined]
        return expr

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

    def paren(self, c: list) -> ast.expr:
        inner = c[1]
        close = c[2]
        self.parens[id(inner)] = (
            c[0].lineno,
            c[0].col_offset,
            close.end_lineno,
            close.end_col_offset,
            inner,
        )
        if self.recv:
            self.recv.pop(id(inner), None)
        return inner

    def tuple_paren(self, c: list) -> ast.expr:
        return self.node(ast.Tuple, c[0], c[-1], c[1:-1:2], LOAD)

    def tuple_bare(self, c: list) -> ast.expr:
        return self.node(ast.Tuple, c[0], c[-1], c[::2], LOAD)

    def list(self, c: list) -> ast.expr:
        return self.node(ast.List, c[0], c[-1], c[1:-1:2], LOAD)

    def set(self, c: list) -> ast.expr:
        return self.node(ast.Set, c[0], c[-1], c[1:-1:2])

    def dict(self, c: list) -> ast.expr:
        items = c[1:-1:2]
        return self.node(ast.Dict, c[0], c[-1], [k for k, _ in items], [v for _, v in items])

    def dict_pair(self, c: list) -> tuple:
        return c[0], c[2]

    def dict_unpack(self, c: list) -> tuple:
        return None, c[1]

    def genexp(self, c: list) -> ast.expr:
        return self.node(ast.GeneratorExp, c[0], c[-1], c[1], c[2])

    def listcomp(self, c: list) -> ast.expr:
        return self.node(ast.ListComp, c[0], c[-1], c[1], c[2])

    def setcomp(self, c: list) -> ast.expr:
        return self.node(ast.SetComp, c[0], c[-1], c[1], c[2])

    def dictcomp(self, c: list) -> ast.expr:
        return self.node(ast.DictComp, c[0], c[-1], c[1], c[3], c[4])

    def comp_for(self, c: list) -> list[ast.comprehension]:
        return c

    def comp_clause(self, c: list) -> ast.comprehension:
        is_async = 1 if c[0].value == "async" else 0
        c = c[is_async:]
        target = c[1]
        self.store(target, "for")
        return ast.comprehension(target, c[3], c[5::2], is_async)

    # ---------------------------------------------------------------- primaries

    def getattr(self, c: list) -> ast.expr:
        return self.node(ast.Attribute, c[0], c[2], c[0], c[2].value, LOAD)

    def call(self, c: list) -> ast.expr:
        if len(c) == 3:
            return self.node(ast.Call, c[0], c[2], c[0], [], [])
        args, keywords = c[2]
        return self.node(ast.Call, c[0], c[3], c[0], args, keywords)

    def call_genexp(self, c: list) -> ast.expr:
        gen = self.node(ast.GeneratorExp, c[1], c[4], c[2], c[3])
        return self.node(ast.Call, c[0], c[4], c[0], [gen], [])

    def subscript(self, c: list) -> ast.expr:
        index = c[2]
        if index.__class__ is ast.Starred:  # a[*b] is a[(*b,)]
            index = self.node(ast.Tuple, index, index, [index], LOAD)
        return self.node(ast.Subscript, c[0], c[3], c[0], index, LOAD)

    def slice(self, c: list) -> ast.expr:
        parts: list = [None, None, None]
        i = 0
        for child in c:
            if child.__class__ is Tok:
                i += 1
            else:
                parts[i] = child
        return self.node(ast.Slice, c[0], c[-1], *parts)

    def arguments(self, c: list) -> tuple[list[ast.expr], list[ast.keyword]]:
        args: list[ast.expr] = []
        keywords: list[ast.keyword] = []
        seen_kw = seen_kwunpack = False
        for item in c[::2]:
            if item.__class__ is ast.keyword:
                keywords.append(item)
                if item.arg is None:
                    seen_kwunpack = True
                else:
                    seen_kw = True
            elif item.__class__ is ast.Starred:
                if seen_kwunpack:
                    raise self.error_at(
                        "iterable argument unpacking follows keyword argument unpacking", item
                    )
                args.append(item)
            else:
                if seen_kwunpack:
                    raise self.error_at(
                        "positional argument follows keyword argument unpacking", item
                    )
                if seen_kw:
                    raise self.error_at("positional argument follows keyword argument", item)
                args.append(item)
        return args, keywords

    def kwarg(self, c: list) -> ast.keyword:
        if len(c) == 2:
            return self.node(ast.keyword, c[0], c[1], None, c[1])
        return self.node(ast.keyword, c[0], c[2], c[0].value, c[2])

    def starred(self, c: list) -> ast.expr:
        return self.node(ast.Starred, c[0], c[1], c[1], LOAD)

    # ---------------------------------------------------------------- operators

    def binop(self, c: list) -> ast.expr:
        return self.node(ast.BinOp, c[0], c[2], c[0], _BINOPS[c[1].value], c[2])

    def unaryop(self, c: list) -> ast.expr:
        return self.node(ast.UnaryOp, c[0], c[1], _UNARYOPS[c[0].value], c[1])

    def boolop(self, c: list) -> ast.expr:
        return self.node(ast.BoolOp, c[0], c[-1], _AND if c[1].value == "and" else _OR, c[::2])

    def compare(self, c: list) -> ast.expr:
        return self.node(ast.Compare, c[0], c[-1], c[0], c[1::2], c[2::2])

    def comp_op(self, c: list) -> ast.cmpop:
        if len(c) == 2:
            return _CMPOPS["isnot" if c[0].value == "is" else "not"]
        return _CMPOPS[c[0].value]

    def await_expr(self, c: list) -> ast.expr:
        return self.node(ast.Await, c[0], c[1], c[1])

    def recv_expr(self, c: list) -> ast.expr:
        pos = self.span(c[0], c[1])
        node = self.go.recv_expr(c[1], pos)  # type: ignore[attr-defined]
        self.recv[id(node)] = (c[1], pos, node)
        return node

    def ifexp(self, c: list) -> ast.expr:
        return self.node(ast.IfExp, c[0], c[4], c[2], c[0], c[4])

    def namedexpr(self, c: list) -> ast.expr:
        t = c[0]
        target = ast.Name(
            t.value,
            STORE,
            lineno=t.lineno,
            col_offset=t.col_offset,
            end_lineno=t.end_lineno,
            end_col_offset=t.end_col_offset,
        )
        return self.node(ast.NamedExpr, t, c[2], target, c[2])

    def lambdef(self, c: list) -> ast.expr:
        args = c[1] if len(c) == 4 else empty_arguments()
        return self.node(ast.Lambda, c[0], c[-1], args, c[-1])

    def yield_expr(self, c: list) -> ast.expr:
        if len(c) == 1:
            return self.node(ast.Yield, c[0], c[0], None)
        if len(c) == 3:
            return self.node(ast.YieldFrom, c[0], c[2], c[2])
        return self.node(ast.Yield, c[0], c[1], c[1])

    # ---------------------------------------------------------------- parameters

    def param(self, c: list) -> tuple:
        t = c[0]
        n = len(c)
        annotation = default = None
        if n == 3:
            if c[1].value == ":":
                annotation = c[2]
            else:
                default = c[2]
        elif n == 5:
            annotation, default = c[2], c[4]
        last = annotation if annotation is not None else t
        return "arg", self.node(ast.arg, t, last, t.value, annotation, None), default, t

    def star_param(self, c: list) -> tuple:
        if len(c) == 1:
            return "star", None, None, c[0]
        t = c[1]
        annotation = None
        if len(c) == 4:
            annotation = c[3]
        elif len(c) == 5:
            annotation = self.node(ast.Starred, c[3], c[4], c[4], LOAD)
        last = annotation if annotation is not None else t
        return "star", self.node(ast.arg, t, last, t.value, annotation, None), None, c[0]

    def kwstar_param(self, c: list) -> tuple:
        t = c[1]
        annotation = c[3] if len(c) == 4 else None
        last = annotation if annotation is not None else t
        return "kwstar", self.node(ast.arg, t, last, t.value, annotation, None), None, c[0]

    def slash_param(self, c: list) -> tuple:
        return "slash", None, None, c[0]

    def parameters(self, c: list) -> ast.arguments:
        posonly: list[ast.arg] = []
        args: list[ast.arg] = []
        kwonly: list[ast.arg] = []
        kw_defaults: list[ast.expr | None] = []
        defaults: list[ast.expr] = []
        vararg = kwarg = None
        seen_slash = seen_star = seen_default = False
        for kind, arg, default, tok in c[::2]:
            if kwarg is not None:
                raise self.error_at("arguments cannot follow var-keyword argument", tok)
            if kind == "arg":
                if seen_star:
                    kwonly.append(arg)
                    kw_defaults.append(default)
                else:
                    args.append(arg)
                    if default is not None:
                        defaults.append(default)
                        seen_default = True
                    elif seen_default:
                        raise self.error_at("non-default argument follows default argument", arg)
            elif kind == "slash":
                if seen_slash:
                    raise self.error_at("/ may appear only once", tok)
                if seen_star:
                    raise self.error_at("/ must be ahead of *", tok)
                if not args:
                    raise self.error_at("at least one argument must precede /", tok)
                posonly, args = args, []
                seen_slash = True
            elif kind == "star":
                if seen_star:
                    raise self.error_at("* argument may appear only once", tok)
                seen_star = True
                vararg = arg
                star_tok = tok
            else:
                kwarg = arg
        if seen_star and vararg is None and not kwonly:
            raise self.error_at("named arguments must follow bare *", star_tok)
        return ast.arguments(posonly, args, vararg, kwonly, kw_defaults, kwarg, defaults)

    lambda_parameters = parameters
