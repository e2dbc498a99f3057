"""Page artefacts of flattened PDF text: page numbers and running headers, blanked before parsing.

Text copied out of a PDF keeps what the printed page shows at its edges: "- 7 -", "第 7 页", a bare
"7", and a running header repeating the document's title. Joined with the sentence around them they
turn "人员经费" / "8" / "1716924.00元" into 81716924 元, and "项目支出" / "- 7 -" / <title> / "469500元"
into a sentence with no 项目支出 figure. The parsers join wrapped lines, so blanking these lines
(keeping every line where it was, for citations) is all they need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text import normalise, squeeze

# "- 7 -", "—7—", "第7页", "第 7 页 共 20 页", "7/20": a page number whatever the line around it
_EXPLICIT = re.compile(r"^(?:[-—–－]\s*(\d{1,4})\s*[-—–－]|第\s*(\d{1,4})\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
                       r"|(\d{1,4})\s*/\s*\d{1,4}|page\s*(\d{1,4}))$", re.IGNORECASE)
_BARE = re.compile(r"^(\d{1,3})$")
_SENTENCE_END = ("。", "；", ";", "！", "？", ":", "：")
_MAX_STEP = 3  # pages may go unnumbered (a full-page table), a few at a time
_MIN_LINES = 3  # a page holds more than a couple of lines


@dataclass(frozen=True)
class _Marker:
    line: int
    number: int
    explicit: bool


def page_artefacts(lines: list[str], tables: list[tuple[int, int]] = ()) -> set[int]:
    """Indexes of the lines that are page numbers or running headers.

    Args:
        lines: the document's lines.
        tables: (first, last) line indexes of table regions, where a bare number is a value
            unless it continues the document's run of page numbers.

    A bare number counts as a page number when it continues the run of page numbers (7, 8, 9
    a page or so apart), or, outside tables, when it sits inside a sentence that goes on
    with an amount: "人员经费" / "8" / "1716924.00元" (a wrapped sentence never breaks
    before a lone small integer and then starts a line with digits).
    """
    texts = [squeeze(normalise(line)).replace("\t", "") for line in lines]
    markers = []
    for i, text in enumerate(texts):
        if m := _EXPLICIT.match(text):
            markers.append(_Marker(i, int(next(g for g in m.groups() if g)), True))
        elif m := _BARE.match(text):
            markers.append(_Marker(i, int(m.group(1)), False))
    found = {m.line for m in _run(markers)} | {m.line for m in markers if m.explicit}
    in_table = [False] * len(lines)
    for first, last in tables:
        for i in range(max(first, 0), min(last + 1, len(lines))):
            in_table[i] = True
    for m in markers:
        if not m.explicit and not in_table[m.line] and _breaks_sentence(texts, m.line):
            found.add(m.line)
    # an excerpt copied from the middle of a PDF opens with the page's number ("7" / "19816.81
    # 元，…"): nothing else opens a document with a bare small number
    first = next((i for i, text in enumerate(texts) if text), None)
    if first is not None and _BARE.match(texts[first]) and not in_table[first]:
        found.add(first)
    # a table's rows are no running header, however often a header row repeats near a break
    prose = [t if "\t" not in line else "" for t, line in zip(texts, lines)]
    return found | _running_headers(prose, found)


def without_page_artefacts(lines: list[str], tables: list[tuple[int, int]] = ()) -> list[str]:
    """The lines with page numbers and running headers blanked (the same count)."""
    drop = page_artefacts(lines, tables)
    return ["" if i in drop else line for i, line in enumerate(lines)]


def _run(markers: list[_Marker]) -> list[_Marker]:
    """The longest run of increasing page numbers (explicit ones weigh double); a run of bare
    numbers alone must be three long, so that a few integers in a table are not taken."""
    best: list[tuple[int, int]] = []  # per marker: (weight of the best run ending here, previous)
    for k, m in enumerate(markers):
        weight, previous = (2 if m.explicit else 1), -1
        for j in range(k):
            a = markers[j]
            if 1 <= m.number - a.number <= _MAX_STEP and m.line - a.line >= _MIN_LINES:
                if best[j][0] + (2 if m.explicit else 1) > weight:
                    weight, previous = best[j][0] + (2 if m.explicit else 1), j
        best.append((weight, previous))
    if not best:
        return []
    k = max(range(len(best)), key=lambda x: best[x][0])
    run = []
    while k >= 0:
        run.append(markers[k])
        k = best[k][1]
    explicit = any(m.explicit for m in run)
    return run if len(run) >= 3 or explicit and len(run) >= 2 else []


def _breaks_sentence(texts: list[str], i: int) -> bool:
    before = next((t for t in reversed(texts[:i]) if t), "")
    after = next((t for t in texts[i + 1:] if t), "")
    return (bool(re.search(r"[\u4e00-\u9fff]", before)) and not before.endswith(_SENTENCE_END)
            and after[:1].isdigit())


def _running_headers(texts: list[str], pages: set[int]) -> set[int]:
    """Lines next to a page number that repeat the document's title lines, or that stand next
    to two page numbers or more (a header printed on every page)."""
    head = {t for t in [t for t in texts if t][:15]}
    near: dict[str, set[int]] = {}
    for page in pages:
        for i in (page - 2, page - 1, page + 1, page + 2):
            if 0 <= i < len(texts) and texts[i] and i not in pages and re.search(
                    r"[\u4e00-\u9fff]{4,}", texts[i]) and not texts[i].endswith("。"):
                near.setdefault(texts[i], set()).add(i)
    first = {}
    for i, text in enumerate(texts):
        first.setdefault(text, i)
    out = set()
    for text, found in near.items():
        if text in head or len(found) >= 2:
            out |= {i for i in found if i > first[text]}
    return out
