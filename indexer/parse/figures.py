"""Find the figures of a sentence: amounts (元/千元/万元/亿元, "38万"), shares (占 …%), changes
(增加/减少 … 万元, 增长/下降 …%, 持平), counts (7个, 1辆, Chinese numerals), each with the words
before it (its head, where its subject is named) and, for a count, the words after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from indexer.text import squeeze, to_wan

WORDS = {k: v for k, v in json.loads(Path(__file__).with_name("narrative_words.json").read_text(
    encoding="utf-8")).items() if not k.startswith("_")}
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
CN_NUM = "一二三四五六七八九十两"
# one regex for every figure shape; alternatives are tried left to right at each position
_FIGURE = re.compile(
    # "38万" without 元 is money too, unless a noun follows (3万人次)
    rf"(?<![\d.第])(?P<num>{_NUM})\s*(?:(?P<money>亿元|万元|千元|元|万(?![\u4e00-\u9fff\d]))(?P<threshold>以上|以下|以内)?"
    rf"|(?P<pct>%)"
    rf"|(?P<measure>{'|'.join(WORDS['measures'])}))"
    # Chinese numerals before a measure word ("两辆", "共七个项目", "十二名"), never an ordinal
    # (第一个), a set phrase (一个一个, 一人一档) or a numeral run of a year (二〇二四)
    rf"|(?<![第\d{CN_NUM}〇零百千万])(?P<cn>[{CN_NUM}零百千]+)(?P<cn_measure>{'|'.join(WORDS['cn_measures'])})"
    rf"(?![{CN_NUM}〇零百千])"
)
_STEADY = re.compile(r"保持一致|保持不变|持平")
# clause boundaries: the subject of a figure never reaches back over these
BOUNDARY = re.compile(r"[,，:：、;；。]")
COMPARISON = re.compile(r"(?:与|比|较|同比).*$")
_UP = tuple(WORDS["up"])
_CHANGE = re.compile("|".join(WORDS["up"] + WORDS["down"]))


Kind = Literal["amount", "share", "change_amount", "change_percent", "count"]
Direction = Literal["增加", "减少", "持平"]


@dataclass
class Figure:
    """One number found in a sentence, before it becomes a fact."""

    kind: Kind
    value: float
    unit: str
    text: str
    start: int  # offset in the sentence
    head: str  # words just before the figure (or its change verb)
    tail: str = ""  # words after a count's measure word ("项目作为部门重点绩效目标项目")
    direction: Direction | None = None
    base: str = ""  # what a share is of ("占基本支出预算 81.45%")
    spelled: bool = False  # a count in Chinese numerals: named by its own noun or not at all


def figures(sentence: str) -> list[Figure]:
    """Find the figures of one sentence, in order, with the words before each."""
    out: list[Figure] = []
    head_from = 0  # a figure's head never reaches back over the previous figure
    for m in _FIGURE.finditer(sentence):
        if m.group("threshold"):
            continue  # "50 万元以上" qualifies the noun that follows: part of its subject
        head_start = max(head_from, last_boundary(sentence, m.start()))
        head = sentence[head_start : m.start()]
        head_from = m.end()
        text = m.group().strip()
        if m.group("cn"):
            value = chinese_number(m.group("cn"))
            if value is not None:
                out.append(Figure("count", value, m.group("cn_measure"), text, m.start(), head,
                                  tail(sentence, m.end()), spelled=True))
            continue
        value = float(m.group("num").replace(",", ""))
        verb = _last_change_verb(head)
        if m.group("money"):
            money = m.group("money")
            amount = round(to_wan(value, "万元" if money == "万" else money), 6)
            if verb:
                out.append(Figure("change_amount", amount, "万元", text, m.start(),
                                   head[: verb.start()], direction=_direction(verb.group())))
            else:
                out.append(Figure("amount", amount, "万元", text, m.start(), head))
        elif m.group("pct"):
            if verb:
                out.append(Figure("change_percent", value, "%", text, m.start(),
                                   head[: verb.start()], direction=_direction(verb.group())))
            elif "占" in head:
                # "X 占 Y 的 Z%": X the item (else the amount just stated), Y the base
                item, _, base = head.rpartition("占")
                out.append(Figure("share", value, "%", text, m.start(), item, base=base))
            elif re.search(r"完成(?:了)?(?:全年|年初|调整后)?预算的?$", squeeze(head)):
                # "完成年初预算的104.3%": the share of the plan that was spent
                out.append(Figure("share", value, "%", text, m.start(), head))
            # a bare percentage (neither 占 nor a change) has no meaning we can name
        else:
            out.append(Figure("count", value, m.group("measure"), text, m.start(), head,
                               tail(sentence, m.end())))
    for m in _STEADY.finditer(sentence):
        # "与 2024 年支出预算保持一致": an unchanged figure is a change of 0
        head = sentence[last_boundary(sentence, m.start()) : m.start()]
        out.append(Figure("change_amount", 0.0, "万元", m.group(), m.start(),
                           COMPARISON.sub("", head), direction="持平"))
    return sorted(out, key=lambda f: f.start)


def last_boundary(sentence: str, end: int) -> int:
    """Offset just after the last clause boundary before `end`."""
    found = [b.end() for b in BOUNDARY.finditer(sentence, 0, end)]
    return found[-1] if found else 0


def _last_change_verb(head: str) -> re.Match[str] | None:
    """The change verb closest before a figure ("收支总计各减少"), if any."""
    found = list(_CHANGE.finditer(head))
    return found[-1] if found else None


def _direction(verb: str) -> Direction:
    return "增加" if verb in _UP else "减少"


def chinese_number(text: str) -> float | None:
    """Value of a Chinese numeral ("两" → 2, "十二" → 12, "一百零五" → 105); None if it is none."""
    import cn2an  # loaded only where a Chinese numeral is counted

    try:
        return float(cn2an.cn2an(text.replace("两", "二"), "strict"))
    except ValueError:
        return None


def tail(sentence: str, end: int) -> str:
    """Words after a measure word up to the clause end: the counted noun ("项目")."""
    stop = BOUNDARY.search(sentence, end)
    return sentence[end : stop.start() if stop else len(sentence)]
