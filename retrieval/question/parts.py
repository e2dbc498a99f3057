"""A question of several parts ("一共多少？比去年少了多少？", "X多少，其中Y多少") split into parts
each read on its own, with the department and year of the whole, and the item of the part
before when a part only refines it (其中…, 占…, 分别…)."""

from __future__ import annotations

import re
from typing import Any

from retrieval.question.records import Reading
from retrieval.question.reading import compared_against, residue

# a part ends at ？ ； ! or at a comma before a new asking word ("…多少钱，占多少")
_SPLIT = re.compile(r"(?<=[？?；;!！])|(?<=。)(?=[^。]{0,20}(?:多少|几|哪|是否|对吗|吗[？?]?$))|"
                    r"[，,](?=[^，,？?]{0,10}(?:多少|几|哪|占|是否|对吗|吗[？?]?$))")
# a part that only refines the one before: it needs that part's item
_REFINES = re.compile(r"^(?:其中|占|分别|各|那|这|它|具体|实际|合计|一共|共|比|为什么|原因|主要|平均|每)")


def split_parts(text: str, reading: Reading, catalog: Any) -> list[tuple[str, str]]:
    """The parts of the question: (the part as a standalone question, the part as written);
    [(text, text)] when it has one part."""
    from retrieval.question.reading import read

    pieces = [p for p in _SPLIT.split(text) if p and p.strip(" ，,？?；;")]
    # a piece that asks nothing ("政府办三公经费里，", a background sentence) belongs to the next
    merged: list[str] = []
    for piece in pieces:
        if merged and not _asks(read(merged[-1], catalog)):
            merged[-1] += piece
        else:
            merged.append(piece)
    pieces = merged
    if len(pieces) < 2:
        return [(text, text)]
    claim = any(m.kind == "claim" and m.name == "cue" for m in reading.mentions)
    first = read(pieces[0], catalog)
    names = list(dict.fromkeys(m.text for m in first.mentions if m.kind in ("department", "unit")))
    named = "和".join(names)
    # one department: its year carries over; several: each keeps its own document
    years = "".join(m.text for m in first.of("year")) if len(names) <= 1 else ""
    out = [(pieces[0], pieces[0])]
    prev = pieces[0]
    for piece in pieces[1:]:
        p = read(piece, catalog)
        if claim and not p.of("asked") and p.of("claim"):
            out[-1] = (out[-1][0] + piece, out[-1][1] + piece)  # "…，对吗？": the claim's own question word
            continue
        own = [m for m in p.mentions if m.kind in ("department", "unit")]
        prefix = "" if own else named + ("" if p.of("year") else years)
        # "相差多少万元？": an operator alone names no item; the part asks it of the one before
        operators = [(m.start, m.end) for m in p.of("operator")]
        if _REFINES.match(p.text) or not residue(p, operators) and not own:
            prefix += _rest(read(prev, catalog))
        standalone = prefix + piece
        out.append((standalone, piece))
        prev = standalone
    return out


def _asks(reading: Reading) -> bool:
    """The piece asks something of its own (a question word, a question mark), not a topic
    ("瀍河审批局一年的钱，", "政府办三公经费里，") that the next piece asks about."""
    return bool(re.search(r"[？?]|吗|呢|多少|几|哪|是否|什么|怎么|为什么|为啥|对不对|是不是|判断", reading.text))


def _rest(reading: Reading) -> str:
    """The part's item words: the question less its departments, years, asking words and the
    rest after its last item ("上年结转结余一共多少" → "上年结转结余")."""
    drop = [(m.start, m.end) for m in reading.mentions
            if m.kind in ("department", "unit", "claim")
            or m.kind in ("year", "relative_year") and not compared_against(reading, m)  # 比去年 stays
            or m.kind == "asked" and not re.search(r"钱|费用|经费|金额", m.text)  # "买电脑的钱" is the topic
            or m.kind == "constant" and m.unit in ("万元", "%", "倍")]
    kept = "".join(ch for i, ch in enumerate(reading.text) if not any(a <= i < b for a, b in drop))
    return re.sub(r"[？?，,。；;!！]", "", kept)
