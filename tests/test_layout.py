"""The package's layering: dependencies run one way, and no module imports itself back.

``gopy.runtime`` and ``gopy.compiler`` are the two engines: neither imports
the other or a surface (the modules at the top of ``gopy/``); the surfaces may
import both. Every import counts, at module level or inside a function, so a
cycle cannot be hidden by moving an import into a function body.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gopy

PACKAGE_DIR = Path(gopy.__file__).parent
# Leaves every layer may import.
SHARED = frozenset({"gopy._version"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The gopy module that importing ``name`` loads, or None if it is not gopy's."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    """The gopy modules ``module`` imports anywhere in its body."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                prefix = f"{base}.{node.module}" if node.module else base
            else:
                prefix = node.module or ""
            # ``from pkg import name`` loads pkg.name when that is a module.
            names = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def layer(module: str) -> str:
    if module == "gopy.runtime" or module.startswith("gopy.runtime."):
        return "runtime"
    if module == "gopy.compiler" or module.startswith("gopy.compiler."):
        return "compiler"
    return "shared" if module in SHARED else "surface"


def test_the_layout_has_both_engines_and_surfaces() -> None:
    layers = {layer(m) for m in MODULES}
    assert layers == {"runtime", "compiler", "surface", "shared"}
    assert "gopy.compiler._lalr_parser" in MODULES and "gopy.runtime._channels" in MODULES


@pytest.mark.parametrize("engine", ["runtime", "compiler"])
def test_an_engine_imports_only_itself(engine: str) -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if layer(module) == engine
        for target in targets
        if layer(target) not in (engine, "shared")
    }
    assert not wrong, f"{engine} modules import outside their layer: {sorted(wrong)}"


def test_shared_leaves_import_nothing_of_gopy() -> None:
    for module in SHARED:
        assert GRAPH[module] == set()


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_the_cycle_check_would_see_a_function_level_import(tmp_path: Path) -> None:
    # The checker's own premise: an import inside a function is an edge too.
    src = "def f():\n    from gopy.compiler import _compile\n"
    tree = ast.parse(src)
    inner = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert inner and _resolve(f"{inner[0].module}._compile") == "gopy.compiler._compile"
    assert "gopy.compiler._compile" in imports_of("gopy.cli") | imports_of("gopy._runner")


def test_no_module_is_much_over_500_lines() -> None:
    long = {
        module: n
        for module, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 560
    }
    assert not long, f"split these by construct family: {long}"
