"""Score answers against gold items by the rules of ../shared/eval/README.md, and report.

An item passes when `score` finds no reason to fail it. Rules, in order:
1. `answerable` equals the gold; for unanswerable items `value` must also be null, and that is all.
2. Gold `value` not null: the answer's value, in the gold unit, is within max(0.01, 0.1% of |gold|).
3. Gold `verdict` not null: the answer's verdict equals it.
4. Every `must_contain` string occurs in the normalised answer text.
5. The citations name every gold document (department and year).

Wrong-confident answers are counted apart (README): marked answerable with a `value` or
`verdict` that is wrong, or any figure or verdict stated for an unanswerable item.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from indexer.read.load import NotABudgetDocument, UnreadableFile, read_source
from indexer.parse.metadata import read_metadata
from retrieval.records import Answer

# the README's category order, for the report
CATEGORIES = (
    "lookup", "computed", "compare", "indicator", "narrative",
    "plain", "factcheck", "consistency", "unanswerable",
)
# amount units in 元; only these convert among themselves (README rule 2)
_IN_YUAN = {"元": 1.0, "万元": 1e4, "亿元": 1e8}
# "percent values are percentage points": a difference of shares may be written either way
_PERCENT_UNITS = {"%", "个百分点", "百分点"}
_ABSOLUTE_TOLERANCE = 0.01
_RELATIVE_TOLERANCE = 0.001
_FLOAT_SLACK = 1e-9  # 293.88 - 293.87 is 0.0100000000000193 in floats: still within 0.01
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_WHITESPACE = re.compile(r"\s+")


class MismatchedAnswers(Exception):
    """The answers do not line up with the gold items (count or question differs)."""


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryResult(Record):
    total: int = 0
    passed: int = 0

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


class Failure(Record):
    id: str
    category: str
    question: str
    reasons: list[str]


class Report(Record):
    categories: dict[str, CategoryResult] = Field(default_factory=dict)
    overall: CategoryResult = Field(default_factory=CategoryResult)
    failures: list[Failure] = Field(default_factory=list)
    wrong_confident: list[str] = Field(default_factory=list)  # ids, see `wrong_confident`


def normalise_text(s: str) -> str:
    """Full-width to half-width, remove all whitespace, write ≥ and ≤ as >= and <=."""
    s = _WHITESPACE.sub("", s.translate(_FULL_WIDTH))
    return s.replace("≥", ">=").replace("≤", "<=")


def _normalise_unit(unit: str | None) -> str | None:
    return normalise_text(unit) if unit is not None else None


def to_unit(value: float, unit: str | None, gold_unit: str | None) -> float | None:
    """Express `value` (in `unit`) in `gold_unit`; None when the two units cannot be compared.

    Args:
        value: the answer's number.
        unit: the answer's unit, or None.
        gold_unit: the gold item's unit, or None.

    Returns:
        The value in the gold unit. 元/万元/亿元 convert among themselves; "%" and 百分点 are
        the same number; any other unit (e.g. "万元/人", "个") must equal the gold unit as a
        string. A missing unit matches only a missing gold unit.
    """
    unit, gold_unit = _normalise_unit(unit), _normalise_unit(gold_unit)
    if unit == gold_unit:
        return value
    if unit is None or gold_unit is None:
        return None
    if unit in _IN_YUAN and gold_unit in _IN_YUAN:
        return value * _IN_YUAN[unit] / _IN_YUAN[gold_unit]
    if unit in _PERCENT_UNITS and gold_unit in _PERCENT_UNITS:
        return value
    return None


def _fmt(value: float) -> str:
    """Write a number without float noise: 293.88, 2938800, 0.5."""
    return f"{value:.10g}"


def _with_unit(value: float, unit: str | None) -> str:
    return f"{_fmt(value)} {unit}" if unit else _fmt(value)


def _as_number(value: object) -> float | None:
    """The answer's value as a float; None when it is not a finite number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _value_reasons(gold: Mapping, answer: Mapping) -> list[str]:
    reasons = _headline_reasons(gold, answer)
    if reasons and _other_part_accepted(gold, answer):
        return []
    return reasons


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _other_part_accepted(gold: Mapping, answer: Mapping) -> bool:
    """README: a several-part answer may lead with another part's figure when that figure is
    one of the gold `must_contain` strings and the text also states the gold value."""
    value = _as_number(answer.get("value"))
    if value is None:
        return False
    listed = {float(n) for s in gold.get("must_contain") or [] for n in _NUMBER.findall(normalise_text(s))}
    if not any(abs(value - n) <= _ABSOLUTE_TOLERANCE for n in listed):
        return False
    text = normalise_text(answer.get("answer") or "").replace(",", "")
    stated = {float(n) for n in _NUMBER.findall(text)}
    gold_value = abs(float(gold["value"]))
    tolerance = max(_ABSOLUTE_TOLERANCE, _RELATIVE_TOLERANCE * gold_value)
    return any(abs(abs(n) - gold_value) <= tolerance + _FLOAT_SLACK for n in stated)


def wrong_confident(gold: Mapping, answer: Mapping | Answer) -> bool:
    """The worst outcome: a figure or verdict stated as the answer, and wrong (README)."""
    if isinstance(answer, Answer):
        answer = answer.contract()
    stated_value = answer.get("value") is not None
    stated_verdict = answer.get("verdict") is not None
    if not gold["answerable"]:
        return stated_value or stated_verdict
    if answer.get("answerable") is not True:
        return False
    if stated_value and gold.get("value") is not None and _value_reasons(gold, answer):
        return True
    return stated_verdict and gold.get("verdict") is not None and answer.get("verdict") is not gold["verdict"]


def _headline_reasons(gold: Mapping, answer: Mapping) -> list[str]:
    gold_value, gold_unit = float(gold["value"]), gold.get("unit")
    wanted = _with_unit(gold_value, gold_unit)
    raw, unit = answer.get("value"), answer.get("unit")
    if raw is None:
        return [f"value missing, gold {wanted}"]
    value = _as_number(raw)
    if value is None:
        return [f"value {raw!r} is not a number, gold {wanted}"]
    converted = to_unit(value, unit, gold_unit)
    given = _with_unit(value, unit)
    if converted is None:
        return [f"unit {unit} of value {given} cannot be compared with gold unit {gold_unit}"]
    if converted != value or _normalise_unit(unit) != _normalise_unit(gold_unit):
        given = f"{given} (= {_with_unit(converted, gold_unit)})"
    target = gold_value
    if gold.get("value_sign_free"):
        converted, target = abs(converted), abs(gold_value)
    tolerance = max(_ABSOLUTE_TOLERANCE, _RELATIVE_TOLERANCE * abs(gold_value))
    if abs(converted - target) > tolerance + _FLOAT_SLACK:
        sign_note = " (sign ignored)" if gold.get("value_sign_free") else ""
        return [f"value {given} ≠ gold {wanted}{sign_note}"]
    return []


def _citation_key(citation: Mapping) -> tuple[str, int] | None:
    department, year = citation.get("department"), citation.get("year")
    if not isinstance(department, str) or isinstance(year, bool):
        return None
    try:
        return normalise_text(department), int(year)
    except (TypeError, ValueError):
        return None


def _citation_reasons(
    gold: Mapping, answer: Mapping, documents: Mapping[str, tuple[str, int]]
) -> list[str]:
    cited = {
        key
        for c in answer.get("citations") or []
        if isinstance(c, Mapping) and (key := _citation_key(c)) is not None
    }
    reasons = []
    for doc in gold.get("docs") or []:
        if doc not in documents:
            reasons.append(f"gold document {doc} has no (department, year) in the documents mapping")
            continue
        department, year = documents[doc]
        if (normalise_text(department), int(year)) not in cited:
            reasons.append(f"no citation of gold document {doc} ({department} {year})")
    return reasons


def score(
    gold: Mapping, answer: Mapping | Answer, documents: Mapping[str, tuple[str, int]]
) -> list[str]:
    """Find why an answer fails its gold item.

    Args:
        gold: one dev.jsonl item.
        answer: the answer, as the contract's JSON object (or an Answer record).
        documents: corpus file name -> (department, year), covering the gold item's `docs`.

    Returns:
        One short English sentence per failed rule, in rule order; an empty list when it passes.
    """
    if isinstance(answer, Answer):
        answer = answer.contract()
    reasons = []
    gold_answerable = bool(gold["answerable"])
    if answer.get("answerable") is not gold_answerable:
        reasons.append(f"answerable {answer.get('answerable')} ≠ gold {gold_answerable}")
    if not gold_answerable:
        if answer.get("value") is not None:
            reasons.append(f"value {answer.get('value')!r} given for an unanswerable question")
        return reasons
    if gold.get("value") is not None:
        reasons += _value_reasons(gold, answer)
    if gold.get("verdict") is not None and answer.get("verdict") is not gold["verdict"]:
        reasons.append(f"verdict {answer.get('verdict')} ≠ gold {gold['verdict']}")
    text = normalise_text(answer.get("answer") or "")
    for needle in gold.get("must_contain") or []:
        if normalise_text(needle) not in text:
            reasons.append(f"answer lacks '{needle}'")
    reasons += _citation_reasons(gold, answer, documents)
    return reasons


def _aligned(gold_items: Sequence[Mapping], answers: Sequence[Mapping]) -> None:
    """Raise MismatchedAnswers unless answer i is for gold question i."""
    if len(gold_items) != len(answers):
        raise MismatchedAnswers(f"{len(answers)} answers for {len(gold_items)} gold items")
    for gold, answer in zip(gold_items, answers):
        asked = answer.get("question")
        if asked and normalise_text(asked) != normalise_text(gold["question"]):
            raise MismatchedAnswers(f"answer to {asked!r} is in the place of gold item {gold['id']}")


def evaluate(
    gold_items: Sequence[Mapping],
    answers: Sequence[Mapping | Answer],
    documents: Mapping[str, tuple[str, int]],
) -> Report:
    """Score every answer against its gold item and total the passes per category.

    Args:
        gold_items: dev.jsonl items, in order.
        answers: one answer per gold item, in the same order (contract JSON or Answer records).
        documents: corpus file name -> (department, year); see `documents_from_corpus`.

    Returns:
        The Report: totals and passes per category and overall, and every failure with its reasons.

    Raises:
        MismatchedAnswers: the answers are fewer or more than the items, or answer a different
            question than the item in their place.
    """
    answers = [a.contract() if isinstance(a, Answer) else a for a in answers]
    _aligned(gold_items, answers)
    report = Report()
    for gold, answer in zip(gold_items, answers):
        category = gold["category"]
        totals = report.categories.setdefault(category, CategoryResult())
        reasons = score(gold, answer, documents)
        if wrong_confident(gold, answer):
            report.wrong_confident.append(gold["id"])
        totals.total += 1
        report.overall.total += 1
        if reasons:
            report.failures.append(
                Failure(id=gold["id"], category=category, question=gold["question"], reasons=reasons)
            )
        else:
            totals.passed += 1
            report.overall.passed += 1
    return report


def _line(name: str, result: CategoryResult) -> str:
    return f"{name:<12}{result.passed:>3}/{result.total:<4}{100 * result.rate:5.1f}%"


def format_report(report: Report) -> str:
    """Render pass rates per category (README order) and overall, then each failure's reasons."""
    order = [c for c in CATEGORIES if c in report.categories]
    order += [c for c in report.categories if c not in CATEGORIES]
    lines = [_line(c, report.categories[c]) for c in order]
    lines.append(_line("overall", report.overall))
    wrong = report.wrong_confident
    lines.append(f"wrong-confident {len(wrong)}/{report.overall.total}"
                 + (f": {', '.join(wrong)}" if wrong else ""))
    if report.failures:
        lines += ["", f"Failures ({len(report.failures)}):"]
    for failure in report.failures:
        mark = " WRONG-CONFIDENT" if failure.id in wrong else ""
        lines.append(f"{failure.id} [{failure.category}]{mark} {failure.question}")
        lines += [f"  - {reason}" for reason in failure.reasons]
    return "\n".join(lines)


def gold_documents(gold_items: Iterable[Mapping]) -> set[str]:
    """Collect every corpus file name the gold items mention."""
    return {doc for item in gold_items for doc in item.get("docs") or []}


def documents_from_corpus(
    corpus_dir: Path, names: Iterable[str] | None = None
) -> dict[str, tuple[str, int]]:
    """Map corpus file names to (department, year) read from each file's own text.

    Args:
        corpus_dir: the folder of corpus files (../shared/corpus).
        names: only these file names (e.g. `gold_documents(items)`); default every file.

    Returns:
        file name -> (department, year). Files that are not readable budget documents (the
        folder's README.md) and names absent from the folder are left out: `score` then fails
        the items citing them with that reason.
    """
    paths = (
        sorted(p for p in corpus_dir.iterdir() if p.is_file())
        if names is None
        else [corpus_dir / n for n in sorted(set(names)) if (corpus_dir / n).is_file()]
    )
    mapping = {}
    for path in paths:
        try:
            meta = read_metadata(read_source(path).lines)
        except (UnreadableFile, NotABudgetDocument):
            continue
        mapping[path.name] = (meta.department, meta.year)
    return mapping
