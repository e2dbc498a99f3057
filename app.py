"""预算问答: a chat over the indexed budget documents, with cited answers shown in their tables and
pages, charts, a table browser, the consistency findings, uploads and saved conversations.

It renders only; the library does the work (ui.presenter, ui.citations, ui.conversations,
ui.upload_jobs, indexer.uploads). Document text is always rendered as text or escaped Markdown,
never as HTML. The engine and the embedding model are loaded once per process (st.cache_resource)
and shared by every browser tab.
"""

from __future__ import annotations

import os

# before transformers and huggingface_hub are imported: no English progress bars ("Loading
# weights"), no advisory warnings, and no download attempts (the model is a local folder)
for _name, _value in {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
                      "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1", "TOKENIZERS_PARALLELISM": "false",
                      "HF_HUB_OFFLINE": "1"}.items():
    os.environ.setdefault(_name, _value)

import altair as alt
import pandas as pd
import streamlit as st

from indexer import store
from indexer.records import Document, Table
from indexer.search.vectors import LazyEmbeddings
from indexer.settings import Settings
from indexer.uploads import MAX_UPLOAD_MB
from retrieval.engine import MAX_QUESTION, Engine, QuestionError
from retrieval.question.mentions import normalise_question
from retrieval.service import StoreMissing, open_engine
from ui import conversations, presenter, upload_jobs
from ui.citations import CitationView, citation_views, marked_answer, page_image
from ui.csv_cells import frame_csv
from ui.names import short_names
from ui.presenter import Reply, escape_markdown
from ui.warnings import reader_warning

MESSAGES = "messages"  # session: the conversation, a list of presenter.Reply
CONVERSATION = "conversation_id"  # session: the id of the conversation shown (None: not saved yet)
PENDING = "pending_question"  # session: an example or alternative clicked, asked on this run
UPLOADED = "uploaded_files"  # session: upload file ids already handed to a job
JOB = "upload_job"  # session: the upload being indexed (ui.upload_jobs.UploadJob)
QUERY_KEY = "c"  # ?c=<conversation id>: a reload reopens the conversation
MAX_STATIC_ROWS = 15  # list answers up to this long are a plain table, longer ones a scrolling grid
FORMATS = "PDF、TXT、MD、HTML、XLSX、XLS、DOCX"

# Streamlit's own English in the uploader ("Drag and drop", "Limit 200MB per file", "Browse files")
# and the "Running…" status are replaced or hidden; our caption says the formats and the limit
CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > span,
[data-testid="stFileUploaderDropzoneInstructions"] > div > small { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: "拖入文件，或点击按钮选择"; font-size: 0.9rem; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.875rem; }
[data-testid="stStatusWidget"] { visibility: hidden; }
/* a cited row's context keeps its cells on one line and scrolls sideways on a phone */
[data-testid="stTable"] { overflow-x: auto; }
[data-testid="stTable"] th, [data-testid="stTable"] th * { white-space: nowrap !important; }
[data-testid="stTable"] td { white-space: nowrap; }
[data-testid="stTable"] th p, [data-testid="stTable"] td p { white-space: inherit !important; word-break: inherit !important; }
/* example questions and alternatives are read whole, on two lines if need be */
.stMain .stButton button p { white-space: normal !important; text-align: left; }
</style>
"""


@st.cache_resource(show_spinner="正在启动问答引擎、载入检索模型（每次启动只需一次）…")
def load_engine(store_path: str, _settings: Settings) -> Engine:
    engine = open_engine(_settings)
    vectors = getattr(engine.search, "vectors", None)
    if hasattr(vectors, "embedder"):  # load the embedding model now, not on a reader's first question
        vectors.embedder.embed_query("预算")
    return engine


@st.cache_resource(show_spinner=False)
def load_embedder(model: str, batch_size: int) -> LazyEmbeddings:
    return LazyEmbeddings(model, batch_size)


@st.cache_resource(show_spinner=False)
def conversation_store(store_path: str, _settings: Settings):
    """The store's database for the conversations, opened once per process to write."""
    return store.connect(_settings.database, writable=True)


@st.cache_resource(show_spinner=False)
def doc_tables(store_path: str, doc_id: str, _engine: Engine) -> list[Table]:
    # doc_id is a content hash: a document's tables never change under it
    return store.tables(_engine.conn, doc_id)


@st.cache_data(show_spinner=False)
def doc_findings(store_path: str, doc_id: str, _engine: Engine) -> list:
    return _engine.audit(_engine.conn, doc_id) if _engine.audit else []


@st.cache_data(show_spinner=False, max_entries=64)
def cited_page(pdf: str, modified: float, page: int, marks: tuple[str, ...], rank: int | None):
    return page_image(pdf, page, marks, rank)


def read_only(settings: Settings) -> bool:
    return store.is_read_only(settings.database)


def names_of(docs: list[Document]) -> dict[str, str]:
    return short_names(list(dict.fromkeys(d.department for d in docs)))


def label_of(doc: Document, names: dict[str, str] | None = None) -> str:
    return f"{(names or {}).get(doc.department, doc.department)}（{doc.year}年）"


# ---- conversations ----------------------------------------------------------------------------


def saved(settings: Settings):
    """The connection conversations are saved to, or None: a read-only store keeps them in the page."""
    if read_only(settings) or not store.exists(settings.database):
        return None
    return conversation_store(str(settings.store), settings)


def replies_of(turns: list[conversations.Turn], engine: Engine, settings: Settings) -> list[Reply]:
    out = []
    for t in turns:
        if t.answer is None:
            out.append(Reply(question=t.question, answer=None, error=t.error))
        else:
            out.append(presenter.reply(t.question, t.answer, engine.documents, tables_of(engine, settings)))
    return out


def open_conversation(conn, engine: Engine, settings: Settings) -> None:
    """Show the conversation named in the address (?c=…), once per session or when it changes."""
    wanted = st.query_params.get(QUERY_KEY)
    if conn is None or not wanted or wanted == st.session_state.get(CONVERSATION):
        return
    turns = conversations.load(conn, wanted)
    if turns is None:
        del st.query_params[QUERY_KEY]
        return
    st.session_state[CONVERSATION] = wanted
    st.session_state[MESSAGES] = replies_of(turns, engine, settings)


def new_chat() -> None:
    st.session_state[MESSAGES] = []
    st.session_state[CONVERSATION] = None
    st.query_params.pop(QUERY_KEY, None)


def open_saved(cid: str) -> None:
    st.query_params[QUERY_KEY] = cid  # open_conversation loads it at the top of the next run


def delete_saved(conn, cid: str) -> None:
    conversations.delete(conn, cid)
    new_chat()


def conversation_list(conn) -> None:
    """The saved conversations, drawn last in each run so that the one just saved is listed; the
    buttons act through callbacks, before the next run draws the chat."""
    st.header("对话")
    st.button("新对话", key="new_chat", icon=":material/add_comment:", width="stretch", on_click=new_chat)
    if conn is None:
        st.caption("资料库是只读的：对话只保存在当前页面，刷新或关闭后不会保留。")
        return
    current = st.session_state.get(CONVERSATION)
    for c in conversations.list_conversations(conn, limit=12):
        label = f"{c.title}（{c.turns}问）"
        if c.conversation_id == current:
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown("**" + escape_markdown(label) + "**")
            right.button("删除", key=f"delete_{c.conversation_id}", type="tertiary",
                         on_click=delete_saved, args=(conn, c.conversation_id))
        else:
            st.button(escape_markdown(label), key=f"open_{c.conversation_id}", type="tertiary",
                      on_click=open_saved, args=(c.conversation_id,))


def remember(conn, r: Reply) -> None:
    """Save a turn (when the store can be written) and put its conversation in the address."""
    if conn is None:
        return
    cid = st.session_state.get(CONVERSATION) or conversations.new_id()
    conversations.save_turn(conn, cid, conversations.Turn(question=r.question, answer=r.answer, error=r.error))
    st.session_state[CONVERSATION] = cid
    st.query_params[QUERY_KEY] = cid


# ---- the sidebar ------------------------------------------------------------------------------


def sidebar(engine: Engine | None, settings: Settings) -> list[str] | None:
    """Render the sidebar; return the documents the filter allows (None: all)."""
    docs = engine.documents if engine else []
    with st.sidebar:
        if not docs:
            upload_section(settings, engine)
            return None
        names = names_of(docs)
        st.header("筛选")
        departments = st.multiselect("部门", sorted({d.department for d in docs}), key="filter_departments",
                                     placeholder="全部部门", format_func=lambda d: names.get(d, d))
        years = st.multiselect("年度", sorted({d.year for d in docs}), key="filter_years",
                               placeholder="全部年度")
        documents_view(engine, settings, docs, names)
        upload_section(settings, engine)
        table_browser(engine, settings, docs, names)
        findings_view(engine, settings, docs, names)
    if not departments and not years:
        return None
    return [d.doc_id for d in docs
            if (not departments or d.department in departments) and (not years or d.year in years)]


def documents_view(engine: Engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    st.header("已收录文件")
    summaries = presenter.document_summaries(engine.conn, docs, tables_of(engine, settings))
    st.dataframe(pd.DataFrame([{"部门": names.get(s.document.department, s.document.department),
                                "年度": s.document.year, "表格": s.tables, "警告": len(s.warnings)}
                               for s in summaries]), hide_index=True)
    for s in summaries:
        if s.warnings:
            with st.expander(escape_markdown(f"{label_of(s.document, names)}：{len(s.warnings)} 条索引警告")):
                for w in s.warnings:
                    st.text(reader_warning(w))


def table_browser(engine: Engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    st.header("表格浏览")
    doc = st.selectbox("文件", docs, format_func=lambda d: label_of(d, names), key="browse_doc")
    tables = doc_tables(str(settings.store), doc.doc_id, engine)
    if not tables:
        st.info("这份文件没有识别出表格。")
        return
    table = st.selectbox("表格", tables, format_func=presenter.table_name, key="browse_table")
    st.caption(escape_markdown(f"单位：{table.unit} · 第{table.line_start}–{table.line_end}行"
                               + (f" · 第{table.page}页" if table.page else "")))
    st.dataframe(presenter.table_frame(table), hide_index=True)
    st.download_button("下载表格", presenter.table_csv(table), mime="text/csv", key="browse_csv",
                       file_name=presenter.csv_name(doc, table))


def findings_view(engine: Engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    st.header("一致性检查")
    doc = st.selectbox("文件", docs, format_func=lambda d: label_of(d, names), key="audit_doc")
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


def upload_section(settings: Settings, engine: Engine | None) -> None:
    st.header("上传文件")
    if read_only(settings):
        st.info("资料库是只读的，上传已停用：不能收录新文件。")
        return
    st.caption(f"支持 {FORMATS}；每个文件不超过 {MAX_UPLOAD_MB} MB；可一次选择多个文件。")
    files = st.file_uploader("选择预算文件", accept_multiple_files=True, key="upload",
                             label_visibility="collapsed") or []
    handled: set[str] = st.session_state.setdefault(UPLOADED, set())
    job: upload_jobs.UploadJob | None = st.session_state.get(JOB)
    new = [f for f in files if f.file_id not in handled]
    if new and (job is None or job.done):
        handled.update(f.file_id for f in new)
        embedder = load_embedder(settings.embedding_model, settings.embedding_batch_size)
        job = upload_jobs.start([(f.name, f.getvalue()) for f in new], settings, embedder)
        st.session_state[JOB] = job
    elif new:
        st.caption("上一批文件收录完后再开始这一批。")
    if job is not None:
        upload_status(job)


def upload_status(job: upload_jobs.UploadJob) -> None:
    """The job's progress, polled while it runs; its outcome once it has ended."""
    if not job.done:
        upload_progress(job)
        return
    (st.success if job.ok else st.error)(escape_markdown(job.summary()))
    for o in job.outcomes:
        (st.success if o.ok else st.error)(escape_markdown(o.message))
    if job.indexed and not job.applied:
        job.applied = True
        load_engine.clear()  # a new engine sees the new documents (other tabs on their next run)
        st.rerun()


@st.fragment(run_every=1.0)
def upload_progress(job: upload_jobs.UploadJob) -> None:
    if job.done:
        st.rerun(scope="app")  # the whole page: the outcome, and the new documents in the sidebar
    st.progress(job.overall, text=escape_markdown(job.status()))


# ---- the chat ---------------------------------------------------------------------------------


def tables_of(engine: Engine, settings: Settings):
    return lambda doc_id: doc_tables(str(settings.store), doc_id, engine)


def show_reply(r: Reply, docs: list[Document], engine: Engine, settings: Settings, n: int) -> None:
    with st.chat_message("user"):
        st.markdown(escape_markdown(r.question))
    with st.chat_message("assistant"):
        if r.error or r.answer is None:
            st.error(escape_markdown(r.error or "无法回答。"))
            return
        a = r.answer
        if r.note:
            st.info(escape_markdown(r.note), icon=":material/filter_alt:")
        if a.intent == "help":
            st.info(escape_markdown(a.answer), icon=":material/help:")
            return
        if not a.answerable:
            (st.info if a.intent == "filtered" else st.warning)(escape_markdown(a.answer))
            if a.intent != "filtered":
                st.info(escape_markdown(presenter.covered(docs)))
            reading(a)
            return
        figure = presenter.headline(a)
        if figure:
            st.metric("答案", figure)
        if a.verdict is not None:
            st.markdown("**" + escape_markdown(presenter.verdict_words(a)) + "**")
        text = escape_markdown(marked_answer(a))
        if a.value is None and a.verdict is None:  # a quote, a list or an uncertain reply: no figure stated
            st.info(text, icon=":material/format_quote:")
        else:
            st.markdown(text)
        reading(a)
        items = presenter.item_table(a)
        if items is not None:  # a short list as a plain table; a long one scrolls
            if len(items) <= MAX_STATIC_ROWS:
                st.table(items.style.format({"数值": presenter.number}).hide(axis="index"))
            else:
                st.dataframe(items, hide_index=True)
            st.download_button("下载明细", frame_csv(items), file_name="明细.csv",
                               mime="text/csv", key=f"csv_{n}")
        for i, option in enumerate(a.alternatives):
            if st.button(escape_markdown(option), key=f"alt_{n}_{i}"):
                st.session_state[PENDING] = option
        if a.computation:
            st.caption("计算公式")
            st.code(a.computation, language=None)
        if r.chart:
            show_chart(r.chart)
        views = citation_views(a, docs, tables_of(engine, settings))
        if views:
            st.caption(f"出处（{len(views)}）")
        for v in views:
            show_citation(v)


def show_citation(v: CitationView) -> None:
    with st.expander(escape_markdown(v.title), icon=":material/description:"):
        st.caption(escape_markdown(" · ".join(x for x in (v.file_name and f"文件：{v.file_name}", v.where) if x)))
        if v.frame is not None:  # a static table: a few rows, every header and cell readable as text
            st.table(v.styled().hide(axis="index"))
            if v.note:
                st.warning(escape_markdown("这一行未通过合计核对：" + v.note))
        elif v.citation.kind == "section":
            st.caption("章节：" + escape_markdown(v.citation.section or ""))
            st.markdown("> " + escape_markdown(v.citation.quote))
        else:
            st.text(v.citation.quote)
        if v.pdf is not None and v.citation.page:
            image = cited_page(str(v.pdf), v.pdf.stat().st_mtime, v.citation.page, v.marks, v.rank)
            if image is not None:
                st.image(image, caption=f"原文第{v.citation.page}页（红框为引用的数字）", width="stretch")


def reading(a) -> None:
    """How the engine understood the question, under every answer."""
    if a.interpretation:
        st.caption("我理解为：" + escape_markdown(a.interpretation))


def show_chart(chart: presenter.Chart) -> None:
    st.markdown("**" + escape_markdown(chart.title) + "**")
    frame = chart.data.reset_index()
    if chart.kind == "breakdown":
        value = frame.columns[1]
        bars = alt.Chart(frame).mark_bar().encode(
            x=alt.X(f"{value}:Q", title=value), y=alt.Y("项目:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=["项目", value])
    else:  # departments side by side, labels whole (short names), one colour per item
        long = frame.melt(id_vars="部门", var_name="项目", value_name="金额")
        bars = alt.Chart(long).mark_bar().encode(
            x=alt.X("部门:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=200)),
            xOffset="项目:N", y=alt.Y("金额:Q", title=chart.unit or None),
            color=alt.Color("项目:N", legend=alt.Legend(title=None, orient="bottom", labelLimit=300)),
            tooltip=["部门", "项目", "金额"])
    st.altair_chart(bars, width="stretch")
    if chart.summary:
        st.caption(escape_markdown(chart.summary))
    st.caption("数据来源：" + escape_markdown(chart.source))


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


def ask(engine: Engine, question: str, doc_ids: list[str] | None, settings: Settings,
        history: list[Reply] = ()) -> Reply:
    """The engine's answer; a follow-up (那去年呢？) reads the earlier turns, offline."""
    past = [(r.question, r.answer.answer) for r in history if r.answer is not None]
    try:
        answer = engine.answer(question, doc_ids=doc_ids, history=past)
    except QuestionError as error:
        return Reply(question=question, answer=None, error=str(error))
    return presenter.reply(question, answer, engine.documents, tables_of(engine, settings))


@st.cache_resource(show_spinner=False)
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
    return presenter.reply(question, result.answer, engine.documents, tables_of(engine, settings))


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
    st.html(CSS)
    st.title("预算问答")
    st.caption("部门预算公开文件的问答助手：数字取自文件的表格，由程序计算，并注明出处。")
    try:
        engine = load_engine(str(settings.store), settings)
        engine.sync()  # documents another app or API process indexed into the store since it loaded
    except StoreMissing:
        engine = None
    conn = saved(settings) if engine is not None else None
    if engine is not None:
        open_conversation(conn, engine, settings)
    chats = st.sidebar.container()  # filled at the end of the run: the conversation just saved is listed
    doc_ids = sidebar(engine, settings)
    if engine is None:
        st.warning("尚未收录任何预算文件：请在左侧上传文件，或运行 make run 为 data 文件夹建立索引。")
        return
    docs = engine.documents
    examples(docs)
    messages: list[Reply] = st.session_state.setdefault(MESSAGES, [])
    for n, r in enumerate(messages):
        show_reply(r, docs, engine, settings, n)
    typed = st.chat_input(f"请输入关于部门预算的问题（不超过{MAX_QUESTION}字）", key="question")
    question = typed or st.session_state.pop(PENDING, None)
    if question:
        answerer = load_answerer(str(settings.store), settings.llm_model, settings.llm_base_url,
                                 settings, engine)
        if answerer is not None:
            r = ask_model(answerer, engine, question, doc_ids, settings, messages)
        else:
            with st.spinner("正在查找…"):
                r = ask(engine, question, doc_ids, settings, messages)
        r.note = filter_note(engine, question, doc_ids, r.answer)
        messages.append(r)
        remember(conn, r)
        show_reply(r, docs, engine, settings, len(messages) - 1)
    with chats:
        conversation_list(conn)


main()
