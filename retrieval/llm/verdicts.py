"""Read the verdict a reply states (是的 / 没错 / 说法不对 / 不一致 …, in any position) and check it
against the engine's: a model may reword a verdict, never turn it.

The words are data (`verdict_words.json`). A phrase is found anywhere in the text, longest first
at each position, so 不正确 is never read as 正确 nor 没错 as 错; phrases that only ask (是否一致)
say nothing. A reply keeps the engine's verdict when it states that verdict at least once and no
phrase of the other side — unless the engine's own text uses that phrase too (错误。两张表……一致。).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORDS = Path(__file__).with_name("verdict_words.json")
POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"
_PUNCTUATION = "，。！？；：,.!?;:\n、 "


@dataclass(frozen=True)
class Phrase:
    """A verdict phrase as found: its text, side and position."""

    text: str
    side: str
    start: int


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[re.Pattern, dict[str, str]]:
    words = _words()
    side = {w: POSITIVE for w in words[POSITIVE]} | {w: NEGATIVE for w in words[NEGATIVE]}
    side |= {w: NEUTRAL for w in words[NEUTRAL]}
    longest_first = sorted(side, key=len, reverse=True)
    # a single character (对, 错) is a verdict only standing alone: "对，" but not 对比, 针对, 错位
    stops = re.escape(_PUNCTUATION)
    alone = [rf"(?:^|(?<=[{stops}])){re.escape(c)}(?=[{stops}]|$)" for c in words["alone"]]
    side |= words["alone"]
    pattern = re.compile("|".join([*(re.escape(p) for p in longest_first), *alone]))
    return pattern, side


def phrases(text: str) -> list[Phrase]:
    """Every verdict phrase of a text, in order (neutral ones left out)."""
    pattern, side = _vocabulary()
    found = [Phrase(m.group(0), side[m.group(0)], m.start()) for m in pattern.finditer(text or "")]
    return [p for p in found if p.side != NEUTRAL]


def stated(text: str) -> bool | None:
    """The verdict a text states: True, False, or None when it states none or both."""
    sides = {p.side for p in phrases(text)}
    if sides == {POSITIVE}:
        return True
    if sides == {NEGATIVE}:
        return False
    return None


def opposed(verdict: bool, engine_text: str, text: str) -> str | None:
    """The first phrase of `text` stating the opposite of `verdict` that the engine's own text
    does not use, or None."""
    theirs = NEGATIVE if verdict else POSITIVE
    allowed = {p.text for p in phrases(engine_text) if p.side == theirs}
    return next((p.text for p in phrases(text) if p.side == theirs and p.text not in allowed), None)


def states(verdict: bool, text: str) -> bool:
    """Whether `text` states `verdict` at least once."""
    mine = POSITIVE if verdict else NEGATIVE
    return any(p.side == mine for p in phrases(text))


def contradiction(verdict: bool | None, engine_text: str, text: str) -> str | None:
    """Why `text` does not keep the engine's verdict, in Chinese; None when it keeps it.

    Args:
        verdict: the engine's verdict (None: no verdict to keep, nothing is checked).
        engine_text: the engine's own answer text (its phrases of either side are allowed).
        text: the reply to check.

    Returns:
        The first phrase that states the opposite, or that the verdict is not stated.
    """
    if verdict is None:
        return None
    if (phrase := opposed(verdict, engine_text, text)) is not None:
        return f"“{phrase}”与程序的结论（{wording(verdict)}）相反"
    if not states(verdict, text):
        return f"没有说明结论（{wording(verdict)}）"
    return None


def wording(verdict: bool) -> str:
    return "说法正确" if verdict else "说法不对"


def denies(clause: str) -> bool:
    """Whether a clause denies something (不是9999万元, 并非, 没有超过, 相差较大): the only place a
    claim's figure may stand when the engine found the claim wrong."""
    words = _words()
    return any(p.side == NEGATIVE for p in phrases(clause)) or any(w in clause for w in words["denial"])


@lru_cache(maxsize=1)
def _words() -> dict:
    return json.loads(WORDS.read_text(encoding="utf-8"))
