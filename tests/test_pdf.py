"""Reading budget PDFs: ruled tables equal to the text exports', page numbers, broken PDFs refused."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from indexer import store
from indexer.pipeline import parse_source
from indexer.read.load import read_source
from indexer.read.pdf import ScannedPDF, UnreadablePDF, read_pdf
from indexer.read.pdf_cells import _is_header_stub, _is_stub, join_wrapped
from indexer.text import squeeze
from tests import pdf_fixtures
from tests.conftest import CHANHE, CITY_DATA, DATA, XIGONG_DATA, XIGONG_GOV, make_indexer

TAB_DOCUMENTS = [CHANHE, XIGONG_GOV, CITY_DATA]


@pytest.fixture(scope="session")
def renderings(tmp_path_factory):
    """The three tab-table documents rendered as ruled PDFs (about 1 s for all three)."""
    folder = tmp_path_factory.mktemp("pdf")
    return {name: pdf_fixtures.render_text_document(DATA / name, folder / name.replace(".txt", ".pdf"))
            for name in TAB_DOCUMENTS}


def table_tuples(parsed) -> Counter:
    return Counter((t.title, squeeze(r.label), c.column, c.value)
                   for t in parsed.tables for r in t.rows for c in r.cells if c.value is not None)


@pytest.mark.parametrize("name", TAB_DOCUMENTS)
def test_pdf_tables_equal_the_text_tables(renderings, name):
    expected = table_tuples(parse_source(read_source(DATA / name)))
    found = table_tuples(parse_source(read_pdf(renderings[name])))
    assert sum((expected & found).values()) >= 0.98 * sum(expected.values())
    assert not found - expected, "spurious (table, row, column, value) tuples"


@pytest.mark.parametrize("name", TAB_DOCUMENTS)
def test_every_record_of_a_pdf_carries_its_page(renderings, name):
    parsed = parse_source(read_pdf(renderings[name]))
    rows = [r for t in parsed.tables for r in t.rows]
    assert parsed.document.shape == "pdf" and parsed.document.page_count > 5
    assert all(r.page for r in rows) and all(c.page for r in rows for c in r.cells)
    assert all(s.page for s in parsed.sections) and all(f.page for f in parsed.facts)
    assert all(c.page for c in parsed.chunks) and all(i.page for i in parsed.indicators)
    assert len({r.page for r in rows}) > 3


def test_a_table_continued_over_pages_is_one_table(renderings):
    parsed = parse_source(read_pdf(renderings[XIGONG_GOV]))
    assert any(len({r.page for r in t.rows}) > 1 for t in parsed.tables)


@pytest.mark.parametrize("repeat_header", [True, False])
def test_long_table_over_pages_reads_back_exactly(tmp_path, repeat_header):
    pdf = pdf_fixtures.long_table_pdf(tmp_path / "long.pdf", repeat_header)
    source = read_pdf(pdf)
    assert source.page_count >= 3
    assert [line for line in source.lines if "\t" in line] == pdf_fixtures.long_table_lines()


def test_header_row_cut_by_a_page_break_is_rejoined(renderings):
    lines = read_pdf(renderings[CITY_DATA]).lines
    assert "项目\t2020年“三公”经费预算数" in lines


@pytest.mark.parametrize(("parts", "joined"), [
    (["125.0", "5"], "125.05"), (["1,074.", "61"], "1,074.61"), (["工资福利", "支出"], "工资福利支出"),
    (["12345", "专项经费"], "12345专项经费"), (["office", "rent"], "office rent"),
])
def test_line_breaks_inside_cells_are_undone(parts, joined):
    assert join_wrapped(parts) == joined


def test_stub_row_is_told_from_a_row_of_its_own():
    last = ["", "绩效指标合理性", "合理", "1. 工作任务、预算项目绩效指标设置是否准确反映部门绩效完成情况；2. 是否清晰、"]
    assert _is_stub(["", "", "", "细化、可评价、可衡量。"], last)
    assert not _is_stub(["", "预算执行率", "≥95%", "预算执行率=（预算完成数/预算数）×100%。"], last)
    assert not _is_stub(["", "二、上年结转", "", ""], last)


def test_pdf_without_ruling_falls_back_to_the_flattened_parser(tmp_path):
    expected = table_tuples(parse_source(read_source(DATA / XIGONG_DATA)))
    pdf = pdf_fixtures.render_plain_lines(DATA / XIGONG_DATA, tmp_path / "flat.pdf")
    parsed = parse_source(read_pdf(pdf))
    found = table_tuples(parsed)
    assert parsed.document.shape == "pdf"
    assert sum((expected & found).values()) >= 0.98 * sum(expected.values())


# --- broken PDFs: a clear message naming the file and the problem ---

@pytest.fixture(scope="session")
def good_pdf(renderings):
    return renderings[CITY_DATA]


def test_encrypted_pdf_is_refused(tmp_path, good_pdf):
    pdf = pdf_fixtures.encrypted_pdf(good_pdf, tmp_path / "locked.pdf")
    with pytest.raises(UnreadablePDF, match=r"locked\.pdf: .*encrypted"):
        read_pdf(pdf)


def test_scanned_pdf_needs_ocr(tmp_path):
    pdf = pdf_fixtures.scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(ScannedPDF, match=r"scan\.pdf: no text layer.*OCR"):
        read_pdf(pdf)


def test_truncated_pdf_is_refused(tmp_path, good_pdf):
    pdf = pdf_fixtures.truncated_pdf(good_pdf, tmp_path / "cut.pdf")
    with pytest.raises(UnreadablePDF, match=r"cut\.pdf: truncated or corrupt"):
        read_pdf(pdf)


def test_corrupt_pdf_is_refused(tmp_path):
    pdf = tmp_path / "noise.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    with pytest.raises(UnreadablePDF, match=r"noise\.pdf: corrupt"):
        read_pdf(pdf)


def test_zero_page_pdf_is_refused(tmp_path):
    pdf = pdf_fixtures.zero_page_pdf(tmp_path / "blank.pdf")
    with pytest.raises(UnreadablePDF, match=r"blank\.pdf: the PDF has no pages"):
        read_pdf(pdf)


def test_pdf_over_the_page_limit_is_refused(good_pdf):
    with pytest.raises(UnreadablePDF, match=r"has 8 pages, more than the limit of 5"):
        read_pdf(good_pdf, max_pages=5)


def test_folder_with_a_good_and_a_bad_pdf(tmp_path, embedder, good_pdf):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(good_pdf, folder / "good.pdf")
    pdf_fixtures.truncated_pdf(good_pdf, folder / "bad.pdf")
    indexer, _ = make_indexer(tmp_path / "store", embedder)
    results = {r.path.name: r for r in indexer.index([folder])}
    assert results["good.pdf"].status == "indexed" and results["good.pdf"].rows > 30
    assert results["bad.pdf"].status == "failed"
    assert results["bad.pdf"].message.startswith("truncated")
    [doc] = store.documents(indexer.conn)
    assert doc.file_name == "good.pdf" and doc.shape == "pdf" and doc.page_count == 8
    pages = indexer.conn.scalar("SELECT count(*) FROM cells WHERE page IS NULL")
    assert pages == 0


# --- PDFs from LibreOffice (`python -m tests.pdf_fixtures DIR --libreoffice` wrote them: the
# tab-table documents from HTML and from DOCX, the flattened ones as plain text): rows and header
# rows cut by page breaks, amounts and 21-digit codes split over two pages, long lines wrapped,
# quotes set in another font

LIBREOFFICE = sorted((DATA.parent / "tests" / "fixtures" / "pdf" / "libreoffice").glob("*.pdf"))


def figures(parsed) -> Counter:
    """Every figure a document gives: table cells and the narrative's amounts, shares, changes."""
    return table_tuples(parsed) + Counter((f.kind, squeeze(f.subject), f.value, f.unit)
                                          for f in parsed.facts)


def indicator_tuples(parsed) -> Counter:
    return Counter((squeeze(i.project or ""), squeeze(i.level3), squeeze(i.value_text))
                   for i in parsed.indicators)


@pytest.mark.parametrize("pdf", LIBREOFFICE, ids=lambda p: p.name.split("_")[1][:8] + p.suffixes[0])
def test_libreoffice_renderings_give_the_text_facts(pdf):
    text = parse_source(read_source(DATA / (pdf.name.split(".")[0] + ".txt")))
    parsed = parse_source(read_pdf(pdf))
    expected, found = figures(text), figures(parsed)
    assert sum((expected & found).values()) >= 0.99 * sum(expected.values())
    assert not found - expected, "spurious figures"
    # indicator texts: a cell cut by a page break may still split a line of text in two
    expected, found = indicator_tuples(text), indicator_tuples(parsed)
    assert sum((expected & found).values()) >= 0.9 * sum(expected.values())


def test_libreoffice_renderings_cover_every_corpus_document():
    sources = {(p.name.split(".")[0], p.suffixes[0]) for p in LIBREOFFICE}
    assert {s for _, s in sources} == {".html", ".docx", ".text"}
    assert {name for name, _ in sources} == {p.stem for p in DATA.glob("*.txt")}


@pytest.mark.parametrize(("row", "last", "stub"), [
    # a header row cut by the page break: the same cells continue
    (["分类", "", "", "分类", "", "", "算", ""], ["部门预算经济", "", "", "政府预算经济", "", "", "一般公共预", ""], True),
    # the next header row sits under merged cells
    (["类", "款", "项", "", "", "小计"], ["科目编码", "", "", "科目名称", "合计", "基本支出"], False),
    (["", "", "", "", "合计", ""], ["科目编码", "", "", "科目名称", "合计", "基本支出"], False),
])
def test_cut_header_row(row, last, stub):
    assert _is_header_stub(row, last) is stub


def test_amount_and_code_cut_by_a_page_break_are_rejoined():
    last = ["301", "01", "基本工", "501", "01", "工资奖", "174.8", "174.8"]
    assert _is_stub(["", "", "资", "", "", "金津补贴", "6", "6"], last, decimals=[0, 0, None, 0, 0, None, 2, 2])
    # the same piece where the column's amounts carry one decimal is a row of its own
    assert not _is_stub(["", "", "资", "", "", "金津补贴", "6", "6"], last, decimals=[0, 0, None, 0, 0, None, 1, 1])
    code = ["410303220000", "西工区信", "特定", "1.80", "1.80", "总成本", "≤1.8万", "安可电"]
    assert _is_stub(["000013428", "创工程资金", "目标类", "", "", "", "元", "脑投入数量"], code,
                    widths=[114, 43, 23, 32, 32, 33, 37, 43])
    # a new project row: its own code, its own amounts
    assert not _is_stub(["410303220000000013500", "党建工作经费", "特定目标类", "1.02", "1.02", "总成本", "≤1.02万元", "党员数量"],
                        code, widths=[114, 43, 23, 32, 32, 33, 37, 43])
