"""决算 questions: what was planned, what was spent, how much of the plan was used, how the plan was
adjusted, asked in several phrasings of each need, against a 决算 fixture of another publisher."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.records import Table
from indexer.search.bm25 import BM25Index
from retrieval.service.engine import Engine
from retrieval.plan import families
from retrieval.search import HybridSearch
from tests.conftest import make_indexer

FINAL = Path(__file__).parent / "fixtures" / "publishers" / "青山县史志研究室_2021年度部门决算.txt"


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder) -> Engine:
    indexer, settings = make_indexer(tmp_path_factory.mktemp("final") / "store", embedder)
    indexer.index([FINAL])
    return Engine(indexer.conn, HybridSearch(indexer.conn, indexer.vectors, BM25Index.load(settings.bm25_dir)))


@pytest.mark.parametrize("column, family", [
    ("决算数", "actual"), ("决算数/基本支出", "actual"), ("年初预算数", "budget"), ("预算数", "budget"),
    ("调整预算数", "adjusted"), ("全年预算数", "adjusted"), ("合计", None), ("项目", None),
])
def test_family_of_a_column(column, family):
    assert families.family_of(column) == family


def test_a_table_of_one_family_has_no_families():
    table = Table(table_id="t", doc_id="d", title="部门支出预算表", unit="万元", columns=["预算数"], rows=[],
                  line_start=1, line_end=2)
    assert families.columns(table) == {}


def test_the_words_of_a_comparison_ask_for_no_family():
    asked = families.asked("公务接待费完成预算的百分之几")
    assert [o for o, _ in asked.operations] == ["completion"] and asked.families == []
    asked = families.asked("计划多少、实际花了多少")
    assert [f for f, _ in asked.families] == ["budget", "actual"]


@pytest.mark.parametrize("question, value, unit", [
    # what was spent
    ("青山县史志研究室公务接待费实际花了多少？", 1.26, "万元"),
    ("史志研究室公务接待费的决算数是多少", 1.26, "万元"),
    ("史志研究室公务接待费实际支出多少", 1.26, "万元"),
    ("史志研究室公务接待费是多少", 1.26, "万元"),  # a 决算 states what was spent
    # what was planned
    ("史志研究室公务接待费年初预算多少？", 1.30, "万元"),
    ("史志研究室公务接待费原定预算是多少", 1.30, "万元"),
    ("史志研究室的公务接待费计划花多少", 1.30, "万元"),
    # how much of the plan was used
    ("史志研究室三公经费完成了预算的多少？", 95.33, "%"),
    ("史志研究室三公经费的预算执行率", 95.33, "%"),
    ("史志研究室公务用车购置及运行费完成率是多少", 94.12, "%"),
    # the plan adjusted
    ("史志研究室一般公共预算财政拨款收入调整了多少？", 6.00, "万元"),
    ("史志研究室一般公共预算财政拨款收入追加了多少", 6.00, "万元"),
    # the plan against the spending
    ("史志研究室公务用车购置及运行费节约了多少", 0.10, "万元"),
])
def test_one_figure_of_a_family(engine, question, value, unit):
    a = engine.answer(question)
    assert a.value == pytest.approx(value, abs=0.01) and a.unit == unit, a.answer
    assert a.citations and all("史志研究室" in c.department for c in a.citations)


@pytest.mark.parametrize("question, shown", [
    ("史志研究室公务接待费预算多少，实际多少？", ["预算数1.30万元", "决算数1.26万元"]),
    pytest.param("史志研究室三公经费计划多少、实际花了多少、完成预算的百分之几？",
                 ["预算数3.00万元", "决算数2.86万元", "95.33%"], marks=pytest.mark.xfail(
                     strict=True, reason="three parts: the first two are dropped and the third is offered "
                                         "as a single alternative with the table's rounded 95.30%")),
    ("史志研究室行政运行年初预算多少，全年预算多少，决算多少？",
     ["年初预算数247.63万元", "全年预算数247.63万元", "决算数247.63万元"]),
])
def test_families_side_by_side(engine, question, shown):
    a = engine.answer(question)
    assert a.answerable and all(s in a.answer.replace("为", "") for s in shown), a.answer
    first = float(shown[0].split("数")[-1].rstrip("万元"))
    assert a.value is None or a.value == pytest.approx(first)  # no figure but the first part's leads
    assert len({c.column for c in a.citations}) >= 2
