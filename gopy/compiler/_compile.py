"""The compiler's public entry points: parse, translate, compile_source."""

from __future__ import annotations

import ast
import hashlib
import io
import tokenize
import types
from importlib import resources

from gopy._version import __version__
from gopy.compiler._compile_errors import GopyInternalError, GopySyntaxError
from gopy.compiler._lower_statements import lower
from gopy.compiler._source_text import SourceText

__all__ = ["parse", "translate", "compile_source", "decode_source", "COMPILER_TAG"]

_MODES = ("exec", "main")


# Everything whose change can change the generated code: the parser tables
# (built from the grammar) and every module of the compiler package.
def _compiler_tag() -> str:
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("gopy.compiler")
    names = sorted(
        entry.name for entry in package.iterdir() if entry.name.endswith((".py", ".pickle"))
    )
    for name in names:
        try:
            digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
        except OSError:  # e.g. a build that ships only bytecode: the version alone
            digest.update(name.encode())
    return f"gopy-{__version__}-{digest.hexdigest()[:12]}"


COMPILER_TAG: str = _compiler_tag()


def decode_source(source: str | bytes) -> str:
    """Source bytes decoded as Python decodes a module: BOM, PEP 263 cookie, UTF-8."""
    if isinstance(source, str):
        return source
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    if encoding == "utf-8-sig":
        if source.startswith(b"\xef\xbb\xbf"):
            source = source[3:]
        encoding = "utf-8"
    return source.decode(encoding)


def _source_text(source: str | bytes, filename: str) -> SourceText:
    try:
        text = decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise GopySyntaxError(f"cannot decode the source: {exc}", filename, 1, 1, None) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise GopySyntaxError("source code cannot contain null bytes", filename, line, 1, None)
    return SourceText(text, filename)


def parse(source: str | bytes, filename: str = "<unknown>", mode: str = "exec") -> ast.Module:
    """Parse gopy source to a Python ``ast.Module`` (plain Python gives ``ast.parse``'s tree).

    ``mode="exec"`` compiles an importable module; ``mode="main"`` the program
    that ``gopy run`` executes (top-level channel operations allowed).
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, not {mode!r}")
    text = _source_text(source, filename)
    try:
        return lower(text, mode)
    except SyntaxError:
        raise
    except RecursionError:
        raise GopySyntaxError(
            "expression too deeply nested", filename, 1, 1, text.line(1)
        ) from None
    except Exception as exc:
        raise GopyInternalError(
            f"internal compiler error: {type(exc).__name__}: {exc} (compiling {filename}); please report"
        ) from exc


def translate(source: str | bytes, filename: str = "<unknown>", mode: str = "main") -> str:
    """The Python that gopy generates for ``source``, with its comments, formatted with black."""
    from gopy.compiler._translate import render

    module = parse(source, filename, mode)
    try:
        return render(module, _source_text(source, filename).text)
    except RecursionError:
        lineno = _deeply_nested_line(module)
        text = _source_text(source, filename)
        raise GopySyntaxError(
            "expression too deeply nested to translate", filename, lineno, 1, text.line(lineno)
        ) from None


def compile_source(source: str | bytes, filename: str, mode: str = "exec") -> types.CodeType:
    """Compile gopy source to a code object; errors are ``GopySyntaxError`` with positions."""
    module = parse(source, filename, mode)
    try:
        return compile(module, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        # Errors found on an AST carry byte offsets; SyntaxError wants characters.
        text = _source_text(source, filename)
        lineno = exc.lineno or 1
        offset = text.char_col(lineno, (exc.offset or 1) - 1) + 1
        end_lineno = exc.end_lineno or lineno
        end_offset = (
            text.char_col(end_lineno, (exc.end_offset or 1) - 1) + 1 if exc.end_offset else None
        )
        raise GopySyntaxError(
            exc.msg, filename, lineno, offset, text.line(lineno), end_lineno, end_offset
        ) from None
    except RecursionError:
        # CPython's compiler recurses over the tree: report where it nests too deeply.
        text = _source_text(source, filename)
        lineno = _deeply_nested_line(module)
        raise GopySyntaxError(
            "expression too deeply nested to compile", filename, lineno, 1, text.line(lineno)
        ) from None
    except (ValueError, TypeError) as exc:
        raise GopyInternalError(
            f"internal compiler error: {type(exc).__name__}: {exc} (compiling {filename}); please report"
        ) from exc


def _deeply_nested_line(module: ast.Module, limit: int = 200) -> int:
    """The line of the first node nested more than ``limit`` levels deep (iteratively)."""
    stack: list[tuple[ast.AST, int]] = [(module, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit and hasattr(node, "lineno"):
            return node.lineno  # type: ignore[attr-defined,no-any-return]
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return 1
