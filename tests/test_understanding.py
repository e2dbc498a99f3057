"""Understanding, table-driven: phrasings of our own (not the eval's) → the plan chosen and its
figure. One group per mechanism: rows under columns, units inside a department, sets, top k,
shares with their base, ratios, per-unit figures with the user's constants, what-if growth,
claims with relations, several documents; then what a question is read into (mentions)."""

from __future__ import annotations

import pytest

from retrieval.question.mentions import read_question

DATA = "西工区大数据局"  # 2023: 支出总计 948.39, 基本支出 196.28, 项目支出 752.11, 人员经费 184.42


# what the reading shown under the answer says for each builder's plan
READING = {"row_column": "·", "unit_figure": "·", "set_sum": "合计", "top_k": "最大", "share": "占比",
           "ratio": "倍数", "per_unit": "平均", "what_if": "按增长推算", "verify": "核对说法", "across": "合计"}


def check(engine, question: str, builder: str, value: float, unit: str):
    """The plan of this builder was chosen (stated by it, or by older rules that agree with it)."""
    a = engine.answer(question)
    assert a.intent == f"plan:{builder}" or READING[builder] in (a.interpretation or ""), (a.intent, a.answer)
    assert a.value == pytest.approx(value, abs=0.011), a.answer
    assert a.unit == unit
    assert a.citations and a.interpretation
    return a


ROW_COLUMN = [
    f"{DATA}2023年部门支出预算表里行政运行这一行的工资福利支出是多少？",
    f"{DATA}行政运行（201 03 01）工资福利支出填了多少？",
    f"2023年{DATA}，功能科目2010301下面的工资福利支出多少钱",
]


@pytest.mark.parametrize("question", ROW_COLUMN)
def test_a_row_under_a_named_column(corpus_engine, question):
    a = check(corpus_engine, question, "row_column", 44.70, "万元")
    assert a.citations[0].row == "行政运行" and "工资福利支出" in a.citations[0].column


@pytest.mark.parametrize("question", [
    "西工区政务服务中心2023年收入预算多少？",
    f"{DATA}单位代码113002的那个单位收入是多少？",
])
def test_a_unit_inside_the_department(corpus_engine, question):
    a = check(corpus_engine, question, "unit_figure", 325.76, "万元")
    assert "政务服务中心" in a.citations[0].row


@pytest.mark.parametrize("question, value", [
    (f"{DATA}两个政府购买服务项目加起来多少钱？", 171.50),
    (f"{DATA}名字里带“政府购买服务”的项目一共多少？", 171.50),
    (f"{DATA}人员经费和公用经费合计多少？", 196.28),
    (f"{DATA}基本支出与项目支出加在一起是多少", 948.39),
])
def test_a_sum_over_a_named_set(corpus_engine, question, value):
    a = check(corpus_engine, question, "set_sum", value, "万元")
    assert " + " in a.computation


@pytest.mark.parametrize("question, value", [
    (f"{DATA}2023年最大的三个项目加起来多少钱？", 671.82),
    (f"{DATA}金额排前三的项目合计是多少？", 671.82),
    (f"{DATA}钱最多的项目是哪个？", 500.00),
])
def test_top_projects(corpus_engine, question, value):
    check(corpus_engine, question, "top_k", value, "万元")


@pytest.mark.parametrize("question, value", [
    (f"{DATA}948万的预算里，人员经费占百分之几？", 19.45),
    (f"{DATA}一年九百多万里头，人员经费占多大比例？", 19.45),
    (f"{DATA}公用经费占基本支出的比例是多少？", 6.04),
    (f"{DATA}人员经费占全年预算的几成？", 19.45),
])
def test_a_share_uses_the_base_named(corpus_engine, question, value):
    a = check(corpus_engine, question, "share", value, "%")
    assert "÷" in a.computation


@pytest.mark.parametrize("question", [
    f"{DATA}项目支出是基本支出的几倍？",
    f"{DATA}的项目支出相当于基本支出的多少倍？",
])
def test_a_ratio_is_a_ratio(corpus_engine, question):
    check(corpus_engine, question, "ratio", 3.83, "倍")


@pytest.mark.parametrize("question, value, unit", [
    ("市大数据局有两辆公车，平均每辆车运行维护费多少元？", 6500, "元"),
    (f"{DATA}政府购买服务（8人）这个项目，人均多少钱？", 3.50, "万元/人"),
])
def test_per_unit_with_the_users_constant(corpus_engine, question, value, unit):
    check(corpus_engine, question, "per_unit", value, unit)


def test_what_if_growth(corpus_engine):
    a = check(corpus_engine, f"{DATA}支出总计如果每年增长6%，到2025年是多少？", "what_if", 1065.61, "万元")
    assert "1.06" in a.computation or "6%" in a.computation


@pytest.mark.parametrize("question, verdict, value", [
    (f"有人说{DATA}项目支出快有基本支出的4倍了，对吗？", True, 3.83),
    (f"听说{DATA}公用经费占基本支出超过一成，是真的吗？", False, 6.04),
    (f"有人说{DATA}人员经费不到基本支出的九成，对吗？", False, 93.96),
])
def test_claims_with_relations(corpus_engine, question, verdict, value):
    a = check(corpus_engine, question, "verify", value, "倍" if "倍" in question else "%")
    assert a.verdict is verdict
    assert a.answer.startswith("说法正确" if verdict else "说法不对")


@pytest.mark.parametrize("question, value", [
    ("瀍河审批局和西工区政府办2025年的预算加起来一共多少？", 1364.42),
    ("西工区政府办和瀍河区审批局两家2025年一共花多少钱？", 1364.42),
])
def test_a_sum_across_departments(corpus_engine, question, value):
    a = check(corpus_engine, question, "across", value, "万元")
    assert {c.department for c in a.citations} >= {"洛阳市西工区人民政府办公室", "洛阳市瀍河回族区行政审批和政务信息管理局"}


# ---- what a question is read into -------------------------------------------------------------

@pytest.mark.parametrize("question, kind, unit", [
    ("项目支出是基本支出的几倍？", "ratio", "倍"),
    ("占全年预算的几成？", "percent", "%"),
    ("有几个人？", "count", "人"),
    ("维护数量定的是多少台？", "count", "台"),
    ("维修费一年花多少钱？按元算", "amount", "元"),
    ("高多少个百分点？", "percent", "%"),
])
def test_the_quantity_asked(question, kind, unit):
    asked = read_question(question).asked
    assert (asked.kind, asked.unit) == (kind, unit)


def test_constants_with_units_and_traditional_characters():
    r = read_question("假如每人每月2000元、30人，一年預算948萬多")
    constants = {(m.value, m.unit) for m in r.of("constant")}
    assert (0.2, "万元") in constants and (30.0, "人") in constants and (948.0, "万元") in constants
    assert "预算" in r.text  # 預算 read as simplified


def test_claim_relation_and_stated_value():
    r = read_question("有人说公用经费不到基本支出的三成，对吗？")
    assert {m.name for m in r.of("claim")} >= {"cue", "le"}
    assert any(m.value == 30 and m.unit == "%" for m in r.of("constant"))


def test_an_operator_inside_an_item_name_is_no_operator(corpus_engine):
    a = corpus_engine.answer("2023年洛阳市西工区西工街道办事处收入总计是多少？")
    assert a.value == pytest.approx(1909.07) and a.intent != "plan:set_sum"


@pytest.mark.parametrize("question, verdict, value", [
    (f"{DATA}文字说明写人员经费184.42万元，表里工资福利支出182.09万元，两处对得上吗？", True, 2.33),
    (f"{DATA}党建工作经费项目的成本指标和项目金额一致吗？", True, 1.18),
    (f"{DATA}说人员经费是190万元，表里工资福利支出是182.09万元，对得上吗？", None, None),
])
def test_consistency_of_figures_the_question_states(corpus_engine, question, verdict, value):
    a = corpus_engine.answer(question)
    assert a.intent == "consistency" and a.verdict is verdict and a.value == (
        pytest.approx(value) if value is not None else None), a.answer
    if verdict is None:
        assert "不是190.00万元" in a.answer


@pytest.mark.parametrize("question, verdict", [
    ("有人说瀍河审批局的项目全都是其他运转类，对吧？", True),
    ("有人说西工区政府办的项目全都是其他运转类，对吗？", False),
])
def test_a_claim_that_all_projects_are_of_one_kind(corpus_engine, question, verdict):
    a = corpus_engine.answer(question)
    assert a.verdict is verdict and a.citations, a.answer


def test_one_item_in_two_places_with_the_gap_explained(corpus_engine):
    a = corpus_engine.answer("西工街道项目支出在一张表里是771.08万元，另一张表是768.08万元，算不算矛盾？")
    assert a.intent == "consistency" and a.verdict is True and a.value == pytest.approx(3.0)
    assert "政府性基金" in a.answer


@pytest.mark.parametrize("question, value", [
    ("西工区政府办2025年项目支出比基本支出少多少？", 591.91),
    ("西工区政府办2025年人员经费和公用经费差多少？", 729.44),
])
def test_a_difference_of_two_items(corpus_engine, question, value):
    a = corpus_engine.answer(question)
    assert a.value == pytest.approx(value) and "−" in a.computation


@pytest.mark.parametrize("question, value, unit", [
    ("西工街道2023年比2022年多花了多少钱？", 208.86, "万元"),
    ("西工区政府办2025年比去年多了多少预算？", 155.64, "万元"),
    ("西工区政府办2025年收入总计比上年增长了百分之多少？", 16.94, "%"),
])
def test_the_change_against_last_year_as_stated(corpus_engine, question, value, unit):
    a = corpus_engine.answer(question)
    assert (a.value, a.unit) == (pytest.approx(value), unit), a.answer


def test_a_year_before_the_document_is_not_answered_with_its_figures(corpus_engine):
    a = corpus_engine.answer("西工区政府办2024年的预算是多少？")
    assert a.value != pytest.approx(1074.61)
    assert a.value is None or "2024" in a.answer


@pytest.mark.parametrize("question, value", [
    ("西工区政府办每个月平均花多少钱？", 89.55),
    ("西工区政府办2025年人员经费平均每月多少？", 65.11),
])
def test_per_month_of_a_years_budget(corpus_engine, question, value):
    a = corpus_engine.answer(question)
    assert a.value == pytest.approx(value) and "÷ 12" in a.computation


def test_a_share_whose_whole_is_named_first(corpus_engine):
    a = corpus_engine.answer("西工区政府办基本支出里人员经费占几成？")
    assert a.value == pytest.approx(93.77) and a.unit == "%"


def test_every_part_of_a_several_part_question_is_answered(corpus_engine):
    a = corpus_engine.answer("2025年西工区政府办总共多少个项目，合计多少钱，最贵的是哪个？")
    assert "96.30" in a.answer and "18个项目" in a.answer and "241.35" in a.answer


@pytest.mark.parametrize("question, value, department", [
    ("哪个部门的公务接待费最多？", 0.83, "洛阳市西工区人民政府办公室"),
    ("各部门里哪个的人员经费最少？", 66.30, "洛阳市政务服务和大数据管理局"),
])
def test_a_ranking_over_every_department(corpus_engine, question, value, department):
    a = corpus_engine.answer(question)
    assert a.intent == "plan:all_departments" and a.value == pytest.approx(value)
    assert a.citations[0].department == department and "年度不同" in a.answer


def test_a_sum_over_the_departments_not_named(corpus_engine):
    a = corpus_engine.answer("这几个部门一共多少钱？")
    assert a.value == pytest.approx(4313.88) and a.computation.count("+") == 4
