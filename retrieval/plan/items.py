"""The budget items a question names in one document, as plan leaves with their spans.

Three sources, all scored: the document's own entities linked by similarity (rows, projects,
narrative figures, columns), the measures of the whole budget (基本支出, 支出总计 …), and the
lexicon's plain words (公车 → 公务用车购置及运行费). Overlaps are kept as alternatives of one
span; the builders choose among them by what the plan needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.lookup import MEASURES, item_figure
from retrieval.plan.context import Context, Source
from retrieval.plan.records import Plan
from retrieval.question.linking import loose
from retrieval.understand import lexicon

GENERIC = {"项目", "合计", "小计", "总计", "金额", "单位", "部门", "预算", "支出", "收入", "资金", "车辆"}
# plain words for the whole budget (一年花多少钱, 全年预算): the measure they mean
WHOLE = {"全年预算": "支出总计", "全部支出": "支出总计", "所有支出": "支出总计", "支出总额": "支出总计",
         "总经费": "支出总计", "整体支出": "支出总计", "总预算": "支出总计", "预算总额": "支出总计", "部门预算": "支出总计",
         "全部预算": "支出总计", "总支出": "支出总计", "支出总计": "支出总计", "收入总计": "收入总计",
         "总收入": "收入总计", "收支总计": "支出总计", "预算总计": "支出总计"}


@dataclass
class Item:
    start: int
    end: int
    name: str  # as the document writes it
    leaf: Plan
    score: float
    kind: str  # row, project, fact, column, measure, lexicon, unit


def _leaf(src: Source, name: str, label: str | None = None) -> Plan | None:
    if item_figure(src.facts, name) is None:
        if name not in MEASURES and item_figure(src.facts, name + "合计") is not None:
            # "“三公”经费" is the row "“三公”经费合计" of a publisher's 三公 table
            return Plan(op="value", entity=src.key(f"item:{name}合计"), label=label or name)
        return None
    key = f"measure:{name}" if name in MEASURES else f"item:{name}"
    return Plan(op="value", entity=src.key(key), label=label or name)


def find_items(ctx: Context, src: Source, floor: float = 0.8) -> list[Item]:
    """Amount items named in the question, best first, overlapping spans included."""
    text = ctx.text
    found: list[Item] = []
    for word, measure in sorted(WHOLE.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(re.escape(word), text):
            leaf = _leaf(src, measure)
            if leaf:
                found.append(Item(m.start(), m.end(), measure, leaf, 0.95, "measure"))
    for measure in MEASURES:
        for m in re.finditer(re.escape(measure), text):
            leaf = _leaf(src, measure)
            if leaf:
                found.append(Item(m.start(), m.end(), measure, leaf, 1.0, "measure"))
    for word, terms in lexicon().items():
        for m in re.finditer(re.escape(word), text):
            for term in terms:
                leaf = _leaf(src, term)
                if leaf and term not in GENERIC:
                    found.append(Item(m.start(), m.end(), term, leaf, 0.85, "lexicon"))
                    break
    for c in src.links:
        if c.score < floor or c.kind in ("indicator", "unit") or loose(c.name) in GENERIC:
            continue
        if c.start < 0:
            continue  # linked through the lexicon's terms: the lexicon item above has the span
        leaf = _leaf(src, c.name)
        if leaf is None:
            continue
        # the span in the loose question maps back approximately: find the name in the text
        at = text.find(c.name)
        start, end = (at, at + len(c.name)) if at >= 0 else _span_in(text, c.name, c.start, c.end)
        found.append(Item(start, end, c.name, leaf, c.score, c.kind))
    best: dict[tuple[str], Item] = {}
    for item in sorted(found, key=lambda i: (-i.score, -(i.end - i.start))):
        best.setdefault((item.name,), item)
    return sorted(best.values(), key=lambda i: (-i.score, -(i.end - i.start), i.start))


def _span_in(text: str, name: str, start: int, end: int) -> tuple[int, int]:
    """The span of a loosely matched name: from its first to its last shared character pair."""
    # the name less its ending, as the question writes it ("一般公共预算支出" of "…支出合计")
    for k in range(len(name) - 1, max(2, len(name) * 2 // 3) - 1, -1):
        at = text.find(name[:k])
        if at >= 0:
            return at, at + k
    grams = [name[i:i + 2] for i in range(len(name) - 1)]
    hits = [text.find(g) for g in grams if g in text]
    if not hits:
        return start, end
    return min(hits), max(hits) + 2


def distinct(items: list[Item]) -> list[Item]:
    """Items whose spans do not overlap, the better one kept, in question order."""
    kept: list[Item] = []
    for item in items:
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda i: i.start)
