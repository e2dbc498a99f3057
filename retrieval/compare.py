"""Comparisons across documents: the same item in two departments (or years), aligned and computed."""

from __future__ import annotations

import re

from retrieval.answers import targets
from retrieval.compose import answer, num, show
from retrieval.facts import DocFacts
from retrieval.indicators import indicator_answer
from retrieval.lookup import item_figure
from retrieval.records import Answer, Figure
from retrieval.understand import Question


def side_name(df: DocFacts, named: str) -> str:
    """The department as the question named it, then in full: "西工区政府办（洛阳市西工区人民政府办公室）"."""
    full = df.document.department
    return full if not named or named in full else f"{named}（{full}）"


def compare(q: Question, sides: list[tuple[DocFacts, str]]) -> Answer | None:
    (a, name_a), (b, name_b) = sides[:2]
    years = "" if a.document.year == b.document.year else (
        f"（注意：两份文件年度不同，分别为{a.document.year}年和{b.document.year}年）")
    if q.has("indicator") and not re.search(r"花|费用|经费多少|金额", q.squeezed):
        return compare_indicators(q, sides, years)
    if re.search(r"车", q.squeezed) and (q.has("count") or "几辆" in q.squeezed):
        pair = [_vehicles(df) for df, _ in sides[:2]]
    elif q.has("share"):
        pair = [_share(q, df) for df, _ in sides[:2]]
    else:
        items = targets(q, a) or targets(q, b)
        pair = [item_figure(df, items[0]) if items else None for df, _ in sides[:2]]
    if pair[0] is None and pair[1] is None:
        return None
    fa, fb = pair
    if fa is None or fb is None:
        missing = name_a if fa is None else name_b
        have, have_name = (fb, name_b) if fa is None else (fa, name_a)
        text = f"{have_name}{have.label}为{show(have)}；{missing}的文件中没有这一项的数据。{years}"
        return answer(q.text, text, [have], have.value, have.unit, intent="compare")
    label = fa.label
    text = f"{side_name(a, name_a)}{label}为{show(fa)}，{side_name(b, name_b)}为{show(fb)}"
    if fa.value == fb.value:
        return answer(q.text, text + f"，两者相同。{years}", [fa, fb], 0.0, fa.unit, intent="compare")
    hi, lo, hi_name = (fa, fb, name_a) if fa.value > fb.value else (fb, fa, name_b)
    diff = round(hi.value - lo.value, 2)
    unit = "个百分点" if fa.unit == "%" else fa.unit
    formula = f"{num(hi.value)} − {num(lo.value)} = {num(diff)}"
    if re.search(r"各有|分别|各是", q.squeezed) and not re.search(r"谁|哪个|多多少|高多少", q.squeezed):
        text += f"。{years}"
        return answer(q.text, text, [fa, fb], fa.value, fa.unit, computation=formula, intent="compare")
    if lo.value == 0 and re.search(r"谁安排|谁有|哪个有", q.squeezed):
        text += f"；只有{hi_name}安排了，{show(hi)}。{years}"
        return answer(q.text, text, [fa, fb], hi.value, hi.unit, computation=formula, intent="compare")
    text += f"；{hi_name}更高，高{num(diff)}{unit}（{formula}）。{years}"
    return answer(q.text, text, [fa, fb], diff, unit, computation=formula, intent="compare")


def _vehicles(df: DocFacts) -> Figure | None:
    total = next((f for f in df.facts if f.kind == "count" and f.subject == "车辆"), None)
    return df.fact_figure(total, "车辆数") if total else None


def _share(q: Question, df: DocFacts) -> Figure | None:
    """A share the text states (人员经费占基本支出 93.77%), else computed from the two amounts."""
    items = targets(q, df)
    if not items:
        return None
    stated = [f for f in df.facts if f.kind == "share" and f.subject == items[0]]
    part = item_figure(df, items[0])
    base = item_figure(df, items[1]) if len(items) > 1 else None
    if part and base and base.value:
        ratio = round(part.value / base.value * 100, 2)
        return Figure(value=ratio, unit="%", label=f"{items[0]}占{base.label}的比重",
                      citation=part.citation)
    if stated:
        return df.fact_figure(stated[0], f"{items[0]}占比")
    return None


def compare_indicators(q: Question, sides: list[tuple[DocFacts, str]], years: str) -> Answer | None:
    answers = [indicator_answer(q, df) for df, _ in sides[:2]]
    if not any(answers):
        return None
    parts, cites = [], []
    for (df, name), ans in zip(sides[:2], answers):
        if ans is None:
            parts.append(f"{name}：文件中未找到该指标")
            continue
        parts.append(f"{side_name(df, name)}：{ans.answer}")
        cites += ans.citations
    first = next(a for a in answers if a)
    return answer(q.text, "；".join(parts) + years, [], first.value, first.unit, citations=cites,
                  intent="compare")
