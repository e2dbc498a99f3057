"""Figures stated in the narrative text become NarrativeFact records with real values."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from indexer.parse.narrative import extract_facts
from indexer.records import NarrativeFact
from indexer.parse.sections import clean_line, parse_sections
from indexer.text import squeeze

DATA = Path(__file__).resolve().parents[1] / "data"
CHANHE = "2025_洛阳市瀍河回族区行政审批和政务信息管理局_部门预算.txt"
XIGONG_OFFICE = "2025_洛阳市西工区人民政府办公室_部门预算.txt"
XIGONG_DATA = "2023_洛阳市西工区政务服务和大数据管理局_部门预算.txt"
XIGONG_STREET = "2023_洛阳市西工区西工街道办事处_部门预算.txt"
CITY_2020 = "2020_洛阳市政务服务和大数据管理局_部门预算.txt"
ALL = [CHANHE, XIGONG_OFFICE, XIGONG_DATA, XIGONG_STREET, CITY_2020]


@cache
def _lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").split("\n")


@cache
def _facts(name: str) -> tuple[NarrativeFact, ...]:
    lines = _lines(name)
    return tuple(extract_facts(name, lines, parse_sections(name, lines)))


def find(name: str, kind: str, subject: str) -> list[NarrativeFact]:
    """Facts of a kind whose subject is exactly `subject`."""
    return [f for f in _facts(name) if f.kind == kind and f.subject == subject]


def values(name: str, kind: str, subject: str) -> set[float]:
    return {f.value for f in find(name, kind, subject)}


def test_chanhe_totals_and_shares() -> None:
    assert 289.81 in values(CHANHE, "amount", "收入总计")
    assert 219.13 in values(CHANHE, "amount", "基本支出")
    assert 75.61 in values(CHANHE, "share", "基本支出")


def test_chanhe_change_is_a_decrease() -> None:
    amount = find(CHANHE, "change_amount", "收支总计")
    percent = find(CHANHE, "change_percent", "收支总计")
    assert [(f.value, f.direction) for f in amount] == [(371.11, "减少")]
    assert [(f.value, f.direction) for f in percent] == [(56.15, "减少")]


def test_chanhe_counts() -> None:
    assert values(CHANHE, "count", "项目") == {7}
    assert values(CHANHE, "count", "车辆") == {0}


def test_unchanged_figure_is_a_zero_change() -> None:
    steady = find(CHANHE, "change_amount", "“三公”经费")
    assert [(f.value, f.direction) for f in steady] == [(0.0, "持平")]


def test_office_project_share_and_total_change() -> None:
    assert 241.35 in values(XIGONG_OFFICE, "amount", "项目支出")
    assert 22.46 in values(XIGONG_OFFICE, "share", "项目支出")
    assert [(f.value, f.direction) for f in find(XIGONG_OFFICE, "change_amount", "收支总计")] == [
        (155.64, "增加")
    ]
    assert values(XIGONG_OFFICE, "change_percent", "收支总计") == {16.94}


def test_office_three_public_expenses_and_their_change() -> None:
    assert values(XIGONG_OFFICE, "amount", "“三公”经费") == {5.43}
    assert values(XIGONG_OFFICE, "change_amount", "“三公”经费") == {1.17}
    assert values(XIGONG_OFFICE, "change_percent", "“三公”经费") == {27.46}


def test_office_project_count_is_what_the_text_says() -> None:
    # the project table lists 18 projects; the text says 28: store the text's figure
    assert values(XIGONG_OFFICE, "count", "项目") == {28}


def test_flattened_pdf_figures() -> None:
    assert values(XIGONG_DATA, "amount", "收入合计") == {948.39}
    assert values(XIGONG_DATA, "count", "项目") == {16}
    assert values(XIGONG_DATA, "count", "车辆") == {1}
    assert values(XIGONG_DATA, "count", "重点绩效目标项目") == {1}


def test_street_office_figures() -> None:
    assert values(XIGONG_STREET, "amount", "收入总计") == {1909.07}
    assert values(XIGONG_STREET, "change_amount", "收支总计") == {208.86}
    assert values(XIGONG_STREET, "count", "车辆") == {3}


def test_street_office_fund_change() -> None:
    fund = [f for f in _facts(XIGONG_STREET) if f.subject.startswith("政府性基金")]
    changes = {(f.kind, f.value, f.direction) for f in fund if f.kind.startswith("change")}
    assert changes == {("change_amount", 3.0, "增加"), ("change_percent", 300.0, "增加")}


def test_city_2020_figures() -> None:
    assert values(CITY_2020, "amount", "“三公”经费") == {1.5}
    assert values(CITY_2020, "amount", "收入总计") == {92}
    assert values(CITY_2020, "amount", "公务用车运行维护费") == {1.3}
    assert values(CITY_2020, "count", "一般公务用车") == {2}


def test_amounts_are_in_wan_yuan() -> None:
    assert all(f.unit == "万元" for f in _facts(CHANHE) if f.kind in ("amount", "change_amount"))


@pytest.mark.parametrize("name", ALL)
def test_thresholds_are_not_amounts(name: str) -> None:
    # "单位价值 50 万元以上通用设备 0 套": 50 qualifies the equipment, it is not a figure
    assert not [f for f in _facts(name) if f.kind == "amount" and f.value in (50, 100)]


@pytest.mark.parametrize("name", ALL)
def test_years_are_not_figures(name: str) -> None:
    assert not [f for f in _facts(name) if 1990 <= f.value <= 2030 and f.value.is_integer()]


@pytest.mark.parametrize("name", ALL)
def test_quote_holds_the_figure(name: str) -> None:
    assert all(f.text in f.quote for f in _facts(name))


@pytest.mark.parametrize("name", ALL)
def test_cited_line_holds_the_start_of_the_quote(name: str) -> None:
    lines = _lines(name)
    for f in _facts(name):
        line = squeeze(clean_line(lines[f.line - 1]))
        start = squeeze(f.quote)[:4]
        # a sentence may begin at the very end of a PDF line: then the line ends with its start
        assert start in line or any(start.startswith(line[-k:]) for k in range(1, 4)), f


@pytest.mark.parametrize("name", ALL)
def test_fact_ids_are_stable_and_unique(name: str) -> None:
    lines = _lines(name)
    again = extract_facts(name, lines, parse_sections(name, lines))
    ids = [f.fact_id for f in _facts(name)]
    assert ids == [f.fact_id for f in again]
    assert len(ids) == len(set(ids))
