"""The ``gopy`` command: ``run``, ``translate``, ``check``, ``fmt`` and the console (``repl``, ``-i``).

``run`` parses its own arguments (everything after the file or module goes to
the program untouched) and is kept free of argparse to start fast.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]

USAGE = """\
usage: gopy run FILE.gopy [ARGS...]          run a program (main mode)
       gopy run - [ARGS...]                  run the program read from stdin
       gopy run -m MODULE [ARGS...]          run a module found on sys.path
       gopy run --watchdog MS FILE.gopy ...  also report each goroutine that holds
                                             the event loop longer than MS ms
       gopy translate FILE.gopy [-o OUT.py] [--module]
                                             print the generated Python
       gopy check [--module] FILE_OR_DIR...  report every syntax error
       gopy check --types FILE_OR_DIR...     type-check with mypy, at .gopy positions
       gopy [repl]                           the interactive console
       gopy -i FILE.gopy [ARGS...]           run a program, then the console with its names
       gopy fmt [--check] [--diff] FILE_OR_DIR...
                                             format in black's style
       gopy --version
"""

EXIT_USAGE = 2


def _usage_error(message: str) -> int:
    print(f"gopy: {message}\n{USAGE}", end="", file=sys.stderr)
    return EXIT_USAGE


def _run(args: list[str]) -> int:
    from gopy import _runner

    if not args:
        return _usage_error("run needs a file or -m MODULE")
    if args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0
    while args and (args[0] == "--watchdog" or args[0].startswith("--watchdog=")):
        option, _, value = args[0].partition("=")
        if not value:
            if len(args) < 2:
                return _usage_error("--watchdog needs a number of milliseconds")
            value, args = args[1], args[2:]
        else:
            args = args[1:]
        try:
            milliseconds = float(value)
        except ValueError:
            return _usage_error(f"--watchdog needs a number of milliseconds, not {value!r}")
        from gopy.runtime import _watchdog

        _watchdog.configured_ms = milliseconds
        if not args:
            return _usage_error("run needs a file or -m MODULE")
    if args[0] == "-m":
        if len(args) < 2:
            return _usage_error("-m needs a module name")
        return _runner.run_module(args[1], args[2:])
    if args[0].startswith("-m") and len(args[0]) > 2:  # like python -mfoo
        return _runner.run_module(args[0][2:], args[1:])
    if args[0] == "--":
        args = args[1:]
        if not args:
            return _usage_error("run needs a file or -m MODULE")
    return _runner.run_path(args[0], args[1:])


def _translate(args: list[str]) -> int:
    import argparse

    from gopy._traceback import format_syntax_error

    parser = argparse.ArgumentParser(
        prog="gopy translate",
        description="Print the Python that a .gopy file compiles to (formatted with black).",
    )
    parser.add_argument("file", help="the .gopy source")
    parser.add_argument("-o", "--output", help="write the Python here instead of to stdout")
    parser.add_argument(
        "--module",
        action="store_true",
        help="translate as an importable module (default: as the program `gopy run` runs)",
    )
    options = parser.parse_args(args)
    try:
        with open(options.file, "rb") as file:
            source = file.read()  # the compiler decodes it as Python would
    except OSError as exc:
        print(f"gopy translate: {options.file}: {exc.strerror}", file=sys.stderr)
        return 1
    from gopy.compiler._compile import translate

    try:
        python = translate(source, options.file, "exec" if options.module else "main")
    except SyntaxError as exc:
        print(format_syntax_error(exc), end="", file=sys.stderr)
        return 1
    if options.output is None:
        sys.stdout.write(python)
        return 0
    try:
        with open(options.output, "w", encoding="utf-8") as out:
            out.write(python)
    except OSError as exc:
        print(f"gopy translate: {options.output}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _gopy_files(path: str) -> list[str]:
    if not os.path.isdir(path):
        return [path]
    found = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".gopy")]
    return found


def _not_a_regular_file(path: str) -> bool:
    """Whether ``path`` exists but is no regular file (a FIFO, a device, a link to one).

    Reading one could hang or never end; ``compileall`` skips them too. A path
    that cannot be stat'ed is left to ``open`` to report.
    """
    import stat

    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _check(args: list[str]) -> int:
    import argparse

    from gopy._traceback import format_syntax_error

    parser = argparse.ArgumentParser(
        prog="gopy check",
        description="Compile .gopy files (directories recursively); print every syntax error.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    parser.add_argument("--module", action="store_true", help="compile as importable modules")
    parser.add_argument(
        "--types", action="store_true", help="type-check the translations with mypy (module mode)"
    )
    options = parser.parse_args(args)
    if options.types:
        return _check_types(options.paths)
    mode = "exec" if options.module else "main"
    import traceback

    from gopy.compiler._compile import compile_source
    from gopy.compiler._compile_errors import GopyInternalError

    failed = 0
    for root in options.paths:
        if not os.path.exists(root):
            print(f"gopy check: {root}: No such file or directory", file=sys.stderr)
            failed += 1
            continue
        for path in _gopy_files(root):
            if _not_a_regular_file(path):
                print(f"gopy check: {path}: not a regular file, skipped", file=sys.stderr)
                continue
            try:
                with open(path, "rb") as file:
                    compile_source(file.read(), path, mode)
            except SyntaxError as exc:
                print(format_syntax_error(exc), end="", file=sys.stderr)
                failed += 1
            except OSError as exc:
                print(f"gopy check: {path}: {exc.strerror}", file=sys.stderr)
                failed += 1
            except GopyInternalError:
                # A compiler bug: its traceback is for the bug report; the
                # other files still get checked.
                print(f"gopy check: {path}: a bug in gopy's compiler:", file=sys.stderr)
                traceback.print_exc()
                failed += 1
    return 1 if failed else 0


def _check_types(roots: list[str]) -> int:
    from gopy._typecheck import check_types

    missing = [root for root in roots if not os.path.exists(root)]
    for root in missing:
        print(f"gopy check: {root}: No such file or directory", file=sys.stderr)
    status = check_types(
        [path for root in roots if root not in missing for path in _gopy_files(root)]
    )
    return max(status, 1) if missing else status


def _repl(command: str, args: list[str]) -> int:
    from gopy import _repl

    if command == "-i" and not args:
        return _usage_error("-i needs a file")
    if command == "repl" and args:
        return _usage_error("repl takes no arguments (gopy -i FILE runs a file first)")
    return _repl.main(args)


def main(argv: list[str] | None = None) -> int:
    """Run the ``gopy`` command line; the exit status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args and not sys.stdin.isatty():  # as `python` runs a script piped to it
            return _run(["-"])
        command, rest = (args[0], args[1:]) if args else ("repl", [])
        if command == "repl" or command == "-i":
            return _repl(command, rest)
        if command == "run":
            return _run(rest)
        if command == "translate":
            return _translate(rest)
        if command == "check":
            return _check(rest)
        if command == "fmt":
            from gopy import _fmt_command

            return _fmt_command.main(rest)
        if command in ("-h", "--help", "help"):
            print(USAGE, end="")
            return 0
        if command == "--version":
            from gopy import __version__

            print(f"gopy {__version__}")
            return 0
        return _usage_error(f"unknown command {command!r}")
    except KeyboardInterrupt:
        return 130
