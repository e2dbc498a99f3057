"""Follow-up questions made standalone by rules: carry the department and year of the previous
question when the new one leaves them out ("那去年呢？", "和西工街道比呢？", "人员经费呢？")."""

from __future__ import annotations

import re
from typing import Any

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?:度)?")
_LAST_YEAR = re.compile(r"去年|上年|上一年|前一年")
_YEAR_BEFORE = re.compile(r"前年")
_FILLER = re.compile(r"^(?:那么|那|还有|再问一下|再问|请问)[，,]?|(?:呢|怎么样|如何|是多少)?[？?。！!]*$")
_COMPARE = re.compile(r"^(?:和|跟|与|同|对比|比较)(?P<other>.+?)(?:比|相比|比较|对比)?$")


def complete_followup(question: str, context: str | None, catalog: Any) -> str | None:
    """Fill in a follow-up from the previous (standalone) question by rules; None when it can't.

    "那去年呢？" after "西工区政府办2025年项目支出多少？" → "西工区政府办2024年项目支出多少？";
    "和西工街道比呢？" → "西工区政府办和西工街道项目支出多少？"; "那西工街道呢？" swaps the
    department; "人员经费呢？" asks about the previous department and year. A question that
    names its department and is not a bare comparison stands alone.
    """
    q = question.strip()
    if context is None:
        return q
    prev = catalog.resolve(context)
    named = [m for m in prev.documents if m.matched_text]
    res = catalog.resolve(q)
    core = _FILLER.sub("", q)
    if not named:
        return q if res.documents or res.department_named else None
    prev_span = named[0].matched_text
    spans = [m.matched_text for m in res.documents if m.matched_text]
    if spans:
        other = spans[0]
        compare = _COMPARE.match(core)
        if compare and other in compare.group("other"):
            # documents of different years compare: the year of one would exclude the other
            return _YEAR.sub("", context.replace(prev_span, f"{prev_span}和{other}", 1))
        if len(core.replace(other, "")) <= 2 and not res.years:
            return _YEAR.sub("", context).replace(prev_span, other, 1)
        return q
    if res.department_named:
        return q  # names a department the store lacks: the engine says so
    year = prev.years[0] if prev.years else named[0].year
    rest = _LAST_YEAR.sub("", _YEAR_BEFORE.sub("", _YEAR.sub("", core)))
    if res.years or _LAST_YEAR.search(core) or _YEAR_BEFORE.search(core):
        wanted = res.years[0] if res.years else year - (2 if _YEAR_BEFORE.search(core) else 1)
        if not rest.strip("的"):
            return _with_year(context, prev_span, wanted)
        return f"{prev_span}{wanted}年{rest}？"
    if not rest.strip():
        return None
    return f"{prev_span}{year}年{rest}{'' if rest.endswith(('？', '?')) else '？'}"


def _with_year(context: str, span: str, year: int) -> str:
    if _YEAR.search(context):
        return _YEAR.sub(f"{year}年", context, count=1)
    return context.replace(span, f"{span}{year}年", 1)


def looks_elliptical(question: str) -> bool:
    """Whether a question is short or reads as a follow-up (那…, …呢)."""
    return len(question.strip()) <= 15 or bool(re.search(r"呢[？?]?$|^那", question.strip()))
