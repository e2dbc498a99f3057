"""Table rows from any separator: pipes with or without the outer bars, box-drawing, runs of
spaces, one cell per line (ending in " |", bare, apart by blank lines, or between "|" lines);
thousands separators, negative numbers, percentages, units per table; a table without a title
ending in 表 is titled by the heading above it. Texts are our own, in the shapes of saved pages."""

from __future__ import annotations

import pytest

from indexer.pipeline import parse_source
from indexer.read.load import read_document


def parsed(tmp_path, text: str, name: str = "2023_青岭县档案馆.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_source(read_document(path))


def rows_of(doc, title: str | None = None) -> dict[str, dict[str, tuple[float | None, str]]]:
    table = doc.tables[0] if title is None else next(t for t in doc.tables if t.title == title)
    return {r.label: {c.column: (c.value, c.unit) for c in r.cells} for r in table.rows}


def test_pipes_without_outer_bars_two_header_rows_negatives_and_percentages(tmp_path):
    doc = parsed(tmp_path, "\n".join([
        "| 索引号 | 0098-1-04/2017 | 发布机构 | 青岭县财政局 |",
        "附件. | ||||",
        "青岭县2016年“三公”经费决算情况统计表 | ||||",
        "单位:万元 | ||||",
        "项目 | 上年决算数 | 本年决算数 | 比上年增、减情况 | |",
        "增、减金额 | 增、减幅度 | |||",
        "合计 | 1,911.47 | 1,706.86 | -204.61 | -10.70% |",
        "1.公务接待费 | 679.69 | 590.94 | -88.75 | -13.07% |",
        "2.公务用车购置及运行费 | 1231.78 | 1115.92 | -115.86 | -9.41% |",
    ]))
    assert [t.title for t in doc.tables] == ["青岭县2016年“三公”经费决算情况统计表"]
    table = doc.tables[0]
    assert table.unit == "万元" and table.columns == [
        "上年决算数", "本年决算数", "比上年增、减情况/增、减金额", "比上年增、减情况/增、减幅度"]
    total = rows_of(doc)["合计"]
    assert total["上年决算数"] == (1911.47, "万元")
    assert total["比上年增、减情况/增、减金额"] == (-204.61, "万元")
    assert total["比上年增、减情况/增、减幅度"] == (-10.7, "%")
    assert not table.warnings


def test_one_cell_per_line_each_ending_in_a_bar(tmp_path):
    doc = parsed(tmp_path, "\n".join([
        "2021年区本级一般公共预算“三公”经费支出预算为532万元。",
        "2021年区本级“三公”经费预算支出表", "单位:万元",
        "项目 |", "预算数 |", "合计 |", "532 |", "1.因公出国(境)费用 |", "9 |",
        "2.公务接待费 |", "123 |", "3.公务用车购置及运行维护费 |", "400 |",
    ]))
    assert rows_of(doc) == {
        "合计": {"预算数": (532.0, "万元")}, "1.因公出国(境)费用": {"预算数": (9.0, "万元")},
        "2.公务接待费": {"预算数": (123.0, "万元")}, "3.公务用车购置及运行维护费": {"预算数": (400.0, "万元")}}
    assert doc.tables[0].rows[0].line == 6  # the row's first cell


def test_bare_cells_whose_empty_cells_vanished_keep_whole_rows_only(tmp_path):
    doc = parsed(tmp_path, "\n".join([
        "一、2018年一般公共预算财政拨款“三公”经费支出决算", "单位:万元",
        "项 目", "预 算 数", "决 算 数", "合 计", "36", "34.5", "因公出国(境)费", "公务接待费", "10",
        "9.5", "公务用车购置及运行费", "26", "25", "其中:公务用车运行维护费",
        "二、2018年一般公共预算财政拨款“三公”经费支出情况说明",
        "青岭县档案馆2018年度“三公”经费支出决算为34.5万元。",
    ]))
    table = doc.tables[0]
    assert table.title == "一般公共预算财政拨款“三公”经费支出决算"
    assert rows_of(doc) == {
        "合计": {"预算数": (36.0, "万元"), "决算数": (34.5, "万元")}, "因公出国(境)费": {},
        "公务接待费": {"预算数": (10.0, "万元"), "决算数": (9.5, "万元")},
        "公务用车购置及运行费": {"预算数": (26.0, "万元"), "决算数": (25.0, "万元")},
        "其中:公务用车运行维护费": {}}
    assert any(s.heading.startswith("二、") for s in doc.sections)  # the heading after it stays text


def test_cells_apart_by_blank_lines_two_sided_with_line_numbers(tmp_path):
    cells = ["收入支出决算总表", "公开01表", "部门:青岭县招商服务中心", "金额单位:万元", "收入", "支出",
             "项目", "行次", "金额", "项目", "行次", "金额", "栏次", "", "1", "栏次", "", "2",
             "一、一般公共预算财政拨款收入", "1", "340.55", "一、一般公共服务支出", "29", "323.20",
             "二、上级补助收入", "2", "10.00", "二、外交支出", "30", "0.00",
             "本年收入合计", "3", "350.55", "本年支出合计", "31", "323.20"]
    # each cell followed by a blank line; an empty cell is one more blank line
    text = "2019年部门决算\n\n" + "".join(f"{c}\n\n" if c else "\n" for c in cells)
    text += "青岭县招商服务中心2019年收入总计350.55万元。\n"
    doc = parsed(tmp_path, text)
    [table] = doc.tables
    assert (table.title, table.number, table.columns) == ("收入支出决算总表", "公开01表", ["收入/金额", "支出/金额"])
    rows = {r.label: r for r in table.rows}
    assert rows["一、一般公共预算财政拨款收入"].cells[0].value == 340.55
    assert rows["一、一般公共服务支出"].cells[0].column == "支出/金额"
    assert rows["二、上级补助收入"].extra == {"收入/行次": "2"} and rows["二、上级补助收入"].code is None
    assert "栏次" not in rows


def test_cells_between_bar_lines_wrapped_and_traditional(tmp_path):
    lines = ["|", "|", "|", "單位:萬元", "|", "|", "項 目", "|", "合計", "|", "一般公共", "預算", "|",
             "政府性基金", "預算", "|", "|"]
    for label, a, b, c in [("行政經費", "212.23", "212.23", "0.00"), ("“三公”經費", "19.00", "19.00", "0.00"),
                           ("其中:公務接待費", "1.00", "1", "0.00")]:
        lines += [label, "|", a, "|", b, "|", c, "|", "|"]
    lines += ["2019年本部門財政撥款安排“三公”經費19萬元。"]
    doc = parsed(tmp_path, "\n".join(lines))
    assert doc.tables[0].columns == ["合计", "一般公共预算", "政府性基金预算"]
    assert rows_of(doc)["“三公”经费"] == {"合计": (19.0, "万元"), "一般公共预算": (19.0, "万元"),
                                        "政府性基金预算": (0.0, "万元")}


def test_box_drawing_and_runs_of_spaces(tmp_path):
    boxed = parsed(tmp_path, "\n".join([
        "2024年部门支出预算总表", "单位：元", "┌──────┬──────┬──────┐", "│ 项目 │ 合计 │ 基本支出 │",
        "├──────┼──────┼──────┤", "│ 合计 │ 1,234,500.00 │ 1,000,000.00 │",
        "│ 行政运行 │ 1,234,500.00 │ 1,000,000.00 │", "└──────┴──────┴──────┘"]), "boxed_2024.txt")
    assert rows_of(boxed)["行政运行"] == {"合计": (123.45, "元"), "基本支出": (100.0, "元")}
    spaced = parsed(tmp_path, "\n".join([
        "2024年部门支出预算总表", "单位：千元", "项目        合计        基本支出",
        "合计        12,345.6     10,000", "行政运行    12,345.6     10,000"]), "spaced_2024.txt")
    assert rows_of(spaced)["行政运行"] == {"合计": (1234.56, "千元"), "基本支出": (1000.0, "千元")}


def test_a_numbered_list_is_no_table(tmp_path):
    cells = ["青岭镇卫生院内设机构", "序号", "机构名称", "1", "院务办", "2", "医务科", "3", "经管科"]
    doc = parsed(tmp_path, "2023年青岭镇卫生院部门预算\n\n" + "\n\n".join(cells)
                 + "\n\n总收入预计335.34万元,比上年增加6.53万元。\n")
    assert doc.tables == []
    assert any(f.value == 335.34 for f in doc.facts)


@pytest.mark.parametrize("separator", ["\t", " | ", "  "])
def test_each_separator_reads_the_same_row(tmp_path, separator):
    doc = parsed(tmp_path, "\n".join([
        "2024年“三公”经费支出预算表", "单位：万元", separator.join(["项目", "合计", "公务接待费"]),
        separator.join(["合计", "18.20", "6.45"]), separator.join(["本级", "18.20", "6.45"])]))
    assert rows_of(doc)["合计"] == {"合计": (18.2, "万元"), "公务接待费": (6.45, "万元")}
