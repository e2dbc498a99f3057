"""Check a model's reply against the engine's answer it rewords: its numbers (verify_numbers),
its verdict (verdicts), and whether it is an answer at all. Used whole (`ReplyCheck.problem`) and
sentence by sentence while a reply streams (`SentenceGate`).

A number only the question states is no fact ("X是9999万元吗？" must not let the model write
"预算是9999万元"). Where the engine judged the claim, its number may be restated: anywhere when
the claim is right, and only in a clause that denies it ("不是9999万元") when it is wrong.
"""

from __future__ import annotations

import re

from retrieval.records import Answer
from retrieval.llm.verdicts import contradiction, denies, opposed, states
from retrieval.llm.numbers import Number, allowed_numbers, among, numbers_in, strip_instructions

SENTENCE_ENDS = "。！？；\n"
_CLAUSE = re.compile(r"(?<=[，,。；;！!？?\n])")


class ReplyCheck:
    """What a reply to one engine answer may say.

    Args:
        answer: the engine's answer (its text, figures, formula and quotes are the facts).
        claims: the texts the engine's verdict was about (the question, its standalone form).
    """

    def __init__(self, answer: Answer, *claims: str) -> None:
        self.answer = answer
        self.facts = allowed_numbers(answer.model_copy(update={"answer": ""}))
        self.said = numbers_in(strip_instructions(answer.answer))
        self.claimed = [n for c in claims for n in numbers_in(c)] if answer.verdict is not None else []

    def numbers(self, text: str) -> list[str]:
        """The numbers of `text` that state no fact of the answer, as written."""
        bad = []
        for clause in _CLAUSE.split(text or ""):
            for n in numbers_in(clause):
                if self._stated(n, clause):
                    continue
                bad.append(n.text)
        return bad

    def _stated(self, n: Number, clause: str) -> bool:
        if among(n, self.facts):
            return True
        if among(n, self.claimed):  # the claim's figure, also where the engine's text repeats it
            return bool(self.answer.verdict) or denies(clause)
        return among(n, self.said)

    def verdict(self, text: str) -> str | None:
        """Why `text` does not keep the engine's verdict, or None."""
        return contradiction(self.answer.verdict, self.answer.answer, text)

    def problem(self, text: str) -> tuple[str, list[str]] | None:
        """Why a whole reply cannot be shown (a note for the user, the numbers rejected), or None."""
        if why := garbage(text):
            return why, []
        if why := self.verdict(text):  # told first: a turned verdict is the worse fault
            return f"模型回答改变了结论（{why}），已改用离线答案。", []
        if bad := self.numbers(text):
            return f"模型回答中的数字{'、'.join(bad)}与引用的数据不符，已改用离线答案。", bad
        return None


def garbage(text: str) -> str | None:
    """Why a reply is no answer (empty, JSON or markup, no Chinese), or None."""
    if not text:
        return "模型没有给出回答，已改用离线答案。"
    if text[0] in "{[<" or not re.search(r"[\u4e00-\u9fff]", text):
        return "模型的回答格式不对，已改用离线答案。"
    if len(text) > 4000:
        return "模型的回答过长，已改用离线答案。"
    return None


class SentenceGate:
    """Hold streamed text back to the end of its sentence, and release it only when every
    number in it passes and it turns no verdict: text on screen cannot be taken back, and a
    figure may arrive split over tokens ("99" + "99万元"), so nothing unchecked is ever shown.
    Where the engine reached a verdict, nothing is shown before a sentence states it.

    Args:
        check: the ReplyCheck of the answer being reworded (None: let everything through).
    """

    def __init__(self, check: ReplyCheck | None) -> None:
        self.check = check
        self.rejected: str | None = None  # why the first failing sentence failed
        self._pending = ""
        self._held = ""  # checked sentences waiting for the verdict to be stated
        self._verdict_told = check is None or check.answer.verdict is None

    def feed(self, token: str) -> str:
        """Take a token; return the text now safe to show (whole checked sentences, or "")."""
        if self.rejected:
            return ""
        self._pending += token
        end = max(self._pending.rfind(c) for c in SENTENCE_ENDS) + 1
        if end == 0:
            return ""
        ready, self._pending = self._pending[:end], self._pending[end:]
        return self._release(ready)

    def close(self) -> str:
        """The stream ended: check and return what is left after the last sentence end."""
        ready, self._pending = self._pending, ""
        shown = self._release(ready) if ready and not self.rejected else ""
        if not self.rejected and not self._verdict_told:
            self.rejected = "没有说明结论"
        return shown

    def _release(self, text: str) -> str:
        if self.check is None:
            return text
        if bad := self.check.numbers(text):
            self.rejected = "、".join(bad)
            return ""
        verdict = self.check.answer.verdict
        if verdict is None:
            return text
        if phrase := opposed(verdict, self.check.answer.answer, text):
            self.rejected = phrase
            return ""
        if self._verdict_told:
            return text
        held = self._held + text
        if not states(verdict, held):
            self._held = held  # not yet stated: wait for the sentence that states it
            return ""
        self._held, self._verdict_told = "", True
        return held
