"""Builders over several documents: the same figure per department, then their sum, ratio,
difference, ranking (谁最多), or the departments where it is zero (哪些没安排)."""

from __future__ import annotations

import re

from retrieval.plan import changes, computed, indicators, lookups, sets
from retrieval.plan.base import interp, op_span
from retrieval.plan.context import Context, Source
from retrieval.plan.items import Item, distinct, find_items
from retrieval.plan.records import Interpretation, Plan

# a question about every department, or several the user does not name
ASKS_ACROSS = re.compile(r"哪个部门|哪一个部门|哪家|哪个单位|各部门|几个部门|这些部门|所有部门|各单位|这几个部门|几家|各家|"
                         r"哪个局|哪些部门|[两三四五六七八九十]个部门|[两三四五]家|五份|谁的|谁家|哪一家|哪个的|所有单位|"
                         r"全部部门|哪些单位|这两个部门|两个单位")
_ZERO = re.compile(r"没有?安排|一分钱|为零|为0|是0|没有花|没花")


def _leaf(src: Source, item: Item | None) -> Plan | None:
    if item is not None:
        leaf = item.leaf
    else:
        leaf = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
    return leaf.model_copy(update={"label": f"{src.department}{leaf.label}"})


def _same_item(ctx: Context, sources: list[Source]) -> tuple[list[Plan], list[tuple[int, int]]] | None:
    """One leaf per department for the thing the question names (the whole budget when none): the
    best reading of the question in each document alone, by the builders of one figure."""
    leaves, spans = [], []
    for src in sources:
        alone = Context(ctx.reading, [src], ctx.quotes, ctx.findings)
        found = lookups.item_value(alone) + sets.stated_count(alone) + lookups.row_column(alone) + \
            indicators.indicator_value(alone)
        if ctx.reading.asked.kind == "percent":  # "增长率最高": each one's stated change
            found = changes.change(alone) + computed.stated_share(alone)
        found = [f for f in found if f.plan.op == "value"]
        if not found:
            return None  # this department has no such item: not comparable as asked
        wanted = ctx.reading.asked.kind
        best = max(found, key=lambda f: (  # a figure of the kind asked, reading most of the question
            (wanted in (None, "amount")) == f.plan.entity.split("|")[1].startswith(("item", "measure", "row")),
            sum(b - a for a, b in f.covered), f.score))
        leaves.append(best.plan.model_copy(update={"label": f"{src.department}{best.plan.label}"}))
        spans += best.covered
    return leaves, spans


def _share(ctx: Context, src: Source) -> tuple[Plan, list[tuple[int, int]]] | None:
    """One department's share "X占Y": Y the item after 占, else the whole budget."""
    items = distinct(find_items(ctx, src))
    at = ctx.text.find("占")
    before = [i for i in items if at < 0 or i.end <= at]
    after = [i for i in items if at >= 0 and i.start > at]
    if not before:
        return None
    part = before[-1]
    base = after[0].leaf if after else Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
    spans = [(part.start, part.end)] + ([(after[0].start, after[0].end)] if after else [])
    return Plan(op="share", args=[part.leaf, base], label=f"{src.department}{part.name}占{base.label}的比重"), spans


def _ops(ctx: Context, *names: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in ctx.mentions("operator") if m.name in names]


def across(ctx: Context) -> list[Interpretation]:
    """Two departments named: the same figure of each, added, divided or subtracted."""
    if len(ctx.sources) != 2:
        return []
    sources = ctx.sources
    r = ctx.reading
    out = []
    each = bool(r.op("list") or re.search(r"各|分别", ctx.text))
    if r.asked.kind == "count" and "项目" in ctx.text:
        counts = [Plan(op="count", args=[s.project_leaf(p) for p in s.facts.projects], unit="个",
                       label=f"{s.department}的项目个数") for s in sources]
        spans = [m.span() for m in re.finditer("项目", ctx.text)]
        if r.op("difference"):
            out.append(interp(Plan(op="difference", args=counts, label="项目个数之差"), 0.9, sources,
                              *spans, *_ops(ctx, "difference")))
        elif each:
            out.append(interp(Plan(op="list", relation="each", args=counts, label="各自的项目个数"), 0.88, sources,
                              *spans, *_ops(ctx, "list")))
        return out
    if r.asked.kind == "percent":
        shares = [_share(ctx, s) for s in sources]
        if not all(shares):
            return out
        spans = [sp for _, s in shares for sp in s]
        if r.op("difference") or r.op("compare_which"):
            out.append(interp(Plan(op="difference", args=[p for p, _ in shares], label="两者比重之差"), 0.9,
                              sources, *spans, *_ops(ctx, "difference", "share", "compare_which")))
        elif r.op("list") or re.search(r"各|分别", ctx.text):
            out.append(interp(Plan(op="list", relation="each", args=[p for p, _ in shares], label="各自的比重"),
                              0.88, sources, *spans, *_ops(ctx, "share", "list")))
        return out
    found = _same_item(ctx, sources)
    if not found:
        return []
    leaves, spans = found
    if r.op("sum") and r.asked.kind in (None, "amount"):
        out.append(interp(Plan(op="sum", args=leaves, label="合计"), 0.9, sources, *spans, *_ops(ctx, "sum")))
    if r.asked.kind == "ratio":
        out.append(interp(Plan(op="ratio", args=leaves, label="倍数"), 0.9, sources, *spans, *_ops(ctx, "ratio")))
    if r.op("difference"):
        out.append(interp(Plan(op="difference", args=leaves, label="差额"), 0.9, sources, *spans,
                          *_ops(ctx, "difference", "compare_which")))
    elif not r.op("sum") and r.asked.kind != "ratio":  # "各是多少", "谁多", "和X比呢": side by side
        out.append(interp(Plan(op="list", relation="each", args=leaves, label="各自的数"), 0.86, sources, *spans,
                          *_ops(ctx, "list", "compare_which")))
    return out


def all_departments(ctx: Context) -> list[Interpretation]:
    """"哪个部门公务接待费最多", "这几个部门一共多少", "哪些部门没安排三公经费": the same item in
    every document asked about, ranked, added up, or those where it is zero."""
    if len(ctx.sources) < 2 or not ASKS_ACROSS.search(ctx.text) and len(ctx.sources) < 3:
        return []
    r = ctx.reading
    cue = [m.span() for m in ASKS_ACROSS.finditer(ctx.text)] + _ops(ctx, "compare_which")
    if r.asked.kind == "percent":
        shares = [_share(ctx, s) for s in ctx.sources]
        if not all(shares) or r.op("top") is None:
            return []
        spans = [sp for _, s in shares for sp in s]
        return [_ranked(ctx, [p for p, _ in shares], spans + cue + _ops(ctx, "share"))]
    found = _same_item(ctx, ctx.sources)
    if not found:
        return []
    leaves, spans = found
    out = []
    if r.op("top") is not None:
        out.append(_ranked(ctx, leaves, spans + cue))
    if r.op("sum"):
        out.append(interp(Plan(op="sum", args=leaves, label="各部门合计"), 0.86, ctx.sources, *spans, *cue,
                          *_ops(ctx, "sum")))
    zero = _ZERO.search(ctx.text)
    if zero:
        plan = Plan(op="list", relation="zero", args=leaves, label="为零的部门")
        out.append(interp(plan, 0.86, ctx.sources, *spans, *cue, zero.span()))
    return out


def _ranked(ctx: Context, leaves: list[Plan], spans) -> Interpretation:
    top = ctx.reading.op("top")
    smallest = bool(re.search(r"最少|最小|最低", ctx.text))
    k = int(top.value) if top is not None and top.value else 1
    plan = Plan(op="top", args=leaves, value=k, relation="min" if smallest else None,
                label=f"各部门中{'最少' if smallest else '最多'}的")
    spans = list(spans) + ([(top.start, top.end)] if top else [])
    # "最多的比最少的多多少": the two ends subtracted
    diff = op_span(ctx, "difference")
    if diff and re.search(r"最少|最小|最低", ctx.text) and re.search(r"最多|最大|最高", ctx.text):
        high = Plan(op="top", args=leaves, value=1, label="最多的")
        low = Plan(op="top", args=leaves, value=1, relation="min", label="最少的")
        for m in re.finditer(r"最少|最小|最低|最多|最大|最高", ctx.text):
            spans.append(m.span())
        return interp(Plan(op="difference", args=[high, low], label="最多与最少之差"), 0.88, ctx.sources,
                      *spans, diff)
    return interp(plan, 0.86, ctx.sources, *spans)
