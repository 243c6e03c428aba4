"""The gopy REPL: ``gopy``, ``gopy repl`` and ``gopy -i FILE``.

Each input is compiled by ``gopy._interactive`` and runs on the session's
loop (``gopy._session``), as ``python -m asyncio`` runs its inputs: top-level
channel operations are awaited there, and goroutines go on running between
inputs. A deadlock or a goroutine's panic prints Go's report and the prompt
comes back; Ctrl-C cancels the running input; ``sys.exit()`` and EOF leave.
"""

from __future__ import annotations

import builtins
import concurrent.futures
import linecache
import os
import sys
from types import CodeType, TracebackType
from typing import Any

from gopy._session import InputFailed, Session, interrupt_main_thread
from gopy._traceback import (
    format_syntax_error,
    is_internal,
    print_exception,
    without_internal_frames,
)

__all__ = ["interact", "main"]

EXIT_ERROR = 1
EXIT_USAGE = 2


def new_namespace(**names: Any) -> dict[str, Any]:
    """A ``__main__`` namespace with ``gopy`` and the prelude (``chan``, ``close``, ``cap``)."""
    import gopy

    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__doc__": None,
        "__builtins__": builtins,
        "__spec__": None,
        "__package__": None,
        "gopy": gopy,
        "chan": gopy.chan,
        "close": gopy.close,
        "cap": gopy.cap,
    }
    namespace.update(names)
    return namespace


_FUTURES_DIR = os.path.dirname(concurrent.futures.__file__) + os.sep


def _hidden(tb: TracebackType) -> bool:
    """gopy's frames, and those of the future that carried the exception to the main thread."""
    code = tb.tb_frame.f_code
    return is_internal(code) or code.co_filename.startswith(_FUTURES_DIR)


def _remember(filename: str, source: str) -> None:
    """Keep an input's lines for tracebacks and reports (as Python 3.13's REPL does)."""
    lines = [line + "\n" for line in source.split("\n")]
    linecache.cache[filename] = (len(source), None, lines, filename)


class Console:
    """The read-eval-print loop over one ``Session``."""

    def __init__(self, namespace: dict[str, Any], session: Session | None = None) -> None:
        self.namespace = namespace
        self.session = session or Session(report=self._report, on_exit=self._exit_later)
        self.count = 0
        self.at_prompt = ""

    def _report(self, text: str) -> None:
        # A goroutine's report between inputs: print it, then the prompt again.
        sys.stdout.flush()
        sys.stderr.write(("\n" if self.at_prompt else "") + text)
        sys.stderr.flush()
        if self.at_prompt:
            sys.stdout.write(self.at_prompt)
            sys.stdout.flush()

    def _exit_later(self, code: Any) -> None:
        # A goroutine called sys.exit() between inputs: wake the prompt (its
        # KeyboardInterrupt handler sees exit_requested); after an input, execute() sees it.
        if self.at_prompt:
            interrupt_main_thread()

    def _read(self, prompt: str) -> str:
        self.at_prompt = prompt
        try:
            if self.session.exit_requested:
                raise SystemExit(self.session.exit_code)
            return input(prompt)
        finally:
            self.at_prompt = ""

    def execute(self, code: CodeType) -> None:
        """Run compiled input in the session; report what it raised. SystemExit leaves."""
        try:
            self.session.run(lambda: eval(code, self.namespace))
        except SystemExit:
            raise
        except InputFailed as failed:
            sys.stdout.flush()
            sys.stderr.write(failed.report)
            sys.stderr.flush()
        except KeyboardInterrupt:
            if self.session.exit_requested:
                raise SystemExit(self.session.exit_code) from None
            sys.stdout.flush()
            sys.stderr.write("KeyboardInterrupt\n")
        except BaseException as exc:
            self.show(exc)
        if self.session.exit_requested:
            raise SystemExit(self.session.exit_code)

    def show(self, exc: BaseException) -> None:
        """Print ``exc`` as Python's REPL would, without gopy's own frames."""
        sys.last_type, sys.last_value, sys.last_traceback = type(exc), exc, exc.__traceback__
        if isinstance(exc, SyntaxError) and exc.__traceback__ is None:
            sys.stdout.flush()
            sys.stderr.write(format_syntax_error(exc))
            return
        sys.stdout.flush()
        print_exception(without_internal_frames(exc, _hidden))

    def push(self, source: str) -> bool:
        """Compile and run ``source`` if complete; whether more lines are needed."""
        from gopy._interactive import compile_input

        if not source.strip():
            return False
        filename = f"<gopy-input-{self.count}>"
        try:
            code = compile_input(source, filename)
        except SyntaxError as exc:
            _remember(filename, source)
            self.count += 1
            self.show(exc.with_traceback(None))
            return False
        if code is None:
            return True
        _remember(filename, source)
        self.count += 1
        self.execute(code)
        return False

    def interact(self, banner: str | None = None) -> int:
        """Read and run inputs until EOF or ``sys.exit()``; the exit status."""
        if banner:
            print(banner, file=sys.stderr)
        ps1 = str(getattr(sys, "ps1", ">>> "))
        ps2 = str(getattr(sys, "ps2", "... "))
        lines: list[str] = []
        try:
            while True:
                try:
                    line = self._read(ps2 if lines else ps1)
                except EOFError:
                    sys.stdout.write("\n")
                    return 0
                except KeyboardInterrupt:
                    if self.session.exit_requested:
                        raise SystemExit(self.session.exit_code) from None
                    sys.stdout.write("\nKeyboardInterrupt\n")
                    lines = []
                    continue
                lines.append(line)
                if not self.push("\n".join(lines)):
                    lines = []
        except SystemExit as exc:
            return _exit_status(exc.code)
        finally:
            self.session.close()


def _exit_status(code: Any) -> int:
    """What ``sys.exit(code)`` makes the process's status (and prints), as Python does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _setup_readline(namespace: dict[str, Any]) -> None:
    """History in ``~/.gopy_history`` (``GOPY_HISTFILE``) and tab completion, where readline exists."""
    try:
        import readline
        import rlcompleter
    except ImportError:
        return
    import atexit

    readline.set_completer(rlcompleter.Completer(namespace).complete)
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    history = os.environ.get("GOPY_HISTFILE") or os.path.join(
        os.path.expanduser("~"), ".gopy_history"
    )
    try:
        readline.read_history_file(history)
    except OSError:
        pass

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    atexit.register(save)


def _banner() -> str:
    from gopy import __version__

    return (
        f"gopy {__version__} (Python {sys.version.split()[0]}) on {sys.platform}\n"
        "Go syntax at the prompt: ch <- v, <-ch, select:, go f(x), defer f(x); "
        "goroutines keep running between inputs.\n"
        'Ctrl-C cancels the running input; Ctrl-D or "exit()" leaves.'
    )


def _run_file(console: Console, path: str) -> bool:
    """``gopy -i``: run the program in ``path`` in the session, then its ``main()``; whether it ran."""
    from gopy._interactive import compile_input
    from gopy.compiler._compile import decode_source

    try:
        with open(path, "rb") as file:
            source = decode_source(file.read())
        code = compile_input(source + "\n\n", os.path.abspath(path), "exec")
    except OSError as exc:
        print(
            f"gopy: can't open file {path!r}: [Errno {exc.errno}] {exc.strerror}", file=sys.stderr
        )
        return False
    except SyntaxError as exc:
        console.show(exc.with_traceback(None))
        return True
    assert code is not None
    console.execute(code)
    if callable(console.namespace.get("main")):  # as `gopy run` does
        console.execute(compile("main()", "<gopy -i>", "eval"))
    return True


def main(args: list[str]) -> int:
    """``gopy [repl]`` (no arguments) and ``gopy -i FILE [ARGS...]``; the exit status."""
    namespace = new_namespace()
    console = Console(namespace)
    if args:
        path = args[0]
        namespace["__file__"] = path
        sys.argv = list(args)
        if not sys.flags.safe_path:
            sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        try:
            ran = _run_file(console, path)
        except SystemExit as exc:  # the program exited: so does gopy -i, with its status
            console.session.close()
            return _exit_status(exc.code)
        if not ran:
            console.session.close()
            return EXIT_USAGE
    else:
        sys.argv = [""]
        if not sys.flags.safe_path:
            sys.path.insert(0, "")
    _setup_readline(namespace)
    return console.interact(None if args else _banner())
