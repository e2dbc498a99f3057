"""Claims to check: a verdict with the real figure and its evidence.

Kinds of claim: a direction of change ("比上年下降了"), existence ("没有安排政府性基金预算"),
a main component ("主要花在公务接待上"), a stated figure ("是4.20万元"), and "the tables are wrong"
when the same item differs between two tables (often a difference of scope, not an error).
"""

from __future__ import annotations

import re

from indexer.text import squeeze
from retrieval.answers import tables_named, targets
from retrieval.compose import answer, num, show, who
from retrieval.facts import DocFacts
from retrieval.lookup import COMPONENTS, item_figure, row_amount
from retrieval.records import Answer, Figure
from retrieval.understand import Question

_UP = r"增长|增加|上升|提高|多了"
_DOWN = r"下降|减少|降低|少了|压减"
_STATED = re.compile(r"(?:为|是|等于|共)?\s*(\d+(?:\.\d+)?)\s*(万元|元|亿元|%|(?=[。.!！]?$))")


def claim(q: Question, df: DocFacts) -> Answer | None:
    s = q.squeezed
    if re.search(r"算错|错了|有误|错误|不一致", s) and len(tables_named(q, df)) >= 2:
        return table_scope_claim(q, df)
    if re.search(r"主要(花|用)在|大头|主要是", s):
        return main_part_claim(q, df)
    if re.search(rf"比.{{0,12}}({_UP}|{_DOWN})", s):
        return direction_claim(q, df)
    if re.search(r"没有|无|未安排|不存在|有.{0,12}(安排|预算)", s):
        return existence_claim(q, df)
    return figure_claim(q, df)


def _subject(q: Question, df: DocFacts) -> str:
    for item in targets(q, df):
        if any(f.kind.startswith("change") and f.subject == item for f in df.facts):
            return item
        if item in ("收入总计", "支出总计", "收支总计"):
            return "收支总计"
    return "收支总计"


def direction_claim(q: Question, df: DocFacts) -> Answer | None:
    subject = _subject(q, df)
    amount = next((f for f in df.facts if f.kind == "change_amount" and f.subject == subject), None)
    percent = next((f for f in df.facts if f.kind == "change_percent" and f.subject == subject), None)
    if amount is None and percent is None:
        return None
    actual = (amount or percent).direction
    m = re.search(rf"比.{{0,12}}?({_UP}|{_DOWN})", q.squeezed)
    claimed = "增加" if re.match(_UP, m.group(1)) else "减少"
    verdict = actual == claimed
    figures = [df.fact_figure(f, f"{subject}{f.direction}") for f in (amount, percent) if f]
    detail = "、".join(show(f) for f in figures)
    text = (f"{'正确' if verdict else '错误'}。{who(df.document)}{subject}比上年{actual}"
            f"{detail}，而不是{'增加' if claimed == '增加' and not verdict else claimed}。")
    if verdict:
        text = f"正确。{who(df.document)}{subject}比上年{actual}{detail}。"
    wants_percent = bool(re.search(r"幅度|%|百分", q.squeezed)) and percent is not None
    head = figures[-1] if wants_percent else figures[0]
    return answer(q.text, text, figures, head.value, head.unit, verdict=verdict, intent="claim")


def existence_claim(q: Question, df: DocFacts) -> Answer | None:
    items = targets(q, df)
    if not items:  # the claim names something the tables lack: take its words
        m = re.search(r"(?:没有|无|未|有)(?:安排)?(.{2,12}?)(?:预算|支出|安排|$)", q.focus or q.squeezed)
        if not m:
            return None
        items = [m.group(1)]
    item = items[0]
    figure = item_figure(df, item)
    empty = next((t for t in df.tables if squeeze(item).removesuffix("预算") in t.title and t.empty_note), None)
    says_none = bool(re.search(r"没有|无|未安排|不存在", q.squeezed))
    if figure is None and empty is None:
        return stated_absence(q, df, item, says_none)
    present = figure is not None and figure.value > 0
    verdict = (not present) if says_none else present
    if figure is not None:
        fact = f"{item}为{show(figure)}"
    else:
        fact = f"{empty.title}注明：{empty.empty_note}"
    text = f"{'正确' if verdict else '错误'}。{who(df.document)}{fact}。"
    cites = [df.cite_table(empty)] if empty is not None else []
    figures = [figure] if figure else []
    return answer(q.text, text, figures, None, None, verdict=verdict, citations=cites, intent="claim")


def main_part_claim(q: Question, df: DocFacts) -> Answer | None:
    items = targets(q, df)
    whole = next((i for i in items if i in COMPONENTS), None)
    if whole is None:
        return None
    parts = [f for f in (item_figure(df, p) for p in COMPONENTS[whole]) if f]
    claimed = next((i for i in items if i in COMPONENTS[whole]), None)
    if not parts or claimed is None:
        return None
    top = max(parts, key=lambda f: f.value)
    total = item_figure(df, whole)
    verdict = top.value > 0 and top.label == claimed
    listing = "、".join(f"{f.label}{show(f)}" for f in parts)
    largest = f"占比最大的是{top.label}" if top.value > 0 else f"各项都是0，{whole}没有安排"
    text = (f"{'正确' if verdict else '错误'}。{who(df.document)}{whole}"
            f"{show(total) if total else ''}中，{listing}；{largest}。")
    return answer(q.text, text, parts + ([total] if total else []), None, None, verdict=verdict,
                  intent="claim")


def figure_claim(q: Question, df: DocFacts) -> Answer | None:
    stated = _STATED.search(q.squeezed)
    items = targets(q, df)
    if not stated or not items:
        return None
    figure = item_figure(df, items[0])
    if figure is None:
        return None
    value = float(stated.group(1))
    verdict = abs(value - figure.value) <= 0.005
    text = f"{'正确' if verdict else '错误'}。{who(df.document)}{figure.label}为{show(figure)}。"
    return answer(q.text, text, [figure], figure.value, figure.unit, verdict=verdict, intent="claim")


def table_scope_claim(q: Question, df: DocFacts) -> Answer | None:
    """The same row in two tables: equal, or different because the tables cover different scope."""
    items = targets(q, df)
    titles = tables_named(q, df)
    if not items:
        return None
    figures: list[Figure] = []
    for title in titles[:2]:
        ref = next(iter(df.find_rows(items[0], table_keyword=title)), None)
        figure = row_amount(df, ref, label=f"{title}中的{ref.label}") if ref else None
        if figure:
            figures.append(figure)
    if len(figures) < 2:
        return None
    a, b = sorted(figures, key=lambda f: f.value)
    diff = round(b.value - a.value, 2)
    basic = next((f for f in (a, b) if "基本支出" in f.label), None)
    if diff == 0:
        text = f"错误。两张表中{items[0]}都是{show(a)}，一致。"
    elif basic is not None and basic is a:
        text = (f"错误，表格并没有算错。{a.label}{show(a)}只含基本支出，{b.label}{show(b)}"
                f"同时包含项目支出中的{items[0]}，差额{num(diff)}万元（{num(b.value)} − {num(a.value)} = "
                f"{num(diff)}）来自项目支出，是统计口径不同。")
    else:
        text = f"两张表的{items[0]}分别为{show(a)}和{show(b)}，相差{num(diff)}万元，文件未说明原因。"
        return answer(q.text, text, [a, b], diff, "万元", verdict=None, intent="claim")
    return answer(q.text, text, [a, b], diff, "万元", verdict=False,
                  computation=f"{num(b.value)} − {num(a.value)} = {num(diff)}", intent="claim")


def stated_absence(q: Question, df: DocFacts, item: str, says_none: bool) -> Answer | None:
    """The text says there is none ("2020年没有政府性基金预算拨款安排的收入和支出")."""
    core = squeeze(item).removesuffix("预算").removesuffix("支出")
    for section in df.sections:
        for sentence in re.split(r"(?<=[。；;])", section.text):
            s = squeeze(sentence)
            if core and core in s and re.search(rf"(没有|无|未安排)[^。；]{{0,12}}{re.escape(core)}", s):
                verdict = says_none
                text = f"{'正确' if verdict else '错误'}。{who(df.document)}的文件写明：{sentence.strip()}"
                return answer(q.text, text, [], None, None, verdict=verdict,
                              citations=[df.cite_section(section, sentence.strip())], intent="claim")
    return None
