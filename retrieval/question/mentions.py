"""Read a question into typed mentions: what is asked, operators, constants, claims, tables, codes.

Everything worded is data in vocabulary.json; this module only applies it. Spans are offsets in
the normalised question (`normalise_question`), so later stages can tell which words each
mention accounted for.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import cn2an

from indexer.text import normalise, squeeze
from retrieval.question.records import Asked, Mention, Reading

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.json")
_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_UNITS_TO_WAN = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "万": 1.0, "亿元": 10000.0, "亿": 10000.0}
# a number with what it counts: "948万", "2000元", "30人", "6%", "两辆", "3.5倍"
_CONSTANT = re.compile(
    rf"(?P<n>\d+(?:\.\d+)?|[{_CN_DIGITS}]+)\s*(?P<more>多)?\s*"
    r"(?P<u>万元|亿元|千元|元|万|亿|%|个百分点|百分点|倍|人|名|辆|台|个|项|条|家|次|户|套|月|年|天)(?P<more2>多)?"
)
_TABLE = re.compile(r"(?:预算)?(?P<n>\d{1,2})\s*号?表|表\s*(?P<m>\d{1,2})")
# functional codes "201 03 01" / "2010301", economic codes "30301", unit codes "113002"
_CODE = re.compile(r"(?<![\d.])(?P<c>\d{3}(?:\s?\d{2}){1,2}|\d{5,7})(?![\d.%])(?!\s*(?:年|万|元|人|个|辆|台|%))")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))


LEXICON_FILE = Path(__file__).with_name("lexicon.json")


@lru_cache(maxsize=1)
def lexicon() -> dict[str, list[str]]:
    """Plain words → the budget terms the documents use for them (lexicon.json)."""
    return json.loads(LEXICON_FILE.read_text(encoding="utf-8"))["terms"]


def lexicon_terms(text: str) -> list[str]:
    """Budget terms for the plain words in the text, longest words first, no overlaps."""
    terms: list[str] = []
    used: list[str] = []
    for word in sorted(lexicon(), key=len, reverse=True):
        if word in text and not any(word in longer for longer in used):
            used.append(word)
            terms.extend(t for t in lexicon()[word] if t not in terms)
    return terms


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc  # traditional characters (預算, 經費) read as simplified

    return opencc.OpenCC("t2s")


def normalise_question(text: str) -> str:
    """Half-width, simplified characters, no whitespace: the text every span refers to."""
    return squeeze(_to_simplified().convert(normalise(text or "")))


def chinese_number(text: str) -> float | None:
    """"两" → 2, "三十" → 30, "12.5" → 12.5; None when it is no number."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    try:
        return float(cn2an.cn2an(text.replace("两", "二"), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def read_question(text: str) -> Reading:
    """Find the typed mentions of a question (departments and items are linked later)."""
    s = normalise_question(text)
    vocab = vocabulary()
    mentions: list[Mention] = []
    for m in _YEAR.finditer(s):
        mentions.append(Mention(kind="year", start=m.start(), end=m.end(), text=m.group(0),
                                value=float(m.group(1))))
    years = [(m.start, m.end) for m in mentions]
    for m in _CONSTANT.finditer(s):
        if any(a <= m.start() < b for a, b in years):
            continue
        value = chinese_number(m.group("n"))
        if value is None or (m.group("u") in ("年", "月", "天") and value > 31):
            continue
        unit = m.group("u")
        if unit in _UNITS_TO_WAN:
            value, unit = value * _UNITS_TO_WAN[unit], "万元"
        elif unit in ("个百分点", "百分点"):
            unit = "%"
        mentions.append(Mention(kind="constant", start=m.start(), end=m.end(), text=m.group(0),
                                value=round(value, 6), unit=unit,
                                name="approx" if m.group("more") or m.group("more2") else ""))
    for word, percent in vocab["fractions"].items():
        for m in re.finditer(word, s):
            mentions.append(Mention(kind="constant", start=m.start(), end=m.end(), text=word,
                                    value=float(percent), unit="%", name="fraction"))
    for word, wan in vocab["thresholds"].items():  # "有没有上亿": 10000万元, at least
        for m in re.finditer(word, s):
            mentions.append(Mention(kind="constant", start=m.start(), end=m.end(), text=word,
                                    value=float(wan), unit="万元", name="threshold"))
            mentions.append(Mention(kind="claim", start=m.start(), end=m.end(), text=word, name="ge"))
    for m in _TABLE.finditer(s):
        number = int(m.group("n") or m.group("m"))
        mentions.append(Mention(kind="table", start=m.start(), end=m.end(), text=m.group(0),
                                name=f"{number:02d}"))
    for m in _CODE.finditer(s):
        if any(a <= m.start() < b for a, b in years):
            continue
        mentions.append(Mention(kind="code", start=m.start(), end=m.end(), text=m.group(0),
                                name=m.group("c").replace(" ", "")))
    for name, pattern in vocab["operators"].items():
        for m in re.finditer(pattern, s):
            k = next((g for g in m.groups() if g), None) if m.groups() else None
            mentions.append(Mention(kind="operator", start=m.start(), end=m.end(), text=m.group(0),
                                    name=name, value=chinese_number(k) if k else None))
    mentions += _claim_mentions(s)
    per = re.search(vocab["per"]["pattern"], s)
    if per:
        mentions.append(Mention(kind="per", start=per.start(), end=per.end(), text=per.group(0),
                                name=per.group("what") or per.group("what2") or per.group("what3")))
    asked = asked_quantity(s)
    return Reading(text=s, mentions=sorted(mentions, key=lambda x: (x.start, -x.end)), asked=asked)


def _claim_mentions(s: str) -> list[Mention]:
    claims = vocabulary()["claims"]
    cues = list(re.finditer(claims["cue"], s))
    if not cues:
        return []
    out = [Mention(kind="claim", start=c.start(), end=c.end(), text=c.group(0), name="cue") for c in cues]
    for rel in claims["relations"]:
        for m in re.finditer(rel["pattern"], s):
            out.append(Mention(kind="claim", start=m.start(), end=m.end(), text=m.group(0),
                               name=rel["relation"]))
    return out


_PARTS = re.compile(r"[？?;；!！]|[,，](?=具体|实际|分别|各|那|再|其中|占|比|合计|一共|差)")


def asked_quantity(s: str) -> Asked:
    """The kind of quantity asked, overall and per part of a several-part question."""
    whole = _asked_in(s)
    parts = []
    for part in _PARTS.split(s):
        one = _asked_in(part)
        if one.kind:
            parts.append(one.kind)
        elif re.search(r"多少|几|是什么|为多少", part):
            parts.append("any")
    count = next(e for e in vocabulary()["asked"] if e["kind"] == "count")
    found = list(re.finditer(count["pattern"], s))
    units = [m.group("unit").replace("个人", "人") for m in found if m.group("unit")]
    counted = None
    if found:
        noun = re.match(r"[\u4e00-\u9fff]{1,4}", s[found[-1].end():])
        counted = re.sub(r"(是|呢|吗|啊|了|的).*$", "", noun.group(0)) if noun else None
    return whole.model_copy(update={"parts": parts, "count_units": units, "counted": counted or None})


def _asked_in(s: str) -> Asked:
    """The last asking phrase decides ("有人说…4倍，具体是几倍？" asks a ratio)."""
    vocab = vocabulary()
    best: tuple[int, str, str | None] | None = None
    for entry in vocab["asked"]:
        for m in re.finditer(entry["pattern"], s):
            unit = entry["unit"]
            if "unit" in m.groupdict() and m.group("unit"):
                unit = m.group("unit").replace("个人", "人")
            if entry["kind"] == "amount" and unit == "万":
                unit = "万元"
            if best is None or m.start() >= best[0]:
                best = (m.start(), entry["kind"], unit)
    kind, unit = (best[1], best[2]) if best else (None, None)
    for entry in vocab["asked_unit"]:
        if re.search(entry["pattern"], s):
            kind, unit = kind or "amount", entry["unit"]
            break
    per = re.search(vocab["per"]["pattern"], s)
    return Asked(kind=kind, unit=unit, per=(per.group("what") or per.group("what2") or per.group("what3")) if per else None)


def is_greeting(text: str) -> bool:
    return bool(re.match(vocabulary()["greetings"], normalise_question(text), re.IGNORECASE))


def has_budget_words(text: str) -> bool:
    return bool(re.search(vocabulary()["budget_words"], normalise_question(text)))


def asks_actuals(text: str) -> bool:
    """The question asks what was actually spent (决算), which a budget does not hold."""
    return bool(re.search(vocabulary()["actuals"], normalise_question(text)))


def section_asked(text: str) -> list[str]:
    """Heading words of the sections a question asks for in plain words ("是干嘛的" → 主要职责)."""
    sections = {k: v for k, v in vocabulary()["sections"].items() if not k.startswith("_")}
    return [heading for heading, pattern in sections.items() if re.search(pattern, text)]


def section_pattern() -> str:
    return "|".join(v for k, v in vocabulary()["sections"].items() if not k.startswith("_"))
