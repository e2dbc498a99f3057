"""Consistency questions ("……一致吗？/对得上吗？") answered from the audit's findings, and, where
no check found a problem, by showing that the two places agree."""

from __future__ import annotations

import math
import re

from retrieval.compose import answer, num, who
from retrieval.facts import DocFacts
from retrieval.indicators import bigrams
from retrieval.records import Answer, Figure
from retrieval.understand import Question

CUES = (r"有没有|有无|不合理|合理吗|的地方|问题|一致吗|是否一致|一致|对得上吗|对得上|对不上|算得通吗|"
        r"算得通|说得通|这个说法|说法|到底|矛盾|吗|[?？]")
# which of a finding's figures is the one the check established (not the one it doubts)
PRIMARY = ("table", "listed", "indicator", "value", "summary", "fiscal", "implied_previous")


def consistency_answer(q: Question, df: DocFacts, findings: list) -> Answer | None:
    """The finding the question is about: verdict false with both figures; none → consistent."""
    # the words of asking ("有没有不合理的地方", "对得上吗") and years say nothing about which finding
    topic = re.sub(r"\d+年?", "", re.sub(CUES, "", q.focus or q.squeezed))
    scored = sorted(zip(topic_scores(topic, findings), findings), key=lambda x: -x[0])
    # a question that states its figures is about a finding that holds them, not one sharing words
    stated = set(re.findall(r"\d+\.\d+|\d+(?=万元|元|%)", q.squeezed))
    scored = [(s, f) for s, f in scored if not stated or any(n in finding_text(f) for n in stated)]
    if scored and scored[0][0] >= 0.3:
        finding = scored[0][1]
        consistent = finding.severity == "info"  # a difference of scope, not a contradiction
        value, unit = primary_figure(finding)
        head = "一致（口径不同）" if consistent else "不一致"
        text = f"{head}。{who(df.document)}：{finding.message}"
        if finding.note:
            text += f"（{finding.note}）"
        return answer(q.text, text, [], value, unit, verdict=consistent,
                      citations=list(finding.citations), intent="consistency")
    return counts_agree(q, df)


def topic_scores(topic: str, findings: list) -> list[float]:
    """How much of the question's topic each finding speaks of, words shared by every finding
    counting for nothing (weighted like tf-idf over the document's findings)."""
    asked = {g for g in bigrams(topic)}
    texts = [bigrams(finding_text(f)) for f in findings]
    if not asked or not texts:
        return [0.0] * len(findings)
    weight = {g: math.log((len(texts) + 1) / (1 + sum(g in t for t in texts))) for g in asked}
    mass = sum(w for g, w in weight.items() if any(g in t for t in texts)) or 1.0
    return [sum(weight[g] for g in asked if g in t) / mass for t in texts]


def finding_text(finding) -> str:
    """What a finding is about: its message and the places it cites."""
    places = " ".join(f"{c.table or ''}{c.row or ''}{c.column or ''}{c.section or ''}" for c in finding.citations)
    return f"{finding.message} {places}"


def primary_figure(finding) -> tuple[float | None, str | None]:
    figures = finding.figures or {}
    key = next((k for k in PRIMARY if k in figures), next(iter(figures), None))
    if key is None:
        return None, None
    unit = "个" if finding.kind == "count" else ("%" if "%" in finding.message and key == "value" else "万元")
    return figures[key], unit


def counts_agree(q: Question, df: DocFacts) -> Answer | None:
    """A count the text states (共16个项目) against the rows a table lists."""
    if not re.search(r"项目.{0,6}(数|个数|几个|多少个)|(个数|多少个).{0,4}项目", q.squeezed):
        return None
    stated = next((f for f in df.facts if f.kind == "count" and f.subject == "项目"), None)
    if stated is None or not df.projects:
        return None
    listed = len(df.projects)
    agree = int(stated.value) == listed
    first = df.projects[0].ref
    table = Figure(value=listed, unit="个", label="项目支出预算表列出的项目数",
                   citation=df.cite_cell(first, first.cell()))
    text = (f"{'一致' if agree else '不一致'}：{who(df.document)}情况说明称共{num(stated.value, 0)}个项目，"
            f"项目支出预算表列出{listed}个项目。")
    return answer(q.text, text, [df.fact_figure(stated, "文中项目数"), table], listed, "个",
                  verdict=agree, intent="consistency")
