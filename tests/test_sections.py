"""Document metadata and the section hierarchy with line numbers."""

from __future__ import annotations

import pytest

from indexer.parse.layout import find_tables, listed_tables
from indexer.parse.metadata import read_metadata, region_level
from indexer.parse.sections import heading_level, parse_sections
from tests.conftest import CHANHE, CITY_DATA, DATA, XIGONG_DATA, XIGONG_GOV, XIGONG_STREET


def lines_of(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize(
    ("name", "department", "year", "level", "shape"),
    [
        (XIGONG_DATA, "洛阳市西工区政务服务和大数据管理局", 2023, "区", "flat"),
        (CHANHE, "洛阳市瀍河回族区行政审批和政务信息管理局", 2025, "区", "tsv"),
        (XIGONG_GOV, "洛阳市西工区人民政府办公室", 2025, "区", "tsv"),
        (CITY_DATA, "洛阳市政务服务和大数据管理局", 2020, "市", "tsv"),
        (XIGONG_STREET, "洛阳市西工区西工街道办事处", 2023, "街道", "flat"),
    ],
)
def test_metadata_of_each_document(name, department, year, level, shape):
    meta = read_metadata(lines_of(name))
    assert (meta.department, meta.year, meta.region_level, meta.shape, meta.unit) == (
        department, year, level, shape, "万元"
    )


def test_region_level_rules():
    assert region_level("某省某市某县财政局") == "县"
    assert region_level("某市某区某某镇人民政府") == "街道"
    assert region_level("某某省教育厅") == "省"


def test_table_of_contents_and_tables_found():
    lines = lines_of(CHANHE)
    assert len(listed_tables(lines)) == 14
    spans = find_tables(lines)
    assert [s.title for s in spans][:2] == ["部门收支预算表", "部门收入预算表"]
    assert len(spans) == 14
    flat = find_tables(lines_of(XIGONG_DATA))
    assert [s.number for s in flat] == [f"预算{n:02d}表" for n in range(1, 14)]


def test_heading_levels():
    assert heading_level("第二部分 2025 年部门预算情况说明") == (1, "第二部分 2025 年部门预算情况说明")
    assert heading_level("三、支出预算总体情况说明") == (2, "三、支出预算总体情况说明")
    assert heading_level("(一)因公出国(境)费 0.00 万元,主要用于…") == (3, "(一)因公出国(境)费 0.00 万元")
    assert heading_level("七、基本支出:是指为保障机构正常运转") == (2, "七、基本支出")
    assert heading_level("洛阳市瀍河回族区行政审批和政务信息管理局 2025 年收入总计") is None


def test_sections_have_paths_text_and_lines():
    sections = parse_sections("d", lines_of(CHANHE))
    spending = next(s for s in sections if s.heading == "三、支出预算总体情况说明")
    assert spending.path == ["第二部分 2025 年部门预算情况说明", "三、支出预算总体情况说明"]
    assert "基本支出 219.13 万元" in spending.text
    assert spending.line_start == 83
    definitions = [s for s in sections if s.path[0] == "第三部分 名词解释"]
    assert any(s.heading == "九、“三公”经费" and "因公出国(境)费" in s.text for s in definitions)


def test_flattened_text_rejoins_wrapped_lines_and_skips_the_toc():
    sections = parse_sections("d", lines_of(XIGONG_DATA))
    assert sections[0].heading.startswith("第一部分")
    assets = next(s for s in sections if s.heading == "(四)国有资产占用情况")
    assert "共有车辆 1辆" in assets.text.replace("\n", "")
    assert "- 7 -" not in "".join(s.text for s in sections)  # page footers dropped
