"""Pages per second reading text PDFs with their ruled tables, beside pypdf's extract_text alone.

Renders the five corpus documents as PDFs (tests/pdf_fixtures.py), then times `read_pdf` (text,
ruled tables, joins over pages) and, as the baseline in the same run, pypdf `extract_text` on every
page. Usage: `python benchmarks/bench_pdf.py [ROUNDS]`. Target: at least 5 pages/s for read_pdf.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pypdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.read.pdf import read_pdf  # noqa: E402
from tests.pdf_fixtures import render_text_document  # noqa: E402


def pages_per_second(pdfs: list[Path], read, rounds: int) -> tuple[float, int]:
    pages = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for pdf in pdfs:
            pages += read(pdf)
    return pages / (time.perf_counter() - start), pages


def baseline(pdf: Path) -> int:
    reader = pypdf.PdfReader(pdf)
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def full(pdf: Path) -> int:
    return read_pdf(pdf).page_count or 0


def main(rounds: int = 2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = [render_text_document(txt, Path(tmp) / f"{k}.pdf")
                for k, txt in enumerate(sorted((ROOT / "data").glob("*.txt")))]
        rate_base, pages = pages_per_second(pdfs, baseline, rounds)
        rate_full, _ = pages_per_second(pdfs, full, rounds)
    print(f"{len(pdfs)} PDFs, {pages // rounds} pages, {rounds} rounds")
    print(f"pypdf extract_text alone : {rate_base:6.1f} pages/s")
    print(f"read_pdf (text + tables) : {rate_full:6.1f} pages/s  (target >= 5)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
