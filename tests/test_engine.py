"""The answer engine over the indexed corpus: one test per intent, the lexicon, refusals,
errors, and the CLI's JSON contract. Values are asserted, with their citations and formulas."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from retrieval.engine import Engine, QuestionError
from retrieval.understand import lexicon_terms, understand

runner = CliRunner()


@pytest.fixture(scope="session")
def engine(corpus_engine) -> Engine:
    return corpus_engine


def cited(answer, department: str) -> bool:
    return any(c.department == department for c in answer.citations)


def test_lookup_row_with_its_breakdown(engine):
    a = engine.answer("洛阳市西工区政务服务和大数据管理局2023年“事业运行”科目预算多少，其中项目支出多少？")
    assert (a.value, a.unit, a.answerable) == (293.88, "万元", True)
    assert "194.15" in a.answer and "99.73" in a.answer
    c = a.citations[0]
    assert c.kind == "table" and "部门支出预算表" in c.table and c.row == "事业运行" and c.line > 0


def test_lookup_through_the_lexicon(engine):
    a = engine.answer("西工区政府办出国花了多少钱？")
    assert (a.value, a.unit) == (0.0, "万元") and "因公出国" in a.answer
    assert cited(a, "洛阳市西工区人民政府办公室")


def test_lexicon_maps_plain_words_to_budget_terms():
    assert lexicon_terms("政府办一年招待客人、养车总共花多少") == ["公务接待费", "公务用车购置及运行费"]
    assert "因公出国(境)费" in lexicon_terms("出国花了多少钱")
    assert "支出总计" in lexicon_terms("一年花多少钱")


def test_sum_of_plain_items(engine):
    a = engine.answer("政府办一年招待客人、养车总共花多少？")
    assert a.value == 5.43 and a.computation == "0.83 + 4.60 = 5.43"


def test_share_computed_with_formula(engine):
    a = engine.answer("市大数据局2020年“三公”经费占公用经费的比例是多少？")
    assert (a.value, a.unit) == (19.48, "%")
    assert a.computation == "1.50 ÷ 7.70 × 100% = 19.48%"


def test_count_of_projects_of_a_unit(engine):
    a = engine.answer("洛阳市西工区政务服务和大数据管理局所属的西工区政务服务中心，2023年一共有几个项目？合计多少钱？")
    assert (a.value, a.unit) == (8, "个") and "194.15" in a.answer


def test_previous_year_from_the_stated_change(engine):
    a = engine.answer("按文件给的减少额算，瀍河区审批局2024年的预算总额是多少？")
    assert a.value == 660.92 and a.computation.startswith("289.81 + 371.11 = 660.92")


def test_previous_year_not_stated_is_refused(engine):
    a = engine.answer("西工区政府办2024年的项目支出是多少？")
    assert a.answerable is False and a.value is None


def test_largest_project_and_its_share(engine):
    a = engine.answer("西工区政府办2025年金额最大的项目是哪个？占项目支出的比例是多少？")
    assert (a.value, a.unit) == (39.9, "%") and "信息化建设" in a.answer


def test_average_per_person(engine):
    a = engine.answer("西工区政务服务局机关的“政府购买服务（8人）”项目，平均每人一年多少钱？")
    assert (a.value, a.unit) == (3.5, "万元/人") and a.computation == "28.00 ÷ 8 = 3.50"


def test_difference_between_two_tables(engine):
    a = engine.answer("洛阳市西工区西工街道办事处支出经济分类汇总表里的办公费，比基本支出表里的办公费多多少？")
    assert a.value == 60.92 and a.computation == "80.42 − 19.50 = 60.92"


def test_comparison_of_two_departments(engine):
    a = engine.answer("洛阳市西工区人民政府办公室和洛阳市西工区西工街道办事处，谁的公务用车运行维护费高？高多少？")
    assert a.value == 2.2 and cited(a, "洛阳市西工区人民政府办公室") and cited(a, "洛阳市西工区西工街道办事处")


def test_indicator_value_as_written(engine):
    a = engine.answer("瀍河区审批局的政务服务工作经费项目，要求服务窗口数量和业务办理量分别是多少？")
    assert (a.value, a.unit) == (26, "个") and "≥55万件" in a.answer
    assert any(c.column == "服务窗口数量" and c.row == "政务服务工作经费" for c in a.citations)


def test_narrative_quotes_the_reason(engine):
    a = engine.answer("洛阳市西工区人民政府办公室公务用车运行维护费为什么增加？")
    assert "金融局" in a.answer and a.value is None
    assert a.citations[0].kind == "section" and "金融局" in a.citations[0].quote


def test_claim_direction_false_with_the_real_figure(engine):
    a = engine.answer("判断对错：洛阳市西工区人民政府办公室2025年“三公”经费比上年减少了。实际增减幅度（%）是多少？")
    assert a.verdict is False and (a.value, a.unit) == (27.46, "%")


def test_claim_scope_difference_is_not_an_error(engine):
    a = engine.answer("瀍河区审批局的办公费在基本支出表里是4.20万元、在支出经济分类汇总表里是34.20万元，这说明表格算错了，对吗？")
    assert a.verdict is False and "项目支出" in a.answer


def test_consistency_question_uses_the_audit(engine):
    a = engine.answer("洛阳市西工区人民政府办公室2025年到底有多少个项目？文字说明和项目表一致吗？")
    assert a.verdict is False and a.value == 18 and "28" in a.answer


@pytest.mark.parametrize("question", [
    "洛阳市西工区人民政府办公室有多少在编人员？",
    "洛阳市政务服务和大数据管理局2021年的预算是多少？",
    "西工区政府办的公车是什么品牌型号？",
    "洛阳市涧西区教育局2025年的预算是多少？",
])
def test_refusals_state_no_number_and_name_what_is_covered(engine, question):
    a = engine.answer(question)
    assert a.answerable is False and a.value is None
    assert "已收录的预算文件" in a.answer


@pytest.mark.parametrize(("question", "message"), [("", "问题为空"), ("   ", "问题为空"), ("预" * 5000, "问题过长")])
def test_bad_questions_raise_a_clear_error(engine, question, message):
    with pytest.raises(QuestionError, match=message):
        engine.answer(question)


def test_document_filter_restricts_answers(engine):
    chanhe = next(d.doc_id for d in engine.documents if "瀍河" in d.department)
    a = engine.answer("西工区政府办出国花了多少钱？", doc_ids=[chanhe])
    assert a.answerable is False and a.value is None


def test_intents_are_recognised():
    assert understand("这说明表格算错了，对吗？").has("claim")
    assert understand("文字说明和项目表一致吗？").has("consistency")
    assert understand("按增长额推算，2022年预算总额是多少？").has("previous_year")
    assert understand("特定目标类项目有几个？").has("count")


def test_cli_ask_json_and_batch(corpus_index, tmp_path, monkeypatch, model_dir):
    _, settings, _ = corpus_index
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    one = runner.invoke(app, ["ask", "西工街道有几辆车？", "--json", "--store", str(settings.store)])
    data = json.loads(one.stdout)
    assert set(data) == {"question", "answer", "answerable", "value", "unit", "verdict", "computation", "citations",
                         "interpretation"}
    assert "洛阳市西工区西工街道办事处 · 2023" in data["interpretation"]
    assert (data["value"], data["unit"]) == (3, "辆")
    batch = tmp_path / "q.txt"
    batch.write_text("西工街道有几辆车？\n\n瀍河区审批局“政务服务工作经费”这个项目给了多少钱？\n", encoding="utf-8")
    out = runner.invoke(app, ["ask", "--batch", str(batch), "--json", "--store", str(settings.store)])
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["value"] for x in lines] == [3, 30.0]


def test_cli_errors_are_messages(tmp_path, corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    missing = runner.invoke(app, ["ask", "预算多少？", "--store", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no store at" in missing.stderr
    _, settings, _ = corpus_index
    empty = runner.invoke(app, ["ask", "  ", "--store", str(settings.store)])
    assert empty.exit_code == 1 and "问题为空" in empty.stderr


def test_two_questions_in_one_are_both_answered(engine):
    a = engine.answer("西工区政府办一年花多少钱？有公车吗？")
    assert a.value == 1074.61 and "1074.61" in a.answer and "一般公务用车0辆" in a.answer


def test_which_is_more_of_two_items(engine):
    a = engine.answer("西工区政府办的钱主要养人还是办事？")
    assert a.value == 781.35 and "人员经费更多" in a.answer and a.computation


def test_a_named_section_is_quoted_whole(engine):
    a = engine.answer("瀍河区审批局的主要职责有哪些？")
    assert "(一)" in a.answer and "(三)" in a.answer  # the sub-sections, not one sentence
    assert a.citations[0].kind == "section" and "主要职责" in a.citations[0].section


def test_structure_of_spending_adds_up(engine):
    a = engine.answer("西工区政府办2025年三公经费构成是什么？")
    assert a.value == 5.43 and a.computation == "0.00 + 0.83 + 4.60 = 5.43"
    assert [f.label for f in a.figures] == ["因公出国(境)费", "公务接待费", "公务用车购置及运行费"]
    spending = engine.answer("西工区政府办2025年的钱都花在哪了？")
    assert spending.value == 1074.61 and "一般公共服务711.02万元" in spending.answer


def test_what_an_amount_is_for_comes_from_the_row_that_carries_it(engine):
    a = engine.answer("洛阳市政务服务和大数据管理局2020年18万元项目支出是干什么用的？")
    assert "信用体系建设" in a.answer and a.value is None
    assert any(c.kind == "table" and c.row == "业务工作会议支出" for c in a.citations)


def test_an_ambiguous_department_is_asked_back_without_a_number(engine):
    a = engine.answer("大数据局的预算是多少？")
    assert a.answerable is False and a.value is None and "请写明是哪一个" in a.answer


def test_a_comparison_across_different_years_says_so(engine):
    a = engine.answer("西工区政府办2025年和西工街道2023年的人员经费分别是多少？")
    assert a.value == 781.35 and "1080.44" in a.answer and "年度不同" in a.answer


def test_per_person_without_a_head_count_is_refused(engine):
    a = engine.answer("西工区政府办2025年人均工资是多少？")
    assert a.answerable is False and a.value is None


def test_the_stated_change_itself(engine):
    a = engine.answer("西工街道2023年比上年增加了多少？")
    assert (a.value, a.unit) == (208.86, "万元") and "12.28%" in a.answer


def test_the_part_named_after_zhong_is_asked(engine):
    a = engine.answer("瀍河区审批局2025年一般公共预算基本支出中公用经费是多少？")
    assert a.value == 11.46


def test_a_stated_figure_without_a_unit_is_checked(engine):
    a = engine.answer("判断：瀍河区审批局2025年三公经费为0。")
    assert a.verdict is True


def test_a_row_named_with_its_category_word(engine):
    a = engine.answer("洛阳市西工区西工街道办事处2023年一般公共服务支出是多少？")
    assert a.value == 3.0 and a.citations[0].row == "一、一般公共服务"


def test_last_year_inside_an_item_name_is_no_previous_year_question(engine):
    a = engine.answer("西工街道2023年上年结转结余是多少？")
    assert a.value == 13.02


def test_an_indicator_named_without_indicator_words(engine):
    a = engine.answer("瀍河区审批局12345便民热线平台维护费的平台维护数量是多少？")
    assert (a.value, a.unit) == (46, "个")


def test_a_table_named_in_a_lookup_is_used(engine):
    a = engine.answer("西工区政府办2025年办公费在支出经济分类汇总表里是多少？")
    assert a.value == 28.26 and "支出经济分类汇总表" in a.citations[0].table


def test_main_part_claim_when_everything_is_zero(engine):
    a = engine.answer("有人说瀍河区审批局2025年三公经费主要用在公务用车上，对吗？")
    assert a.verdict is False and "各项都是0" in a.answer
