"""Rows of a table written one cell per line, found from the table's own pattern of cells.

A row is a label and its numbers (or a two-sided row: label, numbers, label, numbers). Where
empty cells are kept (a blank line, a lone "|"), every row has the same width and the same
pattern of text and number columns: the width and the first data row are the ones whose pattern
holds for the most cells, and the cells just before it are the header. Where empty cells vanish,
each label starts a row and the numbers after it are its cells — kept only when every row has
all its numbers or none, so that no number lands in the wrong column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NUMBERISH = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_PLACEHOLDER = re.compile(r"^[-—－–/]$")
_MAX_WIDTH = 10
# header rows that number the columns ("栏次 | | 1 | 栏次 | | 2")
_COLUMN_NUMBERS = ("栏次", "行次")
_SIDES = ("收入", "支出")
_ENUMERATED = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class CellRows:
    """Rows (line of the first cell, fields) and the cells they took (first, end) by index."""

    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    used: tuple[int, int] = (0, 0)


def kind(text: str) -> str:
    """N for a number, E for an empty cell (or a dash standing for one), T for text."""
    if not text or _PLACEHOLDER.match(text):
        return "E"
    return "N" if NUMBERISH.match(text) else "T"


def _matches(pattern: list[str], row: list[str]) -> bool:
    """The row fits the columns' kinds (E fits any column; a column's kind is its first non-E)."""
    filled = [kind(c) for c in row if kind(c) != "E"]
    if filled and filled[0] == "N":
        return False
    for col, text in enumerate(row):
        k = kind(text)
        if k == "E":
            continue
        if pattern[col] == "E":
            pattern[col] = k
        elif pattern[col] != k:
            return False
    return True


def _numbers(rows: list[list[str]]) -> int:
    return sum(1 for row in rows for text in row if kind(text) == "N")


def _periodic(cells: list[str]) -> tuple[int, int, list[list[str]]] | None:
    """(width, first data cell, rows) whose pattern holds for the most numbers; a row's label
    is its first filled cell (a column empty in every row is dropped later)."""
    best: tuple[int, int, list[list[str]]] | None = None
    for width in range(2, _MAX_WIDTH + 1):
        for start in range(0, len(cells) - 2 * width + 1):
            first = [kind(c) for c in cells[start:start + width]]
            filled = [k for k in first if k != "E"]
            if not filled or filled[0] != "T" or "N" not in filled:
                continue
            pattern = ["E"] * width
            rows: list[list[str]] = []
            while start + (len(rows) + 1) * width <= len(cells):
                row = cells[start + len(rows) * width:start + (len(rows) + 1) * width]
                if not _matches(pattern, row):
                    break
                rows.append(row)
            if len(rows) >= 2 and (best is None or _numbers(rows) > _numbers(best[2])):
                best = (width, start, rows)
    if best:
        width, start, rows = best
        # a header written twice side by side (项目 行次 金额 项目 行次 金额): two-sided rows
        if start >= 2 * width and cells[start - 2 * width:start - width] == cells[start - width:start] \
                and len(rows) % 2 == 0:
            best = (2 * width, start, [rows[k] + rows[k + 1] for k in range(0, len(rows), 2)])
    return best


def _labelled(cells: list[str]) -> tuple[int, int, list[list[str]], int] | None:
    """(width, first data cell, rows, end) where each label starts a row: every row must hold
    all the header's numbers or none."""
    first = next((k for k in range(len(cells) - 1)
                  if kind(cells[k]) == "T" and kind(cells[k + 1]) == "N"), None)
    if first is None or first < 2:
        return None
    rows: list[list[str]] = []
    ends: list[int] = []
    for n in range(first, len(cells)):
        if kind(cells[n]) == "T":
            rows.append([cells[n]])
            ends.append(n + 1)
        elif kind(cells[n]) == "N":
            rows[-1].append(cells[n])
            ends[-1] = n + 1
    while rows and len(rows[-1]) == 1 and _ENUMERATED.match(rows[-1][0]):
        rows.pop()  # a heading after the table ("二、…情况说明"), not a row of it
        ends.pop()
    if not rows:
        return None
    width = max(len(r) for r in rows)
    header = [c for c in cells[:first] if kind(c) == "T"]
    if width < 2 or len(header) < width or any(len(r) not in (1, width) for r in rows):
        return None
    if sum(1 for r in rows if len(r) == width) < 2:
        return None
    return width, first, [r + [""] * (width - len(r)) for r in rows], ends[-1]


def _figure_columns(rows: list[list[str]]) -> list[int]:
    """Columns holding figures: numbers that do not merely count the rows (序号, 行次 1, 2, 3 …)."""
    out = []
    for col in range(max(len(r) for r in rows)):
        values = [r[col] for r in rows if col < len(r) and kind(r[col]) == "N"]
        if not values:
            continue
        serial = all(v.isdigit() for v in values) and all(
            int(b) == int(a) + 1 for a, b in zip(values, values[1:]))
        if not serial or len(values) < 2:
            out.append(col)
    return out


def _header(cells: list[str], start: int, width: int) -> list[str]:
    """The header row just before the data, its two label columns named by the sides above
    them in a two-sided table (收入 … 支出 …)."""
    header = cells[max(start - width, 0):start]
    before = [c for c in cells[max(start - width - 2, 0):max(start - width, 0)]]
    labels = [k for k, c in enumerate(header) if c and c == header[0]]
    if len(labels) == 2 and len(before) == 2 and all(b.startswith(s) for b, s in zip(before, _SIDES)):
        header[labels[0]], header[labels[1]] = before
    return header


def cell_rows(cells: list[tuple[int, str]]) -> CellRows:
    """The table's rows from its cells (line, text) in reading order; empty when none fit."""
    texts = [t for _, t in cells]
    periodic, labelled = _periodic(texts), _labelled(texts)
    if periodic and (not labelled or _numbers(periodic[2]) >= _numbers(labelled[2])):
        width, start, rows = periodic
        starts = [cells[start + r * width][0] for r in range(len(rows))]
        end = start + len(rows) * width
    elif labelled:
        width, start, rows, end = labelled
        starts = [line for n, (line, text) in enumerate(cells[:end]) if n >= start and kind(text) == "T"]
    else:
        return CellRows()
    header = _header(texts, start, width)
    head_at = start - len(header)
    numbering = [r for r in rows if r[0] in _COLUMN_NUMBERS]  # a row numbering the columns
    if not _figure_columns(rows):
        return CellRows()  # a numbered list (序号 1, 2, 3 …), no figures
    # a column empty in every row and in the header (a leading "|" of each row) is dropped
    keep = [c for c in range(width) if any(kind(r[c]) != "E" for r in rows) or (
        c < len(header) and header[c])]
    header = [header[c] for c in keep if c < len(header)] if len(header) == width else header
    out = CellRows()
    if header:
        out.rows.append((cells[head_at][0], header))
    for line, row in zip(starts, rows):
        if row not in numbering:
            out.rows.append((line, [row[c] for c in keep]))
    out.used = (head_at, end)
    return out
