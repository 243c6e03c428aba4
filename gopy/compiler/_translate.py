"""``gopy translate``'s rendering: the lowered tree as Python, with the source's comments.

The tree is rendered with the standard library's unparser, which writes every
constant (docstrings included) so that it parses back to the same value, and
the comments that the compiler's tokenizer dropped are put back next to the
statements they belong to (Python's own tokenizer finds them: gopy is made of
Python tokens). black then formats the result, but only where that is safe and
fast: black rewrites docstrings (so each docstring it changed is put back as
the unparser wrote it, and the whole result must parse to the same tree), and
black is slow on huge inputs (so past ``BLACK_LIMIT`` characters the output is
left as the unparser wrote it).
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from typing import Any, NamedTuple

try:  # Python 3.14 moved the unparser out of ast
    from _ast_unparse import Unparser as _Unparser  # type: ignore[import-not-found]
except ImportError:
    from ast import _Unparser  # type: ignore[attr-defined,no-redef]

__all__ = ["render", "BLACK_LIMIT"]

# black formats about 50 kB a second: past this many characters of Python it
# would take minutes, and the unparser's output is left as it is.
BLACK_LIMIT = 400_000


class Comment(NamedTuple):
    line: int
    column: int
    text: str
    trailing: bool  # code precedes it on its line


def source_comments(text: str) -> list[Comment]:
    """Every comment of ``text`` in order (as far as Python's tokenizer gets)."""
    return scan(text)[0]


def scan(text: str) -> tuple[list[Comment], list[int]]:
    """The comments of ``text`` and the lines where its logical lines (statements) start."""
    found: list[Comment] = []
    starts: list[int] = []
    if "#" not in text:
        return found, starts  # no comment to place: the starts are not needed
    readline = io.StringIO(text).readline
    last_code_line = 0
    at_start = True
    layout = (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        for token in tokenize.generate_tokens(readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                line, column = token.start
                if line <= 2 and _CODING.match(token.line):
                    continue  # the translation is text: its encoding is the writer's
                found.append(Comment(line, column, token.string, last_code_line == line))
            elif kind == tokenize.NEWLINE:
                at_start = True
            elif kind not in layout:
                last_code_line = token.end[0]
                if at_start:
                    starts.append(token.start[0])
                    at_start = False
    except (tokenize.TokenError, SyntaxError):
        pass  # the compiler accepted the source: keep what was found before the oddity
    return found, starts


_END = 1 << 62  # a line after every line
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _CommentingUnparser(_Unparser):  # type: ignore[misc,valid-type]
    """The unparser, writing the pending comments before each statement it starts."""

    def __init__(
        self,
        comments: list[Comment] | None = None,
        statement_starts: list[int] | None = None,
        **options: Any,
    ) -> None:
        # (The unparser makes instances of its own class, with no comments, for f-string parts.)
        super().__init__(**options)
        self._comments = comments or []
        self._next = 0  # index of the first comment not yet written
        self._statement_starts = statement_starts or []
        self._glue = False  # the next blank line would part a comment from its def

    def maybe_newline(self) -> None:
        if self._glue:
            self._glue = False
            return
        super().maybe_newline()

    def _own_line_comment_before(self, line: int) -> bool:
        comments, index = self._comments, self._next
        while index < len(comments) and comments[index].line < line:
            if not comments[index].trailing:
                return True
            index += 1
        return False

    def flush(self, before_line: int, min_column: int = -1) -> None:
        """Write the comments above ``before_line`` (trailing ones end the last line written)."""
        comments = self._comments
        own_line = False
        while self._next < len(comments) and comments[self._next].line < before_line:
            comment = comments[self._next]
            if comment.column < min_column and not comment.trailing:
                return
            self._next += 1
            if comment.trailing and not own_line and self._source:
                self.write("  " + comment.text)
            else:
                own_line = True
                self.fill(comment.text)

    def traverse(self, node: Any) -> None:
        if not isinstance(node, list):
            super().traverse(node)
            return
        # A generated statement may carry the position of a later one: a
        # statement's comments are those above it and above every later sibling.
        starts = [getattr(item, "lineno", None) for item in node]
        upto = None
        limits: list[int | None] = [None] * len(node)
        for index in range(len(node) - 1, -1, -1):
            if starts[index] is not None and (upto is None or starts[index] < upto):
                upto = starts[index]
            limits[index] = upto
        for item, limit in zip(node, limits):
            if limit is not None and isinstance(item, ast.stmt):
                if isinstance(item, _DEFINITIONS) and self._own_line_comment_before(limit):
                    while self._comments[self._next].trailing and self._source:
                        self.write("  " + self._comments[self._next].text)
                        self._next += 1
                    self.maybe_newline()  # the blank line goes above the comment
                    self.flush(limit)
                    self._glue = True
                else:
                    self.flush(limit)
            super().traverse(item)
        last = node[-1] if node else None
        pending = self._next < len(self._comments)
        if pending and isinstance(last, ast.stmt) and isinstance(node[0], ast.stmt):
            # Comments that end the block, indented as its statements are.
            end = last.end_lineno or last.lineno
            lines = self._statement_starts
            following = bisect.bisect_right(lines, end)
            before = lines[following] if following < len(lines) else _END
            self.flush(before, node[0].col_offset)

    def _write_docstring_and_traverse_body(self, node: Any) -> None:
        if self.get_raw_docstring(node) is not None:
            self.flush(node.body[0].lineno)
        super()._write_docstring_and_traverse_body(node)


def _unparse_with_comments(module: ast.Module, text: str) -> str:
    comments, starts = scan(text)
    unparser = _CommentingUnparser(comments, starts)
    unparser.visit(module)
    unparser.flush(_END)  # comments after the last statement
    return "".join(unparser._source) + "\n"


def _same_tree(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _black(code: str) -> str:
    """``code`` formatted by black, with the docstrings it changed put back; else ``code``."""
    import black  # only here: formatting is for people, not for running

    try:
        tree = ast.parse(code)
        formatted = black.format_str(code, mode=black.Mode())
        result = ast.parse(formatted)
    except Exception:  # black rejects nothing the unparser makes, but never lose the output
        return code
    if _same_tree(result, tree):
        return formatted
    formatted = _restore_docstrings(formatted, result, tree)
    try:
        if _same_tree(ast.parse(formatted), tree):
            return formatted
    except SyntaxError:
        pass
    return code


def _docstring_nodes(tree: ast.AST) -> list[ast.Constant]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.append(body[0].value)
    return found


def _restore_docstrings(formatted: str, result: ast.Module, tree: ast.Module) -> str:
    """Replace each docstring that black changed by the unparser's spelling of the original."""
    changed = [
        (new, old)
        for new, old in zip(_docstring_nodes(result), _docstring_nodes(tree))
        if new.value != old.value
    ]
    if not changed:
        return formatted
    lines = formatted.encode().splitlines(keepends=True)
    # Bottom up, so that earlier positions stay valid.
    for new, old in sorted(changed, key=lambda pair: (pair[0].lineno, pair[0].col_offset))[::-1]:
        assert new.end_lineno is not None and new.end_col_offset is not None
        literal = _Unparser()
        literal._write_str_avoiding_backslashes(old.value, quote_types=('"""', "'''"))
        spelling = "".join(literal._source).encode()
        first, last = new.lineno - 1, new.end_lineno - 1
        head = lines[first][: new.col_offset]
        tail = lines[last][new.end_col_offset :]
        lines[first : last + 1] = [head + spelling + tail]
    return b"".join(lines).decode()


def render(module: ast.Module, source_text: str, *, use_black: bool | None = None) -> str:
    """The Python for the lowered ``module`` of ``source_text``, with its comments.

    The result parses to the same tree as ``module`` (so the same constants and
    docstrings); ``use_black=None`` formats with black below ``BLACK_LIMIT``.
    """
    code = _unparse_with_comments(module, source_text)
    if use_black is None:
        use_black = len(code) <= BLACK_LIMIT
    if use_black:
        code = _black(code)
    return code
