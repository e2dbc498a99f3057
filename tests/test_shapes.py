"""Small disclosures in the shapes of layouts.md that no corpus document has: a section pasted
alone with the department only in the file name or the body, a "三公" notice of a level of
government, 千元 tables, full-width digits, pipe tables with two years' columns, one cell per
line, names without the usual suffixes. Each is indexed with its department and year (or refused
with the reason) and asked as users ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import store
from indexer.search.bm25 import BM25Index
from retrieval.service.engine import Engine
from retrieval.search import HybridSearch
from tests.conftest import make_indexer

SHAPES = Path(__file__).parent / "fixtures" / "shapes"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, embedder):
    indexer, settings = make_indexer(tmp_path_factory.mktemp("shapes") / "store", embedder)
    result = indexer.index([SHAPES])
    engine = Engine(indexer.conn, HybridSearch(indexer.conn, indexer.vectors, BM25Index.load(settings.bm25_dir)))
    return indexer, result, engine


@pytest.mark.parametrize("file_name, department, year", [
    ("2024_安平县卫生健康委员会.txt", "安平县卫生健康委员会", 2024),  # year from the file name, 本部门 in the body
    ("梧州市博物院2022年部门预算.txt", "梧州市博物院", 2022),
    ("高新区三公经费说明.txt", "高新区管委会", 2023),
    ("部门支出预算表_千元.txt", "瓯江区财政局", 2023),
    ("全角数字.txt", "某某县民政局", 2023),
    ("青溪镇_三公经费表.md", "青溪镇人民政府", 2025),
    ("一格一行.txt", "东湖街道办事处", 2024),
    ("柳北区教育局_2022年度决算说明.txt", "柳州市柳北区教育局", 2022),
    ("市本级三公经费_亿元.txt", "市本级", 2025),
    ("蓝田县文旅局_2024.txt", "蓝田县文化和旅游局", 2024),
    ("滨江区科技局_收支总表_一行表头.txt", "滨江区科学技术局", 2023),  # 编制单位 line, 元
])
def test_each_shape_is_indexed_with_its_department_and_year(indexed, file_name, department, year):
    indexer = indexed[0]
    docs = {d.file_name: d for d in store.documents(indexer.conn)}
    assert (docs[file_name].department, docs[file_name].year) == (department, year)


def test_what_cannot_be_indexed_is_refused_with_the_reason(indexed):
    results = {r.path.name: r for r in indexed[1]}
    assert results["无关文字.txt"].status == "failed"
    assert "no 部门预算 content" in results["无关文字.txt"].message


def test_a_table_without_a_year_is_kept_and_the_year_asked_for(indexed):
    result = {r.path.name: r for r in indexed[1]}["无年度单表.txt"]
    assert (result.status, result.department, result.year) == ("indexed", "宁县统计局", 0)
    assert result.warnings == ["未找到年度，按 0 收录：请用 budgetqa rename 指定年度"]


@pytest.mark.parametrize("question, value, unit", [
    ("安平县卫生健康委员会2024年一般公共预算支出是多少", 247.63, "万元"),  # written in 元
    ("安平县卫健委基本支出占比多少", 84.04, "%"),                      # the share the text states
    ("卫健委项目支出占一般公共预算支出的百分之几", 15.96, "%"),          # computed
    ("梧州市博物院2022年项目支出多少？", 300.00, "万元"),
    ("博物院三公经费多少", 12.30, "万元"),
    ("高新区三公经费比上年减少多少", 4.20, "万元"),  # the change after the breakdown is the total's
    ("高新区管委会公务接待费预算多少", 18.80, "万元"),
    ("瓯江区财政局部门支出合计是多少万元", 1234.56, "万元"),  # 12,345.6 千元
    ("瓯江区财政局行政运行多少钱", 1000.00, "万元"),
    ("某某县民政局2023年收入总计", 123.45, "万元"),  # full-width digits
    ("青溪镇三公经费比去年减少了多少", 0.70, "万元"),  # 2025年预算数 against 2024年预算数
    ("东湖街道2024年支出总计多少", 512.30, "万元"),   # one cell per line
    # a 决算's narrative: the completion it states, never a share of some whole computed instead
    ("柳北区教育局一般公共预算财政拨款支出完成年初预算的百分之几？", 104.3, "%"),
    ("柳北区教育局三公经费完成预算的比例", 86.4, "%"),
    ("柳北区教育局三公经费实际花了多少", 38.0, "万元"),  # "38万" without 元
    ("柳北区教育局公务接待费多少", 8.0, "万元"),
    ("市本级2025年三公经费预算多少？", 12300.0, "万元"),  # 1.23亿元
    ("市本级三公经费比上年减少多少", 500.0, "万元"),
    ("蓝田县文旅局项目支出多少", 336.20, "万元"),
    ("蓝田县文化和旅游局有几辆车？", 3, "辆"),
    # a 收支总表 of one header row: 收入 | 本年预算数 | 支出 | 本年预算数
    ("滨江区科技局收入合计多少", 523.40, "万元"),
    ("滨江区科学技术局科学技术支出多少万元", 480.00, "万元"),
])
def test_questions_on_each_shape(indexed, question, value, unit):
    a = indexed[2].answer(question)
    assert a.value == pytest.approx(value, abs=0.01) and a.unit == unit, a.answer
    assert a.citations
