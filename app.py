"""预算问答: a chat over the indexed budget documents, with cited answers, the rows behind them,
charts, a table browser, the consistency findings and uploads.

It renders only; the library does the work (retrieval.presenter, indexer.uploads). Document text
is always rendered as text or escaped Markdown, never as HTML. The engine and the embedding model
are loaded once per process (st.cache_resource) and shared by every browser tab.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from indexer import store
from indexer.records import Document, Table
from indexer.settings import Settings
from indexer.uploads import MAX_UPLOAD_MB, UPLOAD_TYPES, UploadOutcome, index_upload
from indexer.search.vectors import LazyEmbeddings
from retrieval import presenter
from retrieval.engine import MAX_QUESTION, Engine, QuestionError
from retrieval.presenter import Reply, escape_markdown
from retrieval.service import StoreMissing, open_engine

MESSAGES = "messages"  # session: the conversation, a list of presenter.Reply
PENDING = "pending_question"  # session: an example question clicked, asked on this run
UPLOADED = "uploaded_files"  # session: upload file id → UploadOutcome, so a file is indexed once


@st.cache_resource(show_spinner="正在加载问答引擎…")
def load_engine(store_path: str, _settings: Settings) -> Engine:
    return open_engine(_settings)


@st.cache_resource
def load_embedder(model: str, batch_size: int) -> LazyEmbeddings:
    return LazyEmbeddings(model, batch_size)


@st.cache_resource
def doc_tables(store_path: str, doc_id: str, _engine: Engine) -> list[Table]:
    # doc_id is a content hash: a document's tables never change under it
    return store.tables(_engine.conn, doc_id)


@st.cache_data(show_spinner=False)
def doc_findings(store_path: str, doc_id: str, _engine: Engine) -> list:
    return _engine.audit(_engine.conn, doc_id) if _engine.audit else []


def label_of(doc: Document) -> str:
    return f"{doc.department}（{doc.year}年）"


# ---- the sidebar ------------------------------------------------------------------------------


def sidebar(engine: Engine | None, settings: Settings) -> list[str] | None:
    """Render the sidebar; return the documents the filter allows (None: all)."""
    docs = engine.documents if engine else []
    with st.sidebar:
        if not docs:
            upload_section(settings)
            return None
        st.header("已索引文件")
        summaries = presenter.document_summaries(
            engine.conn, docs, lambda doc_id: doc_tables(str(settings.store), doc_id, engine))
        st.dataframe(pd.DataFrame([{"部门": s.document.department, "年度": s.document.year,
                                    "表格": s.tables, "警告": len(s.warnings)} for s in summaries]),
                     hide_index=True)
        for s in summaries:
            if s.warnings:
                with st.expander(escape_markdown(f"{label_of(s.document)}：{len(s.warnings)} 条索引警告")):
                    for w in s.warnings:
                        st.text(w)
        st.header("筛选")
        departments = st.multiselect("部门", sorted({d.department for d in docs}), key="filter_departments",
                                     placeholder="全部部门")
        years = st.multiselect("年度", sorted({d.year for d in docs}), key="filter_years",
                               placeholder="全部年度")
        table_browser(engine, settings, docs)
        findings_view(engine, settings, docs)
        upload_section(settings)
    if not departments and not years:
        return None
    return [d.doc_id for d in docs
            if (not departments or d.department in departments) and (not years or d.year in years)]


def table_browser(engine: Engine, settings: Settings, docs: list[Document]) -> None:
    st.header("表格浏览")
    doc = st.selectbox("文件", docs, format_func=label_of, key="browse_doc")
    tables = doc_tables(str(settings.store), doc.doc_id, engine)
    if not tables:
        st.info("这份文件没有识别出表格。")
        return
    table = st.selectbox("表格", tables, format_func=presenter.table_name, key="browse_table")
    st.caption(escape_markdown(f"单位：{table.unit} · 第{table.line_start}–{table.line_end}行"
                               + (f" · 第{table.page}页" if table.page else "")))
    st.dataframe(presenter.table_frame(table), hide_index=True)
    st.download_button("下载 CSV", presenter.table_csv(table), mime="text/csv", key="browse_csv",
                       file_name=presenter.csv_name(doc, table))


def findings_view(engine: Engine, settings: Settings, docs: list[Document]) -> None:
    st.header("一致性检查")
    doc = st.selectbox("文件", docs, format_func=label_of, key="audit_doc")
    findings = doc_findings(str(settings.store), doc.doc_id, engine)
    if not findings:
        st.success("没有发现前后不一致之处。")
    for f in findings:
        color, name = presenter.SEVERITY.get(f.severity, ("gray", f.severity))
        st.markdown(f":{color}-badge[{name}] {escape_markdown(f.message)}")
        if f.note:
            st.caption(escape_markdown(f.note))
        for c in f.citations:
            st.caption("出处：" + escape_markdown(presenter.citation_title(c)))


def upload_section(settings: Settings) -> None:
    st.header("上传文件")
    done: dict[str, UploadOutcome] = st.session_state.setdefault(UPLOADED, {})
    file = st.file_uploader(f"PDF 或文本文件（不超过 {MAX_UPLOAD_MB} MB）", type=UPLOAD_TYPES,
                            max_upload_size=MAX_UPLOAD_MB, key="upload")
    if file is None:
        return
    if file.file_id not in done:
        bar = st.progress(0.0, text="准备上传…")
        outcome = index_upload(file.name, file.getvalue(), settings,
                               load_embedder(settings.embedding_model, settings.embedding_batch_size),
                               progress=lambda fraction, text: bar.progress(fraction, text=text))
        done[file.file_id] = outcome
        if outcome.status == "indexed":
            load_engine.clear()  # a new engine sees the new document (other tabs on their next run)
            st.rerun()
    outcome = done[file.file_id]
    (st.success if outcome.ok else st.error)(escape_markdown(outcome.message))


# ---- the chat ---------------------------------------------------------------------------------


def show_reply(r: Reply, docs: list[Document]) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(r.question))
    with st.chat_message("assistant"):
        if r.error or r.answer is None:
            st.error(escape_markdown(r.error or "无法回答。"))
            return
        a = r.answer
        if a.intent == "help":
            st.info(escape_markdown(a.answer), icon=":material/help:")
            return
        if not a.answerable:
            st.warning(escape_markdown(a.answer))
            st.info(escape_markdown(presenter.covered(docs)))
            reading(a)
            return
        figure = presenter.headline(a)
        if figure:
            st.metric("答案", figure)
        if a.verdict is not None:
            st.markdown("**" + escape_markdown(presenter.verdict_words(a)) + "**")
        if a.value is None and a.verdict is None:  # a quote, a list or an uncertain reply: no figure stated
            st.info(escape_markdown(a.answer), icon=":material/format_quote:")
        else:
            st.markdown(escape_markdown(a.answer))
        reading(a)
        items = presenter.item_table(a)
        if items is not None:
            st.dataframe(items, hide_index=True)
            st.download_button("下载CSV", items.to_csv(index=False).encode("utf-8-sig"), file_name="明细.csv",
                               mime="text/csv", key=f"csv_{id(r)}")
        for i, option in enumerate(a.alternatives):
            if st.button(escape_markdown(option), key=f"alt_{id(r)}_{i}"):
                st.session_state[PENDING] = option
        if a.computation:
            st.caption("计算公式")
            st.code(a.computation, language=None)
        if r.chart:
            show_chart(r.chart)
        if a.citations:
            st.caption(f"出处（{len(a.citations)}）")
        for c, row in zip(a.citations, r.rows):
            with st.expander(escape_markdown(presenter.citation_title(c)), icon=":material/description:"):
                doc = next((d for d in docs if d.doc_id == c.doc_id), None)
                if doc:
                    st.caption("文件：" + escape_markdown(doc.file_name))
                if row is not None:
                    st.caption(escape_markdown(row.table))
                    st.dataframe(row.styled())
                elif c.kind == "section":
                    st.caption("章节：" + escape_markdown(c.section or ""))
                    st.markdown("> " + escape_markdown(c.quote))
                else:
                    st.text(c.quote)


def reading(a) -> None:
    """How the engine understood the question, under every answer."""
    if a.interpretation:
        st.caption("我理解为：" + escape_markdown(a.interpretation))


def show_chart(chart: presenter.Chart) -> None:
    st.markdown("**" + escape_markdown(chart.title) + "**")
    if chart.kind == "breakdown":
        frame = chart.data.reset_index()
        value = frame.columns[1]
        bars = alt.Chart(frame).mark_bar().encode(
            x=alt.X(f"{value}:Q", title=value), y=alt.Y("项目:N", sort="-x", title=None),
            tooltip=["项目", value])
        st.altair_chart(bars, width="stretch")
    else:
        st.bar_chart(chart.data, stack=False, y_label=chart.unit)
    if chart.summary:
        st.caption(escape_markdown(chart.summary))
    st.caption("数据来源：" + escape_markdown(chart.source))


def ask(engine: Engine, question: str, doc_ids: list[str] | None, settings: Settings,
        history: list[Reply] = ()) -> Reply:
    """The engine's answer; a follow-up (那去年呢？) reads the earlier turns, offline."""
    past = [(r.question, r.answer.answer) for r in history if r.answer is not None]
    try:
        answer = engine.answer(question, doc_ids=doc_ids, history=past)
    except QuestionError as error:
        return Reply(question=question, answer=None, error=str(error))
    return presenter.reply(question, answer, engine.documents,
                           lambda doc_id: doc_tables(str(settings.store), doc_id, engine))


@st.cache_resource
def load_answerer(store_path: str, model: str | None, base_url: str | None, _settings: Settings,
                  _engine: Engine):
    """The configured LLM over the engine (None when no model is set: the offline default)."""
    from retrieval.llm import build_answerer

    return build_answerer(_settings, _engine)


def ask_model(answerer, engine: Engine, question: str, doc_ids: list[str] | None,
              settings: Settings, history: list[Reply]) -> Reply:
    """Stream the model's wording as it comes, then show the verified answer in its place."""
    past = [(r.question, r.answer.answer) for r in history if r.answer is not None]
    try:
        stream = answerer.stream(question, past, doc_ids=doc_ids)
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
    return presenter.reply(question, result.answer, engine.documents,
                           lambda doc_id: doc_tables(str(settings.store), doc_id, engine))


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


def main() -> None:
    settings = Settings()
    st.set_page_config(page_title="预算问答", page_icon="📊", layout="wide")
    st.title("预算问答")
    st.caption("部门预算公开文件的问答助手：数字取自文件的表格，由程序计算，并注明出处。")
    try:
        engine = load_engine(str(settings.store), settings)
    except StoreMissing:
        engine = None
    doc_ids = sidebar(engine, settings)
    if engine is None:
        st.warning("尚未收录任何预算文件：请在左侧上传文件，或运行 `make run` 为 data/ 建立索引。")
        return
    docs = engine.documents
    examples(docs)
    messages: list[Reply] = st.session_state.setdefault(MESSAGES, [])
    for r in messages:
        show_reply(r, docs)
    typed = st.chat_input("请输入关于部门预算的问题，例如：某部门2025年的行政单位医疗预算是多少？",
                          max_chars=MAX_QUESTION, key="question")
    question = typed or st.session_state.pop(PENDING, None)
    if question:
        answerer = load_answerer(str(settings.store), settings.llm_model, settings.llm_base_url,
                                 settings, engine)
        if answerer is not None:
            r = ask_model(answerer, engine, question, doc_ids, settings, messages)
        else:
            with st.spinner("正在查找…"):
                r = ask(engine, question, doc_ids, settings, messages)
        messages.append(r)
        show_reply(r, docs)


main()
