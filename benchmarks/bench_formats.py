"""Reading and parsing time per page, for each file format beside the text path, in one run.

The three tab-table corpus documents are written as text (data/), HTML and DOCX (tests/pdf_fixtures),
XLSX (one sheet per table) and PDF (reportlab; LibreOffice renderings committed under
tests/fixtures/pdf/libreoffice), and the renderer matrix of tests/pdf_matrix.py (A4 portrait:
LibreOffice from HTML and DOCX, reportlab, Chromium). Each is read and parsed (`read_source` + `parse_source`: records,
no embedding, which costs the same whatever the format). A "page" is a page of the document's
LibreOffice PDF, so that every format is measured per the same amount of content.
Usage: `python benchmarks/bench_formats.py [ROUNDS]`.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402

from indexer.pipeline import parse_source  # noqa: E402
from indexer.read.load import read_document  # noqa: E402
from tests import pdf_matrix  # noqa: E402
from tests.pdf_fixtures import (_blocks, docx_of_text_document, html_of_text_document,  # noqa: E402
                                render_text_document)
from tests.pdf_matrix import MATRIX  # noqa: E402

DOCUMENTS = ["2020_洛阳市政务服务和大数据管理局_部门预算.txt",
             "2025_洛阳市瀍河回族区行政审批和政务信息管理局_部门预算.txt",
             "2025_洛阳市西工区人民政府办公室_部门预算.txt"]
LIBREOFFICE = ROOT / "tests" / "fixtures" / "pdf" / "libreoffice"


def xlsx_of_text_document(text_path: Path, xlsx_path: Path) -> Path:
    """One sheet per table (its title in the first row), the narrative on a sheet of its own."""
    import openpyxl

    book = openpyxl.Workbook()
    narrative = book.active
    narrative.title = "说明"
    lines = text_path.read_text(encoding="utf-8").split("\n")
    title = ""
    for kind, block in _blocks(lines):
        if kind == "text":
            title = block[0].strip().lstrip("#").strip()
            narrative.append([title])
            continue
        sheet = book.create_sheet(f"表{len(book.sheetnames)}")
        sheet.append([title])
        for line in block:
            sheet.append([float(c) if c.replace(".", "", 1).isdigit() else c for c in line.split("\t")])
    book.save(xlsx_path)
    return xlsx_path


def seconds(path: Path, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        parse_source(read_document(path))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(rounds: int = 3) -> None:
    pages = {name: len(pypdf.PdfReader(LIBREOFFICE / name.replace(".txt", ".html.pdf")).pages)
             for name in DOCUMENTS}
    total_pages = sum(pages.values())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files: dict[str, list[Path]] = {"text (.txt)": [], "HTML": [], "DOCX": [], "XLSX": [],
                                        "PDF reportlab": [], "PDF LibreOffice (HTML)": [],
                                        "PDF LibreOffice (DOCX)": []}
        for name in DOCUMENTS:
            text = ROOT / "data" / name
            stem = text.stem
            files["text (.txt)"].append(text)
            html = folder / f"{stem}.html"
            html.write_text(html_of_text_document(text), encoding="utf-8")
            files["HTML"].append(html)
            files["DOCX"].append(docx_of_text_document(text, folder / f"{stem}.docx"))
            files["XLSX"].append(xlsx_of_text_document(text, folder / f"{stem}.xlsx"))
            files["PDF reportlab"].append(render_text_document(text, folder / f"{stem}.pdf"))
            files["PDF LibreOffice (HTML)"].append(LIBREOFFICE / f"{stem}.html.pdf")
            files["PDF LibreOffice (DOCX)"].append(LIBREOFFICE / f"{stem}.docx.pdf")
            # the renderer matrix: A4 portrait, cells wrapping (tests/pdf_matrix.py)
            for renderer, label in (("libreoffice-html", "PDF portrait LO (HTML)"),
                                    ("libreoffice-docx", "PDF portrait LO (DOCX)")):
                files.setdefault(label, []).append(MATRIX / renderer / f"{stem}.pdf")
            files.setdefault("PDF portrait reportlab", []).append(
                pdf_matrix.reportlab(text, folder / f"{stem}.portrait.pdf"))
            if shutil.which("chromium"):
                files.setdefault("PDF portrait Chromium", []).append(
                    pdf_matrix.chromium(text, folder / f"{stem}.chromium.pdf"))
        print(f"{len(DOCUMENTS)} documents, {total_pages} pages (their LibreOffice PDFs), "
              f"median of {rounds} rounds; read + parse, no embedding")
        base = None
        for fmt, paths in files.items():
            elapsed = sum(seconds(p, rounds) for p in paths)
            per_page = elapsed / total_pages * 1000
            base = base or per_page
            print(f"{fmt:24s} {per_page:8.1f} ms/page  ({per_page / base:4.1f}× the text path)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
