"""Text answers from the document's structure, in phrasings of our own: a section asked in plain
words, the lines of a section about the words asked, labelled blocks of the 绩效目标 tables."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("question, needle", [
    ("瀍河审批局是干什么的？", "数字政府"),
    ("西工区政府办负责哪些工作？", "区政府会议"),
    ("西工区政府办在金融方面管哪些事？", "金融"),
])
def test_a_section_asked_in_plain_words(corpus_engine, question, needle):
    a = corpus_engine.answer(question)
    assert a.intent == "narrative" and a.value is None and "主要职责" in a.answer and needle in a.answer
    assert a.citations[0].kind == "section"


@pytest.mark.parametrize("question, needle", [
    ("瀍河审批局整体绩效目标的年度主要任务都有什么？", "营商环境"),
    ("西工区政府办的年度履职目标是怎么写的？", "财务工作"),
    ("西工区政府办“区志办工作”这项任务做什么？", "年鉴"),
])
def test_a_labelled_block_of_the_performance_table(corpus_engine, question, needle):
    a = corpus_engine.answer(question)
    assert a.intent == "narrative" and needle in a.answer, a.answer
