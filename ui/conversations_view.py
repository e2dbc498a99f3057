"""Rendering the reader's conversations in the sidebar: 新对话, the list with dates (12 at first,
"更多" for more), 删除 after a confirmation, and — with accounts on — signing in, registering
and signing out. Only the reader's own conversations are listed or opened (ui.identity)."""

from __future__ import annotations

import streamlit as st

from ui import accounts, conversations, identity
from ui.presenter import Reply, escape_markdown

MESSAGES = "messages"  # session: the conversation, a list of presenter.Reply
CONVERSATION = "conversation_id"  # session: the id of the conversation shown (None: not saved yet)
QUERY_KEY = "c"  # ?c=<conversation id>: a reload reopens the conversation
SHOWN = "conversations_shown"  # session: how many conversations the list shows
NOTICE = "conversation_notice"  # session: a word about the address's conversation, shown once
DELETING = "deleting"  # session: (id, title) of the conversation whose deletion is being confirmed
CLOSE_SIDEBAR = "close_sidebar"  # session: close the sidebar on a phone on this run
MISSING = "找不到这个对话：它可能已被删除，或是在另一个浏览器（或账号）里保存的。已为您打开新对话。"


def open_conversation(conn, owner: str, replies_of) -> None:
    """Show the conversation named in the address (?c=…), once per session or when it changes;
    one that is not the reader's (deleted, mistyped, another browser's) is said so."""
    wanted = st.query_params.get(QUERY_KEY)
    if conn is None or not wanted or wanted == st.session_state.get(CONVERSATION):
        return
    turns = conversations.load(conn, owner, wanted)
    if turns is None:
        del st.query_params[QUERY_KEY]
        st.session_state[NOTICE] = MISSING
        new_chat()
        return
    st.session_state[CONVERSATION] = wanted
    st.session_state[MESSAGES] = replies_of(turns)


def new_chat(close: bool = False) -> None:
    st.session_state[MESSAGES] = []
    st.session_state[CONVERSATION] = None
    st.query_params.pop(QUERY_KEY, None)
    if close:  # the reader wants the chat: on a phone the sidebar covers it
        st.session_state[CLOSE_SIDEBAR] = True


def open_saved(cid: str) -> None:
    st.query_params[QUERY_KEY] = cid  # open_conversation loads it at the top of the next run
    st.session_state[CLOSE_SIDEBAR] = True


def remember(conn, owner: str, r: Reply) -> None:
    """Save a turn (when the store can be written) and put its conversation in the address."""
    if conn is None:
        return
    cid = st.session_state.get(CONVERSATION) or conversations.new_id()
    turn = conversations.Turn(question=r.question, answer=r.answer, error=r.error)
    try:
        conversations.save_turn(conn, owner, cid, turn)
    except conversations.NotTheOwner:  # never write into another reader's conversation
        cid = conversations.new_id()
        conversations.save_turn(conn, owner, cid, turn)
    st.session_state[CONVERSATION] = cid
    st.query_params[QUERY_KEY] = cid


def _ask_delete(cid: str, title: str) -> None:
    st.session_state[DELETING] = (cid, title)


def _keep(_=None) -> None:
    st.session_state.pop(DELETING, None)


@st.dialog("删除对话", on_dismiss=_keep)
def confirm_delete(conn, owner: str) -> None:
    """Ask before deleting (open while the session names the conversation: a click inside the
    dialog draws the page again with it)."""
    cid, title = st.session_state[DELETING]
    st.write(f"确定要删除对话「{escape_markdown(title)}」吗？删除后无法恢复。")
    left, right = st.columns(2)
    if left.button("删除", key="confirm_delete", type="primary", width="stretch"):
        conversations.delete(conn, owner, cid)
        _keep()
        if st.session_state.get(CONVERSATION) == cid:
            new_chat()
        st.rerun()
    if right.button("取消", key="cancel_delete", width="stretch"):
        _keep()
        st.rerun()


def conversation_list(conn, owner: str) -> None:
    """The reader's saved conversations, drawn last in each run so that the one just saved is
    listed; the buttons act through callbacks, before the next run draws the chat."""
    st.header("对话")
    st.button("新对话", key="new_chat", icon=":material/add_comment:", width="stretch",
              on_click=new_chat, kwargs={"close": True})
    if conn is None:
        st.caption("资料库是只读的：对话只保存在当前页面，刷新或关闭后不会保留。")
        return
    shown = st.session_state.setdefault(SHOWN, conversations.PAGE)
    current = st.session_state.get(CONVERSATION)
    listed = conversations.list_conversations(conn, owner, limit=shown)
    if not listed:
        st.caption("还没有保存的对话：提出的问题会自动保存在这里，只有这个浏览器能看到。")
    for c in listed:
        label = conversations.label(c)
        if c.conversation_id == current:
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown("**" + escape_markdown(label) + "**")
            right.button("删除", key=f"delete_{c.conversation_id}", type="tertiary",
                         on_click=_ask_delete, args=(c.conversation_id, c.title))
        else:
            st.button(escape_markdown(label), key=f"open_{c.conversation_id}", type="tertiary",
                      on_click=open_saved, args=(c.conversation_id,))
    if DELETING in st.session_state:
        confirm_delete(conn, owner)
    total = conversations.count(conn, owner)
    if total > shown:
        st.button(f"更多对话（共 {total} 个）", key="more_conversations", type="tertiary",
                  on_click=lambda: st.session_state.update({SHOWN: shown + conversations.PAGE}))


def account_box(conn, name: str | None) -> None:
    """Signing in or out (accounts on): conversations then follow the account, not the browser."""
    if conn is None:
        return
    if name is not None:
        st.caption(f"已登录：{escape_markdown(name)}")
        if st.button("退出登录", key="sign_out", type="tertiary"):
            identity.signed_out(conn)
            new_chat()
            st.rerun()
        return
    with st.expander("登录或注册（对话随账号保存）", icon=":material/person:"):
        with st.form("account", border=False):
            user = st.text_input("用户名", key="account_name")
            password = st.text_input("密码", type="password", key="account_password")
            left, right = st.columns(2)
            sign_in = left.form_submit_button("登录", width="stretch")
            register = right.form_submit_button("注册", width="stretch")
        if sign_in or register:
            try:
                token = (accounts.register if register else accounts.sign_in)(conn, user, password)
            except accounts.AccountError as error:
                st.error(str(error))
                return
            identity.signed_in_as(conn, token)
            new_chat()
            st.rerun()
