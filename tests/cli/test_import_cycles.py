"""No two modules of the package import each other, however lazily.

A cycle hidden behind an import inside a function (``checklist_rows`` once
reached back into ``host_plan`` that way, typing its arguments ``Any``) still
ties the two modules into one: neither can be read, tested or moved alone. This
reads every import statement in every function, so a deferred import counts.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wizard"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_of(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported_modules(module: str) -> set[str]:
    """The package's modules ``module`` imports anywhere in its text (not itself)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from a import b``: b is a module of its own, or a name inside a.
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [name if name in MODULES else base for name in names]
        for name in names:
            target = name
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
    return found


GRAPH = {module: _imported_modules(module) for module in MODULES}

KNOWN_CYCLES = {("wizard.embedded.document", "wizard.embedded.load")}
"""Still to untie: an embedded document re-renders itself through the loader, which
builds documents. Listed so that no new cycle joins it unnoticed."""


def _without_package_parents(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's ``__init__`` re-exporting its own submodules is not a cycle between them:
    drop edges from a submodule to the package that contains it."""
    return {
        module: {
            t for t in targets if not module.startswith(t + ".") and (module, t) not in KNOWN_CYCLES
        }
        for module, targets in graph.items()
    }


def test_the_reader_sees_the_cycle_that_was_there() -> None:
    graph = {
        "wizard.session.checklist_rows": {"wizard.session.host_plan"},
        "wizard.session.host_plan": set(),
    }
    graph["wizard.session.host_plan"].add("wizard.session.checklist_rows")
    with pytest.raises(CycleError):
        tuple(TopologicalSorter(graph).static_order())


def test_checklist_rows_knows_nothing_of_the_host_plan_or_the_session() -> None:
    assert "wizard.session.checklist_rows" in GRAPH["wizard.session.host_plan"]
    assert not GRAPH["wizard.session.checklist_rows"] & {
        "wizard.session.host_plan",
        "wizard.session.core",
    }


def test_the_known_cycles_are_still_there() -> None:
    for module, target in KNOWN_CYCLES:
        assert target in GRAPH[module], "untied: remove it from KNOWN_CYCLES"


def test_no_modules_import_each_other() -> None:
    try:
        order = tuple(TopologicalSorter(_without_package_parents(GRAPH)).static_order())
    except CycleError as error:
        pytest.fail(f"modules that import each other: {' -> '.join(error.args[1])}")
    assert len(order) == len(MODULES)
