"""Streamlit page (placeholder until the chat issue lands): lists what the store holds.

It renders only; the library does the work. Document text is rendered as text, never as HTML.
"""

from __future__ import annotations

import streamlit as st

from indexer import store
from indexer.settings import Settings


@st.cache_resource
def open_store(path: str):
    return store.connect(Settings(store=path).database)


def main() -> None:
    settings = Settings()
    st.set_page_config(page_title="预算问答", page_icon="📊")
    st.title("预算问答")
    st.caption("部门预算公开文件的问答助手（聊天功能即将上线）")
    if not settings.database.exists():
        st.warning(f"尚未建立索引：请先运行 `budgetqa index data --store {settings.store}`")
        return
    conn = open_store(str(settings.store))
    docs = store.documents(conn)
    st.subheader(f"已索引文件：{len(docs)} 个")
    st.dataframe(
        [{"部门": d.department, "年度": d.year, "级别": d.region_level, "文件": d.file_name}
         for d in docs],
        hide_index=True,
    )


main()
