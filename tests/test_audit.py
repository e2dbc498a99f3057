"""The consistency audit: per check a small synthetic document that must be flagged and one that
must not, then the findings established on the five corpus documents."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer import store
from indexer.records import Cell, Document, Indicator, NarrativeFact, ParsedDocument, Row, Table
from retrieval.audit import audit_all, audit_document
from tests.conftest import CHANHE, CITY_DATA, XIGONG_DATA, XIGONG_GOV, XIGONG_STREET, doc_id_of

# ---------------------------------------------------------------------------- builders


def _cell(column: str, value: float | None, line: int) -> Cell:
    return Cell(column=column, value=value, text="" if value is None else f"{value:.2f}", unit="万元", line=line)


def row(index: int, label: str, values: dict[str, float | None], line: int = 0, **kw) -> Row:
    line = line or 100 + index
    return Row(index=index, label=label, cells=[_cell(c, v, line) for c, v in values.items()], line=line, **kw)


def table(title: str, rows: list[Row], columns: list[str] | None = None, line: int = 100, **kw) -> Table:
    columns = columns or list(dict.fromkeys(c.column for r in rows for c in r.cells))
    return Table(table_id=f"t-{title}-{line}", doc_id="d1", title=title, columns=columns, rows=rows,
                 line_start=line, line_end=line + len(rows) + 1, **kw)


def fact(kind: str, subject: str, value: float, line: int, text: str | None = None,
         section: str = "情况说明 > 三、支出预算总体情况说明", quote: str = "", **kw) -> NarrativeFact:
    unit = "%" if kind in ("share", "change_percent") else "个" if kind == "count" else "万元"
    return NarrativeFact(fact_id=f"f{line}-{kind}-{subject}", doc_id="d1", section_id=f"s-{section}",
                         section=section, kind=kind, subject=subject, value=value, unit=unit,
                         text=text or f"{value:.2f}{unit}", quote=quote or f"{subject}{value}", line=line, **kw)


def indicator(project: str | None, level3: str, value_text: str, number: float, unit: str,
              comparator: str | None = None, level1: str = "成本指标", amount: float | None = None) -> Indicator:
    return Indicator(indicator_id=f"i-{project}-{level3}", doc_id="d1", table="部门预算项目绩效目标表",
                     project=project, project_amount=amount, level1=level1, level3=level3,
                     value_text=value_text, comparator=comparator, number=number, unit=unit, line=500)


def audit(tmp_path, tables=(), facts=(), indicators=(), database: str = "audit.sqlite"):
    """Store one synthetic document and audit it."""
    conn = store.connect(tmp_path / database)
    document = Document(doc_id="d1", file_name="d1.txt", path="/d1.txt", sha256="x", title="测试部门预算",
                        department="测试局", year=2025, region_level="区", shape="tsv", line_count=900)
    store.replace_document(conn, ParsedDocument(document=document, tables=list(tables), facts=list(facts),
                                                indicators=list(indicators)), [])
    return audit_document(conn, "d1")


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def expense_table(basic: float, projects: float) -> Table:
    return table("部门支出预算表", [row(0, "合计", {"合计": basic + projects, "基本支出/小计": basic,
                                                   "基本支出/人员经费/工资福利支出": basic - 7.7,
                                                   "基本支出/公用经费/商品和服务支出": 7.7,
                                                   "项目支出/小计": projects}, is_total=True),
                                 row(1, "行政运行", {"合计": 57.7, "基本支出/小计": 57.7}, code="2010301",
                                     code_kind="功能分类")])


def project_table(amounts: dict[str, float], title: str = "项目支出预算表", line: int = 400) -> Table:
    column = "资金总额" if "绩效" in title else "合计"
    rows = [row(0, "合计", {column: sum(amounts.values())}, line=line, is_total=True)]
    rows += [row(i, name, {column: amounts[name]}, line=line + i, category="其他运转类")
             for i, name in enumerate(amounts, start=1)]
    return table(title, rows, line=line)


# ---------------------------------------------------------------------------- table checks


def test_failed_table_sum_is_an_error(tmp_path):
    bad = row(0, "合计", {"合计": 10.0}, is_total=True, verified=False, note="合计: 10.00 ≠ sum of items 9.00")
    found = audit(tmp_path, [table("项目支出预算表", [bad, row(1, "甲", {"合计": 9.0}, verified=True)])])
    assert [(f.kind, f.severity, f.figures) for f in found] == [("table_sum", "error", {"total": 10.0, "sum": 9.0})]


def test_failed_sum_of_an_ambiguous_flattened_table_is_not_flagged(tmp_path):
    bad = row(0, "合计", {"合计": 10.0}, is_total=True, verified=False, note="合计: 10.00 ≠ sum of items 9.00")
    guess = row(1, "甲", {"合计": 9.0}, verified=False, note="ambiguous: column sums allow 3 placements")
    assert audit(tmp_path, [table("项目支出预算表", [bad, guess])]) == []


def basic_and_summary(basic_office: float, summary_office: float) -> list[Table]:
    basic = table("一般公共预算基本支出预算表", [
        row(0, "合计", {"合计": 50.0}, is_total=True),
        row(1, "办公费", {"合计": basic_office}, code="30201", code_kind="经济分类"),
        row(2, "基本工资", {"合计": 50.0 - basic_office}, code="30101", code_kind="经济分类")], line=200)
    summary = table("支出经济分类汇总表", [
        row(0, "合计", {"总计": 80.0}, is_total=True),
        row(1, "办公费", {"总计": summary_office}, code="30201", code_kind="经济分类"),
        row(2, "基本工资", {"总计": 50.0 - basic_office}, code="30101", code_kind="经济分类")], line=300)
    return [expense_table(50.0, 30.0), basic, summary]


def test_basic_item_smaller_than_summary_is_only_a_scope_info(tmp_path):
    found = audit(tmp_path, basic_and_summary(4.20, 34.20))
    assert [(f.kind, f.severity) for f in found] == [("scope_difference", "info")]
    assert "项目支出" in found[0].note and found[0].figures["difference"] == 30.0
    assert len(found[0].citations) == 2


def test_basic_item_larger_than_summary_is_an_error(tmp_path):
    found = audit(tmp_path, basic_and_summary(10.0, 5.0))
    assert ("cross_table", "error") in [(f.kind, f.severity) for f in found]


def test_project_total_differing_between_tables_is_an_error(tmp_path):
    found = audit(tmp_path, [expense_table(50.0, 30.0), project_table({"甲": 20.0})])
    assert kinds(found) == ["cross_table"] and found[0].figures == {"first": 30.0, "second": 20.0}


def test_project_total_agreeing_between_tables_is_not_flagged(tmp_path):
    assert audit(tmp_path, [expense_table(50.0, 30.0), project_table({"甲": 20.0, "乙": 10.0})]) == []


def balances(fiscal_balance: float | None) -> list[Table]:
    ie = table("部门收支预算表", [row(0, "年终结转结余", {"支出/金额": None}, category="支出")])
    fiscal = table("财政拨款收支预算表", [row(0, "二、年终结转结余", {"支出/合计": fiscal_balance}, category="支出")],
                   line=300)
    return [ie, fiscal]


def test_fiscal_year_end_balance_above_the_departments_is_an_error(tmp_path):
    found = audit(tmp_path, balances(13.02))
    assert kinds(found) == ["year_end_balance"] and found[0].figures == {"fiscal": 13.02, "department": 0.0}


def test_matching_year_end_balances_are_not_flagged(tmp_path):
    assert audit(tmp_path, balances(None)) == []


def overall(amounts: dict[str, float]) -> Table:
    return table("部门(单位)整体支出绩效目标表", [row(i, k, {"总金额": v}) for i, (k, v) in enumerate(amounts.items())], line=600)


def test_overall_performance_amounts_above_the_total_are_flagged(tmp_path):
    found = audit(tmp_path, [expense_table(74.0, 18.0), overall({"基本支出类": 74, "厉行节约类支出": 1.5, "业务工作会议支出": 18})])
    assert kinds(found) == ["performance_total"]
    assert found[0].figures == {"listed": 93.5, "total": 92.0} and "厉行节约类支出" in found[0].note


def test_overall_performance_amounts_adding_up_are_not_flagged(tmp_path):
    assert audit(tmp_path, [expense_table(74.0, 18.0), overall({"基本支出类": 74, "业务工作会议支出": 18})]) == []


def test_project_name_variant_with_the_same_amount_is_flagged(tmp_path):
    found = audit(tmp_path, [project_table({"橙e瀍河青年服务云平台": 10.0}),
                             project_table({"橙e潼河青年服务云平台": 10.0}, "部门预算项目绩效目标表", 500)])
    assert kinds(found) == ["name_variant"] and "潼" in found[0].message


def test_spacing_dash_and_wrapped_names_are_not_variants(tmp_path):
    found = audit(tmp_path, [
        project_table({"办公经费—其他": 20.31, "12345 专项经费": 4.34, "服务群众专项经费-差旅费": 12.0}),
        project_table({"办公经费--其他": 20.31, "12345专项经费": 4.34, "服务群众专项经费-差旅": 12.0},
                      "部门预算项目绩效目标表", 500)])
    assert found == []


# ---------------------------------------------------------------------------- narrative checks


def test_narrative_amount_differing_from_the_table_is_an_error(tmp_path):
    found = audit(tmp_path, [expense_table(219.13, 70.68)], [fact("amount", "基本支出", 200.0, 10)])
    assert [(f.kind, f.severity) for f in found] == [("narrative_vs_table", "error")]
    assert found[0].figures == {"text": 200.0, "table": 219.13}


def test_narrative_amount_equal_to_the_table_is_not_flagged(tmp_path):
    assert audit(tmp_path, [expense_table(219.13, 70.68)], [fact("amount", "基本支出", 219.13, 10)]) == []


def test_narrative_amount_including_carry_over_is_only_a_scope_info(tmp_path):
    general = table("一般公共预算支出预算表", [row(0, "合计", {"合计": 1896.05}, is_total=True)], line=200)
    income = table("部门收入预算表", [row(0, "合计", {"总计": 1909.07, "上年结转结余/合计": 10.02}, is_total=True)], line=150)
    found = audit(tmp_path, [general, income], [fact("amount", "一般公共预算支出", 1906.07, 10)])
    assert [(f.kind, f.severity) for f in found] == [("scope_difference", "info")]


def test_running_cost_equal_to_another_figure_is_flagged(tmp_path):
    found = audit(tmp_path, [expense_table(74.0, 18.0)], [fact("amount", "机关运行经费", 57.7, 10, text="57.7万元")])
    assert kinds(found) == ["mislabelled_figure"] and "行政运行" in found[0].message
    assert found[0].figures == {"text": 57.7, "table": 7.7}


def test_running_cost_equal_to_public_funds_is_not_flagged(tmp_path):
    assert audit(tmp_path, [expense_table(74.0, 18.0)], [fact("amount", "机关运行经费", 7.7, 10)]) == []


def share_facts(share: float) -> list[NarrativeFact]:
    return [fact("amount", "支出总计", 92.0, 10, text="92万元"), fact("amount", "基本支出", 74.0, 10, text="74万元"),
            fact("share", "基本支出", share, 10, text=f"{share}%")]


def test_share_that_does_not_follow_from_the_amounts_is_flagged(tmp_path):
    found = audit(tmp_path, facts=share_facts(75.0))
    assert kinds(found) == ["share"] and found[0].figures["computed"] == 80.43


def test_share_that_follows_from_the_amounts_is_not_flagged(tmp_path):
    assert audit(tmp_path, facts=share_facts(80.43)) == []


def growth(current: float, change: float, rate: float, direction: str) -> list[NarrativeFact]:
    return [fact("amount", "政府性基金收支预算", current, 10),
            fact("change_amount", "政府性基金收支预算", change, 12, direction=direction),
            fact("change_percent", "政府性基金收支预算", rate, 12, direction=direction)]


def test_growth_rate_from_a_zero_base_is_an_error(tmp_path):
    found = audit(tmp_path, facts=growth(3.0, 3.0, 300.0, "增加"))
    assert kinds(found) == ["growth_rate"]
    assert found[0].figures["previous"] == 0.0 and found[0].figures["implied_previous"] == 1.0


def test_growth_rate_wrong_for_its_base_is_an_error(tmp_path):
    assert kinds(audit(tmp_path, facts=growth(289.81, 371.11, 50.0, "减少"))) == ["growth_rate"]


def test_consistent_decrease_is_not_flagged(tmp_path):
    assert audit(tmp_path, facts=growth(289.81, 371.11, 56.15, "减少")) == []


def counted(stated: int, listed: int) -> tuple[list[Table], list[NarrativeFact]]:
    amounts = {f"项目{i}": 1.0 for i in range(listed)}
    return ([project_table(amounts)],
            [fact("amount", "绩效管理涉及预算拨款", float(listed), 20), fact("count", "项目", stated, 20)])


def test_project_count_differing_from_the_rows_is_an_error(tmp_path):
    found = audit(tmp_path, *counted(28, 18))
    assert kinds(found) == ["count"] and found[0].figures == {"text": 28.0, "table": 18.0}
    assert "正好等于" in found[0].message


def test_project_count_equal_to_the_rows_is_not_flagged(tmp_path):
    assert audit(tmp_path, *counted(7, 7)) == []


def three_public(use: str) -> list[NarrativeFact]:
    return [fact("amount", "因公出国(境)费", 0.0, 30, quote=f"(一)因公出国(境)费0.00万元,主要用于{use}。"),
            fact("amount", "公务接待费", 0.0, 31, quote="(二)公务接待费0.00万元,主要用于按规定开支的各类公务接待支出。")]


def test_three_public_item_described_as_another_is_flagged(tmp_path):
    found = audit(tmp_path, facts=three_public("按规定开支的各类公务接待支出"))
    assert kinds(found) == ["description"] and len(found[0].citations) == 2


def test_three_public_item_described_as_itself_is_not_flagged(tmp_path):
    assert audit(tmp_path, facts=three_public("单位工作人员公务出国(境)的住宿费、差旅费")) == []


# ---------------------------------------------------------------------------- indicator checks


def test_satisfaction_above_100_percent_is_flagged(tmp_path):
    found = audit(tmp_path, indicators=[indicator(None, "上级满意", "满意度达到100%以上", 100, "%", "≥", "满意度指标")])
    assert [(f.kind, f.severity) for f in found] == [("indicator_value", "error")]


def test_satisfaction_target_of_95_percent_is_not_flagged(tmp_path):
    assert audit(tmp_path, indicators=[indicator(None, "群众满意度", "≥95%", 95, "%", "≥", "满意度指标")]) == []


def test_cost_indicator_above_the_project_amount_is_flagged(tmp_path):
    found = audit(tmp_path, [project_table({"贷款贴息": 0.70})],
                  indicators=[indicator("贷款贴息", "总成本", "≤0.91万元", 0.91, "万元", "≤")])
    assert kinds(found) == ["cost_indicator"] and found[0].figures == {"budget": 0.7, "indicator": 0.91}


def test_cost_indicators_within_the_amount_or_per_unit_are_not_flagged(tmp_path):
    found = audit(tmp_path, [project_table({"值班经费": 15.0})], indicators=[
        indicator("值班经费", "总成本", "≤15万元", 15, "万元", "≤"),
        indicator("值班经费", "夜班补助", "100元/次/人", 100, "元/次/人", "="),
        indicator("值班经费", "每台电脑", "≤0.5万元", 0.5, "万元", "≤")])
    assert found == []


# ---------------------------------------------------------------------------- records and the CLI


def test_findings_have_two_citations_and_a_json_contract(tmp_path):
    found = audit(tmp_path, [expense_table(50.0, 30.0), project_table({"甲": 20.0})])
    payload = found[0].contract()
    assert {"doc_id", "department", "year", "kind", "severity", "message", "citations"} <= set(payload)
    assert len(payload["citations"]) == 2 and "line" not in payload["citations"][0]


def test_cli_prints_the_findings_as_a_json_array(tmp_path):
    store_dir = tmp_path / "store"
    audit(store_dir, [expense_table(50.0, 30.0), project_table({"甲": 20.0})], database="facts.sqlite")
    result = CliRunner().invoke(app, ["audit", "--json", "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    assert [f["kind"] for f in json.loads(result.output)] == ["cross_table"]


# ---------------------------------------------------------------------------- the corpus


@pytest.fixture(scope="module")
def corpus_findings(corpus_conn):
    return {name: audit_document(corpus_conn, doc_id_of(corpus_conn, name))
            for name in (CHANHE, XIGONG_GOV, CITY_DATA, XIGONG_DATA, XIGONG_STREET)}


def of_kind(findings, kind):
    return [f for f in findings if f.kind == kind]


def test_chanhe_office_costs_differ_by_project_spending_only(corpus_findings):
    office = [f for f in corpus_findings[CHANHE] if "办公费" in f.message]
    assert [(f.kind, f.severity) for f in office] == [("scope_difference", "info")]
    assert office[0].figures == {"basic": 4.2, "summary": 34.2, "difference": 30.0}
    assert "项目支出" in office[0].note


def test_chanhe_has_no_errors(corpus_findings):
    assert [f.message for f in corpus_findings[CHANHE] if f.severity == "error"] == []


def test_chanhe_travel_abroad_is_described_as_hospitality(corpus_findings):
    (found,) = of_kind(corpus_findings[CHANHE], "description")
    assert "因公出国" in found.message and "公务接待" in found.message


def test_chanhe_project_name_written_with_a_wrong_character(corpus_findings):
    (found,) = of_kind(corpus_findings[CHANHE], "name_variant")
    assert "瀍河" in found.message and "潼河" in found.message


def test_xigong_office_states_28_projects_but_lists_18(corpus_findings):
    found = of_kind(corpus_findings[XIGONG_GOV], "count")
    assert found and all(f.figures == {"text": 28.0, "table": 18.0} for f in found)


def test_xigong_office_interest_subsidy_cost_exceeds_its_amount(corpus_findings):
    (found,) = of_kind(corpus_findings[XIGONG_GOV], "cost_indicator")
    assert found.figures == {"budget": 0.7, "indicator": 0.91}


def test_city_running_cost_is_the_administration_line_not_public_funds(corpus_findings):
    (found,) = of_kind(corpus_findings[CITY_DATA], "mislabelled_figure")
    assert found.figures == {"text": 57.7, "table": 7.7} and "行政运行" in found.message


def test_city_satisfaction_targets_above_100_percent(corpus_findings):
    assert len(of_kind(corpus_findings[CITY_DATA], "indicator_value")) == 2


def test_city_overall_performance_work_amounts_exceed_the_budget(corpus_findings):
    (found,) = of_kind(corpus_findings[CITY_DATA], "performance_total")
    assert found.figures == {"listed": 93.5, "total": 92.0}


def test_street_fund_growth_of_300_percent_from_nothing(corpus_findings):
    (found,) = of_kind(corpus_findings[XIGONG_STREET], "growth_rate")
    assert found.figures["rate"] == 300.0 and found.figures["previous"] == 0.0


def test_street_fiscal_year_end_balance_contradicts_the_department_table(corpus_findings):
    (found,) = of_kind(corpus_findings[XIGONG_STREET], "year_end_balance")
    assert found.figures == {"fiscal": 13.02, "department": 0.0}


def test_xigong_data_bureau_has_only_scope_infos(corpus_findings):
    # its text counts 16 projects and lists 16; every figure of the text matches the tables
    assert {f.severity for f in corpus_findings[XIGONG_DATA]} <= {"info"}


def test_no_false_alarms_on_the_corpus(corpus_findings):
    everything = [f for found in corpus_findings.values() for f in found]
    assert of_kind(everything, "narrative_vs_table") == []
    assert of_kind(everything, "share") == [] and of_kind(everything, "table_sum") == []
    assert all(f.severity == "info" for f in of_kind(everything, "scope_difference"))


def test_audit_all_covers_every_document(corpus_conn, corpus_findings):
    assert len(audit_all(corpus_conn)) == sum(len(v) for v in corpus_findings.values())
