"""The package's import structure, read from the source with ``ast`` (nothing is imported).

* The core (``hybrid/`` -> ``hybrid_workbench``) never imports ``hybrid_workbench.backends``
  or ``hybrid_workbench.usecases``, not even lazily inside a function: it asks the registry.
* No two modules of the package import each other, directly or through a cycle (imports
  under ``if TYPE_CHECKING:`` are for annotations only and do not count).

Known violations in files that are still to be fixed are named one by one in the
allow-lists below, so any new violation fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: folder -> package name (as mapped in pyproject.toml)
PACKAGES = {"hybrid": "hybrid_workbench", "backends": "hybrid_workbench.backends",
            "usecases": "hybrid_workbench.usecases"}
FORBIDDEN_FROM_CORE = ("hybrid_workbench.backends", "hybrid_workbench.usecases")

#: (file, line, imported module) of known core -> backends/usecases imports left to fix
ALLOWED_CORE_IMPORTS: set[tuple[str, int, str]] = set()
#: known cycles, each as the sorted tuple of its modules (to fix, then remove from here):
ALLOWED_CYCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the three folders."""
    out: dict[str, Path] = {}
    for folder, package in PACKAGES.items():
        base = ROOT / folder
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            rel = path.relative_to(base).with_suffix("")
            parts = list(rel.parts)
            if folder == "hybrid" and parts and parts[0] in ("backends", "usecases"):
                continue  # not part of the core (no such folders today)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, path: Path) -> list[tuple[int, str, bool]]:
    """``(line, absolute module, runtime)`` of every import in ``path``, relative ones
    resolved; ``runtime`` is False under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, runtime: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    visit_node(sub, False)
                for sub in child.orelse:
                    visit_node(sub, runtime)
                continue
            visit_node(child, runtime)

    def visit_node(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name, runtime) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target, runtime))
            for alias in node.names:  # ``from pkg import submodule``
                out.append((node.lineno, f"{target}.{alias.name}", runtime))
        else:
            visit(node, runtime)

    visit(tree, True)
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The package module ``name`` refers to (its longest known prefix), or None."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        candidate = ".".join(parts[:k])
        if candidate in modules:
            return candidate
    return None


def _graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], tuple[int, str]]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    where: dict[tuple[str, str], tuple[int, str]] = {}
    for module, path in modules.items():
        for line, name, runtime in _imports(module, path):
            target = _resolve(name, modules)
            if not runtime or target is None or target == module:
                continue
            if module.startswith(target + ".") or target == "hybrid_workbench":
                continue  # a package's own __init__ runs first anyway
            graph[module].add(target)
            where.setdefault((module, target), (line, name))
    return graph, where


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_core_never_imports_backends_or_usecases() -> None:
    modules = _modules()
    found = []
    for module, path in modules.items():
        if module.startswith(FORBIDDEN_FROM_CORE):
            continue
        for line, name, _runtime in _imports(module, path):
            if name.startswith(FORBIDDEN_FROM_CORE) and name.split(".")[1] in (
                    "backends", "usecases"):
                rel = str(path.relative_to(ROOT))
                if (rel, line, name) not in ALLOWED_CORE_IMPORTS:
                    found.append(f"{rel}:{line}: import {name}")
    assert not found, "the core imports backends/usecases (ask the registry):\n" + "\n".join(found)


def test_no_import_cycles() -> None:
    graph, where = _graph()
    report = []
    for component in _cycles(graph):
        if tuple(component) in ALLOWED_CYCLES:
            continue
        members = set(component)
        edges = [f"  {a} -> {b} (line {where[(a, b)][0]}: {where[(a, b)][1]})"
                 for a in component for b in sorted(graph[a] & members)]
        report.append("cycle among " + ", ".join(component) + ":\n" + "\n".join(edges))
    assert not report, "\n".join(report)


def test_the_checks_see_a_violation() -> None:
    """The cycle finder and the import reader catch what they are meant to catch."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    modules = _modules()
    assert "hybrid_workbench.algorithms.qaoa" in modules
    assert "hybrid_workbench.backends.aer" in modules
    lines = _imports("hybrid_workbench.algorithms.qaoa", modules["hybrid_workbench.algorithms.qaoa"])
    assert any(name == "hybrid_workbench.algorithms.qaoa_loop" for _, name, _ in lines)
    loop = _imports("hybrid_workbench.algorithms.qaoa_loop",
                    modules["hybrid_workbench.algorithms.qaoa_loop"])
    # qaoa_loop names qaoa for annotations only: seen, but not a runtime edge
    assert ("hybrid_workbench.algorithms.qaoa", False) in {(n, r) for _, n, r in loop}
