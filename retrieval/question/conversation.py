"""The conversation as state: each turn's slots (the departments named, the document year in
context, the rest of the question) carry over to a follow-up that leaves them out.

"那去年呢？" after a question about 西工区政府办's 2025 budget asks the same of 2024: a relative
year is relative to the document in context, never to the calendar. "和西工街道比呢？" adds a
department; "人员经费呢？" keeps the department and year and asks of another item. A message that
reads as nothing (no budget word, no department, no year) takes nothing from the history.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from retrieval.question.mentions import has_budget_words, normalise_question
from retrieval.question.reading import compared_against, read

# earlier turns: the questions asked (with their answers, which are not needed here)
History = Sequence[tuple[str, str]] | Sequence[str]

_LEAD = re.compile(r"^(?:那么|那|还有|再问一下|再问|请问|另外|然后|再|又)[,，]?")
_TAIL = re.compile(r"(?:呢|怎么样|如何|的呢|咋样)?[?？。！!]*$")
_COMPARE = re.compile(r"^(?:和|跟|与|同|对比|比较|比)(?P<other>.+?)(?:比|相比|比较|对比|比一比)?$")


class Slots(BaseModel):
    """What a turn was about, for the next one to take what it leaves out."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    named: list[str] = Field(default_factory=list)  # the words that named the departments, in order
    year: int | None = None  # the year of the document in context
    rest: str = ""  # the question without its departments and years


def earlier_questions(history: History) -> list[str]:
    return [turn if isinstance(turn, str) else turn[0] for turn in history]


def standalone(question: str, history: History, catalog: Any) -> str | None:
    """The question with what it leaves out filled in from the history (itself when it leaves out
    nothing, or when the history has nothing it could take)."""
    slots: Slots | None = None
    for earlier in earlier_questions(history):
        text = complete(earlier, slots, catalog)
        slots = slots_of(text, catalog) or slots
    return complete(question.strip(), slots, catalog)


def slots_of(text: str, catalog: Any) -> Slots | None:
    """The slots of a standalone question; None when it names no department."""
    reading = read(text, catalog)
    res = reading.resolution
    if not res.documents:
        return None
    named = [m.text for m in reading.mentions if m.kind in ("department", "unit")]
    years = [int(m.value) for m in reading.mentions if m.kind == "year" and m.value]
    doc_years = sorted({d.year for d in res.documents})
    year = next((y for y in years if y in doc_years), None) or (
        doc_years[-1] if len(doc_years) == 1 or not years else None)
    return Slots(named=list(dict.fromkeys(named)), year=year, rest=_rest(reading))


def _rest(reading) -> str:
    """The question's words less its departments and years (written or relative); a year compared
    against (比去年) stays."""
    drop = [(m.start, m.end) for m in reading.mentions
            if m.kind in ("department", "unit", "year", "relative_year", "unknown_department")
            and not (m.kind in ("relative_year", "year") and compared_against(reading, m))]
    kept = "".join(ch for i, ch in enumerate(reading.text) if not any(a <= i < b for a, b in drop))
    return re.sub(r"^(?:和|与|跟|同|及)+", "", _LEAD.sub("", kept).lstrip("的,，"))


def complete(question: str, slots: Slots | None, catalog: Any) -> str:
    """The question standalone: what it leaves out taken from the slots of the turn before."""
    if slots is None or not slots.named:
        return question
    reading = read(question, catalog)
    res = reading.resolution
    core = _TAIL.sub("", _LEAD.sub("", reading.text))
    own = [m for m in reading.mentions if m.kind in ("department", "unit")]
    if res.department_named and not own:
        return question  # a department the store lacks: the engine says so
    if own:
        other = "".join(m.text for m in own)
        compare = _COMPARE.match(core)
        if compare and other in compare.group("other"):
            return f"{slots.named[0]}和{other}{slots.rest}"
        if len(core.replace(other, "")) <= 2 and not reading.of("year"):
            return f"{other}{slots.rest}"  # "那西工街道呢": the same question of another department
        return question
    if not (has_budget_words(question) or reading.content or reading.of("year") or reading.of("relative_year")):
        return question  # "asdf", "谢谢": nothing to complete
    year = _year(reading, slots)
    prefix = f"{''.join(slots.named)}{f'{year}年' if year else ''}"
    rest = _rest(reading)
    elliptical = not reading.content and not _asks(reading)
    return prefix + (slots.rest if elliptical else rest)


def _year(reading, slots: Slots) -> int | None:
    """The year asked: written, or relative to the document in context (去年 of a 2025 document
    is 2024), else the year in context."""
    written = [int(m.value) for m in reading.mentions
               if m.kind == "year" and m.value and m.value > 1900 and not compared_against(reading, m)]
    if written:
        return written[0]
    relative = [int(m.value) for m in reading.mentions if m.kind == "relative_year" and not compared_against(reading, m)]
    if relative and slots.year:
        return slots.year + relative[0]
    return slots.year


def _asks(reading) -> bool:
    """The question asks something of its own (a quantity, an operation), not only "…呢"."""
    return bool(reading.of("asked") or reading.of("operator") or reading.of("claim") or reading.of("constant"))


def question_text(text: str) -> str:
    return normalise_question(text)


def looks_elliptical(question: str) -> bool:
    """Whether a question is short or reads as a follow-up (那…, …呢)."""
    return len(question.strip()) <= 15 or bool(re.search(r"呢[？?]?$|^那", question.strip()))
