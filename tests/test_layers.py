"""The layer rule, enforced: every module's imports (ast, function-level ones included) point down.

core  <-  agreement, formats  <-  store  <-  services  <-  cli, web
The pure layers (core, agreement, formats) import neither flask nor the database drivers, and
the module graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"

# What each layer may import from the package (besides itself).
ALLOWED = {
    "core": set(),
    "agreement": {"core"},
    "formats": {"core"},
    "suggest": {"core"},
    "store": {"core"},
    "services": {"core", "agreement", "formats", "suggest", "store"},
    "cli": {"core", "agreement", "formats", "suggest", "store", "services", "web"},
    "web": {"core", "agreement", "formats", "suggest", "store", "services"},
}
PURE = {"core", "agreement", "formats", "suggest"}
FORBIDDEN_IN_PURE = {"flask", "werkzeug", "jinja2", "sqlite3", "sqlite_utils"}
TOP_LEVEL = {"__init__", "__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, absolute, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from annotator.web import auth` imports the module annotator.web.auth
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        graph[module_name(path)] = imports_of(path)
    names = set(graph)
    return {
        name: {m for m in imported if m.startswith("annotator")} & names
        | {m for m in imported if not m.startswith("annotator")}
        for name, imported in graph.items()
    }


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


GRAPH = modules()


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down(name):
    own = layer(name)
    if own in TOP_LEVEL or own == "__init__":
        return
    assert own in ALLOWED, f"{name}: package {own!r} has no place in the layer table"
    wrong = sorted(
        m
        for m in GRAPH[name]
        if m.startswith("annotator.") and layer(m) != own and layer(m) not in ALLOWED[own]
    )
    assert not wrong, f"{name} ({own}) imports a layer above or beside it: {wrong}"


@pytest.mark.parametrize("name", sorted(n for n in GRAPH if layer(n) in PURE))
def test_pure_layers_import_no_web_and_no_database(name):
    bad = sorted(m for m in GRAPH[name] if m.split(".")[0] in FORBIDDEN_IN_PURE)
    assert not bad, f"{name} is pure but imports {bad}"


def test_web_does_not_talk_to_sqlite_directly():
    bad = {
        n: sorted(m for m in GRAPH[n] if m.split(".")[0] in {"sqlite3", "sqlite_utils"})
        for n in GRAPH
        if layer(n) in {"web", "services", "cli"}
    }
    assert not {n: m for n, m in bad.items() if m}


def test_no_import_cycle():
    internal = {n: {m for m in ms if m in GRAPH and m != n} for n, ms in GRAPH.items()}
    # a package's __init__ importing its own submodules is how a package exposes them
    for n, ms in internal.items():
        internal[n] = {m for m in ms if not m.startswith(n + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(internal[n]):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state and (cycle := visit(m)):
                return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(internal):
        if n not in state and (cycle := visit(n)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_layer_test_sees_a_violation(tmp_path):
    """The walker finds a function-level import (so a hidden upward import cannot pass)."""
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from annotator.web import create_app\n    import flask\n")
    assert {"annotator.web", "annotator.web.create_app", "flask"} <= imports_of(sample)
