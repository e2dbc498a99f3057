"""Follow-ups offline: the engine completes a question from the conversation (no LLM), the CLI
keeps a conversation in a file."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app

FIRST = "西工区政府办2025年项目支出多少？"


@pytest.mark.parametrize("follow_up, department, value", [
    ("那瀍河审批局呢？", "洛阳市瀍河回族区行政审批和政务信息管理局", 70.68),
    ("瀍河审批局的呢？", "洛阳市瀍河回族区行政审批和政务信息管理局", 70.68),
    ("人员经费呢？", "洛阳市西工区人民政府办公室", 781.35),
    ("那基本支出呢？", "洛阳市西工区人民政府办公室", 833.26),
])
def test_a_follow_up_takes_what_it_leaves_out_from_the_history(corpus_engine, follow_up, department, value):
    a = corpus_engine.answer(follow_up, history=[(FIRST, "……")])
    assert a.value == pytest.approx(value) and a.citations[0].department == department
    assert a.question == follow_up and "按上文理解为" in a.interpretation


def test_a_comparison_follow_up(corpus_engine):
    a = corpus_engine.answer("和瀍河审批局比呢？", history=[FIRST])
    assert {c.department for c in a.citations} >= {"洛阳市西工区人民政府办公室",
                                                    "洛阳市瀍河回族区行政审批和政务信息管理局"}


def test_without_history_an_elliptical_question_is_not_answered_with_a_figure(corpus_engine):
    a = corpus_engine.answer("那去年呢？")
    assert a.value is None


def test_the_cli_session_file(corpus_index, tmp_path, monkeypatch, model_dir):
    _, settings, _ = corpus_index
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    session = tmp_path / "chat.json"
    runner = CliRunner()
    first = runner.invoke(app, ["ask", FIRST, "--json", "--session", str(session), "--store", str(settings.store)])
    assert json.loads(first.stdout)["value"] == pytest.approx(241.35)
    second = runner.invoke(app, ["ask", "人员经费呢？", "--json", "--session", str(session),
                                 "--store", str(settings.store)])
    assert json.loads(second.stdout)["value"] == pytest.approx(781.35)
    assert [turn[0] for turn in json.loads(session.read_text(encoding="utf-8"))] == [FIRST, "人员经费呢？"]
    session.write_text("not json", encoding="utf-8")
    bad = runner.invoke(app, ["ask", "人员经费呢？", "--session", str(session), "--store", str(settings.store)])
    assert bad.exit_code == 1 and "conversation file" in bad.stderr
