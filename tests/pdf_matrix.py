"""The renderer matrix: the five corpus documents as PDFs the way offices export them — A4
portrait, tables in a readable size, so wide tables wrap their cells onto two or three lines.

- LibreOffice from HTML and from DOCX (not on CI: `python -m tests.pdf_matrix OUT_DIR` writes the
  committed fixtures under tests/fixtures/pdf/matrix/);
- Chromium's print to PDF of the same HTML (headless, as for the browser tests);
- reportlab, portrait (tests/pdf_fixtures.py draws the landscape renderings).
A flattened export (no tab tables) is set as its lines of text by each of them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from reportlab.lib.pagesizes import A4

from tests.pdf_fixtures import docx_of_text_document, html_of_text_document, render_text_document, \
    render_with_libreoffice

DATA = Path(__file__).resolve().parents[1] / "data"
MATRIX = Path(__file__).resolve().parent / "fixtures" / "pdf" / "matrix"
PORTRAIT = {"page": "A4 portrait", "table_font": "10pt"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--no-pdf-header-footer"]


def html_portrait(text_path: Path, html_path: Path) -> Path:
    html_path.write_text(html_of_text_document(text_path, **PORTRAIT), encoding="utf-8")
    return html_path


def libreoffice_html(text_path: Path, pdf_path: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        html = html_portrait(text_path, Path(tmp) / f"{text_path.stem}.html")
        shutil.move(render_with_libreoffice(html, Path(tmp), "HTML (StarWriter)"), pdf_path)
    return pdf_path


def libreoffice_docx(text_path: Path, pdf_path: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        docx = docx_of_text_document(text_path, Path(tmp) / f"{text_path.stem}.docx", portrait=True)
        shutil.move(render_with_libreoffice(docx, Path(tmp)), pdf_path)
    return pdf_path


def chromium(text_path: Path, pdf_path: Path, executable: str = "/usr/bin/chromium") -> Path:
    """Chromium's print to PDF of the portrait HTML page, in a fresh profile."""
    with tempfile.TemporaryDirectory() as tmp:
        html = html_portrait(text_path, Path(tmp) / "page.html")
        subprocess.run([executable, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile",
                        f"--print-to-pdf={pdf_path}", html.as_uri()],
                       check=True, capture_output=True, timeout=180)
    return pdf_path


def reportlab(text_path: Path, pdf_path: Path) -> Path:
    return render_text_document(text_path, pdf_path, page=A4)


RENDERERS = {"libreoffice-html": libreoffice_html, "libreoffice-docx": libreoffice_docx,
             "chromium": chromium, "reportlab": reportlab}


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else MATRIX
    names = sys.argv[2:] or list(RENDERERS)
    for name in names:
        (out / name).mkdir(parents=True, exist_ok=True)
        for txt in sorted(DATA.glob("*.txt")):
            print(RENDERERS[name](txt, out / name / f"{txt.stem}.pdf"))
