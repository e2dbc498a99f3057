"""Document metadata: department, budget year, region level, unit of amounts, text shape."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from indexer.load import NotABudgetDocument
from indexer.text import amount_unit, normalise, squeeze

_DEPARTMENT_LINE = re.compile(r"部门(?:\(单位\))?名称[:：]?\s*(?:\t)?\s*([^\t单]+?)(?:\s*[(（]汇总[)）])?\s*(?:单位[:：].*)?$")
_YEAR_BUDGET = re.compile(r"(20\d\d)年度?[^\d,，。;；]{0,40}?部门预算")
_NAME_END = re.compile(r"(局|办公室|委员会|办事处|中心|政府|院|所|站|馆|队|处|部|厅|会|社|委|校|园|台|室)$")


@dataclass(frozen=True)
class Metadata:
    department: str
    year: int
    region_level: str
    unit: str
    shape: str  # "tsv" or "flat"
    title: str


def text_shape(lines: list[str]) -> str:
    """Tab-separated tables, or a flattened PDF text whose tables lost their columns."""
    tab_lines = sum(1 for line in lines if line.count("\t") >= 2)
    return "tsv" if tab_lines >= 20 else "flat"


def find_department(lines: list[str]) -> str | None:
    """The most frequent "部门名称：…" value: every table header repeats it."""
    names: Counter[str] = Counter()
    for line in lines:
        m = _DEPARTMENT_LINE.search(normalise(line))
        if m:
            name = squeeze(m.group(1)).strip(":：")
            name = re.sub(r"[(（]汇总[)）]$", "", name)
            if 4 <= len(name) <= 40 and _NAME_END.search(name):
                names[name] += 1
    if names:
        return names.most_common(1)[0][0]
    return None


def find_year(lines: list[str]) -> int | None:
    """The year most often written just before "部门预算" (title, 附件, 情况说明)."""
    years: Counter[int] = Counter()
    for line in lines:
        for m in _YEAR_BUDGET.finditer(squeeze(normalise(line))):
            years[int(m.group(1))] += 1
    return years.most_common(1)[0][0] if years else None


def department_from_title(lines: list[str]) -> str | None:
    """Fallback: the name in the opening lines ("2025 年洛阳市…局 部门预算公开")."""
    head = squeeze("".join(normalise(line) for line in lines[:12]))
    m = re.search(r"(?:20\d\d年度?)?(.{4,40}?)(?:20\d\d年度?)?部门预算", head)
    if m and _NAME_END.search(m.group(1)):
        return m.group(1)
    return None


def region_level(department: str) -> str:
    """Administrative level from the name: 街道/乡镇, 区, 县, 市, 省."""
    if re.search(r"街道|乡|镇", department):
        return "街道"
    if re.search(r"市.+?区|^\S{2,6}区", department):
        return "区"
    if "县" in department:
        return "县"
    if "市" in department:
        return "市"
    if "省" in department:
        return "省"
    return "未知"


def document_unit(lines: list[str]) -> str:
    units = Counter(u for u in (amount_unit(line) for line in lines) if u)
    return units.most_common(1)[0][0] if units else "万元"


def document_title(lines: list[str], department: str, year: int) -> str:
    head = [normalise(line) for line in lines[:12] if normalise(line)]
    joined = squeeze("".join(head))
    m = re.search(r".{0,60}?部门预算公开", joined)
    return m.group(0) if m else f"{year}年{department}部门预算"


def read_metadata(lines: list[str]) -> Metadata:
    """Find the metadata; raise NotABudgetDocument when the text has no budget markers."""
    text = "\n".join(lines[:4000])
    if text.count("预算") < 5 or not re.search(r"部门预算|预算表|收支预算", squeeze(text)):
        raise NotABudgetDocument("no 部门预算 content (no budget tables or 预算 headings found)")
    department = find_department(lines) or department_from_title(lines)
    if not department:
        raise NotABudgetDocument("no department name found (no 部门名称 line or title)")
    year = find_year(lines)
    if not year:
        raise NotABudgetDocument("no budget year found (no \"20XX 年…部门预算\")")
    return Metadata(
        department=department,
        year=year,
        region_level=region_level(department),
        unit=document_unit(lines),
        shape=text_shape(lines),
        title=document_title(lines, department, year),
    )
