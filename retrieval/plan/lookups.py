"""Builders of looked-up figures: an item's amount, a row under a column, a unit's row, a table's
total, an item's breakdown, and the items a figure asked back belongs to."""

from __future__ import annotations

import re

from retrieval.audit.base import function_leaves, table_role
from retrieval.facts import plain_label
from retrieval.plan.base import best_per_value, interp, rows_for, single, tables_named
from retrieval.plan.context import Context, Source
from retrieval.plan.figures import COMPONENTS, MEASURES, item_figure
from retrieval.plan.items import Item, code_spans, distinct, find_items, leaf_in, scope
from retrieval.question.linking import loose
from retrieval.question.reading import residue
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.records import Candidate

def item_value(ctx: Context) -> list[Interpretation]:
    """The figure of an item named ("会议费多少钱"), in the table of the whole it is said to be
    part of ("基本支出中的办公费"); the whole budget when nothing is named."""
    src = single(ctx)
    if src is None:
        return []
    items = [i for i in find_items(ctx, src) if i.score >= 0.8]
    if not items:
        if residue(ctx.reading, []) or src.unit:
            return []  # words no item reads: not the whole budget
        leaf = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        return [interp(leaf, 0.8, src)]
    scoped = scope(ctx, src, items)
    out = []
    for item in items:
        spans = [(item.start, item.end)] + code_spans(ctx, src, item.name, item.leaf.entity) + \
            unit_spans(ctx, src, item.name)
        leaf = item.leaf
        if scoped and scoped[0].end <= item.start and scoped[0].name != item.name:
            inside = leaf_in(src, item.name, scoped[1])
            if inside is not None:
                leaf = inside
                spans.append((scoped[0].start, scoped[0].end))
        out.append(interp(leaf, 0.7 + 0.25 * item.score, src, *spans))
    return out


def unit_spans(ctx: Context, src: Source, name: str) -> list[tuple[int, int]]:
    """The unit the question names (…中心), when the item is a project of that unit."""
    if not src.unit or not src.unit_span:
        return []
    project = next((p for p in src.facts.projects if loose(p.name) == loose(name)), None)
    if project and project.unit and _same_unit(project.unit, src.unit):
        return [src.unit_span]
    return []


def table_total(ctx: Context) -> list[Interpretation]:
    """A table's total asked by the table's name: "某表的合计", "部门支出合计是多少"."""
    src = single(ctx)
    if src is None or not re.search(r"合计|总计|一共|共计|总额|总数|多少", ctx.text):
        return []
    out = []
    for table_id, span in tables_named(ctx, src):
        table = next(t for t in src.facts.tables if t.table_id == table_id)
        total = src.facts.total_row(table)
        if total is None:
            continue
        plan = Plan(op="value", entity=src.key(f"row:{table_id}:{total.row.index}"),
                    label=f"{table.title}·{total.label}")
        out.append(interp(plan, 0.84, src, span))
    return out[:1]


def row_column(ctx: Context) -> list[Interpretation]:
    """A row (by label or code, in the table named) under a column: "X这一行Y列的数",
    "某表里编码Z的合计"."""
    src = single(ctx)
    if src is None:
        return []
    named = tables_named(ctx, src)
    tables = [t for t, _ in named]
    table_spans = [s for _, s in named]
    columns = [c for c in src.links if c.kind == "column" and c.score >= 0.95]
    out = []
    for entity, score, row_spans, by_code in rows_for(ctx, src, tables):
        ref = entity.ref
        span = row_spans[0]
        for col in columns:
            if col.name in entity.name or entity.name in col.name or any(
                    col.start < b and a < col.end for a, b in row_spans):
                continue
            path = next((c.column for c in ref.row.cells
                         if col.name in c.column.split("/") and c.value is not None), None)
            if path is None:
                continue
            plan = Plan(op="value", entity=src.key(entity.key), column=path,
                        label=f"{ref.table.title}·{entity.name}（{path}）")
            out.append(interp(plan, 0.78 + 0.17 * score + (0.03 if tables else 0), src, *row_spans,
                              (col.start, col.end), *table_spans))
        if tables or by_code:
            plan = Plan(op="value", entity=src.key(entity.key), label=f"{ref.table.title}·{entity.name}")
            out.append(interp(plan, 0.75 + 0.15 * score + (0.05 if tables else 0), src, *row_spans, *table_spans))
    return best_per_value(out)


# measures a unit's row may carry as a column of the spending tables
_UNIT_COLUMNS = {"基本支出": "基本支出", "项目支出": "项目支出", "人员经费": "基本支出", "公用经费": "基本支出"}


def unit_figure(ctx: Context) -> list[Interpretation]:
    """A budget unit inside the department (…中心 113002): its row's total, or its row under a
    measure column (the unit's 基本支出)."""
    src = single(ctx)
    if src is None:
        return []
    units: list[tuple[object, tuple[int, int]]] = []
    for m in ctx.mentions("code"):
        units += [(e, (m.start, m.end)) for e in src.index.by_code(m.name) if e.kind == "unit"]
    if src.unit and src.unit_span:
        units += [(e, src.unit_span) for e in src.index.entities
                  if e.kind == "unit" and _same_unit(e.name, src.unit)]
    measures = [i for i in find_items(ctx, src) if i.kind == "measure" and i.name in _UNIT_COLUMNS]
    wants = "收入" if "收入" in ctx.text else None
    out = []
    for e, span in units:
        title = e.ref.table.title
        if measures:
            m = measures[0]
            column = next((c.column for c in e.ref.row.cells if c.value is not None
                           and c.column.split("/")[0] == _UNIT_COLUMNS[m.name]), None)
            if column is None:
                continue
            plan = Plan(op="value", entity=src.key(e.key), column=column, label=f"{title}·{e.name}·{m.name}")
            out.append(interp(plan, 0.88, src, span, (m.start, m.end)))
            continue
        if wants and wants not in title:
            continue
        spans = [span] + ([(ctx.text.find("收入"), ctx.text.find("收入") + 2)] if wants else [])
        plan = Plan(op="value", entity=src.key(e.key), label=f"{title}·{e.name}")
        out.append(interp(plan, 0.85, src, *spans))
    return best_per_value(out)[:2]


def _same_unit(row_name: str, unit: str) -> bool:
    a, b = plain_label(row_name), plain_label(unit)
    return a == b or a.endswith(b) or b.endswith(a) or re.sub(r"^.*?[市区县]", "", a) == re.sub(r"^.*?[市区县]", "", b)


_WHAT_FOR = re.compile(r"花在|花到|花哪|用在|用到|用哪|用于|用途|干什么|做什么|包括哪些|包含哪些|有哪些|哪几项|明细|构成|组成|分别")


_SPENT = re.compile(r"花在|花到|花哪|用在|用到|用哪|用于|用途|干什么|做什么|干嘛|干啥")


def breakdown(ctx: Context) -> list[Interpretation]:
    """What an item is spent on: the rows of the table that the named item is the total of, or
    the parts of a whole (三公经费 → 出国、接待、公车)."""
    src = single(ctx)
    if src is None or not _WHAT_FOR.search(ctx.text):
        return []
    out = []
    items = distinct(find_items(ctx, src))
    if not items or items[0].name == "支出总计":  # "钱都花在哪了": the spending by 功能分类科目
        if not _SPENT.search(ctx.text):
            return []  # "预算包括哪些部分": the units or parts it is made of, not the spending
        return _where_spent(ctx, src, [(i.start, i.end) for i in items[:1]])
    for item in items:
        parts = [p for p in COMPONENTS.get(item.name, []) if item_figure(src.facts, p)]
        if parts:
            leaves = [Plan(op="value", entity=src.key(f"measure:{p}" if p in MEASURES else f"item:{p}"), label=p)
                      for p in parts]
            plan = Plan(op="list", args=leaves, label=f"{item.name}的构成")
            out.append(interp(plan, 0.86, src, (item.start, item.end)))
            continue
        core = item.name.removesuffix("支出").removesuffix("预算")
        for table in src.facts.tables:
            if len(core) < 3 or core not in table.title or not table.rows:
                continue
            rows = [r for r in table.rows if not r.is_total and r.code_kind != "单位" and r.cells
                    and any(c.value for c in r.cells)]
            leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"), label=r.label)
                      for r in rows]
            if len(rows) == 1 and rows[0].code_kind not in ("功能分类", "经济分类"):
                row = rows[0]  # a one-row table ("三公" 经费) holds its parts in its columns
                leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{row.index}"), column=c.column,
                               label=c.column.replace("/", "·")) for c in row.cells
                          if c.value is not None and "合计" not in c.column and "小计" not in c.column
                          and not any(o.column.startswith(c.column + "/") for o in row.cells)]
            if leaves:
                plan = Plan(op="list", args=leaves, label=f"{table.title}列出的{item.name}明细")
                out.append(interp(plan, 0.82, src, (item.start, item.end)))
                break
    return out


def _where_spent(ctx: Context, src: Source, spans: list[tuple[int, int]]) -> list[Interpretation]:
    table = next((t for t in src.facts.tables if table_role(t.title) == "expense" and function_leaves(t)), None)
    if table is None:
        return []
    leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"), column=table.columns[0],
                   label=r.label) for r in function_leaves(table)]
    plan = Plan(op="list", args=leaves, label=f"{table.title}按支出功能分类科目列出的支出")
    asked = _WHAT_FOR.search(ctx.text)
    return [interp(plan, 0.84, src, *spans, asked.span())]


_WHAT_IS = re.compile(r"是什么|是哪|哪一?项|哪个项目|什么钱|什么费|什么经费|啥钱|指什么|对应")


def value_lookup(ctx: Context) -> list[Interpretation]:
    """A figure asked back ("752.11万元是什么钱"): the rows, projects and stated figures whose
    amount it is."""
    src = single(ctx)
    amounts = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.value]
    if src is None or len(amounts) != 1 or not _WHAT_IS.search(ctx.text):
        return []
    value = amounts[0].value
    leaves: list[Plan] = []
    seen: set[str] = set()
    for ref in src.facts.rows:
        if ref.row.is_total or not ref.label or ref.label in seen:
            continue
        for cell in ref.row.cells[:1]:
            if cell.value is not None and abs(cell.value - value) <= 0.005:
                seen.add(ref.label)
                leaves.append(Plan(op="value", entity=src.key(f"row:{ref.table.table_id}:{ref.row.index}"),
                                   column=cell.column, label=f"{ref.table.title}·{ref.label}"))
    for fact in src.facts.facts:
        if fact.kind == "amount" and abs(fact.value - value) <= 0.005 and fact.subject not in seen:
            seen.add(fact.subject)
            leaves.append(Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=fact.subject))
    if not leaves:
        return []
    plan = Plan(op="list", relation="each", args=leaves[:6], label=f"金额为{value:g}万元的项目")
    return [interp(plan, 0.86, src, (amounts[0].start, amounts[0].end))]


def table_difference(ctx: Context) -> list[Interpretation]:
    """The same row in two tables named, subtracted ("汇总表里的办公费比基本支出表里的多多少")."""
    src = single(ctx)
    op = ctx.reading.op("difference")
    named = tables_named(ctx, src) if src else []
    if src is None or op is None or len(named) < 2:
        return []
    tables = [t for t, _ in named]
    rows = [(e, spans) for e, _, spans, _ in rows_for(ctx, src, tables)]
    for entity, spans in rows:
        twins = [(e, s2) for e, s2 in rows if loose(e.name) == loose(entity.name)
                 and e.ref.table.table_id != entity.ref.table.table_id]
        if twins:
            other, other_spans = twins[0]
            leaves = [Plan(op="value", entity=src.key(e.key), label=f"{e.ref.table.title}中的{e.name}")
                      for e in (entity, other)]
            plan = Plan(op="difference", args=leaves, label=f"两表{entity.name}之差")
            return [interp(plan, 0.92, src, *spans, *other_spans, (op.start, op.end), *[s for _, s in named])]
    return []
