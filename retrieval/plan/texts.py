"""Builders of answers in words: a section asked for (主要职责, 机构设置, a term's 名词解释), and the
sentences of the document that speak of every content word of the question (原因, 用途, 包括哪些).

A sentence answers only for the words of the question it contains: its `covered` spans are the
question's content characters whose character pairs occur in it, so a quote about something
else leaves the question's words unread and is no answer (`answer.gates`)."""

from __future__ import annotations

import re

from indexer.text import squeeze
from retrieval.plan.base import interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.mentions import section_asked, vocabulary
from retrieval.question.reading import residue

QUOTE_SCORE = 0.6  # below any figure: words answer a question only when no figure reads it
MAX_QUOTE = 600


def covered_by(ctx: Context, sentence: str) -> list[tuple[int, int]]:
    """The spans of the question's content whose characters the sentence shares (as pairs)."""
    text = squeeze(sentence)
    out = []
    for run in ctx.reading.content:
        s = ctx.text
        hit = [False] * (run.end - run.start)
        for i in range(run.start, run.end - 1):
            if s[i:i + 2] in text:
                hit[i - run.start] = hit[i + 1 - run.start] = True
        start = None
        for k, h in enumerate(hit + [False]):
            if h and start is None:
                start = k
            elif not h and start is not None:
                out.append((run.start + start, run.start + k))
                start = None
    return out


def _share(ctx: Context, spans: list[tuple[int, int]]) -> float:
    total = sum(r.end - r.start for r in ctx.reading.content)
    return sum(b - a for a, b in spans) / total if total else 1.0


# the words a sentence answering a kind of "why/what" question carries
_ANSWERS = {r"为什么|为啥|为何|咋|原因|理由|怎么回事|解释": r"原因|主要是|主要用于|由于|因为|因|导致",
            r"用途|用来|用于什么|干什么|做什么|干嘛|干啥": r"用于|主要用于|用来|用途",
            r"包括|包含|哪些|哪几|都有什么|组成": r"包括|包含|含|：|:",
            r"意思|什么叫|指什么|指的是|含义|定义": r"是指|指的是|反映|包括"}


def quote(ctx: Context) -> list[Interpretation]:
    """The sentences of the documents that speak of the question's content words (and, for a
    why / what-for question, say so: 原因, 用于 …)."""
    if ctx.quotes is None or ctx.reading.asked.kind in ("amount", "percent", "count", "ratio"):
        return []  # a sentence is no answer to a number asked (the gates would say so): not searched
    if any(m.name == "top" for m in ctx.mentions("operator")) or re.search(
            vocabulary()["which_side"]["pattern"], ctx.text):
        return []  # "谁的会议费少", "哪项最多": a side or a rank is asked, not a sentence
    words = residue(ctx.reading, [])
    if not words and ctx.reading.asked.kind != "text":
        return []
    cues = [a for q, a in _ANSWERS.items() if re.search(q, ctx.text)]
    doc_ids = [s.doc_id for s in ctx.sources]
    out = []
    for text, cite in ctx.quotes(ctx.reading.text, doc_ids):
        spans = covered_by(ctx, f"{cite.section or ''}{text}")  # the heading says what a sentence is about
        share = _share(ctx, spans) if words else 1.0
        if share < 0.4:
            continue
        fits = all(re.search(a, text) for a in cues)
        if not words and not (cues and fits):
            continue  # nothing the question names to look for, and no kind of answer it asks
        src = next(s for s in ctx.sources if s.doc_id == cite.doc_id)
        body = text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "……"
        if _YES_NO.search(ctx.text):  # "有没有下属单位": the quote answers yes or no first
            body = ("没有。" if _NO.search(text) else "有。") + body
        plan = Plan(op="quote", label=body, cite=cite)
        out.append(interp(plan, QUOTE_SCORE + 0.2 * share + (0.1 if fits else 0.0), src, *spans))
    return out


_YES_NO = re.compile(r"有没有|有无|是否有|是不是有|有.{1,12}吗")
_NO = re.compile(r"无|没有|未|不涉及|为0|为零|0\.00万元")


def section(ctx: Context) -> list[Interpretation]:
    """A section asked by its heading ("主要职责有哪些") or in plain words ("是干嘛的" → 主要职责); with
    other words ("金融方面"), the lines of it that speak of them."""
    src = single(ctx)
    if src is None:
        return []
    asked = section_asked(ctx.text)
    out = []
    for sec in src.facts.sections:
        title = re.sub(r"^[(（]?[一二三四五六七八九十\d]+[、.)）]", "", sec.heading)
        whole = "\n".join(s.text for s in src.facts.sections
                          if s.path[: len(sec.path)] == sec.path and s.text.strip())
        at = ctx.text.find(title) if len(title) >= 4 else -1
        plain = [m.span() for key, pattern in _section_patterns().items() if key in title and key in asked
                 for m in re.finditer(pattern, ctx.text)]
        if not whole or (at < 0 and not plain):
            continue
        spans = ([(at, at + len(title))] if at >= 0 else []) + plain
        lines = [x for x in re.split(r"\n|(?<=[。；;])", whole) if x.strip()]
        rest = Context(ctx.reading, ctx.sources)
        about = [x for x in lines if covered_by(rest, x)]
        text = "".join(about) if about and about != lines else whole
        if about and about != lines:
            spans += [s for x in about for s in covered_by(rest, x)]
        body = text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE] + "……"
        cite = src.facts.cite_section(sec, body)
        plan = Plan(op="quote", label=body, cite=cite)
        out.append(interp(plan, 0.8, src, *spans))
        break
    return out


def _section_patterns() -> dict[str, str]:
    return {k: v for k, v in vocabulary()["sections"].items() if not k.startswith("_")}


def block(ctx: Context) -> list[Interpretation]:
    """A labelled block of a 绩效目标 table (年度履职目标, 年度主要任务 …) asked for by its label."""
    src = single(ctx)
    if src is None:
        return []
    labels = [label for label in vocabulary()["block_labels"] if label in ctx.text]
    if not labels:
        return []
    texts = [(sec, sec.text) for sec in src.facts.sections]
    texts += [(next((s for s in src.facts.sections if s.line_start <= c.line_start <= s.line_end), None), c.text)
              for c in src.facts.chunks if c.kind == "table"]  # a 绩效目标 table's label cells
    for sec, body in texts:
        if sec is None:
            continue
        lines = [squeeze(x) for x in body.splitlines() if x.strip()]
        for k, line in enumerate(lines):
            label = next((lb for lb in labels if line.startswith(lb)), None)
            if label is None:
                continue
            body = [line[len(label):]]
            for nxt in lines[k + 1:]:
                if any(nxt.startswith(s) for s in vocabulary()["block_labels"]):
                    break
                body.append(nxt)
            text = "；".join(b for b in body if b)[:MAX_QUOTE]
            if not text:
                continue
            at = ctx.text.find(label)
            plan = Plan(op="quote", label=text, cite=src.facts.cite_section(sec, text))
            return [interp(plan, 0.82, src, (at, at + len(label)))]
    return []


def source_of(ctx: Context, doc_id: str) -> Source | None:
    return next((s for s in ctx.sources if s.doc_id == doc_id), None)
