"""Word an executed plan as an Answer: the figure in the unit asked, its formula, its inputs; a
verdict as the answer to the question (说法正确 / 不一致); words as quoted; and, when no plan read
the whole question, what was found and what was not (no figure)."""

from __future__ import annotations

from indexer.records import Document
from retrieval.answer.gates import Checked
from retrieval.answer.compose import show, unique_citations, who
from retrieval.plan.units import AMOUNT_UNITS
from retrieval.plan.records import Interpretation, Result
from retrieval.question.mentions import vocabulary
from retrieval.question.records import Asked
from retrieval.records import Answer, Citation, Figure, num

import re

_YES_NO = re.compile(r"有没有|有无|是否有|是不是有|有[^，,。？?]{1,12}吗")
# how a verdict reads for each relation: (borne out, not borne out)
_RELATION = {"ge": ("确实超过", "没有超过"), "le": ("确实不到", "并非不到"), "approx": ("确实接近", "与之相差较大："),
             "about": ("确实约为", "并不是大约"), "eq": ("正是", "不是"), "double": ("确实翻了一倍", "没有翻倍：")}


def in_unit(value: float, unit: str | None, asked: Asked) -> tuple[float, str | None]:
    """An amount converted to the unit the question asks for (按元算 → 元)."""
    if unit and "/" in unit:
        base, per = unit.split("/", 1)
        converted, new = in_unit(value, base, asked)
        return converted, f"{new}/{per}" if new == base else new
    if unit in AMOUNT_UNITS and asked.unit in AMOUNT_UNITS and asked.unit != unit:
        places = 6 if asked.unit == "亿元" else 2  # 1074.61万元 = 0.107461亿元: no digit lost
        return round(value * AMOUNT_UNITS[unit] / AMOUNT_UNITS[asked.unit], places), asked.unit
    return value, unit


def shown(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    if unit in ("万元", "%", "个百分点", "倍") or (unit and unit.startswith("万元/")):
        return f"{num(value)}{unit}"
    if unit == "亿元":
        return f"{value:g}亿元"
    return f"{num(value, 0) if float(value).is_integer() else num(value)}{unit or ''}"


def _figure(f: Figure) -> str:
    return f.text if f.text else show(f)


def reading_of(interp: Interpretation, documents: list[Document]) -> str:
    heads = " / ".join(f"{d.department} · {d.year}" for d in documents)
    return f"{heads} · {interp.plan.describe()}"


def _listing(items: list[Figure]) -> str:
    return "、".join(f"{f.label}{_figure(f)}" for f in items[:30]) + ("等" if len(items) > 30 else "")


def plan_answer(question: str, chosen: Checked, documents: list[Document], asked: Asked,
                confidence: float | None = None) -> Answer:
    """The answer of the chosen plan: its figure (in the unit asked) or verdict, and its inputs."""
    interp, result = chosen.interp, chosen.result
    value, unit = result.value, result.unit
    if value is not None:
        value, unit = in_unit(value, unit, asked)
    head = who(documents[0]) if len(documents) == 1 else ""
    plan, label = interp.plan, interp.plan.label
    formula = f"（{result.formula}）" if result.formula else ""
    citations = unique_citations(result.figures, list(result.citations))
    if plan.op == "verify":
        inner = plan.args[0].label
        stated = shown(plan.stated, plan.unit)
        yes, no = _RELATION.get(plan.relation or "eq", _RELATION["eq"])
        verdict = "说法正确" if result.verdict else "说法不对"
        actual = _figure(result.figures[0]) if len(result.figures) == 1 else shown(value, unit)
        text = f"{verdict}：{head}{inner}实际为{actual}{formula}，{yes if result.verdict else no}{stated}。"
    elif plan.op == "compare":
        sides = "，".join(f"{f.label}{_figure(f)}" for f in result.items)
        consistency = plan.relation == "eq"
        if consistency:
            verdict = "一致" if result.verdict else "不一致"
        else:
            verdict = "说法正确" if result.verdict else "说法不对"
        text = f"{verdict}：{head}{sides}（{result.formula}）。"
        if plan.relation == "is_top":  # "最多的是X吗": the largest one's figure leads
            value, unit = result.value, result.unit
        else:
            value, unit = (result.items[0].value, result.items[0].unit) if consistency and result.items else (None, None)
    elif plan.op == "finding":
        verdict = "一致（口径不同）" if result.verdict else "不一致"
        text = f"{verdict}。{head}：{'；'.join(result.texts)}"
    elif plan.op == "quote":
        more = "".join(f"另见：{t}" if t.endswith(("。", "；", ";")) else f"另见：{t}。" for t in result.texts[1:])
        first = result.texts[0] if not more or result.texts[0].endswith(("。", "；", ";")) else result.texts[0] + "。"
        text = f"{head}的文件写道：{first}{more}" if head else f"文件写道：{first}{more}"
    elif result.kind == "text" and result.texts:
        text = f"{head}{label}：" + "；".join(result.texts) + "。"
    elif plan.op == "list" and plan.relation == "zero":
        names = "、".join(f.label for f in result.items) or "没有"
        text = f"{label}共{shown(value, unit)}：{names}。各部门：{_listing(result.figures)}。"
    elif value is None and plan.relation == "each" and (which := _which_way(question)) and _comparable(result.items):
        # "谁多", "哪个少": the one asked for first, then each figure
        pick = (max if which in vocabulary()["which_side"]["larger"] else min)(result.items, key=lambda f: f.value)
        text = f"{pick.label}更{which}（{_figure(pick)}）。{head}{label}：{_listing(result.items)}。"
    elif value is None:
        text = f"{head}{label}：{_listing(result.items)}。"
    elif plan.op == "list":
        text = f"{head}{label}共{shown(value, unit)}{formula}：{_listing(result.items)}。"
    elif plan.op == "difference" and len(result.items) == 2:
        a, b = result.items
        text = f"{head}{a.label}为{_figure(a)}，{b.label}为{_figure(b)}，前者高{shown(value, unit)}{formula}。"
    elif plan.op == "count" and result.items:
        total = round(sum(f.value for f in result.items if f.unit == "万元"), 2)
        money = f"，合计{num(total)}万元" if total else ""
        text = f"{head}{label}为{shown(value, unit)}{money}：{_listing(result.items)}。"
    elif plan.op == "top":
        listing = _listing(result.items if len(result.items) > 1 else result.figures)
        text = f"{head}{label}为{result.items[0].label}，{_figure(result.items[0])}。（{listing}）"
    else:
        single = result.figures[0] if len(result.figures) == 1 and plan.op == "value" else None
        text = f"{head}{label}为{_figure(single) if single and single.text else shown(value, unit)}{formula}"
        if plan.op in ("sum",) and result.items:
            text += f"，其中{_listing(result.items)}"
        text += "。"
    if value is not None and _YES_NO.search(question) and plan.op == "value" and not text.startswith(("有。", "没有。")):
        text = ("没有。" if abs(value) < 0.005 else "有。") + text  # "有公车吗": yes or no first
    if plan.op == "list" and plan.relation == "each" and result.items and value is None \
            and re.search(r"各|分别", question) and not re.search(r"谁|哪个|哪家|哪一", question):
        head_item = result.items[0]  # "各是多少": the first one named leads, each one stated
        value, unit = head_item.value, head_item.unit
    years = sorted({d.year for d in documents})
    if len(years) > 1:  # departments compared across different budget years: say so
        text += "（注意：各文件年度不同：" + "、".join(f"{d.department}{d.year}年" for d in documents) + "）"
    return Answer(question=question, answer=text, answerable=True, value=value, unit=unit,
                  verdict=result.verdict, computation=result.formula, citations=citations,
                  figures=result.figures, intent=f"plan:{interp.builder}",
                  interpretation=reading_of(interp, documents), confidence=confidence)


def _which_way(question: str) -> str | None:
    """"谁多" → 多, "哪家低一些" → 低: the side asked for; None when no side is asked."""
    m = re.search(vocabulary()["which_side"]["pattern"], question)
    return m.group("way") if m else None


def _comparable(items: list) -> bool:
    """Two or more figures in one unit, no two equal (a tie names no side)."""
    values = [f.value for f in items if f.value is not None]
    return len(values) >= 2 and len(values) == len(items) and len({f.unit for f in items}) == 1 \
        and len({round(v, 2) for v in values}) == len(values)


def alternatives_answer(question: str, options: list[Checked], documents: list[Document], asked: Asked,
                        lead: str = "这个问题可以有几种理解，我不能确定您指的是哪一种：") -> Answer:
    """Not sure: say so, and offer the close readings with their figures (no headline value)."""
    lines, cites, labels = [], [], []
    for k, option in enumerate(options, 1):
        interp, result = option.interp, option.result
        docs = [d for d in documents if d.doc_id in interp.doc_ids] or documents
        head = who(docs[0]) if len(docs) == 1 else ""
        value, unit = in_unit(result.value, result.unit, asked) if result.value is not None else (None, None)
        said = shown(value, unit) or ("；".join(result.texts)[:60] if result.texts else "见引用")
        lines.append(f"{k}. {head}{interp.plan.label}：{said}")
        labels.append(f"{head}{interp.plan.label}是多少？")  # each a question the user can ask as is
        cites += unique_citations(result.figures, list(result.citations))
    text = lead + "；".join(lines) + "。请说明是哪一种。"
    return Answer(question=question, answer=text, answerable=True, citations=_unique(cites),
                  intent="alternatives", alternatives=labels,
                  interpretation=" / ".join(f"{d.department} · {d.year}" for d in documents) + " · 多种理解")


def not_found(question: str, near: Checked | None, documents: list[Document], asked: Asked,
              missing: list[str]) -> Answer:
    """No plan read the whole question: say what was not found, and what the documents do have
    nearby (cited, with no headline figure)."""
    head = f"{who(documents[0])}的文件" if len(documents) == 1 else "这几份文件"
    words = "、".join(f"“{w}”" for w in missing)
    text = f"{head}中没有找到{words}的数据，无法给出这个数字。" if missing else f"{head}中没有这一项。"
    cites: list[Citation] = []
    if near is not None:
        result = near.result
        value, unit = in_unit(result.value, result.unit, asked) if result.value is not None else (None, None)
        said = shown(value, unit) or ("；".join(result.texts)[:80] if result.texts else "")
        if said:
            text += f"找到的相关内容：{near.interp.plan.label}{'为' if value is not None else '：'}{said}（未必是所问的数）。"
        cites = unique_citations(result.figures, list(result.citations))
    return Answer(question=question, answer=text, answerable=False, citations=cites, intent="refusal",
                  interpretation=" / ".join(f"{d.department} · {d.year}" for d in documents) + " · 文件中没有")


def _unique(cites: list[Citation]) -> list[Citation]:
    seen, out = set(), []
    for c in cites:
        key = (c.doc_id, c.table, c.row, c.column, c.section, c.line, c.quote)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def held_back(question: str, near: Checked, documents: list[Document], asked: Asked) -> Answer:
    """A figure found that may not be the one asked (its kind, a year, an operator): shown as what
    was found, without a headline figure."""
    result = near.result
    value, unit = in_unit(result.value, result.unit, asked) if result.value is not None else (None, None)
    said = shown(value, unit) or ("；".join(result.texts)[:120] if result.texts else "")
    head = who(documents[0]) if len(documents) == 1 else ""
    reason = "；".join(dict.fromkeys(near.reasons))
    text = f"我不能确定找到的数字回答了您的问题（{reason}）。找到的相关内容：{head}{near.interp.plan.label}{'为' if value is not None else '：'}{said}。"
    return Answer(question=question, answer=text, answerable=False, citations=unique_citations(
        result.figures, list(result.citations)), intent="held_back",
        interpretation=reading_of(near.interp, documents) + " · 不确定")
