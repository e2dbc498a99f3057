"""Render corpus text documents as PDFs with ruled tables, and make broken PDFs, for the tests.

A rendering is what a published budget PDF looks like: narrative paragraphs as text, every
tab-separated table as a ruled grid (reportlab's CID font STSong-Light, no font file needed) with
merged header cells, narrow amount columns whose numbers wrap ("125.0" / "5"), long tables running
over pages with the header repeated (even tables) or not (odd tables), and rows split by a page
break. Run as a script to write the renderings: `python -m tests.pdf_fixtures OUT_DIR`.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from indexer.text import parse_number

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=13, leading=18, wordWrap="CJK",
                        spaceBefore=6, spaceAfter=4)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=6.5, leading=7.5, wordWrap="CJK")
_SEPARATOR = re.compile(r"^[\s\t|:-]*-{3,}[\s\t|:-]*$")
_PAGE = landscape(A4)
_MARGIN = 36


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Group lines into ("text", [line]) and ("table", [tab lines]) blocks in order."""
    blocks: list[tuple[str, list[str]]] = []
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line):
            continue
        if "\t" in line:
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].append(line)
            else:
                blocks.append(("table", [line]))
        elif line.strip():
            blocks.append(("text", [line]))
        elif blocks and blocks[-1][0] == "table":
            # a blank line inside a table (a page break of the export) does not end it
            following = next((x for x in lines[i + 1:] if x.strip()), "")
            if "\t" not in following:
                blocks.append(("text", []))
    return [b for b in blocks if b[1]]


def _header_count(rows: list[list[str]]) -> int:
    """Rows before the first one holding a number ("合计" may head a column)."""
    for k, row in enumerate(rows):
        if any(parse_number(c) is not None for c in row if c.strip()):
            return k
    return 0


def _width(text: str, size: float = 6.5) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def _table(lines: list[str], repeat_header: bool, page_width: float = _PAGE[0]) -> Table:
    """A ruled grid; header labels spanning the empty fields after them become merged cells."""
    rows = [line.split("\t") for line in lines]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    n_header = _header_count(rows)
    numeric = [all(parse_number(r[c]) is not None for r in rows[n_header:] if r[c].strip())
               and any(r[c].strip() for r in rows[n_header:]) for c in range(width)]
    natural = []
    for c in range(width):
        data = max((_width(r[c].strip()) for r in rows[n_header:]), default=0)
        head = max((_width(r[c].strip()[:4]) for r in rows[:n_header]), default=0)
        w = min(max(data, head, 14) + 6, 170)
        if numeric[c] and width >= 10:
            w = max(w * 0.72, 14)  # narrow amount columns: long numbers wrap inside the cell
        natural.append(w)
    room = page_width - 2 * _MARGIN
    scale = min(1.0, room / sum(natural))
    cells = [[Paragraph(escape(c.strip()), _CELL) for c in r] for r in rows]
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]
    for r in range(max(n_header - 1, 0)):  # the last header row holds leaves only
        filled = [c for c in range(width) if rows[r][c].strip()]
        for k, c in enumerate(filled):
            end = (filled[k + 1] if k + 1 < len(filled) else width) - 1
            below = any(rows[r + 1][x].strip() for x in range(c, end + 1))
            if end > c and below and not any(rows[r][x].strip() for x in range(c + 1, end + 1)):
                style.append(("SPAN", (c, r), (end, r)))
    return Table(cells, colWidths=[w * scale for w in natural], style=TableStyle(style),
                 repeatRows=n_header if repeat_header else 0,
                 # reportlab draws the rest of a cut row over a repeated header: cut rows
                 # only where the header is not repeated
                 splitInRow=0 if repeat_header else 1)


def _footer(canv: canvas.Canvas, doc) -> None:
    canv.setFont(FONT, 9)
    canv.drawCentredString(doc.pagesize[0] / 2, 20, f"- {doc.page} -")


def render_text_document(text_path: Path, pdf_path: Path, page: tuple[float, float] = _PAGE) -> Path:
    """Render a corpus text export as a PDF with ruled tables; return the PDF's path."""
    lines = text_path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    story: list = []
    tables = 0
    for kind, block in _blocks(lines):
        if kind == "table":
            story.append(_table(block, repeat_header=tables % 2 == 0, page_width=page[0]))
            story.append(Spacer(1, 6))
            tables += 1
            continue
        line = block[0].strip()
        heading = line.startswith("#")
        text = line.lstrip("#").strip().replace("**", "")
        story.append(Paragraph(escape(text), _TITLE if heading else _BODY))
    doc = SimpleDocTemplate(str(pdf_path), pagesize=page, leftMargin=_MARGIN,
                            rightMargin=_MARGIN, topMargin=_MARGIN, bottomMargin=_MARGIN,
                            title=text_path.stem)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return pdf_path


def long_table_lines(rows: int = 70) -> list[str]:
    """A 支出 table as tab lines: merged header, tall rows (long labels) every 4th row, wide amounts."""
    lines = ["科目编码\t\t\t科目名称\t合计\t基本支出\t\t项目支出",
             "类\t款\t项\t\t\t人员经费\t公用经费\t"]
    for k in range(rows):
        label = "其他政府办公厅（室）及相关机构事务支出" * (12 if k % 4 == 3 else 1)
        lines.append(f"201\t{k // 10:02d}\t{k % 10 + 1:02d}\t{label}\t{k + 1250.05:.2f}"
                     f"\t{k + 1000.01:.2f}\t250.04\t")
    return lines


def long_table_pdf(pdf_path: Path, repeat_header: bool, rows: int = 70) -> Path:
    """One ruled table over several pages, its tall rows cut by the page breaks."""
    story = [Paragraph("2025 年部门支出预算表", _TITLE), Paragraph("单位：万元", _BODY),
             _table(long_table_lines(rows), repeat_header)]
    doc = SimpleDocTemplate(str(pdf_path), pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
                            topMargin=_MARGIN, bottomMargin=_MARGIN)
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return pdf_path


def render_plain_lines(text_path: Path, pdf_path: Path, lines_per_page: int = 42) -> Path:
    """Render a flattened export line by line, no ruling: what documents 000 and 004 came from."""
    lines = text_path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    canv = canvas.Canvas(str(pdf_path), pagesize=A4)
    y = A4[1] - 40
    for line in lines:
        if y < 40:
            canv.showPage()
            y = A4[1] - 40
        canv.setFont(FONT, 9)
        canv.drawString(40, y, line.replace("\t", " "))
        y -= 18
    canv.save()
    return pdf_path


def scanned_pdf(pdf_path: Path, pages: int = 2) -> Path:
    """A PDF whose pages hold only drawings (as a scanned page holds only an image)."""
    canv = canvas.Canvas(str(pdf_path), pagesize=A4)
    for _ in range(pages):
        for k in range(40):
            canv.rect(50, 50 + k * 18, 400 - k * 5, 10, fill=1)
        canv.showPage()
    canv.save()
    return pdf_path


def encrypted_pdf(source: Path, pdf_path: Path, password: str = "secret") -> Path:
    """A copy of `source` that opens only with a password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    with pdf_path.open("wb") as f:
        writer.write(f)
    return pdf_path


def truncated_pdf(source: Path, pdf_path: Path) -> Path:
    """The first half of `source`'s bytes: a download that stopped."""
    data = source.read_bytes()
    pdf_path.write_bytes(data[: len(data) // 2])
    return pdf_path


def zero_page_pdf(pdf_path: Path) -> Path:
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    pdf_path.write_bytes(buffer.getvalue())
    return pdf_path


# --- renderings by LibreOffice (`soffice --headless --convert-to pdf`), from HTML and from DOCX:
# the PDFs are committed under tests/fixtures/pdf/ (CI has no LibreOffice); this writes them again

def _header_spans(rows: list[list[str]], n_header: int) -> dict[tuple[int, int], int]:
    """(row, column) → columns a header label spans: the empty fields after it with text below."""
    spans = {}
    width = len(rows[0])
    for r in range(max(n_header - 1, 0)):
        filled = [c for c in range(width) if rows[r][c].strip()]
        for k, c in enumerate(filled):
            end = (filled[k + 1] if k + 1 < len(filled) else width) - 1
            if end > c and any(rows[r + 1][x].strip() for x in range(c, end + 1)):
                spans[(r, c)] = end - c + 1
    return spans


def _grid(block: list[str]) -> tuple[list[list[str]], int]:
    rows = [line.split("\t") for line in block]
    width = max(len(r) for r in rows)
    rows = [[c.strip() for c in r] + [""] * (width - len(r)) for r in rows]
    return rows, _header_count(rows)


def html_of_text_document(text_path: Path, page: str = "A4 landscape", table_font: str = "7pt",
                          fit: bool = False) -> str:
    """A text export as an HTML page: headings, paragraphs, ruled tables with merged headers;
    `fit`: every table as wide as the page, its cells wrapping (long codes and amounts too)."""
    lines = text_path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    width = " width:100%;" if fit else ""
    wrap = " word-break:break-all;" if fit else ""
    out = ['<html><head><meta charset="utf-8"><title>' + escape(text_path.stem) + "</title>"
           f"<style>@page{{size:{page};margin:2cm}} body{{font-size:10pt}} table{{border-collapse:collapse;{width}font-size:{table_font}}}"
           f" td,th{{border:1px solid black;padding:1px;{wrap}}}</style></head><body>"]
    for kind, block in _blocks(lines):
        if kind == "text":
            line = block[0].strip()
            text = escape(line.lstrip("#").strip().replace("**", ""))
            out.append(f"<h3>{text}</h3>" if line.startswith("#") else f"<p>{text}</p>")
            continue
        rows, n_header = _grid(block)
        spans = _header_spans(rows, n_header)
        out.append('<table border="1" cellspacing="0"' + (' width="100%"' if fit else "") + ">")
        for r, row in enumerate(rows):
            tag, cells, skip = ("th" if r < n_header else "td"), [], 0
            for c, cell in enumerate(row):
                if skip:
                    skip -= 1
                    continue
                span = spans.get((r, c), 1)
                skip = span - 1
                attr = f' colspan="{span}"' if span > 1 else ""
                cells.append(f"<{tag}{attr}>{escape(cell)}</{tag}>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def docx_of_text_document(text_path: Path, docx_path: Path, portrait: bool = False) -> Path:
    """A text export as a Word file (python-docx): ruled tables with merged header cells."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    if not portrait:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    lines = text_path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    for kind, block in _blocks(lines):
        if kind == "text":
            line = block[0].strip()
            text = line.lstrip("#").strip().replace("**", "")
            if line.startswith("#"):
                document.add_heading(text, level=3)
            else:
                document.add_paragraph(text)
            continue
        rows, n_header = _grid(block)
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for (r, c), span in _header_spans(rows, n_header).items():
            table.cell(r, c).merge(table.cell(r, c + span - 1))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text:
                    cell = table.cell(r, c)
                    cell.text = text
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(10 if portrait else 7)
    document.save(docx_path)
    return docx_path


def render_with_libreoffice(source: Path, out_dir: Path, in_filter: str | None = None) -> Path:
    """`soffice --headless --convert-to pdf` (Debian's libreoffice-writer, fonts-noto-cjk)."""
    import subprocess

    command = ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out_dir)]
    if in_filter:
        command.append(f"--infilter={in_filter}")
    subprocess.run([*command, str(source)], check=True, capture_output=True, timeout=300)
    return out_dir / f"{source.stem}.pdf"


if __name__ == "__main__":
    # python -m tests.pdf_fixtures OUT_DIR [--libreoffice]: reportlab renderings, or LibreOffice
    # renderings of the tab-table documents from HTML and from DOCX (the committed fixtures)
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    data = Path(__file__).resolve().parents[1] / "data"
    if "--libreoffice" in sys.argv:
        import tempfile

        for number, txt in enumerate(sorted(data.glob("*.txt"))):
            with tempfile.TemporaryDirectory() as tmp:
                if "\t" not in txt.read_text(encoding="utf-8"):
                    # a flattened export has no tables to rule: LibreOffice sets it as plain
                    # text, wrapping its long lines
                    plain = Path(tmp) / f"{txt.stem}.txt"
                    plain.write_bytes(txt.read_bytes())
                    pdf = render_with_libreoffice(plain, Path(tmp), "Text (encoded):UTF8,,,")
                    print(pdf.rename(out / f"{txt.stem}.text.pdf"))
                    continue
                html = Path(tmp) / f"{txt.stem}.html"
                html.write_text(html_of_text_document(txt), encoding="utf-8")
                pdf = render_with_libreoffice(html, Path(tmp))
                pdf.rename(out / f"{txt.stem}.html.pdf")
                docx_file = docx_of_text_document(txt, Path(tmp) / f"{txt.stem}.docx")
                render_with_libreoffice(docx_file, Path(tmp)).rename(out / f"{txt.stem}.docx.pdf")
                print(out / f"{txt.stem}.html.pdf", out / f"{txt.stem}.docx.pdf")
    else:
        for txt in sorted(data.glob("*.txt")):
            print(render_text_document(txt, out / f"{txt.stem}.pdf"))
