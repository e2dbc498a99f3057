"""The chat page once the engine is loaded: the reader's conversation (restored from the address),
the examples, the turns so far, the question box, and the sidebar. Questions are answered by the
engine (or worded by the configured model, every number checked); follow-ups read the earlier
turns, up to the settings' history bounds."""

from __future__ import annotations

import streamlit as st

from indexer import store
from indexer.records import Document
from indexer.settings import Settings
from retrieval.service.engine import MAX_QUESTION, Engine, QuestionError
from retrieval.question.mentions import normalise_question
from ui import conversations, conversations_view, identity, page_style, presenter
from ui.chat_view import PENDING, show_reply
from ui.conversations_view import CLOSE_SIDEBAR, MESSAGES, NOTICE
from ui.presenter import Reply, escape_markdown
from ui.sidebar_view import read_only, sidebar, tables_of


@st.cache_resource(show_spinner=False)
def conversation_store(store_path: str, _settings: Settings):
    """The store's database for the conversations, opened once per process to write."""
    return store.connect(_settings.database, writable=True)


def saved(settings: Settings):
    """The connection conversations are saved to, or None: a read-only store keeps them in the page."""
    if read_only(settings) or not store.exists(settings.database):
        return None
    return conversation_store(str(settings.store), settings)


@st.cache_resource(show_spinner=False)
def load_answerer(store_path: str, model: str | None, base_url: str | None, _settings: Settings, _engine: Engine):
    """The configured LLM over the engine (None when no model is set: the offline default)."""
    from retrieval.llm import build_answerer

    return build_answerer(_settings, _engine)


def history(messages: list[Reply], settings: Settings) -> list[tuple[str, str]]:
    """The earlier turns a follow-up reads: the latest, within the settings' bounds."""
    past = [(r.question, r.answer.answer) for r in messages if r.answer is not None][-settings.max_history_turns:]
    while past and sum(len(q) + len(a) for q, a in past) > settings.max_history_chars:
        past = past[1:]
    return past


def ask(engine: Engine, question: str, doc_ids: list[str] | None, settings: Settings,
        messages: list[Reply]) -> Reply:
    """The engine's answer; a follow-up (那去年呢？) reads the earlier turns, offline."""
    try:
        answer = engine.answer(question, doc_ids=doc_ids, history=history(messages, settings))
    except QuestionError as error:
        return Reply(question=question, answer=None, error=str(error))
    return presenter.reply(question, answer, engine.documents, tables_of(engine, settings))


def ask_model(answerer, engine: Engine, question: str, doc_ids: list[str] | None,
              settings: Settings, messages: list[Reply]) -> Reply:
    """Stream the model's wording as it comes, then show the verified answer in its place."""
    try:
        stream = answerer.stream(question, history(messages, settings), doc_ids=doc_ids)
    except QuestionError as error:
        return Reply(question=question, answer=None, error=str(error))
    live = st.empty()
    shown = ""
    for token in stream:
        shown += token
        live.markdown(escape_markdown(shown))
    live.empty()
    result = stream.result
    if result.note:
        st.info(escape_markdown(result.note))
    return presenter.reply(question, result.answer, engine.documents, tables_of(engine, settings))


def filter_note(engine: Engine, question: str, doc_ids: list[str] | None, answer) -> str | None:
    """Departments the question names that the filter leaves out, said plainly (the engine refuses
    only when it leaves out every department named)."""
    if doc_ids is None or answer is None or answer.intent == "filtered":
        return None
    res = engine.catalog.resolve(normalise_question(question))
    if not res.department_named:
        return None
    allowed = set(doc_ids)
    hidden = [m.department for m in res.documents
              if m.doc_id not in allowed and not any(o.department == m.department and o.doc_id in allowed
                                                     for o in res.documents)]
    hidden = list(dict.fromkeys(hidden))
    return f"{'、'.join(hidden)}不在当前筛选范围内，这个回答没有用到它的文件。" if hidden else None


def examples(docs: list[Document]) -> None:
    groups = presenter.example_questions(docs)
    if not groups:
        return
    with st.expander("示例问题", expanded=not st.session_state.get(MESSAGES)):
        for column, (who, questions) in zip(st.columns(len(groups)), groups.items()):
            column.markdown(f"**{who}**")
            for i, q in enumerate(questions):
                if column.button(escape_markdown(q), key=f"example_{who}_{i}"):
                    st.session_state[PENDING] = q


def render(engine: Engine | None, settings: Settings) -> None:
    """The whole page over a loaded engine (None: the store holds no documents yet)."""
    conn = saved(settings) if engine is not None else None
    owner, account = identity.owner(conn, settings.accounts)
    if engine is not None:
        engine.sync()  # documents another app or API process indexed into the store since it loaded
        conversations_view.open_conversation(
            conn, owner, lambda turns: [replies_of(t, engine, settings) for t in turns])
    chats = st.sidebar.container()  # filled at the end of the run: the conversation just saved is listed
    doc_ids = sidebar(engine, settings)
    if engine is None:
        st.warning("尚未收录任何预算文件：请在左侧上传文件，或运行 make run 为 data 文件夹建立索引。")
    else:
        chat(engine, settings, conn, owner, doc_ids)
    with chats:
        if settings.accounts:
            conversations_view.account_box(conn, account)
        conversations_view.conversation_list(conn, owner)
    identity.write_cookies()
    if st.session_state.pop(CLOSE_SIDEBAR, False):
        nonce = st.session_state["close_nonce"] = st.session_state.get("close_nonce", 0) + 1
        page_style.close_sidebar_on_phone(nonce)


def replies_of(t: conversations.Turn, engine: Engine, settings: Settings) -> Reply:
    if t.answer is None:
        return Reply(question=t.question, answer=None, error=t.error)
    return presenter.reply(t.question, t.answer, engine.documents, tables_of(engine, settings))


def chat(engine: Engine, settings: Settings, conn, owner: str, doc_ids: list[str] | None) -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/search_off:")
    docs = engine.documents
    examples(docs)
    messages: list[Reply] = st.session_state.setdefault(MESSAGES, [])
    for n, r in enumerate(messages):
        show_reply(r, docs, tables_of(engine, settings), n)
    typed = st.chat_input(f"请输入关于部门预算的问题（不超过{MAX_QUESTION}字）", key="question")
    question = typed or st.session_state.pop(PENDING, None)
    if not question:
        return
    answerer = load_answerer(str(settings.store), settings.llm_model, settings.llm_base_url, settings, engine)
    if answerer is not None:
        r = ask_model(answerer, engine, question, doc_ids, settings, messages)
    else:
        with st.spinner("正在查找…"):
            r = ask(engine, question, doc_ids, settings, messages)
    r.note = filter_note(engine, question, doc_ids, r.answer)
    messages.append(r)
    conversations_view.remember(conn, owner, r)
    show_reply(r, docs, tables_of(engine, settings), len(messages) - 1)
