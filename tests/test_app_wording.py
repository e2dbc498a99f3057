"""Chinese for readers: indexing warnings translated with their table and row, short department
names in examples, the documents list and charts."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from tests.test_app import ask, last_reply, run_app, texts
from ui import presenter
from ui.names import short_names
from ui.warnings import reader_warning


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)

CORPUS = ["洛阳市西工区人民政府办公室", "洛阳市瀍河回族区行政审批和政务信息管理局", "洛阳市政务服务和大数据管理局",
          "洛阳市西工区政务服务和大数据管理局", "洛阳市西工区西工街道办事处"]


@pytest.mark.parametrize("english, chinese", [
    ("预算11表 项目支出预算表 line 1032 「合计」: 本年拨款/一般公共预算: 758.06 ≠ sum of items 749.06",
     "预算11表 项目支出预算表第1032行「合计」行：「本年拨款/一般公共预算」列 758.06 不等于各分项之和 749.06"),
    ("部门预算项目绩效目标表: lines 1744-1748: unattributed text (project 服务群众专项经费): 采购频率每季度一次",
     "部门预算项目绩效目标表第1744–1748行：项目「服务群众专项经费」下有一段文字没有对应的绩效指标：采购频率每季度一次"),
    ("部门预算项目绩效目标表: line 1936: project 优抚经费 has no indicator rows",
     "部门预算项目绩效目标表第1936行：项目「优抚经费」没有绩效指标"),
    ("部门收入预算表 line 221: header of 本年收入/一般公共预算 completed from another table: ['小计']",
     "部门收入预算表第221行：表头「本年收入/一般公共预算」不完整，已参照同类表格补全"),
    ("label not printed; the first row is the table total", "原文没有印出行名；第一行是全表合计"),
    ("目录列出但正文中未找到的表：机关运行经费", "目录列出但正文中未找到的表：机关运行经费"),  # already Chinese
    ("某表 line 9: something new went wrong", "某表第9行：有一处内容未能自动核实，请对照原文"),
])
def test_indexing_warnings_are_worded_in_chinese_with_their_place(english, chinese):
    assert reader_warning(english) == chinese


def test_departments_get_short_names_that_tell_them_apart():
    names = short_names(CORPUS)
    assert names["洛阳市西工区人民政府办公室"] == "区政府办" and names["洛阳市西工区西工街道办事处"] == "西工街道"
    assert len(set(names.values())) == len(CORPUS)  # the two 政数局 stay apart
    assert all(len(n) <= 5 for n in names.values())


def test_a_short_name_keeps_the_place_of_a_unit_that_is_not_a_government_organ():
    names = short_names([*CORPUS, "梧州市博物院", "某市第一中学"])
    assert names["梧州市博物院"] == "梧州博物院"  # not "市博物院": a museum of which city?
    assert names["某市第一中学"] == "某市第一中学"
    assert names["洛阳市西工区人民政府办公室"] == "区政府办"  # an organ is named by its level


def test_examples_are_short_and_by_role(corpus_engine):
    groups = presenter.example_questions(corpus_engine.documents)
    assert list(groups) == ["市民", "工作人员", "核查人员"]
    questions = [q for qs in groups.values() for q in qs]
    assert all(len(q) <= 25 for q in questions) and not any("洛阳市" in q for q in questions)
    assert all(corpus_engine.answer(q).answerable for q in questions)  # each one can be answered


COMPARE = "西工区政府办和瀍河区审批局2025年的三公经费谁多？"


def test_a_comparison_chart_names_departments_whole(corpus_engine):
    answer = corpus_engine.answer(COMPARE)
    chart = presenter.chart_for(COMPARE, answer, corpus_engine.documents,
                                lambda d: store.tables(corpus_engine.conn, d))
    assert sorted(chart.data.index) == ["区审批局", "区政府办"]  # not "洛阳市西工区人…" cut twice
    for value in chart.data.iloc[:, 0].to_numpy():  # the bars hold the figures the text states
        assert f"{value:.2f}" in answer.answer


def test_the_comparison_chart_says_who_is_who(corpus_app):
    reply = last_reply(ask(corpus_app, COMPARE))
    assert reply.get("vega_lite_chart")
    assert "区政府办（洛阳市西工区人民政府办公室，2025年）" in texts(reply)


def test_warnings_in_the_sidebar_are_in_chinese(corpus_app):
    shown = "\n".join(t.value for t in corpus_app.sidebar.get("text"))
    assert "不等于各分项之和" in shown and "≠ sum of items" not in shown and "line " not in shown


def test_documents_show_year_tables_and_warnings(corpus_app):
    listing = corpus_app.sidebar.get("table")[0].value
    assert set(listing["部门"]) == set(short_names(CORPUS).values())
    assert any("条索引警告" in e.label for e in corpus_app.sidebar.get("expander"))
