"""Lowering: the parser's reductions to a Python ``ast.Module`` with exact positions.

``Lowerer`` has one method per grammar rule (or alias) that builds a value;
the LALR driver (``gopy.compiler._lalr_parser.run_parser``) calls it with the rule's children
(tokens and already-lowered values) as it reduces, so no parse tree is built.
Positions follow CPython's rule: a node spans the tokens its rule matched, so a
parenthesised operand widens its parent (``(a).b`` starts at the ``(``) while
keeping its own span; ``parens`` records those extents.

Statements are here; expressions are in ``_lower_expr``, match patterns in
``_lower_match``; the Go constructs are built by ``_lower_go.GoLowering``.
"""

from __future__ import annotations

import ast
from typing import Any

from gopy.compiler._versions import PEP758, PEP810
from gopy.compiler._lower_definitions import DefinitionLowering
from gopy.compiler._lower_expressions import ExprLowering
from gopy.compiler._lower_go_constructs import GoLowering, SelectArm
from gopy.compiler._lower_go_module_pass import finish
from gopy.compiler._lower_patterns import MatchLowering
from gopy.compiler._grammar_tables import CALL, load_tables
from gopy.compiler._lalr_parser import Tok, UnexpectedToken, run_parser, syntax_error, tokenize
from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._source_text import SourceText

__all__ = ["Lowerer", "lower"]


def _flatten(items: list) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for item in items:
        if item.__class__ is list:
            out += item
        else:
            out.append(item)
    return out


def _targets_of(node: ast.expr, lowerer: "Lowerer") -> list[ast.expr]:
    """The targets of an unparenthesised ``a, b`` list, or ``[node]``."""
    if node.__class__ is ast.Tuple and node.elts and lowerer.is_bare_tuple(node):
        return node.elts
    return [node]


def _comma_ok_targets(node: ast.expr) -> list[ast.expr] | None:
    """The two targets of ``v, ok = <-ch`` (also ``(v, ok)``, ``[v, ok]``), or None.

    A starred target (``a, *b = <-ch``) unpacks the received value instead.
    """
    if node.__class__ in (ast.Tuple, ast.List) and len(node.elts) == 2:
        if all(t.__class__ is not ast.Starred for t in node.elts):
            return node.elts
    return None


class Lowerer(ExprLowering, MatchLowering, DefinitionLowering):
    """Builds the AST of one module; one instance per parse."""

    def __init__(self, source: SourceText, mode: str) -> None:
        super().__init__(source)
        self.go = GoLowering(source, mode)
        self.go.prelude_names = self.prelude_names

    # ---------------------------------------------------------------- structure

    def file_input(self, c: list) -> ast.Module:
        return ast.Module(_flatten(c), [])

    def simple_stmt(self, c: list) -> list[ast.stmt]:
        stmts = c[0:-1:2]
        if len(c) % 2 == 1 and len(c) > 1:
            # A trailing ';' ends the enclosing compound statement's span (CPython
            # ends it at the block's last token), not the statement's own.
            last, semi = stmts[-1], c[-2]
            self.parens[id(last)] = (
                last.lineno,
                last.col_offset,
                semi.end_lineno,
                semi.end_col_offset,
                last,
            )
        return stmts

    def block(self, c: list) -> list[ast.stmt]:
        if c[0].__class__ is Tok:
            return _flatten(c[2:-1])
        return c[0]

    # ---------------------------------------------------------------- simple statements

    def expr_stmt(self, c: list) -> ast.stmt:
        value = c[0]
        if value.__class__ is ast.Starred:
            raise self.error_at("can't use starred expression here", value)
        return self.node(ast.Expr, value, value, value)

    def assign(self, c: list) -> ast.stmt:
        items = c[::2]
        value = items.pop()
        if value.__class__ is ast.Starred:
            raise self.error_at("can't use starred expression here", value)
        if len(items) == 1:
            targets = _comma_ok_targets(items[0]) if id(value) in self.recv else None
            if targets is not None:
                channel, recv_pos, _ = self.recv.pop(id(value))
                for t in targets:
                    self.store(t, "assign")
                return self.go.recv_ok_assign(
                    targets, channel, self.span(items[0], value), recv_pos
                )
        for target in items:
            self.store(target, "assign")
        return self.node(ast.Assign, items[0], value, items, value, None)

    def annassign(self, c: list) -> ast.stmt:
        target = c[0]
        cls = target.__class__
        if cls is ast.Tuple:
            raise self.error_at("only single target (not tuple) can be annotated", target)
        if cls is ast.List:
            raise self.error_at("only single target (not list) can be annotated", target)
        if cls not in (ast.Name, ast.Attribute, ast.Subscript):
            raise self.error_at("illegal target for annotation", target)
        self.store(target, "assign")
        simple = 1 if cls is ast.Name and id(target) not in self.parens else 0
        value = c[4] if len(c) == 5 else None
        return self.node(ast.AnnAssign, target, c[-1], target, c[2], value, simple)

    def augassign(self, c: list) -> ast.stmt:
        target, op, value = c
        if target.__class__ not in (ast.Name, ast.Attribute, ast.Subscript):
            raise self.error_at(
                f"'{self.describe(target)}' is an illegal expression for augmented assignment",
                target,
            )
        self.store(target, "assign")
        return self.node(ast.AugAssign, target, value, target, self.AUGOPS[op.value], value)

    def short_decl(self, c: list) -> ast.stmt:
        targets = _targets_of(c[0], self)
        value = c[2]
        for target in targets:
            self.store(target, "assign")
        if len(targets) == 2 and id(value) in self.recv:
            channel, recv_pos, _ = self.recv.pop(id(value))
            return self.go.recv_ok_assign(
                targets, channel, self.span(c[0], value), recv_pos, declare=True
            )
        return self.go.short_decl(targets, value, self.span(c[0], value))

    def send_stmt(self, c: list) -> ast.stmt:
        channel, op, value = c
        return self.go.send_stmt(channel, value, self.span(channel, value), self.span(op, op))

    def go_stmt(self, c: list) -> ast.stmt:
        return self.go.go_stmt(c[1], self.span(c[0], c[1]))

    def defer_stmt(self, c: list) -> ast.stmt:
        return self.go.defer_stmt(c[1], self.span(c[0], c[1]))

    def del_stmt(self, c: list) -> ast.stmt:
        targets = _targets_of(c[1], self)
        for target in targets:
            self.delete(target)
        return self.node(ast.Delete, c[0], c[1], targets)

    def pass_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Pass, c[0], c[0])

    def break_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Break, c[0], c[0])

    def continue_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Continue, c[0], c[0])

    def return_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Return, c[0], c[-1], c[1] if len(c) == 2 else None)

    def raise_stmt(self, c: list) -> ast.stmt:
        exc = c[1] if len(c) > 1 else None
        cause = c[3] if len(c) == 4 else None
        return self.node(ast.Raise, c[0], c[-1], exc, cause)

    def global_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Global, c[0], c[-1], [t.value for t in c[1::2]])

    def nonlocal_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Nonlocal, c[0], c[-1], [t.value for t in c[1::2]])

    def assert_stmt(self, c: list) -> ast.stmt:
        return self.node(ast.Assert, c[0], c[-1], c[1], c[3] if len(c) == 4 else None)

    # ---------------------------------------------------------------- imports

    def import_name(self, c: list) -> ast.stmt:
        if c[0].type == "LAZY":  # lazy import (PEP 810, Python 3.15)
            node = self.node(ast.Import, c[0], c[-1], c[2::2])
            node.is_lazy = 1
            return node
        node = self.node(ast.Import, c[0], c[-1], c[1::2])
        if PEP810:
            node.is_lazy = 0
        return node

    def dotted_name(self, c: list) -> tuple[str, Tok, Tok]:
        return ".".join([t.value for t in c[::2]]), c[0], c[-1]

    def dotted_as_name(self, c: list) -> ast.alias:
        dotted, first, last = c[0]
        if len(c) == 3:
            return self.node(ast.alias, first, c[2], dotted, c[2].value)
        return self.node(ast.alias, first, last, dotted, None)

    def import_from(self, c: list) -> ast.stmt:
        if c[0].type == "LAZY":
            level, module = c[2]
            names, last = c[4]
            node = self.node(ast.ImportFrom, c[0], last, module, names, level)
            node.is_lazy = 1
            return node
        level, module = c[1]
        names, last = c[3]
        node = self.node(ast.ImportFrom, c[0], last, module, names, level)
        if PEP810:
            node.is_lazy = 0  # (3.15's parser sets it on every import)
        return node

    def import_module(self, c: list) -> tuple[int, str | None]:
        if len(c) == 2:
            return c[0], c[1][0]
        if c[0].__class__ is int:
            return c[0], None
        return 0, c[0][0]

    def import_dots(self, c: list) -> int:
        return sum(3 if t.value == "..." else 1 for t in c)

    def import_targets(self, c: list) -> tuple[list[ast.alias], Any]:
        if c[0].__class__ is Tok:
            if c[0].value == "*":
                return [self.node(ast.alias, c[0], c[0], "*", None)], c[0]
            return [a for a in c[1:-1] if a.__class__ is ast.alias], c[-1]
        return c[::2], c[-1]

    def import_as_name(self, c: list) -> ast.alias:
        return self.node(ast.alias, c[0], c[-1], c[0].value, c[2].value if len(c) == 3 else None)

    # ---------------------------------------------------------------- compound statements

    def if_stmt(self, c: list) -> ast.stmt:
        rest = c[4:]
        orelse: list[ast.stmt] = rest.pop() if rest and rest[-1].__class__ is list else []
        for tok, test, body in reversed(rest):
            orelse = [self.node(ast.If, tok, (orelse or body)[-1], test, body, orelse)]
        body = c[3]
        return self.node(ast.If, c[0], (orelse or body)[-1], c[1], body, orelse)

    def elif_clause(self, c: list) -> tuple[Tok, ast.expr, list[ast.stmt]]:
        return c[0], c[1], c[3]

    def else_clause(self, c: list) -> list[ast.stmt]:
        return c[2]

    def finally_clause(self, c: list) -> tuple[str, list[ast.stmt]]:
        return "finally", c[2]

    def while_stmt(self, c: list) -> ast.stmt:
        orelse = c[4] if len(c) == 5 else []
        return self.node(ast.While, c[0], (orelse or c[3])[-1], c[1], c[3], orelse)

    def for_stmt(self, c: list) -> ast.stmt:
        target = c[1]
        self.store(target, "for")
        orelse = c[6] if len(c) == 7 else []
        return self.node(ast.For, c[0], (orelse or c[5])[-1], target, c[3], c[5], orelse, None)

    def async_for(self, c: list) -> ast.stmt:
        f = c[1]
        return self.node(ast.AsyncFor, c[0], f, f.target, f.iter, f.body, f.orelse, None)

    def range_for(self, c: list) -> ast.stmt:
        if c[1].__class__ is Tok:  # for range x:
            targets: list[ast.expr] = []
            rest = c[2:]
        else:
            targets = _targets_of(c[1], self)
            for target in targets:
                self.store(target, "for")
            rest = c[4:]
        iterable, body = rest[0], rest[2]
        orelse = rest[3] if len(rest) == 4 else []
        pos = self.span(c[0], (orelse or body)[-1])
        return self.go.range_for(targets, iterable, body, orelse, pos)

    def try_stmt(self, c: list, cls: type = ast.Try) -> ast.stmt:
        handlers: list[ast.excepthandler] = []
        orelse: list[ast.stmt] = []
        finalbody: list[ast.stmt] = []
        for part in c[3:]:
            if part.__class__ is ast.ExceptHandler:
                handlers.append(part)
            elif part.__class__ is list:
                orelse = part
            else:
                finalbody = part[1]
        last = (finalbody or orelse or handlers)[-1]
        return self.node(cls, c[0], last, c[2], handlers, orelse, finalbody)

    def try_star(self, c: list) -> ast.stmt:
        return self.try_stmt(c, ast.TryStar)

    def except_clause(self, c: list) -> ast.excepthandler:
        body = c[-1]
        n = len(c)
        exc = c[1] if n >= 4 else None
        name = c[3].value if n == 6 else None
        if exc.__class__ is list:
            exc = self._except_types(exc, c[3] if n == 6 else None)
        return self.node(ast.ExceptHandler, c[0], body[-1], exc, name, body)

    def except_star_clause(self, c: list) -> ast.excepthandler:
        body = c[-1]
        name = c[4].value if len(c) == 7 else None
        exc = c[2]
        if exc.__class__ is list:
            exc = self._except_types(exc, c[4] if len(c) == 7 else None)
        return self.node(ast.ExceptHandler, c[0], body[-1], exc, name, body)

    def except_types(self, c: list) -> list:
        return c

    def _except_types(self, c: list, name: Tok | None) -> ast.expr:
        """``except A, B:`` (PEP 758, Python 3.14): a tuple without parentheses."""
        if name is not None or not PEP758:
            msg = "multiple exception types must be parenthesized"
            if PEP758:
                msg += " when using 'as'"
            last = name if name is not None else c[-1]
            first = self.span(c[0], c[0])
            raise self.source.error(msg, first[0], first[1], *self.span(last, last)[2:])
        for item in c[::2]:
            if item.__class__ is ast.Starred:  # pragma: no cover - the grammar has no '*' here
                raise self.error_at("cannot use starred expression here", item)
        return self.node(ast.Tuple, c[0], c[-1], c[::2], ast.Load())

    def with_stmt(self, c: list) -> ast.stmt:
        body = c[-1]
        items = [x for x in c[1:-2] if x.__class__ is ast.withitem]
        return self.node(ast.With, c[0], body[-1], items, body, None)

    def with_item(self, c: list) -> ast.withitem:
        if len(c) == 3:
            self.store(c[2], "with")
            return ast.withitem(c[0], c[2])
        return ast.withitem(c[0], None)

    def async_with(self, c: list) -> ast.stmt:
        w = c[1]
        return self.node(ast.AsyncWith, c[0], w, w.items, w.body, None)

    def decorated(self, c: list) -> ast.stmt:
        definition = c[-1]
        definition.decorator_list = c[:-1]
        return definition

    def decorator(self, c: list) -> ast.expr:
        return c[1]

    # ---------------------------------------------------------------- match

    def match_stmt(self, c: list) -> ast.stmt:
        cases = c[5:-1]
        return self.node(ast.Match, c[0], cases[-1].body[-1], c[1], cases)

    def case_block(self, c: list) -> ast.match_case:
        guard = c[3] if len(c) == 6 else None
        return ast.match_case(c[1], guard, c[-1])

    # ---------------------------------------------------------------- select (gopy)

    def select_stmt(self, c: list) -> list[ast.stmt]:
        arms: list[SelectArm] = c[4:-1]
        seen_default = False
        for arm in arms:
            if arm.kind == "default":
                if seen_default:
                    raise self.source.error("'default' appears twice in 'select'", *arm.pos)
                seen_default = True
        return self.go.select_stmt(arms, self.span(c[0], arms[-1].body[-1]))

    def select_empty(self, c: list) -> list[ast.stmt]:
        word = next(t for t in c[2:] if t.value == "pass")  # select: pass, or pass indented
        return self.go.select_stmt([], self.span(c[0], word))

    def select_recv(self, c: list) -> SelectArm:
        body = c[-1]
        colon = c[-2]
        k = 1 if c[-3].__class__ is Tok else 0  # case v := (<-ch):
        channel = c[-3 - k]
        op = c[-4 - k]
        targets: list[ast.expr] = []
        declare = False
        if len(c) == 7 + 2 * k:
            targets = _targets_of(c[1], self)
            if len(targets) == 1 and c[2].value == "=":
                targets = _comma_ok_targets(targets[0]) or targets
            if len(targets) > 2:
                raise self.error_at("a receive case assigns at most two targets", c[1])
            for target in targets:
                self.store(target, "assign")
            declare = c[2].value == ":="
        return SelectArm(
            "recv", channel, None, targets, declare, body, self.span(c[0], colon), self.span(op, op)
        )

    def select_send(self, c: list) -> SelectArm:
        _, channel, op, value, colon, body = c
        return SelectArm(
            "send", channel, value, [], False, body, self.span(c[0], colon), self.span(op, op)
        )

    def select_default(self, c: list) -> SelectArm:
        return SelectArm("default", None, None, [], False, c[2], self.span(c[0], c[1]), None)


def lower(source: SourceText, mode: str = "exec") -> ast.Module:
    """Parse and lower ``source``; raises ``GopySyntaxError`` for errors in it."""
    tables = load_tables()
    try:
        tokens = tokenize(source, tables)
    except GopySyntaxError as exc:
        # Which of two errors CPython reports: after a parser error it tokenizes
        # the rest of the file, and most tokenizer errors found there win; not
        # the indentation and end-of-input ones, an unclosed bracket or an
        # invalid ASCII character, and never over "unexpected indent".
        earlier = _earlier_error(source, mode, getattr(exc, "tokens_before", None))
        if earlier is not None:
            msg = exc.msg
            deferred = (
                msg in _DEFERRED_TOKENIZER_ERRORS
                or msg.startswith("unclosed '")
                or (msg.startswith("invalid character '") and msg[19].isascii())
            )
            if deferred or earlier.msg == "unexpected indent":
                raise earlier from None
        raise
    lowerer = Lowerer(source, mode)
    callbacks: list[Any] = [
        getattr(lowerer, name) if kind == CALL else None for _, _, kind, _, name in tables.rules
    ]
    try:
        module = run_parser(tokens, tables, callbacks)
    except UnexpectedToken as exc:
        raise syntax_error(exc, source, tables, tokens) from None
    return finish(lowerer.go, module)


_DEFERRED_TOKENIZER_ERRORS = frozenset(
    {
        "unindent does not match any outer indentation level",
        "inconsistent use of tabs and spaces in indentation",
        "too many levels of indentation",
        "unexpected EOF while parsing",
    }
)


def _earlier_error(
    source: SourceText, mode: str, tokens: list[Tok] | None
) -> GopySyntaxError | None:
    """The syntax error in ``tokens`` (the lines before a tokenizer error), if they have one."""
    if not tokens:
        return None
    tables = load_tables()
    lowerer = Lowerer(source, mode)
    callbacks: list[Any] = [
        getattr(lowerer, name) if kind == CALL else None for _, _, kind, _, name in tables.rules
    ]
    last = tokens[-1]
    stop = Tok(
        "$STOP", "", last.end_lineno, last.end_col_offset, last.end_lineno, last.end_col_offset
    )
    try:
        run_parser([*tokens, stop], tables, callbacks)
    except UnexpectedToken as exc:
        if exc.token is stop:
            return None
        return syntax_error(exc, source, tables, [*tokens, stop])
    except GopySyntaxError as exc:
        return exc
    except Exception:  # pragma: no cover - a bug here must not hide the tokenizer's error
        return None
    return None
