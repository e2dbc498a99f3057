"""Answers joined: close readings that are parts of one answer (the claims of one question, the
quoted sentences), and the answers of a several-part question put together."""

from __future__ import annotations

import re

from retrieval.answer import gates
from retrieval.question.records import Reading
from retrieval.records import Answer


_ERROR = re.compile(r"算错|错了|有误|出错|搞错|矛盾|不一致|对不上|不符")
_VERDICT_CUE = re.compile(r"对吗|对不对|对么|是否正确|正确吗|是真的吗|真的吗|属实|是这样吗|对吧|是吧|没错吧|判断")


def claims_an_error(reading: Reading) -> bool:
    """The question is a claim that the document is wrong, asked to be judged."""
    return bool(_ERROR.search(reading.text) and _VERDICT_CUE.search(reading.text))


def joined(reading: Reading, close: list[gates.Checked]) -> tuple[gates.Checked | None, list[gates.Checked]]:
    """Close readings that are parts of one answer, not rivals: the claims of a question stating
    several figures (all must hold), or sentences that each quote the document."""
    if all(c.interp.plan.op == "verify" for c in close) and any(m.name == "cue" for m in reading.of("claim")):
        stated = {c.interp.plan.stated for c in close}
        if len(stated) == len(close):  # one reading per figure the claim states
            false = [c for c in close if c.result.verdict is False]
            ordered = sorted(close, key=lambda c: min(a for a, _ in c.interp.covered) if c.interp.covered else 0)
            return (false[0] if false else ordered[-1]), []
    if all(c.interp.plan.op == "quote" for c in close):
        return close[0], []
    return None, close


MORE_QUOTES = 2  # sentences quoted beside the best: a question in words is often answered by a few
QUOTE_BAND = 0.12  # … each read nearly as well as the best


def quoted(best: gates.Checked, passed: list[gates.Checked]) -> gates.Checked:
    """A quoted sentence with the next ones that read the question nearly as well (a list's items,
    a reason given in two places); each keeps its own citation."""
    if best.interp.plan.op != "quote":
        return best
    texts, cites = list(best.result.texts), list(best.result.citations)
    for c in sorted(passed, key=lambda c: -c.interp.score):
        if len(texts) > MORE_QUOTES:
            break
        if c is best or c.interp.plan.op != "quote" or best.interp.score - c.interp.score > QUOTE_BAND:
            continue
        text = c.result.texts[0]
        if any(text in t or t in text for t in texts):
            continue
        texts.append(text)
        cites += [x for x in c.result.citations if x not in cites]
    if len(texts) == 1:
        return best
    return gates.Checked(best.interp, best.result.model_copy(update={"texts": texts, "citations": cites}),
                         best.reasons, best.unread)


def combined(text: str, parts: list[tuple[str, Answer]]) -> Answer:
    """A several-part question: each part's answer in turn. The first figure of a part asking a
    quantity leads (a part asking 哪个 / 对吗 leads with its verdict only); when a part asking a
    quantity has no figure, no figure leads: the one stated may not be the one asked for."""
    answers = [a for _, a in parts]
    # a part not answered (refused, held back, several readings) leaves the rest unsure of what the
    # question meant: no figure leads then (the one stated may not be the one asked for)
    # (a part asking in words — 来自哪类资金 — that is not answered leaves a figure fully read standing)
    missing = any(a.value is None and a.verdict is None and _asks_quantity(r) for r, a in parts)
    lead = next((a for r, a in parts if a.value is not None and _asks_quantity(r)),
                next((a for a in answers if a.value is not None), answers[0]))
    verdict = next((a.verdict for a in answers if a.verdict is not None), None)
    cites = []
    for a in answers:
        cites += [c for c in a.citations if c not in cites]
    body = "".join(a.answer if a.answer.endswith(("。", "）", ")")) else a.answer + "。" for a in answers)
    value, unit = (None, None) if missing else (lead.value, lead.unit)
    if missing:
        verdict = None
    confidence = min((a.confidence for a in answers if a.confidence is not None), default=None)
    return lead.model_copy(update={
        "confidence": None if confidence is None else round(confidence * gates.PARTS_FACTOR, 3),
        "question": text, "answer": body, "citations": cites, "verdict": verdict, "value": value, "unit": unit,
        "computation": lead.computation if value is not None else None,
        "answerable": any(a.answerable for a in answers),
        "figures": [f for a in answers for f in a.figures],
        "interpretation": "；".join(a.interpretation or "" for a in answers if a.interpretation),
        "alternatives": [x for a in answers for x in a.alternatives]})


def _asks_quantity(piece: str) -> bool:
    """The part, as written, asks for a number in so many words (多少, 几, 百分之几 …), not 哪个."""
    return bool(re.search(r"多少|几(?!项目)|百分之|占比|比例|几成|倍|多长|多久|幅度", piece)) and not re.search(
        r"哪(?:个|些|几|一)", piece)
