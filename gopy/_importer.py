"""The import hook: ``import foo`` finds ``foo.gopy`` and caches its bytecode.

A path hook puts a :class:`GopyFileFinder` (the standard ``FileFinder`` with
``.gopy`` added after Python's own suffixes) on every directory of
``sys.path``. In one directory ``foo.py`` (and an extension module or a
sourceless ``foo.pyc``) keeps priority over ``foo.gopy``, as the earlier
suffixes do among themselves, so adding gopy never changes which module an
existing Python import finds.

:class:`GopyLoader` is a ``SourceFileLoader``: CPython's own ``get_code``
does the cache logic (``-B``, ``PYTHONPYCACHEPREFIX``, ``-O`` levels,
``python -v`` messages), and ``get_data``/``set_data`` redirect its cache
file to ``__pycache__/foo.cpython-311.gopy.pyc`` (``.gopy-main.pyc`` for the
program that ``gopy run`` runs, which compiles differently). That file holds
``b"gopy"``, a fingerprint of the gopy package's files and the compiler's
``COMPILER_TAG``, the source's full ``st_mtime_ns`` and size, then a
standard timestamp ``.pyc`` (whose 32-bit timestamp field CPython checks as
well). A hit needs the fingerprint, the full mtime and the size to match, so
an edit within the same second, or one 2**32 ns after the cached one,
invalidates it. The fingerprint covers every compiler file's size, mtime,
ctime and inode: rewriting a file changes its ctime even when the mtime is
pinned (reproducible and Nix-style installs), so a changed compiler is never
mistaken for the one that wrote the cache; when the compiler is already
loaded its ``COMPILER_TAG`` is compared too. A cache hit imports neither the
compiler nor Lark.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import (
    BYTECODE_SUFFIXES,
    EXTENSION_SUFFIXES,
    SOURCE_SUFFIXES,
    ExtensionFileLoader,
    FileFinder,
    SourceFileLoader,
    SourcelessFileLoader,
)
from importlib.util import cache_from_source
from types import CodeType
from typing import Any, Callable

__all__ = [
    "GOPY_SUFFIX",
    "GopyFileFinder",
    "GopyLoader",
    "MainLoader",
    "cache_path",
    "folder_fingerprint",
    "install",
]

GOPY_SUFFIX = ".gopy"

_MARK = b"gopy"
_fingerprint: str | None = None


def folder_fingerprint(folder: str) -> str:
    """Changes whenever a ``.py`` or ``.pickle`` file in ``folder`` is written, added or removed.

    Only ``stat`` results: the ctime (set by the kernel on every write, not
    settable like the mtime) and the inode catch a rewrite that keeps the
    size and restores the mtime. Hashing the files' contents, as
    ``COMPILER_TAG`` does, would cost milliseconds on every start; importing
    the compiler, tens of them.
    """
    import zlib

    from gopy._version import __version__

    stamps = [__version__]
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith((".py", ".pickle")):
                st = entry.stat()
                stamps.append(
                    f"{entry.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
                )
    return f"{zlib.crc32(';'.join(sorted(stamps)).encode()):08x}"


def _package_fingerprint() -> str:
    """The fingerprint of the compiler package (computed once per process)."""
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = folder_fingerprint(
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "compiler")
        )
    return _fingerprint


def _source_key(stats: dict[str, int] | None) -> str:
    """The source's full mtime and size as the header keeps them."""
    if stats is None:
        return "?"
    return f"{stats['mtime']}:{stats['size']}"


def _header(compiler_tag: str, stats: dict[str, int] | None) -> bytes:
    key = f"{_package_fingerprint()}\0{compiler_tag}\0{_source_key(stats)}".encode()
    return _MARK + len(key).to_bytes(2, "little") + key


def _strip_header(data: bytes, path: str, stats: dict[str, int] | None) -> bytes:
    """The ``.pyc`` inside cache file ``data``, if this gopy wrote it for this source; else OSError.

    ``stats``: the source's ``path_stats`` that CPython's ``get_code`` just took.
    """
    start = len(_MARK) + 2
    end = start + int.from_bytes(data[len(_MARK) : start], "little")
    fingerprint, _, rest = data[start:end].decode("utf-8", "replace").partition("\0")
    tag, _, source_key = rest.partition("\0")
    compiler = sys.modules.get("gopy.compiler._compile")
    if (
        not data.startswith(_MARK)
        or fingerprint != _package_fingerprint()
        or stats is None
        or source_key != _source_key(stats)
        # Files unchanged imply the same COMPILER_TAG, unless it is set at
        # run time; that is only checkable once the compiler is loaded.
        or (compiler is not None and tag != compiler.COMPILER_TAG)
    ):
        raise OSError(f"{path} was written by another gopy compiler or for another source")
    return data[end:]


def cache_path(source_path: str, mode: str = "exec") -> str | None:
    """The bytecode cache file of a ``.gopy`` source compiled in ``mode``."""
    try:
        pyc = cache_from_source(source_path)
    except NotImplementedError:  # sys.implementation.cache_tag is None
        return None
    suffix = ".gopy.pyc" if mode == "exec" else f".gopy-{mode}.pyc"
    return pyc[: -len(".pyc")] + suffix


def _user_syntax_error(exc: SyntaxError) -> SyntaxError:
    """``exc`` as a plain ``SyntaxError``, so that it prints as CPython's do."""
    from gopy._traceback import as_plain_syntax_error

    return as_plain_syntax_error(exc)


# Why this is compiled under importlib's file name: when an import fails,
# CPython (import.c, remove_importlib_frames) drops every run of importlib
# frames that ends in a frame named `_call_with_frames_removed`; that is how a
# .py file's SyntaxError shows only the user's `import` line. Run as this
# function, the compile step makes the loader's and importlib's frames vanish
# the same way, and the re-raise drops the compiler's frames, so a .gopy
# syntax error prints exactly like a .py one. Other exceptions (compiler bugs)
# keep the compiler's frames. import.c's rule (file name and function name,
# both compared as strings) is the same from 3.3 through 3.13; no public hook
# does this, and sys.excepthook would not cover code that prints tracebacks
# itself. Without an import statement (importlib.import_module, reload)
# nothing is trimmed, for a .py either; this frame then shows as importlib's.
# test_import_syntax_error_output_is_cpythons_byte_for_byte pins the output.
_SOURCE_TO_CODE = """
def _call_with_frames_removed(self, data, path, *, _optimize=-1):
    try:
        return self._compile(data, path)
    except SyntaxError as exc:
        raise _user_syntax_error(exc).with_traceback(None) from None
"""


def _make_source_to_code() -> Callable[..., CodeType]:
    namespace: dict[str, Any] = {"_user_syntax_error": _user_syntax_error}
    exec(compile(_SOURCE_TO_CODE, "<frozen importlib._bootstrap_external>", "exec"), namespace)
    return namespace["_call_with_frames_removed"]


class GopyLoader(SourceFileLoader):
    """Loads a ``.gopy`` module: compiles it in module mode, caches the code."""

    mode = "exec"

    source_to_code = _make_source_to_code()  # type: ignore[assignment]

    def __init__(self, fullname: str, path: str) -> None:
        super().__init__(fullname, path)
        try:
            #: where CPython's get_code looks for the cache (the .py's file)
            self._pyc_path: str | None = cache_from_source(path)
        except NotImplementedError:  # sys.implementation.cache_tag is None
            self._pyc_path = None
        #: where this loader really keeps it
        self._cache_path = cache_path(path, self.mode)
        #: the source's stats as get_code last took them (the cache is checked against them)
        self._stats: dict[str, int] | None = None

    def _compile(self, data: bytes, path: str) -> CodeType:
        from gopy.compiler._compile import compile_source

        return compile_source(data, path, self.mode)

    def path_stats(self, path: str) -> dict[str, int]:
        st = os.stat(path)
        # get_code keeps the low 32 bits in the .pyc; the header keeps all of them.
        stats = {"mtime": st.st_mtime_ns, "size": st.st_size}
        if path == self.path:
            self._stats = stats
        return stats

    def get_data(self, path: str) -> bytes:
        real = self._cache_path
        if path != self._pyc_path or real is None:
            return super().get_data(path)
        return _strip_header(super().get_data(real), real, self._stats)

    def set_data(self, path: str, data: bytes, *, _mode: int = 0o666) -> None:
        real = self._cache_path
        if path != self._pyc_path or real is None:
            super().set_data(path, data, _mode=_mode)
            return
        # SourceFileLoader.set_data writes a temporary file and os.replace()s
        # it, so a concurrent reader sees the old cache or the new one.
        from gopy.compiler._compile import COMPILER_TAG  # loaded: it just compiled this

        super().set_data(real, _header(COMPILER_TAG, self._stats) + data, _mode=_mode)


class MainLoader(GopyLoader):
    """Loads the program ``gopy run`` runs: main mode, its own cache file."""

    mode = "main"


class GopyFileFinder(FileFinder):
    """``FileFinder`` that also finds ``.gopy`` modules and packages."""


def _loader_details() -> list[tuple[type, list[str]]]:
    # Python's own order (extension, source, bytecode), then gopy's.
    return [
        (ExtensionFileLoader, EXTENSION_SUFFIXES),
        (SourceFileLoader, SOURCE_SUFFIXES),
        (SourcelessFileLoader, BYTECODE_SUFFIXES),
        (GopyLoader, [GOPY_SUFFIX]),
    ]


def _is_gopy_hook(hook: object) -> bool:
    return getattr(hook, "_gopy_hook", False) is True


def install() -> None:
    """Let ``import`` find ``.gopy`` files on ``sys.path``; idempotent."""
    if any(_is_gopy_hook(hook) for hook in sys.path_hooks):
        return
    hook = GopyFileFinder.path_hook(*_loader_details())
    hook._gopy_hook = True  # type: ignore[attr-defined]
    sys.path_hooks.insert(0, hook)
    # Directories already searched have a plain FileFinder cached; drop them
    # so that the next import builds a GopyFileFinder there.
    cache = sys.path_importer_cache
    for entry, finder in list(cache.items()):
        if type(finder) is FileFinder:
            del cache[entry]
