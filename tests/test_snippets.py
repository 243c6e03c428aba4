"""Tricky Python snippets, one per grammar feature: gopy.parse must equal ast.parse exactly.

Also checks that gopy's soft keywords stay ordinary names in plain Python.
"""

from __future__ import annotations

import ast
import sys
import warnings

import pytest

import gopy
from gopy.compiler import _compile as _compiler

# Each snippet is parsed by both; a leading newline makes "line 1" wrong everywhere.
SNIPPETS: dict[str, str] = {
    # ---- what lark's python.lark misses (issue 2)
    "with_as_tuple": "with a as (b, c): pass\n",
    "with_as_attr": "with a as self.x: pass\n",
    "with_as_subscript": "with a as b[0], c as d.e: pass\n",
    "with_parenthesized": "with (a as b, c as d): pass\n",
    "with_parenthesized_trailing_comma": "with (\n    open(x) as f,\n    open(y) as g,\n):\n    pass\n",
    "with_parenthesized_no_as": "with (a, b): pass\n",
    "with_tuple_as": "with (a, b) as c: pass\n",
    "with_paren_expr": "with (a) as b, (c): pass\n",
    "with_genexp": "with (x for x in y): pass\n",
    "with_walrus": "with (a := b): pass\nwith (a := b) as c: pass\nwith (lambda: 1)(): pass\n",
    "except_star": "try:\n    pass\nexcept* ValueError as e:\n    pass\nexcept* (TypeError, KeyError):\n    pass\n",
    "tuple_star_subscript": "x: tuple[*Ts]\ny = a[*b]\nz = a[1, *b]\n",
    "star_param_annotation": "def f(*args: *Ts): pass\n",
    "match_negative_number": "match x:\n    case -1:\n        pass\n    case -1.5:\n        pass\n",
    "match_complex": "match x:\n    case 1 + 2j:\n        pass\n    case -1 - 2j:\n        pass\n    case 0j:\n        pass\n",
    "match_implicit_concat": "match x:\n    case 'a' 'b':\n        pass\n    case b'x' b'y':\n        pass\n",
    "match_tuple_subject": "match x, y:\n    case a, b:\n        pass\n",
    "match_star_subject": "match *a, b:\n    case _:\n        pass\n",
    "backslash_newline_in_string": "x = 'abc\\\ndef'\ny = b'\\\n'\n",
    "trailing_comma_args": "def f(*args,): pass\ndef g(**kw,): pass\ndef h(*, a,): pass\ndef i(a, /, b, *c, d, **e,): pass\n",
    "lambda_trailing_comma": "f = lambda *a,: 0\ng = lambda **k,: 0\nh = lambda *, a,: 0\n",
    "return_star": "def f():\n    return *a, b\n",
    "yield_star": "def f():\n    yield *a, b\n    x = yield *a, b\n",
    "for_in_star": "for x in *a, b:\n    pass\n",
    "relaxed_decorators": "@x[0].y\n@(lambda f: f)\n@a.b.c\n@f()()\ndef f(): pass\n",
    "decorator_walrus": "@(x := d)\nclass C: pass\n",
    "comprehension_if_if": "[x for x in y if p if q]\n{x for x in y if a if b if c}\n",
    "lambda_slash": "f = lambda a, /, b: 0\ng = lambda a, /: 0\nh = lambda a=1, /, b=2, *c, d, e=3, **f: 0\n",
    "several_double_star": "f(**a, **b)\nf(*a, *b, c, **d, e=1, **f)\nf(a=1, *b)\n",
    "nfkc_identifiers": "ﬁle = 1\nℌ = 2\n𝔘𝔫𝔦𝔠𝔬𝔡𝔢 = ﬁle\nx = ℌ\n",
    "annassign_star_rhs": "x: tuple = *a, b\n",
    # ---- literals
    "numbers": "a = 0, 00, 0_0, 1_000, 0x_ff, 0XFF, 0o17, 0O_7, 0b1010, 0B_1\n"
               "b = 1.5, 1., .5, 1e10, 1E-5, 1_0.0_1e+1_0, 1j, 1.5J, 0j, 1e5j, 10_0j\n"
               "c = 123456789012345678901234567890\n",
    "strings": "a = 'x', \"y\", '''z''', \"\"\"w\"\"\", r'\\d', R'\\n', u'x', U'y'\n"
               "b = b'x', B'y', br'\\d', Rb'\\x', rB'z', bR'q'\n"
               "c = '\\n\\t\\x41\\u00e9\\N{BULLET}\\0\\777', b'\\x00\\n'\n"
               "d = ''\ne = \"\"\nf = ''''''\ng = ''''a'''\n",
    "implicit_concat": "x = ('a'\n     'b'  # comment\n     \"c\")\ny = 'a' 'b' 'c'\nz = b'a' b'b'\nw = u'a' 'b'\nv = 'a' u'b'\n",
    "multiline_strings": "x = '''a\nb\nc'''\ny = f(\"\"\"\n  text\n\"\"\", 1)\n",
    "string_escapes_in_triple": "x = '''a\\\nb'''\ny = \"\"\"\\t\\\"\"\"\"\n",
    "docstrings": "'''Module doc.'''\nclass C:\n    '''Class doc.'''\n    def f(self):\n        \"\"\"Doc.\"\"\"\n",
    "constants": "x = None, True, False, ...\ny = a[...]\n",
    # ---- f-strings of every shape
    "fstring_simple": "f'{x}'\nf'a{x}b{y}c'\nf''\nf'plain'\n",
    "fstring_conversion_spec": "f'{x!r} {y!s:>10} {z!a} {w:{width}.{prec}}'\n",
    "fstring_debug": "f'{x=}'\nf'{x = }'\nf'{x=!r:^20}'\nf'{x + 1=}'\n",
    "fstring_nested": "f'{f\"{x}\"}'\nf\"{'a' if x else 'b'}\"\n",
    "fstring_concat": "x = 'a' f'{b}' 'c' f'{d!r}'\ny = ('a'\n     f'{b}'\n     'c')\n",
    "fstring_multiline": "x = f'''\n{a}\n  {b\n   + c}\n'''\ny = (\n    f'{a}'\n    f'{b}'\n)\n",
    "fstring_raw": "rf'\\d{x}' + fR'{y}\\n' + Rf'{z}' + FR'{w}'\n",
    "fstring_dict_expr": "f'{d[\"k\"]}' f\"{ {'a': 1}['a'] }\"\n",
    "fstring_braces": "f'{{}}' f'{{{x}}}' f'a{{b'\n",
    "fstring_in_call": "print(f'{x}', end=f'{y}')\n",
    "fstring_non_ascii": "s = 'é'; t = f'é{x}é{y!r}'\nu = f'中文{x}'\n",
    "fstring_lambda": "f'{(lambda: 1)()}'\n",
    "fstring_after_form_feed_and_line_separator": "x = 1\n\x0c\ny = f'{a}'\ns = 'a\u2028b\x1cc'\nz = f'{q}'\n",
    "fstring_indented": "def f():\n    if x:\n        return f'{a}' f'{b}'\n",
    # ---- statements
    "decorators": "@dec\n@dec.attr(1, k=2)\nclass C(Base, metaclass=M):\n    @property\n    def x(self): return 1\n",
    "async_constructs": "async def f():\n    async with a as b, c:\n        pass\n    async for x in y:\n        pass\n    else:\n        pass\n    await x\n    return [i async for i in g() if await i]\n",
    "async_comprehensions": "async def f():\n    a = [x async for x in y]\n    b = {x: y async for x, y in z}\n    c = (x async for x in y)\n    d = {x async for x in y for z in x}\n",
    "walrus": "if (n := len(a)) > 10: pass\nwhile chunk := f.read(): pass\n[y := f(x), y**2]\nprint(x := 1)\na[x := 1]\nif x := 1: pass\n",
    "walrus_in_comprehension": "[y for x in data if (y := f(x))]\n[(y := f(x)) for x in data]\n",
    "star_expressions": "a, *b = c\n*a, b = c\n[a, *b] = c\n(*a,) = c\nx = *a, *b\nprint(*a, *b)\nfor *a, b in c: pass\n",
    "global_nonlocal": "def f():\n    global a, b\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n",
    "type_hinted_params": "def f(a: int, b: str = 'x', *args: int, c: 'C' = None, **kw: dict) -> list[int]:\n    pass\n",
    "posonly_kwonly": "def f(a, b=1, /, c=2, *, d, e=3, **f): pass\ndef g(a, /): pass\ndef h(*, a): pass\n",
    "lambda_forms": "f = lambda: 0\ng = lambda x: x\nh = lambda x, y=1, *a, z, **k: 0\ni = lambda *, x: x\nj = lambda x: (yield)\nk = lambda: lambda: 0\n",
    "line_continuations": "x = 1 + \\\n    2\nif a and \\\n   b:\n    pass\nassert x, \\\n    'msg'\n",
    "comments_everywhere": "# head\nx = [  # open\n    1,  # one\n    # alone\n    2,\n]  # close\ndef f(  # args\n    a,  # a\n):  # colon\n    # body\n    pass  # pass\n# tail\n",
    "semicolons": "a = 1; b = 2; c = 3;\nif x: a; b\n",
    "trailing_semicolon_ends_block": "def f():\n    x = 1;\nfor a in b:\n    if c: d;\nwhile x: y;  # c\n",
    "augassign_all": "a += 1; a -= 1; a *= 1; a @= 1; a /= 1; a %= 1; a &= 1; a |= 1; a ^= 1\na <<= 1; a >>= 1; a **= 1; a //= 1\na.b += 1; a[0] += 1\n",
    "annassign": "x: int\ny: int = 1\n(z): int = 2\na.b: int\na[0]: int = 3\n",
    "chained_assign": "a = b = c = 1\na, b = b, a\na = b, c = d, e\n",
    "chained_comparison": "a < b <= c == d != e > f >= g in h not in i is j is not k\n",
    "boolean_ops": "a and b or c and not d or not not e\nx = a or b or c\ny = a and b and c\n",
    "unary_binary_precedence": "-a ** -b\n~a + -b * +c\na ** b ** c\nnot a == b\n(a + b) * c\na @ b\na // b % c\na << b >> c & d ^ e | f\n",
    "conditional_expr": "x = a if b else c if d else e\ny = (a if b else c)\n",
    "subscripts_slices": "a[1]; a[1:2]; a[:]; a[::]; a[1:2:3]; a[::2]; a[:, 1]; a[1:2, ::3]; a[x,]; a[()]\n",
    "calls": "f()\nf(a)(b)(c)\nf(a, b=1, *c, **d)\nf(x for x in y)\nobj.method().attr[0](x)\n",
    "parenthesized_exprs": "x = (a)\ny = ((a + b))\nz = (a).b\nw = (a)(b)\nv = (a)[b]\nu = (yield)\n(a) + (b)\n",
    "displays": "[]; [1]; [1, 2,]; (); (1,); (1, 2); {}; {1}; {1: 2}; {1: 2, **d}; {**a, **b}; {*a, *b}\n",
    "comprehensions": "[x for x in y]\n{x for x in y}\n{k: v for k, v in y}\n(x for x in y)\n[x for x in y for z in x if z]\n",
    "imports": "import a\nimport a.b.c as d, e\nfrom a import b\nfrom a.b import (c as d, e,)\nfrom . import x\nfrom .. import y\nfrom ...a import z\nfrom .... import w\nfrom . a import *\n",
    "try_forms": "try:\n    pass\nexcept:\n    pass\ntry:\n    pass\nexcept E as e:\n    pass\nelse:\n    pass\nfinally:\n    pass\ntry:\n    pass\nfinally:\n    pass\n",
    "if_elif_else": "if a:\n    pass\nelif b:\n    pass\nelif c:\n    x = 1\nelse:\n    y = 2\n",
    "loops_else": "for x in y:\n    break\nelse:\n    pass\nwhile x:\n    continue\nelse:\n    pass\n",
    "del_forms": "del a\ndel a, b\ndel (a, b)\ndel [a, b]\ndel a[0], a.b\ndel (a)\n",
    "raise_assert": "raise\nraise E\nraise E from e\nassert x\nassert x, 'msg'\n",
    "return_yield": "def f():\n    return\n    return x\n    yield\n    yield x\n    yield from g()\n    x = yield\n    await_ = 1\n",
    "class_forms": "class A: pass\nclass B(): pass\nclass C(A, B, metaclass=M, **kw): pass\n",
    "nested_functions": "def f():\n    def g():\n        def h():\n            return 1\n        return h\n    return g\n",
    "non_ascii_columns": "s = 'héllo'; t = x\nπ = 3.14; r = π * 2\n# 注释\nd = {'ключ': 'значение', 'k': v}\nf('é', y)\n",
    "tabs_indentation": "if x:\n\tpass\n\tif y:\n\t\tpass\n",
    "form_feed": "\x0cx = 1\ndef f():\n    pass\n\x0c\ndef g(): pass\n",
    "crlf": "x = 1\r\nif x:\r\n    y = '''a\r\nb'''\r\n",
    "no_trailing_newline": "x = 1\nif x:\n    y = 2",
    "empty_module": "",
    "only_comments": "# just a comment\n\n# another\n",
    "blank_lines_in_block": "def f():\n\n    x = 1\n\n\n    return x\n",
    # ---- match statements with all pattern kinds
    "match_all_patterns": (
        "match command:\n"
        "    case 0 | 1 | -2:\n        pass\n"
        "    case 'a' | b'b':\n        pass\n"
        "    case None | True | False:\n        pass\n"
        "    case x:\n        pass\n"
        "    case _:\n        pass\n"
        "    case Color.RED:\n        pass\n"
        "    case a.b.c:\n        pass\n"
        "    case (x):\n        pass\n"
        "    case [x, y, *rest]:\n        pass\n"
        "    case (x, y, *_):\n        pass\n"
        "    case ():\n        pass\n"
        "    case []:\n        pass\n"
        "    case x, y,:\n        pass\n"
        "    case (x,):\n        pass\n"
        "    case {'k': v, 1: w, Color.RED: z, **rest}:\n        pass\n"
        "    case {}:\n        pass\n"
        "    case {-1: x, 1+2j: y, 'a' 'b': z, None: n}:\n        pass\n"
        "    case Point(x=0, y=0):\n        pass\n"
        "    case Point(1, 2, z=3,):\n        pass\n"
        "    case mod.Cls():\n        pass\n"
        "    case [Point(x=0) as p, *_] if p.y > 0:\n        pass\n"
        "    case (1 | 2) as n:\n        pass\n"
        "    case str() | bytes():\n        pass\n"
        "    case {'a': [1, {'b': (c)}]}:\n        pass\n"
    ),
    "match_soft_keyword_names": "match = 1\ncase = 2\nmatch.group(1)\nmatch(x)\nmatch[x]\nprint(match, case)\nmatch: int = 3\n_ = 4\n",
    "match_inline_case_body": "match x:\n    case 1: pass\n    case 2: y = 3; z = 4\n",
    "match_guard_walrus": "match x:\n    case y if (z := y):\n        pass\n",
    # ---- gopy's soft keywords are plain names in plain Python
    "go_defer_select_as_names": (
        "go = 1\ndefer = [0]\nselect = lambda x: x\n"
        "go(f)\ngo(f)(x)\nobj.go()\nobj.defer()\ndefer[0]\nselect(x)\n"
        "go += 1\ngo.x = 1\ngo, defer = 1, 2\nprint(go)\nselect: int = 3\n"
        "default = 1\ndefault: int = 2\nrange = 5\nfor range in x: pass\n"
        "for range, i in y: pass\nfor range.a in z: pass\nfor range[0] in w: pass\n"
        "for x in range(3): pass\n[x for range in y]\ny = (go := 3)\n"
        "go if x else defer\ngo in x\ngo not in x\ngo is not None\ngo and defer\ngo or x\n"
    ),
    "soft_keywords_in_every_position": (
        "def go(defer, select=1, *range, default, case=2, **match): return go\n"
        "class select:\n    go = 1\n    def defer(self, go=go): return self.go\n"
        "a.go.defer.select.range.default.case(go=1, defer=2, select=3, range=4, default=5, case=6)\n"
        "import go\nimport defer as select\nfrom select import go as defer, range\n"
        "lambda go, defer=1, *select, **range: (go, defer, select, range)\n"
        "@go\n@defer.select\ndef f(): pass\n"
        "match select:\n    case go:\n        pass\n"
        "match go, defer:\n    case (select, range) if default:\n        case = 1\n"
        "match x:\n    case {'k': go, **defer}:\n        pass\n    case select.range(default=case):\n        pass\n"
        "try:\n    pass\nexcept go as defer:\n    pass\n"
        "with go as defer, select as (range, default): pass\n"
        "global go\ndel go, defer[0], select.x\nassert go, defer\nraise go from defer\n"
        "for x in y: go = range\nfor x in y: z = range; default = case\n"
        "if go: defer\nwhile select: range\nx = {go: defer, **select}\nf'{go!r:{defer}}'\n"
        "go; defer; select; range; default; case\n"
        "go -x\ngo[f](x)\ngo (f)(x)\ngo\\\n.x\n"
    ),
    # far right on a line, f-string groups are parsed unpadded and moved (same columns)
    "fstrings_far_right_on_a_long_non_ascii_line": (
        "x = ('" + "é" * 80 + "', f\"{a}é{b!r:>{c}}\", f\"{x=}\", f\"é{a['é']}\" 'b' f'{c}', f\"{f'{d}'}\")\n"
        + "y = [" + ", ".join(["f'é{i}'"] * 40) + "]\n"
    ),
    "walrus_range_name": "if x := range(3): pass\nwhile (y := range(2)): pass\n",
    "space_before_minus": "a < -b\nif x < -1: pass\n",
}


def _dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_matches_cpython(name: str) -> None:
    src = SNIPPETS[name]
    for text in (src, "\n" + src):  # the leading newline makes "line 1" wrong everywhere
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = _dump(ast.parse(text))
            assert _dump(gopy.parse(text)) == expected


def _indentable(src: str) -> bool:
    # multi-line strings and layout snippets would change meaning when indented
    return bool(src.strip()) and not any(s in src for s in ("\r", "\x0c", "\t", "'''", '"""', "\\\n"))


@pytest.mark.parametrize("name", sorted(n for n, s in SNIPPETS.items() if _indentable(s)))
def test_snippet_indented_in_function(name: str) -> None:
    """The same snippet one block deeper (columns shift, f-string columns too)."""
    src = SNIPPETS[name]
    body = "".join("    " + line if line.strip() else line for line in src.splitlines(keepends=True))
    text = "def _wrapper():\n" + body + ("\n" if not body.endswith("\n") else "") + "    pass\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _dump(ast.parse(text))
        assert _dump(gopy.parse(text)) == expected


def test_bytes_source_with_bom_and_cookie() -> None:
    src = "# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n"
    data = src.encode("latin-1")
    assert _dump(gopy.parse(data)) == _dump(ast.parse(data))
    bom = b"\xef\xbb\xbfx = '\xc3\xa9'\n"
    assert _dump(gopy.parse(bom)) == _dump(ast.parse(bom))


def test_invalid_escape_warns_with_position() -> None:
    # a DeprecationWarning on 3.11, a SyntaxWarning from 3.12 on (as CPython's)
    category = DeprecationWarning if sys.version_info < (3, 12) else SyntaxWarning
    with pytest.warns(category, match="invalid escape sequence") as caught:
        gopy.parse("\nx = '\\d'\n", "f.gopy")
    assert [(w.filename, w.lineno) for w in caught] == [("f.gopy", 2)]


def test_deeply_nested_expression() -> None:
    text = "x = " + "(" * 50 + "1" + ")" * 50 + "\n"
    assert _dump(gopy.parse(text)) == _dump(ast.parse(text))


def test_long_operator_chain() -> None:
    text = "x = " + " + ".join(f"a{i}" for i in range(300)) + "\n"
    assert _dump(gopy.parse(text)) == _dump(ast.parse(text))


# ---- gopy syntax: the grammar side of every construct (the shapes are the Go-lowering helper's)
GO_SNIPPETS: dict[str, tuple[str, str]] = {
    "send": (
        "ch <- 1\nchans[0] <- x + 1\nobj.ch <- <-other\n",
        "await gopy.send(ch, 1)\nawait gopy.send(chans[0], x + 1)\nawait gopy.send(obj.ch, await gopy.recv(other))",
    ),
    "recv_precedence": (
        "x = <-ch + 1\ny = <-<-cc\nz = -<-ch\nw = <-ch ** 2\nprint(<-ch, [<-a, <-b])\n",
        "x = await gopy.recv(ch) + 1\ny = await gopy.recv(await gopy.recv(cc))\nz = -await gopy.recv(ch)\n"
        "w = await gopy.recv(ch ** 2)\nprint(await gopy.recv(ch), [await gopy.recv(a), await gopy.recv(b)])",
    ),
    "comma_ok": (
        "v, ok = <-ch\nv, ok := <-ch\na, b = (<-ch)\nq := <-ch\n",
        "v, ok = await gopy.recv_ok(ch)\nv, ok = await gopy.recv_ok(ch)\na, b = await gopy.recv(ch)\n"
        "q = await gopy.recv(ch)",
    ),
    "comma_ok_target_forms": (
        "[a, b] = <-ch\n(a, b) = <-ch\nself.v, d[k] = <-ch\na, *b = <-ch\na, b = <-ch, 1\nx = y = <-ch\n",
        "a, b = await gopy.recv_ok(ch)\na, b = await gopy.recv_ok(ch)\nself.v, d[k] = await gopy.recv_ok(ch)\n"
        "a, *b = await gopy.recv(ch)\na, b = (await gopy.recv(ch), 1)\nx = y = await gopy.recv(ch)",
    ),
    "select_comma_ok_target_forms": (
        "select:\n    case [a, b] = <-c:\n        pass\n    case (d, e) = <-c:\n        pass\n"
        "    case self.x = <-c:\n        pass\n",
        "_selected = await gopy.select(gopy.recv_case(c), gopy.recv_case(c), gopy.recv_case(c))\n"
        "if _selected.index == 0:\n    a, b = (_selected.value, _selected.ok)\n    pass\n"
        "elif _selected.index == 1:\n    d, e = (_selected.value, _selected.ok)\n    pass\n"
        "else:\n    self.x = _selected.value\n    pass",
    ),
    "short_decl": ("x := 1\na, b := 1, 2\nc, d := f()\n", "x = 1\na, b = (1, 2)\nc, d = f()"),
    "walrus_keeps_python_meaning": ("if (y := f()):\n    print(y)\n", "if (y := f()):\n    print(y)"),
    "go": ("go f(1, b=2)\ngo obj.m(x)\nif x: go h()\na = 1; go h()\n",
           "gopy.go(f, 1, b=2)\ngopy.go(obj.m, x)\nif x:\n    gopy.go(h)\na = 1\ngopy.go(h)"),
    "range": (
        "for x := range ch:\n    pass\nfor k, v := range d:\n    pass\nfor range ch:\n    pass\n"
        "for i := range 10:\n    pass\nelse:\n    pass\n",
        "async for x in gopy.range_of(ch):\n    pass\nasync for k, v in gopy.range_of(d, pairs=True):\n    pass\n"
        "async for _ in gopy.range_of(ch):\n    pass\nasync for i in gopy.range_of(10):\n    pass\nelse:\n    pass",
    ),
    "select": (
        "select:\n    case v := <-a:\n        A\n    case v, ok := <-b:\n        B\n    case out <- item:\n        C\n"
        "    case <-quit:\n        D\n    case t = <-c:\n        E\n    case x.y, z[0] = <-c: pass\n    default:\n        F\n",
        "_selected = await gopy.select(gopy.recv_case(a), gopy.recv_case(b), gopy.send_case(out, item), "
        "gopy.recv_case(quit), gopy.recv_case(c), gopy.recv_case(c), default=True)\n"
        "if _selected.index == 0:\n    v = _selected.value\n    A\nelif _selected.index == 1:\n"
        "    v, ok = (_selected.value, _selected.ok)\n    B\nelif _selected.index == 2:\n    C\n"
        "elif _selected.index == 3:\n    D\nelif _selected.index == 4:\n    t = _selected.value\n    E\n"
        "elif _selected.index == 5:\n    x.y, z[0] = (_selected.value, _selected.ok)\n    pass\nelse:\n    F",
    ),
    "range_is_a_name_after_the_for_header": (
        "for x in y: z := range\nfor i := range 3: r := range\n",
        "for x in y:\n    z = range\nasync for i in gopy.range_of(3):\n    r = range",
    ),
    "go_call_shapes": (
        "go fs[0](x)\ngo a.b(1).c(*xs, k=v, **kw)\ngo f[int](x)\ngo f()()\ngo f(x for x in y)\n",
        "gopy.go(fs[0], x)\ngopy.go(a.b(1).c, *xs, k=v, **kw)\ngopy.go(f[int], x)\ngopy.go(f())\n"
        "gopy.go(f, (x for x in y))",
    ),
    # 'go (' starts a call of a variable named 'go', as in Python
    "go_then_parenthesis_is_python": ("go (f)(x)\ngo(f)\ngo (lambda: 1)()\n", "go(f)(x)\ngo(f)\ngo(lambda: 1)()"),
    "recv_precedence_corners": (
        "a = not <-ch\nb = -<-ch\nc = <-ch if x else y\nd = <-ch, 1\ne[<-ch] = <-ch.attr\nf = <-g()\n"
        "h = (<-ch).x\ni = 2 ** <-ch\nj = <-ch[0]\nk = ~<-ch\nl = {<-ch: <-ch}\nm = [*<-ch]\nn = a if<-ch else b\n",
        "a = not await gopy.recv(ch)\nb = -await gopy.recv(ch)\nc = await gopy.recv(ch) if x else y\n"
        "d = (await gopy.recv(ch), 1)\ne[await gopy.recv(ch)] = await gopy.recv(ch.attr)\nf = await gopy.recv(g())\n"
        "h = (await gopy.recv(ch)).x\ni = 2 ** await gopy.recv(ch)\nj = await gopy.recv(ch[0])\n"
        "k = ~await gopy.recv(ch)\nl = {await gopy.recv(ch): await gopy.recv(ch)}\nm = [*await gopy.recv(ch)]\n"
        "n = a if await gopy.recv(ch) else b",
    ),
    "recv_and_send_around_backslashes_and_non_ascii": (
        "λ <- <-ch\nλ2 := <-\\\n    λ\nch \\\n  <- 1\n",
        "await gopy.send(λ, await gopy.recv(ch))\nλ2 = await gopy.recv(λ)\nawait gopy.send(ch, 1)",
    ),
    "nested_select": (
        "select:\n    case v := <-a:\n        select:\n            case <-b:\n                pass\n            default:\n"
        "                x = [y for y in v]\n",
        # (one case and no default: the chain is just that case)
        "_selected = await gopy.select(gopy.recv_case(a))\nv = _selected.value\n"
        "_selected = await gopy.select(gopy.recv_case(b), default=True)\nif _selected.index == 0:\n"
        "    pass\nelse:\n    x = [y for y in v]",
    ),
    "go_syntax_in_match_try_star_and_decorators": (
        "match x:\n    case 1:\n        ch <- 1\n        go f()\ntry:\n    v := <-ch\nexcept* E:\n    ch <- 2\n"
        "@deco(<-ch)\ndef g(): pass\n",
        "match x:\n    case 1:\n        await gopy.send(ch, 1)\n        gopy.go(f)\ntry:\n    v = await gopy.recv(ch)\n"
        "except* E:\n    await gopy.send(ch, 2)\n@deco(await gopy.recv(ch))\ndef g():\n    pass",
    ),
    "range_and_defer_in_an_async_generator": (
        "async def gen(d):\n    defer close(out)\n    for k, v := range d:\n        yield k\n    for range d:\n        pass\n",
        "async def gen(d):\n    async with gopy.Defers() as defers:\n        defers.push(close, out)\n"
        "        async for k, v in gopy.range_of(d, pairs=True):\n            yield k\n"
        "        async for _ in gopy.range_of(d):\n            pass",
    ),
    "select_empty": ("select: pass\n", "await gopy.select()"),
    "recv_in_fstring": (
        "print(f\"got {<-ch}!\")\ns = f\"{<-<-cc!r:>10} {x:<-5} {'<-'} {a<<-b} {~~y} {<-~z}\"\n",
        "print(f'got {await gopy.recv(ch)}!')\n"
        # (ast.unparse nests the same quotes from 3.12 on)
        + ("s = f\"{await gopy.recv(await gopy.recv(cc))!r:>10} {x:<-5} {'<-'} {a << -b} {~~y} {await gopy.recv(~z)}\""
           if sys.version_info < (3, 12) else
           "s = f'{await gopy.recv(await gopy.recv(cc))!r:>10} {x:<-5} {'<-'} {a << -b} {~~y} {await gopy.recv(~z)}'"),
    ),
    # Go allows the receive of a case in parentheses (test/chan/select3.go)
    "select_parenthesised_receive": (
        "select:\n    case v := (<-a):\n        pass\n    case w = (<-b):\n        pass\n",
        "_selected = await gopy.select(gopy.recv_case(a), gopy.recv_case(b))\n"
        "if _selected.index == 0:\n    v = _selected.value\n    pass\nelse:\n    w = _selected.value\n    pass",
    ),
    "select_with_an_indented_pass": ("select:\n    pass\n", "await gopy.select()"),
    "case_and_match_names_in_select_arms": (
        "select:\n    case match := <-ch:\n        case = match\n",
        "_selected = await gopy.select(gopy.recv_case(ch))\nmatch = _selected.value\ncase = match",
    ),
}


def _body(src: str) -> str:
    """The lowered statements of an ``async def`` wrapping ``src``."""
    text = "async def _f():\n" + "".join("    " + line if line.strip() else line for line in src.splitlines(True))
    module = gopy.parse(text, "t.gopy", "exec")
    func = next(node for node in module.body if isinstance(node, ast.AsyncFunctionDef))
    return "\n".join(ast.unparse(stmt) for stmt in func.body)


@pytest.mark.parametrize("name", sorted(GO_SNIPPETS))
def test_go_construct(name: str) -> None:
    src, expected = GO_SNIPPETS[name]
    assert _body(src) == expected


def test_go_construct_positions_point_at_the_source() -> None:
    module = gopy.parse("\nasync def f():\n    x = 1 + <-ch\n", "t.gopy", "exec")
    binop = module.body[-1].body[0].value
    recv = binop.right
    assert (recv.lineno, recv.col_offset, recv.end_lineno, recv.end_col_offset) == (3, 12, 3, 16)
    assert (binop.col_offset, binop.end_col_offset) == (8, 16)


def test_non_ascii_go_positions_are_bytes() -> None:
    module = gopy.parse("async def f():\n    é = 'é' + <-ch\n", "t.gopy", "exec")
    recv = module.body[-1].body[0].value.right
    assert (recv.col_offset, recv.end_col_offset) == (len("    é = 'é' + ".encode()), len("    é = 'é' + <-ch".encode()))


def test_plain_python_is_ast_parse_in_both_modes() -> None:
    src = "import os\nx: int = 1\ndef f(a):\n    return a\n"
    for mode in ("exec",):
        assert _dump(gopy.parse(src, mode=mode)) == _dump(ast.parse(src))


def test_translate_and_compile_source() -> None:
    from gopy.compiler import _compile as _compiler

    out = gopy.translate("x := 1\nprint(x)\n", "t.gopy", mode="exec")
    assert out == "x = 1\nprint(x)\n"
    code = _compiler.compile_source(b"x := 40 + 2\n", "t.gopy", "exec")
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["x"] == 42
    assert isinstance(_compiler.COMPILER_TAG, str) and _compiler.COMPILER_TAG.startswith("gopy-")


def test_recv_in_fstring_positions() -> None:
    src = 'async def f():\n    t = (f"é{<-a}"\n         f"""\n  {1 + <-b}""")\n'
    module = gopy.parse(src, "t.gopy", "exec")
    lines = src.splitlines()
    spans = sorted(
        (n.lineno, n.col_offset, lines[n.lineno - 1].encode()[n.col_offset : n.end_col_offset].decode())
        for n in ast.walk(module)
        if isinstance(n, ast.Await)
    )
    assert spans == [(2, 14, "<-a"), (4, 7, "<-b")]


def test_receive_arrows_only_in_replacement_fields() -> None:
    from gopy.compiler._lower_fstrings import receive_arrows

    assert receive_arrows("'<-{x}'") == []
    assert receive_arrows("f'<-{<-x}'") == [5]
    assert receive_arrows("f'{x:<-5}{{<-}}{\"<-\"}{a<<-b}'") == []
    assert receive_arrows("f'{x:{<-w}}'") == [6]
    assert receive_arrows('rf"""{<-x!r}"""') == [6]


@pytest.mark.parametrize(
    "src",
    ['x = f"{cap(c)}"\n', 'x = f"{ｃａｐ(c)}"\n', "x = ｃａｐ(c)\n", "def f():\n    return [cap for _ in x]\n", "case = cap\n"],
)
def test_prelude_read_is_imported_without_other_go_syntax(src: str) -> None:
    module = gopy.parse(src, "t.gopy", "exec")
    first = module.body[0]
    assert isinstance(first, ast.ImportFrom) and first.module == "gopy"
    assert [a.name for a in first.names] == ["cap"]


@pytest.mark.parametrize("src", ["cap = 1\n", "obj.cap(1)\n", "def cap(): pass\n", "f(cap=1)\n", "import cap\ncap.x\n", "x = f'{a.cap}'\n"])
def test_plain_python_binding_or_not_reading_prelude_names_is_ast_parse(src: str) -> None:
    assert _dump(gopy.parse(src, "t.gopy", "exec")) == _dump(ast.parse(src))


# -- main mode: star imports run in place, before the program -----------------------


def _unparse_main(src: str) -> str:
    return ast.unparse(gopy.parse(src, "t.gopy", "main"))


def test_main_mode_star_import_keeps_its_place() -> None:
    out = _unparse_main('import sys\nsys.path.insert(0, "lib")\nfrom helpers import *\nch := chan(1)\nch <- 1\n')
    assert out == (
        "import gopy\nfrom gopy import chan\nimport sys\nsys.path.insert(0, 'lib')\nfrom helpers import *\n\n"
        "async def _main_module():\n    global ch\n    ch = chan(1)\n    await gopy.send(ch, 1)\n"
        "gopy.run_program(_main_module, globals())"
    )


def test_main_mode_star_import_after_go_statements_is_an_error() -> None:
    for src in ("ch := chan(1)\nch <- 1\nfrom m import *\n", "go f()\nfrom m import *\n",
                "x = [await f() for y in z]\nfrom m import *\n", "for i := range 3:\n    pass\nfrom m import *\n"):
        with pytest.raises(gopy.GopySyntaxError) as info:
            gopy.parse("\n" + src, "t.gopy", "main")
        err = info.value
        assert err.msg.startswith("'from ... import *' must come before the program's first Go statement")
        assert (err.lineno, err.offset, err.end_offset) == (src.count("\n") + 1, 1, 16)


def test_main_mode_go_syntax_inside_functions_before_a_star_import_is_fine() -> None:
    out = _unparse_main("async def h(ch):\n    ch <- 1\nfrom m import *\nprint(<-ch)\n")
    assert out.startswith("import gopy\n\nasync def h(ch):\n    await gopy.send(ch, 1)\nfrom m import *\n")


def test_main_mode_prelude_is_imported_before_a_star_import() -> None:
    # the star import may rebind 'chan' (it wins), or not (gopy's stays)
    assert _unparse_main("from m import *\nc := chan()\n").startswith("import gopy\nfrom gopy import chan\nfrom m import *\n")
    assert _unparse_main("from gopy import *\nc := chan()\n").startswith("import gopy\nfrom gopy import *\n")


def test_module_with_go_syntax_and_star_import_gets_the_prelude() -> None:
    out = ast.unparse(gopy.parse("from m import *\nasync def f():\n    c := chan()\n    c <- 1\n", "t.gopy", "exec"))
    assert out.startswith("import gopy\nfrom gopy import chan\nfrom m import *\n")


def test_main_mode_range_without_variables_binds_no_global() -> None:
    out = _unparse_main("for range 3:\n    pass\n")
    assert "global _" not in out and "    _ = " not in out


def test_star_import_program_runs_in_order(tmp_path) -> None:
    (tmp_path / "starmod.py").write_text("__all__ = ['ANSWER', 'chan']\nANSWER = 42\ndef chan():\n    return 'mine'\n")
    src = "import sys\nsys.path.insert(0, %r)\nfrom starmod import *\nprint(ANSWER, chan())\n" % str(tmp_path)
    code = _compiler.compile_source(src, str(tmp_path / "prog.gopy"), "main")
    import subprocess
    import sys

    script = tmp_path / "prog.py"
    script.write_text(ast.unparse(gopy.parse(src, "prog.gopy", "main")))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.stdout == "42 mine\n", result.stderr
    assert code.co_filename.endswith("prog.gopy")



def test_line_endings_bom_and_missing_last_newline_give_the_same_tree() -> None:
    src = (
        "async def f(a, out):\n\tselect:  # pick\n\t\tcase v := <-a:\n\t\t\tprint(v)\n\n\t\t# c\n"
        "\t\tcase out <- (\n\t\t\t1):\n\t\t\tpass\n\t\tdefault: pass\n\tgo g(\n\t\tx)\n\tx := <-\\\n\t\ta\n"
    )
    expected = _dump(gopy.parse(src))
    for variant in (src.replace("\n", "\r\n"), src.replace("\n", "\r"), "\ufeff" + src, src.rstrip("\n")):
        assert _dump(gopy.parse(variant)) == expected
        assert _dump(gopy.parse(variant.encode("utf-8"))) == expected


def test_latin_1_source_with_go_syntax_through_compile_source() -> None:
    import asyncio

    src = b"# -*- coding: latin-1 -*-\nasync def main():\n    ch := chan(1)\n    ch <- '\xe9t\xe9'\n    return <-ch, '\xe9' <- 1 if False else 0\n"
    with pytest.raises(gopy.GopySyntaxError) as info:
        _compiler.compile_source(src, "l1.gopy", "exec")
    assert (info.value.lineno, info.value.offset) == (5, 22)  # a send is a statement; offsets in characters
    src = src.replace(b", '\xe9' <- 1 if False else 0", b"")
    namespace: dict = {}
    exec(_compiler.compile_source(src, "l1.gopy", "exec"), namespace)
    assert asyncio.run(namespace["main"]()) == "été"
    module = gopy.parse(src, "l1.gopy", "exec")
    send = module.body[-1].body[1]
    assert (send.col_offset, send.end_col_offset) == (4, 4 + len("ch <- 'été'".encode()))


def test_main_mode_globals_are_the_names_the_program_binds_after_the_star_import() -> None:
    out = _unparse_main("a = 1\nb = 2\nfrom m import *\nb = 3\nc := <-ch\nprint(a)\n")
    assert "    global b, c\n" in out
    assert out.startswith("import gopy\na = 1\nb = 2\nfrom m import *\n")
