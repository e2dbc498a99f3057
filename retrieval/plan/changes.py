"""Builders of the change against last year: the change as the document states it (a sentence
figure or a 增减 column), and last year's figure computed from it."""

from __future__ import annotations

import re

from retrieval.plan.base import interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.figures import item_figure
from retrieval.plan.items import Item, distinct, find_items
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.mentions import lexicon_terms

# the words of a change against last year; a plan stating the change reads them
CHANGE_WORDS = re.compile(r"多花了?|少花了?|多用了?|少用了?|多拿了?|少拿了?|"
                          r"增加|减少|增长|下降|变化|变动|增减|上升|降低|压减|削减|缩减|缩水|砍掉|被砍|砍|不降反升|反升|"
                          r"涨幅|降幅|增幅|涨|降|多了|少了|多出|少出|幅度|比例|翻番|翻倍")


def _change_facts(ctx: Context, src: Source, kind: str):
    """The stated changes of the item named (linked to the text's subjects); the whole budget's
    (收支总计) when the question names no item."""
    facts = {f.fact_id: f for f in src.facts.facts if f.kind == kind}
    linked = []
    for c in src.links:
        fact = facts.get(c.entity.removeprefix("fact:")) if c.kind == "fact" else None
        if fact is not None and c.score >= 0.8:
            linked.append((c.score, fact, [(c.start, c.end)]))
    items = [i for i in distinct(find_items(ctx, src))]
    for item in items:  # an item named by a measure or the lexicon ("三公" → “三公”经费)
        names = {item.name, item.name.removesuffix("合计")} | set(lexicon_terms(ctx.text[item.start:item.end]))
        for fact in facts.values():
            if fact.subject in names and fact.role == "headline":
                linked.append((item.score, fact, [(item.start, item.end)]))
    if not linked and all(i.name in ("支出总计", "收入总计", "收支总计") for i in items):
        linked = [(0.8, f, [(i.start, i.end) for i in items]) for f in facts.values() if f.subject == "收支总计"]
    return linked


def _against_another(text: str) -> bool:
    """"决算数比年初预算数多了多少": compared with another figure of the same year, not last year's."""
    m = re.search(r"(?:比|较)(.{1,10}?)(?:多|少|增|减|高|低|上升|下降|涨|降)", text)
    return bool(m) and not re.search(r"上年|去年|上一年|前一年|\d{2,4}年|同期|以前|之前", m.group(1))


def change(ctx: Context) -> list[Interpretation]:
    """The change against last year as the document states it (涨幅, 增长了多少, 比上年减少多少)."""
    src = single(ctx)
    if src is None:
        return []
    changes = [m.span() for m in CHANGE_WORDS.finditer(ctx.text)]
    # "比上年", "与2024年相比": the year compared against is read; a year asked is not
    base = lambda m: bool(re.search(r"(?:比|较|与|和|同|相比|对比)$", ctx.text[:m.start]))  # noqa: E731
    rel = [(m.start, m.end) for m in ctx.mentions("relative_year") if m.value and m.value < 0 and base(m)]
    earlier = [(m.start, m.end) for m in ctx.mentions("year")
               if m.value and m.value < src.facts.document.year and base(m)]
    if not changes or _against_another(ctx.text):
        return []
    percent = ctx.reading.asked.kind == "percent"
    kind = "change_percent" if percent else "change_amount"
    out = []
    # "比上年减少了多少": the difference asked is the change stated
    diff = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "difference"]
    for score, fact, spans in _change_facts(ctx, src, kind):
        label = f"{fact.subject}比上年{fact.direction}{'幅度' if percent else '额'}"
        plan = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=label)
        out.append(interp(plan, 0.8 + 0.08 * score, src, *spans, *changes, *rel, *earlier, *diff))
    if not out and not percent:
        out += _change_column(ctx, src, distinct(find_items(ctx, src)), changes + rel + earlier + diff)
    return out


def previous_year(ctx: Context, compared: bool = False) -> list[Interpretation]:
    """Last year's figure of an item: this year's figure less the stated increase (or plus the
    stated decrease); asked by 去年/上年 or by the year before the document's (`compared`: also as
    the year compared against, "比上年")."""
    src = single(ctx)
    if src is None:
        return []
    doc_year = src.facts.document.year
    base = lambda m: not compared and bool(  # noqa: E731
        re.search(r"(?:比|较|与|和|同|相比|对比)$", ctx.text[:m.start]))
    rel = [(m.start, m.end) for m in ctx.mentions("relative_year") if m.value == -1 and not base(m)]
    earlier = [(m.start, m.end) for m in ctx.mentions("year") if m.value == doc_year - 1 and not base(m)]
    if not rel and not earlier:
        return []  # "比2022年…": the year compared against, not the year asked
    if any(re.match(r"了?(?:多少|几)", ctx.text[m.end():]) for m in CHANGE_WORDS.finditer(ctx.text)):
        return []  # "比去年增加了多少": the change itself (the change builder)
    out = []
    for score, fact, spans in _change_facts(ctx, src, "change_amount"):
        subject = "收入总计" if fact.subject == "收支总计" else fact.subject
        current = item_figure(src.facts, subject)
        if current is None or fact.direction not in ("增加", "减少", "持平"):
            continue
        now = Plan(op="value", entity=src.key(f"{'measure' if subject.endswith('总计') else 'item'}:{subject}"),
                   label=f"{doc_year}年{fact.subject}")
        delta = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=f"{fact.subject}比上年{fact.direction}额")
        plan = Plan(op="previous", args=[now, delta], relation=fact.direction,
                    label=f"{doc_year - 1}年{fact.subject}（按文件所述{fact.direction}额推算）")
        changes = [m.span() for m in CHANGE_WORDS.finditer(ctx.text)]  # "按文件给的减少额算"
        out.append(interp(plan, 0.8 + 0.08 * score, src, *spans, *rel, *earlier, *changes))
    return out


_CHANGE_COLUMN = re.compile(r"增减额|增减|比上年增减|变动额")


def _change_column(ctx: Context, src: Source, items: list[Item], spans: list) -> list[Interpretation]:
    """A table that prints the change itself (a 增减额 column beside 本年/上年预算数): the item's cell."""
    for item in items:
        for ref in src.facts.rows_of_item(item.name):
            cell = next((c for c in ref.row.cells if _CHANGE_COLUMN.search(c.column) and c.value is not None), None)
            key = src.key(f"row:{ref.table.table_id}:{ref.row.index}")
            if cell is None:
                pair = _year_columns(ref, src.facts.document.year)
                if pair is None:
                    continue
                sides = [Plan(op="value", entity=key, column=c, label=f"{item.name}（{c}）") for c in pair]
                plan = Plan(op="difference", args=sides, label=f"{item.name}比上年的变化")
                return [interp(plan, 0.84, src, (item.start, item.end), *spans)]
            plan = Plan(op="value", entity=key, column=cell.column, label=f"{item.name}（{cell.column}）")
            return [interp(plan, 0.84, src, (item.start, item.end), *spans)]
    return []


def _year_columns(ref, year: int) -> tuple[str, str] | None:
    """The row's columns of this year and of the year before: "2025年预算数" / "2024年预算数",
    or "本年…" / "上年…"."""
    this = last = None
    for cell in ref.row.cells:
        if cell.value is None:
            continue
        head = cell.column.split("/")[0]
        found = re.search(r"(20\d\d)\s*年", head)
        if found and int(found.group(1)) == year or re.match(r"本年|今年|当年", head):
            this = this or cell.column
        elif found and int(found.group(1)) == year - 1 or re.match(r"上年|去年", head):
            last = last or cell.column
    return (this, last) if this and last else None
