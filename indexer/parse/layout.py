"""Find where each table of the 附件 starts and ends, and which tables the 目录 lists.

Works on both text shapes: markdown-like exports ("## 2025 年部门收支预算表") and flattened PDF
text ("预算 01表" on one line, "2023 年部门收支预算表" on the next).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text import normalise, squeeze

_NUMBER_LINE = re.compile(r"^(预算|决算|公开)(\d{1,2})表$")
_ENUM = re.compile(r"^[-*]?\s*[一二三四五六七八九十]+[、.．]\s*")
_YEAR_PREFIX = re.compile(r"^(\d{4})年度?")
_YEAR_SUFFIX = re.compile(r"[(（]\d{4}年度?[)）]$")
_NOT_TITLES = ("注", "备注", "部门名称", "单位名称", "附件", "说明")
# words a table title ends with; "机关运行经费" is how the 2020 template lists its 机构运转 table
_TITLE_END = re.compile(r"(表|机关运行经费)$")


@dataclass(frozen=True)
class TableSpan:
    title: str  # normalised: no year, no markdown, no spaces ("部门收支预算表")
    number: str | None  # "预算01表"
    title_line: int  # 1-based
    line_start: int  # first line of the table (the title or its number line)
    line_end: int  # last line, inclusive


def table_title(line: str) -> str | None:
    """Return the normalised table title if this line is a table title, else None."""
    t = squeeze(normalise(line).lstrip("#").strip().strip("*"))
    if not t or len(t) > 40 or t.startswith(_NOT_TITLES):
        return None
    t = _YEAR_SUFFIX.sub("", t)
    if not t.endswith("表") or "：" in t or ":" in t or "。" in t or "，" in t:
        return None
    return clean_title(t)


def clean_title(text: str) -> str:
    """Drop year, enumeration and place prefixes so titles compare across documents."""
    t = squeeze(normalise(text).lstrip("#").strip().strip("*"))
    t = _ENUM.sub("", t)
    t = _YEAR_SUFFIX.sub("", t)
    t = _YEAR_PREFIX.sub("", t)
    for prefix in ("区级", "市级", "县级"):
        if t.startswith(prefix):
            t = t[len(prefix):]
    # a place prefix ("洛阳市…", "开封市…部门（单位）整体绩效目标表"): any province or city name
    place = re.match(r"^[\u4e00-\u9fff]{2,6}?(?:省|市|自治区)", t)
    if place:
        t = re.sub(rf"^{place.group(0)}|^\S{{0,12}}?(?=部门（单位）|部门\(单位\))", "", t)
    t = _YEAR_PREFIX.sub("", t)
    return t


def number_label(line: str) -> str | None:
    m = _NUMBER_LINE.match(squeeze(normalise(line)))
    return f"{m.group(1)}{int(m.group(2)):02d}表" if m else None


def attachment_start(lines: list[str]) -> int:
    """Return the 0-based index of the last "附件" line (the tables follow it), or 0."""
    start = 0
    for i, line in enumerate(lines):
        t = squeeze(normalise(line).lstrip("#").strip())
        if t.startswith("附件") and i > start:
            start = i
    return start


def tables_begin(lines: list[str]) -> int:
    """The 0-based index of the 附件 line the tables follow, or 0 when the narrative goes on after
    the last 附件 line (a 目录 entry "附件:…公开表" before the body)."""
    begin = attachment_start(lines)
    following = next((squeeze(normalise(line).lstrip("#").strip()) for line in lines[begin + 1:]
                      if line.strip()), "")
    if not begin or "\t" in following or following.endswith("表") or number_label(following) \
            or re.match(r"^\d{4}\s*年", following) or not _ENUM.match(following):
        return begin
    return 0


def find_tables(lines: list[str]) -> list[TableSpan]:
    """Locate every table after the attachment heading, with its number and line range."""
    begin = attachment_start(lines)
    # without an 附件 line the tables may start on the first line (a sheet, a pasted table)
    first = begin + 1 if begin or (lines and squeeze(normalise(lines[0])).startswith("附件")) else 0
    starts: list[tuple[int, str, str | None, int]] = []  # (title index, title, number, start index)
    pending_number: tuple[int, str] | None = None
    for i in range(first, len(lines)):
        number = number_label(lines[i])
        if number:
            pending_number = (i, number)
            # a number placed just after its title belongs to the title before it
            if starts and starts[-1][2] is None and i - starts[-1][0] <= 3:
                title_index, title, _, start = starts[-1]
                starts[-1] = (title_index, title, number, start)
                pending_number = None
            continue
        title = table_title(lines[i])
        if title is None or not _table_follows(lines, i):
            continue
        number_here, start = None, i
        if pending_number and i - pending_number[0] <= 3:
            number_here, start = pending_number[1], pending_number[0]
        pending_number = None
        if starts and starts[-1][2] is None and _only_heading(lines, starts[-1][0], start):
            starts.pop()  # a heading naming the table just before its own title ("一、收支决算总表")
        starts.append((i, title, number_here, start))
    spans = []
    for k, (title_index, title, number, start) in enumerate(starts):
        end = starts[k + 1][3] - 1 if k + 1 < len(starts) else len(lines) - 1
        spans.append(TableSpan(title, number, title_index + 1, start + 1, end + 1))
    return sorted(spans + untitled_tables(lines, spans), key=lambda s: s.line_start)


def _only_heading(lines: list[str], title: int, following: int) -> bool:
    """Nothing but blank lines between a title and the next table's start, three lines on."""
    between = lines[title + 1 : following]
    return following - title <= 3 and not any(line.strip() for line in between)


def untitled_tables(lines: list[str], spans: list[TableSpan]) -> list[TableSpan]:
    """Runs of tab-separated rows, with numbers, outside every titled table: a table pasted
    without a title ending in 表. Its title is the text line just above it (a heading such as
    "一、2018年一般公共预算财政拨款“三公”经费支出决算"), else "表格"."""
    inside = {n for s in spans for n in range(s.line_start - 1, s.line_end)}
    found: list[TableSpan] = []
    i = 0
    while i < len(lines):
        if i in inside or "\t" not in lines[i]:
            i += 1
            continue
        j, last = i, i
        while j < len(lines) and j not in inside and ("\t" in lines[j] or not lines[j].strip()):
            if "\t" in lines[j]:
                last = j
            j += 1
        rows = [lines[k] for k in range(i, last + 1) if "\t" in lines[k]]
        numbered = sum(1 for r in rows if re.search(r"\t\s*-?[\d,]+(?:\.\d+)?%?\s*(?:\t|$)", r))
        if len(rows) >= 2 and numbered >= 2:
            start, title_at, title = _caption_above(lines, i)
            found.append(TableSpan(title, None, title_at + 1, start + 1, last + 1))
        i = last + 1
    return found


def _caption_above(lines: list[str], first: int) -> tuple[int, int, str]:
    """(first line, title line, title): the text line within four lines above a table as its
    title (else "表格"), the table starting there or at its unit line."""
    start = first
    for k in range(first - 1, max(first - 5, -1), -1):
        t = squeeze(normalise(lines[k]))
        if not re.search(r"[\u4e00-\u9fff]", t) or "\t" in lines[k]:
            continue
        if re.match(r"^(?:金额)?单位[:：]", t):
            start = k
            continue
        if len(t) <= 40 and not re.search(r"[。；;]", t):
            return k, k, clean_title(t)
        break
    return start, first, "表格"


def _table_follows(lines: list[str], i: int, window: int = 12) -> bool:
    """A title heads a table only if table matter follows (a unit line, tab fields, numbers);
    a 目录 entry is followed by more entries or headings."""
    for line in lines[i + 1 : i + 1 + window]:
        t = normalise(line)
        if "\t" in line or re.search(r"单位\s*[:：]|名称|\d+\.\d{1,2}\b", t):
            return True
    return False


def listed_tables(lines: list[str]) -> list[str]:
    """Return the table titles the 目录 lists, in order (empty if there is no 目录).

    The 目录 is the enumerated list ("一、部门收支预算表") after the first "附件" line that
    comes before the tables; without one, the numbered tables ("预算01表") are the listing.
    """
    begin = attachment_start(lines)
    listed: list[str] = []
    for i, line in enumerate(lines):
        t = squeeze(normalise(line).lstrip("#").strip())
        if not t.startswith("附件"):
            continue
        for follow in lines[i + 1 : i + 80]:
            item = squeeze(normalise(follow).lstrip("#").strip())
            if not item:
                continue
            if not _ENUM.match(item.lstrip("-*")) or re.search(r"\d", item):
                break  # the 目录's list follows its 附件 line directly
            listed.append(clean_title(item.lstrip("-*")))
        if len(listed) >= 3:
            return listed
        listed = []
    numbered = [number for number in dict.fromkeys(number_label(line) for line in lines[begin:]) if number]
    return numbered or contents_tables(lines)


def contents_tables(lines: list[str], limit: int = 200) -> list[str]:
    """The tables a 目录 lists without an 附件 line: three or more enumerated entries in a row,
    each naming a table ("一、《收支预算总表》", "九、国有资本经营预算财政拨款支出决算表")."""
    run: list[str] = []
    for line in lines[:limit]:
        item = squeeze(normalise(line).lstrip("#").strip()).lstrip("-*")
        if not item:
            continue
        title = clean_title(item).strip("《》")
        if _ENUM.match(item) and title.endswith("表"):
            run.append(title)
            continue
        if len(run) >= 3:
            return run
        run = []
    return run if len(run) >= 3 else []
