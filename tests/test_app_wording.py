"""Chinese for readers: indexing warnings translated with their table and row, short department
names in examples and charts, the filter said honestly, an over-long question answered with a message,
and uploads reported in Chinese (progress, the oversize file named, a read-only store)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.settings import Settings
from indexer.uploads import MAX_UPLOAD_BYTES
from retrieval.engine import MAX_QUESTION
from tests.test_app import APP, TIMEOUT, ask, finish_upload, last_reply, run_app, texts
from ui import presenter, upload_jobs
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


def test_a_department_outside_the_filter_is_named(corpus_app):
    corpus_app.sidebar.multiselect(key="filter_departments").set_value(["洛阳市西工区人民政府办公室"]).run()
    reply = last_reply(ask(corpus_app, "西工区政府办和瀍河区审批局2025年的三公经费谁多？"))
    assert "洛阳市瀍河回族区行政审批和政务信息管理局不在当前筛选范围内" in texts(reply)


def test_an_over_long_question_gets_a_message(corpus_app):
    reply = last_reply(ask(corpus_app, "预算" * MAX_QUESTION))
    assert f"问题过长（{2 * MAX_QUESTION}字，上限{MAX_QUESTION}字）" in reply.get("error")[0].value


def test_warnings_in_the_sidebar_are_in_chinese(corpus_app):
    shown = "\n".join(t.value for t in corpus_app.sidebar.get("text"))
    assert "不等于各分项之和" in shown and "≠ sum of items" not in shown and "line " not in shown


def test_an_oversize_upload_is_refused_naming_the_file(corpus_app):
    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    finish_upload(corpus_app.sidebar.file_uploader(key="upload").set_value(("大文件.txt", big, "text/plain")).run())
    errors = [e.value for e in corpus_app.sidebar.get("error")]
    assert errors[0] == "上传结束：0 个文件成功，1 个文件未能收录（原因见下）。"
    assert errors[1].startswith("未收录 大文件.txt：文件太大") and "上限 20 MB" in errors[1]


def test_upload_progress_names_the_file_the_step_and_the_count():
    job = upload_jobs.UploadJob(files=[("a b.txt", b""), ("二.pdf", b"")], current=1, step="建立检索索引 3/9…")
    assert job.status() == "正在收录第 2/2 个文件「二.pdf」：建立检索索引 3/9…"
    seen = []

    def index(name, data, settings, embedder, progress):
        progress(0.5, "检查文件…")
        seen.append(job.status())
        from indexer.uploads import UploadOutcome
        return UploadOutcome(name.endswith(".txt"), "indexed" if name.endswith(".txt") else "rejected", name, "…")

    job = upload_jobs.UploadJob(files=[("a b.txt", b""), ("二.pdf", b"")])
    job.run(Settings(), embedder=None, index=index)
    assert seen == ["正在收录第 1/2 个文件「a_b.txt」：检查文件…", "正在收录第 2/2 个文件「二.pdf」：检查文件…"]
    assert job.done and job.summary() == "上传结束：1 个文件成功，1 个文件未能收录（原因见下）。"


def test_a_read_only_store_disables_uploads_and_keeps_chats_in_the_page(corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    monkeypatch.setattr(store, "is_read_only", lambda path: True)  # root may write anywhere
    conn = corpus_index[0].conn
    before = conn.execute("SELECT count(*) FROM turns").fetchone()[0]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.sidebar.get("file_uploader")
    assert "资料库是只读的，上传已停用" in texts(at.sidebar)
    assert "对话只保存在当前页面" in texts(at.sidebar)
    reply = last_reply(ask(at, "瀍河区审批局2025年的行政单位医疗预算是多少？"))
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]
    assert conn.execute("SELECT count(*) FROM turns").fetchone()[0] == before and "c" not in at.query_params


def test_documents_show_year_tables_and_warnings(corpus_app):
    listing = corpus_app.sidebar.get("dataframe")[0].value
    assert set(listing["部门"]) == set(short_names(CORPUS).values())
    assert any("条索引警告" in e.label for e in corpus_app.sidebar.get("expander"))


