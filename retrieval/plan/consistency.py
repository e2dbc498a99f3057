"""Consistency questions (一致吗, 对得上吗, 是否吻合): a figure the text states against the same
figure in a table, a count the text states against the rows listed, a project against its cost
indicators, two figures the question states, and the audit's findings about the topic asked.
Verdict true = the document is consistent on this point."""

from __future__ import annotations

import math
import re

from retrieval.plan.base import interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.figures import MEASURES, item_figure
from retrieval.plan.items import distinct, find_items
from retrieval.plan.records import Interpretation, Plan
from retrieval.plan.texts import covered_by
from retrieval.question.mentions import vocabulary


def asks_consistency(ctx: Context) -> bool:
    return bool(re.search(vocabulary()["consistency"], ctx.text))


def _cue_spans(ctx: Context) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(vocabulary()["consistency"], ctx.text)] + [
        m.span() for m in re.finditer(r"文字说明|说明里|说明中|说明称|说明写|说明|正文|附表|表里|表中|两处|两张表|前后|文件里|文中|"
                                      r"报告|分项|及其|各项|明细|预算表|逐项|列出|列了|实际|数字|是否|能否|对上", ctx.text)]


def text_against_table(ctx: Context) -> list[Interpretation]:
    """The figure the text states for an item against the item's figure in the tables."""
    src = single(ctx)
    if src is None or not asks_consistency(ctx) or _ASPECT.search(ctx.text):
        return []
    out = []
    for item in distinct(find_items(ctx, src)):
        stated = [f for f in src.facts.facts if f.kind == "amount" and f.role == "headline"
                  and f.subject in (item.name, item.name.removesuffix("合计"))]
        table = item_figure(src.facts, item.name)
        if not stated or table is None or table.citation.kind != "table":
            continue
        fact = Plan(op="value", entity=src.key(f"fact:{stated[0].fact_id}"), label=f"文字说明中的{item.name}")
        key = f"measure:{item.name}" if item.name in MEASURES else f"item:{item.name}"
        row = Plan(op="value", entity=src.key(key), label=f"表中的{item.name}")
        plan = Plan(op="compare", relation="eq", args=[fact, row], label=f"{item.name}文字与表格是否一致")
        out.append(interp(plan, 0.86, src, (item.start, item.end), *_cue_spans(ctx)))
    return out


# a question about what is listed or how it is named, not about an amount
_ASPECT = re.compile(r"科目|名称|列举|内容|口径|叫法|写法|写得")


def counts_agree(ctx: Context) -> list[Interpretation]:
    """A count the text states (共16个项目) against the rows the project table lists."""
    src = single(ctx)
    if src is None or not asks_consistency(ctx) or "项目" not in ctx.text or not src.facts.projects:
        return []
    stated = next((f for f in src.facts.facts if f.kind == "count" and f.subject == "项目"), None)
    if stated is None:
        return []
    listed = Plan(op="count", args=[src.project_leaf(p) for p in src.facts.projects], unit="个",
                  label="项目支出预算表列出的项目数")
    fact = Plan(op="value", entity=src.key(f"fact:{stated.fact_id}"), label="文中所说项目数")
    spans = [m.span() for m in re.finditer(r"项目(个数|数量|数)?|几个|多少个|个数", ctx.text)] + _cue_spans(ctx)
    spans += [(m.start, m.end) for m in ctx.mentions("constant") if m.unit == "个"]
    return [interp(Plan(op="compare", relation="eq", args=[fact, listed], label="项目个数是否一致"), 0.88, src, *spans)]


def reconcile_costs(ctx: Context) -> list[Interpretation]:
    """A project's amount against the sum of its cost indicators (成本指标)."""
    src = single(ctx)
    if src is None or not asks_consistency(ctx) or "成本" not in ctx.text:
        return []
    projects = [c for c in src.links if c.kind == "project" and c.evidence == "exact"]
    for c in sorted(projects, key=lambda c: -len(c.name)):
        costs = [i for i in src.facts.indicators if i.project == c.name and "成本" in (i.level1 or "")
                 and i.unit in ("万元", "元") and i.number is not None]
        parts = [i for i in costs if "总成本" not in i.level3]  # 总成本 totals the other cost lines
        costs = parts or costs
        if not costs:
            continue
        leaves = [Plan(op="value", entity=src.key(f"indicator:{i.indicator_id}"), label=i.level3) for i in costs]
        total = Plan(op="sum", args=leaves, label="成本指标合计") if len(leaves) > 1 else leaves[0]
        project = Plan(op="value", entity=src.key(c.entity), label=f"项目金额（{c.name}）")
        at = ctx.text.find("成本")
        spans = [(c.start, c.end), (at, at + 2)] + [m.span() for m in re.finditer(
            r"绩效目标表|绩效目标|指标|之和|合计|加起来|金额|分项|各项", ctx.text)]
        return [interp(Plan(op="agree", args=[total, project], label=f"{c.name}的成本指标与项目金额"), 0.9, src,
                       *spans, *_cue_spans(ctx))]
    return []


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
    spans = [(i.start, i.end) for i, _ in pairs] + _cue_spans(ctx)
    if pairs[0][0].name == pairs[1][0].name:
        return _two_places(ctx, src, pairs[0][0].name, [m.value for _, m in pairs], spans)
    leaves = [Plan(op="value", entity=i.leaf.entity, label=i.name, value=m.value) for i, m in pairs]
    gap = abs(stated[0].value - stated[1].value)
    explain = _explaining_figure(src, gap, [i.name for i, _ in pairs])
    args = leaves + ([explain] if explain else [])
    return [interp(Plan(op="agree", args=args, label="两处数字", relation="stated"), 0.9, src, *spans)]


def _two_places(ctx: Context, src: Source, name: str, values: list[float], spans) -> list[Interpretation]:
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
    return [interp(Plan(op="agree", args=places + [explain], label=f"{name}的两处数字", relation="places"),
                   0.9, src, *spans)]


def _figure_of(src: Source, name: str, value: float) -> Plan | None:
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


def audit_finding(ctx: Context) -> list[Interpretation]:
    """The audit's finding about the topic asked: its words must be the question's content."""
    src = single(ctx)
    if src is None or ctx.findings is None or not asks_consistency(ctx):
        return []
    findings = ctx.findings(src.doc_id)
    if not findings:
        return []
    texts = [finding_text(f) for f in findings]
    weights = _weights(ctx, texts)
    out = []
    stated = set(re.findall(r"\d+\.\d+|\d+(?=万元|元|%)", ctx.text))
    for finding, text in zip(findings, texts):
        if stated and not any(n in text for n in stated):
            continue  # a question stating its figures is about a finding that holds them
        spans = covered_by(ctx, text)
        score = sum(weights.get(ctx.text[i:i + 2], 0) for a, b in spans for i in range(a, b - 1))
        total = sum(weights.values()) or 1.0
        if score / total < 0.3:
            continue
        plan = Plan(op="finding", label=finding.message, finding=finding)
        out.append(interp(plan, 0.7 + 0.25 * score / total, src, *spans, *_cue_spans(ctx)))
    return sorted(out, key=lambda i: -i.score)[:2]


def _weights(ctx: Context, texts: list[str]) -> dict[str, float]:
    """Each content span's weight: rarer among the findings weighs more (tf-idf)."""
    out = {}
    for run in ctx.reading.content:
        for i in range(run.start, run.end - 1):
            pair = ctx.text[i:i + 2]
            out[pair] = math.log((len(texts) + 1) / (1 + sum(pair in t for t in texts)))
    return out


def finding_text(finding) -> str:
    places = " ".join(f"{c.table or ''}{c.row or ''}{c.column or ''}{c.section or ''}" for c in finding.citations)
    return f"{finding.message} {places}"


def counts_consistent(ctx: Context) -> list[Interpretation]:
    """"公车数量在文件里前后一致吗": every count of that thing the document states (in its text
    and its indicators), the same or not."""
    src = single(ctx)
    asked = ctx.reading.asked
    if src is None or not asks_consistency(ctx) or asked.kind != "count" or not asked.counted:
        return []
    noun = asked.counted[:1]
    leaves = [Plan(op="value", entity=src.key(f"fact:{f.fact_id}"), label=f"文字说明中的{f.subject}")
              for f in src.facts.facts if f.kind == "count" and noun in f.subject and f.role == "headline"]
    leaves += [Plan(op="value", entity=src.key(f"indicator:{i.indicator_id}"), label=f"{i.project or '部门整体'}·{i.level3}")
               for i in src.facts.indicators if i.number is not None and noun in i.level3 and i.unit and i.unit != "%"]
    if len(leaves) < 2:
        return []
    at = ctx.text.find(asked.counted)
    spans = [(at, at + len(asked.counted))] + _cue_spans(ctx) + [m.span() for m in re.finditer(r"数量|个数|多少", ctx.text)]
    return [interp(Plan(op="compare", relation="all_eq", args=leaves, label=f"{asked.counted}的数量是否前后一致"),
                   0.86, src, *spans)]
