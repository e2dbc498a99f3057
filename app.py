"""预算问答: a chat over the indexed budget documents, with cited answers shown in their tables and
pages, charts, a table browser, the consistency findings, uploads and each reader's saved
conversations.

It renders only; the library does the work and ui/ draws it (ui.chat_page, ui.chat_view,
ui.sidebar_view, ui.conversations_view). The engine and the embedding model load once per process
in the background (ui.startup: when the server starts under `streamlit run chat.py`): until they
are ready the page says so in Chinese and refreshes itself. Document text is always rendered as
text or escaped Markdown, never as HTML.
"""

from __future__ import annotations

import streamlit as st

from indexer.settings import Settings
from retrieval.service import readiness
from ui import page_style, startup


@st.fragment(run_every=1.0)
def wait_until_ready(warmup: readiness.Warmup) -> None:
    """Poll the loading engine; the whole page is drawn again once it is ready."""
    if warmup.state != readiness.STARTING:
        st.rerun(scope="app")


def main() -> None:
    settings = Settings()
    st.set_page_config(page_title="预算问答", page_icon="📊", layout="wide")
    page_style.apply()
    st.title("预算问答")
    st.caption("部门预算公开文件的问答助手：数字取自文件的表格，由程序计算，并注明出处。")
    warmup = startup.begin(settings)
    if warmup.state == readiness.STARTING:
        st.info("正在启动问答引擎、载入检索模型（每次启动只需一次，约半分钟）。就绪后页面会自动刷新。",
                icon=":material/hourglass_top:")
        wait_until_ready(warmup)
        return
    if warmup.state == readiness.FAILED:
        st.error("问答引擎未能启动，请联系管理员查看服务日志。")
        return
    from ui.chat_page import render  # the engine's modules are loaded by now

    try:
        render(warmup.value, settings)
    except Exception:
        down = readiness.probe(settings, warmup.value.conn if warmup.value else None)
        if not down:
            raise
        st.error("".join(d.message for d in down), icon=":material/cloud_off:")


main()
