"""Table rows written with any separator, as the tab-separated lines the table parser reads.

Pipes ("| 项目 | 预算数 |", "合计 | 4432 | 2706 |"), box-drawing ("│ 项目 │ 预算数 │" with rule lines
"├──┼──┤"), runs of two or more spaces between the fields of a block of rows, and tables written
one cell per line — each cell followed by a "|" line (`one_cell_tables`), ending in " |", bare, or
apart by blank lines (where an extra blank line is an empty cell). A table of one cell per line
gives its rows by its own pattern of text and number cells (`cell_rows`). Every line stays where
it was, so line numbers still cite the file; a row is written on the line of its first cell.
Flattened PDF text (rows whose cells lost their separators) is left to its own parser.
"""

from __future__ import annotations

import re

from indexer.read.cell_rows import NUMBERISH, cell_rows

_PIPE_ONLY = re.compile(r"^\s*[|｜]\s*$")
_BOX_RULE = re.compile(r"^[\s─━═┄┈┼┬┴├┤┌┐└┘╋┳┻┣┫╬╦╩╠╣╔╗╚╝+\-=|│┃║]+$")
_BOX_BAR = re.compile(r"[│┃║]")
_SPACE_RUN = re.compile(r"(?:\s{2,}|\u3000+)")
_CELL_MAX = 40  # a cell is short; a longer line is prose
_SENTENCE = re.compile(r"[。；;！？!?]")
_CAPTION = re.compile(r"单位\s*[:：]|表$|^附件|^注[:：]")


def table_lines(lines: list[str]) -> list[str]:
    """Every table's rows as tab-separated lines; the same number of lines."""
    lines = box_rows(lines)
    lines = pipe_rows(lines)
    lines = space_rows(lines)
    lines = one_cell_tables(lines)
    if not flattened(lines):
        lines = cell_streams(lines)
    return lines


def box_rows(lines: list[str]) -> list[str]:
    """Box-drawing bars as pipes; rule lines ("├──┼──┤") blanked."""
    out = []
    for line in lines:
        if _BOX_BAR.search(line) or re.search(r"[─━═]{3,}", line):
            line = "" if _BOX_RULE.match(line) else _BOX_BAR.sub("|", line)
        out.append(line)
    return out


def pipe_rows(lines: list[str]) -> list[str]:
    """Markdown-style and pasted rows ("| 项目 | 预算数 |", "合计 | 4432 |", "项目 |") as tab lines.

    Separator rows ("|---|") stay as they are (the table parser skips them); a line holding only
    "|" marks the cells of `one_cell_tables`.
    """
    out = []
    for line in lines:
        if ("|" in line or "｜" in line) and not _PIPE_ONLY.match(line) and "\t" not in line:
            t = line.strip().replace("｜", "|")
            t = t[1:] if t.startswith("|") else t
            t = t[:-1] if t.endswith("|") else t
            fields = [field.strip() for field in t.split("|")]
            filled = [f for f in fields if f]
            # a caption set in a row of its own ("单位:万元 | ||||", "…统计表 | ||||") is text
            line = filled[0] if len(filled) == 1 and _CAPTION.search(filled[0]) else "\t".join(fields)
        out.append(line)
    return out


def _space_fields(line: str) -> list[str]:
    return [f for f in _SPACE_RUN.split(line.strip()) if f]


def space_rows(lines: list[str]) -> list[str]:
    """Blocks of rows whose fields stand apart by runs of spaces, as tab lines: two or more such
    lines in a row, at least two of them with a number after their label."""
    out = list(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and "\t" not in lines[j] and len(_space_fields(lines[j])) >= 2 \
                and not _SENTENCE.search(lines[j]):
            j += 1
        block = range(i, j)
        numbered = sum(1 for k in block if any(NUMBERISH.match(f) for f in _space_fields(lines[k])[1:]))
        if j - i >= 2 and numbered >= 2:
            for k in block:
                out[k] = "\t".join(_space_fields(lines[k]))
        i = max(j, i + 1)
    return out


def flattened(lines: list[str]) -> bool:
    """Flattened PDF text: many lines holding several numbers apart by single spaces."""
    several = sum(1 for line in lines if "\t" not in line
                  and sum(1 for token in line.split() if NUMBERISH.match(token)) >= 2)
    return several >= 5


def _is_cell(line: str) -> bool:
    t = line.strip()
    return bool(t) and "\t" not in line and len(t) <= _CELL_MAX and not _SENTENCE.search(t)


def _bar(line: str) -> bool:
    return bool(_PIPE_ONLY.match(line))


def cell_streams(lines: list[str]) -> list[str]:
    """Tables written one cell per line (bare, or apart by blank lines), as tab lines."""
    out = list(lines)
    i = 0
    while i < len(lines):
        if not _is_cell(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (_is_cell(lines[j]) or not lines[j].strip()):
            j += 1
        run = list(range(i, j))
        cells = _cells(lines, run)
        if sum(1 for _, text in cells if NUMBERISH.match(text)) >= 3:
            found = cell_rows(cells)
            if found.rows:
                first, end = found.used
                last = cells[end][0] - 1 if end < len(cells) else j - 1
                for k in range(cells[first][0], last + 1):
                    out[k] = ""
            for line_no, row in found.rows:
                out[line_no] = "\t".join(row)
        i = j
    return out


def _cells(lines: list[str], run: list[int]) -> list[tuple[int, str]]:
    """The run's cells (line index, text): a "|" line ends a cell (its lines joined: a cell
    wrapped over lines), a "|" alone is an empty cell; where cells stand apart by blank lines,
    each further blank line is an empty cell."""
    if sum(1 for k in run if _bar(lines[k])) * 3 >= len(run):
        cells: list[tuple[int, str]] = []
        start: int | None = None
        text = ""
        for k in run:
            if _bar(lines[k]):
                cells.append((k if start is None else start, text))
                start, text = None, ""
            elif lines[k].strip():
                start = k if start is None else start
                text += lines[k].strip()
        return cells
    filled = [k for k in run if lines[k].strip()]
    followed = sum(1 for k in filled if k + 1 < len(lines) and not lines[k + 1].strip())
    spaced = len(filled) >= 4 and followed >= 0.8 * len(filled)
    cells: list[tuple[int, str]] = []
    blanks = 0
    for k in run:
        text = lines[k].strip()
        if text:
            if spaced:
                cells += [(k, "")] * max(blanks - 1, 0)
            cells.append((k, text))
            blanks = 0
        else:
            blanks += 1
    return cells


def one_cell_tables(lines: list[str]) -> list[str]:
    """Tables written one cell per line, each cell followed by a line holding only "|" (an empty
    cell is a "|" line alone), rows apart by an empty line: each row becomes one tab-separated
    line on its first line; the row's other lines are left empty, so line numbers still hold."""
    out = list(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        # the title and unit lines above the cells may follow without a blank line
        i = next((k for k in range(i, j - 1) if _PIPE_ONLY.match(lines[k + 1])
                  and not _PIPE_ONLY.match(lines[k])), i)
        block = lines[i:j]
        bars = sum(1 for line in block if _PIPE_ONLY.match(line))
        if len(block) >= 4 and bars * 2 >= len(block) and _PIPE_ONLY.match(block[-1]):
            fields: list[str] = []
            cell: str | None = None
            for line in block:
                if _PIPE_ONLY.match(line):
                    fields.append(cell.strip() if cell is not None else "")
                    cell = None
                else:
                    cell = line if cell is None else cell + line  # a cell wrapped over lines
            rows = _rows_of_cells(fields)
            if rows:
                # one row per line where the first field of each row was; the rest left empty
                lines_out = [""] * (j - i)
                starts = _row_starts(block, [len(r) for r in rows])
                for row, start in zip(rows, starts):
                    lines_out[start] = "\t".join(row)
                out[i:j] = lines_out
            elif len(fields) >= 2:
                out[i:j] = ["\t".join(fields)] + [""] * (j - i - 1)
        i = j + 1
    return out


def _rows_of_cells(fields: list[str]) -> list[list[str]] | None:
    """Cells of a whole table with no blank line between its rows: the rows, when one width fits
    every row — the header fills the fields before the first row that holds a number, and each
    row below starts with its label and holds numbers only after it."""
    first = next((k for k, f in enumerate(fields) if NUMBERISH.match(f)), None)
    if first is None or first < 3:
        return None
    width = first - 1  # the header, then the label of the first row
    if width < 2 or len(fields) % width or len(fields) // width < 3:
        return None
    rows = [fields[k:k + width] for k in range(0, len(fields), width)]
    for row in rows[1:]:
        if NUMBERISH.match(row[0]) or not all(NUMBERISH.match(c) or not c for c in row[1:]):
            return None
    return rows


def _row_starts(block: list[str], widths: list[int]) -> list[int]:
    """Index in the block of the first line of each row (a cell line, then its "|" line)."""
    starts, k, cells = [], 0, 0
    for index, line in enumerate(block):
        if cells == 0 and len(starts) == k:
            starts.append(index)
        if _PIPE_ONLY.match(line):
            cells += 1
            if cells == widths[k]:
                k, cells = k + 1, 0
                if k == len(widths):
                    break
    return starts
