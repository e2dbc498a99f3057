"""Tab-separated tables: every span becomes a verified Table with figures in the right columns."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from indexer.parse.layout import find_tables
from indexer.records import Cell, Row, Table
from indexer.parse.tables_tsv import parse_tsv_tables
from indexer.parse.verify import sum_rules, verify_table

DATA = Path(__file__).resolve().parents[1] / "data"
CHANHE = "2025_洛阳市瀍河回族区行政审批和政务信息管理局_部门预算.txt"
XIGONG_GOV = "2025_洛阳市西工区人民政府办公室_部门预算.txt"
CITY_2020 = "2020_洛阳市政务服务和大数据管理局_部门预算.txt"
TSV_DOCS = (CHANHE, XIGONG_GOV, CITY_2020)


@cache
def parsed(name: str) -> tuple[list[Table], list[str], int]:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    spans = [s for s in find_tables(lines) if "绩效目标" not in s.title]
    tables, warnings = parse_tsv_tables(name, lines, find_tables(lines))
    return tables, warnings, len(spans)


def table(name: str, title: str) -> Table:
    return next(t for t in parsed(name)[0] if t.title == title)


def row(t: Table, label: str, code: str | None = None, category: str | None = None) -> Row:
    return next(r for r in t.rows if label in r.label and (code is None or r.code == code)
                and (category is None or r.category == category))


def value(r: Row, column: str) -> float | None:
    return next((c.value for c in r.cells if c.column == column), None)


@pytest.mark.parametrize("name", TSV_DOCS)
def test_every_span_becomes_a_table(name):
    tables, _, spans = parsed(name)
    assert len(tables) == spans and all(t.rows for t in tables)


@pytest.mark.parametrize("name", TSV_DOCS)
def test_every_checkable_row_verifies(name):
    rows = [(t.title, r) for t in parsed(name)[0] for r in t.rows]
    failed = [(title, r.line, r.note) for title, r in rows if r.verified is False]
    assert failed == [] and sum(r.verified is True for _, r in rows) > 10


@pytest.mark.parametrize("name", TSV_DOCS)
def test_no_unplaced_cells(name):
    assert not [w for w in parsed(name)[1] if "under no header" in w or "not a number" in w]


def test_expenditure_table_columns_from_three_header_rows():
    t = table(CHANHE, "部门支出预算表")
    assert t.columns == [
        "合计", "基本支出/小计", "基本支出/人员经费/工资福利支出",
        "基本支出/人员经费/对个人和家庭的补助", "基本支出/公用经费/商品和服务支出",
        "基本支出/公用经费/资本性支出", "项目支出/小计", "项目支出/其他运转类",
        "项目支出/特定目标类"]
    r = row(t, "行政运行")
    assert (r.code, r.code_kind) == ("2010301", "功能分类")
    assert value(r, "合计") == 171.63
    assert value(r, "基本支出/人员经费/工资福利支出") == 160.17
    assert value(r, "基本支出/公用经费/商品和服务支出") == 11.46
    assert value(row(t, "行政单位医疗"), "合计") == 15.58


def test_shifted_leaf_header_row_is_read_in_order():
    # 西工区政府办 prints its leaf header row under the code columns
    r = row(table(XIGONG_GOV, "部门支出预算表"), "行政单位离退休")
    assert value(r, "基本支出/人员经费/对个人和家庭的补助") == 103.24
    assert value(r, "基本支出/公用经费/商品和服务支出") == 2.20


def test_same_item_differs_by_scope_between_tables():
    summary = row(table(CHANHE, "支出经济分类汇总表"), "办公费")
    basic = row(table(CHANHE, "一般公共预算基本支出预算表"), "办公费")
    assert (summary.code, value(summary, "总计")) == ("30201", 34.20)
    assert value(basic, "本年一般公共预算基本支出/合计") == 4.20
    assert summary.extra["政府预算经济分类"] == "50201"


def test_two_sided_table_splits_income_and_expenditure():
    t = table(CHANHE, "部门收支预算表")
    assert value(row(t, "收入总计", category="收入"), "收入/金额") == 289.81
    assert value(row(t, "卫生健康", category="支出"), "支出/金额") == 15.58
    grant = table(CHANHE, "财政拨款收支预算表")
    assert "支出/一般公共预算/其中:财政拨款" in grant.columns
    assert value(row(grant, "本年支出", category="支出"), "支出/一般公共预算/小计") == 289.81


def test_income_table_header_slip_is_repaired():
    t = table(CHANHE, "部门收入预算表")
    r = row(t, "洛阳市瀍河", code="141")
    assert r.code_kind == "单位"
    assert value(r, "本年收入/一般公共预算/其中:财政拨款") == 289.81
    assert value(r, "本年收入/政府性基金") is None


def project_rows(name: str) -> list[Row]:
    return [r for r in table(name, "项目支出预算表").rows if not r.is_total and not r.code]


def test_chanhe_projects():
    projects = project_rows(CHANHE)
    assert len(projects) == 7
    assert round(sum(value(r, "合计") for r in projects), 2) == 70.68
    work = row(table(CHANHE, "项目支出预算表"), "政务服务工作经费")
    assert (value(work, "合计"), work.category) == (30.00, "其他运转类")
    assert work.extra["项目单位"] == "洛阳市瀍河回族区行政审批和政务信息管理局"


def test_xigong_projects():
    projects = project_rows(XIGONG_GOV)
    assert len(projects) == 18
    assert round(sum(value(r, "合计") for r in projects), 2) == 241.35


def test_2020_three_public_list():
    t = table(CITY_2020, "一般公共预算“三公”经费支出情况表")
    column = t.columns[0]
    total = row(t, "共计")
    assert total.is_total and value(total, column) == 1.5 and total.verified is True
    assert value(row(t, "公务用车费"), column) == 1.3


def test_2020_basic_table_codes():
    r = row(table(CITY_2020, "一般公共预算基本支出情况表"), "津贴补贴")
    assert (r.code, r.code_kind, value(r, "一般公共预算/小计")) == ("30102", "经济分类", 16.6)


def test_empty_table_keeps_its_note():
    t = table(CHANHE, "政府性基金支出预算表")
    assert "无数据" in (t.empty_note or "")
    assert [r.label for r in t.rows] == ["合计"] and t.rows[0].cells == []


def test_tables_continue_across_separators_and_blank_lines():
    # 瀍河's 支出经济分类汇总表 has a blank line before its last row, then a "-----" line
    assert row(table(CHANHE, "支出经济分类汇总表"), "住房公积金").line == 353


def test_sum_rules_from_paths():
    rules = dict(sum_rules(["合计", "基本支出/小计", "基本支出/人员经费/工资福利支出",
                            "基本支出/公用经费/商品和服务支出", "项目支出/小计",
                            "项目支出/其他运转类", "一般公共预算/其中:财政拨款"]))
    assert rules["合计"] == ["基本支出/小计", "项目支出/小计"]
    assert rules["基本支出/小计"] == ["基本支出/人员经费/工资福利支出",
                                  "基本支出/公用经费/商品和服务支出"]


def _cell(column: str, value: float, line: int) -> Cell:
    return Cell(column=column, value=value, text=f"{value:.2f}", unit="万元", line=line)


def test_total_that_does_not_add_up_is_flagged():
    columns = ["合计", "基本支出", "项目支出"]
    rows = [
        Row(index=0, label="合计", is_total=True, line=1,
            cells=[_cell("合计", 100.0, 1), _cell("基本支出", 60.0, 1), _cell("项目支出", 40.0, 1)]),
        Row(index=1, label="行政运行", code="2010301", code_kind="功能分类", line=2,
            cells=[_cell("合计", 70.0, 2), _cell("基本支出", 60.0, 2)]),  # 60 + 0 ≠ 70
        Row(index=2, label="一般行政管理事务", code="2010302", code_kind="功能分类", line=3,
            cells=[_cell("合计", 40.0, 3), _cell("项目支出", 40.0, 3)]),
    ]
    checked = verify_table(Table(table_id="t", doc_id="d", title="部门支出预算表",
                                 columns=columns, rows=rows, line_start=1, line_end=3))
    total, bad, good = checked.rows
    assert bad.verified is False and "70.00" in bad.note and "60.00" in bad.note
    assert total.verified is False and "110.00" in total.note  # 合计 100 vs rows 70 + 40
    assert good.verified is True
