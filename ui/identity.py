"""The reader of this browser tab: the owner of the conversations listed (ui.accounts).

By default each browser is its own reader: a random token kept in a cookie (set by a line of
JavaScript on the first visit, read back from the request on every later one), so that two
browsers never see each other's conversations. With accounts on (`BUDGETQA_ACCOUNTS=1`) a
reader may sign in; conversations then belong to the account, on any browser.
"""

from __future__ import annotations

import json

import streamlit as st

from ui import accounts

BROWSER_COOKIE = "budgetqa_browser"
SESSION_COOKIE = "budgetqa_session"
YEAR = 365 * 24 * 3600
BROWSER_TOKEN = "browser_token"  # session: this tab's browser token
SESSION_TOKEN = "session_token"  # session: the account's sign-in token (None: signed out)
PENDING_COOKIES = "pending_cookies"  # session: cookies to write in the browser on this run


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no request to read (a test harness)
        return None
    return value if isinstance(value, str) and value else None


def _set_cookie(name: str, value: str, max_age: int) -> None:
    st.session_state.setdefault(PENDING_COOKIES, {})[name] = (value, max_age)


def owner(conn, accounts_on: bool) -> tuple[str, str | None]:
    """(owner, account name or None) of this tab's reader; a browser seen for the first time
    gets its token now (written to its cookie by `write_cookies`)."""
    state = st.session_state
    if accounts_on and conn is not None:
        session = state.get(SESSION_TOKEN, _cookie(SESSION_COOKIE))
        account = accounts.signed_in(conn, session)
        if account is not None:
            state[SESSION_TOKEN] = session
            return accounts.account_owner(account["account_id"]), account["name"]
    browser = state.get(BROWSER_TOKEN) or _cookie(BROWSER_COOKIE)
    if not browser:
        browser = accounts.token()
        _set_cookie(BROWSER_COOKIE, browser, YEAR)
    state[BROWSER_TOKEN] = browser
    return accounts.browser_owner(browser), None


def signed_in_as(conn, session_token: str) -> None:
    """Keep a new sign-in for this tab and, through its cookie, for later visits."""
    st.session_state[SESSION_TOKEN] = session_token
    _set_cookie(SESSION_COOKIE, session_token, 30 * 24 * 3600)


def signed_out(conn) -> None:
    token = st.session_state.get(SESSION_TOKEN)
    if token:
        accounts.sign_out(conn, token)
    st.session_state[SESSION_TOKEN] = None
    _set_cookie(SESSION_COOKIE, "", 0)


def write_cookies() -> None:
    """Write the cookies this run set, in the browser (one short script, then gone)."""
    pending = st.session_state.pop(PENDING_COOKIES, None)
    if not pending:
        return
    lines = "".join(f"document.cookie = {json.dumps(f'{name}={value}; path=/; max-age={age}; SameSite=Strict')};"
                    for name, (value, age) in pending.items())
    st.html(f"<script>{lines}</script>", unsafe_allow_javascript=True, width="content")
