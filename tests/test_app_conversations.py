"""Conversations kept in the store (ui.conversations): saved turn by turn with the Answer's JSON,
listed, reopened by the address after a reload, started anew and deleted."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from retrieval.records import Answer, Citation
from tests.test_app import APP, MEDICAL, TIMEOUT, ask, last_reply, run_app
from ui import conversations
from ui.conversations import Turn


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def answer(text: str, value: float | None = None) -> Answer:
    cite = Citation(doc_id="d", department="某局", year=2025, kind="table", table="部门支出预算表",
                    row="行政单位医疗", column="合计", line=3, quote="")
    return Answer(question="q", answer=text, answerable=True, value=value, unit="万元", citations=[cite])


def test_turns_are_saved_with_their_answers_and_loaded_back(tmp_path):
    conn = store.connect(tmp_path / "facts.sqlite")
    conversations.save_turn(conn, "c1", Turn(question="某局的医疗预算是多少？", answer=answer("15.58万元", 15.58)))
    conversations.save_turn(conn, "c1", Turn(question="那去年呢？", error="问题为空"))
    turns = conversations.load(conn, "c1")
    assert [t.question for t in turns] == ["某局的医疗预算是多少？", "那去年呢？"]
    assert turns[0].answer.value == 15.58 and turns[0].answer.citations[0].row == "行政单位医疗"
    assert turns[1].answer is None and turns[1].error == "问题为空"
    assert conversations.load(conn, "nope") is None


def test_conversations_are_listed_newest_first_and_deleted(tmp_path):
    conn = store.connect(tmp_path / "facts.sqlite")
    conversations.save_turn(conn, "old", Turn(question="第一个问题", answer=answer("a")))
    conversations.save_turn(conn, "new", Turn(question="一个很长很长的问题" * 5, answer=answer("b")))
    listed = conversations.list_conversations(conn)
    assert [c.conversation_id for c in listed] == ["new", "old"] and listed[1].turns == 1
    assert len(listed[0].title) == conversations.TITLE_CHARS and listed[0].title.endswith("…")
    conversations.delete(conn, "new")
    assert [c.conversation_id for c in conversations.list_conversations(conn)] == ["old"]
    assert conn.scalar("SELECT count(*) FROM turns WHERE conversation_id = 'new'") == 0


def test_a_conversation_is_saved_and_reopened_after_a_reload(corpus_app):
    ask(corpus_app, MEDICAL)
    cid = corpus_app.query_params["c"]  # the address carries the conversation
    reload = AppTest.from_file(APP, default_timeout=TIMEOUT)
    reload.query_params["c"] = cid
    reload.run()
    assert not reload.exception, reload.exception
    reply = last_reply(reload)
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]  # rebuilt from the saved answer
    assert reply.get("expander")  # with its citations
    assert any(MEDICAL[:10] in m.value for m in reload.sidebar.get("markdown"))  # listed as the current one


def test_new_chat_starts_empty_and_keeps_the_old_one_listed(corpus_app):
    ask(corpus_app, MEDICAL)
    cid = corpus_app.query_params["c"]
    corpus_app.sidebar.button(key="new_chat").click().run()
    assert not corpus_app.main.get("chat_message") and "c" not in corpus_app.query_params
    assert corpus_app.sidebar.button(key=f"open_{cid}")  # the earlier one can be reopened
    corpus_app.sidebar.button(key=f"open_{cid}").click().run()
    assert [m.value for m in last_reply(corpus_app).get("metric")] == ["15.58 万元"]


def test_a_deleted_conversation_is_gone(corpus_app, corpus_index):
    ask(corpus_app, "你好")
    cid = corpus_app.query_params["c"]
    corpus_app.sidebar.button(key=f"delete_{cid}").click().run()
    assert not corpus_app.main.get("chat_message")
    assert conversations.load(corpus_index[0].conn, cid) is None
