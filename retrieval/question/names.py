"""How Chinese government departments are named: a name read as regions + body
("洛阳市 | 西工区 | 政务服务和大数据管理局"), and the aliases people use for it (without the city,
a short body name, a bare level word for the region, the common abbreviations). General rules of
naming, never lists of particular departments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

HAN = r"\u4e00-\u9fff"
LEVELS = "自治区|自治州|自治县|街道|地区|省|市|州|盟|区|县|旗|镇|乡"
# a place name is 2–4 characters, longer only when it carries ethnic names (瀍河回族区)
REGION = re.compile(rf"([{HAN}]{{2,4}}?|[{HAN}]{{2,12}}?族)({LEVELS})")
SHORT_LEVEL = {"自治区": "", "自治州": "州", "自治县": "县"}
LEVEL_CHARS = "省市区县州旗镇乡"
# body suffix → its short form (管理局 → 局, 办公室 → 办), longest first
SUFFIXES = [("管理委员会", "委"), ("委员会", "委"), ("管理局", "局"), ("办公室", "办"),
             ("办事处", "办"), ("人民政府", "政府"), ("中心", "中心"), ("政府", "政府"),
             ("局", "局"), ("委", "委"), ("办", "办"), ("厅", "厅"), ("院", "院"),
             ("所", "所"), ("站", "站"), ("队", "队"), ("馆", "馆"), ("室", "室")]
# the party's offices: "中共梧州市委政策研究室" is the 市委's 政策研究室 in 梧州市
PARTY = ("中国共产党", "中共")
MODIFIERS = ("行政", "综合", "公共", "大")  # dropped for the abbreviation: 大数据 → 数
# the short forms every reader uses for the long words of some names
ABBREVIATIONS = (("高新技术产业开发区", "高新区"), ("经济技术开发区", "经开区"), ("经济开发区", "经开区"),
                  ("管理委员会", "管委会"), ("高新区管委会", "高新区"), ("经开区管委会", "经开区"))


@dataclass(frozen=True)
class Dept:
    name: str
    regions: list[tuple[str, str]]  # (place, level) outermost first: ("洛阳", "市"), ("西工", "区")
    body: str  # the rest of the name: "政务服务和大数据管理局"
    chain: frozenset[str]  # region ids: "洛阳市", "洛阳市西工区"
    home: str  # id of the innermost region, the one the body belongs to
    home_level: str


def parse_name(name: str) -> Dept:
    """Split a department name into its regions and the body."""
    regions: list[tuple[str, str]] = []
    rest = next((name[len(p):] for p in PARTY if name.startswith(p)), name)
    while m := REGION.match(rest):
        # a conjunction means the body has started (住房和城乡建设局 is no place)
        # (a place may begin or end with 和: 和平区, 永和县)
        if re.search("[和与及、]", m.group(1)[1:-1]) or m.end() == len(rest):
            break
        regions.append((m.group(1), m.group(2)))
        rest = rest[m.end():]
    ids = list(accumulate(p + lv for p, lv in regions))
    return Dept(name, regions, rest, frozenset(ids), ids[-1] if ids else "",
                 regions[-1][1] if regions else "")


def region_aliases(place: str, level: str) -> set[str]:
    """Names of one region: 瀍河回族区 → 瀍河回族区, 瀍河区, 瀍河."""
    short_level = SHORT_LEVEL.get(level, level)
    stems = {place}
    if place.endswith("族") and len(place) >= 4:
        # ethnic names trail the place name, which is mostly 2 (sometimes 3) characters
        stems = {place[:2]} | ({place[:3]} if len(place) - 3 >= 3 else set())
    names = {place + level}
    for stem in stems:
        names |= {stem + short_level} | ({stem} if len(stem) >= 2 else set())
    return {n for n in names if len(n) >= 2}


def split_body(body: str) -> tuple[str, str, str]:
    """Split a body into core, suffix and the suffix's short form."""
    for suffix, short in SUFFIXES:
        if body.endswith(suffix):
            return body[: -len(suffix)], suffix, short
    return body, "", ""


def is_self_government(body: str) -> bool:
    """Whether the body is the government of its region itself (街道办事处, 镇人民政府)."""
    return split_body(body)[0] in ("", "人民")


def body_aliases(body: str, home_level: str) -> dict[str, int]:
    """Short names of a body with their strength (2 names a body, 1 is a common noun)."""
    if body.startswith("委") and len(body) > 3:
        # an office of the party committee (委 after the place: 市委政策研究室): its own short
        # names, with and without the committee (市委政研室, 政研室)
        inner = body_aliases(body[1:], home_level)
        return {**inner, **{"委" + n: s for n, s in inner.items()}, body: 2}
    core, suffix, short = split_body(body)
    if is_self_government(body):
        # 街道办事处 → 街道办, 街道; 镇人民政府 → 镇政府
        names = {home_level + suffix: 2, home_level + short: 2}
        if len(home_level) >= 2:
            names[home_level] = 1
        return names
    if core.startswith("人民"):
        core = core[2:]  # 人民政府办公室 → 政府办公室
    parts = [p for p in re.split("[和与及、]", core) if p]
    stripped = [re.sub("管理$", "", re.sub("^行政", "", p)) or p for p in parts]
    variants = {core, *parts, *(s for s in stripped if len(s) >= 2)}
    if len(parts) >= 2:
        # compound bodies are abbreviated by one character per part: 政务服务+大数据 → 政数
        heads = [re.sub(f"^(?:{'|'.join(MODIFIERS)})", "", p) or p for p in parts]
        variants.add("".join(h[0] for h in heads))
        # a later part of two words may be named by its second (住房和城乡建设局 → 住建局)
        variants.add(heads[0][0] + "".join(h[2] if len(h) == 4 else h[0] for h in heads[1:]))
    # two words, by the first character of each: 政策研究室 → 政研室, 城市管理局 → 城管局,
    # 卫生健康委员会 → 卫健委
    names_extra = {}
    stem = body[:-1]
    if len(parts) < 2 and len(stem) == 4 and body[-1] in {s for _, s in SUFFIXES}:
        names_extra[stem[0] + stem[2] + body[-1]] = 2
    if len(parts) < 2 and len(core) == 4 and short:
        names_extra[core[0] + core[2] + short] = 2
    names = {v + s: 2 for v in variants for s in {suffix, short} if v} | names_extra
    names[body] = 2
    names |= {n: 2 for n in short_forms({body}) if n not in names}  # 贵阳国家高新区 → 贵阳高新区
    return {n: s for n, s in names.items() if len(n) >= 3 or n == body}


def department_aliases(name: str) -> set[str]:
    """The names people use for a department, by general rules of Chinese government naming.

    Args:
        name: the full name as the document writes it ("洛阳市西工区人民政府办公室").

    Returns:
        The full name and its short forms: 西工区政府办, 区政府办, 政府办, 西工区政府办公室 …
    """
    dept = parse_name(name)
    regions = dept.regions
    bodies = body_aliases(dept.body, dept.home_level)
    prefixes = {""}
    if regions:
        place, level = regions[-1]
        home = region_aliases(place, level)
        if is_self_government(dept.body):
            # the body names the level already: 西工 + 街道办, never 西工街道 + 街道办
            home = {a for a in home if not a.endswith(level)}
        else:
            prefixes.add(SHORT_LEVEL.get(level, level))
        prefixes |= home
        if len(regions) > 1:  # with the parents: 洛阳市西工区 / 西工区 + 西工街道办
            parents = {"".join(p + lv for p, lv in regions[:-1])}
            parents |= {a for a in region_aliases(*regions[-2]) if a[-1] in LEVEL_CHARS}
            prefixes |= {p + a for p in parents for a in home}
    return short_forms({p + b for p in prefixes for b in bodies if len(p + b) >= 2} | {name})


def short_forms(names: set[str]) -> set[str]:
    """The names with the short forms every reader uses for their long words."""
    names = set(names)
    for long, short in ABBREVIATIONS:  # 重庆高新技术产业开发区管理委员会 → 重庆高新区管委会, 重庆高新区
        names |= {n.replace(long, short) for n in names if long in n}
    # "贵阳国家高新区" is said "贵阳高新区": a 国家(级) rank inside a name is often left out
    return names | {n.replace("国家级", "").replace("国家", "") for n in names if "国家" in n and len(n) > 5}
