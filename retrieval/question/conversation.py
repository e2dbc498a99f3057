"""Follow-ups offline: a question that leaves out its department, year or item takes them from the
conversation so far ("那去年呢？", "和西工街道比呢？", "人员经费呢？")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from retrieval.followup import complete_followup

# earlier turns: the questions asked (with their answers, which are not needed here)
History = Sequence[tuple[str, str]] | Sequence[str]


def earlier_questions(history: History) -> list[str]:
    return [turn if isinstance(turn, str) else turn[0] for turn in history]


def standalone(question: str, history: History, catalog: Any) -> str | None:
    """The question with what it leaves out filled in from the history; None when it cannot be."""
    context: str | None = None
    for earlier in earlier_questions(history):
        context = complete_followup(earlier, context, catalog) or earlier
    return complete_followup(question.strip(), context, catalog)
