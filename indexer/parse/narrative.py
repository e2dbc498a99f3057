"""Pull the figures stated in the narrative sections into NarrativeFact records.

The 情况说明 states its key figures in a handful of sentence shapes: "<subject> 289.81 万元",
"占 75.61%", "<subject>增加 155.64 万元, 增长 16.94%", "与 2024 年支出预算保持一致",
"共 7 个项目", "共有车辆 1 辆". Each figure's subject is read from the words just before it
(department name, year and filler words removed); a figure with no subject of its own ("占 75.61%",
"增长 16.94%") takes the subject of the figure it follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from indexer.records import NarrativeFact, Section
from indexer.parse.sections import clean_line, line_of
from indexer.text import squeeze, stable_id, to_wan

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUM = "一二三四五六七八九十两"
# one regex for every figure shape; alternatives are tried left to right at each position
_FIGURE = re.compile(
    # "38万" without 元 is money too, unless a noun follows (3万人次)
    rf"(?<![\d.第])(?P<num>{_NUM})\s*(?:(?P<money>亿元|万元|千元|元|万(?![\u4e00-\u9fff\d]))(?P<threshold>以上|以下|以内)?"
    rf"|(?P<pct>%)"
    rf"|(?P<measure>个|辆|套|台|人|名|项|家|处|所|座|间|次))"
    # Chinese numerals only before 个项目: "岗位一个项目" is a count, "一是" or "一般" are not
    rf"|(?P<cn>[{_CN_NUM}]+)(?P<cn_measure>个)(?=项目)"
)
_STEADY = re.compile(r"保持一致|保持不变|持平")
_SENTENCE = re.compile(r"[^。;；!！?？\n]+[。;；!！?？]?")
# clause boundaries: the subject of a figure never reaches back over these
_BOUNDARY = re.compile(r"[,，:：、;；。]")
_YEAR = re.compile(r"\d{4}\s*年度?")
_ENUM = re.compile(rf"^(?:[(（][{_CN_NUM}]+[)）]|\d+[.、．]|[{_CN_NUM}]+[、是])\s*")
_COMPARISON = re.compile(r"(?:与|比|较|同比).*$")
_ORG = re.compile(
    r"([^\s,，:：;；。、()（）\d]{3,40}?(?:局|办公室|办事处|委员会|中心|政府|院|所))\s*\d{4}\s*年"
)
# "其中档案数字化专项中人员经费 19816.81 元，项目支出 0 元": figures after a scope naming one
# fund, project or unit are details of it, not the document's headline 人员经费 / 项目支出
_SCOPE = re.compile(r"(?:其中)?[：:]?(?P<scope>[^\s,，:：;；。、\d]{2,24}?(?:专项资金|专项|资金|项目|中心|站|所|队))"
                    r"(?:中|里|内|当中)(?=[,，]?[\u4e00-\u9fff])")
# a figure of the plan (年初预算为…) or of its completion (完成年初预算的…%)
_FAMILY_HEAD = re.compile(r"(?:完成(?:了)?)?(?P<f>(?:年初|全年|调整后?)?预算)(?:数)?(?:的|为|是)?$")
_UP = ("增加", "增长", "提高", "上升")
_DOWN = ("减少", "下降", "降低", "压减")
_CHANGE = re.compile("|".join(_UP + _DOWN))
_LEADING = ("其中", "共有", "共计", "共", "账面", "实际持有", "实际", "持有", "我单位", "本单位",
            "本部门", "部门", "合计", "以上", "以下", "变为")
_TRAILING = ("年初预算为", "预算安排", "预算数", "共计", "为", "各", "由", "约", "达", "相比")
# words that name no subject on their own: the figure takes the one it follows
_BARE = ("支出", "收入", "预算", "经费")
# verbs after which the previous clause names what a "涉及预算拨款" figure belongs to
_LEAD_VERBS = ("实施", "开展", "进行")


Kind = Literal["amount", "share", "change_amount", "change_percent", "count"]
Direction = Literal["增加", "减少", "持平"]


@dataclass
class _Figure:
    """One number found in a sentence, before it becomes a fact."""

    kind: Kind
    value: float
    unit: str
    text: str
    start: int  # offset in the sentence
    head: str  # words just before the figure (or its change verb)
    tail: str = ""  # words after a count's measure word ("项目作为部门重点绩效目标项目")
    direction: Direction | None = None


def extract_facts(doc_id: str, lines: list[str], sections: list[Section]) -> list[NarrativeFact]:
    """Extract the figures stated in the narrative text.

    Args:
        doc_id: id of the document the lines come from.
        lines: the document's lines (1-based numbering in the records).
        sections: the sections from `parse_sections(doc_id, lines)`.

    Returns:
        One NarrativeFact per figure (amount, share, change, count), in document order,
        each with its sentence as quote and the line where that sentence begins.
    """
    orgs = _organisation_names(sections)
    facts: dict[str, NarrativeFact] = {}
    for section in sections:
        last_amount = ""  # "与 2024 年保持一致" after a full stop still refers to it
        last_change = ""
        headline = ""  # the amount a sentence broke down ("X 56.8 万元，其中：…")
        closed = True
        for start, sentence in _sentences(section.text):
            quote = sentence.strip()
            line = _line_of(lines, section, start, quote)
            last_any = ""
            scope = _SCOPE.search(sentence)
            if headline and closed:
                # a sentence after a breakdown ("…，其中：A；B。与上年相比减少 4.2 万元") speaks of
                # the whole broken down, not of its last part
                last_amount, headline = headline, ""
            closed = not quote.endswith(("；", ";"))  # a breakdown goes on over its ；
            breakdown = sentence.find("其中")
            for fig in _figures(sentence):
                subject = _subject(fig, sentence, orgs)
                family = _FAMILY_HEAD.search(squeeze(fig.head))
                of_plan = False
                if family and last_amount and (fig.kind == "share" and "完成" in fig.head or fig.kind == "amount" and (
                        not subject or family.group("f").startswith(subject))):
                    # "年初预算为7650万元，完成年初预算的104.3%": the plan and its completion of the
                    # figure just stated
                    subject = last_amount + ("完成预算" if fig.kind == "share" else family.group("f"))
                    of_plan = True
                detail = scope is not None and fig.start >= scope.end()
                if detail and subject:
                    name = _clean(scope.group("scope"), orgs)
                    subject = name + (subject[len(name):].lstrip("中里内") if subject.startswith(name) else subject)
                if not subject:
                    # "占 75.61%" → the amount it follows; "增长 16.94%" → the change it follows
                    if fig.kind == "share":
                        subject = last_amount
                    elif fig.kind == "change_percent":
                        subject = last_change or last_amount
                    elif fig.kind == "change_amount":
                        subject = last_amount
                    else:
                        subject = last_any
                if not subject:
                    continue
                if fig.kind == "amount" and not of_plan:
                    last_amount = subject
                    if breakdown > fig.start and not headline:
                        headline = subject
                elif fig.kind == "change_amount":
                    last_change = subject
                last_any = subject
                fact = NarrativeFact(
                    fact_id=stable_id(doc_id, fig.kind, subject, fig.value, line),
                    doc_id=doc_id,
                    section_id=section.section_id,
                    section=" > ".join(section.path),
                    kind=fig.kind,
                    subject=subject,
                    value=fig.value,
                    unit=fig.unit,
                    text=fig.text,
                    direction=fig.direction,
                    quote=quote,
                    line=line,
                    role="detail" if detail else "headline",
                )
                facts.setdefault(fact.fact_id, fact)
    return list(facts.values())


def _sentences(text: str) -> list[tuple[int, str]]:
    """Split at 。;!? and line breaks; return (offset in text, sentence)."""
    return [(m.start(), m.group()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def _figures(sentence: str) -> list[_Figure]:
    """Find the figures of one sentence, in order, with the words before each."""
    out: list[_Figure] = []
    head_from = 0  # a figure's head never reaches back over the previous figure
    for m in _FIGURE.finditer(sentence):
        if m.group("threshold"):
            continue  # "50 万元以上" qualifies the noun that follows: part of its subject
        head_start = max(head_from, _last_boundary(sentence, m.start()))
        head = sentence[head_start : m.start()]
        head_from = m.end()
        text = m.group().strip()
        if m.group("cn"):
            value = _chinese_number(m.group("cn"))
            out.append(_Figure("count", value, "个", text, m.start(), head, _tail(sentence, m.end())))
            continue
        value = float(m.group("num").replace(",", ""))
        verb = _last_change_verb(head)
        if m.group("money"):
            money = m.group("money")
            amount = round(to_wan(value, "万元" if money == "万" else money), 6)
            if verb:
                out.append(_Figure("change_amount", amount, "万元", text, m.start(),
                                   head[: verb.start()], direction=_direction(verb.group())))
            else:
                out.append(_Figure("amount", amount, "万元", text, m.start(), head))
        elif m.group("pct"):
            if verb:
                out.append(_Figure("change_percent", value, "%", text, m.start(),
                                   head[: verb.start()], direction=_direction(verb.group())))
            elif "占" in head:
                out.append(_Figure("share", value, "%", text, m.start(), head.replace("占", "")))
            elif re.search(r"完成(?:了)?(?:全年|年初|调整后)?预算的?$", squeeze(head)):
                # "完成年初预算的104.3%": the share of the plan that was spent
                out.append(_Figure("share", value, "%", text, m.start(), head))
            # a bare percentage (neither 占 nor a change) has no meaning we can name
        else:
            out.append(_Figure("count", value, m.group("measure"), text, m.start(), head,
                               _tail(sentence, m.end())))
    for m in _STEADY.finditer(sentence):
        # "与 2024 年支出预算保持一致": an unchanged figure is a change of 0
        head = sentence[_last_boundary(sentence, m.start()) : m.start()]
        out.append(_Figure("change_amount", 0.0, "万元", m.group(), m.start(),
                           _COMPARISON.sub("", head), direction="持平"))
    return sorted(out, key=lambda f: f.start)


def _last_boundary(sentence: str, end: int) -> int:
    """Offset just after the last clause boundary before `end`."""
    found = [b.end() for b in _BOUNDARY.finditer(sentence, 0, end)]
    return found[-1] if found else 0


def _last_change_verb(head: str) -> re.Match[str] | None:
    """The change verb closest before a figure ("收支总计各减少"), if any."""
    found = list(_CHANGE.finditer(head))
    return found[-1] if found else None


def _direction(verb: str) -> Direction:
    return "增加" if verb in _UP else "减少"


def _chinese_number(text: str) -> float:
    """Value of a small Chinese numeral: "一" → 1, "两" → 2, "十二" → 12, "二十" → 20."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if "十" not in text:
        return float(digits[text[-1]])
    tens, _, ones = text.partition("十")
    return float(digits.get(tens, 1) * 10 + digits.get(ones, 0))


def _tail(sentence: str, end: int) -> str:
    """Words after a measure word up to the clause end: the counted noun ("项目")."""
    stop = _BOUNDARY.search(sentence, end)
    return sentence[end : stop.start() if stop else len(sentence)]


def _subject(fig: _Figure, sentence: str, orgs: list[str]) -> str:
    """Name what the figure is about; "" when the words before it name nothing."""
    if fig.kind == "count" and fig.unit == "个":
        # 个 is the generic measure word: the counted noun follows it ("共 7 个项目")
        noun = squeeze(fig.tail)
        if "作为" in noun:
            # "选定党建经费等 1个项目作为部门重点绩效目标项目": what the projects are counted as
            return _clean(noun.split("作为", 1)[1], orgs)
        lead = re.match(r"[\u4e00-\u9fff]+", noun)
        if lead:
            return _clean(lead.group(), orgs)
    head = fig.head
    if fig.kind in ("change_amount", "change_percent"):
        head = _COMPARISON.sub("", head)  # "比 2024 年支出预算增加": the comparison is no subject
    subject = _clean(head, orgs)
    if subject.startswith("涉及"):
        # "对项目支出全面实施绩效目标管理,涉及预算拨款 70.68 万元": the previous clause says for what
        subject = _previous_object(sentence, fig.start) + subject
    return subject


def _previous_object(sentence: str, before: int) -> str:
    """Object of the previous clause's verb ("全面实施绩效目标管理" → "绩效目标管理")."""
    clauses = _BOUNDARY.split(sentence[:before])
    if len(clauses) < 2:
        return ""
    prev = squeeze(clauses[-2])
    for verb in _LEAD_VERBS:
        if verb in prev:
            return prev.rsplit(verb, 1)[1]
    return ""


def _clean(head: str, orgs: list[str]) -> str:
    """Strip department, year, enumeration and filler words from a subject."""
    s = squeeze(head)
    year = list(_YEAR.finditer(s))
    if year:  # "洛阳市…局 2025 年收入总计": the subject starts after the year
        s = s[year[-1].end() :]
    for org in orgs:
        s = s.replace(org, "")
    # "区本级一般公共预算安排“三公”经费": the level of government and what funds it are no subject
    s = re.sub(r"^\S*?本级", "", s)
    s = re.sub(r"^\S*?安排(?=[\u4e00-\u9fff“])", "", s)
    if "是" in s:  # "一是公务用车购置费", "(其他用车主要是巡逻车": the subject follows 是
        s = s.rsplit("是", 1)[1]
    s = _ENUM.sub("", s).lstrip("(（")
    changed = True
    while changed and s:
        before = s
        for word in _LEADING:
            if s.startswith(word):
                s = s[len(word) :]
        for word in _TRAILING:
            if s.endswith(word):
                s = s[: -len(word)]
        # "…经费支出预算" → "…经费": 支出 and 预算 are filler after a named fee, but a term in
        # "基本支出", "一般公共预算收支预算" (the table's own wording)
        if s.endswith("预算") and not s.endswith("收支预算") and len(s) > 2:
            s = s[:-2]
        if s.endswith("支出") and s[:-2].endswith("费"):
            s = s[:-2]
        if s.endswith("决算") and len(s) > 4:  # "…经费支出决算": the figure is the 决算 itself
            s = s[:-2]
        for tail in ("财政拨款支出", "财政拨款"):  # "“三公”经费财政拨款(支出)"
            if s.endswith(tail) and s[:-len(tail)].endswith("费"):
                s = s[:-len(tail)]
        changed = s != before
    # "收入预算总计" is the 2020 template's wording of 收入总计
    s = re.sub(r"(收入|支出)预算(总计|合计)", r"\1\2", s).strip("()（）")
    return "" if s in _BARE else s


def _organisation_names(sections: list[Section]) -> list[str]:
    """Department names as the text writes them before a year ("洛阳市…局 2025 年")."""
    names = {m.group(1) for s in sections for m in _ORG.finditer(s.text)}
    return sorted(names, key=len, reverse=True)  # longest first: a name may contain another


def _line_of(lines: list[str], section: Section, start: int, quote: str) -> int:
    """Line where the sentence at `start` of section.text begins.

    line_of() takes the first line holding the sentence's first 8 characters, which is wrong
    when two paragraphs of a section open the same way ("洛阳市…局 2023 年…"). The section text
    is the section's cleaned lines joined, so the sentence's offset maps back to its line.
    """
    chars: list[int] = []
    joined = ""
    for n in range(section.line_start, section.line_end + 1):
        part = squeeze(clean_line(lines[n - 1]))
        joined += part
        chars.extend([n] * len(part))
    body = squeeze(section.text)
    base = joined.rfind(body)  # the heading line may precede the text
    lead = len(squeeze(section.text[:start]))
    if base >= 0 and base + lead < len(chars):
        return chars[base + lead]
    return line_of(lines, section, quote)
