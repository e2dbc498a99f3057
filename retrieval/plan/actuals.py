"""Builder of budget-against-actual questions on 决算 tables: "计划多少、实际花了多少", "完成预算的
百分之几", "调整了多少", "节约了多少". Each names a row and asks for column families (families.py)."""

from __future__ import annotations

from retrieval.facts import RowRef
from retrieval.plan import families
from retrieval.plan.base import interp, rows_for, single, tables_named
from retrieval.plan.context import Context, Source
from retrieval.plan.items import distinct, find_items
from retrieval.plan.records import Interpretation, Plan

_SCORE = 0.93  # above a bare row × column: the question names the families the table prints


def budget_actual(ctx: Context) -> list[Interpretation]:
    src = single(ctx)
    if src is None:
        return []
    asked = families.asked(ctx.text)
    if not asked.families and not asked.operations:
        return []
    out: list[Interpretation] = []
    seen: set[tuple[str, int]] = set()
    for key, ref, score, span in _named_rows(ctx, src):
        columns = families.columns(ref.table)
        if not columns or (ref.table.table_id, ref.row.index) in seen:
            continue
        seen.add((ref.table.table_id, ref.row.index))
        # "一般公共预算财政拨款收入调整了多少": 预算 inside the row's own name asks for no family
        own = families.Asked([f for f in asked.families if not _inside(f[1], span)], asked.operations)
        parts = _parts(src, key, ref, columns, own)
        if not parts:
            continue
        spans = [span] + [s for _, s in own.families] + [s for _, s in own.operations]
        if len(parts) == 1:
            plan = parts[0]
        else:  # side by side: each part named by its family alone, the row once
            parts = [p.model_copy(update={"label": p.label.split("·", 1)[-1]}) for p in parts]
            plan = Plan(op="list", relation="each", args=parts, label=ref.label)
        out.append(interp(plan, _SCORE + 0.05 * (score - 0.9), src, *spans))
    return out


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _named_rows(ctx: Context, src: Source) -> list[tuple[str, RowRef, float, tuple[int, int]]]:
    """Rows the question names: linked rows, and the rows of the items it names (rows_of_item)."""
    tables = [t for t, _ in tables_named(ctx, src)]
    out = [(e.key, e.ref, score, spans[0]) for e, score, spans, _ in rows_for(ctx, src, tables)]
    for item in distinct(find_items(ctx, src)):
        if item.score < 0.8:  # a lexicon term for plain words counts
            continue
        for ref in src.facts.rows_of_item(item.name):
            out.append((f"row:{ref.table.table_id}:{ref.row.index}", ref, item.score, (item.start, item.end)))
    return out


def _parts(src: Source, entity: str, ref: RowRef, columns: dict[str, str],
           asked: families.Asked) -> list[Plan]:
    """One plan per thing asked, in the question's order: a family's figure or a comparison."""
    def value(family: str) -> Plan | None:
        if family not in columns:
            return None
        return Plan(op="value", entity=src.key(entity), column=columns[family],
                    label=f"{ref.label}·{_name(columns[family])}")

    base = families.ADJUSTED if families.ADJUSTED in columns else families.BUDGET
    items: list[tuple[int, Plan | None]] = []
    for family, (start, _) in asked.families:
        items.append((start, value(family)))
    for op, (start, _) in asked.operations:
        actual, planned = value(families.ACTUAL), value(base)
        if op == "completion" and actual and planned:
            items.append((start, Plan(op="share", args=[actual, planned],
                                      label=f"{ref.label}·完成预算的比例（{_name(columns[families.ACTUAL])}÷"
                                            f"{_name(columns[base])}）")))
        elif op == "adjustment":
            adjusted, initial = value(families.ADJUSTED), value(families.BUDGET)
            if adjusted and initial:
                items.append((start, Plan(op="difference", args=[adjusted, initial],
                                          label=f"{ref.label}·预算调整额")))
        elif op == "saving" and actual and planned:
            items.append((start, Plan(op="difference", args=[planned, actual],
                                      label=f"{ref.label}·{_name(columns[base])}与{_name(columns[families.ACTUAL])}之差")))
    if any(p is None for _, p in items):
        return []  # a family the table does not print: another reading must answer
    return [p for _, p in sorted(items, key=lambda i: i[0]) if p is not None]


def _name(column: str) -> str:
    """A column as the table heads it: its family's header ("决算数/合计" → 决算数)."""
    parts = column.split("/")
    return parts[-1] if len(parts) == 1 or parts[-1] not in ("合计", "小计", "总计") else parts[-2]
