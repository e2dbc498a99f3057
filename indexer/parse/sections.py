"""Split the narrative part of a document (before the 附件 tables) into headed sections.

Headings are recognised by the documents' own numbering: 第一部分 (level 1), 一、 (level 2),
（一） (level 3); markdown "#" and bold "**" markers are decoration. The 目录 is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.parse.layout import tables_begin
from indexer.read.cells import flattened
from indexer.records import Section
from indexer.text import normalise, squeeze, stable_id

_PART = re.compile(r"^第[一二三四五六七八九十]+部分")
_LEVEL2 = re.compile(r"^[一二三四五六七八九十]+、")
_LEVEL3 = re.compile(r"^[（(][一二三四五六七八九十]+[)）]")
_FOOTER = re.compile(r"^[-—–]\s*\d+\s*[-—–]$")
_SENTENCE_END = ("。", "；", "！", "？", "：", ";", "!", "?")
_HEADING_MAX = 40
# a numbered item ("1. 基本支出预算…", "2、…") opens a paragraph of its own
_ITEM = re.compile(r"^\d{1,2}\s*[.、．]\s*[\u4e00-\u9fff]")
_FULL_LINE = 20  # a wrapped line of a page is longer; a banner or heading is shorter


@dataclass
class SectionText:
    """A section's text with the source line of every text line, for quoting."""

    heading: str
    level: int
    heading_line: int
    parts: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)


def clean_line(line: str) -> str:
    """Strip markdown markers and normalise width; "" for page footers."""
    t = normalise(line).lstrip("#").strip()
    t = t.replace("**", "").strip()
    if _FOOTER.match(t):
        return ""
    return t


def heading_level(text: str) -> tuple[int, str] | None:
    """Return (level, heading) if the cleaned line opens a section, else None.

    A long numbered line is a paragraph that starts with its own title
    ("（一）因公出国（境）费 0.00 万元，主要用于…", "一、财政拨款收入：是指…"):
    its heading is the part before the first punctuation mark.
    """
    t = text.strip()
    for level, pattern in ((1, _PART), (2, _LEVEL2), (3, _LEVEL3)):
        if pattern.match(t):
            head = re.split(r"[，。：:；;,]", t, maxsplit=1)[0]
            return level, head[:_HEADING_MAX]
    return None


def _body_start(lines: list[str], end: int) -> int:
    """Index of the last 第一部分 heading before the tables: the 目录 lists it first."""
    start = 0
    for i in range(end):
        if _PART.match(squeeze(clean_line(lines[i]))) and squeeze(clean_line(lines[i])).startswith(
            "第一部分"
        ):
            start = i
    return start


def split_sections(lines: list[str]) -> list[SectionText]:
    """Group the narrative lines under their headings."""
    end = tables_begin(lines) or len(lines)
    start = _body_start(lines, end)
    sections: list[SectionText] = []
    current: SectionText | None = None
    for i in range(start, end):
        text = clean_line(lines[i])
        if not text:
            continue
        found = heading_level(text)
        if found is None and current is not None and current.level == 1 and not current.parts:
            # the line after "第一部分" names the part ("部门概况"): it belongs to the heading
            if len(text) <= _HEADING_MAX and not text.endswith("。"):
                current.heading = f"{current.heading} {text}"
                continue
        if found is not None:
            level, heading = found
            current = SectionText(heading=heading, level=level, heading_line=i + 1)
            sections.append(current)
            if heading != text:  # a paragraph that carries its own title keeps its text
                current.parts.append((i + 1, text))
            continue
        if current is None:
            current = SectionText(heading="", level=1, heading_line=i + 1)
            sections.append(current)
        current.parts.append((i + 1, text))
    return sections


def join_parts(parts: list[tuple[int, str]], pages: bool = True) -> str:
    """Join wrapped lines into paragraphs: a line break mid-sentence is not a break. Outside text
    copied from PDF pages (`pages` False), a blank line after a short line is (a saved web page:
    a site's banner, a heading, then the article)."""
    out: list[str] = []
    previous: tuple[int, str] | None = None
    for number, text in parts:
        short = previous is not None and len(previous[1]) < _FULL_LINE
        # after a short line (a banner, a title), a blank line or a numbered item opens a paragraph
        joined = pages or not short or (number - previous[0] <= 1 and not _ITEM.match(text))
        if out and not out[-1].endswith(_SENTENCE_END) and joined:
            out[-1] += text
        else:
            out.append(text)
        previous = (number, text)
    return "\n".join(out)


def parse_sections(doc_id: str, lines: list[str]) -> list[Section]:
    """Build Section records with heading paths and line ranges."""
    records: list[Section] = []
    stack: list[tuple[int, str]] = []
    pages = flattened(lines)
    for s in split_sections(lines):
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        stack.append((s.level, s.heading))
        last_line = s.parts[-1][0] if s.parts else s.heading_line
        records.append(
            Section(
                section_id=stable_id(doc_id, "section", s.heading_line, s.heading),
                doc_id=doc_id,
                heading=s.heading,
                level=s.level,
                path=[h for _, h in stack],
                text=join_parts(s.parts, pages),
                line_start=s.heading_line,
                line_end=last_line,
            )
        )
    return records


def line_of(lines: list[str], section: Section, snippet: str) -> int:
    """Return the source line where `snippet` (a sentence of the section) begins."""
    probe = squeeze(snippet)[:8]
    for n in range(section.line_start, section.line_end + 1):
        if probe and probe in squeeze(clean_line(lines[n - 1])):
            return n
    # the snippet's first characters straddle a PDF line break: the best-overlapping line
    best, best_n = 0, section.line_start
    for n in range(section.line_start, section.line_end + 1):
        line = squeeze(clean_line(lines[n - 1]))
        k = len(line)
        while k and not squeeze(snippet).startswith(line[-k:]):
            k -= 1
        if k > best:
            best, best_n = k, n
    return best_n


def table_text_sections(doc_id: str, lines: list[str], spans: list) -> list[Section]:
    """The written targets inside 绩效目标表 (年度总体目标, 主要内容…) as searchable text.

    These tables hold sentences, not only figures; kept as sections headed by the table title
    they can be found and quoted like the narrative.
    """
    records = []
    for span in spans:
        if "绩效目标" not in span.title:
            continue
        parts = [(n, clean_line(lines[n - 1]).replace("\t", " ").strip())
                 for n in range(span.title_line + 1, span.line_end + 1)]
        # prose only (a clause ending in punctuation), not header words or rows of numbers
        parts = [(n, t) for n, t in parts if re.search(r"[\u4e00-\u9fff“”]{6,}[,，。；;:：]", t)]
        if not parts:
            continue
        records.append(Section(
            section_id=stable_id(doc_id, "table-text", span.line_start, span.title),
            doc_id=doc_id, heading=span.title, level=1, path=["附件", span.title],
            text=join_parts(parts), line_start=span.title_line, line_end=span.line_end,
        ))
    return records
