"""Read an Excel workbook (.xlsx with openpyxl, .xls with xlrd): one sheet per table.

Each sheet gives its rows as tab-separated lines (merged cells written once, top-left, as the
text exports show merged headers); the sheet's own title row is kept, and its name becomes the
title line when the first rows hold no title. Numbers are written as the cell shows them.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexer.limits import DEFAULT, Limits
from indexer.read.grid import cell_text, grid_lines
from indexer.text import normalise

_TITLE_ROWS = 4  # a sheet's title and unit sit in its first rows


class UnreadableWorkbook(Exception):
    """The file is not a readable Excel workbook."""


def workbook_lines(path: Path, limits: Limits = DEFAULT) -> list[str]:
    """Every non-empty sheet as a titled table, sheets in workbook order.

    Raises:
        UnreadableWorkbook: not a workbook, encrypted, or corrupt.
        TooLarge: a sheet with more rows than `limits` allow (an .xlsx is refused before it is
            unpacked when its zip directory is over the limits: `Limits.check_zip`).
    """
    sheets = _xls_sheets(path, limits) if path.suffix.lower() == ".xls" else _xlsx_sheets(path, limits)
    lines: list[str] = []
    for name, grid in sheets:
        body = grid_lines(grid)
        if not any(body):
            continue
        head = [normalise(line) for line in body[:_TITLE_ROWS] if "\t" not in line]
        if not any(h.endswith("表") or "表（" in h or "表(" in h for h in head):
            lines.append(name.strip())
        lines += body
        lines.append("")
    return lines


def number_text(value: float, decimals: int | None = None) -> str:
    """A number as the sheet shows it: its format's decimals, else as few as needed."""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _decimals(number_format: str | None) -> int | None:
    """Decimals of a format such as "#,##0.00" or "0.00_ "; None for General."""
    if not number_format or number_format == "General":
        return None
    m = re.search(r"0\.(0+)", number_format)
    return len(m.group(1)) if m else (0 if "0" in number_format else None)


def _xlsx_sheets(path: Path, limits: Limits) -> list[tuple[str, list[list[str]]]]:
    import openpyxl

    try:
        # read-only: rows stream from the sheet's XML, so a huge sheet is refused at its limit
        # without being held in memory; merged cells are empty there past their top-left anyway
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)  # formulas as cached values
    except Exception as error:  # BadZipFile, InvalidFileException, KeyError: broken or foreign
        raise UnreadableWorkbook(f"not a readable .xlsx workbook ({type(error).__name__})") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # a sheet's stated size may be wrong: read what is there
            grid = []
            for row in sheet.iter_rows():
                limits.check_rows(sheet.title, len(grid) + 1)
                fields = []
                for cell in row:
                    value = cell.value
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        fields.append(number_text(value, _decimals(cell.number_format)))
                    else:
                        fields.append(cell_text(value))
                grid.append(fields)
            width = max((len(r) for r in grid), default=0)
            sheets.append((sheet.title, [r + [""] * (width - len(r)) for r in grid]))
    finally:
        book.close()
    return sheets


def _xls_sheets(path: Path, limits: Limits) -> list[tuple[str, list[list[str]]]]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct errors …
        raise UnreadableWorkbook(f"not a readable .xls workbook ({type(error).__name__})") from None
    sheets = []
    for sheet in book.sheets():
        limits.check_rows(sheet.name, sheet.nrows)
        grid = []
        for r in range(sheet.nrows):
            fields = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_NUMBER,):
                    fields.append(number_text(cell.value))
                else:
                    fields.append(cell_text(cell.value))
            grid.append(fields)
        sheets.append((sheet.name, grid))
    return sheets
