"""The shape of the code, checked: dependencies point one way, no module imports itself back
through others, no source module outgrows one job.

Read from the source with `ast` (nothing is imported), counting imports inside functions too:
an import moved into a function still makes a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package -> the packages it may import. Everything else is a dependency pointing the wrong
# way. Web → service → domain inside a package; between packages, features build on core and
# auth; aggregation reads through consent (its public service) and reports bank health to
# status; the sandbox banks are the outside world and know nothing of ours but core.
ALLOWED = {
    "core": set(),
    "auth": {"core"},
    "consent": {"core", "auth"},
    "status": {"core", "auth"},
    "cop": {"core", "auth"},
    "aggregation": {"core", "auth", "consent", "status"},
    "sandbox": {"core"},
    "privacy": {"core", "auth", "consent"},
}

# Modules that are tables of data rather than code may be longer.
MAX_LINES = 300
DATA_MODULES: set[str] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for package in ALLOWED:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The project modules `name` imports (a `from pkg import mod` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    resolved = set()
    for target in targets:
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _package(module: str) -> str:
    return module.split(".")[0]


def test_packages_depend_one_way():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _package(target) != _package(module)
        and _package(target) not in ALLOWED[_package(module)]
    )
    assert not wrong, "dependencies against the allowed direction:\n" + "\n".join(wrong)


def test_packages_read_each_others_tables_through_their_services():
    reaching = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if target.endswith(".models") and _package(target) not in ("core", _package(module))
    )
    assert not reaching, "another package's tables read directly:\n" + "\n".join(reaching)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ wires its own modules (init_app); a module importing a sibling
    # through `from pkg import sibling` names the sibling, not the package, so edges into a
    # package's own __init__ come only from `import pkg` itself.
    return {
        module: {t for t in targets if not (t == _package(module) and "." in module)}
        for module, targets in graph.items()
    }


def test_no_import_cycles():
    cycles = _cycles(_without_package_inits(GRAPH))
    assert not cycles, "modules that import each other:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles)


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in DATA_MODULES))
def test_module_has_one_job(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES})"
