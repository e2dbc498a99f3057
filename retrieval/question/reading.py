"""Read a question once: every span of it is accounted for.

A Reading records what each part of the question is: the department (or a unit inside it), a
year (written or relative: 去年, 前年), a number the user gave, an operator (合计, 占, 差多少), the
kind of quantity asked (多少钱, 几成, 多少台, 多久, 为什么), a claim's words, a filler word that carries no
budget content, or content. Content is what the plans must read as budget items; what no plan
reads keeps a figure from being stated (`answer.gates`).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

from indexer.search.bm25 import per_user_cache
from retrieval.question.departments import Catalog, Resolution
from retrieval.question.mentions import normalise_question, read_question, vocabulary
from retrieval.question.records import Mention, Reading

_HAN = re.compile(r"[\u4e00-\u9fff]")
jieba.setLogLevel(logging.WARNING)
# "23年" for 2023: a two-digit year right before 年, not part of a longer number
_SHORT_YEAR = re.compile(r"(?<![\d.])(\d{2})年(?!度?内)")
# parts of a year: a budget states the year's figures only
_PERIOD = re.compile(r"月份|上半年|下半年|[一二三四1-4]季度|第[一二三四1-4]季度|每季度|季度|[上下]旬")
# a department named in general terms that no stored document is (涧西区教育局, 王城路街道办事处)
_BODY_WORDS = re.compile(r"局|委员会|委|办公室|办事处|办|中心|街道|政府|乡|镇|院|所|站|队|馆|厅")


@lru_cache(maxsize=1)
def _filler_pattern() -> re.Pattern[str]:
    words = sorted(set(vocabulary()["fillers"]["words"]), key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(w) for w in words) + ")+")


@lru_cache(maxsize=1)
def _asked_patterns() -> list[tuple[str, re.Pattern[str]]]:
    out = [(e["kind"], re.compile(e["pattern"])) for e in vocabulary()["asked"]]
    out += [("amount", re.compile(e["pattern"])) for e in vocabulary()["asked_unit"]]
    return out


def read(question: str, catalog: Catalog) -> Reading:
    """The question read into spans: departments, years, mentions, filler and content.

    Args:
        question: the question as the user wrote it.
        catalog: the stored departments (names and their short forms).

    Returns:
        A Reading whose `content` spans are the words no rule accounted for: the budget items
        the plans must link, or words the documents may not speak of.
    """
    base = read_question(question)
    s = base.text
    res = catalog.resolve(s)
    named_totals = [m.span("total") for m in re.finditer(vocabulary()["totals_in_names"]["pattern"], s)]
    mentions = [m for m in base.mentions if not _is_period(m) and not (
        m.kind == "operator" and m.name == "sum" and (m.start, m.end) in named_totals)]
    mentions += [m.model_copy(update={"kind": "period"}) for m in base.mentions
                 if _is_period(m) and m.unit == "月"]
    mentions += [Mention(kind="period", start=m.start(), end=m.end(), text=m.group(0))
                 for m in _PERIOD.finditer(s)]
    mentions += _department_mentions(s, res)
    mentions += _place_mentions(s, mentions, catalog)
    mentions += _year_mentions(s, mentions)
    mentions += _asked_mentions(s)
    mentions += [Mention(kind="actual", start=m.start(), end=m.end(), text=m.group(0))
                 for m in re.finditer(vocabulary()["actuals"], s)]
    taken = _taken(s, mentions)
    mentions += _filler_mentions(s, taken)
    taken = _taken(s, mentions)
    content = _runs(s, taken)
    background = _background(s, mentions)
    mentions += [c.model_copy(update={"kind": "background"}) for c in content if _within(c, background)]
    content = [c for c in content if not _within(c, background)]
    return base.model_copy(update={
        "mentions": sorted(mentions, key=lambda m: (m.start, -m.end)),
        "content": content,
        "resolution": res,
    })


def _department_mentions(s: str, res: Resolution) -> list[Mention]:
    """Where the question names its departments; a unit inside a department (…中心) is a unit."""
    out = [Mention(kind="unit" if inner else "department", start=start, end=end, text=s[start:end],
                   name=department) for department, start, end, inner in res.spans]
    if res.department_named and not res.documents:
        # a department no document is: its words are accounted for, and the engine refuses by name
        for m in re.finditer(rf"[\u4e00-\u9fff]{{2,14}}?(?:{_BODY_WORDS.pattern})", s):
            out.append(Mention(kind="unknown_department", start=m.start(), end=m.end(), text=m.group(0)))
            break
    return out


def _is_period(m: Mention) -> bool:
    """"25年" is a year, "3月份" a month: neither is a number the user gives. A month or a
    quarter is content no budget figure reads (a budget is for the year)."""
    if m.kind != "constant":
        return False
    if m.unit == "年" and re.fullmatch(r"\d{2}年", m.text) and 10 <= (m.value or 0) <= 40:
        return True
    return m.unit == "月" and bool(re.fullmatch(r"\d{1,2}月|[一二三四五六七八九十]{1,2}月", m.text)) and (m.value or 0) <= 12


def _place_mentions(s: str, mentions: list[Mention], catalog: Catalog) -> list[Mention]:
    """Places written apart from a department name ("同为西工区2023年预算"): accounted for."""
    taken = [(m.start, m.end) for m in mentions if m.kind in ("department", "unit", "unknown_department")]
    out = []
    for name in catalog.places():
        for m in re.finditer(re.escape(name), s):
            if not any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
                out.append(Mention(kind="place", start=m.start(), end=m.end(), text=name))
                taken.append(m.span())
    return out


def _is_own_name(text: str, department: str) -> bool:
    """The words name the department itself, not a unit inside it: every character of them is in
    the department's name, in order (政务服务局 for 政务服务和大数据管理局)."""
    it = iter(department)
    return all(ch in it for ch in text)


def _year_mentions(s: str, mentions: list[Mention]) -> list[Mention]:
    """Two-digit years (23年) and relative years (去年, 前年), each with its offset in `name`."""
    out: list[Mention] = []
    spans = [(m.start, m.end) for m in mentions if m.kind in ("year", "constant", "department", "unit")]
    for m in _SHORT_YEAR.finditer(s):
        value = int(m.group(1))
        if 10 <= value <= 40 and not any(a <= m.start() < b for a, b in spans if (a, b) != m.span()):
            out.append(Mention(kind="year", start=m.start(), end=m.end(), text=m.group(0), value=2000.0 + value))
    for offset, pattern in vocabulary()["relative_years"].items():
        for m in re.finditer(pattern, s):
            if not any(a <= m.start() < b for a, b in spans):
                out.append(Mention(kind="relative_year", start=m.start(), end=m.end(), text=m.group(0),
                                   value=float(offset)))
    return out


def _asked_mentions(s: str) -> list[Mention]:
    """The asking words (多少钱, 几成, 多少台, 多久, 为什么): accounted for, the kind in `name`."""
    out = []
    for kind, pattern in _asked_patterns():
        for m in pattern.finditer(s):
            if m.end() > m.start():
                out.append(Mention(kind="asked", start=m.start(), end=m.end(), text=m.group(0), name=kind))
    return out


def _background(s: str, mentions: list[Mention]) -> list[tuple[int, int]]:
    """Sentences before the question that ask nothing ("机构改革后金融局并入了政府办。"): what
    they say sets the scene; their words need no item of their own."""
    out, start = [], 0
    for m in re.finditer(r"[。!！;；]", s):
        end = m.end()
        inside = [x for x in mentions if start <= x.start < end]
        asks = any(x.kind == "asked" or x.kind == "claim" and x.name == "cue" for x in inside) or re.search(
            r"[?？]|吗|呢|多少|几|哪", s[start:end])
        if not asks and end < len(s.rstrip("?？。 ")):
            out.append((start, end))
        start = end
    return out + _asides(s, mentions)


def _asides(s: str, mentions: list[Mention]) -> list[tuple[int, int]]:
    """Clauses about the asker before the question ("我是退休老职工，", "我在写一篇报告：") and
    brackets giving examples of the item before them ("（工资、社保这些）"): vocabulary "asides"."""
    words = vocabulary()["asides"]
    out, start = [], 0
    last = len(s.rstrip("?？。 "))
    for m in re.finditer(r"[，,：:。!！;；]", s):
        end = m.end()
        inside = [x for x in mentions if start <= x.start < end]
        named = any(x.kind in ("department", "unit", "year", "claim", "asked") for x in inside)
        clause = s[start:end].lstrip()
        if end < last and not named and re.search(words["leads"], clause) and not re.search(
                r"[?？]|吗|呢|多少|几|哪", clause):
            out.append((start, end))
        start = end
    out += [m.span() for m in re.finditer(r"[(（][^()（）]{1,40}[)）]", s)
            if re.search(words["examples"], m.group(0))]
    return out


def _within(m: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(a <= m.start and m.end <= b for a, b in spans)


def compared_against(reading: Reading, m: Mention) -> bool:
    """"比去年", "较上年": the year compared against, not the year asked."""
    return bool(re.search(r"(?:比|较|与|和|同|相比于?|对比)$", reading.text[:m.start]))


def strong(m: Mention) -> bool:
    """An operator a plan must apply (vocabulary "strong_operators")."""
    words = vocabulary()["strong_operators"]
    return m.name in words["names"] or (m.name == "sum" and bool(re.search(words["adding"], m.text)))


def _taken(s: str, mentions: list[Mention]) -> list[bool]:
    taken = [False] * len(s)
    for m in mentions:
        if m.kind in ("table", "code") or m.kind == "operator" and strong(m):
            continue  # accounted for only by a plan that uses them
        for i in range(max(0, m.start), min(len(s), m.end)):
            taken[i] = True
    return taken


def _filler_mentions(s: str, taken: list[bool]) -> list[Mention]:
    """Words (as jieba cuts the question) that are filler: a filler word inside a longer word
    (会 of 开会, 用 of 使用) is part of that word, not filler. A filler of two characters or more
    counts where it starts or ends a word (jieba cuts 功能分类 as 功能 / 分类)."""
    out, at = [], 0
    words = _filler_words()
    bounds = {0}
    if not jieba.dt.initialized:  # named by the user who loads it (a service may drop privileges first)
        jieba.dt.cache_file = per_user_cache()
    tokens = jieba.lcut(s, HMM=False)
    for token in tokens:
        start, end = at, at + len(token)
        bounds.add(end)
        at = end
        if all(taken[start:end]):
            continue
        if token in words:
            out.append(Mention(kind="filler", start=start, end=end, text=token))
            continue
        # a word jieba did not cut ("是多少钱"): filler when filler words make all of it
        free = "".join(ch for ch, t in zip(token, taken[start:end]) if not t)
        if free and _filler_pattern().fullmatch(free):
            out.append(Mention(kind="filler", start=start, end=end, text=token))
    for m in _long_filler_pattern().finditer(s):
        if (m.start() in bounds or m.end() in bounds) and not all(taken[m.start():m.end()]):
            out.append(Mention(kind="filler", start=m.start(), end=m.end(), text=m.group(0)))
    return out


@lru_cache(maxsize=1)
def _long_filler_pattern() -> re.Pattern[str]:
    words = sorted((w for w in vocabulary()["fillers"]["words"] if len(w) >= 2), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


@lru_cache(maxsize=1)
def _filler_words() -> frozenset[str]:
    return frozenset(vocabulary()["fillers"]["words"])


def _runs(s: str, taken: list[bool]) -> list[Mention]:
    """The maximal runs of characters nothing accounted for, Chinese words only."""
    out, start = [], None
    for i, ch in enumerate(s + " "):
        free = i < len(s) and not taken[i] and bool(_HAN.match(ch))
        if free and start is None:
            start = i
        elif not free and start is not None:
            out.append(Mention(kind="content", start=start, end=i, text=s[start:i]))
            start = None
    return out


def residue(reading: Reading, covered: list[tuple[int, int]], used: set[str] = frozenset()) -> list[str]:
    """The content words a plan leaves unread: runs of two or more characters of the question's
    content outside `covered`, and the operators (`used` names those the plan applies) it ignores.

    A single character left over (车 of 车辆 linked elsewhere, 费 beside an item) is not counted:
    one character names no budget item on its own.
    """
    left: list[str] = []
    for run in reading.content:
        chars = [i for i in range(run.start, run.end) if not any(a <= i < b for a, b in covered)]
        for piece in _pieces(reading.text, chars):
            if len(piece) >= 2:
                left.append(piece)
    return left


def _pieces(s: str, positions: list[int]) -> list[str]:
    out, current, last = [], "", None
    for i in positions:
        if last is not None and i != last + 1:
            out.append(current)
            current = ""
        current += s[i]
        last = i
    if current:
        out.append(current)
    return out
