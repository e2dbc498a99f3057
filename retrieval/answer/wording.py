"""Word an executed plan as an Answer: the figure in the unit asked, its formula, its inputs."""

from __future__ import annotations

from indexer.records import Document
from retrieval.compose import num, show, unique_citations, who
from retrieval.plan.execute import AMOUNT_UNITS
from retrieval.plan.records import Interpretation, Result
from retrieval.question.records import Asked
from retrieval.records import Answer, Figure

# how a verdict reads for each relation: (borne out, not borne out)
_RELATION = {"ge": ("确实超过", "没有超过"), "le": ("确实不到", "并非不到"), "approx": ("确实接近", "与之相差较大："), "about": ("确实约为", "并不是大约"),
             "eq": ("正是", "不是"), "double": ("确实翻了一倍", "没有翻倍：")}


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
    if unit == "万元":
        return f"{num(value)}万元"
    if unit == "亿元":
        return f"{value:g}亿元"
    if unit == "%":
        return f"{num(value)}%"
    if unit == "个百分点":
        return f"{num(value)}个百分点"
    if unit == "倍":
        return f"{num(value)}倍"
    if unit and unit.startswith("万元/"):
        return f"{num(value)}{unit}"
    return f"{num(value, 0) if float(value).is_integer() else num(value)}{unit or ''}"


def reading_of(interp: Interpretation, documents: list[Document]) -> str:
    heads = " / ".join(f"{d.department} · {d.year}" for d in documents)
    return f"{heads} · {interp.plan.describe()}"


def plan_answer(question: str, interp: Interpretation, result: Result, documents: list[Document],
                asked: Asked) -> Answer:
    value, unit = (result.value, result.unit)
    if value is not None:
        value, unit = in_unit(value, unit, asked)
    head = who(documents[0]) if len(documents) == 1 else ""
    label = interp.plan.label
    listing = _listing(result.items) if interp.plan.op in ("sum", "top", "list", "count") or any(
        a.op in ("top", "count") for a in interp.plan.args) else ""
    formula = f"（{result.formula}）" if result.formula else ""
    if interp.plan.op == "verify":
        inner = interp.plan.args[0].label
        stated = shown(interp.plan.stated, interp.plan.unit)
        yes, no = _RELATION.get(interp.plan.relation or "eq", _RELATION["eq"])
        verdict = "说法正确" if result.verdict else "说法不对"
        text = (f"{verdict}：{head}{inner}实际为{shown(value, unit)}{formula}，"
                f"{yes if result.verdict else no}{stated}。")
    elif value is None:
        text = f"{head}{label}：{listing}。"
    elif interp.plan.op == "list":
        text = f"{head}{label}共{shown(value, unit)}{formula}：{listing}。"
    elif interp.plan.op == "difference" and len(result.items) == 2:
        a, b = result.items
        text = (f"{head}{a.label}为{show(a)}，{b.label}为{show(b)}，前者高{shown(value, unit)}{formula}。")
    elif interp.plan.op == "count" and result.items:
        total = round(sum(f.value for f in result.items if f.unit == "万元"), 2)
        text = f"{head}{label}为{shown(value, unit)}，合计{num(total)}万元：{listing}。"
    else:
        text = f"{head}{label}为{shown(value, unit)}{formula}"
        if listing:
            text += f"，其中{listing}"
        text += "。"
    years = sorted({d.year for d in documents})
    if len(years) > 1:  # departments compared across different budget years: say so
        text += "（注意：各文件年度不同：" + "、".join(f"{d.department}{d.year}年" for d in documents) + "）"
    figures: list[Figure] = result.figures
    return Answer(question=question, answer=text, answerable=True, value=value, unit=unit,
                  verdict=result.verdict, computation=result.formula,
                  citations=unique_citations(figures), figures=figures, intent=f"plan:{interp.builder}",
                  interpretation=reading_of(interp, documents))


def _listing(items: list[Figure]) -> str:
    return "、".join(f"{f.label}{show(f)}" for f in items[:30]) + ("等" if len(items) > 30 else "")


def alternatives_answer(question: str, options: list[tuple[Interpretation, Result]],
                        documents: list[Document], asked: Asked) -> Answer:
    """Not sure: say so, and offer the close readings with their figures (no headline value)."""
    lines, cites, labels = [], [], []
    head = who(documents[0]) if len(documents) == 1 else ""
    for k, (interp, result) in enumerate(options, 1):
        value, unit = in_unit(result.value, result.unit, asked) if result.value is not None else (None, None)
        lines.append(f"{k}. {interp.plan.label}：{shown(value, unit) or '见引用'}")
        labels.append(f"{head}{interp.plan.label}是多少？")  # each a question the user can ask as is
        cites += result.figures
    text = "这个问题可以有几种理解，我不能确定您指的是哪一种：" + "；".join(lines) + "。请说明是哪一种。"
    return Answer(question=question, answer=text, answerable=True, citations=unique_citations(cites),
                  intent="alternatives", alternatives=labels,
                  interpretation=" / ".join(f"{d.department} · {d.year}" for d in documents) + " · 多种理解")


def held_back(question: str, legacy: Answer, reason: str) -> Answer:
    """An answer whose figure did not pass the gates: what was found, without a headline figure."""
    text = f"我不能确定这个数字回答了您的问题（{reason}）。找到的相关内容：{legacy.answer}"
    return legacy.model_copy(update={"answer": text, "value": None, "unit": None, "verdict": None,
                                     "computation": None, "intent": "held_back"})


def in_asked_unit(answer: Answer, asked: Asked) -> Answer:
    """An amount answer restated in the unit the question asks for ("按元算": 6.34万元 → 63400元)."""
    if answer.value is None or answer.unit not in AMOUNT_UNITS or asked.unit not in AMOUNT_UNITS \
            or asked.unit == answer.unit:
        return answer
    value, unit = in_unit(answer.value, answer.unit, asked)
    text = answer.answer.rstrip("。") + f"，合{shown(value, unit)}。"
    return answer.model_copy(update={"value": value, "unit": unit, "answer": text})


def agreement_answer(question: str, interp: Interpretation, result: Result, documents: list[Document]) -> Answer:
    """A consistency verdict worded as the answer to 一致吗: 一致 / 不一致, with the arithmetic."""
    head = who(documents[0]) if documents else ""
    listing = "、".join(f"{f.label}{show(f)}" for f in result.figures[:8])
    if result.verdict is None:
        text = f"问题所引的数字与文件不同：{result.formula}（{head}{listing}）。"
    else:
        verdict = "一致" if result.verdict else "不一致"
        text = f"{verdict}：{head}{interp.plan.label}——{listing}；{result.formula}。"
    return Answer(question=question, answer=text, answerable=True, value=result.value,
                  unit=result.unit if result.value is not None else None, verdict=result.verdict,
                  computation=result.formula, citations=unique_citations(result.figures),
                  figures=result.figures, intent="consistency", interpretation=reading_of(interp, documents))
