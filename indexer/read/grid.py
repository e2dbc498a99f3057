"""Raw table grids → the tab-separated lines `tables_tsv` reads.

A merged cell is written once, in its top-left position, with empty fields where it spans: that
is how the text exports show merged headers ("收入\t\t支出"), and how `tables_tsv` builds its
header tree. Rows above the header that hold one text only (a title, "单位：元") become plain
lines, so the layout finds the title and the table finds its unit.
"""

from __future__ import annotations

import re

from indexer.text import normalise

_SPACE = re.compile(r"\s+")
_UNIT_LINE = re.compile(r"单位(?:名称)?\s*[:：]|^(?:编制|填报)")


def cell_text(text: object) -> str:
    """One cell as one field: no tabs or line breaks inside, outer space stripped."""
    if text is None:
        return ""
    return _SPACE.sub(" ", str(text).replace("\u00a0", " ")).strip()


def place(cells: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Expand (text, rowspan, colspan) rows into a rectangular grid; a span's text stays top-left.

    Args:
        cells: each row's cells in reading order, as (text, rowspan, colspan).

    Returns:
        The grid, one list of fields per row, every row as wide as the widest.
    """
    grid: dict[tuple[int, int], str] = {}
    taken: set[tuple[int, int]] = set()
    width = 0
    for r, row in enumerate(cells):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            for dr in range(max(rowspan, 1)):
                for dc in range(max(colspan, 1)):
                    taken.add((r + dr, c + dc))
            grid[(r, c)] = text
            c += max(colspan, 1)
            width = max(width, c)
    height = max((r for r, _ in taken), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def grid_lines(grid: list[list[str]]) -> list[str]:
    """The grid as lines: leading one-text rows (title, unit) plain, the rest tab-separated."""
    rows = [[cell_text(f) for f in row] for row in grid]
    while rows and not any(rows[-1]):
        rows.pop()
    lines: list[str] = []
    in_body = False
    for row in rows:
        filled = [f for f in row if f]
        if not filled:
            lines.append("")
            continue
        if not in_body and len(filled) == 1 and len(row) > 1 and not _is_header_word(filled[0]):
            lines.append(filled[0])
            continue
        if not in_body and any(_UNIT_LINE.search(normalise(f)) for f in filled):
            lines.append("  ".join(filled))  # "编制单位：…  单位：元": a line above the table
            continue
        in_body = True
        # a trailing one-text row ("注：…") is a note, not a data row
        if len(filled) == 1 and len(normalise(filled[0])) > 30:
            lines.append(filled[0])
            continue
        # trailing empty fields stay: they are the width of the last merged header cell
        lines.append("\t".join(row))
    return lines


def _is_header_word(text: str) -> bool:
    """A short label that heads a column ("项目"), not a title or a unit line."""
    t = normalise(text)
    return len(t) <= 6 and not t.endswith("表") and "单位" not in t
