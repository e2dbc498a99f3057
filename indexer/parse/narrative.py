"""Pull the figures stated in the narrative sections into NarrativeFact records.

The 情况说明 states its key figures in a handful of sentence shapes: "<subject> 289.81 万元",
"占 75.61%", "<subject>增加 155.64 万元, 增长 16.94%", "与 2024 年支出预算保持一致",
"共 7 个项目", "共有车辆 1 辆". Each figure's subject is read from the words just before it
(department name, year and filler words removed); a figure with no subject of its own ("占 75.61%",
"增长 16.94%") takes the subject of the figure it follows.
"""

from __future__ import annotations

import re

from indexer.parse.figures import figures
from indexer.parse.sections import clean_line, line_of
from indexer.parse.subjects import clean, heading_subject, subject as name_of
from indexer.records import NarrativeFact, Section
from indexer.text import squeeze, stable_id

_SENTENCE = re.compile(r"[^。;；!！?？\n]+[。;；!！?？]?")
_ORG = re.compile(
    r"([^\s,，:：;；。、()（）\d]{3,40}?(?:局|办公室|办事处|委员会|中心|政府|院|所))\s*\d{4}\s*年"
)
# "其中档案数字化专项中人员经费 19816.81 元，项目支出 0 元": figures after a scope naming one
# fund, project or unit are details of it, not the document's headline 人员经费 / 项目支出
_SCOPE = re.compile(r"(?:其中)?[：:]?(?P<scope>[^\s,，:：;；。、\d]{2,24}?(?:专项资金|专项|资金|项目|中心|站|所|队))"
                    r"(?:中|里|内|当中)(?=[,，]?[\u4e00-\u9fff])")
# a figure of the plan (年初预算为…) or of its completion (完成年初预算的…%)
_FAMILY_HEAD = re.compile(r"(?:完成(?:了)?)?(?P<f>(?:年初|全年|调整后?)?预算)(?:数)?(?:的|为|是)?$")


def extract_facts(doc_id: str, lines: list[str], sections: list[Section]) -> list[NarrativeFact]:
    """Extract the figures stated in the narrative text.

    Args:
        doc_id: id of the document the lines come from.
        lines: the document's lines (1-based numbering in the records).
        sections: the sections from `parse_sections(doc_id, lines)`.

    Returns:
        One NarrativeFact per figure (amount, share, change, count), in document order,
        each with its sentence as quote and the line where that sentence begins.
    """
    orgs = _organisation_names(sections)
    facts: dict[str, NarrativeFact] = {}
    for section in sections:
        last_amount = ""  # "与 2024 年保持一致" after a full stop still refers to it
        last_change = ""
        headline = ""  # the amount a sentence broke down ("X 56.8 万元，其中：…")
        closed = True
        # "二、公务接待费 / 2019年预算安排12万元": a sentence naming nothing speaks of its heading
        heading = heading_subject(section.heading, orgs)
        for start, sentence in _sentences(section.text):
            quote = sentence.strip()
            line = _line_of(lines, section, start, quote)
            last_any = ""
            # an excerpt that opens mid-sentence ("19816.81 元，项目支出 0 元。"): what these
            # figures belong to was cut off with the page before, so none is a headline
            cut = section is sections[0] and start == 0 and bool(re.match(r"\s*\d", quote))
            scope = _SCOPE.search(sentence)
            if headline and closed:
                # a sentence after a breakdown ("…，其中：A；B。与上年相比减少 4.2 万元") speaks of
                # the whole broken down, not of its last part
                last_amount, headline = headline, ""
            closed = not quote.endswith(("；", ";"))  # a breakdown goes on over its ；
            breakdown = sentence.find("其中")
            for fig in figures(sentence):
                subject = name_of(fig, sentence, orgs)
                family = _FAMILY_HEAD.search(squeeze(fig.head))
                of_plan = False
                if family and last_amount and (fig.kind == "share" and "完成" in fig.head or fig.kind == "amount" and (
                        not subject or family.group("f").startswith(subject))):
                    # "年初预算为7650万元，完成年初预算的104.3%": the plan and its completion of the
                    # figure just stated
                    subject = last_amount + ("完成预算" if fig.kind == "share" else family.group("f"))
                    of_plan = True
                # an amount in brackets ("收入4352.47万元（其中一般公共预算4352.47万元…）") breaks down
                # the one before them, which stays the amount a following "占…%" is of
                bracketed = fig.kind == "amount" and _in_brackets(sentence, fig.start)
                detail = scope is not None and fig.start >= scope.end()
                if detail and subject:
                    name = clean(scope.group("scope"), orgs)
                    subject = name + (subject[len(name):].lstrip("中里内") if subject.startswith(name) else subject)
                if not subject and fig.spelled:
                    continue  # "一个机关党支部本级预算": no noun of its own, no borrowed one
                if not subject:
                    # "占 75.61%" → the amount it follows; "增长 16.94%" → the change it follows
                    if fig.kind == "share":
                        subject = last_amount or clean(fig.base, orgs)
                    elif fig.kind == "change_percent":
                        subject = last_change or last_amount
                    elif fig.kind == "change_amount":
                        subject = last_amount
                    else:
                        subject = last_any or (heading if fig.kind == "amount" else "")
                if not subject:
                    continue
                if fig.kind == "amount" and not of_plan and not bracketed:
                    last_amount = subject
                    if breakdown > fig.start and not headline:
                        headline = subject
                elif fig.kind == "change_amount":
                    last_change = subject
                last_any = subject
                fact = NarrativeFact(
                    fact_id=stable_id(doc_id, fig.kind, subject, fig.value, line),
                    doc_id=doc_id,
                    section_id=section.section_id,
                    section=" > ".join(section.path),
                    kind=fig.kind,
                    subject=subject,
                    value=fig.value,
                    unit=fig.unit,
                    text=fig.text,
                    direction=fig.direction,
                    quote=quote,
                    line=line,
                    role="detail" if detail or cut else "headline",
                )
                facts.setdefault(fact.fact_id, fact)
    return list(facts.values())


def quotes_as_written(facts: list[NarrativeFact], lines: list[str], written: list[str]) -> None:
    """Give each fact its quote in the characters the document was written in (traditional),
    where the parsers read it converted; a line whose length the conversion changed keeps the
    converted quote."""
    for fact in facts:
        read = shown = ""
        for k in range(fact.line - 1, min(fact.line + 40, len(lines), len(written))):
            a = clean_line(lines[k])
            b = clean_line(written[k]) if a else ""
            if len(a) != len(b):
                break
            read, shown = read + a, shown + b
            if fact.quote in read:
                at = read.index(fact.quote)
                fact.quote = shown[at:at + len(fact.quote)]
                break


def _in_brackets(sentence: str, at: int) -> bool:
    """Inside an open bracket at offset `at`."""
    before = sentence[:at]
    return before.count("(") + before.count("（") > before.count(")") + before.count("）")


def _sentences(text: str) -> list[tuple[int, str]]:
    """Split at 。;!? and line breaks; return (offset in text, sentence)."""
    return [(m.start(), m.group()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def _organisation_names(sections: list[Section]) -> list[str]:
    """Department names as the text writes them before a year ("洛阳市…局 2025 年")."""
    names = {m.group(1) for s in sections for m in _ORG.finditer(s.text)}
    return sorted(names, key=len, reverse=True)  # longest first: a name may contain another


def _line_of(lines: list[str], section: Section, start: int, quote: str) -> int:
    """Line where the sentence at `start` of section.text begins.

    line_of() takes the first line holding the sentence's first 8 characters, which is wrong
    when two paragraphs of a section open the same way ("洛阳市…局 2023 年…"). The section text
    is the section's cleaned lines joined, so the sentence's offset maps back to its line.
    """
    chars: list[int] = []
    joined = ""
    for n in range(section.line_start, section.line_end + 1):
        part = squeeze(clean_line(lines[n - 1]))
        joined += part
        chars.extend([n] * len(part))
    body = squeeze(section.text)
    base = joined.rfind(body)  # the heading line may precede the text
    lead = len(squeeze(section.text[:start]))
    if base >= 0 and base + lead < len(chars):
        return chars[base + lead]
    return line_of(lines, section, quote)
