"""Flattened PDF text from another publisher: page numbers ("- 2 -", "第 4 页", a bare "3") and
running headers never join an amount or a sentence; a figure inside a clause about one fund is a
detail, not the document's headline figure (layouts.md, "Page artefacts", "Sub-clauses")."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.parse.pages import page_artefacts, without_page_artefacts
from indexer.pipeline import parse_source
from indexer.read.load import read_source
from indexer.search.bm25 import BM25Index
from retrieval.service.engine import Engine
from retrieval.search import HybridSearch
from tests.conftest import make_indexer

ARCHIVE = Path(__file__).parent / "fixtures" / "flattened" / "东山县档案馆_2023年部门预算.txt"


@pytest.fixture(scope="module")
def parsed():
    return parse_source(read_source(ARCHIVE))


def amounts(parsed, subject: str, role: str = "headline") -> list[float]:
    return [round(f.value, 4) for f in parsed.facts
            if f.kind == "amount" and f.subject == subject and f.role == role]


def test_a_bare_page_number_does_not_join_the_amount_after_it(parsed):
    # "人员经费" / "3" / "1716924.00元": not 31716924 元
    assert amounts(parsed, "人员经费") == [171.6924]


def test_a_sentence_broken_by_a_page_footer_and_running_header_is_read_whole(parsed):
    assert amounts(parsed, "项目支出") == [46.95]
    shares = {f.subject: f.value for f in parsed.facts if f.kind == "share"}
    assert shares == {"基本支出": 80.07, "项目支出": 19.93}


def test_a_figure_about_one_fund_is_a_detail_of_it(parsed):
    assert amounts(parsed, "档案数字化专项项目支出", "detail") == [0.0]
    assert amounts(parsed, "档案数字化专项人员经费", "detail") == [1.9817]
    assert amounts(parsed, "公务接待费") == [0.8]  # the 三公 breakdown before it stays headline


def test_department_year_and_kind_from_the_title(parsed):
    d = parsed.document
    assert (d.department, d.year, d.kind) == ("东山县档案馆", 2023, "部门预算")


def lines(*texts: str) -> list[str]:
    return list(texts)


@pytest.mark.parametrize("footer", ["- 7 -", "—7—", "第7页", "第 7 页 共 20 页", "7/20"])
def test_explicit_footers_are_page_numbers(footer):
    text = lines("本单位2023年支出预算合计", footer, "120.00万元。")
    assert page_artefacts(text) == {1}


def test_a_run_of_bare_numbers_is_the_page_numbering():
    text = ["说明文字。"] * 3 + ["1"] + ["说明文字。"] * 4 + ["2"] + ["说明文字。"] * 4 + ["3"]
    assert page_artefacts(text) == {3, 8, 13}


def test_bare_numbers_inside_a_table_are_values():
    table = ["行政运行", "12", "一般行政管理事务", "3", "机关服务", "5"]
    assert page_artefacts(table, [(0, len(table) - 1)]) == set()
    # the same numbers in a sentence that goes on with an amount are page numbers
    assert page_artefacts(["其中人员经费", "12", "1716924.00元。"]) == {1}


def test_the_title_stays_and_its_repeats_next_to_page_numbers_go():
    text = ["某某局2024年部门预算", "第一部分 概况", "正文一。", "- 1 -", "某某局2024年部门预算",
            "正文二。", "正文三。", "正文四。", "- 2 -", "某某局2024年部门预算", "正文五。"]
    assert without_page_artefacts(text)[0] == "某某局2024年部门预算"
    assert page_artefacts(text) == {3, 4, 8, 9}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder) -> Engine:
    indexer, settings = make_indexer(tmp_path_factory.mktemp("flattened") / "store", embedder)
    indexer.index([ARCHIVE])
    return Engine(indexer.conn, HybridSearch(indexer.conn, indexer.vectors,
                                             BM25Index.load(settings.bm25_dir)))


@pytest.mark.parametrize("question, value, unit", [
    ("东山县档案馆2023年项目支出是多少？", 46.95, "万元"),
    ("东山县档案馆的人员经费有多少？", 171.69, "万元"),
    ("东山县档案馆项目支出占一般公共预算支出的比例？", 19.93, "%"),
    ("档案馆一年花多少钱？", 235.62, "万元"),
])
def test_questions_on_the_flattened_disclosure(engine, question, value, unit):
    a = engine.answer(question)
    assert a.value == pytest.approx(value, abs=0.01) and a.unit == unit, a.answer
    assert a.citations and all("东山县档案馆" in c.department for c in a.citations)


def test_a_table_header_repeated_near_page_breaks_stays():
    header = "类\t款\t项\t工资福利支出\t商品和服务支出"
    text = ["正文。", header, "201\t03\t01\t5.00\t1.00", "- 1 -", "正文。", "正文。", "正文。", header,
            "201\t03\t02\t6.00\t2.00", "- 2 -"]
    assert page_artefacts(text) == {3, 9}
