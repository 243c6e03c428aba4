"""The compiler's public entry points: parse, translate, compile_source."""

from __future__ import annotations

import ast
import hashlib
import io
import re
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


def _normal_encoding(name: str) -> str:
    """CPython's tokenizer's name for an encoding (get_normal_name)."""
    low = name.lower().replace("_", "-")
    if low == "utf-8" or low.startswith("utf-8-"):
        return "utf-8"
    for latin in ("latin-1", "iso-8859-1", "iso-latin-1"):
        if low == latin or low.startswith(latin + "-"):
            return "iso-8859-1"
    return name


def _decode_error(source: bytes, exc: Exception, filename: str) -> GopySyntaxError:
    """CPython's error for source bytes that do not decode."""
    if isinstance(exc, UnicodeDecodeError):
        # reported on the line of the bad byte, as CPython does
        start = source.rfind(b"\n", 0, exc.start) + 1
        end = source.find(b"\n", exc.start)
        raw = source[start : end if end >= 0 else len(source)]
        line = raw.decode(exc.encoding, errors="replace")
        lineno = source.count(b"\n", 0, exc.start) + 1
        offset = len(raw[: exc.start - start].decode(exc.encoding, errors="replace")) + 1
        reason = str(exc).replace(f"position {exc.start}", f"position {exc.start - start}")
        return GopySyntaxError(f"(unicode error) {reason}", filename, lineno, offset, line + "\n")
    msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    if source.startswith(b"\xef\xbb\xbf") and msg.startswith("encoding problem"):
        lines = source[3:].split(b"\n", 2)[:2]
        cookie = next((m for m in map(_COOKIE.match, lines) if m), None)
        if cookie is not None:
            msg = (
                f"encoding problem: {_normal_encoding(cookie.group(1).decode('latin-1'))} with BOM"
            )
    return GopySyntaxError(msg, filename, 1, 1, None)


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _source_text(source: str | bytes, filename: str) -> SourceText:
    try:
        text = decode_source(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        assert isinstance(source, bytes)
        if isinstance(exc, SyntaxError) and exc.msg.startswith("invalid or missing encoding"):
            # (tokenize's wording for a first line that is not UTF-8)
            body = source[3:] if source.startswith(b"\xef\xbb\xbf") else source
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise _decode_error(body, bad, filename) from None
        raise _decode_error(source, exc, filename) from None
    if isinstance(source, str) and not text.isascii():
        text.encode("utf-8")  # a lone surrogate: UnicodeEncodeError, as compile() raises
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
