"""Who published a disclosure and for which year, by general rules: the first title-like line,
the body, a saved page's header lines, the file name; a document nothing names is indexed under
its file name with a warning asking for the name. Texts here are our own, in the shapes of
real pages (titles split over lines, breadcrumbs, pinyin-annotated mirrors, news articles)."""

from __future__ import annotations

import pytest

from indexer.parse.metadata import NAME_REQUEST, read_metadata
from indexer.parse.publisher import clean_name, name_ok
from indexer.read.load import NotABudgetDocument, finish_lines, without_pinyin
from indexer.pipeline import parse_source
from indexer.read.load import read_document


def meta(text: str, file_name: str = "page.txt"):
    return read_metadata(finish_lines(text.split("\n"), "utf-8"), file_name=file_name)


@pytest.mark.parametrize("text, department, year", [
    # publisher before the year in a title-like line
    ("青禾高新区2024年财政拨款 “三公”经费预算汇总说明\n发布日期:2024-02-22 浏览次数:0次\n"
     "青禾高新区2024年安排“三公”经费共计18.20万元。", "青禾高新区", 2024),
    # the publisher named before 关于, the year that follows it
    ("重庆市北梁区财政局关于北梁区2022年预算执行情况和2023年预算草案的报告\n"
     "全区一般公共预算收入12.3亿元。", "重庆市北梁区财政局", 2022),
    # the publisher after the year
    ("2019年度松岭县“三公”经费支出决算情况\n经县财政局汇总，“三公”经费决算支出数为165.08万元。",
     "松岭县", 2019),
    # the year after the publisher and the budget words
    ("云河市公路养护中心财政拨款“三公”经费预算2015年情况如下：\n安排公务接待费预算6万元。",
     "云河市公路养护中心", 2015),
    # a title split over two lines under a breadcrumb; 本级 of an organisation is dropped
    ("当前位置:首页 > 预算公开 > 2023年\n殷溪卫生院\n大冶市殷溪卫生院本级\n2023年部门预算公开情况说明\n"
     "总收入预计335.34万元。", "大冶市殷溪卫生院", 2023),
    # a scope after the name is dropped, a place's 本级 is a level of government and stays
    ("海湾市教育局直属系统2013年部门预算\n总收入53,667万元。", "海湾市教育局", 2013),
    ("根据白石市第五届人民代表大会批准的白石市本级2024年预算，2024年市本级“三公”经费支出共计923万元。",
     "白石市本级", 2024),
    # a first sentence too long for a title: the next line is the title
    ("我校根据(市财预发[2022]158号)《市财政局关于编制市直部门2023年预算的通知》要求编制本单位2023年预算。\n"
     "青石市第九中学2023年部门预算公开\n收入预算814.61万元。", "青石市第九中学", 2023),
])
def test_the_title_like_line_names_the_publisher_and_year(text, department, year):
    m = meta(text)
    assert (m.department, m.year) == (department, year)


@pytest.mark.parametrize("text, department, year", [
    # a name before a year in the body, after an advertisement line and a title without a year
    ("特价机票_酒店预订_旅游攻略\n故城博物院今年文保预算58万元\n时间:2023/5/16 来源:晨报\n"
     "据了解，故城博物院2023年收入预算2,023.79万元，其中：上年结转535.40万元。\n"
     "故城博物院2023年支出预算2,023.79万元。", "故城博物院", 2023),
    # the name as a sentence's subject, the year from a table heading
    ("第一部分 部门概况\n一、部门主要职责\n上溪县史志研究室是主管全县史志工作的部门。\n第二部分 2024年部门预算表\n"
     "2024年上溪县史志研究室部门所属预算单位共有1个。\n编制人数小计14人。", "上溪县史志研究室", 2024),
    # the name in the middle of a paragraph, with a scope in brackets
    ("一、部门基本情况\n2023年一般公共预算拨款1643.29万元。重庆市涪江区武陵乡人民政府（本级）2023年无使用"
     "政府性基金预算拨款安排的支出。", "重庆市涪江区武陵乡人民政府", 2023),
])
def test_the_body_names_the_publisher_when_no_title_does(text, department, year):
    m = meta(text)
    assert (m.department, m.year) == (department, year)
    assert f"部门名称取自正文：{department}" in m.warnings


def test_a_saved_page_names_its_publisher_in_its_header_lines():
    text = ("| 索引号 | 0152-1-04/2017-09 | 发布机构 | 甸南县财政局 |\n"
            "| “三公”经费决算情况统计表 | ||||\n| 单位:万元 | ||||\n| 合计 | 2911.47 | 2706.86 |\n")
    m = meta(text, "2016_table.txt")
    assert (m.department, m.year) == ("甸南县财政局", 2016)
    assert "部门名称取自网页的发布信息：甸南县财政局" in m.warnings
    assert "年度取自文件名：2016" in m.warnings


def test_a_document_nothing_names_is_indexed_under_its_file_name_with_a_request():
    text = "1. 基本支出预算 881300.39 元，占一般公共预算支出的96.74%。\n2023 年政府采购预算 17000 元。"
    m = meta(text, "unit_excerpt.txt")
    assert (m.department, m.year) == ("unit_excerpt", 2023)
    assert any(NAME_REQUEST in w and "unit_excerpt" in w for w in m.warnings)


def test_a_bare_level_of_government_is_kept_and_its_place_asked_for():
    m = meta("2021年区本级“三公”经费预算支出表\n单位:万元\n2021年区本级“三公”经费支出预算为4432万元。")
    assert (m.department, m.year) == ("区本级", 2021)
    assert any(NAME_REQUEST in w and "区本级" in w for w in m.warnings)


def test_without_any_year_the_document_is_kept_at_year_0_with_a_request():
    m = meta("部门收支预算总表\n单位名称：宁远县统计局\n单位：元\n项目\t预算数\n收入总计\t3,556,789.12\n")
    assert (m.department, m.year) == ("宁远县统计局", 0)
    assert any(NAME_REQUEST in w and "年度" in w for w in m.warnings)
    assert m.title == "宁远县统计局部门预算"


def test_a_titled_excerpt_without_amounts_is_kept_text_without_figures_is_refused():
    excerpt = meta("柞溪县审计局2020年部门决算\n目 录\n第一部分 部门概况\n一、部门主要职责\n"
                   "柞溪县审计局是主管全县审计工作的县政府工作部门。")
    assert (excerpt.department, excerpt.year, excerpt.kind) == ("柞溪县审计局", 2020, "部门决算")
    assert "文中未见金额：只有文字和计数" in excerpt.warnings
    with pytest.raises(NotABudgetDocument, match="states no amounts"):
        meta("今年要做好预算管理工作，提高资金使用效益。\n" * 6)


def test_pinyin_annotations_of_mirror_sites_are_dropped():
    assert without_pinyin("政務(wù)服務(wù)中心 維修保養(yǎng)費 辦公室(a)") == "政務服務中心 維修保養費 辦公室(a)"
    m = meta("烏魯木齊市政務(wù)服務(wù)中心2023年度部門決算公開說明\n2023年度收入總計434.72萬元。")
    assert (m.department, m.year) == ("乌鲁木齐市政务服务中心", 2023)


@pytest.mark.parametrize("name, ok", [
    ("鹿寨县", True), ("贵阳国家高新区", True), ("江北区区本级", True), ("市本级", True),
    ("故宫博物院", True), ("市直部门", False), ("本部门", False), ("中央和自治区", False),
    ("根据中央和自治区关于推进政府", False), ("公务接待费", False), ("北京青年报", False),
])
def test_what_counts_as_a_name(name, ok):
    assert name_ok(name) is ok


def test_scopes_are_dropped_but_a_places_level_stays():
    assert clean_name("大冶市殷祖卫生院本级") == "大冶市殷祖卫生院"
    assert clean_name("重庆市某乡人民政府(本级)") == "重庆市某乡人民政府"
    assert clean_name("百色市本级") == "百色市本级"


def test_a_truncated_document_is_indexed_with_a_warning(tmp_path):
    path = tmp_path / "excerpt.txt"
    path.write_text("青原县审计局2020年部门决算\n目 录\n第二部分 2020年部门决算表\n附件\n一、收入支出决算总表\n"
                    "二、收入决算总表\n三、支出决算总表\n第一部分 部门概况\n本部门2020年收入总计120.5万元。\n",
                    encoding="utf-8")
    doc = parse_source(read_document(path))
    assert (doc.document.department, doc.document.year) == ("青原县审计局", 2020)
    assert any("目录列出 3 张表" in w for w in doc.warnings)


def test_the_tables_a_contents_list_names_without_an_attachment_line(tmp_path):
    path = tmp_path / "excerpt.txt"
    path.write_text("柞溪县审计局2020年部门决算\n目 录\n第一部分 部门概况\n第二部分 2020 年部门决算表\n"
                    "一、收入支出决算总表\n二、收入决算总表\n三、支出决算总表\n四、《财政拨款收入支出决算总表》\n"
                    "第三部分 2020年部门决算情况说明\n第一部分 部门概况\n柞溪县审计局是主管全县审计工作的县政府工作部门。\n",
                    encoding="utf-8")
    doc = parse_source(read_document(path))
    assert doc.document.listed_tables == ["收入支出决算总表", "收入决算总表", "支出决算总表", "财政拨款收入支出决算总表"]
    assert "只有部分内容：目录列出 4 张表，正文中一张也没有（文档可能被截断）" in doc.warnings
    assert not any(w.startswith("目录列出但正文中未找到的表") for w in doc.warnings)


def test_a_readme_listing_documents_by_year_is_no_budget(tmp_path):
    with pytest.raises(NotABudgetDocument, match="states no amounts"):
        meta("# 五份部门预算公开\n| 文件 | 部门 | 年度 |\n|---|---|---|\n| a.txt | 某局 | 2023 |\n"
             "| b.txt | 某办 | 2025 |\n每份部门预算含收支总表、支出预算表。\n")
