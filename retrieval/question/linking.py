"""Link the words of a question to a document's entities by ranked similarity, not by exact
substrings: rows (with their table and code), columns, projects, indicators, narrative figures and
budget units, each scored by the share of its name's character pairs the question contains,
weighted by how rare each pair is among the document's names (so 支出, 经费 weigh little)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from retrieval.facts import DocFacts, RowRef, plain_label
from retrieval.question.names import parse_name, region_aliases
from retrieval.question.records import Candidate

_BARE_TOTALS = ("合计", "总计", "小计", "共计", "总额")
_STRIP = re.compile(r"[()（）“”\"《》「」、\-—－_·.:：,，]")


def loose(text: str) -> str:
    return _STRIP.sub("", plain_label(text)).lower()


def _named(name: str) -> str:
    """What a row or a stated figure names: "一般公共预算支出合计" and "“三公”经费合计" name
    the 一般公共预算支出 and the 三公经费 (a question seldom says 合计)."""
    text = loose(name)
    stem = text.removesuffix("合计")
    return stem if len(stem) >= 4 and stem != text else text


def loose_with_offsets(text: str) -> tuple[str, list[int]]:
    """The text as `loose` writes names (no brackets, quotes or separators; lower case), with the
    offset in `text` of each character kept, so a match maps back to the question's own span."""
    kept, offsets = [], []
    for i, ch in enumerate(text):
        if _STRIP.match(ch):
            continue
        kept.append(ch.lower())
        offsets.append(i)
    return "".join(kept), offsets


_GENERIC_ENDS = ("专项经费", "工作经费", "经费", "费用", "支出", "资金", "费")


def _beside(c: Candidate, exact: list[tuple[int, int]]) -> Candidate:
    if c.evidence == "exact":
        return c
    for a, b in exact:
        if a == c.start and b < c.end:
            return c.model_copy(update={"start": b})
        if b == c.end and a > c.start:
            return c.model_copy(update={"end": a})
    return c


def _places(department: str) -> list[str]:
    """The place names a department's own names begin with (洛阳市西工区 → 洛阳市, 西工区, 西工)."""
    dept = parse_name(department)
    names = {a for place, level in dept.regions for a in region_aliases(place, level)}
    names |= {"".join(p + lv for p, lv in dept.regions[:k]) for k in range(1, len(dept.regions) + 1)}
    return sorted((loose(n) for n in names if len(n) >= 2), key=len, reverse=True)


def _aliases(e: "Entity", places: list[str]) -> tuple[str, ...]:
    """Shorter names of an entity: without its generic ending (公务接待费 → 公务接待), without the
    place its name begins with (西工区信创工程资金 → 信创工程资金)."""
    if e.kind in ("column", "indicator"):
        return ()
    out = []
    name = e.loose
    stripped = name
    for place in places:  # 洛阳市西工区政务服务中心 → 西工区政务服务中心 → 政务服务中心
        if stripped.startswith(place) and len(stripped) - len(place) >= 3:
            stripped = stripped[len(place):]
            out.append(stripped)
    if e.kind == "unit":
        return tuple(a for a in dict.fromkeys(out) if a != name)
    if e.kind in ("project", "indicator_project", "row"):
        # "办公经费—维修费" is named by what follows its dash ("维修费项目")
        tail = re.split(r"[-—－_·]+", e.name)[-1]
        if tail != e.name and len(loose(tail)) >= 3:
            out.append(loose(tail))
    for base in [name] + out:
        for end in _GENERIC_ENDS:
            if base.endswith(end) and len(base) - len(end) >= 3:
                out.append(base[: -len(end)])
                break
    return tuple(a for a in dict.fromkeys(out) if a != name)


def _common_run(name: str, q: str) -> tuple[int, int]:
    """The longest run of the name's characters the question holds, and where it starts there."""
    best, at = 0, -1
    for i in range(len(name)):
        for j in range(len(name), i + best, -1):
            k = q.find(name[i:j])
            if k >= 0:
                best, at = j - i, k
                break
    return best, at


def pairs(text: str) -> list[str]:
    return [text[i:i + 2] for i in range(len(text) - 1)]


@dataclass
class Entity:
    key: str
    kind: str
    name: str
    loose: str
    ref: object = None  # RowRef, Project, Indicator, NarrativeFact, or a column path
    code: str | None = None
    table: str | None = None  # the table's title
    aliases: tuple[str, ...] = ()  # shorter names that name it too (公务接待 for 公务接待费)


@dataclass
class EntityIndex:
    """A document's nameable entities and the rarity of the character pairs of their names."""

    entities: list[Entity]
    idf: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, df: DocFacts) -> EntityIndex:
        out: list[Entity] = []
        department = loose(df.document.department)
        for ref in df.rows:
            kind = "unit" if ref.row.code_kind == "单位" else "row"
            name = ref.label
            # a bare 合计 names nothing; 支出总计, 本年收入合计, “三公”经费合计 name their figure
            if not name or (ref.row.is_total and kind != "unit" and plain_label(name) in _BARE_TOTALS):
                continue
            out.append(Entity(f"row:{ref.table.table_id}:{ref.row.index}", kind, name, _named(name),
                              ref, ref.row.code, ref.table.title))
        seen: set[tuple[str, str]] = set()
        for table in df.tables:
            for column in table.columns:
                for part in column.split("/"):
                    if part in ("小计", "合计", "总计", "金额") or part.startswith("其中"):
                        continue
                    if (table.table_id, part) in seen:
                        continue
                    seen.add((table.table_id, part))
                    out.append(Entity(f"col:{table.table_id}:{part}", "column", part, loose(part),
                                      column, None, table.title))
        for project in df.projects:
            out.append(Entity(f"project:{project.ref.table.table_id}:{project.ref.row.index}", "project",
                              project.name, loose(project.name), project, None, project.ref.table.title))
        for ind in df.indicators:
            out.append(Entity(f"indicator:{ind.indicator_id}", "indicator", ind.level3, loose(ind.level3), ind))
        # the 绩效目标表 names its projects itself, sometimes not as the 项目表 does
        for name in dict.fromkeys(i.project for i in df.indicators if i.project):
            out.append(Entity(f"indicator_project:{name}", "indicator_project", name, loose(name), name))
        for fact in df.facts:
            out.append(Entity(f"fact:{fact.fact_id}", "fact", fact.subject, _named(fact.subject), fact))
        out = [e for e in out if len(e.loose) >= 2 and (e.kind == "unit" or e.loose != department)]
        places = _places(df.document.department)
        for e in out:
            e.aliases = _aliases(e, places)
        counts = Counter(p for e in {e.loose for e in out} for p in set(pairs(e)))
        n = max(1, len({e.loose for e in out}))
        idf = {p: math.log((n + 1) / (c + 0.5)) for p, c in counts.items()}
        return cls(out, idf)

    def link(self, question: str, kinds: set[str] | None = None, floor: float = 0.55) -> list[Candidate]:
        """Entities the question may name, best first, each with the span of the question (its
        own offsets) that it covers (linked once per question text)."""
        key = (question, tuple(sorted(kinds)) if kinds else None, floor)
        cache = self.__dict__.setdefault("_links", {})
        found = cache.get(key)
        if found is None:
            if len(cache) > 512:
                cache.clear()
            found = cache[key] = self._link(question, kinds, floor)
        return found

    def _link(self, question: str, kinds: set[str] | None, floor: float) -> list[Candidate]:
        q, at = loose_with_offsets(question)
        q_pairs = set(pairs(q))
        found: list[Candidate] = []
        for e in self.entities:
            if kinds and e.kind not in kinds:
                continue
            score, start, end, how = self._score(e, q, q_pairs)
            if score >= floor and end > start:
                found.append(Candidate(entity=e.key, kind=e.kind, name=e.name, score=round(score, 3),
                                       start=at[start], end=at[end - 1] + 1, evidence=how))
        # a name matched inside another name the question writes out in full is no naming of its own
        # ("工作经费" of "110联动专项工作经费" is not 党建工作经费)
        exact = [(c.start, c.end, c.name) for c in found if c.evidence == "exact"]
        found = [c for c in found if c.evidence == "exact" or not any(
            a <= c.start and c.end <= b and (b - a) > (c.end - c.start) for a, b, _ in exact)]
        # a loose match stretching over another entity's full name ("公务用车[购置费和]运行维护费")
        # reads only its own side of it
        found = [_beside(c, [(a, b) for a, b, name in exact if name != c.name]) for c in found]
        return sorted(found, key=lambda c: (-c.score, -(c.end - c.start)))

    def _score(self, e: Entity, q: str, q_pairs: set[str]) -> tuple[float, int, int, str]:
        at = q.find(e.loose)
        if at >= 0:
            return 1.0, at, at + len(e.loose), "exact"
        for alias in e.aliases:
            at = q.find(alias)
            if at >= 0:
                return 0.97, at, at + len(alias), "alias"
        if e.kind in ("project", "indicator_project", "fact") and len(e.loose) >= 6:
            # a project named by a part of its name ("政府购买及岗位" of "服务群众专项经费-政府购买及岗位")
            run, at = _common_run(e.loose, q)
            if run >= 4 and run >= 0.5 * len(e.loose) or run >= 5 and run >= 0.4 * len(e.loose):
                return 0.8 + 0.15 * run / len(e.loose), at, at + run, "part"
        weighted = self._weighted(e)
        if not weighted or not any(p in q_pairs for p, _ in weighted):
            return 0.0, 0, 0, ""
        name_pairs = [p for p, _ in weighted]
        hit = [p in q_pairs for p in name_pairs]
        total = sum(w for _, w in weighted)
        score = sum(w for (_, w), h in zip(weighted, hit) if h) / total if total else 0.0
        if score <= 0:
            return 0.0, 0, 0, ""
        positions = [q.find(p) for p, h in zip(name_pairs, hit) if h]
        start, end = min(positions), max(positions) + 2
        # the matched pieces must sit together in the question, not scattered over it
        if end - start > 2 * len(e.loose):
            score *= 0.5
        return score * 0.95, start, end, f"pairs {score:.2f}"

    def _weighted(self, e: Entity) -> list[tuple[str, float]]:
        """The entity's name pairs with their rarity, computed once per entity."""
        cache = self.__dict__.setdefault("_pairs", {})
        found = cache.get(e.key + "|" + e.loose)
        if found is None:
            found = cache[e.key + "|" + e.loose] = [(p, self.idf.get(p, 1.0)) for p in pairs(e.loose)]
        return found

    def get(self, key: str) -> Entity | None:
        keys = self.__dict__.get("_keys")
        if keys is None:
            keys = self.__dict__["_keys"] = {}
            for e in self.entities:
                keys.setdefault(e.key, e)
        return keys.get(key)

    def by_code(self, code: str) -> list[Entity]:
        """Rows whose 功能分类/经济分类/单位 code is the code written ("201 03 01" → 2010301)."""
        return [e for e in self.entities if e.code and e.code == code]


def row_entity_ref(entity: Entity) -> RowRef | None:
    return entity.ref if isinstance(entity.ref, RowRef) else None
