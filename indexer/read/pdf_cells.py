"""Cells of ruled PDF tables: text wrapped inside a cell joined again, and a table continued on
the next page joined to its first part — a repeated header dropped, a row the page break cut
(a stub of text, an amount or code cut in two) merged into the row it continues, both parts
brought onto one column grid.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from indexer.text import normalise, parse_number, squeeze

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef（）“”、，。：；]")
_PART_NUMBER = re.compile(r"^[\d,]+\.?$")
_NUMERIC_CELL = re.compile(r"^[-−]?[\d,]*\.?\d+%?$")
_ROW_START = re.compile(r"^([(（]?[一二三四五六七八九十]+[)）、]|\d+[.、．]|\d{3,}$|其中)")


@dataclass


class Continuation:
    """The table that ended the previous page, for joining its continuation."""

    width: int
    header: list[list[str]]  # the table's header rows, cells squeezed
    last_index: int  # index in the output lines of its last row
    last_cells: list[str]
    columns: list[float]  # left edge of each column; the last entry is the right edge
    line_indexes: list[int]  # indexes in the output lines of all its rows
    has_data: bool  # a row below the header (stubs of header rows are harder to tell)
    rows: int  # rows of the table so far


@dataclass


class PageOut:
    lines: list[str] = field(default_factory=list)
    continuation: Continuation | None = None


def _expand(row: list[str], edges: list[float], grid: list[float]) -> list[str]:
    """Place each field of a row at the grid column starting where its column starts."""
    out = [""] * (len(grid) - 1)
    for cell, x in zip(row, edges):
        j = min(range(len(grid) - 1), key=lambda g: abs(grid[g] - x))
        out[j] = join_wrapped([out[j], cell]) if out[j] else cell
    return out


def regrid(rows: list[list[str]], columns: list[float], previous: Continuation,
            done: list[str], out: PageOut) -> tuple[list[list[str]], list[float]]:
    """Bring both parts of a continued table onto the finer column grid: a part whose
    columns are merged throughout has fewer column edges than the other."""
    grid: list[float] = []
    for x in sorted(columns[:-1] + previous.columns[:-1]):
        if not grid or x - grid[-1] > 2.0:
            grid.append(x)
    grid.append(max(columns[-1], previous.columns[-1]))
    if len(previous.columns) != len(grid):
        for index in previous.line_indexes:
            line = done[index] if index < len(done) else out.lines[index - len(done)]
            _set_line(index, "\t".join(_expand(line.split("\t"), previous.columns, grid)),
                      done, out)
        previous.header = [_expand(h, previous.columns, grid) for h in previous.header]
        previous.last_cells = _expand(previous.last_cells, previous.columns, grid)
        previous.columns, previous.width = grid, len(grid) - 1
    return [_expand(row, columns, grid) for row in rows], grid


def _line(index: int, done: list[str], out: PageOut) -> str:
    return done[index] if index < len(done) else out.lines[index - len(done)]


def _usual_decimals(rows: list[list[str]], width: int) -> list[int | None]:
    """Per column, the decimals most of its amounts are written with (None: no amounts)."""
    usual: list[int | None] = []
    for k in range(width):
        counts = Counter(len(c.partition(".")[2]) for row in rows if k < len(row)
                         for c in [row[k].replace(",", "")] if parse_number(c) is not None)
        usual.append(counts.most_common(1)[0][0] if counts else None)
    return usual


def _set_line(index: int, text: str, done: list[str], out: PageOut) -> None:
    if index < len(done):
        done[index] = text
    else:
        out.lines[index - len(done)] = text


def join_wrapped(parts: list[str]) -> str:
    """Undo line breaks: none between CJK characters or inside a number, else a space."""
    parts = [p.strip() for p in parts if p.strip()]
    if not parts:
        return ""
    glued = "".join(parts)
    if _NUMERIC_CELL.match(glued) and parse_number(glued.rstrip("%")) is not None:
        return glued
    out = parts[0]
    for part in parts[1:]:
        cjk = _CJK.match(out[-1]) or _CJK.match(part[0])
        # a number wraps where a narrow cell ends ("123" / "45专项经费"): no space inside it
        digits = out[-1].isdigit() and (part[0].isdigit() or part[0] in ".%")
        out += part if cjk or digits else " " + part
    return out


def cell_text(cell: str | None) -> str:
    """A cell's text on one line: merged (None) and empty cells are empty fields."""
    if not cell:
        return ""
    return join_wrapped(cell.replace("\t", " ").split("\n"))


def has_number(row: list[str]) -> bool:
    return any(parse_number(c) is not None for c in row if c)


def header_rows(rows: list[list[str]]) -> list[list[str]]:
    """The rows before the first row holding a number: the table's header."""
    header = []
    for row in rows:
        if has_number(row):
            break
        header.append([squeeze(normalise(c)) for c in row])
    return header if len(header) < len(rows) else header[:4]


def join_continuation(rows: list[list[str]], previous: Continuation, done: list[str],
                       out: PageOut) -> list[list[str]]:
    """Drop a repeated header; merge a stub row into the row the page break cut."""
    while rows and not has_number(rows[0]) and [squeeze(normalise(c)) for c in rows[0]] in (
            previous.header):
        rows = rows[1:]
    # a cut header row is told from the next header row only when it stood alone
    widths = [b - a for a, b in zip(previous.columns, previous.columns[1:])]
    # the columns' usual shapes, from the rows on both sides of the break
    earlier = [_line(i, done, out).split("\t") for i in previous.line_indexes[:-1]] + rows[1:]
    decimals = _usual_decimals(earlier, len(previous.last_cells))
    codes = _usual_digits(earlier, len(previous.last_cells))
    if rows and ((previous.has_data or previous.rows == 1)
                 and _is_stub(rows[0], previous.last_cells, widths, decimals, codes)
                 or not previous.has_data and _is_header_stub(rows[0], previous.last_cells)):
        merged = [join_wrapped([a, b]) for a, b in zip(previous.last_cells, rows[0])]
        _set_line(previous.last_index, "\t".join(merged), done, out)
        rows = rows[1:]
        previous.last_cells = merged
    return rows


def _text_width(text: str) -> float:
    """Width in em: a CJK character is twice as wide as a digit or a Latin letter."""
    return sum(1.0 if _CJK.match(ch) else 0.55 for ch in text)


def _cut_code(first: str, rest: str, usual: int | None = None) -> bool:
    """A code the page break cut in two: digits only on both sides, and together a long code
    (项目编码, 21 digits: too long for an amount) or as long as the column's codes ("30" / "2")."""
    first, rest = squeeze(first), squeeze(rest)
    if not (first.isdigit() and rest.isdigit()):
        return False
    return len(first) >= 6 and len(first + rest) >= 15 or usual is not None and len(first) < usual == len(first + rest)


def _usual_digits(rows: list[list[str]], width: int) -> list[int | None]:
    """Per column, the length most of its codes (cells of digits only) have (None: no codes)."""
    usual: list[int | None] = []
    for k in range(width):
        counts = Counter(len(squeeze(row[k])) for row in rows if k < len(row) and squeeze(row[k]).isdigit())
        usual.append(counts.most_common(1)[0][0] if counts and counts.most_common(1)[0][1] >= 3 else None)
    return usual


def _cut_amount(first: str, rest: str, usual: int | None) -> bool:
    """An amount the page break cut after some of its decimals ("174.8" / "6"): short of the
    decimals the column's amounts have, and exactly those once joined."""
    if usual is None or not rest.isdigit() or "." not in first or (
            parse_number(first) is None and not _PART_NUMBER.match(first)):
        return False
    return len(first.partition(".")[2]) < usual == len((first + rest).partition(".")[2])


def _is_header_stub(row: list[str], last: list[str]) -> bool:
    """The rest of a header row the page break cut: the same cells filled as the last header
    row, text only. A next header row sits under merged cells and fills other columns (类 款 项
    under 科目编码), so the same pattern of filled cells means the same row continued."""
    filled = [k for k, c in enumerate(row) if c]
    if not filled or len(row) != len(last) or has_number(row) or has_number(last):
        return False
    if not set(filled) <= {k for k, c in enumerate(last) if c}:
        return False
    return not any(_ROW_START.match(squeeze(row[k])) or squeeze(row[k]) in ("合计", "小计", "总计")
                   for k in filled)


def _is_stub(row: list[str], last: list[str], widths: list[float] | None = None,
             decimals: list[int | None] | None = None, codes: list[int | None] | None = None) -> bool:
    """The rest of a row the page break cut: its text continues cells of the last row.

    A stub fills fewer columns than the last row, and only columns where the last row has
    long text (numbers may sit in either piece, never in both, but for a long code cut in
    two); its text does not open a row (no code, enumeration or total). "Long" is measured
    in lines, characters over the column's width when the widths are known: a code in a
    narrow column wraps where a label in a wide one does not.
    """
    filled = [k for k, c in enumerate(row) if c]
    if not filled or len(row) != len(last):
        return False
    if set(filled) >= {k for k, c in enumerate(last) if c}:
        return False  # fills every column the last row fills: a whole row
    if widths is None or len(widths) != len(last) or min(widths) <= 0:
        widths = [1.0] * len(last)
    height = [_text_width(c) / w for c, w in zip(last, widths)]
    # amounts are short and never cut: the tallest text cell sets the row's height
    tallest = max((h for h, c in zip(height, last) if parse_number(c) is None
                   and not _PART_NUMBER.match(c)), default=0.0)  # "2." is an amount cut short
    for k in filled:
        if _cut_code(last[k], row[k], codes[k] if codes else None) or decimals and _cut_amount(
                last[k], row[k], decimals[k]):
            continue
        number = parse_number(row[k]) is not None
        if number and last[k]:
            return False  # a number in both pieces: two rows
        if not number and (not last[k] or parse_number(last[k]) is not None):
            return False  # text under an empty or numeric cell: a row of its own
        if not number and (_ROW_START.match(squeeze(row[k])) or squeeze(row[k]) in (
                "合计", "小计", "总计")):
            return False
        if not number and height[k] < tallest / 2:
            return False  # a page break cuts the tallest cells of a row, not its short ones
    return any(parse_number(row[k]) is None for k in filled)
