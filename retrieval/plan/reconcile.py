"""Consistency questions the question itself frames: two figures it states ("正文说X是a万元，表中Y只有
b万元，是否矛盾") or a project against its cost indicators ("各成本指标之和与项目金额是否相符").
Verdict true = the document is consistent on this point."""

from __future__ import annotations

import re

from retrieval.plan.builders import builder, interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.items import distinct, find_items
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.mentions import vocabulary


def asks_consistency(ctx: Context) -> bool:
    return bool(re.search(vocabulary()["consistency"], ctx.text))


@builder("reconcile_costs")
def reconcile_costs(ctx: Context) -> list[Interpretation]:
    """A project's amount against the sum of its cost indicators (成本指标)."""
    src = single(ctx)
    if src is None or not asks_consistency(ctx) or "成本" not in ctx.text:
        return []
    projects = [c for c in src.links if c.kind == "project" and c.evidence == "exact"]
    for c in sorted(projects, key=lambda c: -len(c.name)):
        costs = [i for i in src.facts.indicators if i.project == c.name and "成本" in (i.level1 or "")
                 and i.unit in ("万元", "元") and i.number is not None]
        # "总成本" is the total of the other cost lines: the parts are what adds up
        parts = [i for i in costs if "总成本" not in i.level3]
        costs = parts or costs
        if not costs:
            continue
        leaves = [Plan(op="value", entity=src.key(f"indicator:{i.indicator_id}"), label=i.level3) for i in costs]
        total = Plan(op="sum", args=leaves, label="成本指标合计") if len(leaves) > 1 else leaves[0]
        project = Plan(op="value", entity=src.key(c.entity), label=f"项目金额（{c.name}）")
        return [interp(Plan(op="agree", args=[total, project], label=f"{c.name}的成本指标与项目金额"), 0.9, src)]
    return []


@builder("reconcile_stated")
def reconcile_stated(ctx: Context) -> list[Interpretation]:
    """Two figures the question states: each checked against the document, their gap explained by
    a figure of the same table when one equals it."""
    src = single(ctx)
    stated = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.value]
    if src is None or not asks_consistency(ctx) or len(stated) != 2:
        return []
    items = distinct(find_items(ctx, src))
    pairs = []
    for m in stated:  # the item named nearest before the number it is said to be
        before = [i for i in items if i.end <= m.start]
        if not before:
            return []
        pairs.append((before[-1], m))
    if pairs[0][0].name == pairs[1][0].name:
        return _two_places(ctx, src, pairs[0][0].name, [m.value for _, m in pairs])
    leaves = [Plan(op="value", entity=i.leaf.entity, label=i.name, value=m.value) for i, m in pairs]
    gap = abs(stated[0].value - stated[1].value)
    explain = _explaining_figure(src, gap, [i.name for i, _ in pairs])
    args = leaves + ([explain] if explain else [])
    return [interp(Plan(op="agree", args=args, label="两处数字", relation="stated"), 0.9, src)]


def _two_places(ctx: Context, src: Source, name: str, values: list[float]) -> list[Interpretation]:
    """"项目支出一处写771.08、另一处写768.08": both figures of the item found in the document, their
    gap a figure of the document (a part one place counts and the other does not)."""
    places = []
    for value in values:
        found = _figure_of(src, name, value)
        if found is None:
            return []
        places.append(found)
    gap = abs(values[0] - values[1])
    explain = _explaining_figure(src, gap, [name]) or _fact_equal(src, gap, name)
    if explain is None:
        return []
    args = places + [explain]
    return [interp(Plan(op="agree", args=args, label=f"{name}的两处数字", relation="places"), 0.9, src)]


def _figure_of(src: Source, name: str, value: float) -> Plan | None:
    """A cell or a narrative figure of the item with this value (in 万元)."""
    for table in src.facts.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.value is None or abs(cell.value - value) > 0.005:
                    continue
                if name in cell.column or name in row.label:
                    return Plan(op="value", entity=src.key(f"row:{table.table_id}:{row.index}"), column=cell.column,
                                label=f"{table.title}中的{name}")
    for fact in src.facts.facts:
        if fact.kind == "amount" and name in fact.subject and abs(fact.value - value) <= 0.005:
            return Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=f"文字说明中的{name}")
    return None


def _fact_equal(src: Source, gap: float, name: str) -> Plan | None:
    for fact in src.facts.facts:
        if fact.kind == "amount" and fact.subject != name and abs(fact.value - gap) <= 0.005 and fact.value:
            return Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=fact.subject)
    return None


def _explaining_figure(src: Source, gap: float, names: list[str]) -> Plan | None:
    """A cell of a total row, in a table with a column of one of the items, equal to the gap."""
    for table in src.facts.tables:
        if not any(n in c for c in table.columns for n in names):
            continue
        total = src.facts.total_row(table)
        if total is None:
            continue
        for cell in total.row.cells:
            leaf = cell.column.split("/")[-1]
            if cell.value is not None and abs(cell.value - gap) <= 0.005 and leaf not in names:
                key = f"row:{table.table_id}:{total.row.index}"
                label = f"{table.title}{leaf}" if leaf in ("合计", "总计", "小计") else leaf
                return Plan(op="value", entity=src.key(key), column=cell.column, label=label)
    return None

