"""Flattened PDF tables: columns from templates, numbers placed by the sum rules."""

from pathlib import Path

import pytest

from indexer.parse.layout import TableSpan, find_tables
from indexer.parse.tables_flat import parse_flat_tables

DATA = Path(__file__).resolve().parents[1] / "data"
BUREAU = "2023_洛阳市西工区政务服务和大数据管理局_部门预算.txt"
STREET = "2023_洛阳市西工区西工街道办事处_部门预算.txt"


@pytest.fixture(scope="module")
def parsed():
    out = {}
    for name in (BUREAU, STREET):
        lines = (DATA / name).read_text(encoding="utf-8").split("\n")
        spans = find_tables(lines)
        out[name] = (spans, *parse_flat_tables(name, lines, spans))
    return out


def table(parsed, name, title):
    return next(t for t in parsed[name][1] if t.title == title)


def cells(row):
    return {c.column: c.value for c in row.cells}


def row(t, label):
    return next(r for r in t.rows if r.label == label)


def test_every_table_except_performance_is_parsed(parsed):
    for name in (BUREAU, STREET):
        spans, tables, _ = parsed[name]
        wanted = [s.title for s in spans if "绩效目标" not in s.title]
        assert [t.title for t in tables] == wanted


def test_most_checkable_rows_verify(parsed):
    rows = [r for name in (BUREAU, STREET) for t in parsed[name][1] for r in t.rows
            if r.verified is not None]
    share = sum(bool(r.verified) for r in rows) / len(rows)
    assert share >= 0.97  # the rest are placements the arithmetic cannot decide (see warnings)


def test_expenditure_row_in_its_columns(parsed):
    r = row(table(parsed, BUREAU, "部门支出预算表"), "事业运行")
    assert r.code == "2010350" and r.code_kind == "功能分类"
    assert cells(r) == {"合计": 293.88, "基本支出/小计": 99.73, "基本支出/人员经费/工资福利支出": 93.85,
                        "基本支出/公用经费/商品和服务支出": 5.88, "项目支出/小计": 194.15,
                        "项目支出/其他运转类": 194.15}


def test_project_types_split(parsed):
    r = row(table(parsed, BUREAU, "部门支出预算表"), "一般行政管理事务")
    assert cells(r)["项目支出/其他运转类"] == 35.70 and cells(r)["项目支出/特定目标类"] == 522.26


def test_total_row(parsed):
    t = table(parsed, BUREAU, "部门支出预算表")
    total = next(r for r in t.rows if r.is_total)
    assert [c.value for c in total.cells] == [948.39, 196.28, 182.09, 2.33, 11.86, 752.11, 229.85, 522.26]
    assert "基本支出/公用经费/资本性支出" not in cells(total)


def test_column_sums_decide_ambiguous_row(parsed):
    r = row(table(parsed, BUREAU, "部门支出预算表"), "事业单位离退休")
    assert cells(r)["基本支出/人员经费/对个人和家庭的补助"] == 2.23
    assert cells(r)["基本支出/公用经费/商品和服务支出"] == 0.11
    assert r.verified


def test_wrapped_label_rejoined(parsed):
    r = row(table(parsed, BUREAU, "部门支出预算表"), "机关事业单位基本养老保险缴费支出")
    assert r.code == "2080505" and r.line == 590


def test_two_sided_income_total(parsed):
    t = table(parsed, BUREAU, "部门收支预算表")
    r = next(r for r in t.rows if r.label == "收入总计")
    assert r.category == "收入" and cells(r) == {"收入/金额": 948.39}


def test_unit_rows_with_wrapped_names(parsed):
    t = table(parsed, BUREAU, "部门收入预算表")
    r = next(r for r in t.rows if r.code == "113002")
    assert r.code_kind == "单位" and r.label == "洛阳市西工区政务服务中心"
    assert cells(r)["总计"] == 325.76


def test_projects_of_a_unit(parsed):
    t = table(parsed, BUREAU, "项目支出预算表")
    rows = [r for r in t.rows if r.extra.get("项目单位") == "洛阳市西工区政务服务中心"]
    assert len(rows) == 8
    assert round(sum(cells(r)["合计"] for r in rows), 2) == 194.15
    assert all(r.category == "其他运转类" for r in rows)


def test_street_office_totals(parsed):
    t = table(parsed, STREET, "部门收支预算表")
    assert cells(next(r for r in t.rows if r.label == "收入总计")) == {"收入/金额": 1909.07}
    assert cells(next(r for r in t.rows if r.label == "十二、城乡社区事务")) == {"支出/金额": 1569.30}


def test_street_office_projects(parsed):
    t = table(parsed, STREET, "项目支出预算表")
    total = next(r for r in t.rows if r.is_total)
    assert cells(total)["合计"] == 771.08
    project = next(r for r in t.rows if r.label.endswith("政府购买及岗位"))
    assert cells(project) == {"合计": 530.0, "本年拨款/一般公共预算": 530.0} and project.verified


def test_empty_table_note(parsed):
    t = table(parsed, BUREAU, "政府性基金支出预算表")
    assert t.rows == [] and "无数据" in t.empty_note


def test_unsatisfiable_row_is_kept_unverified():
    lines = ["预算03表", "2023年部门支出预算表", "部门名称：某单位 单位：万元", "科目编码 单位代码 单位（科目名称） 合计",
             "基本支出 项目支出 小计 人员经费 公用经费 小计 其他运转类 特定目标类 类 款 项",
             "工资福利支出 对个人和家庭的补助 商品和服务支出 资本性支出",
             "合计 50.67 50.67 44.70 0.10 5.87",
             "201 03 01 行政运行 50.67 50.67 44.70 0.10 5.00", "- 3 -"]
    span = TableSpan("部门支出预算表", "预算03表", 2, 1, len(lines))
    tables, warnings = parse_flat_tables("x", lines, [span])
    r = next(r for r in tables[0].rows if r.label == "行政运行")
    assert r.verified is False and r.note
    assert any("行政运行" in w and "50.67" in w for w in warnings)
