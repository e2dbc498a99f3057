"""Document metadata: kind, department (or level of government), budget year, region level,
unit of amounts, text shape — each found from the document's own evidence.

Kinds: 部门预算 / 单位预算 (this corpus), 部门决算 / 单位决算 (final accounts), 三公经费 (a notice of
the "三公"经费, also for a whole level of government: 市本级, 区本级, 高新区). The department comes
from, in order: a name the user gives, the 部门名称/编制单位 lines of the tables, the first
title-like line, the body (names beside a year, before 主要职责, "本部门是…"), the site's header
lines, the file name (`publisher`); the year from the same title, the kind's name, the file name
or the text's most written year. A document nothing names is indexed under its file name (year 0
when no year is written) with a warning asking for the name (`NAME_REQUEST`). Only text with no
budget content, or with no figures and no title naming its publisher, is refused.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

from indexer.parse import publisher
from indexer.read.load import NotABudgetDocument
from indexer.text import amount_unit, arabic_years, normalise, squeeze

_DEPARTMENT_LINE = re.compile(r"部门(?:\(单位\))?名称[:：]?\s*(?:\t)?\s*([^\t单]+?)(?:\s*[(（]汇总[)）])?\s*(?:单位[:：].*)?$")
# "编制单位：XX局" (决算 tables), "单位名称：XX中心" — a colon is required: "单位名称" alone heads a column
_COMPILER_LINE = re.compile(r"(?:编制|填报|预算)?单位(?:名称)?[:：]\s*([^\t:：]+?)\s*(?:\t|金额单位|单位[:：]|$)")
_YEAR_BUDGET = re.compile(r"(20\d\d)年度?[^\d,，。;；]{0,40}?部门预算")
_YEAR_OF_KIND = {
    "预算": re.compile(r"(20\d\d)年度?[^\d,，。;；]{0,40}?(?:部门|单位)预算"),
    "决算": re.compile(r"(20\d\d)年度?[^\d,，。;；]{0,40}?(?:部门|单位)?决算"),
    "三公": re.compile(r"(20\d\d)年度?[^\d,，。;；]{0,40}?三公"),
}
_NAME_END = re.compile(r"(局|办公室|委员会|办事处|中心|政府|院|所|站|馆|队|处|部|厅|会|社|委|校|园|台|室)$")
# a level of government, or a zone, standing where a department's name would
_LEVEL_NAME = re.compile(r"^(?:[\u4e00-\u9fff]{0,8}(?:市|区|县|州|旗))?(?:市|区|县|省|州|旗)本级$"
                         r"|^[\u4e00-\u9fff]{0,10}(?:高新区|开发区|新区|高新技术产业开发区|经开区)$")
_NAME_CHARS = r"[\u4e00-\u9fff（）()]"
_KIND_WORD = r"(?:部门|单位)?(?:预算|决算)|[“\"”]?三公[”\"“]?经费"
_TITLE = re.compile(rf"^(?:关于)?(?:20\d\d年度?)?({_NAME_CHARS}{{2,40}}?)(?:20\d\d年度?)?(?:{_KIND_WORD})")
# names in the body: before 主要职责 / 是…部门, after 本部门是 / 我单位
_BODY_NAMES = (
    re.compile(rf"(?:本部门|我单位|本单位)(?:全称|名称)?(?:是|为)({_NAME_CHARS}{{3,40}}?)(?:[，,。；;（(]|是|为|$)"),
    re.compile(rf"(?:^|[。；;：:\s])({_NAME_CHARS}{{3,40}}?)(?:的)?主要职责"),
    re.compile(rf"(?:^|[。；;：:\s])({_NAME_CHARS}{{3,40}}?)(?:是|为)[^，。]{{0,24}}?"
               r"(?:工作部门|组成部门|直属|事业单位|派出机构|行政机构|参公单位)"),
    re.compile(rf"(?:^|[。；;：:\s])({_NAME_CHARS}{{3,40}}?)(?:[（(]以下简称)"),
)
_GENERIC = re.compile(r"^(?:本|我|该|各|下属|所属|部门|单位|主要|其他)")
_FILE_NOISE = re.compile(r"20\d\d年?度?|(?:部门|单位)?(?:预算|决算)(?:公开|报告|说明|表)?|[“\"”]?三公[”\"“]?经费"
                         r"|情况说明|公开|附件|[_\-—\s.·()（）\d]+")
_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:亿元|万元|千元|元|万)")
_COUNT = re.compile(r"\d+\s*(?:人|辆|台|个|家|项|名|张|套|所|处|次)")
_TABLE_NUMBER = re.compile(r"\t\s*(-?\d[\d,]*(?:\.\d+)?)\s*(?=\t|$)")
_YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True)
class Metadata:
    department: str
    year: int
    region_level: str
    unit: str
    shape: str  # "tsv" or "flat"
    title: str
    kind: str = "部门预算"  # 部门预算 / 单位预算 / 部门决算 / 单位决算 / 三公经费
    warnings: tuple[str, ...] = field(default_factory=tuple)


def text_shape(lines: list[str]) -> str:
    """Tab-separated tables, or a flattened PDF text whose tables lost their columns.

    A long document needs 20 tab lines; a partial one (a table or two) is tab-separated when its
    tab lines are at least as many as the lines holding bare numbers (flattened table rows).
    """
    tab_lines = sum(1 for line in lines if line.count("\t") >= 2)
    if tab_lines >= 20:
        return "tsv"
    tabbed = sum(1 for line in lines if "\t" in line.strip("\t "))
    bare = sum(1 for line in lines if "\t" not in line and re.fullmatch(r"\s*-?[\d,]+\.\d{2}\s*", line))
    return "tsv" if tabbed >= 3 and tabbed >= bare else "flat"


def _name_ok(name: str) -> bool:
    return (2 <= len(name) <= 40 and not _GENERIC.search(name)
            and bool(_NAME_END.search(name) or _LEVEL_NAME.search(name)))


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


def compiler_name(lines: list[str]) -> str | None:
    """The most frequent "编制单位：…" / "单位名称：…" value (决算 tables, Excel sheets)."""
    names: Counter[str] = Counter()
    for line in lines:
        for m in _COMPILER_LINE.finditer(line.strip()):
            name = squeeze(m.group(1))
            if 4 <= len(name) <= 40 and "元" not in name and _name_ok(name):
                names[name] += 1
    return names.most_common(1)[0][0] if names else None


def _head(lines: list[str], count: int = 15) -> list[str]:
    """The first non-empty lines, squeezed (the title is among them when there is one)."""
    out = []
    for line in lines:
        t = squeeze(normalise(line).lstrip("#").strip("*"))
        if t and "\t" not in line:
            out.append(t)
        if len(out) == count:
            break
    return out


def department_from_body(lines: list[str]) -> str | None:
    """A name the text gives itself: "本部门是…", "…局主要职责", "…局是市政府工作部门"."""
    for pattern in _BODY_NAMES:
        names: Counter[str] = Counter()
        for line in lines[:600]:
            for m in pattern.finditer(squeeze(normalise(line))):
                name = re.sub(r"^(?:20\d\d年度?)", "", m.group(1))
                if _name_ok(name):
                    names[name] += 1
        if names:
            return names.most_common(1)[0][0]
    return None


def department_from_file_name(name: str | None) -> str | None:
    """The name left in a file name once years, kind words and separators are removed."""
    if not name:
        return None
    stem = normalise(PurePath(name).stem)
    rest = _FILE_NOISE.sub(" ", stem).split()
    for part in rest:
        if _name_ok(part) and re.fullmatch(rf"{_NAME_CHARS}+", part):
            return part
    return None


def find_year(lines: list[str], kind: str = "部门预算") -> int | None:
    """The year most often written just before the kind's name ("2025年…部门预算")."""
    pattern = _YEAR_BUDGET if kind == "部门预算" else _YEAR_OF_KIND[_family(kind)]
    years: Counter[int] = Counter()
    for line in lines:
        for m in pattern.finditer(arabic_years(squeeze(normalise(line)))):
            years[int(m.group(1))] += 1
    if years:
        return years.most_common(1)[0][0]
    head = Counter(int(y) for line in _head(lines) for y in re.findall(r"(20\d\d)年", arabic_years(line)))
    return head.most_common(1)[0][0] if head else None


def year_from_file_name(name: str | None) -> int | None:
    m = re.search(r"(?<!\d)(20\d\d)(?!\d)", arabic_years(normalise(name or "")))
    return int(m.group(1)) if m else None


def _family(kind: str) -> str:
    return "决算" if "决算" in kind else "三公" if kind == "三公经费" else "预算"


def document_kind(lines: list[str]) -> str | None:
    """部门预算 / 单位预算 / 部门决算 / 单位决算 / 三公经费 from the title, else the body; None
    when the text names no budget at all."""
    head = "".join(_head(lines, 6))
    body = squeeze(normalise("\n".join(lines[:4000])))
    m = re.search(r"(部门|单位)(预算|决算)|(决算)(?:公开|报告|情况说明|表)", head)
    if m:
        return f"{m.group(1) or '部门'}{m.group(2) or m.group(3)}"
    if "三公" in "".join(_head(lines, 2)):  # the title itself, not a table further down
        return "三公经费"
    final, budget = body.count("决算"), body.count("预算")
    if final and ("决算数" in body or final > budget):
        return "单位决算" if "单位决算" in body else "部门决算"
    if re.search(r"部门预算|单位预算|预算总?表|收支预算|预算数", body):
        return "单位预算" if body.count("单位预算") > body.count("部门预算") else "部门预算"
    if "三公" in body:
        return "三公经费"
    # a section pasted alone ("本部门2024年一般公共预算支出…其中：基本支出…项目支出…"): budget
    # terms of the standard disclosure are the evidence, not the count of 预算
    terms = sum(1 for term in _BUDGET_TERMS if term in body)
    if budget >= 5 or (budget and terms >= 2) or (budget >= 2 and has_figures(lines)):
        return "部门预算"
    # a publisher's titled report ("…财政局关于…2022年预算执行情况…的报告"), a 决算 report
    title = publisher.from_titles(lines)
    if title and title.name and re.search("预算|决算", title.line):
        return "部门决算" if "决算" in title.line and "预算" not in title.line else "部门预算"
    return None


_BUDGET_TERMS = ("一般公共预算", "基本支出", "项目支出", "财政拨款", "人员经费", "公用经费", "收入总计",
                 "支出总计", "政府采购", "三公", "政府性基金")


def region_level(department: str) -> str:
    """Administrative level from the name: 街道/乡镇, 区, 县, 市, 省; 市本级 → 市."""
    level = re.search(r"(市|区|县|省|州|旗)本级$", department)
    if level:
        return {"州": "市", "旗": "县"}.get(level.group(1), level.group(1))
    if re.search(r"街道|乡|镇", department):
        return "街道"
    if re.search(r"市.+?区|^\S{2,6}区|^(?:高新|开发|新)区", department):
        return "区"
    if "县" in department:
        return "县"
    if "市" in department:
        return "市"
    if "省" in department:
        return "省"
    return "未知"


def document_unit(lines: list[str]) -> str:
    """The unit of the 单位 lines (most common), else of the text's amounts, else 万元."""
    units = Counter(u for u in (amount_unit(line) for line in lines) if u)
    if units:
        return units.most_common(1)[0][0]
    stated = Counter(re.sub(r"^万$", "万元", m.group(0).lstrip("0123456789,. "))
                     for line in lines for m in _AMOUNT.finditer(normalise(line)))
    return stated.most_common(1)[0][0] if stated else "万元"


def document_title(lines: list[str], department: str, year: int, kind: str = "部门预算") -> str:
    head = [normalise(line) for line in lines[:12] if normalise(line)]
    joined = squeeze("".join(head))
    m = re.search(r".{0,60}?部门预算公开", joined)
    if m:
        return m.group(0)
    # other kinds keep their own title line ("市本级2024年“三公”经费预算情况说明")
    title = next((t for t in _head(lines, 6) if _TITLE.search(t) and len(t) <= 60), None)
    if title and kind != "部门预算":
        return title
    return f"{year}年{department}{kind}" if year else f"{department}{kind}"


def has_figures(lines: list[str]) -> bool:
    """Amounts with a money unit in the text, or table rows holding numbers (a year in a
    table, "| 2023 |" in a list of documents, is no figure)."""
    return any(_AMOUNT.search(normalise(line)) or any(
        not _YEAR_CELL.match(m.group(1)) for m in _TABLE_NUMBER.finditer(line)) for line in lines)


def has_counts(lines: list[str]) -> bool:
    """Counts a disclosure states (编制人数14人, 共有车辆1辆): figures too, where no amount is given."""
    return any(_COUNT.search(normalise(line)) for line in lines)


# the words of a warning that asks the user to name the document (the app and `rename` look for it)
NAME_REQUEST = "budgetqa rename"


def _department(lines: list[str], file_name: str | None, title: publisher.Found | None,
                warnings: list[str]) -> str | None:
    """The department from the evidence, most trusted first; None when nothing names it."""
    found = find_department(lines) or compiler_name(lines)
    if not found and title and title.name:
        found = title.name
    if not found:
        names = publisher.from_body(lines)
        pattern = department_from_body(lines)
        if pattern:
            names[pattern] += 3
        if (found := publisher.best_name(names)):
            warnings.append(f"部门名称取自正文：{found}")
    if not found and (found := publisher.from_site(lines)):
        warnings.append(f"部门名称取自网页的发布信息：{found}")
    if not found and (found := department_from_file_name(file_name)):
        warnings.append(f"部门名称取自文件名：{found}")
    if found and publisher.is_level(found):
        warnings.append(f"部门名称只写了“{found}”，未写地名：可用 {NAME_REQUEST} 补全")
    return found


def _year(lines: list[str], kind: str, file_name: str | None, title: publisher.Found | None,
          warnings: list[str]) -> int | None:
    """The year of the title that names the publisher, else of the kind's name, else the title's,
    the file name's, the text's most written year."""
    if title and title.name and title.year:
        return title.year
    if (found := find_year(lines, kind)) or (title and (found := title.year)):
        return found
    if (found := year_from_file_name(file_name)):
        warnings.append(f"年度取自文件名：{found}")
        return found
    years = publisher.years_in_text(lines)
    if years:
        found = years.most_common(1)[0][0]
        warnings.append(f"年度取自正文中最常见的年份：{found}")
        return found
    return None


def read_metadata(lines: list[str], file_name: str | None = None, department: str | None = None,
                  year: int | None = None) -> Metadata:
    """Find the metadata from the document's evidence.

    Args:
        lines: the document's lines.
        file_name: the file's name, the last place a department or year is looked for, and
            the name a document is indexed under when nothing names its department.
        department: a name the user gives (used as given, over what the document says).
        year: a year the user gives.

    Returns:
        The metadata, with warnings saying where a name or year came from when not the text,
        and asking for a name or year (`NAME_REQUEST`) that could not be found (year 0).

    Raises:
        NotABudgetDocument: no budget content, or no figures and no title naming a publisher.
    """
    kind = document_kind(lines)
    if kind is None:
        raise NotABudgetDocument("no 部门预算 content (no budget tables or 预算 headings found)")
    title = publisher.from_titles(lines)
    warnings: list[str] = []
    if not has_figures(lines):
        if not (has_counts(lines) or (title and title.name)):
            raise NotABudgetDocument("no 部门预算 content (it mentions 预算 but states no amounts and "
                                     "holds no budget tables)")
        warnings.append("文中未见金额：只有文字和计数")
    found = _department(lines, file_name, title, warnings)
    if department:
        department = department.strip()
        if found and found != department:
            warnings.append(f"部门名称按指定的“{department}”收录（文中为“{found}”）")
    elif not found:
        found = PurePath(file_name).stem if file_name else "未命名文档"
        warnings.append(f"未找到部门名称，按文件名“{found}”收录：请用 {NAME_REQUEST} 指定部门名称")
    department = department or found
    found_year = _year(lines, kind, file_name, title, warnings)
    if year and found_year and year != found_year:
        warnings.append(f"年度按指定的 {year} 收录（文中为 {found_year}）")
    year = year or found_year
    if not year:
        warnings.append(f"未找到年度，按 0 收录：请用 {NAME_REQUEST} 指定年度")
        year = 0
    return Metadata(
        department=department,
        year=year,
        region_level=region_level(department),
        unit=document_unit(lines),
        shape=text_shape(lines),
        title=document_title(lines, department, year, kind),
        kind=kind,
        warnings=tuple(warnings),
    )
