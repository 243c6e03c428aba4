"""The pytest plugin (gopy/pytest_plugin.py), driven through pytest's `pytester`.

Every run is a subprocess with a timeout, so that a plugin that let a
deadlocked test hang would fail here instead of hanging the suite.
"""

from __future__ import annotations

import textwrap

import pytest

TIMEOUT = 120


def write(pytester: pytest.Pytester, name: str, source: str) -> None:
    path = pytester.path / name
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=TIMEOUT)


def test_coroutine_and_plain_tests_pass(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_basic.gopy",
        """
        async def test_round_trip():
            ch := chan(1)
            ch <- 41
            assert <-ch + 1 == 42

        async def test_goroutines_and_select():
            results := chan()

            async def square(x):
                results <- x * x

            for i := range 3:
                go square(i)
            got := []
            for _ := range 3:
                select:
                    case v := <-results:
                        got.append(v)
            assert sorted(got) == [0, 1, 4]

        def test_plain():
            total := 0
            for i, v := range [10, 20]:
                total += i * v
            assert total == 20
        """,
    )
    result = run(pytester, "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_basic.gopy::test_plain PASSED*"])


def test_failing_assertion_shows_values_and_gopy_source(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_fail.gopy",
        """
        def double(x):
            return x * 2

        async def test_wrong():
            ch := chan(1)
            ch <- 2
            got := <-ch
            assert double(got) == 5
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            ">       assert double(got) == 5",
            "E       assert 4 == 5",
            "E        +  where 4 = double(2)",
            "test_fail.gopy:8: AssertionError",
        ]
    )


def test_traceback_points_at_gopy_lines_of_helpers(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_trace.gopy",
        """
        async def fetch(ch):
            v := <-ch
            return v["missing"]

        async def test_key_error():
            ch := chan(1)
            ch <- {}
            await fetch(ch)
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            ">       await fetch(ch)",
            "test_trace.gopy:8: ",
            "*",
            "    async def fetch(ch):",
            "        v := <-ch",
            '>       return v["missing"]',
            "               ^^^^^^^^^^^^",
            "E       KeyError: 'missing'",
            "test_trace.gopy:3: KeyError",
        ]
    )


def test_deadlocked_test_fails_with_the_report(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_stuck.gopy",
        """
        async def test_never_sent():
            ch := chan()
            <-ch

        async def test_after_it():
            assert True
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_never_sent*",
            "fatal error: all goroutines are asleep - deadlock!",
            "goroutine 1 [[]chan receive[]]:",
            "*test_stuck.gopy:3",
        ]
    )


def test_goroutine_panic_fails_the_test(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_panic.gopy",
        """
        async def explode(ch):
            raise ValueError("kaboom")

        async def test_panics():
            ch := chan()
            go explode(ch)
            <-ch
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_panics*",
            "panic: ValueError: kaboom",
            '*File "*test_panic.gopy", line 2, in explode',
            '*raise ValueError("kaboom")',
        ]
    )
    assert "deadlock" not in result.stdout.str()


def test_syntax_error_is_a_collection_error_with_file_and_line(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_bad.gopy",
        """
        async def test_ok():
            pass

        async def test_broken():
            x := := 1
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_bad.gopy*",
            '  File "*test_bad.gopy", line 5',
            "    x := := 1",
            "*^*",
            "SyntaxError: *",
        ]
    )


def test_error_found_by_the_symbol_table_is_a_collection_error(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_symtable.gopy",
        """
        async def test_ok():
            ch := chan(1)

        return ch
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            '  File "*test_symtable.gopy", line 4',
            "    return ch",
            "SyntaxError: 'return' outside function",
        ]
    )


def test_import_error_is_a_collection_error(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_imports.gopy",
        """
        import no_such_module_anywhere

        async def test_ok():
            pass
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_imports.gopy*",
            "*ModuleNotFoundError while importing test module*",
            "*test_imports.gopy:1: in <module>*",
            "*No module named 'no_such_module_anywhere'*",
        ]
    )
    assert "pytest_plugin.py" not in result.stdout.str()


def test_channel_operation_at_module_level_is_a_collection_error(
    pytester: pytest.Pytester,
) -> None:
    # A test module is compiled in module mode: channel operations belong in
    # functions (a plain def blocks, an async def awaits), not at its top level.
    write(
        pytester,
        "test_sync_recv.gopy",
        """
        ch := chan(1)
        v := <-ch
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(['  File "*test_sync_recv.gopy", line 2', "SyntaxError: *async*"])


def test_fixtures_parametrize_and_classes(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_features.gopy",
        """
        import pytest

        @pytest.fixture
        def greeting():
            return "hello"

        async def test_fixture(greeting, tmp_path):
            ch := chan(1)
            ch <- greeting
            (tmp_path / "out.txt").write_text(<-ch)
            assert (tmp_path / "out.txt").read_text() == "hello"

        @pytest.mark.parametrize("n", [0, 1, 5])
        async def test_param(n):
            ch := chan(n)
            for i := range n:
                ch <- i
            close(ch)
            got := [v async for v in ch]
            assert got == list(range(n))

        class TestGroup:
            async def test_method(self):
                ch := chan(1)
                ch <- self
                assert <-ch is self

            def test_sync_method(self):
                assert isinstance(self, TestGroup)
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=6)


def test_pytest_asyncio_auto_mode_does_not_take_over_gopy_tests(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    write(
        pytester,
        "test_auto.gopy",
        """
        async def test_stuck():
            <-chan()

        async def test_fine():
            ch := chan(1)
            ch <- 1
            assert <-ch == 1
        """,
    )
    write(
        pytester,
        "test_plain_asyncio.py",
        """
        import asyncio

        async def test_on_pytest_asyncio_loop():
            await asyncio.sleep(0)
        """,
    )
    result = run(pytester, "-p", "asyncio", "-o", "asyncio_mode=auto")
    result.assert_outcomes(failed=1, passed=2)
    result.stdout.fnmatch_lines(["*all goroutines are asleep - deadlock!*"])


def test_only_test_files_are_collected_and_helpers_import(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "helpers.gopy",
        """
        async def doubler(inp, out):
            for v := range inp:
                out <- v * 2
            close(out)

        def test_not_collected():
            raise AssertionError("helpers.gopy is not a test file")
        """,
    )
    write(
        pytester,
        "test_uses_helpers.gopy",
        """
        from helpers import doubler

        async def test_pipeline():
            inp := chan()
            out := chan()
            go doubler(inp, out)

            async def feed():
                for i := range 3:
                    inp <- i
                close(inp)

            go feed()
            assert [v async for v in out] == [0, 2, 4]
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)


def test_plain_assert_mode(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_plain_assert.gopy",
        """
        async def test_wrong():
            assert 1 + 1 == 3, "arithmetic"
        """,
    )
    result = run(pytester, "--assert=plain")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E       AssertionError: arithmetic"])


def test_test_module_in_a_package_uses_relative_imports(pytester: pytest.Pytester) -> None:
    pkg = pytester.mkpydir("pkg")
    (pkg / "pipeline.gopy").write_text(textwrap.dedent("""
            async def squares(n, out):
                for i := range n:
                    out <- i * i
                close(out)
            """))
    write(
        pytester,
        "pkg/test_relative.gopy",
        """
        from .pipeline import squares

        async def test_squares():
            out := chan()
            go squares(4, out)
            assert [v async for v in out] == [0, 1, 4, 9]

        def test_module_name():
            assert __name__ == "pkg.test_relative"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=2)


def test_python_files_patterns_apply_to_gopy_files(pytester: pytest.Pytester) -> None:
    for name in ("test_prefix.gopy", "suffix_test.gopy", "check_custom.gopy", "helper.gopy"):
        write(
            pytester,
            name,
            """
            async def test_it():
                assert True
            """,
        )
    result = run(pytester, "--collect-only", "-q")
    collected = {line for line in result.stdout.lines if "::" in line}
    assert collected == {"test_prefix.gopy::test_it", "suffix_test.gopy::test_it"}
    assert "check_custom" not in result.stdout.str()
    assert "helper" not in result.stdout.str()

    result = run(pytester, "--collect-only", "-q", "-o", "python_files=check_*.py")
    result.stdout.fnmatch_lines(["check_custom.gopy::test_it"])
    assert "test_prefix" not in result.stdout.str()


def test_async_fixture_is_a_clear_error(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_fixtures.gopy",
        """
        import pytest

        @pytest.fixture
        async def numbers():
            return chan(3)

        @pytest.fixture
        def plain():
            return chan(1)

        async def test_async_fixture(numbers):
            pass

        async def test_plain_fixture_holds_a_channel(plain):
            plain <- 5
            assert <-plain == 5
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1, passed=1)
    result.stdout.fnmatch_lines(["*requested an async fixture 'numbers'*"])


def test_an_exception_from_a_signal_handler_ends_a_timer_blocked_test(
    pytester: pytest.Pytester,
) -> None:
    """What pytest-timeout's signal method does: the test fails, the next one runs."""
    write(
        pytester,
        "test_slow.gopy",
        """
        import signal
        from gopy import Timer

        class TooSlow(Exception):
            pass

        def on_alarm(signum, frame):
            raise TooSlow("timed out")

        async def test_blocked_on_a_timer():
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            <-Timer(1000).c

        async def test_next_one_runs():
            ch := chan(1)
            ch <- "still fine"
            assert <-ch == "still fine"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*TooSlow: timed out*"])


def test_disabled_with_p_no_gopy_and_py_tests_untouched(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_go.gopy",
        """
        async def test_gopy():
            pass
        """,
    )
    write(
        pytester,
        "test_plain.py",
        """
        def test_py():
            assert True

        async def test_py_coroutine():
            pass
        """,
    )
    enabled = run(pytester, "-p", "no:asyncio")
    enabled.assert_outcomes(passed=2, failed=1)
    # pytest's own verdict on a coroutine test in a .py file: gopy left it alone.
    enabled.stdout.fnmatch_lines(
        [
            "async def functions are not natively supported.",
            "*FAILED test_plain.py::test_py_coroutine*",
        ]
    )
    disabled = run(pytester, "-p", "no:gopy", "-p", "no:asyncio")
    disabled.assert_outcomes(passed=1, failed=1)
    assert "test_go.gopy" not in disabled.stdout.str()


# -- leak check and the synctest marker (issue 10) ---------------------------


LEAKY = """
    async def test_leaks():
        ch := chan()

        async def forgotten():
            <-ch

        go forgotten()

    async def test_clean():
        ch := chan(1)

        async def finishes():
            ch <- 1

        go finishes()

    async def test_a_pending_timer_may_still_wake_it():
        ch := chan()

        async def waits_for_a_timer():
            <-ch

        async def feeds_later():
            await sleep(0.05)
            ch <- 1

        go waits_for_a_timer()
        go feeds_later()
    """


def test_a_test_that_leaves_goroutines_blocked_forever_fails_and_lists_them(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, "test_leaky.gopy", "from gopy import sleep\n" + textwrap.dedent(LEAKY))
    result = run(pytester, "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_leaky.gopy::test_leaks FAILED*",
            "*goroutine leak: the test returned while goroutines it started are blocked forever*",
            "goroutine 2 [[]chan receive[]]:",
            "*forgotten(...)",
            "*test_leaky.gopy:7",
        ]
    )


def test_the_leak_check_can_be_turned_off(pytester: pytest.Pytester) -> None:
    write(pytester, "test_leaky.gopy", "from gopy import sleep\n" + textwrap.dedent(LEAKY))
    run(pytester, "--gopy-no-leak-check").assert_outcomes(passed=3)
    pytester.makeini("[pytest]\ngopy_leak_check = false\n")
    run(pytester).assert_outcomes(passed=3)


def test_the_synctest_marker_makes_a_ten_minute_timeout_instant(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        "test_bubble.gopy",
        """
        import pytest
        from gopy import context, synctest, sleep

        @pytest.mark.synctest
        async def test_ten_minutes():
            ctx, cancel := context.with_timeout(context.background(), 600)
            defer cancel()
            data := chan()
            select:
                case <-ctx.done():
                    assert synctest.now() == 946684800.0 + 600
                case <-data:
                    assert False

        class TestInClass:
            @pytest.mark.synctest
            async def test_method(self):
                await sleep(3600)
                assert synctest.now() == 946684800.0 + 3600

        @pytest.mark.synctest
        async def test_leak_in_bubble():
            ch := chan()

            async def stuck():
                <-ch

            go stuck()
        """,
    )
    write(
        pytester,
        "test_bubble_py.py",
        """
        import pytest
        import gopy
        from gopy import synctest

        @pytest.mark.synctest
        async def test_py_day_long_sleep(tmp_path):
            await gopy.sleep(86400)
            assert synctest.now() == 946684800.0 + 86400
            assert tmp_path.exists()
        """,
    )
    result = run(pytester, "-v", "-p", "no:asyncio")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*deadlock: main bubble goroutine has exited but blocked goroutines remain*",
            "*test_bubble.gopy:26",
        ]
    )


def test_the_synctest_marker_with_pytest_asyncio_in_auto_mode(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    write(
        pytester,
        "test_auto.py",
        """
        import pytest
        import gopy
        from gopy import synctest

        @pytest.mark.synctest
        async def test_bubble():
            await gopy.sleep(600)
            assert synctest.now() == 946684800.0 + 600
        """,
    )
    run(pytester, "-v").assert_outcomes(passed=1)
