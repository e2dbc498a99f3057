"""绩效目标 tables: projects, indicators and their parsed values, in all five documents."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from indexer.parse.indicator_tables import parse_indicator_tables
from indexer.parse.indicators import parse_indicator_value
from indexer.parse.layout import find_tables
from indexer.records import Indicator, Table

DATA = Path(__file__).resolve().parents[1] / "data"
CHANHE = "2025_洛阳市瀍河回族区行政审批和政务信息管理局_部门预算.txt"
XIGONG_GOV = "2025_洛阳市西工区人民政府办公室_部门预算.txt"
CITY_DATA = "2020_洛阳市政务服务和大数据管理局_部门预算.txt"
XIGONG_DATA = "2023_洛阳市西工区政务服务和大数据管理局_部门预算.txt"
XIGONG_STREET = "2023_洛阳市西工区西工街道办事处_部门预算.txt"
FLAT = {XIGONG_DATA, XIGONG_STREET}


@lru_cache(maxsize=None)
def parsed(name: str) -> tuple[list[Table], list[Indicator], list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").split("\n")
    return parse_indicator_tables(name[:8], lines, find_tables(lines), name in FLAT)


def project_table(name: str) -> Table:
    return next(t for t in parsed(name)[0] if "项目" in t.title)


def projects(name: str) -> list[str]:
    return [r.label for r in project_table(name).rows if r.code_kind == "项目"]


def find(name: str, level3: str, project: str | None = "*") -> Indicator:
    hits = [i for i in parsed(name)[1] if i.level3 == level3 and (project == "*" or i.project == project)]
    assert len(hits) == 1, [h.model_dump() for h in hits]
    return hits[0]


def with_indicators(name: str) -> set[str]:
    return {i.project for i in parsed(name)[1] if i.project}


# parse_indicator_value ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("≥95%", ("≥", 95.0, "%")),
        ("26个", ("=", 26.0, "个")),
        ("30万元", ("=", 30.0, "万元")),
        ("≥55万件", ("≥", 55.0, "万件")),
        ("满意度达到95%以上", ("≥", 95.0, "%")),
        ("90%以上", ("≥", 90.0, "%")),
        ("不低于90%", ("≥", 90.0, "%")),
        ("不超过10万元", ("≤", 10.0, "万元")),
        ("2小时以内", ("≤", 2.0, "小时")),
        ("≤4 小时", ("≤", 4.0, "小时")),
        ("$\\leq 4$ 小时", ("≤", 4.0, "小时")),
        ("$\\geq 90\\%$", ("≥", 90.0, "%")),
        (">90000张", (">", 90000.0, "张")),
        ("超过210项民生服务实现掌上办", (">", 210.0, "项")),
        ("50元/次/人", ("=", 50.0, "元/次/人")),
        ("即时响应", (None, None, None)),
        ("90%以上，40%以上", (None, None, None)),
    ],
)
def test_parse_indicator_value(text, expected):
    assert parse_indicator_value(text) == expected


# 瀍河 2025 (tab-separated, shifted columns, LaTeX values) ----------------------------------------

def test_chanhe_finds_all_seven_projects_with_amounts():
    rows = {r.label: r.cells[0].value for r in project_table(CHANHE).rows if r.code_kind == "项目"}
    assert rows == {"政务服务工作经费": 30.0, "12345专项经费": 4.34, "网络使用年租": 5.8,
                    "电子政务网年租费": 8.54, "12345便民热线平台维护费": 2.0, "智慧社区": 10.0,
                    "橙e潼河青年服务云平台": 10.0}  # the text misprints 瀍河 as 潼河


def test_chanhe_every_project_has_indicators():
    assert with_indicators(CHANHE) == set(projects(CHANHE))


def test_chanhe_side_by_side_indicators_are_split_by_level1():
    levels = {i.level1 for i in parsed(CHANHE)[1] if i.project == "政务服务工作经费" and i.line == 497}
    assert levels == {"成本指标", "产出指标", "效益指标", "满意度指标"}


def test_chanhe_service_windows():
    item = find(CHANHE, "服务窗口数量")
    assert (item.value_text, item.comparator, item.number, item.unit) == ("26个", "=", 26.0, "个")
    assert item.project_amount == 30.0


def test_chanhe_business_volume_on_a_continuation_line():
    item = find(CHANHE, "业务办理量")
    assert (item.project, item.comparator, item.number, item.unit) == ("政务服务工作经费", "≥", 55.0, "万件")


def test_chanhe_latex_value_is_cleaned():
    item = find(CHANHE, "12345诉求及网民诉求群众的满意度")
    assert (item.project, item.level1, item.value_text) == ("12345专项经费", "满意度指标", "≥95%")


def test_chanhe_repair_time():
    item = find(CHANHE, "平台故障修复平均时间", "12345便民热线平台维护费")
    assert (item.comparator, item.number, item.unit) == ("≤", 2.0, "小时")


def test_chanhe_name_and_value_in_one_cell_are_split():
    item = find(CHANHE, "平台正常运行率", "橙e潼河青年服务云平台")
    assert item.value_text == "≥99.5%"


def test_chanhe_overall_budget_rows():
    table = next(t for t in parsed(CHANHE)[0] if "整体" in t.title)
    amounts = {r.label: r.cells[0].value for r in table.rows}
    assert amounts["部门预算总额"] == 289.81 and amounts["基本支出"] == 219.13 and amounts["项目支出"] == 70.68


def test_chanhe_overall_shifted_row_keeps_its_level2():
    item = find(CHANHE, "“三公经费”控制率", None)
    assert (item.level1, item.level2, item.value_text) == ("投入管理指标", "预算和财务管理", "≤5%")
    assert item.note.startswith("“三公经费”控制率=")


# 西工区人民政府办公室 2025 ------------------------------------------------------------------------

def test_xigong_gov_all_eighteen_projects_have_indicators():
    assert len(projects(XIGONG_GOV)) == 18
    assert with_indicators(XIGONG_GOV) == set(projects(XIGONG_GOV))


def test_xigong_gov_yearbook_coverage():
    item = find(XIGONG_GOV, "覆盖单位数量")
    assert (item.project, item.value_text, item.comparator, item.number) == (
        "《西工年鉴》财政预算经费", "≥350个", "≥", 350.0)


def test_xigong_gov_cases_handled():
    item = find(XIGONG_GOV, "处理案件数量")
    assert (item.project, item.value_text, item.level1) == ("处非工作经费", "≤100次", "产出指标")


def test_xigong_gov_wrapped_value_is_rejoined():
    assert find(XIGONG_GOV, "保障办公质量").value_text == "符合标准"


def test_xigong_gov_three_public_expenses_control():
    item = find(XIGONG_GOV, "“三公经费”控制率", None)
    assert (item.comparator, item.number, item.unit) == ("≤", 15.0, "%")


# 洛阳市政务服务和大数据管理局 2020 (older template) ---------------------------------------------

def test_city_2020_work_content_amounts():
    table = parsed(CITY_DATA)[0][0]
    assert [(r.label, r.cells[0].value) for r in table.rows] == [
        ("基本支出类", 74.0), ("厉行节约类支出", 1.5), ("业务工作会议支出", 18.0)]


def test_city_2020_satisfaction():
    items = [i for i in parsed(CITY_DATA)[1] if i.level1 == "满意度指标"]
    assert [i.value_text for i in items] == ["满意度达到95%以上", "满意度达到100%以上", "满意度达到100%以上"]
    assert items[1].comparator == "≥" and items[1].number == 100.0


def test_city_2020_level2_printed_below_its_first_indicator():
    assert find(CITY_DATA, "指标1、深化“放管服”").level2 == "质量目标"


def test_city_2020_economic_benefit_is_under_benefit():
    item = find(CITY_DATA, "指标1、资金使用效益")
    assert (item.level1, item.level2, item.value_text) == ("效益指标", "经济效益", "逐步提高")


# 西工区政务服务和大数据管理局 2023 (flattened) ---------------------------------------------------

def test_xigong_data_sixteen_projects_all_with_indicators():
    assert len(projects(XIGONG_DATA)) == 16
    assert with_indicators(XIGONG_DATA) == set(projects(XIGONG_DATA))


def test_xigong_data_unit_totals_check_out():
    units = [r for r in project_table(XIGONG_DATA).rows if r.code_kind == "单位"]
    assert [(r.code, r.verified) for r in units] == [("113001", True), ("113002", True)]


def test_xigong_data_code_split_by_a_page_break():
    row = next(r for r in project_table(XIGONG_DATA).rows if r.label == "党建工作经费")
    assert row.code == "410303220000000012802"


def test_xigong_data_ranking():
    item = find(XIGONG_DATA, "营商环境政务服务指标排名")
    assert (item.level1, item.value_text, item.number, item.unit) == ("产出指标", "17名", 17.0, "名")


def test_xigong_data_free_copies():
    item = find(XIGONG_DATA, "免费复印数量")
    assert (item.project, item.comparator, item.number, item.unit) == ("办公经费—免费文印费", ">", 90000.0, "张")


def test_xigong_data_three_public_expenses_control():
    assert find(XIGONG_DATA, "“三公经费”控制率").value_text == "≤10%"


def test_xigong_data_unattributed_text_is_a_warning():
    assert any("2286" in w and "烟囱" in w for w in parsed(XIGONG_DATA)[2])


# 西工街道办事处 2023 (flattened) ------------------------------------------------------------------

def test_xigong_street_fourteen_projects_twelve_with_indicators():
    assert len(projects(XIGONG_STREET)) == 14
    assert len(with_indicators(XIGONG_STREET)) == 12
    assert sum(1 for w in parsed(XIGONG_STREET)[2] if "has no indicator rows" in w) == 2


def test_xigong_street_three_public_expenses_control():
    item = find(XIGONG_STREET, "“三公经费”控制率")
    assert (item.comparator, item.number, item.unit) == ("≤", 90.0, "%")


def test_xigong_street_wrapped_value_unit():
    item = find(XIGONG_STREET, "党员学习覆盖人次")
    assert (item.value_text, item.unit) == ("≥2000人次", "人次")


def test_xigong_street_overall_budget_total():
    table = next(t for t in parsed(XIGONG_STREET)[0] if "整体" in t.title)
    assert table.rows[0].label == "部门预算总额" and table.rows[0].cells[0].value == 1909.07


def test_indicator_ids_are_stable_and_unique():
    ids = [i.indicator_id for i in parsed(XIGONG_DATA)[1]]
    assert len(ids) == len(set(ids))
    parsed.cache_clear()
    assert [i.indicator_id for i in parsed(XIGONG_DATA)[1]] == ids
