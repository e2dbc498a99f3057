"""Column families of 决算 tables: planned (年初预算数), adjusted (调整预算数 / 全年预算数), spent (决算数).

A 决算 states each figure several times, one column per family; "计划多少、实际花了多少、完成预算的
百分之几" asks for the families by name and compares them. The families, the words asking for
them and the comparisons are data (vocabulary.json, "column_families").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.records import Table
from retrieval.question.mentions import vocabulary

ACTUAL, ADJUSTED, BUDGET = "actual", "adjusted", "budget"


@dataclass(frozen=True)
class Asked:
    """The families a question names (in its order) and the comparisons it asks for, with spans."""

    families: list[tuple[str, tuple[int, int]]]
    operations: list[tuple[str, tuple[int, int]]]


@lru_cache(maxsize=1)
def _families() -> list[dict]:
    return vocabulary()["column_families"]["families"]


@lru_cache(maxsize=1)
def _operations() -> list[dict]:
    return vocabulary()["column_families"]["operations"]


def family_of(column: str) -> str | None:
    """The family of a column path, read from its segments top down ("决算数/基本支出" → actual)."""
    for segment in column.split("/"):
        for family in _families():
            if re.search(family["column"], segment):
                return family["name"]
    return None


def columns(table: Table) -> dict[str, str]:
    """family → the column holding the family's whole figure (its 合计 when it has parts), for a
    table printing two families or more; {} for any other table."""
    found: dict[str, list[str]] = {}
    for column in table.columns:
        family = family_of(column)
        if family:
            found.setdefault(family, []).append(column)
    if len(found) < 2:
        return {}
    out = {}
    for family, paths in found.items():
        whole = [p for p in paths if p.split("/")[-1] in ("合计", "小计", "总计") or "/" not in p]
        out[family] = (whole or paths)[0]
    return out


def asked(text: str) -> Asked:
    """The families and comparisons a question asks for. A comparison's words ("完成预算的") do not
    also ask for a family."""
    operations, taken = [], []
    for op in _operations():
        for m in re.finditer(op["pattern"], text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                operations.append((op["name"], m.span()))
                taken.append(m.span())
    families = []
    for family in _families():
        for m in re.finditer(family["asked"], text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                families.append((family["name"], m.span()))
                taken.append(m.span())
    families.sort(key=lambda f: f[1][0])
    seen: set[str] = set()
    ordered = [f for f in families if not (f[0] in seen or seen.add(f[0]))]  # type: ignore[func-returns-value]
    return Asked(ordered, sorted(operations, key=lambda o: o[1][0]))
