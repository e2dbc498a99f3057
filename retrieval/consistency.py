"""Consistency questions ("……一致吗？/对得上吗？") answered from the audit's findings."""

from __future__ import annotations

from retrieval.compose import answer, num, who
from retrieval.facts import DocFacts
from retrieval.indicators import relevance
from retrieval.records import Answer
from retrieval.understand import Question


def consistency_answer(q: Question, df: DocFacts, findings: list) -> Answer | None:
    """The finding the question is about: verdict false with both figures; none → consistent."""
    scored = sorted(((relevance(q, f.message), f) for f in findings), key=lambda x: -x[0])
    if scored and scored[0][0] >= 0.25:
        finding = scored[0][1]
        value = finding_value(q, finding)
        text = f"不一致。{who(df.document)}：{finding.message}"
        if finding.note:
            text += f"（{finding.note}）"
        return answer(q.text, text, [], value, finding_unit(finding), verdict=False,
                      citations=list(finding.citations), intent="consistency")
    return None


def finding_value(q: Question, finding) -> float | None:
    """The figure the question did not state: the one the check found (table, sum, indicator)."""
    figures = getattr(finding, "figures", {}) or {}
    for key, value in figures.items():
        if num(value) not in q.squeezed and f"{value:g}" not in q.squeezed:
            return value
    return next(iter(figures.values()), None)


def finding_unit(finding) -> str | None:
    return getattr(finding, "unit", None) or "万元"
