"""Conversations kept in the store (tables `conversations` and `turns`, migration 4): each question
and its Answer as JSON, so that a reload or another day reopens them.

Functions take a connection from `indexer.store.connect` that can write; a read-only store keeps
conversations in the browser session only (the app says so).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid

from pydantic import BaseModel, ConfigDict

from indexer import store
from retrieval.records import Answer

TITLE_CHARS = 24
_lock = threading.Lock()  # one connection is shared by every session of the process


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Turn(Record):
    """One question and what the engine said: its Answer, or why the question was not asked."""

    question: str
    answer: Answer | None = None
    error: str | None = None


class Conversation(Record):
    conversation_id: str
    title: str  # the first question, shortened
    updated_at: str
    turns: int  # questions asked


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def title_of(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def save_turn(conn: sqlite3.Connection, conversation_id: str, turn: Turn) -> None:
    """Append a question and its answer to a conversation, creating the conversation if new."""
    with _lock, store.transaction(conn):
        conn.execute("INSERT OR IGNORE INTO conversations (conversation_id, title) VALUES (?, ?)",
                     (conversation_id, title_of(turn.question)))
        idx = conn.execute("SELECT coalesce(max(idx) + 1, 0) FROM turns WHERE conversation_id = ?",
                           (conversation_id,)).fetchone()[0]
        conn.execute("INSERT INTO turns (conversation_id, idx, role, text, answer) VALUES (?,?,?,?,?)",
                     (conversation_id, idx, "user", turn.question, None))
        conn.execute("INSERT INTO turns (conversation_id, idx, role, text, answer) VALUES (?,?,?,?,?)",
                     (conversation_id, idx + 1, "assistant",
                      turn.answer.answer if turn.answer else (turn.error or ""),
                      turn.answer.model_dump_json() if turn.answer else None))
        conn.execute("UPDATE conversations SET updated_at = datetime('now') WHERE conversation_id = ?",
                     (conversation_id,))


def list_conversations(conn: sqlite3.Connection, limit: int = 30) -> list[Conversation]:
    """The latest conversations first."""
    with _lock:
        rows = conn.execute(
            "SELECT c.conversation_id, c.title, c.updated_at,"
            " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.conversation_id AND t.role = 'user') AS n"
            " FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?", (limit,)).fetchall()
    return [Conversation(conversation_id=r[0], title=r[1], updated_at=r[2], turns=r[3]) for r in rows]


def load(conn: sqlite3.Connection, conversation_id: str) -> list[Turn] | None:
    """A conversation's turns in order; None when there is no such conversation."""
    with _lock:
        if conn.execute("SELECT 1 FROM conversations WHERE conversation_id = ?", (conversation_id,)).fetchone() is None:
            return None
        rows = conn.execute("SELECT role, text, answer FROM turns WHERE conversation_id = ? ORDER BY idx",
                            (conversation_id,)).fetchall()
    turns: list[Turn] = []
    for role, text, answer in rows:
        if role == "user":
            turns.append(Turn(question=text))
        elif turns:
            last = turns[-1]
            if answer:
                last.answer = Answer.model_validate_json(answer)
            else:
                last.error = text or "无法回答。"
    return turns


def delete(conn: sqlite3.Connection, conversation_id: str) -> None:
    """Remove a conversation and its turns."""
    with _lock, store.transaction(conn):
        conn.execute("DELETE FROM turns WHERE conversation_id = ?", (conversation_id,))
        conn.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,))
