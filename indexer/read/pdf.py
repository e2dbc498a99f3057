"""Read a budget PDF into the same lines as a text export, with the page of every line.

Pages whose tables are ruled (pdfplumber finds their grid) give their tables as tab-separated
lines, the shape `tables_tsv` parses: merged cells become empty fields, a line break inside a cell
is undone ("125.0\\n5" → "125.05", "工资福利\\n支出" → "工资福利支出"). A table continued on the
next page is joined: a repeated header row is dropped and a row broken by the page break is
rejoined. Pages without ruled tables keep pypdf's text, the flattened shape that `tables_flat`
reconstructs by arithmetic. A PDF that cannot be read whole is refused with a named reason.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pypdf
from pypdf.errors import PdfReadError

from indexer.read.load import SourceText, UnreadableFile
from indexer.text import normalise, parse_number, squeeze, unify_radicals

MAX_PAGES = 500
_TEXT_MIN_CHARS = 10  # fewer characters than this on every page: images only, no text layer
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef（）“”、，。：；]")
_PART_NUMBER = re.compile(r"^[\d,]+\.?$")
_NUMERIC_CELL = re.compile(r"^[-−]?[\d,]*\.?\d+%?$")
_ROW_START = re.compile(r"^([(（]?[一二三四五六七八九十]+[)）、]|\d+[.、．]|\d{3,}$|其中)")
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


@dataclass
class _Continuation:
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
class _PageOut:
    lines: list[str] = field(default_factory=list)
    continuation: _Continuation | None = None


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
    previous: _Continuation | None = None
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


def _read_page(page: pypdf.PageObject, plumbed, previous: _Continuation | None,
               done: list[str]) -> _PageOut:
    """One page as lines: pypdf text, or pdfplumber text around tab-separated tables."""
    tables = _ruled_tables(plumbed)
    if not tables:
        return _PageOut(_text_lines(plumbed) or page.extract_text().split("\n"))
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
    out = _PageOut()
    for k, (top, kind, item) in enumerate(items):
        if kind == "text":
            out.lines.append(str(item))
            continue
        rows = [[_cell_text(c) for c in row] for row in item.extract()]  # type: ignore[attr-defined]
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
            rows, columns = _regrid(rows, columns, previous, done, out)  # type: ignore[arg-type]
        if continues:
            rows = _join_continuation(rows, previous, done, out)  # type: ignore[arg-type]
            header = previous.header  # type: ignore[union-attr]
        else:
            header = _header_rows(rows)
        out.lines += ["\t".join(row) for row in rows]
        if last_on_page and rows:
            has_data = any(_has_number(row) for row in rows) or bool(
                continues and previous.has_data) or len(rows) > len(header)  # type: ignore
            earlier = previous.line_indexes if continues else []  # type: ignore[union-attr]
            out.continuation = _Continuation(
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


def _expand(row: list[str], edges: list[float], grid: list[float]) -> list[str]:
    """Place each field of a row at the grid column starting where its column starts."""
    out = [""] * (len(grid) - 1)
    for cell, x in zip(row, edges):
        j = min(range(len(grid) - 1), key=lambda g: abs(grid[g] - x))
        out[j] = join_wrapped([out[j], cell]) if out[j] else cell
    return out


def _regrid(rows: list[list[str]], columns: list[float], previous: _Continuation,
            done: list[str], out: _PageOut) -> tuple[list[list[str]], list[float]]:
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


def _line(index: int, done: list[str], out: _PageOut) -> str:
    return done[index] if index < len(done) else out.lines[index - len(done)]


def _usual_decimals(rows: list[list[str]], width: int) -> list[int | None]:
    """Per column, the decimals most of its amounts are written with (None: no amounts)."""
    usual: list[int | None] = []
    for k in range(width):
        counts = Counter(len(c.partition(".")[2]) for row in rows if k < len(row)
                         for c in [row[k].replace(",", "")] if parse_number(c) is not None)
        usual.append(counts.most_common(1)[0][0] if counts else None)
    return usual


def _set_line(index: int, text: str, done: list[str], out: _PageOut) -> None:
    if index < len(done):
        done[index] = text
    else:
        out.lines[index - len(done)] = text


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


def _cell_text(cell: str | None) -> str:
    """A cell's text on one line: merged (None) and empty cells are empty fields."""
    if not cell:
        return ""
    return join_wrapped(cell.replace("\t", " ").split("\n"))


def _has_number(row: list[str]) -> bool:
    return any(parse_number(c) is not None for c in row if c)


def _header_rows(rows: list[list[str]]) -> list[list[str]]:
    """The rows before the first row holding a number: the table's header."""
    header = []
    for row in rows:
        if _has_number(row):
            break
        header.append([squeeze(normalise(c)) for c in row])
    return header if len(header) < len(rows) else header[:4]


def _join_continuation(rows: list[list[str]], previous: _Continuation, done: list[str],
                       out: _PageOut) -> list[list[str]]:
    """Drop a repeated header; merge a stub row into the row the page break cut."""
    while rows and not _has_number(rows[0]) and [squeeze(normalise(c)) for c in rows[0]] in (
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
    if not filled or len(row) != len(last) or _has_number(row) or _has_number(last):
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
