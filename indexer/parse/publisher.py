"""Who published a disclosure, and for which year: from its title-like lines, its body, the site's
header lines, by general rules over the words in `publisher_words.json`.

A title-like line names a year and one of 预算/决算/三公/公开/说明/报告, is short and no sentence
("贵阳国家高新区2024年财政拨款“三公”经费预算汇总说明", "2019年度鹿寨县“三公”经费支出决算情况",
"重庆市长寿区财政局关于重庆市长寿区2022年预算执行情况…的报告"): the publisher stands before the
year (before 关于 when the line has one), else just after it. In the body a name stands before a
year ("石台县司法局2018年度…", "…批准的百色市本级2024年预算") or after one ("2014年达州市环城公路养护
中心没有安排…"). A name ends as organisations, places, zones or levels of government do, and
holds none of the budget's own words.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.text import arabic_years, normalise, squeeze

_YEAR = re.compile(r"((?:19|20)\d\d)年度?")
_NAME_CHARS = re.compile(r"^[\u4e00-\u9fff（）()]+$")
# where a name never reaches over: clause punctuation, brackets of titles, breadcrumbs
_BOUNDARY = re.compile(r"[,，。;；:：!！?？、《》<>|｜\"“”'‘’【】\[\]\s]")
_ENUM = re.compile(r"^(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、.．]|\d+[、.．])")
_NOT_TITLE = re.compile(r"[。，,；;]|>|首页|当前位置|发布日期|发表日期|浏览")


@dataclass(frozen=True)
class Found:
    """A publisher (or level of government) and the year the evidence names, and where from."""

    name: str | None
    year: int | None
    source: str  # "title", "body", "site"
    line: str = ""


@lru_cache(maxsize=1)
def words() -> dict[str, list[str]]:
    path = Path(__file__).with_name("publisher_words.json")
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def _ends(name: str, key: str) -> bool:
    return any(name.endswith(w) for w in words()[key])


def is_level(name: str) -> bool:
    """A level of government without its place: 市本级, 区本级."""
    return name in words()["level_words"]


def name_ok(name: str) -> bool:
    """A name as organisations, places, zones and levels end, holding no budget words."""
    if not 2 <= len(name) <= 40 or not _NAME_CHARS.match(name):
        return False
    w = words()
    if name in w["generic_names"] or name.endswith(("部门", "单位")) or name.startswith(("本", "我", "该", "各")):
        return False
    if any(term in name for term in w["budget_terms"] if len(term) > 1) or re.search("关于|根据|按照|以下|如下|情况|和自治区|中央和", name):
        return False
    if is_level(name) or name.endswith("本级"):
        return True
    if _ends(name, "organisation_ends") or _ends(name, "zone_ends"):
        return len(name) >= 3
    return _ends(name, "place_ends") and 2 <= len(name) <= 12


def clean_name(name: str) -> str:
    """Drop what scopes a name (大冶市殷祖卫生院本级, …政府（本级）, 深圳市教育局直属系统); a place's
    本级 is a level of government and stays (百色市本级)."""
    name = name.strip("()（）") if name.startswith(("(", "（")) else name
    for suffix in words()["scope_suffixes"]:
        if name.endswith(suffix) and len(name) > len(suffix):
            rest = name[: -len(suffix)]
            if suffix.strip("()（）") == "本级" and _ends(rest, "place_ends") and not _ends(rest, "organisation_ends"):
                if "(" not in suffix and "（" not in suffix:
                    return name  # 百色市本级, 江北区区本级
            if _ends(rest, "organisation_ends") or _ends(rest, "zone_ends") or _ends(rest, "place_ends"):
                return clean_name(rest)
    return name


def _strip_leads(s: str) -> str:
    changed = True
    while changed:
        changed = False
        s = _ENUM.sub("", s)
        for lead in words()["lead_words"]:
            if s.startswith(lead) and len(s) > len(lead):
                s, changed = s[len(lead):], True
    return s


def _cut_at_terms(s: str) -> str:
    """The part before the first budget word or digit ("…中心财政拨款“三公”经费" → "…中心")."""
    cut = len(s)
    for term in words()["budget_terms"]:
        k = s.find(term)
        if 0 <= k < cut:
            cut = k
    digit = re.search(r"\d", s)
    return s[: min(cut, digit.start() if digit else cut)]


def name_before(fragment: str, reach: int = 1) -> str | None:
    """The name that ends a fragment standing before a year; a title's publisher may stand a few
    quoted words earlier ("…中心财政拨款“三公”经费预算2014年"): `reach` parts back."""
    parts = [p for p in _BOUNDARY.split(fragment)]
    for part in reversed(parts[-reach:]):
        if (name := _name_ending(part)):
            return name
    return None


def _name_ending(s: str) -> str | None:
    if "关于" in s:  # "重庆市长寿区财政局关于重庆市长寿区": the publisher writes about the place
        head, s = s.split("关于", 1)
        head = clean_name(_cut_at_terms(_strip_leads(head)))
        if name_ok(head):
            return head
    s = s.rsplit("的", 1)[-1]  # "…会议批准的百色市本级"
    s = clean_name(_cut_at_terms(_strip_leads(s)))
    return s if name_ok(s) else None


def name_after(fragment: str) -> str | None:
    """The name that opens a fragment standing after a year ("鹿寨县“三公”经费…")."""
    s = _cut_at_terms(_strip_leads(_BOUNDARY.split(fragment)[0]))
    for end in range(len(s), 2, -1):
        name = clean_name(s[:end])
        if name_ok(name):
            return name
    return None


def text_lines(lines: list[str], count: int = 30) -> list[str]:
    """The first lines that hold text (a table row with one filled field counts), normalised."""
    out = []
    for line in lines:
        fields = [f for f in line.split("\t") if f.strip()]
        if len(fields) == 1:
            out.append(squeeze(arabic_years(normalise(fields[0]).lstrip("#").strip("*"))))
        if len(out) == count:
            break
    return out


def is_title_like(text: str) -> bool:
    """Short, no sentence, no site navigation; names a year and a kind of disclosure."""
    return (len(text) <= 64 and not _NOT_TITLE.search(text.rstrip(":：")) and bool(_YEAR.search(text))
            and any(w in text for w in words()["title_words"]))


def publisher_in_title(text: str) -> Found | None:
    """The publisher and year of one title-like line."""
    m = _YEAR.search(text)
    if m is None:
        return None
    name = name_before(text[: m.start()], reach=4) or name_after(text[m.end():])
    return Found(name, int(m.group(1)), "title", text)


def from_titles(lines: list[str]) -> Found | None:
    """The first title-like line that names a publisher (a title split over two lines is joined);
    else the first that names a year alone."""
    head = text_lines(lines)
    first_year: Found | None = None
    for k, text in enumerate(head):
        candidates = [text] + ([head[k - 1] + text] if k and _YEAR.match(text) else [])
        for candidate in candidates:
            if not is_title_like(candidate):
                continue
            found = publisher_in_title(candidate)
            if found and found.name:
                return found
            first_year = first_year or found
    return first_year


def from_body(lines: list[str], limit: int = 600) -> Counter[str]:
    """Names standing next to a year in the body's clauses, weighted: before a year 2, after 1."""
    names: Counter[str] = Counter()
    for line in lines[:limit]:
        text = squeeze(arabic_years(normalise(line)))
        for clause in re.split(r"[。；;!！?？]", text):
            for m in _YEAR.finditer(clause):
                before = name_before(clause[: m.start()])
                if before:
                    names[before] += 2
                after = name_after(clause[m.end():])
                if after:
                    names[after] += 1
    return names


def best_name(names: Counter[str]) -> str | None:
    """The weightiest full name; a bare level (区本级) only when no full name is found."""
    full = Counter({n: c for n, c in names.items() if not is_level(n)})
    chosen = full or names
    return chosen.most_common(1)[0][0] if chosen else None


def from_site(lines: list[str], limit: int = 40) -> str | None:
    """The publisher a saved web page's header names ("发布机构 | 施甸县财政局", "来源：…局")."""
    keys = "|".join(re.escape(k) for k in words()["site_keys"])
    pattern = re.compile(rf"(?:{keys})\s*[:：\t]?\s*([\u4e00-\u9fff（）()]{{3,40}})")
    for line in lines[:limit]:
        for m in pattern.finditer(normalise(line).replace("|", "\t")):
            name = clean_name(m.group(1))
            if name_ok(name):
                return name
    return None


def years_in_text(lines: list[str]) -> Counter[int]:
    """How often each year is written ("2023 年", "2023年度") in the text."""
    return Counter(int(m.group(1)) for line in lines
                   for m in _YEAR.finditer(squeeze(arabic_years(normalise(line)))))
