"""Other publishers' disclosures (the fixtures of test_publishers) asked as users ask: a lookup, a
computed figure, a plain-language question and, for the 决算, budget against actual."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.search.bm25 import BM25Index
from retrieval.service.engine import Engine
from retrieval.search import HybridSearch
from tests.conftest import make_indexer

FIXTURES = Path(__file__).parent / "fixtures" / "publishers"


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder) -> Engine:
    indexer, settings = make_indexer(tmp_path_factory.mktemp("publishers") / "store", embedder)
    indexer.index([FIXTURES])
    search = HybridSearch(indexer.conn, indexer.vectors, BM25Index.load(settings.bm25_dir))
    return Engine(indexer.conn, search)


@pytest.mark.parametrize("question, value, unit", [
    ("青山县史志研究室2021年支出总计多少？", 429.63, "万元"),                       # 4296315.50元 as written
    ("青山县史志研究室2021年基本支出占支出总计的比例是多少？", 46.52, "%"),
    ("青山县史志研究室2021年一般公共预算财政拨款收入的决算数是多少？", 418.00, "万元"),  # 决算数 column
    ("南湖区水利局2024年项目支出多少？", 390.25, "万元"),
    ("南湖区水利局行政运行的人员经费是多少？", 742.35, "万元"),                      # rowspan/colspan header
    ("南湖区水利局一年花多少钱？", 1250.40, "万元"),
    ("西湖区2024年公务接待费占三公经费的比例？", 22.20, "%"),
    ("西湖区区本级公务用车购置及运行费比上年减少了多少？", -2.20, "万元"),           # its 增减额 column
    ("臺中市文化資產處2024年支出總計多少？", 386.52, "万元"),                        # traditional characters
])
def test_other_publishers_are_answered(engine, question, value, unit):
    a = engine.answer(question)
    assert a.value == pytest.approx(value, abs=0.01) and a.unit == unit, a.answer
    assert a.citations


def test_a_claim_on_a_three_public_notice(engine):
    a = engine.answer("有人说西湖区区本级公务用车运行维护费超过20万元，对吗？")
    assert a.verdict is True and a.value == pytest.approx(22.6)


def test_actual_spending_is_asked_of_a_final_account_not_refused(engine):
    a = engine.answer("青山县史志研究室2021年实际花了多少钱？")
    assert a.answerable and "预算，没有决算" not in a.answer


def test_both_parts_of_a_notice_question(engine):
    a = engine.answer("西湖区区本级2024年三公经费是多少？比上年少了多少？")
    assert "29.05" in a.answer and "3.20" in a.answer
