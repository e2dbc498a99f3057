"""The chat's conversations and accounts in the store (migrations 4 and 9): each conversation
belongs to one owner — a browser's random id or an account — and is read, listed, extended and
deleted only by it. Turns keep the answer as its JSON (the caller's record); accounts keep a
password hash and the hashes of their sign-in tokens. The app writes no SQL: it is all here.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from indexer.store.database import Database


class NotTheOwner(PermissionError):
    """The conversation exists and belongs to someone else."""


def _now() -> str:
    # to the microsecond: two turns in one second still order the conversations
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


# ---- conversations ------------------------------------------------------------------------------


def save_turn(db: Database, owner: str, conversation_id: str, title: str, question: str,
              reply: str, answer_json: str | None) -> None:
    """Append a question and its reply to a conversation of `owner`, creating it if new.

    Raises:
        NotTheOwner: the conversation id is another owner's.
    """
    with db.transaction() as c:
        now = _now()
        c.execute(text("INSERT INTO conversations (conversation_id, title, owner, created_at, updated_at)"
                       " VALUES (:c, :t, :o, :now, :now) ON CONFLICT (conversation_id) DO NOTHING"),
                  {"c": conversation_id, "t": title, "o": owner, "now": now})
        holder = c.execute(text("SELECT owner FROM conversations WHERE conversation_id = :c"),
                           {"c": conversation_id}).scalar()
        if holder != owner:
            raise NotTheOwner(conversation_id)
        idx = c.execute(text("SELECT coalesce(max(idx) + 1, 0) FROM turns WHERE conversation_id = :c"),
                        {"c": conversation_id}).scalar()
        c.execute(text("INSERT INTO turns (conversation_id, idx, role, text, answer) VALUES (:c, :i, :r, :x, :a)"),
                  [{"c": conversation_id, "i": idx, "r": "user", "x": question, "a": None},
                   {"c": conversation_id, "i": idx + 1, "r": "assistant", "x": reply, "a": answer_json}])
        c.execute(text("UPDATE conversations SET updated_at = :now WHERE conversation_id = :c"),
                  {"now": now, "c": conversation_id})


def list_conversations(db: Database, owner: str, limit: int = 12, offset: int = 0) -> list[dict]:
    """An owner's conversations, latest first: id, title, created_at, updated_at, turns."""
    rows = db.rows(
        "SELECT c.conversation_id, c.title, c.created_at, c.updated_at,"
        " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.conversation_id AND t.role = 'user') AS turns"
        " FROM conversations c WHERE c.owner = :o"
        " ORDER BY c.updated_at DESC, c.conversation_id DESC LIMIT :n OFFSET :k", o=owner, n=limit, k=offset)
    return [dict(r) for r in rows]


def count_conversations(db: Database, owner: str) -> int:
    return db.scalar("SELECT count(*) FROM conversations WHERE owner = :o", o=owner) or 0


def load_turns(db: Database, owner: str, conversation_id: str) -> list[dict] | None:
    """A conversation's rows (role, text, answer JSON) in order; None when `owner` has no such
    conversation (none by that id, or another owner's)."""
    if db.one("SELECT conversation_id FROM conversations WHERE conversation_id = :c AND owner = :o",
              c=conversation_id, o=owner) is None:
        return None
    return [dict(r) for r in db.rows("SELECT role, text, answer FROM turns WHERE conversation_id = :c ORDER BY idx",
                                     c=conversation_id)]


def delete_conversation(db: Database, owner: str, conversation_id: str) -> bool:
    """Remove an owner's conversation and its turns; whether there was one."""
    with db.transaction() as c:
        found = c.execute(text("SELECT conversation_id FROM conversations WHERE conversation_id = :c AND owner = :o"),
                          {"c": conversation_id, "o": owner}).first()
        if found is None:
            return False
        c.execute(text("DELETE FROM turns WHERE conversation_id = :c"), {"c": conversation_id})
        c.execute(text("DELETE FROM conversations WHERE conversation_id = :c"), {"c": conversation_id})
    return True


# ---- accounts -----------------------------------------------------------------------------------


def add_account(db: Database, account_id: str, name: str, password_hash: str) -> bool:
    """Create an account; False when the name is taken."""
    with db.transaction() as c:
        taken = c.execute(text("SELECT account_id FROM accounts WHERE name = :n"), {"n": name}).first()
        if taken is not None:
            return False
        c.execute(text("INSERT INTO accounts (account_id, name, password_hash) VALUES (:a, :n, :h)"),
                  {"a": account_id, "n": name, "h": password_hash})
    return True


def account_by_name(db: Database, name: str) -> dict | None:
    """{account_id, name, password_hash} of an account, or None."""
    row = db.one("SELECT account_id, name, password_hash FROM accounts WHERE name = :n", n=name)
    return dict(row) if row else None


def add_session(db: Database, token_hash: str, account_id: str) -> None:
    with db.transaction() as c:
        c.execute(text("INSERT INTO account_sessions (token_hash, account_id) VALUES (:t, :a)"),
                  {"t": token_hash, "a": account_id})


def account_of_session(db: Database, token_hash: str) -> dict | None:
    """{account_id, name} of a signed-in session's token hash, or None."""
    row = db.one("SELECT a.account_id, a.name FROM account_sessions s JOIN accounts a ON a.account_id = s.account_id"
                 " WHERE s.token_hash = :t", t=token_hash)
    return dict(row) if row else None


def end_session(db: Database, token_hash: str) -> None:
    with db.transaction() as c:
        c.execute(text("DELETE FROM account_sessions WHERE token_hash = :t"), {"t": token_hash})
