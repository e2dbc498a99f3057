"""Gates (retrieval.answer.gates): each reason a plan may not state its figure, produced by `check` on
hand-made plans and results against a real Reading; `choose` among the plans that pass; `kind_fits`."""

from __future__ import annotations

import pytest

from retrieval.answer import gates
from retrieval.plan.records import Interpretation, Plan, Result
from retrieval.question.reading import read
from retrieval.question.records import Asked
from retrieval.records import Citation, Figure
from tests.conftest import GOV_NAME

pytestmark = pytest.mark.fast


def citation(label: str, table: str = "支出经济分类汇总表", kind: str = "table") -> Citation:
    return Citation(doc_id="doc", department=GOV_NAME, year=2025, kind=kind, table=table if kind == "table" else None,
                    row=label if kind == "table" else None, column="总计" if kind == "table" else None,
                    section=None if kind == "table" else "三、支出预算总体情况说明", quote=f"{label} 1.30")


def result(value: float | None = 1.3, unit: str | None = "万元", kind: str = "amount", label: str = "会议费",
           table: str = "支出经济分类汇总表", verdict: bool | None = None, cited: str = "table") -> Result:
    figures = [] if value is None else [Figure(value=value, unit=unit or "万元", label=label,
                                              citation=citation(label, table, cited))]
    return Result(value=value, unit=unit, kind=kind, figures=figures, verdict=verdict,
                  texts=["见文字说明"] if kind == "text" else [])


def plan(reading, *words: str, op: str = "value", score: float = 0.9, label: str = "") -> Interpretation:
    """A plan reading these words of the question (each found in its normalised text)."""
    covered = []
    for word in words:
        at = reading.text.find(word)
        assert at >= 0, word
        covered.append((at, at + len(word)))
    return Interpretation(builder="item_value", plan=Plan(op=op, entity="doc|row:x", label=label or "".join(words)),
                          score=score, covered=covered, doc_ids=["doc"])


def reasons(catalog, question: str, words: tuple[str, ...] = (), res: Result | None = None, op: str = "value",
            years: tuple[int, ...] = (2025,), **kw) -> list[str]:
    reading = read(question, catalog)
    return gates.check(reading, plan(reading, *words, op=op), res or result(), list(years), **kw).reasons


# ---- check: one reason each -----------------------------------------------------------------------

def test_a_plan_reading_every_word_passes(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政府办开会花了多少钱", ("开会",)) == []


def test_words_no_plan_read_are_named(synthetic_catalog):
    checked = gates.check(r := read("西工区政府办绩效工资多少", synthetic_catalog), plan(r, "工资"),
                          result(66.3, label="工资福利支出"), [2025])
    assert checked.reasons == ["文件中没有找到“绩效”"] and checked.unread == ["绩效"]


def test_a_strong_operator_must_be_applied(synthetic_catalog):
    found = reasons(synthetic_catalog, "西工区政府办基本支出比项目支出多多少", ("基本支出", "项目支出"))
    assert found == ["没有按“比项目支出多多少”计算"]


def test_the_strong_operator_read_by_the_plan_passes(synthetic_catalog):
    found = reasons(synthetic_catalog, "西工区政府办基本支出比项目支出多多少", ("基本支出比项目支出多多少",),
                    op="difference")
    assert found == []


def test_a_unit_inside_the_department_must_be_read(synthetic_catalog):
    found = reasons(synthetic_catalog, "西工区政务服务中心的人员经费", ("人员经费",))
    assert found == ["问的是西工区政务服务中心，找到的数不是它的"]


def test_the_unit_read_passes(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政务服务中心的人员经费", ("政务服务中心", "人员经费")) == []


def test_a_code_written_must_be_used(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工街道30201是多少") == ["没有用到问题所说的“30201”"]


def test_a_numbered_table_must_be_the_one_cited(synthetic_catalog):
    question = "西工街道预算07表里的办公费"
    other = result(4.0, label="办公费", table="预算06表 一般公共预算基本支出预算表")
    assert reasons(synthetic_catalog, question, ("办公费",), other, numbered={6, 7}) == [
        "没有用到问题所说的“预算07表”"]
    right = result(4.0, label="办公费", table="预算07表 支出经济分类汇总表")
    assert reasons(synthetic_catalog, question, ("办公费",), right, numbered={6, 7}) == []


def test_a_table_number_the_documents_do_not_use_is_no_reason(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工街道预算07表里的办公费", ("办公费",), numbered=set()) == []


def test_a_table_named_by_title_must_be_read(synthetic_catalog):
    question = "区政府办项目支出预算表里的会议费"
    at = question.find("项目支出预算表")
    named = [(at, at + len("项目支出预算表"), "项目支出预算表")]
    assert "没有用到问题所说的“项目支出预算表”" in reasons(synthetic_catalog, question, ("会议费",), named=named)
    read_it = ("项目支出预算表", "会议费")
    assert reasons(synthetic_catalog, question, read_it, result(table="项目支出预算表"), named=named) == []


def test_a_month_is_no_budget_figure(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政府办3月份办公费多少", ("办公费",)) == [
        "问的是“3月”的数，预算只有全年的数", "问的是“月份”的数，预算只有全年的数"]


def test_a_quarter_is_no_budget_figure(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政府办2025年第三季度办公费多少", ("办公费",)) == [
        "问的是“第三季度”的数，预算只有全年的数"]


def test_actual_spending_is_not_in_a_budget(synthetic_catalog):
    question = "西工街道2023年决算支出是多少"
    assert reasons(synthetic_catalog, question, years=(2023,)) == ["问的是实际支出（决算），文件只有预算"]
    assert reasons(synthetic_catalog, question, years=(2023,), actual=True) == []


def test_a_constant_the_user_gave_must_be_used(synthetic_catalog):
    found = reasons(synthetic_catalog, "区审批局项目支出增加10%是多少", ("项目支出增加",), result(70.68, label="项目支出"))
    assert found == ["没有用到问题所给的“10%”"]


def test_last_year_must_be_computed(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政府办去年的项目支出", ("项目",)) == ["问的是去年的数，找到的是本年的"]


def test_another_year_must_be_computed(synthetic_catalog):
    assert reasons(synthetic_catalog, "西工区政府办2024年的项目支出", ("项目",)) == ["问的是2024年，文件是2025年的"]


def test_a_count_is_not_answered_with_money(synthetic_catalog):
    assert reasons(synthetic_catalog, "区审批局公车有几辆", ("公车",)) == ["问的是数量（辆），找到的却是万元"]
    assert reasons(synthetic_catalog, "区审批局公车有几辆", ("公车",), result(0, "辆", "count", "车辆")) == []


def test_times_is_not_answered_with_money(synthetic_catalog):
    found = reasons(synthetic_catalog, "区政府办基本支出是项目支出的几倍", ("基本支出", "项目支出"), op="ratio")
    assert "问的是倍数，找到的却是万元" in found


def test_a_claim_with_a_number_needs_the_number_checked(synthetic_catalog):
    found = reasons(synthetic_catalog, "有人说区政府办三公经费超过5万元，对吗", ("三公",), result(5.43, label="三公经费"))
    assert "没有核对说法中的数字" in found and "没有用到问题所给的“5万元”" in found


def test_a_claim_asked_to_be_judged_needs_a_verdict(synthetic_catalog):
    found = reasons(synthetic_catalog, "区政府办三公经费比去年增加了，对吗", ("三公", "去年"), result(5.43, label="三公经费"))
    assert found == ["问的是说法对不对，没有给出判断"]
    judged = result(5.43, label="三公经费", verdict=True)
    assert reasons(synthetic_catalog, "区政府办三公经费比去年增加了，对吗", ("三公", "去年"), judged) == []


def test_consistency_needs_a_verdict(synthetic_catalog):
    question = "区政府办项目支出文字和表格一致吗"
    words = ("项目", "文字", "表格一致")
    assert reasons(synthetic_catalog, question, words) == ["问的是是否一致，没有给出判断"]
    assert reasons(synthetic_catalog, question, words, result(verdict=True)) == []


def test_a_share_over_a_hundred_percent_is_held_back(synthetic_catalog):
    found = reasons(synthetic_catalog, "区政府办项目支出占总支出的比例", ("项目支出占总支出的比例",),
                    result(150.0, "%", "percent", "占比"), op="share")
    assert found == ["算出的占比超过100%，部分和整体可能弄反了"]


def test_a_sentence_is_no_answer_to_how_much(synthetic_catalog):
    reading = read("区政府办开会花了多少钱", synthetic_catalog)
    words = Result(value=None, unit=None, kind="text", texts=["会议费主要用于…"])
    checked = gates.check(reading, plan(reading, "开会", op="quote"), words, [2025])
    assert checked.reasons == ["问的是数字，找到的是一段文字"]


# ---- choose ---------------------------------------------------------------------------------------

def checked(catalog, question: str, words: tuple[str, ...], score: float, res: Result) -> gates.Checked:
    reading = read(question, catalog)
    return gates.check(reading, plan(reading, *words, score=score), res, [2025])


def test_a_clear_best_reading_is_chosen(synthetic_catalog):
    q = "区政府办办公费多少"
    best, close = gates.choose([checked(synthetic_catalog, q, ("办公费",), 0.95, result(4.0)),
                                checked(synthetic_catalog, q, ("办公费",), 0.80, result(28.26))])
    assert best.result.value == 4.0 and close == []


def test_close_readings_with_different_figures_are_offered_not_picked(synthetic_catalog):
    q = "区政府办办公费多少"
    best, close = gates.choose([checked(synthetic_catalog, q, ("办公费",), 0.95, result(4.0)),
                                checked(synthetic_catalog, q, ("办公费",), 0.93, result(28.26))])
    assert best is None and sorted(c.result.value for c in close) == [4.0, 28.26]


def test_close_readings_with_the_same_figure_agree(synthetic_catalog):
    q = "区政府办会议费多少"
    best, close = gates.choose([checked(synthetic_catalog, q, ("会议费",), 0.95, result(1.3)),
                                checked(synthetic_catalog, q, ("会议费",), 0.94, result(1.3, table="项目支出预算表"))])
    assert best.result.value == 1.3 and close == []


def test_a_reading_of_more_words_wins_over_one_of_fewer(synthetic_catalog):
    q = "区政府办办公经费会议费多少"
    narrow = checked(synthetic_catalog, q, ("会议费",), 0.95, result(1.3))
    wide = checked(synthetic_catalog, q, ("办公经费会议费",), 0.93, result(1.31, label="办公经费-会议费"))
    best, close = gates.choose([narrow, wide])
    assert best is wide and close == []


def test_a_table_figure_stands_over_the_text_for_the_same_words(synthetic_catalog):
    q = "区政府办项目支出多少"
    table = checked(synthetic_catalog, q, ("项目",), 0.94, result(241.35, label="项目支出"))
    text = checked(synthetic_catalog, q, ("项目",), 0.95, result(241.0, label="项目支出", cited="section"))
    best, close = gates.choose([table, text])
    assert best is table and close == []
    assert gates.text_differs(best, [table, text]) is text


def test_readings_of_different_parts_are_no_rivals(synthetic_catalog):
    q = "区政府办有几个项目？一共多少钱？"
    asked = read(q, synthetic_catalog).asked
    assert asked.parts == ["count", "amount"]
    amount = checked(synthetic_catalog, q, ("项目",), 0.93, result(241.35, label="项目支出"))
    count = checked(synthetic_catalog, q, ("项目",), 0.92, result(18, "个", "count", "项目"))
    best, close = gates.choose([amount, count], asked)
    assert best is amount and close == []


def test_nothing_passed_nothing_chosen():
    assert gates.choose([]) == (None, [])


def test_a_verdict_is_less_sure_than_the_figure_it_rests_on(synthetic_catalog):
    q = "区政府办会议费多少"
    figure = checked(synthetic_catalog, q, ("会议费",), 0.9, result(1.3))
    verdict = checked(synthetic_catalog, q, ("会议费",), 0.9, result(1.3, verdict=True))
    assert gates.confidence(verdict, [verdict]) < gates.confidence(figure, [figure])


# ---- kind_fits --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("asked", "kind", "unit", "fits"), [
    (Asked(kind="amount"), "amount", "万元", True),
    (Asked(kind="amount"), "percent", "%", False),
    (Asked(kind="percent", unit="%"), "percent", "%", True),
    (Asked(kind="ratio", unit="倍"), "amount", "万元", False),
    (Asked(kind="count", unit="辆"), "count", "辆", True),
    (Asked(kind="count", unit="辆"), "count", "个", False),
    (Asked(kind="count", unit="个"), "count", "家", True),  # 个 and 家 count the same things
    (Asked(kind="count", unit="人"), "count", "名", True),
    (Asked(kind="time"), "time", "小时", True),
    (Asked(kind="time"), "count", "个", False),
    (Asked(kind="time"), "text", None, True),  # "什么时候": a date in words
    (Asked(kind="text"), "amount", "万元", False),
    (Asked(), "amount", "万元", True),  # nothing asked in so many words
    (Asked(kind="amount"), "verdict", None, True),
    (Asked(kind="amount", parts=["amount", "percent"]), "percent", "%", True),
    (Asked(kind="amount", parts=["any"]), "count", "个", True),
])
def test_kind_fits(asked, kind, unit, fits):
    assert gates.kind_fits(asked, kind, unit) is fits
