"""Citations in context (ui.citations): numbered markers in the answer, the cited row under its
table's header among its neighbours, and a picture of a PDF page with the cited cell marked."""

from __future__ import annotations

import numpy as np
import pdfplumber
import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.records import Document
from retrieval.records import Answer, Citation, Figure
from tests import pdf_fixtures
from tests.conftest import CHANHE, DATA, doc_id_of
from tests.test_app import ask, last_reply, run_app
from ui import citations


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def red_pixels(image) -> int:
    px = np.asarray(image.convert("RGB")).astype(int)
    return int(((px[..., 0] > 190) & (px[..., 1] < 80) & (px[..., 2] < 80)).sum())


def chanhe(conn):
    doc_id = doc_id_of(conn, CHANHE)
    return next(d for d in store.documents(conn) if d.doc_id == doc_id)


def medical(doc: Document, **kw) -> Citation:
    fields = {"kind": "table", "table": "部门支出预算表", "row": "行政单位医疗", "column": "合计", "line": 242,
              "quote": "行政单位医疗：合计 15.58"}
    return Citation(doc_id=doc.doc_id, department=doc.department, year=doc.year, **{**fields, **kw})


def test_the_cited_row_is_shown_under_the_header_among_its_neighbours(corpus_conn):
    doc = chanhe(corpus_conn)
    c = medical(doc)
    answer = Answer(question="q", answer="行政单位医疗预算15.58万元。", answerable=True, value=15.58, unit="万元",
                    citations=[c], figures=[Figure(value=15.58, unit="万元", label="行政单位医疗", citation=c)])
    view = citations.citation_views(answer, [doc], lambda d: store.tables(corpus_conn, d))[0]
    frame = view.frame
    assert list(frame.columns[:3]) == ["编码", "项目", "合计"]  # the table's own header row
    assert 3 <= len(frame) <= 2 * citations.NEIGHBOURS + 1 and view.cited > 0  # rows above and below
    assert view.cited < len(frame) - 1
    assert frame.loc[view.cited, "项目"] == "行政单位医疗" and frame.loc[view.cited, "合计"] == "15.58"
    assert view.table.endswith("部门支出预算表") and view.unit == "万元"
    assert view.where.startswith(view.table) and "单位：万元" in view.where and "第242行" in view.where
    assert view.title.startswith("[1] ")
    assert view.marks == ("行政单位医疗", "15.58") and view.rank == 0  # 合计: the row's first filled cell
    html = view.styled().to_html()
    assert html.count(citations.CELL_STYLE.split(";")[0]) == 1  # one highlighted cell


def test_markers_tie_the_answer_text_to_numbered_citations(corpus_conn):
    doc = chanhe(corpus_conn)
    a = medical(doc)
    b = medical(doc, row="住房公积金", quote="住房公积金")
    quote = Citation(doc_id=doc.doc_id, department=doc.department, year=doc.year, kind="section",
                     section="一、部门职责", quote="主要职责")
    answer = Answer(question="q", answer="医疗15.58万元，公积金15.28万元。", answerable=True,
                    citations=[a, b, quote],
                    figures=[Figure(value=15.28, unit="万元", label="公积金", citation=b),
                             Figure(value=15.58, unit="万元", label="医疗", citation=a)])
    assert citations.marked_answer(answer) == "医疗15.58万元[1]，公积金15.28万元[2]。[3]"


def test_a_pdf_page_is_pictured_with_the_cited_cell_framed(tmp_path):
    pdf = pdf_fixtures.render_text_document(DATA / CHANHE, tmp_path / "chanhe.pdf")
    with pdfplumber.open(pdf) as doc:
        page = next(i for i, p in enumerate(doc.pages, 1) if "行政单位医疗" in (p.extract_text() or ""))
    plain = citations.page_image(pdf, page, ())
    marked = citations.page_image(pdf, page, ("行政单位医疗", "15.58"))
    assert marked.size == plain.size and marked.size[0] > 600
    assert red_pixels(marked) > 100 and red_pixels(plain) == 0  # the red frame is drawn
    assert citations.page_image(pdf, 999, ("x",)) is None


def test_the_cited_cell_is_found_on_the_page_by_its_place_in_the_row(tmp_path):
    pdf = pdf_fixtures.render_text_document(DATA / CHANHE, tmp_path / "chanhe.pdf")
    with pdfplumber.open(pdf) as doc:
        page = next(p for p in doc.pages if "行政单位医疗" in (p.extract_text() or ""))
        words = page.extract_words()
    label, total = citations._find_boxes(words, ("行政单位医疗", "15.58"), rank=0)  # 合计
    _, basic = citations._find_boxes(words, ("行政单位医疗", "15.58"), rank=1)  # 基本支出/小计
    assert label["text"] == "行政单位医疗" and label["x1"] < total["x0"] < basic["x0"]
    assert total["bottom"] - total["top"] > basic["bottom"] - basic["top"]  # "15.5" over "8": both lines


def test_the_app_shows_the_citation_with_header_and_markers(corpus_app):
    reply = last_reply(ask(corpus_app, "瀍河区审批局2025年的行政单位医疗预算是多少？"))
    body = "\n".join(m.value for m in reply.get("markdown"))
    assert "15.58万元\\[1\\]" in body.replace(" ", "")  # the marker after the figure
    cited = next(e for e in reply.get("expander") if e.label.startswith("\\[1\\]"))
    assert "单位：万元" in "\n".join(c.value for c in cited.get("caption"))
    frame = cited.get("table")[0].value
    assert "合计" in frame.columns and len(frame) > 1  # header row and neighbouring rows
    assert frame.loc[frame["项目"] == "行政单位医疗", "合计"].item() == "15.58"
