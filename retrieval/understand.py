"""Understanding a question: its intent and the budget items it names, in the store's own words.

Items are found by matching the document's vocabulary (row labels, project names, indicator
names, the text's figure subjects) against the question, plus a lexicon that maps citizens'
words to budget terms (公车 → 公务用车购置及运行费).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.text import normalise, squeeze
from retrieval.caches import VOCABULARIES
from retrieval.facts import DocFacts, plain_label

LEXICON_FILE = Path(__file__).with_name("lexicon.json")

# intent cues, checked in this order; each a regular expression over the squeezed question
INTENTS: list[tuple[str, str]] = [
    ("consistency", r"一致吗|一致不|是否一致|对得上|对不上|有没有问题|有无问题|算得通|说得通|矛盾|不合理|加起来等于|相符吗|吻合"),
    ("claim", r"判断|对吗|对不对|是否正确|是否属实|有人说|这说明|是真的吗|对不$|说法.*吗"),
    ("previous_year", r"上年|去年|上一年|倒推|推算|按.*(增加额|减少额|增长额|减少|增长)"),
    ("structure", r"花在哪|花到哪|用在哪|结构|构成|组成部分|都花|分布"),
    ("average", r"人均|每人|平均每|平均.{0,6}(钱|费用|金额|万元|元)"),
    ("rank", r"最大|最多|最高|最小|最少|最低|排名第|前三|哪个项目.*(钱|金额)"),
    ("count", r"(几个|多少个|几项|多少项)[^,，。?？]{0,8}项目|项目.{0,8}(几个|多少个|几项|多少项)|几辆|多少辆|有几辆|有.{0,4}车吗|有没有.{0,4}车"),
    ("share", r"占.*(比例|比重|多少|百分之|几成)|比例|比重|占比|占多少"),
    ("difference", r"多多少|少多少|差多少|高多少|低多少|相差|差额|多出"),
    ("narrative", r"为什么|原因|干什么|做什么|用途|用于|哪些单位|由哪些|组成|职责|是什么意思|含义|定义|怎么|哪个项目|什么项目|选了|选定"),
    ("indicator", r"指标|绩效目标|目标值|目标是|目标为|比例目标|满意度|要求|计划|覆盖|多久|时限|响应时间|修复"),
]
_QUOTED = re.compile(r"[“\"《「『]([^”\"》」』]{2,40})[”\"》」』]")
_YEAR = re.compile(r"(20\d\d)\s*年")


@dataclass
class Question:
    text: str
    squeezed: str
    intents: list[str]
    years: list[int]
    quoted: list[str]
    plain_terms: list[str] = field(default_factory=list)  # budget terms from the lexicon
    focus: str = ""  # the question without the words that named the department

    def without(self, *names: str) -> str:
        """The focus with these names removed (a project's name when scoring its indicators)."""
        text = self.focus or self.squeezed
        for name in sorted((n for n in names if n), key=len, reverse=True):
            text = text.replace(name, "")
        return text

    def has(self, intent: str) -> bool:
        return intent in self.intents


@lru_cache(maxsize=1)
def lexicon() -> dict[str, list[str]]:
    data = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    return data["terms"]


def understand(text: str) -> Question:
    s = squeeze(normalise(text))
    intents = [name for name, pattern in INTENTS if re.search(pattern, s)]
    years = [int(y) for y in _YEAR.findall(s)]
    quoted = [squeeze(normalise(q)) for q in _QUOTED.findall(text)]
    return Question(text, s, intents, years, quoted, lexicon_terms(s), focus=s)


def lexicon_terms(text: str) -> list[str]:
    """Budget terms for the plain words in the text, longest words first, no overlaps."""
    terms: list[str] = []
    used: list[str] = []
    for word in sorted(lexicon(), key=len, reverse=True):
        if word in text and not any(word in longer for longer in used):
            used.append(word)
            terms.extend(t for t in lexicon()[word] if t not in terms)
    return terms


def vocabulary(df: DocFacts) -> dict[str, str]:
    """Every name the document uses for an item, loosely written → as the document writes it
    (built once per document content and kept: `retrieval.caches`; do not change it)."""
    return VOCABULARIES.get(df.document, lambda: _vocabulary(df))


def _vocabulary(df: DocFacts) -> dict[str, str]:
    names: dict[str, str] = {}
    for ref in df.rows:
        # unit rows carry the department's own name: a name is not an item
        if ref.label and not ref.row.is_total and ref.row.code_kind != "单位":
            names.setdefault(loose(ref.label), ref.label)
    for project in df.projects:
        names.setdefault(loose(project.name), project.name)
    for indicator in df.indicators:
        names.setdefault(loose(indicator.level3), indicator.level3)
        if indicator.project:
            names.setdefault(loose(indicator.project), indicator.project)
    for fact in df.facts:
        if fact.kind in ("amount", "share", "change_amount", "change_percent"):
            names.setdefault(loose(fact.subject), fact.subject)
    for table in df.tables:
        for column in table.columns:
            for part in column.split("/"):
                if part not in ("小计", "合计", "总计", "金额") and not part.startswith("其中"):
                    names.setdefault(loose(part), part)
    department = loose(df.document.department)
    return {k: v for k, v in names.items()
            if len(k) >= 2 and k not in GENERIC and k not in department}


# words that name no particular item
GENERIC = {"项目", "合计", "小计", "总计", "金额", "单位", "部门", "预算", "支出", "收入", "资金"}


def loose(text: str) -> str:
    """A name for matching: no numbering, spaces, brackets or quotes; lower case."""
    t = plain_label(text)
    return re.sub(r"[()（）“”\"《》「」、]", "", t).lower()


def items_in(question: Question, df: DocFacts) -> list[str]:
    """The document's items the question names, longest first, without overlaps."""
    q = loose(question.squeezed)
    vocab = vocabulary(df)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for key in sorted(vocab, key=len, reverse=True):
        start = q.find(key)
        while start >= 0:
            end = start + len(key)
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                found.append((start, vocab[key]))
                break
            start = q.find(key, start + 1)
    for quoted in question.quoted:
        key = loose(quoted)
        if key in vocab and vocab[key] not in [v for _, v in found]:
            found.append((q.find(key), vocab[key]))
    return [name for _, name in sorted(found)]
