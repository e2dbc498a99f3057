"""The chat app through Streamlit's AppTest: answers with citations, refusals, the filter, the
table browser, charts, the consistency view and uploads (more in tests/test_app_*.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.settings import Settings
from tests import pdf_fixtures
from tests.conftest import CHANHE, DATA, XIGONG_GOV

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CHANHE_DEPT = "洛阳市瀍河回族区行政审批和政务信息管理局"
MEDICAL = "瀍河区审批局2025年的行政单位医疗预算是多少？"
TIMEOUT = 300  # an upload embeds a whole document on two cores


def new_app(browser: str = "test-browser", timeout: float = TIMEOUT) -> AppTest:
    """The app over the store of the current settings, its engine loaded (as `streamlit run chat.py`
    loads it when the server starts), opened by a browser that kept the token `browser`."""
    from ui import startup

    startup.begin(Settings()).wait(timeout)
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["browser_token"] = browser
    return at


def run_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    """The app over the session's corpus store, run once (for the corpus_app fixtures)."""
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    return new_app().run()


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def last_reply(at: AppTest):
    return at.main.get("chat_message")[-1]


def finish_upload(at: AppTest) -> AppTest:
    """Wait for the upload indexing in the background, then show its outcome."""
    assert at.session_state["upload_job"].wait(TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(node) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info", "error", "success")
                     for e in node.get(kind))


def test_question_is_answered_with_its_figure_and_citation(corpus_app):
    reply = last_reply(ask(corpus_app, MEDICAL))
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]
    cited = [e for e in reply.get("expander") if "部门支出预算表" in e.label]
    assert cited and f"{CHANHE_DEPT}2025年部门预算" in cited[0].label and "第242行" in cited[0].label
    frame = cited[0].get("table")[0].value  # the cited row among its neighbours, under the header
    assert frame.loc[frame["项目"] == "行政单位医疗", "合计"].item() == "15.58"


def test_a_word_the_document_lacks_is_named_with_what_it_has_nearby(corpus_app):
    reply = last_reply(ask(corpus_app, "西工区政府办有多少在编人员？"))
    assert not reply.get("metric")
    assert "在编" in reply.get("warning")[0].value and "人员经费" in texts(reply)


def test_filter_restricts_answers_to_chosen_departments(corpus_app):
    corpus_app.sidebar.multiselect(key="filter_departments").set_value(["洛阳市西工区人民政府办公室"]).run()
    reply = last_reply(ask(corpus_app, MEDICAL))
    assert not reply.get("metric") and "15.58" not in texts(reply)
    assert f"{CHANHE_DEPT}不在当前筛选范围内" in texts(reply)  # said, not a silent refusal
    corpus_app.sidebar.multiselect(key="filter_departments").set_value([CHANHE_DEPT]).run()
    reply = last_reply(ask(corpus_app, MEDICAL))
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]


def test_table_browser_opens_wide_with_a_table_and_csv(corpus_app):
    corpus_app.sidebar.button(key="open_tables").click().run()
    docs = corpus_app.selectbox(key="browse_doc")  # in a dialog over the page, not the 300 px sidebar
    docs.select_index(next(i for i, o in enumerate(docs.options) if o.startswith("区审批局"))).run()  # short names
    tables = corpus_app.selectbox(key="browse_table")
    tables.select_index(tables.options.index("部门支出预算表")).run()
    frame = corpus_app.get("dataframe")[0].value
    row = frame[frame["项目"] == "行政单位医疗"].iloc[0]
    assert row["合计"] == 15.58 and row["编码"] == "2101101"
    assert [b.label for b in corpus_app.get("download_button")] == ["下载表格（CSV）"]


def test_indexed_documents_are_listed_with_tables_and_warnings(corpus_app):
    listing = corpus_app.sidebar.get("table")[0].value
    assert list(listing.columns) == ["部门", "年度", "表格", "警告"] and len(listing) == 5
    assert (listing["表格"] >= 5).all()


def test_a_breakdown_question_draws_a_chart_from_the_tables(corpus_app):
    reply = last_reply(ask(corpus_app, "瀍河区审批局2025年的钱都花在哪了？"))
    assert reply.get("vega_lite_chart")
    assert "行政运行" in texts(reply) and "部门支出预算表" in texts(reply)


def test_a_comparison_draws_side_by_side_bars(corpus_app):
    reply = last_reply(ask(corpus_app, "西工区政府办和瀍河区审批局2025年的三公经费谁多？"))
    assert reply.get("vega_lite_chart")


def test_a_computed_answer_shows_its_formula(corpus_app):
    reply = last_reply(ask(corpus_app, "洛阳市西工区政务服务和大数据管理局2023年的基本支出占比是多少？"))
    assert [c.value for c in reply.get("code")] == ["196.28 ÷ 948.39 × 100% = 20.70%"]
    assert [m.value for m in reply.get("metric")] == ["20.70%"]


def test_an_example_question_is_asked_when_clicked(corpus_app):
    corpus_app.button(key="example_工作人员_0").click().run()
    reply = last_reply(corpus_app)
    assert reply.get("metric") and "人员经费" in texts(reply)


def test_consistency_findings_are_shown_per_document_with_sources_that_open(corpus_app):
    corpus_app.sidebar.button(key="open_findings").click().run()
    docs = corpus_app.selectbox(key="audit_doc")
    docs.select_index(next(i for i, o in enumerate(docs.options) if o.startswith("区政府办"))).run()
    shown = texts(corpus_app)
    assert ":red-badge[错误]" in shown and "项目" in shown
    sources = [e for e in corpus_app.get("expander") if e.label.startswith("出处：")]
    assert any(s.get("table") for s in sources)  # a source opens to its row among its table's rows


def test_a_blank_question_gets_a_message(corpus_app):
    reply = last_reply(ask(corpus_app, "   "))  # the chat input itself caps questions at 500 characters
    assert "问题为空" in reply.get("error")[0].value


def test_bad_uploads_get_a_message_and_change_nothing(corpus_app, corpus_index):
    settings = corpus_index[1]
    before = [d.doc_id for d in store.documents(corpus_index[0].conn)]
    uploader = corpus_app.sidebar.file_uploader(key="upload")
    finish_upload(uploader.set_value(("../../笔记<script>.txt", "今天的会议记录，没有预算。".encode(), "text/plain")).run())
    message = corpus_app.sidebar.get("error")[-1].value
    assert "未收录 笔记_script.txt" in message.replace("\\", "") and "不是部门预算文件" in message
    finish_upload(corpus_app.sidebar.file_uploader(key="upload").set_value(("预算.pdf", b"not a pdf", "application/pdf")).run())
    assert "不是有效的 PDF 文件" in corpus_app.sidebar.get("error")[-1].value
    assert [d.doc_id for d in store.documents(corpus_index[0].conn)] == before
    assert not any((settings.store / "uploads").glob("*"))


def test_a_good_upload_is_indexed_with_progress_then_answerable(tmp_path, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(tmp_path / "fresh"))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    at = new_app().run()
    assert "尚未收录任何预算文件" in at.warning[0].value  # an empty store still offers the upload
    pdf = pdf_fixtures.render_text_document(DATA / CHANHE, tmp_path / "瀍河 审批局.pdf")
    at.sidebar.file_uploader(key="upload").set_value((pdf.name, pdf.read_bytes(), "application/pdf")).run()
    assert not at.exception, at.exception
    assert "正在收录第 1/1 个文件「瀍河_审批局.pdf」" in at.sidebar.get("progress")[0].proto.text.replace("\\", "")
    finish_upload(at)
    shown = [e.value.replace("\\", "") for e in at.sidebar.get("success")]
    assert shown[0] == "上传完成：1 个文件全部处理成功。" and "已收录 瀍河_审批局.pdf" in shown[1]
    assert len(list((tmp_path / "fresh" / "uploads").rglob("瀍河_审批局.pdf"))) == 1
    reply = last_reply(ask(at, MEDICAL))
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]
    cited = [e for e in reply.get("expander") if "第" in e.label and "页" in e.label]  # PDFs cite pages
    assert cited and cited[0].get("image")  # with a picture of the page
    assert cited[0].get("image")[0].captions[0].startswith("原文第6页")


def test_uploading_the_same_file_again_is_a_no_op(corpus_app, corpus_index):
    before = [d.doc_id for d in store.documents(corpus_index[0].conn)]
    data = (DATA / XIGONG_GOV).read_bytes()
    finish_upload(corpus_app.sidebar.file_uploader(key="upload").set_value(("again.txt", data, "text/plain")).run())
    assert "已收录过" in corpus_app.sidebar.get("success")[-1].value
    assert [d.doc_id for d in store.documents(corpus_index[0].conn)] == before
    assert not list((Settings(store=corpus_index[1].store).store / "uploads").rglob("again.txt"))


def ask_with_model(reply: str, corpus_index, model_dir, monkeypatch, question: str):
    """Ask through the app with a scripted OpenAI-compatible model on 127.0.0.1; (app, requests)."""
    from tests.test_llm_server import Reply as ServerReply
    from tests.test_llm_server import ScriptedServer

    with ScriptedServer(lambda body: ServerReply(reply)) as server:
        monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
        monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
        monkeypatch.setenv("BUDGETQA_LLM_BASE_URL", server.url)
        monkeypatch.setenv("BUDGETQA_LLM_MODEL", "scripted")
        monkeypatch.setenv("BUDGETQA_LLM_TIMEOUT", "10")
        at = ask(new_app().run(), question)
    return at, server.requests


def test_with_a_model_its_verified_wording_is_shown(corpus_index, model_dir, monkeypatch):
    wording = "根据文件，瀍河区审批局的行政单位医疗预算是15.58万元。"
    at, requests = ask_with_model(wording, corpus_index, model_dir, monkeypatch,
                                  "瀍河区审批局2025年的行政单位医疗预算是多少？")
    assert requests and requests[-1].get("stream")  # the wording was streamed
    assert wording in re.sub(r"\\\[\d+\\\]", "", texts(last_reply(at)))  # without the citation markers


def test_with_a_model_a_changed_number_falls_back_to_the_offline_answer(corpus_index, model_dir, monkeypatch):
    at, requests = ask_with_model("瀍河区审批局的行政单位医疗预算是99.99万元。", corpus_index, model_dir,
                                  monkeypatch, "瀍河区审批局2025年的行政单位医疗预算是多少？")
    assert requests  # the model was asked, and its number was refused
    shown = texts(last_reply(at)) + "\n".join(str(e.value) for e in at.get("info"))
    assert "99.99" not in texts(last_reply(at)) and "15.58" in shown


def test_a_follow_up_offline_and_the_reading_under_the_answer(corpus_app):
    reply = last_reply(ask(corpus_app, "西工区政府办2025年项目支出多少？"))
    assert [m.value for m in reply.get("metric")] == ["241.35 万元"]
    assert "我理解为：洛阳市西工区人民政府办公室 · 2025" in texts(reply)
    reply = last_reply(ask(corpus_app, "那瀍河审批局呢？"))
    assert [m.value for m in reply.get("metric")] == ["70.68 万元"]
    assert "按上文理解为" in texts(reply)


def test_greetings_get_help_and_claims_a_verdict_in_words(corpus_app):
    reply = last_reply(ask(corpus_app, "你好"))
    assert not reply.get("metric") and "可以这样问" in texts(reply)
    reply = last_reply(ask(corpus_app, "有人说西工区政府办2025年预算不到500万元，对吗？"))
    assert "说法不对" in texts(reply)


def test_a_list_answer_is_a_table_with_csv(corpus_app):
    reply = last_reply(ask(corpus_app, "西工区大数据局金额排前三的项目合计是多少？"))
    frame = reply.get("table")[0].value
    assert list(frame["项目"])[:3] == ["智慧平台建设(签批)", "政府购买服务", "行政服务工作专项经费"]
    assert list(frame["数值"])[:3] == [500.0, 143.5, 28.32]
    assert reply.get("download_button")
