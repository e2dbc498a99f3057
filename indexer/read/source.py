"""What a reader gives the parsers (`SourceText`), and the refusals every reader may raise: shared
by `load` (which dispatches by suffix) and the format readers it calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be read as text: empty, binary, too large, unknown encoding or type."""


class NotABudgetDocument(Exception):
    """The file is text, but not a department budget disclosure."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    sha256: str
    encoding: str
    lines: list[str]  # lines[i] is line i + 1
    pages: list[int] | None = None  # pages[i] is the page of lines[i] (PDFs only)
    page_count: int | None = None
    # the lines in the characters they were written in, where the parsers read them converted
    # (traditional → simplified): a quote is shown as written
    written: list[str] | None = None
