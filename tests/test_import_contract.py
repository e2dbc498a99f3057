"""The import contract: the folders are the pipeline, and imports point down it.

edges (app, chat, CLI) → ui → retrieval.service → llm → answer → plan → question | audit →
facts | search → records → indexer. A module imports its own folder or folders below it; no
two modules import each other, directly or through others. Read from the source (ast), so a
function-level import counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

REPO = Path(__file__).resolve().parents[1]

# lower number = lower in the pipeline; folders of one layer may not import each other
LAYERS = {
    "indexer": 0,
    "retrieval": 1, "retrieval.records": 1,
    "retrieval.facts": 2, "retrieval.search": 2,
    "retrieval.question": 3, "retrieval.audit": 3,
    "retrieval.plan": 4,
    "retrieval.answer": 5,
    "retrieval.llm": 6,
    "retrieval.service": 7,
    "ui": 8,
    "app": 9, "chat": 9, "budgetqa_cli": 9,
}
# edges that point up, each with its reason; a new one fails the test
ALLOWED_UP = {
    # the API returns the chat's chart data, computed by the chat's presenter (pandas, no Streamlit)
    ("retrieval.service.serve", "ui.presenter"),
    # the CLI and the API word a failed row check as the app does
    ("retrieval.service.row_checks", "ui.warnings"),
}


def _modules() -> dict[str, Path]:
    files = [*REPO.glob("indexer/**/*.py"), *REPO.glob("retrieval/**/*.py"), *REPO.glob("ui/**/*.py"),
             REPO / "app.py", REPO / "chat.py", REPO / "budgetqa_cli.py"]
    out = {}
    for f in files:
        name = ".".join(f.relative_to(REPO).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = f
    return out


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module → the project modules it imports (`from pkg import submodule` imports the submodule)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                targets = subs or [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _layer(module: str) -> tuple[str, int]:
    parts = module.split(".")
    group = ".".join(parts[:2]) if parts[0] == "retrieval" and len(parts) > 1 else parts[0]
    return group, LAYERS[group]


def test_every_module_has_a_layer():
    assert [m for m in _modules() if _layer_or_none(m) is None] == []


def _layer_or_none(module: str):
    try:
        return _layer(module)
    except KeyError:
        return None


def test_imports_point_down_the_pipeline():
    graph = _imports(_modules())
    up = []
    for source, targets in graph.items():
        group, level = _layer(source)
        for target in targets:
            other, other_level = _layer(target)
            if other != group and other_level >= level and (source, target) not in ALLOWED_UP:
                up.append(f"{source} → {target}")
    assert sorted(up) == []
    assert len(graph) > 100  # the walk read the project


def test_no_module_imports_itself_through_others():
    graph = _imports(_modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for module in list(graph):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_contract_sees_an_upward_import():
    """The check itself: a plan module importing the service would be reported."""
    graph = {"retrieval.plan.lookups": {"retrieval.service.engine"}}
    group, level = _layer("retrieval.plan.lookups")
    assert _layer("retrieval.service.engine")[1] > level and group == "retrieval.plan"
    assert ("retrieval.plan.lookups", "retrieval.service.engine") not in ALLOWED_UP and graph
