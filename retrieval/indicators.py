"""Answers from the 绩效目标表: the indicator a question names, its value as written and its project;
and figures written inside longer target texts ("40%以上政务服务事项实现不见面审批")."""

from __future__ import annotations

import re

from indexer.records import Indicator
from indexer.text import squeeze
from retrieval.compose import answer, num, who
from retrieval.facts import DocFacts
from retrieval.records import Answer, Citation, Figure
from retrieval.understand import Question, loose

_FIGURE = re.compile(
    r"(?P<cmp>≥|≤|>|<|不低于|不少于|不超过|超过|达到)?\s*(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<u>%|万件|万元|个|件|项|家|人|次|辆|小时|天|名|元|张|条|套|户|场|期|份|台|分钟|日|年)(?P<more>以上|以内|以下)?"
)
_STOP = set("的是多少几个什么要求目标计划指标值定设分别和与及其中一年全年年度项目部门整体")


def bigrams(text: str) -> set[str]:
    t = loose(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def relevance(q: Question | str, text: str) -> float:
    """Share of the text's two-character pieces that the question (its focus) contains."""
    grams = {g for g in bigrams(text) if not set(g) <= _STOP}
    if not grams:
        return 0.0
    asked = bigrams(q if isinstance(q, str) else (q.focus or q.squeezed))
    return len(grams & asked) / len(grams)


def coverage(q: Question | str, text: str) -> float:
    """Share of the question's two-character pieces (its focus) that the text contains."""
    asked = {g for g in bigrams(q if isinstance(q, str) else (q.focus or q.squeezed))
             if not set(g) <= _STOP}
    if not asked:
        return 0.0
    return len(asked & bigrams(text)) / len(asked)


def common_run(a: str, b: str) -> int:
    """Length of the longest run of characters the two strings share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def project_of(q: Question, df: DocFacts) -> str | None:
    names = {i.project for i in df.indicators if i.project}
    asked = loose(q.focus or q.squeezed)
    hits = [n for n in names if loose(n) in asked]
    if hits:
        return max(hits, key=len)
    # a project named loosely ("免费文印项目" for "办公经费—免费文印费"): a shared run of
    # at least four characters that no other project shares as long
    scored = sorted(((common_run(loose(n), asked), n) for n in names), reverse=True)
    if scored and scored[0][0] >= 4 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


def indicator_answer(q: Question, df: DocFacts) -> Answer | None:
    project = project_of(q, df)
    pool = [i for i in df.indicators if project is None or i.project == project]
    if project is None and "整体" in q.squeezed:
        pool = [i for i in df.indicators if i.project is None]
    asked = q.without(project or "")  # the project's own name says nothing about which indicator
    scored = sorted(((relevance(asked, i.level3) + 0.5 * relevance(asked, i.value_text)
                      + 0.3 * relevance(asked, i.level1 or ""), i) for i in pool),
                    key=lambda x: -x[0])
    if not scored or scored[0][0] < 0.34:
        return text_figure_answer(q, df, project)
    best = scored[0][0]
    chosen: list[Indicator] = []
    for score, ind in scored:
        if score >= max(0.34, 0.6 * best) and ind.level3 not in [c.level3 for c in chosen]:
            chosen.append(ind)
        if len(chosen) == 3:
            break
    main = chosen[0]
    value, unit = main.number, main.unit
    if value is None:
        near = figure_near(q, main.value_text)
        if near:
            value, unit = near
    owner = f"{main.project}项目" if main.project else "部门整体绩效目标"
    parts = "；".join(f"{c.level3}：{c.value_text}" for c in chosen)
    text = f"{who(df.document)}{owner}中，{parts}。"
    figures = [Figure(value=c.number, unit=c.unit or "", label=c.level3, citation=df.cite_indicator(c))
               for c in chosen if c.number is not None]
    cites = [df.cite_indicator(c) for c in chosen]
    return answer(q.text, text, figures, value, unit, citations=cites, intent="indicator")


def figure_near(q: Question, text: str) -> tuple[float, str] | None:
    """The number of the clause of `text` that shares most with the question."""
    clauses = [c for c in re.split(r"[,，;；。]", text) if _FIGURE.search(c)]
    if not clauses:
        return None
    best = max(clauses, key=lambda c: relevance(q, _FIGURE.sub("", c)))
    if relevance(q, _FIGURE.sub("", best)) == 0:
        return None
    m = _FIGURE.search(best)
    return float(m.group("n")), m.group("u")


def text_figure_answer(q: Question, df: DocFacts, project: str | None) -> Answer | None:
    """Figures written in the target texts (整体绩效目标 paragraphs) and in the narrative."""
    candidates: list[tuple[float, str, Citation]] = []
    for ind in df.indicators:
        if project is None or ind.project == project:
            candidates.append((coverage(q, ind.value_text), ind.value_text, df.cite_indicator(ind)))
    for chunk in df.chunks:
        for sentence in re.split(r"(?<=[。；;])|\n", chunk.text):
            if _FIGURE.search(sentence):
                candidates.append((coverage(q, _FIGURE.sub("", sentence)), sentence.strip(),
                                   df.cite_chunk(chunk, sentence.strip())))
    if not candidates:
        return None
    score, text, cite = max(candidates, key=lambda c: c[0])
    if score < 0.3:
        return None
    clauses = [c for c in re.split(r"[,，;；。]", text) if _FIGURE.search(c)]
    ranked = sorted(clauses, key=lambda c: -relevance(q, _FIGURE.sub("", c)))
    picked = [c for c in ranked if relevance(q, _FIGURE.sub("", c)) > 0][:2] or ranked[:1]
    first = _FIGURE.search(picked[0])  # the figure of the clause that speaks of what was asked
    picked.sort(key=clauses.index)
    found = "；".join(squeeze(c) for c in picked)
    reply = f"{who(df.document)}的目标表述为：{found}。原文：{text}"
    return answer(q.text, reply, [], float(first.group("n")), first.group("u"), citations=[cite],
                  intent="indicator")


__all__ = ["indicator_answer", "figure_near", "relevance", "num"]
