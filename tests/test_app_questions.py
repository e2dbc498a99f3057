"""Questions the app answers with a message of its own: a department the filter leaves out is
named, and a question over the length limit is told so (not silently cut)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.service.engine import MAX_QUESTION
from tests.test_app import ask, last_reply, run_app, texts


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def test_a_department_outside_the_filter_is_named(corpus_app):
    corpus_app.sidebar.multiselect(key="filter_departments").set_value(["洛阳市西工区人民政府办公室"]).run()
    reply = last_reply(ask(corpus_app, "西工区政府办和瀍河区审批局2025年的三公经费谁多？"))
    assert "洛阳市瀍河回族区行政审批和政务信息管理局不在当前筛选范围内" in texts(reply)


def test_an_over_long_question_gets_a_message(corpus_app):
    reply = last_reply(ask(corpus_app, "预算" * MAX_QUESTION))
    assert f"问题过长（{2 * MAX_QUESTION}字，上限{MAX_QUESTION}字）" in reply.get("error")[0].value
