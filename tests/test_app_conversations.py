"""Conversations kept in the store (ui.conversations, indexer.store.conversations): saved turn by
turn with the Answer's JSON for their owner only, listed with dates (more than 12 reachable),
reopened by the address after a reload, said to be missing when the address names another's or
a deleted one, started anew, and deleted after a confirmation. Accounts keep scrypt hashes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from retrieval.records import Answer, Citation
from tests.test_app import MEDICAL, ask, last_reply, new_app, run_app, texts
from ui import accounts, conversations
from ui.conversations import Turn

ME, OTHER = accounts.browser_owner("me"), accounts.browser_owner("other")


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def answer(text: str, value: float | None = None) -> Answer:
    cite = Citation(doc_id="d", department="某局", year=2025, kind="table", table="部门支出预算表",
                    row="行政单位医疗", column="合计", line=3, quote="")
    return Answer(question="q", answer=text, answerable=True, value=value, unit="万元", citations=[cite])


def test_turns_are_saved_with_their_answers_and_loaded_back_by_their_owner_only(tmp_path):
    conn = store.connect(tmp_path / "facts.sqlite")
    conversations.save_turn(conn, ME, "c1", Turn(question="某局的医疗预算是多少？", answer=answer("15.58万元", 15.58)))
    conversations.save_turn(conn, ME, "c1", Turn(question="那去年呢？", error="问题为空"))
    turns = conversations.load(conn, ME, "c1")
    assert [t.question for t in turns] == ["某局的医疗预算是多少？", "那去年呢？"]
    assert turns[0].answer.value == 15.58 and turns[0].answer.citations[0].row == "行政单位医疗"
    assert turns[1].answer is None and turns[1].error == "问题为空"
    assert conversations.load(conn, ME, "nope") is None
    assert conversations.load(conn, OTHER, "c1") is None  # another browser cannot open it
    assert conversations.list_conversations(conn, OTHER) == []
    assert conversations.delete(conn, OTHER, "c1") is False and conversations.load(conn, ME, "c1")
    with pytest.raises(conversations.NotTheOwner):  # nor write into it
        conversations.save_turn(conn, OTHER, "c1", Turn(question="x", error="y"))


def test_conversations_are_listed_newest_first_and_deleted(tmp_path):
    conn = store.connect(tmp_path / "facts.sqlite")
    conversations.save_turn(conn, ME, "old", Turn(question="第一个问题", answer=answer("a")))
    conversations.save_turn(conn, ME, "new", Turn(question="一个很长很长的问题" * 5, answer=answer("b")))
    listed = conversations.list_conversations(conn, ME)
    assert [c.conversation_id for c in listed] == ["new", "old"] and listed[1].turns == 1
    assert len(listed[0].title) == conversations.TITLE_CHARS and listed[0].title.endswith("…")
    assert conversations.delete(conn, ME, "new")
    assert [c.conversation_id for c in conversations.list_conversations(conn, ME)] == ["old"]
    assert conn.scalar("SELECT count(*) FROM turns WHERE conversation_id = 'new'") == 0


def test_titles_carry_their_date_in_beijing_time():
    now = datetime(2025, 5, 3, 12, 0, tzinfo=timezone.utc)  # 20:00 in Beijing
    made = lambda stamp: conversations.Conversation(  # noqa: E731
        conversation_id="x", title="区政府办一年花多少钱？", created_at=stamp, updated_at=stamp, turns=2)
    assert conversations.label(made("2025-05-03 06:05:00.123456"), now) == "区政府办一年花多少钱？ · 今天 14:05 · 2问"
    assert conversations.label(made("2025-05-02 01:30:00"), now).endswith("昨天 09:30 · 2问")
    assert "4月30日 08:00" in conversations.label(made("2025-04-30 00:00:00"), now)
    assert "2024年12月1日" in conversations.label(made("2024-12-01 00:00:00"), now)


def test_passwords_are_kept_as_scrypt_hashes(tmp_path):
    conn = store.connect(tmp_path / "facts.sqlite")
    session = accounts.register(conn, "审计员", "correct horse")
    assert accounts.signed_in(conn, session)["name"] == "审计员"
    stored = conn.scalar("SELECT password_hash FROM accounts WHERE name = '审计员'")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert conn.scalar("SELECT count(*) FROM account_sessions WHERE token_hash = :t", t=session) == 0
    with pytest.raises(accounts.AccountError, match="用户名或密码不对"):
        accounts.sign_in(conn, "审计员", "wrong password")
    with pytest.raises(accounts.AccountError, match="已被使用"):
        accounts.register(conn, "审计员", "another one")
    with pytest.raises(accounts.AccountError, match="至少 8 位"):
        accounts.register(conn, "新用户", "short")
    again = accounts.sign_in(conn, "审计员", "correct horse")
    accounts.sign_out(conn, again)
    assert accounts.signed_in(conn, again) is None


def test_a_conversation_is_saved_and_reopened_after_a_reload(corpus_app):
    ask(corpus_app, MEDICAL)
    cid = corpus_app.query_params["c"]  # the address carries the conversation
    reload = new_app()  # the same browser (its token kept in a cookie)
    reload.query_params["c"] = cid
    reload.run()
    assert not reload.exception, reload.exception
    reply = last_reply(reload)
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]  # rebuilt from the saved answer
    assert reply.get("expander")  # with its citations
    current = [m.value for m in reload.sidebar.get("markdown") if MEDICAL[:10] in m.value]
    assert current and "今天" in current[0]  # listed as the current one, with its date


def test_another_browser_neither_lists_nor_opens_it(corpus_app):
    ask(corpus_app, MEDICAL)
    cid = corpus_app.query_params["c"]
    stranger = new_app(browser="a-different-browser")
    stranger.query_params["c"] = cid
    stranger.run()
    assert not stranger.main.get("chat_message")
    assert "找不到这个对话" in stranger.warning[0].value and "c" not in stranger.query_params
    assert not [b for b in stranger.sidebar.get("button") if b.key == f"open_{cid}"]


def test_new_chat_starts_empty_and_keeps_the_old_one_listed(corpus_app):
    ask(corpus_app, MEDICAL)
    cid = corpus_app.query_params["c"]
    corpus_app.sidebar.button(key="new_chat").click().run()
    assert not corpus_app.main.get("chat_message") and "c" not in corpus_app.query_params
    assert corpus_app.sidebar.button(key=f"open_{cid}")  # the earlier one can be reopened
    corpus_app.sidebar.button(key=f"open_{cid}").click().run()
    assert [m.value for m in last_reply(corpus_app).get("metric")] == ["15.58 万元"]


def test_delete_asks_first_and_then_the_conversation_is_gone(corpus_app, corpus_index):
    ask(corpus_app, "你好")
    cid = corpus_app.query_params["c"]
    corpus_app.sidebar.button(key=f"delete_{cid}").click().run()
    assert "确定要删除对话" in texts(corpus_app)  # asked, nothing deleted yet
    assert conversations.load(corpus_index[0].conn, accounts.browser_owner("test-browser"), cid) is not None
    corpus_app.button(key="confirm_delete").click().run()
    assert not corpus_app.main.get("chat_message")
    assert conversations.load(corpus_index[0].conn, accounts.browser_owner("test-browser"), cid) is None


def test_more_than_twelve_conversations_are_reachable(corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    owner = accounts.browser_owner("many")
    for n in range(15):
        conversations.save_turn(corpus_index[0].conn, owner, f"many-{n:02d}", Turn(question=f"问题{n}", error="x"))
    at = new_app(browser="many").run()
    listed = lambda: [b.key for b in at.sidebar.get("button") if b.key.startswith("open_many-")]  # noqa: E731
    assert len(listed()) == 12 and "open_many-00" not in listed()
    at.sidebar.button(key="more_conversations").click().run()
    assert len(listed()) == 15 and "open_many-00" in listed()


def sign(at: AppTest, name: str, password: str, button: str) -> AppTest:
    at.text_input(key="account_name").input(name)
    at.text_input(key="account_password").input(password)
    next(b for b in at.get("button") if b.label == button).click().run()
    assert not at.exception, at.exception
    return at


def test_with_accounts_a_conversation_follows_its_account_to_another_browser(corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    monkeypatch.setenv("BUDGETQA_ACCOUNTS", "1")
    first = sign(new_app(browser="office-pc").run(), "财政局张三", "预算公开2025", "注册")
    assert "已登录：财政局张三" in texts(first.sidebar)
    ask(first, MEDICAL)
    cid = first.query_params["c"]
    phone = new_app(browser="home-phone").run()
    assert not [b for b in phone.sidebar.get("button") if b.key == f"open_{cid}"]  # not signed in: not listed
    sign(phone, "财政局张三", "错误的密码", "登录")
    assert "用户名或密码不对" in phone.error[0].value
    sign(phone, "财政局张三", "预算公开2025", "登录")
    assert [b for b in phone.sidebar.get("button") if b.key == f"open_{cid}"]  # the account's conversation
