"""Text answers from the document's own structure: a section asked by its heading or in plain
words ("是干嘛的" → 主要职责), and labelled blocks inside the 绩效目标 tables ("年度履职目标",
"年度主要任务", a task named in quotes) quoted from the section text that holds them."""

from __future__ import annotations

import re

from indexer.text import squeeze
from retrieval.compose import who
from retrieval.facts import DocFacts
from retrieval.question.mentions import section_asked, vocabulary
from retrieval.search import _source_lines
from retrieval.records import Answer
from retrieval.understand import Question

_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
_ASKS_WHAT = re.compile(r"干什么|做什么|干嘛|是什么|内容|哪些|哪几|有什么|怎么写|写的")


def named_section(q: Question, df: DocFacts) -> Answer | None:
    """A question naming a section ("主要职责有哪些"), or asking for it in plain words ("是干嘛的",
    "负责哪些事"), gets that section; with other words ("金融方面"), the lines that speak of them."""
    focus = q.focus or q.squeezed
    asked = section_asked(focus)
    for section in df.sections:
        title = re.sub(r"^[(（]?[一二三四五六七八九十]+[、)）]", "", section.heading)
        # the section's own text and its sub-sections' ("一、主要职责" holds (一)…(十一))
        whole = "\n".join(s.text for s in df.sections
                          if s.path[: len(section.path)] == section.path and s.text.strip())
        named = len(title) >= 4 and title in focus
        if not whole or not (named or any(key in title for key in asked)):
            continue
        rest = focus.replace(title, "")
        lines = [x for x in re.split(r"\n|(?<=[。；;])", whole) if x.strip()]
        about = [x for x in lines if _shares_words(rest, x)] if not named else []
        text = "".join(about) if about else whole
        return _quote(q, df, section, title, text)
    return None


def labelled_block(q: Question, df: DocFacts) -> Answer | None:
    """A labelled block of a 绩效目标 table (a label of `block_labels`, or a task named in quotes): the text under that
    label in a 绩效目标 table, as the section holding the table has it."""
    focus = q.focus or q.squeezed
    if not _ASKS_WHAT.search(focus):
        return None
    labels = [label for label in vocabulary()["block_labels"] if label in focus]
    # a quoted name of a row, project or numeric indicator has its own answer (its value), not a line
    names = {squeeze(i.level3) for i in df.indicators if i.number is not None} | {squeeze(r.label) for r in df.rows} | {
        squeeze(p.name) for p in df.projects}
    quoted = [squeeze(t) for t in _QUOTED.findall(q.text) if len(squeeze(t)) >= 4 and squeeze(t) not in names]
    if not labels and not quoted:
        return None
    stops = vocabulary()["block_labels"]
    found = _block_in(_lines_by_section(df), labels, quoted, stops)
    if found is not None:
        section, title, text = found
        return _quote(q, df, section, title, text)
    return None


def _lines_by_section(df: DocFacts):
    """(section, its lines): the original file's lines when it is still there (tables keep their
    label cells there), else the section texts as stored."""
    source = _source_lines(df.conn, df.document.doc_id)
    if source:
        for section in df.sections:
            yield section, ["\t".join(squeeze(c) for c in line.split("\t")).strip("\t")
                            if line.startswith("\t") is False else "\t" + "\t".join(
                                squeeze(c) for c in line.split("\t")[1:])
                            for line in source[section.line_start - 1:section.line_end] if line.strip()]
    for section in df.sections:
        yield section, [squeeze(line) for line in section.text.splitlines() if line.strip()]


def _block_in(sections, labels: list[str], quoted: list[str], stops: list[str]):
    for section, lines in sections:
        for k, raw in enumerate(lines):
            line = raw.replace("\t", " ").strip()
            for term in quoted:  # a task named in quotes: its own line
                if term in line and line != term:
                    return section, term, line
            for label in labels:
                if not line.startswith(label):
                    continue
                block = [line[len(label):].strip()]
                for nxt in lines[k + 1:]:
                    if any(nxt.lstrip("\t").startswith(s) for s in stops) and not nxt.startswith("\t"):
                        break
                    block.append(nxt.replace("\t", " ").strip())
                text = "；".join(b for b in block if b)
                if text:
                    return section, label, text
    return None


def _quote(q: Question, df: DocFacts, section, title: str, text: str) -> Answer:
    text = text if len(text) <= 600 else text[:600] + "……"
    return Answer(question=q.text, answer=f"{who(df.document)}的文件“{title}”写道：{text}",
                  answerable=True, citations=[df.cite_section(section, text)], intent="narrative")


_STOP_CHARS = set("的了吗呢还管哪些事什么么方面这块具体都有是在和与及也负责干嘛啥做")


def _shares_words(asked: str, line: str) -> bool:
    """The line speaks of a two-character word of the question ("金融方面" → 金融)."""
    words = {asked[i:i + 2] for i in range(len(asked) - 1)}
    return any(w in line for w in words
               if re.fullmatch(r"[\u4e00-\u9fff]{2}", w) and not set(w) & _STOP_CHARS)
