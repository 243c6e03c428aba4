"""Unit tests of the Go-construct builders and module passes, on hand-built ASTs.

The source here is plain Python in which marker calls stand for the Go
constructs (``__send__(ch, v)`` for ``ch <- v``, ``__recv__(ch)`` for ``<-ch``,
``with __select__:`` for ``select:``...). ``lower`` parses it with ``ast.parse``
and calls the ``GoLowering`` builders bottom-up, as the compiler core does, with
the markers' positions.
"""

from __future__ import annotations

import ast
import pathlib
import sysconfig
import textwrap

import pytest

from gopy.compiler._compile_errors import GopySyntaxError
from gopy.compiler._lower_go_constructs import GoLowering, SelectArm
from gopy.compiler._lower_go_module_pass import finish
from gopy.compiler._source_text import SourceText


def _pos(node: ast.AST) -> tuple[int, int, int, int]:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def _marker(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id.startswith("__") and node.func.id.endswith("__"):
            return node.func.id
    if isinstance(node, ast.Name) and node.id in ("__select__", "__default__"):
        return node.id
    return None


def _stores(target: ast.expr | None) -> list[ast.expr]:
    if target is None:
        return []
    if isinstance(target, ast.Tuple):
        return list(target.elts)
    return [target]


class _Markers(ast.NodeTransformer):
    def __init__(self, lowering: GoLowering) -> None:
        self.go = lowering

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _marker(node) == "__recv__":
            return self.go.recv_expr(node.args[0], _pos(node))
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        self.generic_visit(node)
        call = node.value
        kind = _marker(call)
        if kind == "__send__":
            return self.go.send_stmt(call.args[0], call.args[1], _pos(node), _pos(call.func))
        if kind == "__go__":
            return self.go.go_stmt(call.args[0], _pos(node))
        if kind == "__defer__":
            return self.go.defer_stmt(call.args[0], _pos(node))
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        kind = _marker(node.value)
        self.generic_visit(node)
        if kind == "__recv_ok__":
            call = node.value
            return self.go.recv_ok_assign(
                _stores(node.targets[0]), call.args[0], _pos(node), _pos(call)
            )
        if kind == "__decl__":
            return self.go.short_decl(_stores(node.targets[0]), node.value.args[0], _pos(node))
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        if _marker(node.iter) == "__range__":
            targets = [] if _is_blank(node.target) else _stores(node.target)
            return self.go.range_for(targets, node.iter.args[0], node.body, node.orelse, _pos(node))
        return node

    def visit_With(self, node: ast.With) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if _marker(node.items[0].context_expr) != "__select__":
            return node
        arms = []
        for arm in node.body:
            assert isinstance(arm, ast.With)
            item = arm.items[0]
            head = item.context_expr
            arm_pos = (arm.lineno, arm.col_offset, head.end_lineno, head.end_col_offset)
            kind = _marker(head)
            if kind == "__default__":
                arms.append(SelectArm("default", None, None, [], False, arm.body, arm_pos, None))
                continue
            declare = not any(k.arg == "assign" for k in head.keywords)
            if kind == "__send_case__":
                arms.append(
                    SelectArm(
                        "send",
                        head.args[0],
                        head.args[1],
                        [],
                        False,
                        arm.body,
                        arm_pos,
                        _pos(head.func),
                    )
                )
            else:
                assert kind == "__recv_case__", kind
                arms.append(
                    SelectArm(
                        "recv",
                        head.args[0],
                        None,
                        _stores(item.optional_vars),
                        declare,
                        arm.body,
                        arm_pos,
                        _pos(head.func),
                    )
                )
        return self.go.select_stmt(arms, _pos(node))


def _is_blank(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and target.id == "__"


def lower(src: str, mode: str = "exec") -> ast.Module:
    """Lower marker-Python ``src`` the way the compiler core lowers .gopy text."""
    src = textwrap.dedent(src)
    lowering = GoLowering(SourceText(src, "<test>"), mode)
    module = _Markers(lowering).visit(ast.parse(src))
    return finish(lowering, module)


def translate(src: str, mode: str = "exec") -> str:
    """The lowered module as Python text; it must also compile."""
    module = lower(src, mode)
    _check_positions(module)
    compile(module, "<test>", "exec")
    return ast.unparse(module)


def _check_positions(module: ast.Module) -> None:
    for node in ast.walk(module):
        if "lineno" in node._attributes:
            assert isinstance(node.lineno, int), ast.dump(node)
            assert isinstance(node.end_col_offset, int), ast.dump(node)


def expect(src: str, expected: str, mode: str = "exec") -> None:
    assert translate(src, mode) == textwrap.dedent(expected).strip()


def error(src: str, mode: str = "exec") -> GopySyntaxError:
    with pytest.raises(GopySyntaxError) as info:
        lower(src, mode)
    return info.value


# -- channel operations -------------------------------------------------------


def test_send_and_receive_in_async_def() -> None:
    expect(
        """
        async def f(ch):
            __send__(ch, 1)
            x = __recv__(ch) + 1
            return __recv__(__recv__(ch))
        """,
        """
        import gopy

        async def f(ch):
            await gopy.send(ch, 1)
            x = await gopy.recv(ch) + 1
            return await gopy.recv(await gopy.recv(ch))
        """,
    )


def test_recv_ok_and_short_decl() -> None:
    expect(
        """
        async def f(ch):
            v, ok = __recv_ok__(ch)
            x = __decl__(1)
            a, b = __decl__(pair())
        """,
        """
        import gopy

        async def f(ch):
            v, ok = await gopy.recv_ok(ch)
            x = 1
            a, b = pair()
        """,
    )


def test_short_decl_alone_needs_no_import() -> None:
    src = "x = __decl__(1)\n"
    module = lower(src)
    assert ast.unparse(module) == "x = 1"


def test_short_decl_needs_names() -> None:
    err = error("obj.x = __decl__(1)\n")
    assert (err.msg, err.lineno, err.offset) == ("non-name on left side of ':='", 1, 1)


def test_receive_in_async_comprehension_is_allowed() -> None:
    expect(
        """
        async def f(ch):
            return [__recv__(ch) for _ in range(3)]
        """,
        """
        import gopy

        async def f(ch):
            return [await gopy.recv(ch) for _ in range(3)]
        """,
    )


@pytest.mark.parametrize(
    "src, message, line, col",
    [
        # module mode: the top level runs at import time, not in a function
        ("x = __recv__(ch)\n", "channel receive", 1, 5),
        ("__send__(ch, 1)\n", "channel send", 1, 1),
        ("x = [__recv__(c) for c in cs]\n", "channel receive", 1, 6),
        (
            "with __select__:\n    with __recv_case__(ch): pass\n",
            "'select'",
            1,
            1,
        ),
        # a class body runs where the class statement runs
        ("class C:\n    x = __recv__(ch)\n", "channel receive", 2, 9),
        ("async def f(ch):\n    class C:\n        x = __recv__(ch)\n", "channel receive", 3, 13),
    ],
)
def test_channel_operation_outside_async_function(src, message, line, col) -> None:
    err = error(src)
    assert err.msg == f"{message} outside async function (use 'async def')"
    assert (err.lineno, err.offset) == (line, col)


def test_first_error_in_source_order_is_reported() -> None:
    err = error("__send__(ch, __recv__(ch))\n")
    assert (err.msg.split()[1], err.offset) == ("send", 1)


def test_default_argument_runs_in_the_enclosing_scope() -> None:
    # The default of a function defined in an async def is evaluated there (awaited);
    # that of an async def defined in a plain def blocks; at module level it is an error.
    out = translate("async def f(ch):\n    def g(x=__recv__(ch)):\n        return x\n")
    assert "def g(x=await gopy.recv(ch))" in out
    out = translate("def f(ch):\n    async def g(x=__recv__(ch)):\n        return x\n")
    assert "async def g(x=gopy.recv_blocking(ch))" in out
    err = error("async def g(x=__recv__(ch)):\n    return x\n")
    assert err.lineno == 1


@pytest.mark.parametrize(
    "src, lowered",
    [
        ("def f(ch):\n    __recv__(ch)\n", "gopy.recv_blocking(ch)"),
        ("def f(ch):\n    __send__(ch, 1)\n", "gopy.send_blocking(ch, 1)"),
        ("def f(ch):\n    v, ok = __recv_ok__(ch)\n", "v, ok = gopy.recv_ok_blocking(ch)"),
        ("def f(ch):\n    __send__(ch, __recv__(c2))\n", "gopy.send_blocking(ch, gopy.recv_blocking(c2))"),
        ("async def f(ch):\n    g = lambda: __recv__(ch)\n", "g = lambda: gopy.recv_blocking(ch)"),
        ("async def f(ch):\n    def g():\n        __recv__(ch)\n", "gopy.recv_blocking(ch)"),
        ("def f(cs):\n    return [__recv__(c) for c in cs]\n", "return [gopy.recv_blocking(c) for c in cs]"),
        ("def f(ch):\n    class C:\n        x = __recv__(ch)\n", "x = gopy.recv_blocking(ch)"),
        ("def f(ch):\n    for v in __range__(ch):\n        pass\n", "for v in gopy.range_blocking(ch):"),
        (
            "def f(ch):\n    with __select__:\n        with __recv_case__(ch): pass\n",
            "_selected = gopy.select_blocking(gopy.recv_case(ch))",
        ),
    ],
)
def test_channel_operation_in_a_plain_function_blocks(src: str, lowered: str) -> None:
    out = translate(src)
    assert lowered in out
    module = ast.parse(out)
    assert not any(isinstance(n, (ast.Await, ast.AsyncFor)) for n in ast.walk(module))


def test_main_mode_allows_top_level_channel_operations() -> None:
    expect(
        """
        ch = chan(1)
        __send__(ch, 1)
        print(__recv__(ch))
        """,
        """
        import gopy
        from gopy import chan

        async def _main_module():
            global ch
            ch = chan(1)
            await gopy.send(ch, 1)
            print(await gopy.recv(ch))
        gopy.run_program(_main_module, globals())
        """,
        mode="main",
    )


def test_main_mode_class_body_is_not_async() -> None:
    err = error("class C:\n    x = __recv__(ch)\n", mode="main")
    assert (err.lineno, err.offset) == (2, 9)


# -- go and defer -------------------------------------------------------------


def test_go_statement() -> None:
    expect(
        """
        def f():
            __go__(worker(1, jobs, *rest, b=2, **kw))
            __go__(obj.method(x))
        """,
        """
        import gopy

        def f():
            gopy.go(worker, 1, jobs, *rest, b=2, **kw)
            gopy.go(obj.method, x)
        """,
    )


@pytest.mark.parametrize("word", ["go", "defer"])
def test_go_and_defer_need_a_call(word) -> None:
    err = error(f"def f():\n    __{word}__(x + 1)\n")
    assert err.msg == f"'{word}' needs a function call"
    col = 4 + len(f"__{word}__(") + 1
    assert (err.lineno, err.offset, err.end_offset) == (2, col, col + 5)


def test_defer_wraps_the_function_body_once() -> None:
    expect(
        '''
        def f(mu):
            """Doc."""
            mu.lock()
            __defer__(mu.unlock())
            __defer__(print("bye", end=""))
            return 1
        ''',
        '''
        import gopy

        def f(mu):
            """Doc."""
            with gopy.Defers() as defers:
                mu.lock()
                defers.push(mu.unlock)
                defers.push(print, 'bye', end='')
                return 1
        ''',
    )


def test_defer_in_async_def_and_nested_functions() -> None:
    expect(
        """
        async def f():
            __defer__(a())
            def g():
                __defer__(b())
            async def h():
                pass
        """,
        """
        import gopy

        async def f():
            async with gopy.Defers() as defers:
                defers.push(a)

                def g():
                    with gopy.Defers() as defers:
                        defers.push(b)

                async def h():
                    pass
        """,
    )


@pytest.mark.parametrize(
    "src, mode",
    [
        ("__defer__(f())\n", "exec"),
        ("__defer__(f())\n", "main"),
        ("def g():\n    class C:\n        __defer__(f())\n", "exec"),
    ],
)
def test_defer_outside_function(src, mode) -> None:
    err = error(src, mode)
    assert err.msg == "'defer' outside function"
    assert err.offset == src.splitlines()[-1].index("__defer__") + 1
    assert err.end_offset == err.offset + len("defer")


# -- range --------------------------------------------------------------------


def test_range_for_forms() -> None:
    expect(
        """
        async def f(ch, xs):
            for v in __range__(ch):
                pass
            for k, v in __range__(xs):
                pass
            for __ in __range__(ch):
                pass
            for i in __range__(10):
                pass
            else:
                done()
        def g(xs):
            for i, x in __range__(xs):
                pass
        for i in __range__(3):
            pass
        class C:
            for i in __range__(3):
                pass
        """,
        """
        import gopy

        async def f(ch, xs):
            async for v in gopy.range_of(ch):
                pass
            async for k, v in gopy.range_of(xs, pairs=True):
                pass
            async for _ in gopy.range_of(ch):
                pass
            async for i in gopy.range_of(10):
                pass
            else:
                done()

        def g(xs):
            for i, x in gopy.range_of(xs, pairs=True):
                pass
        for i in gopy.range_of(3):
            pass

        class C:
            for i in gopy.range_of(3):
                pass
        """,
    )


def test_range_in_main_mode_top_level_is_async() -> None:
    expect(
        """
        for v in __range__(ch):
            print(v)
        def f():
            for v in __range__(xs):
                pass
        """,
        """
        import gopy

        async def _main_module():
            global v, f
            async for v in gopy.range_of(ch):
                print(v)

            def f():
                for v in gopy.range_blocking(xs):
                    pass
        gopy.run_program(_main_module, globals())
        """,
        mode="main",
    )


def test_range_with_three_variables() -> None:
    err = error("for a, b, c in __range__(x):\n    pass\n")
    assert err.msg == "range clause permits at most two iteration variables"
    assert (err.lineno, err.offset) == (1, 11)


# -- select -------------------------------------------------------------------


def test_select_all_arm_forms() -> None:
    expect(
        """
        async def f(a, b, out, item, quit, c):
            with __select__:
                with __recv_case__(a) as v:
                    A(v)
                with __recv_case__(b) as (v, ok):
                    B(v, ok)
                with __send_case__(out, item):
                    C()
                with __recv_case__(quit):
                    return
                with __recv_case__(c, assign=True) as t.x:
                    E()
                with __default__:
                    F()
        """,
        """
        import gopy

        async def f(a, b, out, item, quit, c):
            _selected = await gopy.select(gopy.recv_case(a), gopy.recv_case(b), gopy.send_case(out, item), gopy.recv_case(quit), gopy.recv_case(c), default=True)
            if _selected.index == 0:
                v = _selected.value
                A(v)
            elif _selected.index == 1:
                v, ok = (_selected.value, _selected.ok)
                B(v, ok)
            elif _selected.index == 2:
                C()
            elif _selected.index == 3:
                return
            elif _selected.index == 4:
                t.x = _selected.value
                E()
            else:
                F()
        """,
    )


def test_select_without_default_and_default_first() -> None:
    expect(
        """
        async def f(a):
            with __select__:
                with __default__:
                    idle()
                with __recv_case__(a):
                    got()
            with __select__:
                with __recv_case__(a) as v:
                    got(v)
        """,
        """
        import gopy

        async def f(a):
            _selected = await gopy.select(gopy.recv_case(a), default=True)
            if _selected.index == 0:
                got()
            else:
                idle()
            _selected = await gopy.select(gopy.recv_case(a))
            v = _selected.value
            got(v)
        """,
    )


def test_select_pass_blocks_forever() -> None:
    go = GoLowering(SourceText("select: pass\n"), "exec")
    stmts = go.select_stmt([], (1, 0, 1, 12))
    assert [ast.unparse(s) for s in stmts] == ["await gopy.select()"]


def test_select_with_only_default_runs_it() -> None:
    expect(
        """
        def f():
            with __select__:
                with __default__:
                    idle()
        """,
        """
        def f():
            idle()
        """,
    )


def test_select_default_twice() -> None:
    err = error("""
        async def f():
            with __select__:
                with __default__:
                    pass
                with __default__:
                    pass
        """)
    assert err.msg == "'default' appears twice in 'select'"
    assert (err.lineno, err.offset) == (6, 9)


def test_select_binding_is_local_in_main_mode() -> None:
    expect(
        """
        with __select__:
            with __recv_case__(a) as v:
                pass
        """,
        """
        import gopy

        async def _main_module():
            global v
            _selected = await gopy.select(gopy.recv_case(a))
            v = _selected.value
            pass
        gopy.run_program(_main_module, globals())
        """,
        mode="main",
    )


# -- modes and imports --------------------------------------------------------


def test_main_mode_wrapping() -> None:
    expect(
        '''
        """The program."""
        from __future__ import annotations
        import sys
        from os.path import *
        count: int = 0
        limit: int
        if sys.argv:
            flag: bool
        [last := n for n in range(3)]
        def main():
            pass
        class K:
            field: int
        ''',
        '''
        """The program."""
        from __future__ import annotations
        import gopy
        import sys
        from os.path import *

        async def _main_module():
            global count, last, main, K
            count = 0
            if sys.argv:
                pass
            [(last := n) for n in range(3)]

            def main():
                pass

            class K:
                field: int
        gopy.run_program(_main_module, globals())
        ''',
        mode="main",
    )


def test_main_mode_drops_top_level_global_statements() -> None:
    expect(
        """
        global x, y
        x = 1
        if x:
            global z
        """,
        """
        import gopy

        async def _main_module():
            global x
            x = 1
            if x:
                pass
        gopy.run_program(_main_module, globals())
        """,
        mode="main",
    )


@pytest.mark.parametrize(
    "src, message, col",
    [
        ("return 1\n", "'return' outside function", 1),
        ("x = (yield)\n", "'yield' outside function", 6),
        ("nonlocal x\n", "nonlocal declaration not allowed at module level", 1),
        (
            "if x:\n    from m import *\n",
            "'from ... import *' inside a block: move it to the top level",
            5,
        ),
    ],
)
def test_main_mode_top_level_errors(src, message, col) -> None:
    err = error(src, mode="main")
    assert (err.msg, err.offset) == (message, col)


def test_empty_program() -> None:
    expect(
        "",
        """
        import gopy

        async def _main_module():
            pass
        gopy.run_program(_main_module, globals())
        """,
        mode="main",
    )


@pytest.mark.parametrize(
    "src, imports",
    [
        ("ch = chan()\n", "from gopy import chan"),
        ("close(cap(chan()))\n", "from gopy import cap, chan, close"),
        ("def f():\n    return cap(x)\n", "from gopy import cap"),
        (
            "class C:\n    chan = 1\n    def f(self):\n        return chan\n",
            "from gopy import chan",
        ),
        ("x = [chan for chan in chan]\n", "from gopy import chan"),
        ("x=(close)\n", "from gopy import close"),
        ("\uff43\uff48\uff41\uff4e()\n", "from gopy import chan"),  # NFKC: fullwidth 'chan'
    ],
)
def test_free_prelude_names_are_imported(src, imports) -> None:
    assert translate(src).splitlines()[0] == imports


@pytest.mark.parametrize(
    "src",
    [
        "def chan(): pass\nchan()\n",
        "from sockets import close\nclose(s)\n",
        "import cap\ncap.x\n",
        "def f(close):\n    return close\n",
        "def f():\n    close = 1\n    def g():\n        return close\n",
        "class C:\n    chan = 1\n    x = chan\n",
        "def f():\n    global chan\n    chan = 1\nchan\n",
        "from somewhere import *\nchan()\n",
        "[(chan := 1) for x in y]\nchan\n",
        "try:\n    pass\nexcept E as close:\n    close\n",
        "match x:\n    case {**cap}:\n        cap\n",
        "obj.close()\nf(close=1)\n",
        "lambda chan: chan\n",
    ],
)
def test_bound_prelude_names_are_not_imported(src) -> None:
    module = ast.parse(src)
    expected = ast.dump(module, include_attributes=True)
    lowering = GoLowering(SourceText(src), "exec")
    assert finish(lowering, module) is module
    assert ast.dump(module, include_attributes=True) == expected


def test_existing_import_gopy_is_reused() -> None:
    expect(
        """
        import gopy
        async def f(ch):
            __recv__(ch)
        """,
        """
        import gopy

        async def f(ch):
            await gopy.recv(ch)
        """,
    )


def test_imports_go_after_docstring_and_future() -> None:
    out = translate(
        '"""Doc."""\nfrom __future__ import annotations\nasync def f(c):\n    __recv__(c)\nchan\n'
    )
    assert out.splitlines()[:4] == [
        '"""Doc."""',
        "from __future__ import annotations",
        "import gopy",
        "from gopy import chan",
    ]


def test_every_generated_node_has_the_construct_position() -> None:
    src = "\n\nasync def f(ch):\n    __send__(ch, __recv__(ch))\n"
    module = lower(src)
    send = module.body[1].body[0]
    assert (send.lineno, send.col_offset, send.end_lineno) == (4, 4, 4)
    for node in ast.walk(send):
        if "lineno" in node._attributes:
            assert node.lineno == 4


def test_mode_is_checked() -> None:
    with pytest.raises(ValueError):
        GoLowering(SourceText(""), "eval")


# -- plain Python is left alone -----------------------------------------------


def _stdlib_files() -> list[pathlib.Path]:
    return sorted(pathlib.Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))


def test_stdlib_modules_are_untouched() -> None:
    changed = []
    for path in _stdlib_files():
        src = path.read_text(encoding="utf-8", errors="replace")
        try:
            module = ast.parse(src)
        except SyntaxError:
            continue
        before = ast.dump(module, include_attributes=True)
        for mode in ("exec",):
            result = finish(GoLowering(SourceText(src, str(path)), mode), module)
            if result is not module or ast.dump(result, include_attributes=True) != before:
                changed.append(path.name)
    assert changed == []
    assert len(_stdlib_files()) > 150


# -- the lowered code runs with the runtime -----------------------------------


def test_lowered_program_runs(capsys: pytest.CaptureFixture[str]) -> None:
    src = """
    log = []
    async def worker(jobs, results, done):
        __defer__(close(done))
        __defer__(log.append("worker done"))
        for j in __range__(jobs):
            __send__(results, j * 10)
    def plain(xs):
        __defer__(log.append("plain done"))
        out = []
        for i, x in __range__(xs):
            out.append((i, x))
        return out
    jobs = chan(3)
    results = chan(3)
    done = chan()
    __go__(worker(jobs, results, done))
    for i in __range__(3):
        __send__(jobs, i)
    close(jobs)
    got = [__recv__(results) for _ in range(3)]
    v, ok = __recv_ok__(jobs)
    __recv__(done)
    quit = chan(1)
    __send__(quit, "q")
    with __select__:
        with __recv_case__(None) as never:
            print("nil channel chosen")
        with __recv_case__(quit) as (q, ok2):
            print("select", q, ok2)
    with __select__:
        with __recv_case__(quit):
            print("not ready")
        with __default__:
            print("default")
    print(got, v, ok, plain("ab"), log)
    """
    exec(compile(lower(src, "main"), "<test>", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.splitlines() == [
        "select q True",
        "default",
        "[0, 10, 20] None False [(0, 'a'), (1, 'b')] ['worker done', 'plain done']",
    ]


def test_select_receive_case_target_checks() -> None:
    three = (
        "async def f(c):\n    with __select__:\n        with __recv_case__(c) as (a, b, d): pass\n"
    )
    err = error(three)
    assert (err.msg, err.lineno, err.offset) == (
        "a receive case assigns at most two targets",
        3,
        41,
    )
    dotted = "async def f(c):\n    with __select__:\n        with __recv_case__(c) as a.b: pass\n"
    err = error(dotted)
    assert (err.msg, err.lineno, err.offset) == ("non-name on left side of ':='", 3, 34)
