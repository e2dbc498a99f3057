"""The renderer matrix: the five corpus documents as offices export them (A4 portrait, wide
tables wrapping their cells onto two or three lines, rows cut by page breaks) read back to the
figures of the text version — LibreOffice from HTML and from DOCX (committed renderings:
`python -m tests.pdf_matrix tests/fixtures/pdf/matrix libreoffice-html libreoffice-docx`),
Chromium's print to PDF and reportlab (rendered here)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from indexer.pipeline import parse_source
from indexer.read.load import read_source
from indexer.read.pdf import read_pdf
from indexer.text import squeeze
from tests import pdf_matrix
from tests.conftest import DATA

DOCUMENTS = sorted(DATA.glob("*.txt"))
COMMITTED = ("libreoffice-html", "libreoffice-docx")


def figures(parsed) -> Counter:
    """Every figure: table cells and the narrative's amounts, shares, changes, counts."""
    cells = Counter((t.title, squeeze(r.label), c.column, c.value)
                    for t in parsed.tables for r in t.rows for c in r.cells if c.value is not None)
    return cells + Counter((f.kind, squeeze(f.subject), f.value, f.unit) for f in parsed.facts)


def indicators(parsed) -> Counter:
    return Counter((squeeze(i.project or ""), squeeze(i.level3), squeeze(i.value_text))
                   for i in parsed.indicators)


@pytest.fixture(scope="session")
def texts():
    return {doc.stem: parse_source(read_source(doc)) for doc in DOCUMENTS}


@pytest.fixture(scope="session")
def renderings(tmp_path_factory):
    """renderer → {document: parsed PDF}."""
    out = {}
    for name in pdf_matrix.RENDERERS:
        if name in COMMITTED:
            folder = pdf_matrix.MATRIX / name
        else:
            if name == "chromium" and not shutil.which("chromium"):
                continue
            folder = tmp_path_factory.mktemp(name)
            for doc in DOCUMENTS:
                pdf_matrix.RENDERERS[name](doc, folder / f"{doc.stem}.pdf")
        out[name] = {doc.stem: parse_source(read_pdf(folder / f"{doc.stem}.pdf")) for doc in DOCUMENTS}
    return out


def totals(texts, parsed: dict, count) -> tuple[int, int, int]:
    """(expected, found of them, spurious) over the five documents."""
    expected = found = spurious = 0
    for name, text in texts.items():
        want, got = count(text), count(parsed[name])
        expected += sum(want.values())
        found += sum((want & got).values())
        spurious += sum((got - want).values())
    return expected, found, spurious


@pytest.mark.parametrize("renderer", list(pdf_matrix.RENDERERS))
def test_each_renderer_gives_the_text_versions_figures(texts, renderings, renderer):
    if renderer not in renderings:
        pytest.skip("chromium is not installed")
    expected, found, _ = totals(texts, renderings[renderer], figures)
    assert found >= 0.99 * expected, f"{renderer}: {found}/{expected}"
    expected, found, _ = totals(texts, renderings[renderer], indicators)
    assert found >= 0.9 * expected, f"{renderer}: indicators {found}/{expected}"


# a row LibreOffice cut in the middle of every cell ("30 | 28 | 工 | 2." / "2 | | 会经费 | 21") is
# rejoined, but a few rows cut next to a repeated header or a clipped column still are not
LEFT = {"libreoffice-html": 2, "libreoffice-docx": 3}


@pytest.mark.parametrize("renderer", list(pdf_matrix.RENDERERS))
def test_no_renderer_adds_a_figure(texts, renderings, renderer):
    if renderer not in renderings:
        pytest.skip("chromium is not installed")
    _, _, spurious = totals(texts, renderings[renderer], figures)
    assert spurious <= LEFT.get(renderer, 0)


def test_the_committed_renderings_are_portrait_and_wrap_their_cells():
    import pypdf

    for name in COMMITTED:
        for doc in DOCUMENTS:
            page = pypdf.PdfReader(pdf_matrix.MATRIX / name / f"{doc.stem}.pdf").pages[0]
            assert page.mediabox.width < page.mediabox.height
    lines = read_pdf(pdf_matrix.MATRIX / "libreoffice-html" / f"{DOCUMENTS[0].stem}.pdf").lines
    assert any("机关事业单位基本养老保险缴费支出" in line for line in lines)  # wrapped in its cell
