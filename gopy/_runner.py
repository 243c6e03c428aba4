"""``gopy run``: a ``.gopy`` program as ``__main__``, with Go's exit statuses.

The program is compiled in main mode, so its own module body calls
``gopy.run_program``, which runs the event loop, calls ``main`` and turns a
goroutine panic or a deadlock into ``SystemExit(2)`` and Ctrl-C into
``SystemExit(130)``. This module sets up ``__main__``, ``sys.argv`` and
``sys.path`` as Python does for a script, and reports what escapes the
program: a syntax error as CPython prints one, any other exception with
Python's traceback minus gopy's own frames, status 1. Like ``python FILE``,
it takes the process over: ``sys.argv``, ``sys.path[0]`` and
``sys.modules["__main__"]`` stay the program's afterwards.
"""

from __future__ import annotations

import builtins
import importlib.util
import os
import sys
from types import CodeType, ModuleType, TracebackType

from gopy._importer import GopyLoader, MainLoader
from gopy._traceback import is_internal, print_exception, show_all_frames, without_internal_frames

__all__ = ["run_module", "run_path"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _set_path0(entry: str) -> None:
    if sys.flags.safe_path:  # python -P: leave sys.path alone, as Python does
        return
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.append(entry)


def _report(exc: BaseException, main_code: CodeType | None) -> None:
    if not show_all_frames():

        def hidden(tb: TracebackType) -> bool:
            code = tb.tb_frame.f_code
            if is_internal(code):
                return True
            # The program's module-level frame only calls gopy.run_program.
            return (
                code is main_code
                and tb.tb_next is not None
                and is_internal(tb.tb_next.tb_frame.f_code)
            )

        without_internal_frames(exc, hidden)
    sys.stdout.flush()
    print_exception(exc)


def _execute(code: CodeType, module: ModuleType) -> int:
    """Run ``code`` as ``__main__``; the exit status."""
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BaseException as exc:
        _report(exc, code)
        return EXIT_ERROR
    return 0


def _compile(loader: GopyLoader) -> CodeType | int:
    """The program's code (cached like a module), or the exit status of failing."""
    try:
        return loader.get_code(loader.name)
    except SyntaxError as exc:
        sys.stdout.flush()
        print_exception(exc.with_traceback(None))
        return EXIT_ERROR


def _main_module(loader: GopyLoader, **attributes: object) -> ModuleType:
    module = ModuleType("__main__")
    module.__dict__.update(
        __builtins__=builtins,
        __file__=loader.path,
        __loader__=loader,
        __cached__=None,
        __package__=None,
        __spec__=None,
    )
    module.__dict__.update(attributes)
    return module


def _run_stdin(args: list[str]) -> int:
    """Run the program read from standard input, as ``python -`` does (no cache)."""
    from gopy.compiler._compile import compile_source

    source = sys.stdin.buffer.read()
    try:
        code = compile_source(source, "<stdin>", "main")
    except SyntaxError as exc:
        sys.stdout.flush()
        print_exception(exc.with_traceback(None))
        return EXIT_ERROR
    sys.argv = ["-", *args]
    _set_path0("")
    module = ModuleType("__main__")
    module.__dict__.update(
        __builtins__=builtins, __file__="<stdin>", __cached__=None, __package__=None, __spec__=None
    )
    return _execute(code, module)


def run_path(path: str, args: list[str]) -> int:
    """Run the program in file ``path`` with ``args``; the exit status.

    A directory runs its ``__main__.gopy``, as ``python DIR`` runs ``__main__.py``;
    ``-`` reads the program from standard input.
    """
    if path == "-":
        return _run_stdin(args)
    abspath = os.path.abspath(path)
    folder = os.path.dirname(abspath)
    if os.path.isdir(abspath):
        folder, abspath = abspath, os.path.join(abspath, "__main__.gopy")
        if not os.path.isfile(abspath):
            print(f"gopy: can't find '__main__.gopy' module in {folder!r}", file=sys.stderr)
            return EXIT_ERROR  # as Python's "can't find '__main__' module"
    loader = MainLoader("__main__", abspath)
    try:
        code = _compile(loader)
    except OSError as exc:
        print(
            f"gopy: can't open file {abspath!r}: [Errno {exc.errno}] {exc.strerror}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if isinstance(code, int):
        return code
    sys.argv = [path, *args]
    _set_path0(folder)
    return _execute(code, _main_module(loader))


def _is_lookup_error(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` from ``find_spec(name)`` says the name is wrong (runpy's rule)."""
    if isinstance(exc, ImportError):
        missing = exc.name
        return missing is not None and (name == missing or name.startswith(missing + "."))
    return isinstance(exc, (AttributeError, TypeError, ValueError))


def _print_lookup_error(exc: BaseException, name: str) -> None:
    """What ``python -m`` prints for a module name that can't be looked up."""
    message = (
        f"gopy: Error while finding module specification for {name!r} ({type(exc).__name__}: {exc})"
    )
    for suffix in (".gopy", ".py"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            message += f". Try using {stem!r} instead of {name!r} as the module name."
    print(message, file=sys.stderr)


def run_module(name: str, args: list[str]) -> int:
    """Run module ``name`` (found on ``sys.path``) as the program; the exit status."""
    _set_path0(os.getcwd())
    sys.argv = ["-m", *args]  # what Python shows while it searches
    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            package, name = name, name + ".__main__"
            spec = importlib.util.find_spec(name)
            if spec is None:
                print(
                    f"gopy: No module named {name}; {package!r} is a package and cannot be directly executed",
                    file=sys.stderr,
                )
                return EXIT_ERROR
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if _is_lookup_error(exc, name):
            _print_lookup_error(exc, name)
        else:  # the package's own code failed: its traceback
            _report(exc, None)
        return EXIT_ERROR
    if spec is None:
        print(f"gopy: No module named {name}", file=sys.stderr)
        return EXIT_ERROR
    if spec.origin is None or not isinstance(spec.loader, GopyLoader):
        # A Python module: run it the way `python -m` would.
        import runpy

        sys.argv = [spec.origin or name, *args]
        try:
            runpy.run_module(name, run_name="__main__", alter_sys=True)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            _report(exc, None)
            return EXIT_ERROR
        return 0
    loader = MainLoader(name, spec.origin)
    code = _compile(loader)
    if isinstance(code, int):
        return code
    sys.argv = [spec.origin, *args]
    module = _main_module(loader, __spec__=spec, __package__=spec.parent, __loader__=spec.loader)
    return _execute(code, module)
