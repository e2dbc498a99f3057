"""The budget items a question names in one document, as plan leaves with their spans.

Four sources, all scored: plain words for the whole budget (全年预算), the measures of the whole
budget (基本支出, 支出总计 …), the lexicon's plain words (公车 → 公务用车运行维护费), and the
document's own entities linked by similarity (rows, projects, narrative figures, columns).
Overlaps are kept as alternatives of one span; the builders choose among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.plan.context import Context, Source
from retrieval.plan.figures import MEASURES, item_figure
from retrieval.plan.records import Plan
from retrieval.question.linking import loose
from retrieval.question.mentions import lexicon

GENERIC = {"项目", "合计", "小计", "总计", "金额", "单位", "部门", "预算", "支出", "收入", "资金", "车辆"}
# plain words for the whole budget (全年预算, 总支出): the measure they mean
WHOLE = {"全年预算": "支出总计", "全部支出": "支出总计", "所有支出": "支出总计", "支出总额": "支出总计",
         "总经费": "支出总计", "整体支出": "支出总计", "总预算": "支出总计", "预算总额": "支出总计", "部门预算": "支出总计",
         "全部预算": "支出总计", "总支出": "支出总计", "支出总计": "支出总计", "收入总计": "收入总计",
         "总收入": "收入总计", "收支总计": "收支总计", "预算总计": "支出总计", "收支总额": "收支总计",
         "收入预算": "收入总计", "支出预算": "支出总计", "预算规模": "支出总计", "收支预算总计": "收支总计",
         "收支预算": "收支总计", "预算收支总计": "收支总计", "收支规模": "收支总计", "总盘子": "支出总计",
         "盘子": "支出总计", "全年经费": "支出总计", "总的预算": "支出总计", "部门总预算": "支出总计"}


# the head noun after an item's name ("“办公经费—维修费”这个项目", "机关服务科目"): part of naming it
_HEAD = re.compile(r"^[”\"」』)）]*(?:这个|那个|这一|该|这)?(?:项目|科目|款项|这一项|这项|一项|专项)")
# the department's own budget unit (its code ends 001): "机关本级", "局机关"
_OWN_UNIT = re.compile(r"机关本级|本级机关|局机关本级|局机关|局本级|机关本身|本级")


def extend(text: str, start: int, end: int) -> tuple[int, int]:
    """An item's span with the head noun that follows its name."""
    m = _HEAD.match(text[end:])
    return start, end + (m.end() if m else 0)


@dataclass(frozen=True)
class Item:
    start: int
    end: int
    name: str  # as the document writes it
    leaf: Plan
    score: float
    kind: str  # row, project, fact, column, measure, lexicon, unit


def _figure(src: Source, name: str):
    """An item's figure in the document, found once per document and name."""
    cache = src.facts.__dict__.setdefault("_item_figures", {})
    if name not in cache:
        cache[name] = item_figure(src.facts, name)
    return cache[name]


def leaf_for(src: Source, name: str, label: str | None = None) -> Plan | None:
    """The plan leaf of an item's amount in this document, or None when it has none."""
    if _figure(src, name) is None:
        if name not in MEASURES and _figure(src, name + "合计") is not None:
            # "“三公”经费" is the row "“三公”经费合计" of a publisher's 三公 table
            return Plan(op="value", entity=src.key(f"item:{name}合计"), label=label or name)
        return None
    key = f"measure:{name}" if name in MEASURES else f"item:{name}"
    return Plan(op="value", entity=src.key(key), label=label or name)


def find_items(ctx: Context, src: Source, floor: float = 0.8) -> list[Item]:
    """Amount items named in the question, best first, overlapping spans included (found once per
    question and document: every builder asks)."""
    key = (id(ctx.reading), ctx.text, src.doc_id, floor, tuple((c.entity, c.start) for c in src.links))
    found = _ITEMS.get(key)
    if found is None:
        if len(_ITEMS) > 256:
            _ITEMS.clear()
        found = _ITEMS[key] = _find_items(ctx, src, floor)
    return found


_ITEMS: dict = {}


def _find_items(ctx: Context, src: Source, floor: float) -> list[Item]:
    text = ctx.text
    found = _found(ctx, src, floor)
    best: dict[str, Item] = {}
    for item in sorted(found, key=lambda i: (-i.score, -(i.end - i.start))):
        kept = best.get(item.name)
        if kept is None:
            best[item.name] = item
        elif item.start < kept.end and kept.start < item.end or _adjacent(text, kept, item):
            # the same item read from overlapping words ("行政(事业)单位机构运转经费" by the lexicon,
            # "机构运转经费" by its name): it reads all of them
            best[item.name] = Item(min(kept.start, item.start), max(kept.end, item.end), kept.name, kept.leaf,
                                   kept.score, kept.kind)
    return sorted(best.values(), key=lambda i: (-i.score, -(i.end - i.start), i.start))


def _found(ctx: Context, src: Source, floor: float) -> list[Item]:
    text = ctx.text
    found: list[Item] = []
    for word, measure in sorted(WHOLE.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(re.escape(word), text):
            leaf = leaf_for(src, measure)
            if leaf:
                found.append(Item(m.start(), m.end(), measure, leaf, 0.95, "measure"))
    for measure in MEASURES:
        for m in re.finditer(re.escape(measure), text):
            leaf = leaf_for(src, measure)
            if leaf:
                found.append(Item(m.start(), m.end(), measure, leaf, 1.0, "measure"))
    for word, terms in lexicon().items():
        for m in re.finditer(re.escape(word), text):
            for term in terms:
                leaf = leaf_for(src, term)
                if leaf and term not in GENERIC:
                    found.append(Item(m.start(), m.end(), term, leaf, 0.9, "lexicon"))
                    break
    for c in src.links:
        if c.score < floor or c.kind in ("indicator", "indicator_project") or loose(c.name) in GENERIC or c.start < 0:
            continue
        if c.kind == "unit":  # a budget unit inside the department: its row's total
            if c.name != src.department:
                leaf = Plan(op="value", entity=src.key(c.entity), label=c.name)
                found.append(Item(*extend(text, c.start, c.end), c.name, leaf, c.score, "unit"))
            continue
        leaf = leaf_for(src, c.name)
        if leaf is None:
            continue
        found.append(Item(*extend(text, c.start, c.end), c.name, leaf, c.score, c.kind))
    for m in _OWN_UNIT.finditer(text):
        own = [e for e in src.index.entities if e.kind == "unit" and e.name == src.department
               and e.code and len(e.code) > 3]
        if own:
            leaf = Plan(op="value", entity=src.key(own[0].key), label=f"{src.department}机关本级")
            found.append(Item(m.start(), m.end(), "机关本级", leaf, 0.95, "unit"))
    found += _coordinated(ctx, src, found, floor)
    return _explained([_described(ctx, i) for i in found], text)


_AND = re.compile(r"[和与及、跟]|以及")


def _coordinated(ctx: Context, src: Source, found: list[Item], floor: float) -> list[Item]:
    """"公务用车购置和运行维护": a second item written without the head it shares with the first
    (公务用车); it is linked with that head put back, and reads its own words."""
    text, out = ctx.text, []
    for item in found:
        m = _AND.match(text, item.end)
        run = next((r for r in ctx.reading.content if m and r.start <= m.end() < r.end), None)
        if m is None or run is None or any(i.start <= m.end() < i.end for i in found):
            continue
        written, rest = text[item.start:item.end], text[m.end():run.end]
        for k in range(len(written) - 1, 1, -1):
            joined = written[:k] + rest
            links = [c for c in src.index.link(joined) if c.score >= floor and c.end > k and c.start < k
                     and c.kind not in ("indicator", "indicator_project") and c.name != item.name]
            leaf = next(((c, leaf) for c in links if (leaf := leaf_for(src, c.name))), None)
            if leaf:
                c, plan = leaf
                out.append(Item(m.end(), m.end() + c.end - k, c.name, plan, round(c.score * 0.98, 3), c.kind))
                break
    return out


def _explained(found: list[Item], text: str) -> list[Item]:
    """"养人（基本支出）": the name in brackets says what the plain word before it means; the plain
    word's own reading is dropped and the bracketed item reads both."""
    out = list(found)
    for b in found:
        if not re.match(r"[)）]", text[b.end:b.end + 1]) or not re.search(r"[(（]$", text[:b.start]):
            continue
        plain = [a for a in found if a.end == b.start - 1 and a.name != b.name]
        if plain:
            out = [i for i in out if i not in plain and i is not b]
            out.append(Item(min(a.start for a in plain), b.end + 1, b.name, b.leaf, b.score, b.kind))
    return out



_DESCRIBED = re.compile(r"(?:这些|这类|这种|之类的?|等等|等)的?[“\"「]?$")


def _described(ctx: Context, item: Item) -> Item:
    """"发工资交社保这些人员经费": the words before 这些 describe the item; it reads them too."""
    before = ctx.text[:item.start]
    m = _DESCRIBED.search(before)
    if not m:
        return item
    limit = max((x.end for x in ctx.reading.mentions if x.end <= m.start()
                 and x.kind in ("department", "unit", "year", "relative_year", "asked", "constant", "claim")),
                default=0)
    return Item(limit, item.end, item.name, item.leaf, item.score, item.kind)


def scope(ctx: Context, src: Source, items: list[Item]) -> tuple[Item, str] | None:
    """A whole named before the items asked ("一般公共预算基本支出中，离休费和退休费"): the whole, and
    the word its tables are named by (基本支出 → 基本), when the later items have rows there."""
    for whole in sorted(items, key=lambda i: i.start):
        after = ctx.text[whole.end:whole.end + 4]
        if not re.match(r"(?:中的|里的|中|里|当中的?|之中的?|下的|下面的|里面的|里头)[,，]?", after):
            continue
        core = whole.name.removesuffix("支出").removesuffix("经费").removesuffix("预算")
        tables = [t for t in src.facts.tables if len(core) >= 2 and core in t.title]
        if tables:
            return whole, core
    return None


def leaf_in(src: Source, name: str, core: str) -> Plan | None:
    """The item's row in a table named by `core` (办公费 of the 基本支出 table, not of all spending)."""
    for table in src.facts.tables:
        if core not in table.title:
            continue
        for row in table.rows:
            if not row.is_total and loose(row.label) == loose(name) and any(c.value is not None for c in row.cells):
                return Plan(op="value", entity=src.key(f"row:{table.table_id}:{row.index}"),
                            label=f"{table.title}·{name}")
    return None


def code_spans(ctx: Context, src: Source, name: str, entity: str | None = None) -> list[tuple[int, int]]:
    """The codes written in the question that are the code of the item's rows ("办公费（302 01）"),
    or of the entity itself (机关本级 113001)."""
    return [(m.start, m.end) for m in ctx.mentions("code")
            if any(loose(e.name) == loose(name) or (entity and src.key(e.key) == entity)
                   for e in src.index.by_code(m.name))]


def distinct(items: list[Item]) -> list[Item]:
    """Items whose spans do not overlap, the better one kept, in question order."""
    kept: list[Item] = []
    for item in items:
        if all(item.end <= k.start or item.start >= k.end for k in kept):
            kept.append(item)
    return sorted(kept, key=lambda i: i.start)


def _adjacent(text: str, a: Item, b: Item) -> bool:
    """Two namings of one item side by side ("请客吃饭（公务接待）"): one span reads both."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    return bool(re.fullmatch(r"[(（“\"、,，]?|[)）”\"]?[(（]?", text[first.end:second.start]))


def synonyms(ctx: Context, src: Source) -> list[list[tuple[int, int]]]:
    """Spans naming the same item apart in the question ("公车…这辆公务用车"): read one, read all."""
    groups: dict[str, list[tuple[int, int]]] = {}
    for item in _found(ctx, src, 0.8):
        groups.setdefault(item.name, []).append((item.start, item.end))
    return [g for g in groups.values() if len(g) > 1]


def restated(ctx: Context, src: Source) -> list[tuple[int, int]]:
    """Items the question names beside their own figure ("178.46万元的服务群众专项经费", "三公经费
    2.40万元里"): the figure only says which item is meant, so the item and its figure are
    accounted for whatever the plan (a figure that differs is a claim to judge, not context)."""
    out = []
    amounts = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.value]
    if any(m.kind == "claim" and m.name == "cue" for m in ctx.reading.mentions) and amounts:
        amounts = amounts[:-1]  # a claim's last figure is what is claimed, to be judged, not context
    if not amounts:
        return out
    for item in find_items(ctx, src):
        if item.score < 0.9:
            continue
        figure = item_figure(src.facts, item.name)
        if figure is None or figure.unit != "万元":
            continue
        for m in amounts:
            near = 0 <= item.start - m.end <= 3 or 0 <= m.start - item.end <= 3
            if near and abs(figure.value - m.value) <= max(0.01, 0.005 * abs(figure.value)):
                out += [(min(item.start, m.start), max(item.end, m.end))]
    return out
