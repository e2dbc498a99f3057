"""Writing answers: numbers with their units, formulas, and the Answer record."""

from __future__ import annotations

from indexer.records import Document
from retrieval.records import Answer, Citation, Figure, num


def show(figure: Figure) -> str:
    """A figure with its unit: "293.88万元", "3辆", "22.46%"."""
    if figure.unit == "万元":
        return f"{num(figure.value)}万元"
    if figure.unit == "%":
        return f"{num(figure.value)}%"
    return f"{num(figure.value, 0) if float(figure.value).is_integer() else num(figure.value)}{figure.unit}"


def who(document: Document) -> str:
    return f"{document.department}{document.year}年"


def unique_citations(figures: list[Figure], extra: list[Citation] | None = None) -> list[Citation]:
    seen, out = set(), []
    for c in [f.citation for f in figures] + (extra or []):
        key = (c.doc_id, c.table, c.row, c.column, c.section, c.line, c.quote)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def answer(
    question: str,
    text: str,
    figures: list[Figure],
    value: float | None = None,
    unit: str | None = None,
    computation: str | None = None,
    verdict: bool | None = None,
    citations: list[Citation] | None = None,
    intent: str | None = None,
) -> Answer:
    return Answer(
        question=question, answer=text, answerable=True, value=value, unit=unit,
        verdict=verdict, computation=computation,
        citations=unique_citations(figures, citations), figures=figures, intent=intent,
    )


def refusal(question: str, text: str, documents: list[Document], intent: str = "refusal") -> Answer:
    """The documents do not hold the answer: say what they do cover, state no number."""
    covered = "；".join(f"{d.department}（{d.year}年）" for d in documents[:12])
    more = f"等{len(documents)}份文件" if len(documents) > 12 else ""
    tail = f"已收录的预算文件：{covered}{more}。" if documents else "尚未收录任何预算文件。"
    return Answer(question=question, answer=f"{text}{tail}", answerable=False, intent=intent)


HELP = ("您好！我回答已收录的部门预算文件里的问题，数字都取自文件的表格并注明出处。可以这样问："
        "“某部门一年花多少钱？”“人员经费占基本支出的比例是多少？”“有几个项目，各多少钱？”")


def help_answer(question: str, documents: list[Document]) -> Answer:
    """Greetings and text with no budget question: say what can be asked, quote nothing."""
    covered = "；".join(f"{d.department}（{d.year}年）" for d in documents[:6])
    more = f"等{len(documents)}份文件" if len(documents) > 6 else ""
    text = f"{HELP}已收录：{covered}{more}。" if documents else HELP
    return Answer(question=question, answer=text, answerable=False, intent="help",
                  interpretation="不是关于预算的问题")
