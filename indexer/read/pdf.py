"""Read a budget PDF into the same lines as a text export, with the page of every line.

Pages whose tables are ruled (pdfplumber finds their grid) give their tables as tab-separated
lines, the shape `tables_tsv` parses: merged cells become empty fields, a line break inside a cell
is undone ("125.0\\n5" → "125.05", "工资福利\\n支出" → "工资福利支出"). A table continued on the
next page is joined: a repeated header row is dropped and a row broken by the page break is
rejoined (`pdf_cells`). Pages without ruled tables keep pypdf's text, the flattened shape that `tables_flat`
reconstructs by arithmetic. A PDF that cannot be read whole is refused with a named reason.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import pdfplumber
import pypdf
from pypdf.errors import PdfReadError

from indexer.read.source import SourceText, UnreadableFile
from indexer.read.pdf_cells import (Continuation, PageOut, cell_text, has_number, header_rows,
                                    join_continuation, regrid)
from indexer.text import squeeze, unify_radicals

MAX_PAGES = 500
_TEXT_MIN_CHARS = 10  # fewer characters than this on every page: images only, no text layer
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef（）“”、，。：；]")
_FOOTER = re.compile(r"^[-—–]?\s*\d{1,4}\s*[-—–]?$|^第\s*\d+\s*页")
_EDGE_MARGIN = 60  # points: text this close to the page edge is a running header or footer
_SNAP = 1.0  # points (pdfplumber's default, 3, merges a narrow empty column's two borders)


class UnreadablePDF(UnreadableFile):
    """The PDF cannot be read whole: encrypted, corrupt or truncated, no pages, too many pages."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path.name}: {problem}")
        self.file_name, self.problem = path.name, problem


class ScannedPDF(UnreadablePDF):
    """The PDF has pages but no text layer: scanned images that need OCR first."""


def read_pdf(path: Path, max_pages: int = MAX_PAGES) -> SourceText:
    """Read a PDF's text and ruled tables as lines, each with its page number.

    Args:
        path: the PDF file.
        max_pages: refuse longer files (a budget disclosure has a few dozen pages).

    Returns:
        A SourceText whose `lines` look like a text export (tables as tab-separated lines)
        and whose `pages[i]` is the 1-based page of `lines[i]`.

    Raises:
        UnreadablePDF: encrypted, corrupt or truncated, no pages, or more than `max_pages`.
        ScannedPDF: no text layer (scanned images): it needs OCR.
    """
    data = path.read_bytes()
    reader = _open(path, data, max_pages)
    lines: list[str] = []
    pages: list[int] = []
    text_pages = 0
    previous: Continuation | None = None
    try:
        with pdfplumber.open(path, password="") as pdf:
            for number, (page, plumbed) in enumerate(zip(reader.pages, pdf.pages), start=1):
                out = _read_page(page, plumbed, previous, lines)
                previous = out.continuation
                if sum(len(squeeze(line)) for line in out.lines) >= _TEXT_MIN_CHARS:
                    text_pages += 1
                lines += out.lines
                pages += [number] * len(out.lines)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise UnreadablePDF(path, f"corrupt PDF: a page cannot be read ({error})") from error
    except Exception as error:  # pdfminer raises its own types for broken streams
        if type(error).__module__.startswith(("pdfminer", "pdfplumber", "pypdf")):
            raise UnreadablePDF(path, f"corrupt PDF: a page cannot be read ({error})") from error
        raise
    if text_pages == 0:
        raise ScannedPDF(path, f"no text layer on any of its {len(reader.pages)} pages "
                               "(scanned images?): it needs OCR before it can be indexed")
    lines = [unify_radicals(line) for line in lines]
    return SourceText(path, hashlib.sha256(data).hexdigest(), "pdf", lines, pages=pages,
                      page_count=len(reader.pages))


def _open(path: Path, data: bytes, max_pages: int) -> pypdf.PdfReader:
    """Open with pypdf and refuse what cannot be read whole."""
    if not data:
        raise UnreadablePDF(path, "the file is empty")
    if b"%PDF-" not in data[:1024]:
        raise UnreadablePDF(path, "not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise UnreadablePDF(path, "truncated or corrupt PDF (no end-of-file marker)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # recoverable-damage chatter
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # fonts without a FontBBox (Chromium's)
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadablePDF(path, "the PDF is encrypted (password-protected); "
                                      "save an unprotected copy and index that")
        count = len(reader.pages)
    except UnreadablePDF:
        raise
    except Exception as error:  # pypdf raises many types for damaged files
        raise UnreadablePDF(path, f"corrupt or truncated PDF ({type(error).__name__}: {error})"
                            ) from error
    if count == 0:
        raise UnreadablePDF(path, "the PDF has no pages")
    if count > max_pages:
        raise UnreadablePDF(path, f"the PDF has {count} pages, more than the limit of {max_pages}")
    return reader


def _read_page(page: pypdf.PageObject, plumbed, previous: Continuation | None,
               done: list[str]) -> PageOut:
    """One page as lines: pypdf text, or pdfplumber text around tab-separated tables."""
    tables = _ruled_tables(plumbed)
    if not tables:
        return PageOut(_text_lines(plumbed) or page.extract_text().split("\n"))
    boxes = [t.bbox for t in tables]
    page_box = (0.0, 0.0, float(plumbed.width), float(plumbed.height))
    # text outside the tables, and on the page: a table wider than the page runs off its edge,
    # and what runs off is not shown (a viewer clips it), so it is not read either
    outside = plumbed.filter(lambda obj: obj.get("object_type") != "char"
                             or _inside(obj, page_box)
                             and not any(_inside(obj, box) for box in boxes))
    items: list[tuple[float, str, object]] = [
        (line["top"], "text", line["text"]) for line in outside.extract_text_lines()]
    items += [(t.bbox[1], "table", t) for t in tables]
    items.sort(key=lambda item: item[0])
    height = float(plumbed.height)
    out = PageOut()
    for k, (top, kind, item) in enumerate(items):
        if kind == "text":
            out.lines.append(str(item))
            continue
        rows = [[cell_text(c) for c in row] for row in item.extract()]  # type: ignore[attr-defined]
        rows = [row for row in rows if any(row)]
        if not rows:
            continue
        first_on_page = all(_is_margin(items[j], height) for j in range(k))
        last_on_page = all(_is_margin(items[j], height) for j in range(k + 1, len(items)))
        start = len(done) + len(out.lines)
        columns = _column_edges(item)
        continues = first_on_page and previous is not None and _same_frame(previous.columns,
                                                                          columns)
        if continues and len(columns) != len(previous.columns):  # type: ignore[union-attr]
            rows, columns = regrid(rows, columns, previous, done, out)  # type: ignore[arg-type]
        if continues:
            rows = join_continuation(rows, previous, done, out)  # type: ignore[arg-type]
            header = previous.header  # type: ignore[union-attr]
        else:
            header = header_rows(rows)
        out.lines += ["\t".join(row) for row in rows]
        if last_on_page and rows:
            has_data = any(has_number(row) for row in rows) or bool(
                continues and previous.has_data) or len(rows) > len(header)  # type: ignore
            earlier = previous.line_indexes if continues else []  # type: ignore[union-attr]
            out.continuation = Continuation(
                len(rows[0]), header, start + len(rows) - 1, rows[-1], columns,
                earlier + list(range(start, start + len(rows))), has_data,
                len(earlier) + len(rows))
        elif not rows and previous and first_on_page:
            out.continuation = previous  # a page holding only a repeated header
    return out


def _text_lines(plumbed) -> list[str]:
    """A page without ruled tables as lines in reading order (pdfplumber sorts characters by
    position: pypdf's stream order puts quotes set in another font before their sentence),
    with the lines the renderer wrapped joined again: a text file converted to PDF wraps its
    long lines, and a table row of a flattened export must be one line again."""
    lines = [line for line in plumbed.extract_text_lines() if line["chars"] and line["text"]]
    spaces = [ch for ch in plumbed.chars if ch["text"].isspace()]
    out: list[str] = []
    joined = False
    for k, line in enumerate(lines):
        text = line["text"]
        if joined:
            cjk = _CJK.match(out[-1][-1]) and _CJK.match(text[0])
            out[-1] += ("" if cjk else " ") + text
        else:
            out.append(text)
        joined = k + 1 < len(lines) and _wraps(plumbed, lines, k, spaces)
    return out


def _wraps(plumbed, lines: list[dict], k: int, spaces: list[dict]) -> bool:
    """Line k was wrapped: the next line's first word would not have fitted after it, and the
    break is one a renderer makes: between Chinese characters, or at a space it left at the
    end of the line (a full table row that simply ends there has none)."""
    line, following = lines[k], lines[k + 1]
    width = float(plumbed.width)
    left = min(x["x0"] for x in lines)
    right = width - left  # margins are symmetric on a printed page
    if line["x1"] > width or abs(following["x0"] - left) > 2:
        return False  # runs off the page (not wrapped), or the next line is indented
    chars = following["chars"]
    end = next((j for j, ch in enumerate(chars) if ch["text"].isspace() or _CJK.match(ch["text"])),
               len(chars))
    word = chars[max(end, 1) - 1]["x1"] - chars[0]["x0"]
    em = chars[0]["x1"] - chars[0]["x0"]
    if line["x1"] + em + word <= right:  # a space and some slack for kerning
        return False
    if _CJK.match(line["text"][-1]) and _CJK.match(following["text"][0]):
        return True
    return any(abs(ch["top"] - line["chars"][-1]["top"]) < 1 and ch["x0"] >= line["x1"] - 0.5
               for ch in spaces)


def _ruled_tables(plumbed) -> list:
    """pdfplumber's ruled tables of at least two columns (one row: the rest is on another page)."""
    if not (plumbed.lines or plumbed.rects):
        return []  # no drawn lines: no ruled table, and find_tables is the slow part
    found = []
    # snapping only lines closer than a border's width: Chromium draws each border as a thin
    # filled box, and an empty column it sets narrow would otherwise vanish into its neighbour
    for table in plumbed.find_tables({"explicit_horizontal_lines": _open_ends(plumbed),
                                      "snap_tolerance": _SNAP}):
        rows = table.rows
        if rows and max(len(r.cells) for r in rows) >= 2:
            found.append(table)
    return found


def _open_ends(plumbed) -> list[float]:
    """Where ruled columns end without a closing line: the page break cut the row, and
    some producers then draw no border; close it so the cut row is still read."""
    horizontal = [round(e["top"]) for e in plumbed.edges if e["orientation"] == "h"]
    ends = {round(y) for e in plumbed.edges if e["orientation"] == "v"
            for y in (e["top"], e["bottom"])}
    return sorted(y for y in ends if not any(abs(y - h) <= 1 for h in horizontal))


def _column_edges(table) -> list[float]:
    """Left edges of the table's columns (one per extracted field), then its right edge."""
    return sorted({round(cell[0], 1) for cell in table.cells}) + [round(table.bbox[2], 1)]


def _same_frame(a: list[float], b: list[float], tolerance: float = 2.0) -> bool:
    """Two table parts with the same outer edges: one table continued on the next page."""
    return abs(a[0] - b[0]) <= tolerance and abs(a[-1] - b[-1]) <= tolerance


def _inside(obj: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    mid_x, mid_y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _is_margin(item: tuple[float, str, object], height: float) -> bool:
    """A running header or footer line (page number) near the page edge."""
    top, kind, value = item
    if kind != "text":
        return False
    near_edge = top < _EDGE_MARGIN or top > height - _EDGE_MARGIN
    return near_edge and bool(_FOOTER.match(squeeze(str(value))) or len(squeeze(str(value))) <= 3)

