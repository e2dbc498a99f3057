"""CSV cells that a spreadsheet cannot run: text starting with = + - @ (or a tab or carriage
return) is prefixed with a single quote, as OWASP's CSV-injection guidance says, so that a row
label written "=HYPERLINK(…)" in an uploaded document stays text when the download is opened in
Excel. Numbers stay numbers: a value that is a plain number (-3.5, -1,234.50, -2%) is left as it is.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?|-?\d+(?:\.\d+)?%?")


def safe_cell(value: object) -> object:
    """The value as a CSV cell: formula-like text quoted, numbers and other text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: list[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with its text cells and column names made safe; numeric columns stay."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # text (object or str dtype)
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def frame_csv(frame: pd.DataFrame) -> bytes:
    """The frame as a CSV download: safe cells, a BOM so that Excel reads the Chinese text."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
