"""Gates: a figure or verdict is stated only when the plan that produced it read the whole
question and gives the quantity asked.

Each executed plan is checked (`check`): the question's content words it leaves unread, the
operators it ignores (差多少 answered with one figure, 平均每月 with the year's total), a unit
inside the department, a table or code named and not used, a year other than the document's
that the plan does not compute, the kind of quantity (几倍 answered with 万元, 多少小时 with 个),
a claim with no verdict. Of the plans that pass, the best is stated when it is clearly best
(`choose`); close readings with other figures are offered instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.text import squeeze
from retrieval.plan.units import kind_of
from retrieval.plan.records import Interpretation, Result
from retrieval.question.mentions import vocabulary
from retrieval.question.reading import residue, strong
from retrieval.question.records import Asked, Reading

MARGIN = 0.05  # a best reading must beat a different-valued runner-up by this much
_PEOPLE = {"人", "名", "位", "人次"}
# a 决算's 预算数 asked for (年初预算, 调整预算): a figure of what was spent is not it
_BUDGET_ASKED = re.compile(r"预算数|年初预算|调整后?预算|预算是多少|预算多少|预算为多少|的预算(?!表)|"
                           r"(?:计划|原定|原本|本来|打算|准备)要?(?:花|用|安排|支出|预算)")
# words asking for a number: a sentence quoted is no answer to them
_QUANTITY = re.compile(r"多少|几|百分之|比例|占比|多大|几成|倍")
# claim words that ask for a verdict: a figure alone is no answer to them
_ASKS_VERDICT = re.compile(r"对吗|对不对|对么|是否正确|正确吗|是真的吗|真的吗|属实|是这样吗|对吧|是吧|没错吧|判断|核实|核查|准确吗|靠谱吗|可信吗")
# measure words that count the same things (350个单位 = 350家); 台, 辆, 条 … must match exactly
_SAME_COUNT = ({"个", "家", "所", "户", "项", "件"}, _PEOPLE)


@dataclass(frozen=True)
class Checked:
    """An executed plan and why it may not state its figure (`reasons` empty: it may)."""

    interp: Interpretation
    result: Result
    reasons: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # content words it leaves unread

    @property
    def passes(self) -> bool:
        return not self.reasons


def kind_fits(asked: Asked, kind: str, unit: str | None) -> bool:
    """The figure is the kind of quantity the question (or one of its parts) asks for."""
    if kind == "text" and asked.kind is None:
        return True
    if asked.kind is None or kind == "verdict" or "any" in asked.parts and kind != "text":
        return True
    kinds = set(asked.parts) or {asked.kind}
    if kind == "text":
        return bool(kinds & {"text", "time"})
    if kind not in kinds:
        return False
    if kind == "count" and asked.kind == "count" and asked.unit:
        units = set(asked.count_units) or {asked.unit}
        return unit in units or any({unit, u} <= group for u in units for group in _SAME_COUNT)
    return True


def items_fit(asked: Asked, result: Result) -> bool:
    """Figures side by side (预算数、决算数、完成的比例) fit a question whose parts ask for their kinds."""
    wanted = set(asked.parts) - {"any"} or ({asked.kind} if asked.kind else set())
    kinds = {kind_of(f.unit) for f in result.items}
    return result.kind == "text" and len(result.items) >= 2 and bool(wanted) and wanted <= kinds


def check(reading: Reading, interp: Interpretation, result: Result, doc_years: list[int],
          context: list[tuple[int, int]] = (), named: list[tuple[int, int, str]] = (),
          actual: bool = False, synonyms: list[list[tuple[int, int]]] = (), numbered: set[int] = frozenset()
          ) -> Checked:
    """Why this plan may not state its figure for this question.

    Args:
        reading: the question read.
        interp: the plan with the spans it reads.
        result: the plan executed.
        doc_years: the years of the documents the plan answers from.
        context: spans accounted for by the question's context (a restated figure of an item).
        named: tables the question names by title (start, end, title): the plan must read them.
        numbered: the table numbers the documents use (预算07表 → 7).
        actual: the documents are 决算 (what was spent): a question asking for it may be answered.
    """
    covered = list(interp.covered) + list(context)
    for group in synonyms:  # one naming of an item read: its other namings are read too
        if any(any(a <= x and y <= b for a, b in covered) for x, y in group):
            covered += group
    inside = lambda m: any(a <= m.start and m.end <= b for a, b in covered)  # noqa: E731
    cited = " ".join(f"{f.citation.table or ''}" for f in result.figures) + " ".join(
        c.table or "" for c in result.citations)
    quoted = " ".join(f.citation.quote for f in result.figures) + " ".join(c.quote for c in result.citations)
    reasons: list[str] = []
    said = (quoted + " ".join(result.texts)).replace(" ", "")
    worded = interp.plan.op in ("quote", "finding")
    unread = residue(reading, covered)
    if unread and interp.plan.op not in ("quote", "finding"):
        # a two-character word sharing a character with the names read (修好 ~ 修复) counts
        read_text = _read_text(interp, result)
        unread = [w for w in unread if not (len(w) == 2 and (w[0] in read_text or w[1] in read_text))]
        # a word the cited evidence itself writes (the table's title, the column, the indicator's
        # text: "值班补助" of a project's 补助人员 indicator) describes what was found: it is read
        # (a list's evidence is all of its lines: no word of it tells the list is the one asked)
        evidence = _evidence_text(result) if result.kind != "text" else ""
        unread = [w for w in unread if not (len(w) >= 2 and w in evidence)]
    if unread:
        reasons.append("文件中没有找到“" + "、".join(unread) + "”")
    for m in reading.of("operator"):
        if strong(m) and not inside(m) and not _inside_item(reading, m, covered):
            reasons.append(f"没有按“{m.text}”计算")
    for m in reading.of("unit"):  # a unit inside the department: the plan reads some of its name
        if not any(a < m.end and m.start < b for a, b in covered):
            reasons.append(f"问的是{m.text}，找到的数不是它的")
    for start, end, title in named:  # a table named: the figure must come from it
        if not any(a <= start and end <= b for a, b in covered) and title not in cited:
            reasons.append(f"没有用到问题所说的“{title}”")
    for m in reading.of("actual"):
        if not actual and not inside(m):
            reasons.append("问的是实际支出（决算），文件只有预算")
        elif actual and result.figures and all(_budget_figure(f) for f in result.figures) \
                and not _BUDGET_ASKED.search(reading.text):
            # a 决算 states the budget beside what was spent ("年初预算数为24.1亿元，决算数为24.5亿元")
            reasons.append("问的是决算数，找到的是预算数")
    if actual and _BUDGET_ASKED.search(reading.text) and result.figures and not any(
            "预算" in (f.citation.column or "") or "预算" in f.label or (
                f.citation.kind == "section" and "预算" in f.citation.quote and "决算" not in f.citation.quote)
            for f in result.figures):
        reasons.append("问的是预算数，找到的是决算数")
    for m in reading.of("constant"):
        if inside(m) or m.name in ("fraction", "threshold") or m.unit in ("年",) or (m.value == 1 and m.unit != "%"):
            continue
        counted = m.unit in ("个", "项") and m.value == len(result.items or result.figures)
        if m.name == "approx" and m.unit == "万元" and worded and any(
                m.value <= float(x) < 2 * m.value for x in re.findall(r"\d+(?:\.\d+)?", said)):
            continue  # "多了一百多万": the sentence states 155.64万元
        shown = re.sub(r"[^\d.]", "", m.text)  # the number the user gave, found in the evidence cited
        evidence = (quoted + " ".join(result.texts)).replace(" ", "")
        if not counted and not (shown and re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d])", evidence)):
            reasons.append(f"没有用到问题所给的“{m.text}”")
    for m in reading.of("period"):
        if not inside(m):
            reasons.append(f"问的是“{m.text}”的数，预算只有全年的数")
    for m in reading.of("code"):
        if not inside(m):
            reasons.append(f"没有用到问题所说的“{m.text}”")
    for m in reading.of("table"):  # a table this document numbers so: the figure must come from it
        if not inside(m) and not re.search(rf"0?{int(m.name)}表", cited) and int(m.name) in numbered:
            reasons.append(f"没有用到问题所说的“{m.text}”")
    for m in reading.of("relative_year"):  # a sentence about the change against last year speaks of it
        if worded and re.search(r"上年|去年|上一年|\d{4}年(?:相比|比)|与\d{4}年", said):
            continue
        if m.value and not inside(m):
            reasons.append(f"问的是{m.text}的数，找到的是本年的")
    for m in reading.of("year"):
        stock = (interp.builder == "stated_count" or worded) and f"{int(m.value or 0)}年" in said
        if m.value and doc_years and int(m.value) not in doc_years and not inside(m) \
                and not stock:  # "2022年期末…共有车辆3辆": the count the text states at that date
            reasons.append(f"问的是{int(m.value)}年，文件是{'、'.join(str(y) for y in doc_years)}年的")
    kind = "verdict" if result.verdict is not None else result.kind
    as_written = reading.asked.kind == "text" and any(f.text for f in result.figures) and interp.plan.op == "value"
    # "钱花在哪了", "包括哪些": the parts listed, each with its figure, answer in words
    as_written = as_written or reading.asked.kind == "text" and interp.plan.op == "list" and len(result.items) >= 2
    if interp.plan.op == "quote" and reading.asked.kind not in ("text", "time") and _QUANTITY.search(reading.text):
        reasons.append("问的是数字，找到的是一段文字")
    elif not as_written and not kind_fits(reading.asked, kind, result.unit) and not items_fit(reading.asked, result):
        reasons.append(f"问的是{_asked_words(reading.asked)}，找到的却是{result.unit or '文字'}")
    if reading.asked.kind is None and result.kind == "count" and interp.plan.op == "value" and any(
            m.name == "compare_which" for m in reading.of("operator")):
        reasons.append("问的是哪一个，找到的却是个数")  # "选了哪个项目": its name, not how many
    if result.verdict is None and re.search(vocabulary()["consistency"], reading.text):
        reasons.append("问的是是否一致，没有给出判断")
    claim = [m for m in reading.mentions if m.kind == "claim" and m.name == "cue"]
    if claim and result.verdict is None and (_stated(reading) or any(_ASKS_VERDICT.search(m.text) for m in claim)):
        reasons.append("没有核对说法中的数字" if _stated(reading) else "问的是说法对不对，没有给出判断")
    if result.verdict is not None and interp.plan.op in ("compare", "agree") \
            and reading.asked.kind in ("count", "percent", "ratio") and result.figures \
            and all(kind_of(f.unit) != reading.asked.kind for f in result.figures):
        reasons.append(f"问的是{_asked_words(reading.asked)}，比较的却是{result.figures[0].unit}")
    if result.kind == "percent" and result.value is not None and result.value > 100 and interp.plan.op == "share":
        reasons.append("算出的占比超过100%，部分和整体可能弄反了")
    return Checked(interp, result, reasons, unread)


def _read_text(interp: Interpretation, result: Result) -> str:
    """The names the plan read: its labels and its figures' labels."""
    def labels(plan) -> str:
        return plan.label + "".join(labels(a) for a in plan.args)
    return labels(interp.plan) + "".join(f.label for f in result.figures)


EVIDENCE_LINE = 80  # a cited line this short speaks of its figure; a longer passage of many things


def _evidence_text(result: Result) -> str:
    """What the cited sources write of the figures themselves: a table's title, the row and the
    column (not the row's other cells), the clause of a sentence that states the figure (not the
    items beside it: "一是购置费0.00万元，二是运行维护费4.60万元"), an indicator's line."""
    out = []
    for f in result.figures:
        c = f.citation
        if c.kind == "table" and c.table:
            out.append(f"{c.table}|{c.row or ''}|{c.column or ''}")
        elif len(c.quote) <= EVIDENCE_LINE:
            out += [part for part in re.split(r"[,，;；。:：]", c.quote) if _states(part, f.value)]
    return re.sub(r"\s+", "", "|".join(out))


def _budget_figure(f) -> bool:
    """A figure the document gives as planned (预算数, 年初, 调整预算), not as spent."""
    c = f.citation
    if c.kind == "table":
        said = f"{c.column or ''}{f.label}"
    else:
        said = "".join(part for part in re.split(r"[,，;；。]", c.quote) if _states(part, f.value))
    return bool(re.search(r"预算数|年初|调整预算|预算为|预算安排", said)) and "决算" not in said


def _states(clause: str, value: float) -> bool:
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", clause.replace(",", ""))]
    # written in 万元, 元 or 亿元
    return any(abs(n - value) < 1e-6 or abs(n - value * 10000) < 1e-3 or abs(n * 10000 - value) < 1e-3
               for n in numbers)


def _stated(reading: Reading) -> bool:
    return any(m.unit in ("万元", "%", "倍") for m in reading.of("constant")) or bool(
        re.search(r"是0|为0|是零|为零|没有安排|没安排|比.{1,20}(多|少|高|低)", reading.text))


def _inside_item(reading: Reading, m, covered) -> bool:
    """An operator word inside a longer word the plan read (占 of 占用, 平均 of 平均时间)."""
    return any(a <= m.start and m.end <= b and (b - a) > (m.end - m.start) for a, b in covered)


def _asked_words(asked: Asked) -> str:
    return {"ratio": "倍数", "percent": "比例", "count": f"数量（{asked.unit or '个'}）", "time": "时间",
            "amount": "金额", "text": "文字说明"}.get(asked.kind or "", "数字")


def choose(passed: list[Checked], asked: Asked | None = None, text: str = "") -> tuple[Checked | None, list[Checked]]:
    """The best reading when it is clear; else None and the close readings to offer.

    Words (a quoted sentence) answer only when no figure does, or when words are asked. In a
    several-part question ("合计多少？一共几个？") readings that answer different parts do not
    compete: only readings of the same kind of quantity are rivals. A reading that reads less of
    the question than another (its spans inside the other's) is no rival to it."""
    words = [c for c in passed if c.result.kind == "text" and c.interp.plan.op == "quote"]
    listed = [c for c in passed if c not in words and (  # lists (with or without their total), targets in words
        c.result.kind == "text" or c.interp.plan.op == "list" and len(c.result.items) >= 2)]
    figures = [c for c in passed if c not in words and c not in listed]
    if asked is not None and asked.kind == "text":
        pool = listed or words or figures  # the document's own list before a sentence about it
    else:
        pool = figures or listed or words
    ranked = sorted(pool, key=lambda c: (-c.interp.score, -_span(c)))
    if not ranked:
        return None, []
    best = ranked[0]
    parts = set(asked.parts) if asked else set()
    several = len(parts - {"any"}) >= 2
    rivals = [r for r in ranked[1:] if best.interp.score - r.interp.score < MARGIN
              and not same(best.result, r.result) and not (several and r.result.kind != best.result.kind)
              and not _reads_less(r, best) and not _named_exactly(best, r, text)]
    # the same words read as a table's figure and as the text's: the table lists what the text sums
    # up, so its figure stands and the text's is noted
    if rivals and _tabled(best) and all(_worded(r) and _chars(r) == _chars(best) for r in rivals):
        rivals = []
    elif rivals and _worded(best) and any(_tabled(r) and _chars(r) == _chars(best) for r in rivals) and all(
            (_worded(r) or _tabled(r)) and _chars(r) == _chars(best) for r in rivals):
        best = next(r for r in rivals if _tabled(r))
        rivals = [r for r in ranked if r is not best and not same(best.result, r.result) and not _worded(r)
                  and best.interp.score - r.interp.score < MARGIN and not _reads_less(r, best)]
    if rivals and any(_reads_less(best, r) for r in rivals):
        best = max(rivals, key=_span)
        rivals = [r for r in ranked if r is not best and best.interp.score - r.interp.score < MARGIN
                  and not same(best.result, r.result) and not _reads_less(r, best)]
    if rivals:
        return None, _distinct([best, *rivals])[:3]
    # the same figure read with more of the question's words ("实际" → its 决算数 column) says
    # better what it is
    twins = [r for r in ranked if same(best.result, r.result) and _reads_less(best, r)]
    return (max(twins, key=_span) if twins else best), []


def _tabled(c: Checked) -> bool:
    return bool(c.result.figures) and all(f.citation.kind == "table" for f in c.result.figures)


def _worded(c: Checked) -> bool:
    return bool(c.result.figures) and all(f.citation.kind == "section" for f in c.result.figures)


def text_differs(best: Checked, passed: list[Checked]) -> Checked | None:
    """A figure the text states for what the chosen table figure reads, when they differ."""
    if not _tabled(best):
        return None
    return next((r for r in passed if _worded(r) and r.result.value is not None and _chars(r) == _chars(best)
                 and not same(r.result, best.result) and r.result.verdict is None
                 and abs(r.interp.score - best.interp.score) < MARGIN), None)


def _named_exactly(best: Checked, other: Checked, text: str) -> bool:
    """The question writes the best reading's item by its exact name ("公务用车购置"); an item
    whose name says more ("公务用车购置及运行维护费") is not what was written."""
    if not text or best.interp.plan.op != "value" or other.interp.plan.op != "value":
        return False
    name = squeeze(best.interp.plan.label)
    # a note in brackets ("政府购买服务(8人)") qualifies the same item; it names no wider one
    wider = re.sub(r"[(（][^()（）]*[)）]", "", squeeze(other.interp.plan.label))
    return len(name) >= 3 and name in squeeze(text) and name in wider and len(wider) > len(name) \
        and wider not in squeeze(text)


def _chars(c: Checked) -> set[int]:
    return {i for a, b in c.interp.covered for i in range(a, b)}


def _span(c: Checked) -> int:
    return len(_chars(c))


def _reads_less(a: Checked, b: Checked) -> bool:
    """a reads a strict part of what b reads."""
    ca, cb = _chars(a), _chars(b)
    return ca < cb and len(cb) - len(ca) >= 2


def _distinct(options: list[Checked]) -> list[Checked]:
    out: list[Checked] = []
    for o in options:
        if not any(same(o.result, k.result) for k in out):
            out.append(o)
    return out


def same(a: Result, b: Result) -> bool:
    if a.verdict is not None or b.verdict is not None:
        return a.verdict == b.verdict and _close(a.value, b.value)
    if a.kind == "text" and b.kind == "text":
        return a.texts == b.texts
    return _units_agree(a.unit, b.unit) and _close(_wan(a), _wan(b))


def _units_agree(a: str | None, b: str | None) -> bool:
    return a == b or {a, b} <= {"万元", "元", "亿元"}


def _wan(r: Result) -> float | None:
    if r.value is None:
        return None
    return r.value * {"亿元": 10000.0, "元": 0.0001}.get(r.unit or "", 1.0)


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return abs(x - y) <= max(0.005, 0.001 * abs(x))


# how much less sure an answer is for what it needs beyond one lookup (each a chance to misread)
PARTS_FACTOR = 0.9  # a question of several parts, each read on its own
VERDICT_FACTOR = 0.95  # a verdict: the figure and the claim's relation both read
COMPUTED_FACTOR = 0.97  # arithmetic on two figures or more: each one linked


def confidence(best: Checked, passed: list[Checked]) -> float:
    """How sure the stated figure is: the plan's score, less when another reading that also read
    the whole question gives another figure (the closer, the less), less for a verdict or a figure
    computed from several."""
    others = [r.interp.score for r in passed if r is not best and not same(r.result, best.result)]
    margin = best.interp.score - max(others, default=0.0)
    score = best.interp.score - max(0.0, 0.15 - margin)
    if best.result.verdict is not None:
        score *= VERDICT_FACTOR
    if best.interp.plan.op in ("sum", "difference", "ratio", "share", "divide", "times", "growth", "previous"):
        score *= COMPUTED_FACTOR
    return round(max(0.0, min(1.0, score)), 3)
