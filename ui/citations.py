"""Citations in context: the numbered markers in an answer's text, the cited row among its table's
header and neighbouring rows, and for a PDF a picture of the page with the cited region marked.

Everything is built from the store's records (Table, Row, Cell) and the Citation's own fields;
nothing is parsed back out of the answer's text except where a figure's number stands in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from indexer.records import Document, Row, Table
from retrieval.records import Answer, Citation
from ui.presenter import citation_title, find_row, find_table, table_name
from ui.warnings import reader_warning

NEIGHBOURS = 2  # rows shown above and below the cited one
CELL_STYLE = "background-color: #ffd24d; font-weight: bold"
ROW_STYLE = "background-color: #fff4cc"
MARK = (214, 40, 40)  # the cited cell's frame on a page picture
BAND = (255, 210, 77, 90)  # the cited row's band


def marker(n: int) -> str:
    return f"[{n}]"


def marked_answer(answer: Answer) -> str:
    """The answer's text with [n] after the figure each citation supports; citations not tied to a
    figure written in the text get their markers at the end."""
    text = answer.answer
    placed: set[int] = set()
    for f in answer.figures:
        if f.citation not in answer.citations:
            continue
        n = answer.citations.index(f.citation) + 1
        if n in placed:
            continue
        for shown in dict.fromkeys((f"{f.value:.2f}", f"{f.value:g}")):
            pattern = rf"(?<![\d.]){re.escape(shown)}(?![\d])\s*(?:万元|元|%|个|辆|人|项)?"
            m = next((m for m in re.finditer(pattern, text) if not text[m.end():].startswith("[")), None)
            if m:  # the first mention not yet marked: two figures of one value get one mention each
                text = text[:m.end()] + marker(n) + text[m.end():]
                placed.add(n)
                break
    rest = "".join(marker(n) for n in range(1, len(answer.citations) + 1) if n not in placed)
    return text + rest


@dataclass
class CitationView:
    """One numbered citation as the chat shows it."""

    number: int
    citation: Citation
    title: str  # "[1] document · table · row · page"
    file_name: str | None = None
    table: str | None = None  # "预算05表 部门支出预算表"
    unit: str | None = None
    frame: pd.DataFrame | None = None  # header row and neighbouring rows; None for a quote
    cited: int | None = None  # the cited row's position in `frame`
    column: str | None = None  # the cited column's name in `frame`
    note: str | None = None  # why the cited row did not verify, in Chinese
    pdf: Path | None = None  # the PDF to picture, with the page and the texts to mark
    marks: tuple[str, ...] = ()
    rank: int | None = None  # the cited cell's place among the row's filled cells, left to right

    @property
    def where(self) -> str:
        """Table, unit and page or line in one line."""
        c = self.citation
        parts = [self.table or c.table or c.section or "正文"]
        if self.unit:
            parts.append(f"单位：{self.unit}")
        if c.page is not None:
            parts.append(f"第{c.page}页")
        if c.line is not None:
            parts.append(f"第{c.line}行")
        return " · ".join(parts)

    def styled(self) -> Styler:
        """The rows with the cited row tinted and the cited cell highlighted."""
        def paint(row: pd.Series) -> list[str]:
            if row.name != self.cited:
                return [""] * len(row)
            return [CELL_STYLE if col == self.column else ROW_STYLE for col in row.index]

        styled = self.frame.style.apply(paint, axis=1)
        # the label column wraps (and the others do not: app CSS), so a phone shows the cited cell
        return styled.set_properties(subset=["项目"], **{"white-space": "normal", "min-width": "7em"})


def _cell(row: Row, column: str) -> str:
    return next((c.text for c in row.cells if c.column == column), "")


def context_frame(t: Table, row: Row, column: str | None) -> tuple[pd.DataFrame, int]:
    """The cited row with NEIGHBOURS rows on each side under the table's header (the cited column
    first after the labels, so that a narrow screen shows it); the cited row's position."""
    at = next(i for i, r in enumerate(t.rows) if r.index == row.index)
    shown = t.rows[max(0, at - NEIGHBOURS): at + NEIGHBOURS + 1]
    data: dict[str, list[str]] = {}
    if any(r.code for r in shown):
        data["编码"] = [r.code or "" for r in shown]
    data["项目"] = [r.label for r in shown]
    for col in sorted(t.columns, key=lambda c: c != column):  # stable: the rest keep their order
        values = [_cell(r, col) for r in shown]
        if any(values) or col == column:  # columns empty in every shown row are left out
            data[col if col not in data else f"{col}（数值）"] = values
    return pd.DataFrame(data), shown.index(t.rows[at])


def citation_views(answer: Answer, documents: list[Document], tables_of) -> list[CitationView]:
    """Each citation of an answer with its context, numbered as in `marked_answer`."""
    docs = {d.doc_id: d for d in documents}
    views = []
    for n, c in enumerate(answer.citations, start=1):
        doc = docs.get(c.doc_id)
        view = CitationView(number=n, citation=c, title=f"{marker(n)} {citation_title(c)}",
                            file_name=doc.file_name if doc else None)
        if c.kind == "table" and c.table:
            t = find_table(tables_of(c.doc_id), c)
            row = find_row(t, c) if t else None
            if t is not None:
                view.table, view.unit = table_name(t), t.unit
            if t is not None and row is not None:
                view.frame, view.cited = context_frame(t, row, c.column)
                view.column = c.column if c.column in view.frame.columns else None
                if row.verified is False and row.note:
                    view.note = reader_warning(row.note)
                view.marks = tuple(x for x in (row.label, _cell(row, c.column) if c.column else "") if x)
                filled = [col for col in t.columns if _cell(row, col)]
                view.rank = filled.index(c.column) if c.column in filled else None
        elif c.quote:
            view.marks = (re.sub(r"\s+", "", c.quote)[:12],)
        if doc and c.page and doc.path.lower().endswith(".pdf") and Path(doc.path).is_file():
            view.pdf = Path(doc.path)
        views.append(view)
    return views


# ---- a picture of the cited page --------------------------------------------------------------


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


_NUMBER = re.compile(r"-?[\d,]*\.?\d+")


def _wrapped(word: dict, words: list[dict], value: str) -> dict:
    """A number's box, with the line(s) its narrow cell wrapped it onto ("15.5" over "8")."""
    box, text = dict(word), _squeeze(word["text"])
    while text != value:
        below = next((w for w in words if 0 <= w["top"] - box["bottom"] < 6 and abs(w["x0"] - box["x0"]) < 3
                      and value.startswith(text + _squeeze(w["text"]))), None)
        if below is None:
            break
        text += _squeeze(below["text"])
        box.update(bottom=below["bottom"], x1=max(box["x1"], below["x1"]))
    return box


def _find_boxes(words: list[dict], marks: tuple[str, ...], rank: int | None = None) -> list[dict]:
    """The words of the page that show the marks: the row label and, on its line, the value — the
    rank-th number right of the label when the rank is known (a number wrapped inside a narrow
    cell, "15.5" over "8", is found by its place, not its text)."""
    def matches(word: dict, mark: str) -> bool:
        w, m = _squeeze(word["text"]), _squeeze(mark)
        return bool(w) and (w == m or (len(w) >= 2 and m.startswith(w)) or (len(m) >= 4 and m[:8] in w))

    if not marks:
        return []
    labels = [w for w in words if matches(w, marks[0])]
    if len(marks) == 1:
        return labels[:1]
    if rank is not None:
        for lab in labels:
            numbers = sorted((w for w in words if w["x0"] > lab["x1"] and _NUMBER.fullmatch(_squeeze(w["text"]))
                              and abs(w["top"] - lab["top"]) < 3), key=lambda w: w["x0"])
            if rank < len(numbers) and _squeeze(marks[1]).startswith(_squeeze(numbers[rank]["text"])):
                return [lab, _wrapped(numbers[rank], words, _squeeze(marks[1]))]
    values = [w for w in words if _squeeze(w["text"]) == _squeeze(marks[1])]
    pairs = [(abs((lab["top"] + lab["bottom"]) - (v["top"] + v["bottom"])), lab, v)
             for lab in labels for v in values if v["x0"] > lab["x0"]]
    if pairs:
        _, lab, v = min(pairs, key=lambda p: p[0])
        return [lab, v]
    return labels[:1] or values[:1]


ROW_MARGIN = 40  # points above and below the cited row in its strip (about two rows)


def page_image(pdf: Path, page: int, marks: tuple[str, ...], rank: int | None = None, scale: float = 1.5,
               around_row: bool = False):
    """The page rendered as a picture (PIL), the cited row banded and its cell framed in red;
    with `around_row`, only a strip of the page around that row (None when it was not found),
    large enough to read on a phone. None when the page cannot be read."""
    import pdfplumber
    import pypdfium2 as pdfium
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException
    from PIL import Image, ImageDraw

    try:
        with pdfplumber.open(pdf) as doc:
            if not 1 <= page <= len(doc.pages):
                return None
            words = doc.pages[page - 1].extract_words()
            width, height = doc.pages[page - 1].width, doc.pages[page - 1].height
        rendered = pdfium.PdfDocument(str(pdf))
        try:
            image = rendered[page - 1].render(scale=scale).to_pil().convert("RGBA")
        finally:
            rendered.close()
    except (OSError, ValueError, pdfium.PdfiumError, PdfminerException, MalformedPDFException):
        # a damaged, removed or replaced file: the citation still shows its row
        return None
    boxes = _find_boxes(words, marks, rank)
    if around_row and not boxes:
        return None
    if boxes:
        band = Image.new("RGBA", image.size, (0, 0, 0, 0))
        top = min(b["top"] for b in boxes) - 2
        bottom = max(b["bottom"] for b in boxes) + 2
        ImageDraw.Draw(band).rectangle(
            [min(b["x0"] for b in boxes) * scale - 4, top * scale, max(b["x1"] for b in boxes) * scale + 4,
             bottom * scale], fill=BAND)
        image = Image.alpha_composite(image, band)
        last = boxes[-1]
        ImageDraw.Draw(image).rectangle(
            [last["x0"] * scale - 4, last["top"] * scale - 3, last["x1"] * scale + 4, last["bottom"] * scale + 3],
            outline=MARK, width=3)
    if words:  # the page's printed area without its empty margins: larger on screen
        pad = 12
        box = (max(min(w["x0"] for w in words) - pad, 0), max(min(w["top"] for w in words) - pad, 0),
               min(max(w["x1"] for w in words) + pad, width), min(max(w["bottom"] for w in words) + pad, height))
        if around_row:  # the row from its label to the cited cell, with a little around it
            box = (max(min(b["x0"] for b in boxes) - ROW_MARGIN, box[0]),
                   max(min(b["top"] for b in boxes) - ROW_MARGIN, 0),
                   min(max(b["x1"] for b in boxes) + ROW_MARGIN, box[2]),
                   min(max(b["bottom"] for b in boxes) + ROW_MARGIN, height))
        image = image.crop(tuple(round(v * scale) for v in box))
    return image.convert("RGB")
