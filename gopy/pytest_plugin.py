"""pytest plugin: collect ``test_*.gopy`` files and run their tests under gopy's supervisor.

A ``.gopy`` test module is compiled by gopy's compiler (with pytest's
assertion rewriting applied to the lowered AST, so ``assert a == b`` shows both
values) and collected like a Python test module. Coroutine test functions run
under ``gopy.run_supervised``: a deadlocked test fails with Go's deadlock
report instead of hanging, and a goroutine's panic fails the test with its
report. Plain test functions are called directly.

Limits, on purpose:

- Each coroutine test gets a fresh event loop of its own, created and closed
  around the test. Async fixtures (``async def`` under ``@pytest.fixture``)
  are not run by this plugin: pytest (8.4 and later) reports them as an
  error. Use a plain fixture (channels, ``WaitGroup`` and ``Mutex`` may be
  created outside a loop), or set things up inside the test.
- There is no per-test timeout (``go test`` has one, 10 minutes by default).
  A test blocked on something that can still wake it (a long ``Timer``,
  ``sleep``, a thread, I/O) is not a deadlock and waits as long as it takes.
  pytest-timeout's default signal method (``--timeout=N``) covers it: the
  exception lands in the event loop, the test fails, its goroutines are
  cancelled and the next test runs. One more knob here would duplicate it.
- Only the default import mode ("prepend"): a test file's root directory is
  put on ``sys.path`` and the module gets its dotted package name, so two
  test files need different basenames unless they are in packages.
- Only test files are ``.gopy``: ``conftest.py`` stays a Python file.
- ``.py`` test files are not touched (``async def`` tests in them are left to
  pytest-asyncio or anyio as before), except for tests marked ``synctest``;
  ``-p no:gopy`` turns the plugin off.

Two of Go's testing tools:

- Leak check (Go 1.26's goroutine-leak report): a coroutine test in a
  ``.gopy`` file fails when it returns while goroutines it started stay
  blocked forever (parked on a channel or a sync primitive with nothing left
  that could wake them); the failure lists them with their ``.gopy`` lines.
  ``--gopy-no-leak-check`` (or ``gopy_leak_check = false`` in the ini file)
  turns it off.
- ``@pytest.mark.synctest`` on a coroutine test (``.gopy`` or ``.py``) runs it
  in a ``gopy.synctest`` bubble: its clock is virtual and jumps to the next
  timer whenever every goroutine is blocked, so a test of a 10-minute timeout
  runs in milliseconds. Goroutines it leaves blocked fail it the same way.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

__all__ = ["GopyModule", "pytest_collect_file"]

_SUFFIX = ".gopy"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--gopy-no-leak-check`` and the ``gopy_leak_check`` ini setting (pytest hook)."""
    group = parser.getgroup("gopy")
    group.addoption(
        "--gopy-no-leak-check",
        action="store_true",
        default=False,
        help="do not fail .gopy tests that return while their goroutines stay blocked",
    )
    parser.addini(
        "gopy_leak_check",
        "fail .gopy coroutine tests that leave goroutines blocked forever (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``synctest`` marker (pytest hook)."""
    config.addinivalue_line(
        "markers",
        "synctest: run this coroutine test in a gopy.synctest bubble (virtual clock)",
    )


def _leak_check_enabled(config: pytest.Config) -> bool:
    return not config.getoption("gopy_no_leak_check") and bool(config.getini("gopy_leak_check"))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run coroutine tests marked ``synctest`` in a bubble (pytest hook)."""
    if pyfuncitem.get_closest_marker("synctest") is None:
        return None
    target = pyfuncitem.obj
    bound_to = getattr(target, "__self__", None)
    # The coroutine function under whatever wrapped it (this plugin, pytest-asyncio).
    func = getattr(target, "_gopy_test", None) or getattr(target, "__func__", target)
    func = inspect.unwrap(getattr(func, "__func__", func))
    if not inspect.iscoroutinefunction(func):
        raise pytest.UsageError(
            f"@pytest.mark.synctest needs a coroutine test function: {pyfuncitem.nodeid}"
        )
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    args = (bound_to,) if bound_to is not None else ()
    from gopy.runtime import synctest

    _fail_with_report(lambda: synctest.run(func, *args, **kwargs))
    return True


def _fail_with_report(run: Callable[[], Any]) -> Any:
    """``run()``; a deadlock, leak or panic fails the test with Go's report alone."""
    import gopy

    try:
        return run()
    except (gopy.Deadlock, gopy.GoroutinePanic) as exc:
        report = exc.report
    # Outside the except block: the report is the whole story, no chained traceback.
    pytest.fail(report, pytrace=False)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> GopyModule | None:
    """Collect ``.gopy`` test files (pytest hook).

    A ``.gopy`` file is a test file when its name matches one of pytest's
    ``python_files`` patterns with ``.py`` read as ``.gopy``: by default
    ``test_*.gopy`` and ``*_test.gopy``.
    """
    if file_path.suffix != _SUFFIX:
        return None
    for pattern in parent.config.getini("python_files"):
        if pattern.endswith(".py") and file_path.match(pattern[: -len(".py")] + _SUFFIX):
            return GopyModule.from_parent(parent, path=file_path)
    return None


class GopyModule(pytest.Module):
    """A ``.gopy`` test module.

    ``obj`` is a stand-in for the real module: the same namespace, except that
    coroutine functions (and coroutine methods of test classes) are replaced by
    synchronous wrappers that run them under ``gopy.run_supervised``. The real
    module, registered in ``sys.modules``, is untouched, so test code that calls
    its own helpers sees the originals. Because pytest sees plain functions,
    other asyncio plugins (pytest-asyncio) leave gopy tests alone.
    """

    def _getobj(self) -> types.ModuleType:
        module = _import_gopy_test_module(self.path, self.config, self)
        return _supervised_view(module, _leak_check_enabled(self.config))


class _GopyTestLoader(importlib.abc.Loader):
    """Loads one ``.gopy`` test module, rewriting its asserts the way pytest does."""

    def __init__(self, path: Path, config: pytest.Config) -> None:
        self.path = path
        self.config = config

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.get_code(), module.__dict__)

    def get_code(self) -> types.CodeType:
        """Compile the file; raises ``SyntaxError`` (``GopySyntaxError``) for bad source."""
        from gopy.compiler import _compile as _compiler

        data = self.path.read_bytes()
        filename = str(self.path)
        if self.config.getoption("assertmode", "rewrite") != "rewrite":
            return _compiler.compile_source(data, filename, "exec")
        from _pytest.assertion.rewrite import rewrite_asserts

        tree: ast.Module = _compiler.parse(data, filename, "exec")
        rewrite_asserts(tree, data, filename, self.config)
        try:
            return compile(tree, filename, "exec", dont_inherit=True)
        except SyntaxError:
            # An error only the symbol table sees ('return' outside function):
            # compile_source reports it with gopy's positions and source line.
            return _compiler.compile_source(data, filename, "exec")


def _import_gopy_test_module(
    path: Path, config: pytest.Config, node: pytest.Collector
) -> types.ModuleType:
    """Import ``path`` as pytest's default import mode ("prepend") would."""
    root, name = _package_root_and_name(path)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    existing = sys.modules.get(name)
    if existing is not None:
        existing_file = getattr(existing, "__file__", None)
        if existing_file is not None and Path(existing_file).resolve() == path.resolve():
            return existing
        raise node.CollectError(
            "import file mismatch:\n"
            f"imported module {name!r} has this __file__ attribute:\n"
            f"  {existing_file}\n"
            "which is not the same as the test file we want to collect:\n"
            f"  {path}\n"
            "HINT: use a unique basename for your test file modules"
        )
    loader = _GopyTestLoader(path, config)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if spec.parent:
            importlib.import_module(spec.parent)
        loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        raise node.CollectError(_format_syntax_error(exc)) from exc
    except pytest.skip.Exception as exc:
        del sys.modules[name]
        if exc.allow_module_level:
            raise
        raise node.CollectError(
            "Using pytest.skip outside of a test will skip the entire module. "
            "If that's your intention, pass `allow_module_level=True`."
        ) from exc
    except Exception as exc:
        del sys.modules[name]
        info = pytest.ExceptionInfo.from_exception(exc)
        info.traceback = info.traceback.filter(_is_user_frame)
        raise node.CollectError(
            f"{type(exc).__name__} while importing test module '{path}'.\n"
            "Traceback:\n"
            f"{info.getrepr(style='short')}"
        ) from exc
    return module


def _is_user_frame(entry: Any) -> bool:
    """False for the plugin's own frames and importlib's, which say nothing about the test module."""
    path = str(entry.path)
    return path != __file__ and not path.startswith("<frozen importlib")


def _package_root_and_name(path: Path) -> tuple[Path, str]:
    """The first directory above ``path`` that is not a package, and the dotted module name."""
    parts = [path.stem]
    directory = path.parent.resolve()
    while any((directory / init).is_file() for init in ("__init__.py", "__init__.gopy")):
        parts.append(directory.name)
        directory = directory.parent
    return directory, ".".join(reversed(parts))


def _format_syntax_error(exc: SyntaxError) -> str:
    """``exc`` as CPython prints a ``SyntaxError``: file, line, source, caret."""
    import traceback

    # As a plain SyntaxError, so the last line reads "SyntaxError: ..." as in Python.
    plain = SyntaxError(
        exc.msg,
        (exc.filename, exc.lineno, exc.offset, exc.text, exc.end_lineno, exc.end_offset),
    )
    return "".join(traceback.format_exception_only(plain)).rstrip("\n")


def _supervised_view(module: types.ModuleType, leak_check: bool = True) -> types.ModuleType:
    """A copy of ``module``'s namespace with coroutine tests wrapped for supervision."""
    view = types.ModuleType(module.__name__, module.__doc__)
    view.__dict__.update(module.__dict__)
    for name, value in module.__dict__.items():
        if inspect.iscoroutinefunction(value):
            setattr(view, name, _supervised(value, leak_check))
        elif isinstance(value, type) and value.__module__ == module.__name__:
            setattr(view, name, _supervised_class(value, leak_check))
    return view


def _supervised_class(cls: type, leak_check: bool = True) -> type:
    """``cls``, or a subclass of it whose coroutine methods run under supervision."""
    wrapped: dict[str, Any] = {}
    for name in dir(cls):
        static = inspect.getattr_static(cls, name)
        if isinstance(static, staticmethod) and inspect.iscoroutinefunction(static.__func__):
            wrapped[name] = staticmethod(_supervised(static.__func__, leak_check))
        elif inspect.iscoroutinefunction(static):
            wrapped[name] = _supervised(static, leak_check)
    if not wrapped:
        return cls
    wrapped["__module__"] = cls.__module__
    wrapped["__qualname__"] = cls.__qualname__
    wrapped["__doc__"] = cls.__doc__
    try:
        return type(cls)(cls.__name__, (cls,), wrapped)
    except TypeError:  # a class that can't be subclassed can't hold test methods either
        return cls


def _supervised(func: Callable[..., Any], leak_check: bool = True) -> Callable[..., Any]:
    """A plain function that runs the coroutine function ``func`` under ``gopy.run_supervised``."""

    @functools.wraps(func)
    def run_gopy_test(*args: Any, **kwargs: Any) -> Any:
        import gopy

        async def body() -> Any:
            result = await func(*args, **kwargs)
            if leak_check:
                await _check_leaks()
            return result

        return _fail_with_report(lambda: gopy.run_supervised(body))

    run_gopy_test._gopy_test = func  # type: ignore[attr-defined]  # for the synctest marker
    return run_gopy_test


_LEAK_TITLE = (
    "goroutine leak: the test returned while goroutines it started are blocked forever "
    "(--gopy-no-leak-check turns this check off)"
)


async def _check_leaks() -> None:
    """Raise ``GoroutineLeak`` if goroutines of the test stay blocked with nothing to wake them."""
    from gopy.runtime import _leaks

    leaked = await _leaks.blocked_forever()
    if leaked:
        raise _leaks.GoroutineLeak(_leaks.leak_report(_LEAK_TITLE, leaked))
