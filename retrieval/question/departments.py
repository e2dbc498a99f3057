"""Understand which document(s) a question is about: the department it names, and the years.

People name a department by its full name, without the city, by a short body name (审批局,
政府办), or with a bare level word in place of the region (市大数据局). The aliases come from
general rules of Chinese government naming, never from lists of particular departments, so a
renamed department or place resolves the same way. A name is read as regions + body:
"洛阳市 | 西工区 | 政务服务和大数据管理局"; a question matches a document when a body alias
occurs in it and every place written right before that alias belongs to the document's regions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from pydantic import BaseModel, ConfigDict, Field

from indexer.records import Document
from retrieval.question.names import (
    Dept, HAN, LEVELS, LEVEL_CHARS, SHORT_LEVEL, body_aliases, parse_name, region_aliases,
)

_FILLERS = ("那个", "这个", "的", "级的", "级那个")  # "瀍河那个审批局", "西工区的政府办"
_BOUNDARY = "和与跟及同、的是在把对比从向问" + LEVEL_CHARS  # may precede a place name
_NOT_PLACE = set("的是在了吗呢我你您他她们请问想查看说个这那和与跟及同对比从向年度月日全本该各")
# a department named in general terms, known to the store or not ("涧西区教育局", "某某局")
_NAMED = re.compile(
    rf"[{HAN}]{{2,}}(?<![布格结全大当])局(?![面部])|委员会|办公室|办事处|管委会|街道|"
    rf"(?:政府|党政|党委|街道)办|[{HAN}]{{2,}}中心|[{HAN}]{{1,3}}委(?![托员屈婉])|"
    rf"(?:[{LEVEL_CHARS}]|人民)政府(?![性采购买投资债预算基金工作])"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_SHORT_YEAR = re.compile(r"(?<![\d.])(\d{2})年(?!度?内)")
_THIS_YEAR = re.compile(r"今年|本年|当年")
_LAST_YEAR = re.compile(r"去年|上年|上一年|前一年")


class DocumentMatch(BaseModel):
    """One document a question is about."""

    model_config = ConfigDict(extra="forbid")
    doc_id: str
    department: str
    year: int
    score: float  # higher is surer: alias strength + places that agree
    matched_text: str  # the words of the question that named it ("" when inferred)


class Resolution(BaseModel):
    """What a question is about: documents (best first), years, and what is missing."""

    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentMatch] = Field(default_factory=list)
    years: list[int] = Field(default_factory=list)  # "2023年" / "2023年度", in question order
    this_year: bool = False  # 今年 / 本年
    last_year: bool = False  # 去年 / 上年: relative to the document, the caller decides
    prior_years: list[int] = Field(default_factory=list)  # years only known as a document's 上年
    year_missing: int | None = None  # a year the matched department has no document for
    department_named: bool = False  # the question names some department, in the store or not
    ambiguous: bool = False  # several departments fit equally: ask back, do not answer
    # every place the question names a department: (department, start, end, a unit inside it?)
    spans: list[tuple[str, int, int, bool]] = Field(default_factory=list)


@dataclass(frozen=True)
class _Token:
    text: str
    ids: frozenset[str] | None = None  # regions the text can name; None: no document's place
    level: str | None = None  # a bare level word standing for the region ("市大数据局")


@dataclass(frozen=True)
class _Span:
    """A body alias found in the question, with the places written before it."""

    start: int  # where its places start
    end: int
    body_start: int
    cands: list[tuple[str, int]]  # (department, alias strength)
    tokens: list[_Token]


class Catalog:
    """The departments of the store, with their aliases computed once.

    Args:
        documents: the indexed documents (`store.documents(conn)`).
    """

    def __init__(self, documents: list[Document], units: dict[str, list[str]] | None = None) -> None:
        """`units`: department → the budget units inside it (…中心 of a …局), which name it too."""
        self._docs: dict[str, list[Document]] = defaultdict(list)
        for doc in documents:
            self._docs[doc.department].append(doc)
        for docs in self._docs.values():
            docs.sort(key=lambda d: d.year, reverse=True)
        self._depts = {name: parse_name(name) for name in self._docs}
        self._bodies: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self._unit_aliases: set[tuple[str, str]] = set()  # (alias, department) of units inside
        self._regions: dict[str, set[str]] = defaultdict(set)
        for dept in self._depts.values():
            for alias, strength in body_aliases(dept.body, dept.home_level).items():
                self._bodies[alias].append((dept.name, strength))
            ids = accumulate(p + lv for p, lv in dept.regions)
            for (place, level), region_id in zip(dept.regions, ids):
                for alias in region_aliases(place, level):
                    self._regions[alias].add(region_id)
        for parent, names in (units or {}).items():
            if parent not in self._depts:
                continue
            for name in names:
                unit = parse_name(name)
                if unit.body == self._depts[parent].body or len(unit.body) < 4:
                    continue  # the department itself (机关本级), or too short to name anything
                for alias, strength in body_aliases(unit.body, unit.home_level).items():
                    if len(alias) >= 4 and (parent, strength) not in self._bodies[alias]:
                        self._bodies[alias].append((parent, strength))
                        self._unit_aliases.add((alias, parent))
        # longest first, so 政务服务和大数据管理局 wins over 大数据管理局 at the same place
        self._body_order = sorted(self._bodies, key=len, reverse=True)
        self._region_order = sorted(self._regions, key=len, reverse=True)

    def resolve(self, question: str) -> Resolution:
        """Find the documents a question is about.

        Args:
            question: the question as the user wrote it.

        Returns:
            The Resolution: the departments' documents in the order the question names them
            (empty when nothing identifies one), the years asked, what the store lacks.
        """
        q = re.sub(r"\s+", "", unicodedata.normalize("NFKC", question))  # full-width → half
        q = self._heard(q)
        res = Resolution(years=list(dict.fromkeys([int(y) for y in _YEAR.findall(q)] + [
                             2000 + int(y) for y in _SHORT_YEAR.findall(q) if 10 <= int(y) <= 40])),
                         this_year=bool(_THIS_YEAR.search(q)), last_year=bool(_LAST_YEAR.search(q)))
        spans = self._body_spans(q)
        if not spans and _NAMED.search(q):
            spans = self._misspelt_spans(q)  # 政务服务和大数局, 行政审批和政务信息管里局
        res.department_named = bool(spans) or bool(_NAMED.search(q))
        found: dict[str, tuple[int, float, str]] = {}  # department → position, score, text
        # a bare common noun (街道) counts only when nothing more specific is named
        named = [s for s in spans if s.tokens or max(st for _, st in s.cands) > 1]
        chosen: list[tuple[_Span, float, list[str]]] = []
        for span in named or spans:
            scored = {d: sc + strength for d, strength in span.cands
                      if (sc := self._score(self._depts[d], span.tokens)) is not None}
            best = max(scored.values(), default=0.0)
            winners = self._narrow([d for d, sc in scored.items() if sc == best], res.years)
            chosen.append((span, best, winners))
        sure = {w[0] for _, _, w in chosen if len(w) == 1}
        for span, best, winners in chosen:
            if len(winners) > 1 and sure & set(winners):
                # "西工区政务服务中心（大数据局下面那个）": a bare name fitting several departments is
                # the one another part of the question names
                winners = [w for w in winners if w in sure]
            res.ambiguous |= len(winners) > 1
            for d in winners:
                found.setdefault(d, (span.start, best, q[span.start:span.end]))
                alias = q[span.body_start:span.end]
                res.spans.append((d, span.start, span.end, (alias, d) in self._unit_aliases
                                  and (alias, d) not in self._own_aliases()))
        if not found and not res.department_named:
            found = self._fallback(q, res.years)
            res.ambiguous = len(found) > 1
        # question order, not score: "A比B多多少" needs A first
        for name, (_, score, text) in sorted(found.items(), key=lambda kv: (kv[1][0], -kv[1][1])):
            self._add_documents(res, name, score, text)
        return res

    def _heard(self, q: str) -> str:
        """The question with a stored place or body name typed as a homophone (缠河区 for 瀍河区,
        街到办 for 街道办, 大数剧 for 大数据): input methods type by sound. One character may differ;
        what the question writes as stored, or as another stored name, is left alone."""
        sounds = self._sounds()
        if not sounds:
            return q
        heard = [_sound(c) for c in q]
        out = list(q)
        for length in sorted({len(k) for k in sounds}, reverse=True):
            for i in range(len(q) - length + 1):
                alias = sounds.get(tuple(heard[i:i + length]))
                window = "".join(out[i:i + length])
                if alias and window not in self._regions and window not in self._bodies and sum(
                        a != b for a, b in zip(window, alias)) == 1:
                    out[i:i + length] = alias
        return "".join(out)

    def _sounds(self) -> dict[tuple[str, ...], str]:
        """Sound → stored name, for places of 2+ characters and bodies of 3+; a sound two names
        share is no one's."""
        if not hasattr(self, "_sound_map"):
            found: dict[tuple[str, ...], set[str]] = defaultdict(set)
            names = [a for a in self._region_order if len(a) >= 2] + [a for a in self._body_order if len(a) >= 3]
            for name in names:
                if re.fullmatch(f"[{HAN}]+", name):
                    found[tuple(_sound(c) for c in name)].add(name)
            self._sound_map = {k: next(iter(v)) for k, v in found.items() if len(v) == 1}
        return self._sound_map

    def places(self) -> list[str]:
        """The names of the documents' places (西工区, 洛阳市, 瀍河), longest first."""
        return [a for a in self._region_order if len(a) >= 2]

    def _own_aliases(self) -> set[tuple[str, str]]:
        if not hasattr(self, "_own"):
            self._own = {(a, name) for name, dept in self._depts.items()
                         for a in body_aliases(dept.body, dept.home_level)}
        return self._own

    def _misspelt_spans(self, q: str) -> list[_Span]:
        """A department's body written with a wrong or missing character (政务服务和大数局, 行政审批和
        政务信息管里局): the stored body alias the words before a body word resemble most (fuzz
        ratio ≥ 85, clearly above any other alias), its places then read as for an exact one."""
        from rapidfuzz import fuzz

        out: list[_Span] = []
        for m in _NAMED.finditer(q):
            end = m.end()
            ranked: list[tuple[float, int, str]] = []
            for start in range(max(0, end - 24), end - 3):
                piece = q[start:end]
                for alias in self._body_order:
                    if len(alias) >= 4 and abs(len(alias) - len(piece)) <= 2:
                        ranked.append((fuzz.ratio(piece, alias), start, alias))
            ranked.sort(key=lambda r: (-r[0], r[1]))
            if not ranked or ranked[0][0] < 85:
                continue
            score, start, alias = ranked[0]
            rivals = {r[2] for r in ranked if r[0] > score - 5 and set(self._bodies[r[2]]) != set(self._bodies[alias])}
            if rivals:
                continue
            left, tokens = self._prefix(q, start)
            out.append(_Span(left, end, start, self._bodies[alias], tokens))
        return out

    def _body_spans(self, q: str) -> list[_Span]:
        """Body aliases in the question, each with the places written right before it."""
        occurrences = [(m.start(), m.end(), a) for a in self._body_order if a in q
                       for m in re.finditer(re.escape(a), q)]
        spans: list[_Span] = []
        # the head of a Chinese noun phrase is at its end: the longer, then the later alias wins
        for start, end, alias in sorted(occurrences, key=lambda o: (o[0] - o[1], -o[1])):
            if any(start < s.end and s.body_start < end for s in spans):
                continue
            left, tokens = self._prefix(q, start)
            if not tokens and alias.startswith(("街道", "镇", "乡", "社区")):
                # "王城路街道办事处": the office of a place no document is (a 街道's own name is a
                # bare place name without a level word)
                place = re.search(rf"(?:^|[^{HAN}]|[{_BOUNDARY}])([{HAN}]{{2,4}})$", q[:start])
                if place and not set(place.group(1)) & _NOT_PLACE:
                    left, tokens = start - len(place.group(1)), [_Token(place.group(1))]
            spans.append(_Span(left, end, start, self._bodies[alias], tokens))
        return sorted(spans, key=lambda s: s.start)

    def _narrow(self, names: list[str], years: list[int]) -> list[str]:
        """Among equally fitting departments, keep those with a document for the years asked."""
        covered = {*years, *(y + 1 for y in years)}  # a year, or the next one's 上年
        dated = [n for n in names if {d.year for d in self._docs[n]} & covered]
        return dated or names

    def _prefix(self, q: str, p: int) -> tuple[int, list[_Token]]:
        """Places written right before position p, innermost first, and where they start."""
        tokens: list[_Token] = []
        filler = next((f for f in _FILLERS if q[:p].endswith(f)), "")
        p -= len(filler)
        while p > 0:
            head = q[:p]
            alias = next((a for a in self._region_order if head.endswith(a)), None)
            if alias:
                tokens.append(_Token(alias, ids=frozenset(self._regions[alias])))
            elif unknown := _unknown_place(head):
                tokens.append(_Token(unknown))  # a place that no document belongs to
            elif head[-1] in LEVEL_CHARS and not tokens:
                tokens.append(_Token(head[-1], level=head[-1]))
            elif head.endswith("级") and len(head) >= 2 and head[-2] in LEVEL_CHARS and not tokens:
                tokens.append(_Token(head[-2:], level=head[-2]))  # 市级那个大数据局
            else:
                break
            p -= len(tokens[-1].text)
        return (p if tokens else p + len(filler)), tokens

    @staticmethod
    def _score(dept: Dept, tokens: list[_Token]) -> float | None:
        """How well the places before a body fit a department; None when one contradicts it."""
        score = 0.0
        for i, token in enumerate(tokens):
            if token.level:
                if SHORT_LEVEL.get(dept.home_level, dept.home_level) != token.level:
                    return None  # 市大数据局 is not the 区's 大数据局
                score += 1
            elif token.ids is None or not token.ids & dept.chain:
                if _above_its_places(token.text, dept):
                    continue  # 渝中区 before a 南纪门街道 whose name gives no 区: neither fits nor contradicts
                return None  # another place: 西工区政府办 is not 瀍河's
            else:
                # the innermost place should be the body's own region, not only an ancestor
                score += 1 + (i == 0 and dept.home in token.ids)
        return score

    def _fallback(self, q: str, years: list[int]) -> dict[str, tuple[int, float, str]]:
        """Departments fitting a question that names no body: by region, or the only one."""
        named = [a for a in self._region_order if a in q]
        named = [a for a in named if not any(a != b and a in b for b in named)]
        if named:
            fits = [d.name for d in self._depts.values()
                    if all(self._regions[a] & d.chain for a in named)]
            return {d: (q.find(named[0]), 0.5, named[0]) for d in self._narrow(fits, years)}
        if len(self._depts) == 1:  # a store of one department: every question is about it
            return {next(iter(self._depts)): (0, 0.25, "")}
        return {}

    def _add_documents(self, res: Resolution, name: str, score: float, text: str) -> None:
        """Add a department's documents for the years asked (latest when none is)."""
        docs = self._docs[name]
        have = {d.year for d in docs}
        wanted: set[int] = set()
        for year in res.years:
            if year in have:
                wanted.add(year)
            elif year + 1 in have:
                # a document reports its 上年 figures as comparisons: the caller may compute
                res.prior_years = sorted({*res.prior_years, year})
                wanted.add(year + 1)
            else:
                res.year_missing = res.year_missing or year
                wanted = have  # all of them: the caller says which years the store covers
                break
        for doc in [d for d in docs if d.year in wanted] or docs[:1]:
            res.documents.append(DocumentMatch(doc_id=doc.doc_id, department=name, year=doc.year,
                                               score=score, matched_text=text))


# how wide a level of government is: a place written wider than every place a department's name
# gives (渝中区 before 南纪门街道办事处) cannot contradict it
_WIDTH = {"省": 5, "自治区": 5, "市": 4, "州": 4, "自治州": 4, "盟": 4, "地区": 4, "区": 3, "县": 3,
          "自治县": 3, "旗": 3, "街道": 2, "镇": 2, "乡": 2}


def _above_its_places(place: str, dept) -> bool:
    level = re.search(rf"({LEVELS})$", place)
    width = _WIDTH.get(level.group(1), 0) if level else 0
    return bool(dept.regions) and width > max(_WIDTH.get(lv, 0) for _, lv in dept.regions)


@lru_cache(maxsize=8192)
def _sound(char: str) -> str:
    """A character's pinyin without tone (its most common reading); other characters as they are."""
    if not re.fullmatch(f"[{HAN}]", char):
        return char
    from pypinyin import lazy_pinyin  # loaded on the first question

    return lazy_pinyin(char)[0]


def _unknown_place(head: str) -> str | None:
    """A place name ending `head` ("涧西区"), bounded on its left, or None."""
    for n in (4, 3, 2):
        # its left neighbour must end a phrase: "洛阳市|涧西区", "和|涧西区", not "阳市涧西区"
        m = re.search(rf"(?:^|[^{HAN}]|[{_BOUNDARY}])([{HAN}]{{{n}}})({LEVELS})$", head)
        if m and not set(m.group(1)) & _NOT_PLACE:
            return m.group(1) + m.group(2)
    return None


def resolve(question: str, documents: list[Document]) -> Resolution:
    """Find the documents a question is about (builds a Catalog; keep one for many questions).

    Args:
        question: the question as the user wrote it.
        documents: the indexed documents.

    Returns:
        The Resolution of the question.
    """
    return Catalog(documents).resolve(question)
