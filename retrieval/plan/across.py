"""Builders over several documents: the same plan per department, then their sum, ratio or
difference (two departments added, one as a multiple of the other, project counts compared)."""

from __future__ import annotations

import re

from retrieval.plan.builders import builder, interp
from retrieval.plan.context import Context, Source
from retrieval.plan.items import distinct, find_items
from retrieval.plan.records import Interpretation, Plan


def _same_item(ctx: Context, sources: list[Source]) -> list[Plan] | None:
    """One leaf per department for the item the question names (the whole budget when none)."""
    leaves = []
    for src in sources:
        items = [i for i in distinct(find_items(ctx, src)) if i.kind != "unit"]
        if items:
            leaf = items[0].leaf
        elif re.search(r"预算|花|钱|支出", ctx.text):
            leaf = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        else:
            return None
        name = src.facts.document.department
        leaves.append(leaf.model_copy(update={"label": f"{name}{leaf.label}"}))
    return leaves


def _share(ctx: Context, src: Source) -> Plan | None:
    """One department's share "X占Y": Y the item after 占, else the whole budget."""
    items = distinct(find_items(ctx, src))
    at = ctx.text.find("占")
    before = [i for i in items if at < 0 or i.end <= at]
    after = [i for i in items if at >= 0 and i.start > at]
    if not before:
        return None
    part = before[0]
    base = after[0].leaf if after else Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
    name = src.facts.document.department
    return Plan(op="share", args=[part.leaf, base], label=f"{name}{part.name}占{base.label}的比重")


def _project_count(src: Source) -> Plan:
    leaves = [src.project_leaf(p)
              for p in src.facts.projects]
    return Plan(op="count", args=leaves, unit="个", label=f"{src.facts.document.department}的项目个数")


@builder("across")
def across(ctx: Context) -> list[Interpretation]:
    sources = ctx.sources[:2]
    if len(ctx.sources) != 2 or ASKS_ACROSS.search(ctx.text):
        return []  # two departments named; every department is all_departments' question
    r = ctx.reading
    counting = r.asked.kind == "count" and "项目" in ctx.text
    if counting:
        counts = [_project_count(s) for s in sources]
        if r.op("difference"):
            return [interp(Plan(op="difference", args=counts, label="项目个数之差"), 0.9, sources)]
        return []
    if r.asked.kind == "percent":
        shares = [_share(ctx, s) for s in sources]
        if all(shares) and (r.op("difference") or r.op("compare_which")):
            return [interp(Plan(op="difference", args=shares, label="两者比重之差"), 0.9, sources)]
        return []
    leaves = _same_item(ctx, sources)
    if not leaves:
        return []
    if r.op("sum") and r.asked.kind in (None, "amount"):
        return [interp(Plan(op="sum", args=leaves, label="合计"), 0.9, sources)]
    if r.asked.kind == "ratio":
        return [interp(Plan(op="ratio", args=leaves, label="倍数"), 0.9, sources)]
    return []


@builder("all_departments")
def all_departments(ctx: Context) -> list[Interpretation]:
    """"哪个部门公务接待费最多", "这几个部门一共多少": the same item in every document asked about,
    ranked or added up (three or more departments, or two when no one was named)."""
    if len(ctx.sources) < 2 or not ctx.reading.text or not ASKS_ACROSS.search(ctx.reading.text):
        return []
    leaves = _same_item(ctx, ctx.sources)
    if not leaves:
        return []
    r = ctx.reading
    top = r.op("top")
    if top is not None or re.search(r"哪个.{0,6}最|谁.{0,4}最", ctx.text):
        smallest = bool(re.search(r"最少|最小|最低", ctx.text))
        k = int(top.value) if top is not None and top.value else 1
        plan = Plan(op="top", args=leaves, value=k, relation="min" if smallest else None,
                    label=f"各部门中{'最少' if smallest else '最多'}的")
        return [interp(plan, 0.85, ctx.sources)]
    if r.op("sum"):
        return [interp(Plan(op="sum", args=leaves, label="各部门合计"), 0.85, ctx.sources)]
    return []


# a question about every department, or several the user does not name
ASKS_ACROSS = re.compile(r"哪个部门|哪一个部门|哪家|哪个单位|各部门|几个部门|这些部门|所有部门|各单位|这几个部门|几家|各家|哪个局")
