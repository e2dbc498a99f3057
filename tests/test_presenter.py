"""What the app shows, built by ui.presenter and indexer.uploads, tested without Streamlit."""

from __future__ import annotations

import pytest

from indexer import store
from indexer.uploads import MAX_UPLOAD_BYTES, index_upload, sanitise_file_name
from retrieval.records import Answer, Citation, Figure
from tests.conftest import CHANHE, XIGONG_GOV, doc_id_of
from ui import presenter


def docs_and_tables(conn, file_name):
    doc_id = doc_id_of(conn, file_name)
    doc = next(d for d in store.documents(conn) if d.doc_id == doc_id)
    return doc, store.tables(conn, doc_id)


def cite(doc, **kw) -> Citation:
    return Citation(doc_id=doc.doc_id, department=doc.department, year=doc.year, **kw)


@pytest.mark.parametrize("text, shown", [
    ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
    ("[点我](http://x)", "\\[点我\\](http\\://x)"),
    ("- 一项\n1. 二项", "\\- 一项  \n1\\. 二项"),
    (":red[红] $x$", "\\:red\\[红\\] \\$x\\$"),
    ("合计 15.58 万元（占 5.38%）", "合计 15.58 万元（占 5.38%）"),
])
def test_escape_markdown_keeps_text_literal(text, shown):
    assert presenter.escape_markdown(text) == shown


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\budget\\2025 预算.PDF", "2025_预算.pdf"),
    ("<b>报告<b>;rm -rf.txt", "b_报告_b_rm_-rf.txt"),
    ("a/../../报告</b>.txt", "b.txt"),
    ("...", "upload"),
    ("预" * 300 + ".txt", "预" * 100 + ".txt"),
])
def test_file_names_are_sanitised(name, safe):
    assert sanitise_file_name(name) == safe


def test_citation_title_names_document_table_and_line(corpus_conn):
    doc, _ = docs_and_tables(corpus_conn, CHANHE)
    c = cite(doc, kind="table", table="部门支出预算表", row="行政单位医疗", column="合计", line=242, quote="")
    assert presenter.citation_title(c) == (f"{doc.department}2025年部门预算 · 部门支出预算表 · "
                                           "「行政单位医疗」行「合计」列 · 第242行")


def test_breakdowns_come_from_the_documents_tables(corpus_conn):
    doc, tables = docs_and_tables(corpus_conn, XIGONG_GOV)
    where = presenter.breakdown("function", doc, tables)
    assert where.data["金额（万元）"].sum() == pytest.approx(1074.61)
    assert "一般行政管理事务（2170102）" in where.data.index  # a label used twice keeps its code
    structure = presenter.breakdown("structure", doc, tables).data["金额（万元）"].to_dict()
    assert structure == {"基本支出": 833.26, "项目支出": 241.35}
    three = presenter.breakdown("three_public", doc, tables).data["金额（万元）"].to_dict()
    assert three == {"公务用车运行费": 4.6, "公务接待费": 0.83}


@pytest.mark.parametrize("question, kind", [
    ("瀍河区审批局2025年的钱都花在哪了？", "function"), ("西工区政府办支出结构是怎样的？", "structure"),
    ("三公经费构成", "three_public"), ("行政单位医疗预算是多少？", None),
])
def test_breakdown_questions_are_recognised(question, kind):
    assert presenter.breakdown_kind(question) == kind


def test_a_comparison_becomes_side_by_side_bars(corpus_conn):
    a, _ = docs_and_tables(corpus_conn, XIGONG_GOV)
    b, _ = docs_and_tables(corpus_conn, CHANHE)
    figures = [Figure(value=v, unit="万元", label="“三公”经费", citation=cite(d, kind="table", table="三公", quote=""))
               for d, v in ((a, 5.43), (b, 0.0))]
    answer = Answer(question="谁多", answer="…", answerable=True, value=5.43, unit="万元", intent="compare",
                    figures=figures, citations=[f.citation for f in figures])
    chart = presenter.comparison(answer)
    assert chart.data["“三公”经费"].tolist() == [5.43, 0.0] and len(chart.data.index) == 2


def test_table_frame_and_csv_hold_the_table(corpus_conn):
    _, tables = docs_and_tables(corpus_conn, CHANHE)
    table = next(t for t in tables if t.title == "部门支出预算表")
    frame = presenter.table_frame(table)
    assert frame.loc[frame["项目"] == "行政单位医疗", "合计"].item() == 15.58
    assert presenter.table_csv(table).startswith("\ufeff编码,项目".encode())


def test_headline_figures_carry_their_unit():
    def answer(value, unit):
        return Answer(question="q", answer="a", answerable=True, value=value, unit=unit)

    assert presenter.headline(answer(15.58, "万元")) == "15.58 万元"
    assert presenter.headline(answer(20.7, "%")) == "20.70%"
    assert presenter.headline(answer(8, "个")) == "8 个"


def test_an_oversized_or_unsupported_upload_is_refused_before_anything_is_written(tmp_path):
    from indexer.settings import Settings

    settings = Settings(store=tmp_path / "store")
    big = index_upload("big.txt", b"x" * (MAX_UPLOAD_BYTES + 1), settings, embedder=None)
    doc = index_upload("report.doc", b"PK\x03\x04", settings, embedder=None)
    assert not big.ok and "文件太大" in big.message
    assert not doc.ok and "不支持的文件类型" in doc.message
    assert not (tmp_path / "store").exists()
