"""Conversations kept in the store (tables `conversations` and `turns`, migration 4): each question
and its Answer as JSON, so that a reload or another day reopens them.

Functions take a Database from `indexer.store.connect` that can write; a read-only store keeps
conversations in the browser session only (the app says so).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from indexer.store import Database
from retrieval.records import Answer

TITLE_CHARS = 24


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


def _now() -> str:
    # to the microsecond: two turns in one second still order the conversations
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def save_turn(db: Database, conversation_id: str, turn: Turn) -> None:
    """Append a question and its answer to a conversation, creating the conversation if new."""
    with db.transaction() as c:
        c.execute(text("INSERT INTO conversations (conversation_id, title) VALUES (:c, :t)"
                       " ON CONFLICT (conversation_id) DO NOTHING"),
                  {"c": conversation_id, "t": title_of(turn.question)})
        idx = c.execute(text("SELECT coalesce(max(idx) + 1, 0) FROM turns WHERE conversation_id = :c"),
                        {"c": conversation_id}).scalar()
        c.execute(text("INSERT INTO turns (conversation_id, idx, role, text, answer) VALUES (:c, :i, :r, :x, :a)"),
                  [{"c": conversation_id, "i": idx, "r": "user", "x": turn.question, "a": None},
                   {"c": conversation_id, "i": idx + 1, "r": "assistant",
                    "x": turn.answer.answer if turn.answer else (turn.error or ""),
                    "a": turn.answer.model_dump_json() if turn.answer else None}])
        c.execute(text("UPDATE conversations SET updated_at = :now WHERE conversation_id = :c"),
                  {"now": _now(), "c": conversation_id})


def list_conversations(db: Database, limit: int = 30) -> list[Conversation]:
    """The latest conversations first."""
    rows = db.rows(
        "SELECT c.conversation_id, c.title, c.updated_at,"
        " (SELECT count(*) FROM turns t WHERE t.conversation_id = c.conversation_id AND t.role = 'user') AS n"
        " FROM conversations c ORDER BY c.updated_at DESC, c.conversation_id DESC LIMIT :n", n=limit)
    return [Conversation(conversation_id=r["conversation_id"], title=r["title"], updated_at=r["updated_at"],
                         turns=r["n"]) for r in rows]


def load(db: Database, conversation_id: str) -> list[Turn] | None:
    """A conversation's turns in order; None when there is no such conversation."""
    if db.one("SELECT conversation_id FROM conversations WHERE conversation_id = :c", c=conversation_id) is None:
        return None
    rows = db.rows("SELECT role, text, answer FROM turns WHERE conversation_id = :c ORDER BY idx",
                   c=conversation_id)
    turns: list[Turn] = []
    for role, said, answer in ((r["role"], r["text"], r["answer"]) for r in rows):
        if role == "user":
            turns.append(Turn(question=said))
        elif turns:
            last = turns[-1]
            if answer:
                last.answer = Answer.model_validate_json(answer)
            else:
                last.error = said or "无法回答。"
    return turns


def delete(db: Database, conversation_id: str) -> None:
    """Remove a conversation and its turns."""
    with db.transaction() as c:
        c.execute(text("DELETE FROM turns WHERE conversation_id = :c"), {"c": conversation_id})
        c.execute(text("DELETE FROM conversations WHERE conversation_id = :c"), {"c": conversation_id})
