"""Rendering one turn of the chat: the question, the answer with its figure, verdict, reading,
list table, readings offered as buttons, formula, chart and numbered citations (each opening
to its row in context and, for a PDF, the page). View data comes from ui.presenter and
ui.citations; this module only draws it. Document text is shown as text or escaped Markdown."""

from __future__ import annotations

import altair as alt
import streamlit as st

from indexer.records import Document
from ui import presenter
from ui.csv_cells import frame_csv
from ui.citations import CitationView, citation_views, marked_answer, page_image
from ui.presenter import Reply, escape_markdown

PENDING = "pending_question"  # session: an example or alternative clicked, asked on this run
MAX_STATIC_ROWS = 15  # list answers up to this long are a plain table, longer ones a scrolling grid
STRIP_SCALE = 3.0  # the cited row's strip: drawn at 3 px per point, shown at 1.5 (sharp on a phone)
BAR_ROW = 34  # px per bar of a breakdown: a long list gets a taller chart, never squeezed bars


@st.cache_data(show_spinner=False, max_entries=64)
def cited_page(pdf: str, modified: float, page: int, marks: tuple[str, ...], rank: int | None,
               around_row: bool = False):
    return page_image(pdf, page, marks, rank, scale=STRIP_SCALE if around_row else 1.5, around_row=around_row)


def show_reply(r: Reply, docs: list[Document], tables_of, n: int) -> None:
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
            alternatives(a, n)
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
                # names may wrap; numbers and sources stay on one line and the table scrolls sideways
                st.table(items.style.format({"数值": presenter.number}).hide(axis="index")
                         .set_properties(subset=["项目"], **{"white-space": "normal", "min-width": "7em"}))
            else:
                st.dataframe(items, hide_index=True)
            st.download_button("下载明细", frame_csv(items), file_name="明细.csv",
                               mime="text/csv", key=f"csv_{n}")
        alternatives(a, n)
        if a.computation:
            st.caption("计算公式")
            st.code(a.computation, language=None, wrap_lines=True)  # wrapped: never clipped on a phone
        if r.chart:
            show_chart(r.chart)
        views = citation_views(a, docs, tables_of)
        if views:
            st.caption(f"出处（{len(views)}）")
        for v in views:
            show_citation(v)


def alternatives(a, n: int) -> None:
    """The close readings of an unclear question, each a button that asks it."""
    if a.alternatives:
        st.caption("您可能想问：")
    for i, option in enumerate(a.alternatives):
        if st.button(escape_markdown(option), key=f"alt_{n}_{i}"):
            st.session_state[PENDING] = option


def show_citation(v: CitationView) -> None:
    with st.expander(escape_markdown(v.title), icon=":material/description:"):
        citation_body(v)


def citation_body(v: CitationView) -> None:
    """A citation's place: the file, the cited row among its neighbours (or the quote), and for a
    PDF the strip of the page around the row, readable on a phone, above the whole page."""
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
        modified = v.pdf.stat().st_mtime
        strip = cited_page(str(v.pdf), modified, v.citation.page, v.marks, v.rank, around_row=True)
        if strip is not None:
            with st.container(key=f"strip_{v.number}_{v.citation.page}"):  # scrolls sideways on a phone
                st.image(strip, caption=f"原文第{v.citation.page}页的引用行（放大）", width=strip.width // 2)
        image = cited_page(str(v.pdf), modified, v.citation.page, v.marks, v.rank)
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
        # labels above their bars, not beside them: a phone's width goes to the bars
        order = alt.EncodingSortField(field=value, order="descending")
        base = alt.Chart(frame).encode(y=alt.Y("项目:N", sort=order, title=None, axis=None),
                                       tooltip=["项目", value])
        bars = base.mark_bar(size=8, yOffset=5).encode(x=alt.X(f"{value}:Q", title=value))
        labels = base.mark_text(align="left", baseline="middle", dy=-8, x=0, fontSize=12).encode(text="项目:N")
        figure = (bars + labels).properties(height=BAR_ROW * len(frame) + 20)
    else:  # departments side by side, labels whole (short names), one colour per item
        long = frame.melt(id_vars="部门", var_name="项目", value_name="金额")
        figure = alt.Chart(long).mark_bar().encode(
            x=alt.X("部门:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=120)),
            xOffset="项目:N", y=alt.Y("金额:Q", title=chart.unit or None),
            color=alt.Color("项目:N", legend=alt.Legend(title=None, orient="bottom", labelLimit=300, columns=1)),
            tooltip=["部门", "项目", "金额"])
    # Vega's own screen-reader descriptions are English ("X-axis titled …"): off, the title says it
    st.altair_chart(figure.configure(aria=False), width="stretch")
    if chart.summary:
        st.caption(escape_markdown(chart.summary))
    st.caption("数据来源：" + escape_markdown(chart.source))
