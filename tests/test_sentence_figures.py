"""Figures stated in sentences, by general rules: a subject before the figure (or a label before
a colon, or the noun after a count), amounts in any unit, shares of a named base, changes,
counts in Chinese numerals, traditional characters, a site's banner kept apart from the article.
Texts are our own, in the shapes of real notices, school and township disclosures, news pages."""

from __future__ import annotations

import pytest

from indexer.pipeline import parse_source
from indexer.read.load import read_document


def facts_of(tmp_path, text: str, name: str = "2023_青岭乡人民政府.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_source(read_document(path)).facts


def find(facts, kind: str, subject: str):
    return [(f.value, f.unit) for f in facts if f.kind == kind and f.subject == subject]


def test_a_budget_total_named_by_itself_and_by_a_label_before_a_colon(tmp_path):
    facts = facts_of(tmp_path, "青岭乡人民政府2023年部门预算\n一、部门收支总体情况\n"
                               "(一)收入预算:2023年年初预算数643.29万元,其中:一般公共预算拨款643.29万元。\n"
                               "(二)2023年支出预算380.61万元,其中:人员类项目支出193.5万元。\n")
    assert find(facts, "amount", "收入预算") == [(643.29, "万元")]
    assert find(facts, "amount", "一般公共预算拨款") == [(643.29, "万元")]
    assert find(facts, "amount", "支出预算") == [(380.61, "万元")]


def test_a_share_names_its_item_not_its_base(tmp_path):
    facts = facts_of(tmp_path, "2024年部门预算情况说明\n"
                               "1. 基本支出预算 2476260.58 元，占一般公共预算支出的84.06%，同比减少 4966.66 元，下降 0.2%。\n"
                               "其中：工资福利支出预算 2016908.34 元，占基本支出预算81.45%。\n")
    assert find(facts, "share", "基本支出") == [(84.06, "%")]
    assert find(facts, "share", "工资福利支出") == [(81.45, "%")]
    assert find(facts, "change_amount", "基本支出") == [(0.496666, "万元")]
    assert find(facts, "change_percent", "基本支出") == [(0.2, "%")]


def test_a_breakdown_in_brackets_leaves_the_share_to_the_amount_before_it(tmp_path):
    facts = facts_of(tmp_path, "2021年度部门决算\n（二）收入决算情况说明\n"
                               "本年收入合计352.47万元；包括财政拨款收入352.47万元（其中，一般公共预算352.47万元，"
                               "政府性基金预算0万元），占收入合计100%；上级补助收入0万元，占收入合计0%。\n")
    assert find(facts, "amount", "一般公共预算") == [(352.47, "万元")]
    assert find(facts, "share", "财政拨款收入") == [(100.0, "%")]
    assert find(facts, "share", "上级补助收入") == [(0.0, "%")]


@pytest.mark.parametrize("sentence, subject, value, unit", [
    ("2021年区本级“三公”经费支出预算为532万元。", "“三公”经费", 532.0, "万元"),
    ("安排公车购置及运行维护费38万。", "公车购置及运行维护费", 38.0, "万元"),
    ("兑现组合式税费支持政策17.3亿元,其中留抵退税13.8亿元。", "留抵退税", 138000.0, "万元"),
    ("2013年市教育局直属系统总收入53,667万元。", "市教育局直属系统总收入", 53667.0, "万元"),
    ("2024年一般公共预算安排的“三公”经费支出共计923万元。", "“三公”经费", 923.0, "万元"),
])
def test_amounts_in_any_unit_with_their_subject(tmp_path, sentence, subject, value, unit):
    facts = facts_of(tmp_path, "2024年部门预算\n" + sentence + "\n")
    assert (value, unit) in find(facts, "amount", subject)


def test_counts_in_chinese_numerals_and_counted_nouns_after_the_number(tmp_path):
    facts = facts_of(tmp_path, "2023年部门预算\n二、机构设置\n部门预算包含局机关六个科室。共有车辆两辆。\n"
                               "在职人员应为159人,由于14名新招聘教师入职手续未办齐,实际纳入预算145人。\n"
                               "第一个项目为党建经费。\n")
    assert find(facts, "count", "科室") == [(6.0, "个")]
    assert find(facts, "count", "车辆") == [(2.0, "辆")]
    assert find(facts, "count", "在职人员") == [(159.0, "人")]
    assert find(facts, "count", "新招聘教师入职手续未办齐") == [(14.0, "名")]
    assert not [f for f in facts if f.text == "一个"]  # an ordinal is no count


def test_changes_after_a_comparison_take_the_amount_before_them(tmp_path):
    facts = facts_of(tmp_path, "2019年度松岭县“三公”经费支出决算情况\n"
                               "2019年“三公”经费决算支出数为165.08万元,按同口径同比减少63.96万元,下降5.2%。\n")
    assert find(facts, "change_amount", "“三公”经费决算支出数") == [(63.96, "万元")]
    assert find(facts, "change_percent", "“三公”经费决算支出数") == [(5.2, "%")]


def test_traditional_text_is_read_in_simplified_words_and_quoted_as_written(tmp_path):
    facts = facts_of(tmp_path, "鶴溪市水務局2018年用一般公共預算財政撥款數開支的出國(境)經費、公務接待費"
                               "(簡稱“三公”經費)支出合計24.75萬元。其中：公務接待費支出16.55萬元。\n", "trad.txt")
    assert find(facts, "amount", "“三公”经费") == [(24.75, "万元")]
    [reception] = [f for f in facts if f.subject == "公务接待费"]
    assert (reception.value, reception.quote) == (16.55, "其中:公務接待費支出16.55萬元。")


def test_a_sites_banner_stays_out_of_the_articles_sentences(tmp_path):
    text = ("特价机票_酒店预订_旅游攻略_自由行_签证办理_门票折扣_周边游_度假套餐99折起\n\n"
            "首页 > 新闻 > 正文\n\n故城今年文保预算58万元\n\n时间:2023/5/16 来源:晨报\n\n"
            "  据了解，故城博物院2023年收入预算2,023.79万元。\n")
    facts = facts_of(tmp_path, text, "news.txt")
    assert find(facts, "amount", "故城今年文保") == [(58.0, "万元")]
    assert find(facts, "amount", "收入预算") == [(2023.79, "万元")]
    assert not [f for f in facts if "机票" in f.subject]


def test_an_excerpt_cut_mid_sentence_keeps_its_page_number_out_and_its_figures_as_details(tmp_path):
    facts = facts_of(tmp_path, "7\n19816.81 元，项目支出 0元。主要用于人员经费保障。\n"
                               "2. 项目支出 469500 元，占一般公共预算支出的 19.62%。\n", "excerpt_2024.txt")
    cut = [f for f in facts if f.line == 2]
    assert [(f.subject, f.value, f.text, f.role) for f in cut] == [("项目支出", 0.0, "0元", "detail")]
    assert [(f.value, f.role) for f in facts if f.subject == "项目支出" and f.kind == "amount"
            and f.line == 3] == [(46.95, "headline")]


@pytest.mark.parametrize("heading, body, subject, value", [
    ("二、公务接待费", "2024年预算安排6万元,较上年下降25%,主要原因是厉行节约。", "公务接待费", 6.0),
    ("（三）会议费", "本年度安排3.5万元，与上年持平。", "会议费", 3.5),
    ("三、差旅费", "全年预算共计2万元。", "差旅费", 2.0),
])
def test_a_sentence_naming_nothing_speaks_of_its_heading(tmp_path, heading, body, subject, value):
    facts = facts_of(tmp_path, f"青岭乡人民政府2024年“三公”经费预算情况说明\n{heading}\n{body}\n",
                     name="2024_青岭乡人民政府.txt")
    assert find(facts, "amount", subject) == [(value, "万元")]


def test_a_heading_that_names_no_item_lends_no_subject(tmp_path):
    facts = facts_of(tmp_path, "青岭乡人民政府2024年部门预算\n一、部门基本情况\n2024年预算安排6万元。\n",
                     name="2024_青岭乡人民政府.txt")
    assert not [f for f in facts if f.kind == "amount" and "基本情况" in f.subject]


@pytest.mark.parametrize("sentence, subject", [
    ("2023年度,本单位收入为88.5万元,其中:财政拨款收入80万元。", "收入合计"),
    ("2023年度，我单位支出为90.2万元。", "支出合计"),
    ("本部门收入共计88.5万元。", "收入合计"),
])
def test_the_units_own_income_or_spending_is_its_total(tmp_path, sentence, subject):
    facts = facts_of(tmp_path, f"青岭乡人民政府2023年度部门决算\n（一）收支决算情况\n{sentence}\n")
    assert [v for v, _ in find(facts, "amount", subject)] == [float(sentence.split("为")[-1].split("万")[0]) if "为" in sentence else 88.5]
