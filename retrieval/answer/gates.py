"""Gates: a figure or verdict is stated only when the reading that produced it fits the question.

Reasons not to state a figure, each checked here: the kind of quantity differs from the one asked
(几倍 answered with 万元); a table, code or column the question names is not the one cited; a
claim's stated value was not judged; two readings of the question give different figures with
no clear winner.
"""

from __future__ import annotations

import re

from retrieval.plan.execute import kind_of
from retrieval.plan.records import Interpretation, Result
from retrieval.question.records import Asked, Reading
from retrieval.records import Answer
from retrieval.understand import lexicon_terms

MARGIN = 0.05  # a best reading must beat a different-valued runner-up by this much
_PEOPLE = {"人", "名", "位"}
# measure words that count the same things (350个单位 = 350家); 台, 辆, 条 … must match exactly
_SAME_COUNT = ({"个", "家", "所", "户", "项", "件"}, _PEOPLE)


def kind_fits(asked: Asked, kind: str, unit: str | None) -> bool:
    """The figure is the kind of quantity the question (or one of its parts) asks for."""
    if asked.kind is None or kind == "verdict" or "any" in asked.parts:
        return True
    kinds = set(asked.parts) or {asked.kind}
    if kind not in kinds:
        return False
    if kind == "count" and asked.kind == "count" and asked.unit:
        # measure words of counting differ by publisher (350个单位 / 350家): 个 fits any
        units = set(asked.count_units) or {asked.unit}
        return unit in units or any({unit, u} <= group for u in units for group in _SAME_COUNT)
    return True


def items_fit(asked: Asked, result) -> bool:
    """Figures side by side (预算数、决算数、完成的比例) fit a question whose parts ask for their kinds."""
    wanted = set(asked.parts) - {"any"} or ({asked.kind} if asked.kind else set())
    kinds = {kind_of(f.unit) for f in result.items}
    return result.kind == "text" and len(result.items) >= 2 and bool(wanted) and wanted <= kinds


def answer_kind(answer: Answer) -> str:
    if answer.value is None:
        return "text"
    return kind_of(answer.unit) if answer.unit not in ("万元/人",) else "amount"


def legacy_misfit(reading: Reading, answer: Answer) -> str | None:
    """Why an answer of the older rules must not state its figure here, or None when it may."""
    if answer.value is None and answer.verdict is None:
        return None
    kind = answer_kind(answer)
    if answer.verdict is None and not kind_fits(reading.asked, kind, answer.unit):
        return f"问的是{_asked_words(reading.asked)}，找到的却是{answer.unit or '文字'}"
    if reading.op("difference") and answer.intent not in ("difference", "compare", "change", "claim",
                                                          "consistency") and kind == "amount":
        return "问的是差额，找到的是其中一项"
    counted = reading.asked.counted
    if kind == "count" and counted and not _speaks_of(answer, counted):
        return f"问的是多少{counted}，找到的数字说的不是{counted}"
    claim_cue = any(m.kind == "claim" and m.name == "cue" for m in reading.mentions)
    stated = [m for m in reading.of("constant") if m.unit in ("万元", "%", "倍")]
    if claim_cue and stated and answer.verdict is None and answer.intent not in ("consistency",):
        return "没有核对说法中的数字"
    if reading.asked.per and answer.intent != "average" and kind == "amount":
        return f"问的是平均每{reading.asked.per}的数，找到的是总数"
    if kind == "percent" and answer.value is not None and answer.value > 100 and answer.intent == "share" \
            and re.search(r"几成|比例|比重|占", reading.text):
        return "算出的占比超过100%，部分和整体可能弄反了"
    return None


def _speaks_of(answer: Answer, noun: str) -> bool:
    """The answer's figures are about the thing counted (车 in 车辆, 社区 in 覆盖6个社区)."""
    texts = [answer.answer] + [f.label for f in answer.figures] + [c.quote for c in answer.citations]
    stems = ({noun, noun[:2]} if len(noun) >= 2 else {noun}) | set(lexicon_terms(noun))
    return any(stem in t for t in texts for stem in stems)


def _asked_words(asked: Asked) -> str:
    return {"ratio": "倍数", "percent": "比例", "count": f"数量（{asked.unit or '个'}）",
            "amount": "金额"}.get(asked.kind or "", "数字")


def choose(ranked: list[tuple[Interpretation, Result]], asked: Asked | None = None
           ) -> tuple[tuple[Interpretation, Result] | None, list[tuple[Interpretation, Result]]]:
    """The best reading when it is clear; else None and the close readings to offer.

    In a several-part question ("合计多少？一共几个？") readings that answer different parts do
    not compete: only readings of the same kind of quantity are rivals."""
    if not ranked:
        return None, []
    best = ranked[0]
    parts = set(asked.parts) if asked else set()
    several = len(parts - {"any"}) >= 2
    rivals = [r for r in ranked[1:] if best[0].score - r[0].score < MARGIN and not _same(best[1], r[1])
              and not (several and r[1].kind != best[1].kind)]
    if rivals:
        return None, [best, *rivals][:3]
    return best, []


def _same(a: Result, b: Result) -> bool:
    if a.verdict is not None or b.verdict is not None:
        return a.verdict == b.verdict and _close(a.value, b.value)
    return a.unit == b.unit and _close(a.value, b.value)


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return abs(x - y) <= max(0.005, 0.001 * abs(x))
