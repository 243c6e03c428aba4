"""The compiler: ``.gopy`` source to a Python ``ast.Module`` with exact positions.

Stages (one module each): ``_source_text`` (the text, lines and byte columns),
``_tokenizer``, ``_grammar_tables`` (Lark-built LALR tables, shipped pickled),
``_lalr_parser`` (the driver, and CPython-worded syntax errors), the
``_lower_*`` modules (one per construct family: statements, expressions,
strings, patterns, the Go constructs and their module pass), and ``_compile``
(the public entry points). The compiler imports nothing from the runtime or
the surfaces; the code it generates imports only the public ``gopy`` API.

The heavy entry points are loaded on first use, so importing this package for
its error types costs nothing.
"""

from __future__ import annotations

from gopy.compiler._compile_errors import GopyInternalError, GopySyntaxError

__all__ = [
    "parse",
    "translate",
    "compile_source",
    "decode_source",
    "COMPILER_TAG",
    "GopySyntaxError",
    "GopyInternalError",
]

_LAZY = frozenset(("parse", "translate", "compile_source", "decode_source", "COMPILER_TAG"))


def __getattr__(name: str):
    if name in _LAZY:
        from gopy.compiler import _compile

        return getattr(_compile, name)
    raise AttributeError(f"module 'gopy.compiler' has no attribute {name!r}")
