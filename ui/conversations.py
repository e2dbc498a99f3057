"""Conversations kept in the store (indexer.store.conversations): each question and its Answer,
so that a reload or another day reopens them — for their owner only (a browser's random id or
an account, ui.identity). Titles carry their date, so that two alike stay apart.

Functions take a Database from `indexer.store.connect` that can write; a read-only store keeps
conversations in the browser session only (the app says so).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from indexer.store import Database
from indexer.store import conversations as stored
from indexer.store.conversations import NotTheOwner
from retrieval.records import Answer

TITLE_CHARS = 24
PAGE = 12  # conversations listed at first; "更多" lists as many again
CHINA = timezone(timedelta(hours=8), "北京时间")  # the readers' clock

__all__ = ["NotTheOwner", "Turn", "Conversation", "new_id", "title_of", "save_turn", "list_conversations",
           "count", "load", "delete", "label"]


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
    created_at: str
    updated_at: str  # UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"
    turns: int  # questions asked


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def title_of(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def save_turn(db: Database, owner: str, conversation_id: str, turn: Turn) -> None:
    """Append a question and its answer to an owner's conversation, creating it if new.

    Raises:
        NotTheOwner: the id is another owner's conversation.
    """
    stored.save_turn(db, owner, conversation_id, title_of(turn.question), turn.question,
                     turn.answer.answer if turn.answer else (turn.error or ""),
                     turn.answer.model_dump_json() if turn.answer else None)


def list_conversations(db: Database, owner: str, limit: int = PAGE) -> list[Conversation]:
    """An owner's latest conversations first."""
    return [Conversation(**r) for r in stored.list_conversations(db, owner, limit=limit)]


def count(db: Database, owner: str) -> int:
    return stored.count_conversations(db, owner)


def load(db: Database, owner: str, conversation_id: str) -> list[Turn] | None:
    """A conversation's turns in order; None when the owner has no such conversation."""
    rows = stored.load_turns(db, owner, conversation_id)
    if rows is None:
        return None
    turns: list[Turn] = []
    for r in rows:
        if r["role"] == "user":
            turns.append(Turn(question=r["text"]))
        elif turns:
            if r["answer"]:
                turns[-1].answer = Answer.model_validate_json(r["answer"])
            else:
                turns[-1].error = r["text"] or "无法回答。"
    return turns


def delete(db: Database, owner: str, conversation_id: str) -> bool:
    """Remove an owner's conversation and its turns; whether there was one."""
    return stored.delete_conversation(db, owner, conversation_id)


def when(stamp: str, now: datetime | None = None) -> str:
    """A stored UTC time as a reader says it: 今天 14:05, 昨天 09:30, 5月3日, 2024年5月3日."""
    moment = datetime.fromisoformat(stamp[:19]).replace(tzinfo=timezone.utc).astimezone(CHINA)
    today = (now or datetime.now(timezone.utc)).astimezone(CHINA).date()
    if moment.date() == today:
        return f"今天 {moment:%H:%M}"
    if moment.date() == today - timedelta(days=1):
        return f"昨天 {moment:%H:%M}"
    if moment.year == today.year:
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.year}年{moment.month}月{moment.day}日"


def label(c: Conversation, now: datetime | None = None) -> str:
    """The line a conversation is listed under: its title, date and number of questions."""
    return f"{c.title} · {when(c.updated_at, now)} · {c.turns}问"
