"""Rendering the sidebar: the filter by department and year, the indexed documents, the upload,
and buttons opening the table browser and the consistency findings in wide dialogs (a 300 px
sidebar shows one or two columns of a table; a dialog shows them all)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from indexer import store
from indexer.records import Document, Table
from indexer.settings import Settings
from indexer.uploads import MAX_UPLOAD_MB
from retrieval.records import Answer
from ui import presenter, startup, upload_jobs
from ui.chat_view import citation_body
from ui.citations import citation_views
from ui.names import short_names
from ui.presenter import escape_markdown
from ui.warnings import reader_warning

UPLOADED = "uploaded_files"  # session: upload file ids already handed to a job
JOB = "upload_job"  # session: the upload being indexed (ui.upload_jobs.UploadJob)
DIALOG = "sidebar_dialog"  # session: the dialog open ("tables", "findings") or none
FORMATS = "PDF、TXT、MD、HTML、XLSX、XLS、DOCX"


@st.cache_resource(show_spinner=False)
def doc_tables(store_path: str, doc_id: str, _engine) -> list[Table]:
    # doc_id is a content hash: a document's tables never change under it
    return store.tables(_engine.conn, doc_id)


@st.cache_data(show_spinner=False)
def doc_findings(store_path: str, doc_id: str, _engine) -> list:
    return _engine.audit(_engine.conn, doc_id) if _engine.audit else []


def tables_of(engine, settings: Settings):
    return lambda doc_id: doc_tables(str(settings.store), doc_id, engine)


def names_of(docs: list[Document]) -> dict[str, str]:
    return short_names(list(dict.fromkeys(d.department for d in docs)))


def label_of(doc: Document, names: dict[str, str] | None = None) -> str:
    return f"{(names or {}).get(doc.department, doc.department)}（{doc.year}年）"


def read_only(settings: Settings) -> bool:
    return store.is_read_only(settings.database)


def sidebar(engine, settings: Settings) -> list[str] | None:
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
        st.button("表格浏览", key="open_tables", icon=":material/table_view:", width="stretch",
                  on_click=_open, args=("tables",))
        st.button("一致性检查", key="open_findings", icon=":material/fact_check:", width="stretch",
                  on_click=_open, args=("findings",))
        # open while the session names it: a choice inside the dialog draws the page again with it
        if st.session_state.get(DIALOG) == "tables":
            table_browser(engine, settings, docs, names)
        elif st.session_state.get(DIALOG) == "findings":
            findings_view(engine, settings, docs, names)
        upload_section(settings, engine)
    if not departments and not years:
        return None
    return [d.doc_id for d in docs
            if (not departments or d.department in departments) and (not years or d.year in years)]


def documents_view(engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    st.header("已收录文件")
    summaries = presenter.document_summaries(engine.conn, docs, tables_of(engine, settings))
    st.table(pd.DataFrame([{"部门": names.get(s.document.department, s.document.department),
                            "年度": s.document.year, "表格": s.tables, "警告": len(s.warnings)}
                           for s in summaries]).style.hide(axis="index"))
    for s in summaries:
        if s.warnings:
            with st.expander(escape_markdown(f"{label_of(s.document, names)}：{len(s.warnings)} 条索引警告")):
                for w in s.warnings:
                    st.text(reader_warning(w))


def _open(name: str) -> None:
    st.session_state[DIALOG] = name


def _closed(_=None) -> None:
    st.session_state.pop(DIALOG, None)


@st.dialog("表格浏览", width="large", on_dismiss=_closed)
def table_browser(engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    doc = st.selectbox("文件", docs, format_func=lambda d: label_of(d, names), key="browse_doc")
    tables = doc_tables(str(settings.store), doc.doc_id, engine)
    if not tables:
        st.info("这份文件没有识别出表格。")
        return
    table = st.selectbox("表格", tables, format_func=presenter.table_name, key="browse_table")
    st.caption(escape_markdown(f"单位：{table.unit} · 第{table.line_start}–{table.line_end}行"
                               + (f" · 第{table.page}页" if table.page else "")))
    st.dataframe(presenter.table_frame(table), hide_index=True, width="stretch")
    st.download_button("下载表格（CSV）", presenter.table_csv(table), mime="text/csv", key="browse_csv",
                       file_name=presenter.csv_name(doc, table))


@st.dialog("一致性检查", width="large", on_dismiss=_closed)
def findings_view(engine, settings: Settings, docs: list[Document], names: dict[str, str]) -> None:
    doc = st.selectbox("文件", docs, format_func=lambda d: label_of(d, names), key="audit_doc")
    findings = doc_findings(str(settings.store), doc.doc_id, engine)
    if not findings:
        st.success("没有发现前后不一致之处。")
    for n, f in enumerate(findings, start=1):
        color, name = presenter.SEVERITY.get(f.severity, ("gray", f.severity))
        with st.container(border=True):
            st.markdown(f":{color}-badge[{name}] {escape_markdown(f.message)}")
            if f.note:
                st.caption(escape_markdown(f.note))
            # each source opens to its row among its table's rows, as a citation of an answer does
            cited = Answer(question="", answer="", answerable=True, citations=f.citations)
            for v in citation_views(cited, docs, tables_of(engine, settings)):
                with st.expander("出处：" + escape_markdown(presenter.citation_title(v.citation)),
                                 icon=":material/description:"):
                    citation_body(v)


def upload_section(settings: Settings, engine) -> None:
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
        job = upload_jobs.start([(f.name, f.getvalue()) for f in new], settings, embedder_of(engine, settings))
        st.session_state[JOB] = job
    elif new:
        st.caption("上一批文件收录完后再开始这一批。")
    if job is not None:
        upload_status(job, settings, engine)


def embedder_of(engine, settings: Settings):
    """The engine's embedding model (loaded once per process), or one of its own for an empty store."""
    vectors = getattr(getattr(engine, "search", None), "vectors", None)
    found = getattr(vectors, "embedder", None)
    if found is not None:
        return found
    from indexer.search.vectors import LazyEmbeddings

    return LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)


def upload_status(job: upload_jobs.UploadJob, settings: Settings, engine) -> None:
    """The job's progress, polled while it runs; its outcome once it has ended."""
    if not job.done:
        upload_progress(job)
        return
    (st.success if job.ok else st.error)(escape_markdown(job.summary()))
    for o in job.outcomes:
        (st.success if o.ok else st.error)(escape_markdown(o.message))
    if job.indexed and not job.applied:
        job.applied = True
        if engine is None:  # the store's first document: the engine can be loaded now
            startup.restart(settings).wait()
        st.rerun()  # every tab's engine sees the new documents by the store's revision


@st.fragment(run_every=1.0)
def upload_progress(job: upload_jobs.UploadJob) -> None:
    if job.done:
        st.rerun(scope="app")  # the whole page: the outcome, and the new documents in the sidebar
    st.progress(job.overall, text=escape_markdown(job.status()))
