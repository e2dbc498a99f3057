"""Gates: each reason for not stating a figure, on readings of our own, and the engine's help,
held-back and refusal answers that follow from them."""

from __future__ import annotations

import pytest

from retrieval.answer.gates import choose, kind_fits, legacy_misfit
from retrieval.answer.wording import alternatives_answer
from retrieval.plan.records import Interpretation, Plan, Result
from retrieval.question.mentions import read_question
from retrieval.question.records import Asked
from retrieval.records import Answer


def reading(q: str):
    return read_question(q)


@pytest.mark.parametrize("question, kind, unit, fits", [
    ("项目支出是基本支出的几倍？", "amount", "万元", False),
    ("项目支出是基本支出的几倍？", "ratio", "倍", True),
    ("人员经费占全年预算的几成？", "amount", "万元", False),
    ("一共几个项目？", "amount", "万元", False),
    ("电脑维护数量定的是多少台？", "count", "个", False),
    ("要求覆盖多少家单位？", "count", "个", True),  # 个 counts anything
    ("项目支出多少？占多大比例？", "amount", "万元", True),  # a part asks an amount
    ("高多少个百分点？", "percent", "个百分点", True),
])
def test_the_kind_of_quantity_must_fit(question, kind, unit, fits):
    assert kind_fits(reading(question).asked, kind, unit) is fits


def _answer(value, unit, text="……", verdict=None, intent="lookup"):
    return Answer(question="q", answer=text, answerable=True, value=value, unit=unit, verdict=verdict,
                  intent=intent)


def test_a_figure_of_the_wrong_kind_is_held_back():
    why = legacy_misfit(reading("项目支出是基本支出的几倍？"), _answer(752.11, "万元"))
    assert why and "倍数" in why


def test_a_claim_whose_number_was_not_judged_is_held_back():
    why = legacy_misfit(reading("有人说项目支出超过700万元，对吗？"), _answer(752.11, "万元"))
    assert why == "没有核对说法中的数字"


def test_a_constant_given_for_a_per_unit_figure_must_be_used():
    why = legacy_misfit(reading("有两辆车，平均每辆车运行费多少？"), _answer(1.3, "万元"))
    assert why and "平均每辆" in why


def test_a_count_of_something_else_is_held_back():
    why = legacy_misfit(reading("要覆盖多少个社区？"), _answer(14, "个", "列出14个项目"))
    assert why and "社区" in why
    assert legacy_misfit(reading("要覆盖多少个社区？"), _answer(6, "个", "覆盖6个社区")) is None


def _option(score, value, unit="万元", kind="amount", label="A"):
    return (Interpretation(builder="b", plan=Plan(op="value", label=label), score=score),
            Result(value=value, unit=unit, kind=kind))


def test_close_readings_with_different_figures_are_offered_not_stated():
    best, close = choose([_option(0.9, 100.0, label="A"), _option(0.88, 120.0, label="B")])
    assert best is None and [i.plan.label for i, _ in close] == ["A", "B"]
    a = alternatives_answer("q", close, [], Asked())
    assert a.value is None and a.answerable and a.alternatives == ["A是多少？", "B是多少？"]
    assert "100.00万元" in a.answer and "120.00万元" in a.answer


def test_a_clear_best_or_agreeing_readings_are_stated():
    best, close = choose([_option(0.9, 100.0), _option(0.7, 120.0)])
    assert best is not None and best[1].value == 100.0 and not close
    best, _ = choose([_option(0.9, 100.0), _option(0.89, 100.0)])
    assert best is not None


def test_readings_of_different_parts_do_not_compete():
    asked = reading("特定目标类项目合计多少钱？一共有几个？").asked
    best, close = choose([_option(0.88, 5, "个", "count"), _option(0.86, 103.82)], asked)
    assert best is not None and best[1].value == 5 and not close


# ---- the engine -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["你好", "谢谢！", "今天天气怎么样？", "hello", "？？？"])
def test_greetings_and_off_topic_text_get_help_not_a_quote(corpus_engine, text):
    a = corpus_engine.answer(text)
    assert a.intent == "help" and not a.answerable and a.value is None and not a.citations
    assert "可以这样问" in a.answer


def test_a_unit_named_is_not_answered_with_the_whole_department(corpus_engine):
    a = corpus_engine.answer("西工区政务服务中心2023年的人员经费是多少？")
    assert a.value is None and "西工区政务服务中心" in a.answer


def test_actual_spending_is_not_in_a_budget(corpus_engine):
    a = corpus_engine.answer("瀍河区审批局2024年决算实际花了多少钱？")
    assert not a.answerable and a.value is None and "决算" in a.answer


def test_traditional_characters_read_as_simplified(corpus_engine):
    a = corpus_engine.answer("西工區政府辦2025年項目支出多少？")
    assert a.value == pytest.approx(241.35) and a.citations[0].department == "洛阳市西工区人民政府办公室"
