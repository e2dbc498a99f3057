"""Scoring answers by the README rules: one test per rule, the corpus mapping, and the gold set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.service.evaluate import (
    MismatchedAnswers,
    documents_from_corpus,
    evaluate,
    format_report,
    gold_documents,
    normalise_text,
    score,
    to_unit,
)

SHARED = Path("/work/shared")
DOC = "001_fae9c1b2617e279a.txt"
DEPARTMENT = "洛阳市瀍河回族区行政审批和政务信息管理局"
DOCUMENTS = {DOC: (DEPARTMENT, 2025)}


def gold_item(**fields) -> dict:
    item = {
        "id": "t001", "docs": [DOC], "category": "lookup", "question": "某项目预算多少？",
        "answer": "", "answerable": True, "value": 293.88, "unit": "万元", "value_kind": "amount",
        "value_sign_free": False, "verdict": None, "must_contain": [], "evidence": "",
        "computation": None,
    }
    return item | fields


def citation(department: str = DEPARTMENT, year: int = 2025) -> dict:
    return {
        "doc_id": "x", "department": department, "year": year, "kind": "table", "table": None,
        "row": None, "column": None, "section": None, "page": None, "quote": "",
    }


def answer_to(gold: dict, **fields) -> dict:
    answer = {
        "question": gold["question"], "answer": "", "answerable": gold["answerable"],
        "value": gold["value"], "unit": gold["unit"], "verdict": gold["verdict"],
        "computation": None, "citations": [citation()],
    }
    return answer | fields


def test_normalise_text_follows_rule_4():
    assert normalise_text("ＡＢ１２ ３\t％\u3000x") == "AB123%x"
    assert normalise_text("≥ 95%") == normalise_text(">=95%") == normalise_text("＞＝95％")
    assert normalise_text("≤2小时") == "<=2小时"


@pytest.mark.parametrize(
    ("value", "unit", "gold_unit", "expected"),
    [
        (2938800, "元", "万元", 293.88),
        (1.5, "亿元", "万元", 15000),
        (293.88, "万元", "元", 2938800),
        (3.5, "万元/人", "万元/人", 3.5),
        (35000, "元/人", "万元/人", None),
        (34.35, "%", "%", 34.35),
        (34.35, "％", "%", 34.35),
        (1.17, "%", "个百分点", 1.17),
        (8, "个", "万元", None),
        (8, None, "个", None),
        (8, "个", None, None),
        (8, None, None, 8),
    ],
)
def test_to_unit(value, unit, gold_unit, expected):
    result = to_unit(value, unit, gold_unit)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_rule_1_answerable_must_match():
    gold = gold_item()
    assert score(gold, answer_to(gold), DOCUMENTS) == []
    reasons = score(gold, answer_to(gold, answerable=False), DOCUMENTS)
    assert reasons == ["answerable False ≠ gold True"]


def test_rule_1_unanswerable_passes_with_null_value_only():
    gold = gold_item(category="unanswerable", answerable=False, value=None, unit=None,
                     must_contain=["不存在"])
    answer = answer_to(gold, answer="文件未公开", citations=[])
    assert score(gold, answer, DOCUMENTS) == []


def test_rule_1_unanswerable_answered_with_a_number_fails_even_when_not_answerable():
    gold = gold_item(category="unanswerable", answerable=False, value=None, unit=None)
    reasons = score(gold, answer_to(gold, value=12.5, unit="万元"), DOCUMENTS)
    assert reasons == ["value 12.5 given for an unanswerable question"]


def test_rule_2_value_converted_from_yuan_passes_within_tolerance():
    gold = gold_item(value=293.88, unit="万元")
    assert score(gold, answer_to(gold, value=2938000, unit="元"), DOCUMENTS) == []  # 0.08 off, 0.1% is 0.29
    reasons = score(gold, answer_to(gold, value=2935000, unit="元"), DOCUMENTS)
    assert reasons == ["value 2935000 元 (= 293.5 万元) ≠ gold 293.88 万元"]


def test_rule_2_value_outside_tolerance_fails_with_the_figures():
    gold = gold_item(value=293.88, unit="万元")
    reasons = score(gold, answer_to(gold, value=293.5, unit="万元"), DOCUMENTS)
    assert reasons == ["value 293.5 万元 ≠ gold 293.88 万元"]


def test_rule_2_small_values_have_an_absolute_tolerance_of_a_hundredth():
    gold = gold_item(value=0.91, unit="万元")
    assert score(gold, answer_to(gold, value=0.92), DOCUMENTS) == []
    assert score(gold, answer_to(gold, value=0.93), DOCUMENTS) != []


def test_rule_2_relative_tolerance_for_large_values():
    gold = gold_item(value=19090.7, unit="万元")  # 0.1% is 19.09
    assert score(gold, answer_to(gold, value=19105), DOCUMENTS) == []
    assert score(gold, answer_to(gold, value=19115), DOCUMENTS) != []


def test_rule_2_percent_compared_as_numbers():
    gold = gold_item(value=34.35, unit="%", value_kind="percent")
    assert score(gold, answer_to(gold, value=34.35, unit="%"), DOCUMENTS) == []
    assert score(gold, answer_to(gold, value=0.3435, unit="%"), DOCUMENTS) != []


def test_rule_2_other_units_must_match():
    gold = gold_item(value=3.5, unit="万元/人")
    assert score(gold, answer_to(gold, value=3.5, unit="万元/人"), DOCUMENTS) == []
    reasons = score(gold, answer_to(gold, value=35000, unit="元/人"), DOCUMENTS)
    assert reasons == ["unit 元/人 of value 35000 元/人 cannot be compared with gold unit 万元/人"]


def test_rule_2_missing_unit_fails_against_a_gold_unit():
    gold = gold_item(value=8, unit="个")
    assert score(gold, answer_to(gold, value=8, unit=None), DOCUMENTS) != []


def test_rule_2_missing_value_fails():
    gold = gold_item()
    assert score(gold, answer_to(gold, value=None), DOCUMENTS) == ["value missing, gold 293.88 万元"]


def test_rule_2_sign_free_compares_absolute_values():
    gold = gold_item(value=-20.0, unit="万元", value_sign_free=True)
    assert score(gold, answer_to(gold, value=20.0), DOCUMENTS) == []
    signed = gold_item(value=-20.0, unit="万元")
    assert score(signed, answer_to(signed, value=20.0), DOCUMENTS) != []


def test_rule_3_verdict_must_match():
    gold = gold_item(category="factcheck", value=None, unit=None, verdict=False)
    assert score(gold, answer_to(gold, verdict=False), DOCUMENTS) == []
    assert score(gold, answer_to(gold, verdict=True), DOCUMENTS) == ["verdict True ≠ gold False"]
    assert score(gold, answer_to(gold, verdict=None), DOCUMENTS) == ["verdict None ≠ gold False"]


def test_rule_4_must_contain_after_normalising_full_width_and_comparison_signs():
    gold = gold_item(value=None, unit=None, must_contain=["95%", ">=2小时", "26 个"])
    answer = answer_to(gold, answer="满意度９５％，办理时限≥ 2小时，共 26个事项")
    assert score(gold, answer, DOCUMENTS) == []


def test_rule_4_missing_string_fails():
    gold = gold_item(value=None, unit=None, must_contain=["194.15"])
    reasons = score(gold, answer_to(gold, answer="事业运行合计293.88万元"), DOCUMENTS)
    assert reasons == ["answer lacks '194.15'"]


def test_rule_5_citation_must_name_every_gold_document():
    other = "004_97ef04ed69913756.txt"
    documents = DOCUMENTS | {other: ("洛阳市西工区西工街道办事处", 2023)}
    gold = gold_item(category="compare", docs=[DOC, other])
    assert score(gold, answer_to(gold), documents) == [
        f"no citation of gold document {other} (洛阳市西工区西工街道办事处 2023)"
    ]
    both = answer_to(gold, citations=[citation(), citation("洛阳市西工区西工街道办事处", 2023)])
    assert score(gold, both, documents) == []


def test_rule_5_wrong_year_is_not_a_citation_of_the_document():
    gold = gold_item()
    assert score(gold, answer_to(gold, citations=[citation(year=2024)]), DOCUMENTS) != []


def test_rule_5_gold_document_missing_from_the_mapping_fails_with_reason():
    gold = gold_item(docs=["999_unknown.txt"])
    reasons = score(gold, answer_to(gold), DOCUMENTS)
    assert reasons == ["gold document 999_unknown.txt has no (department, year) in the documents mapping"]


def test_evaluate_totals_per_category_and_lists_failures():
    lookup = gold_item(id="a")
    wrong = gold_item(id="b", question="另一个问题？")
    factcheck = gold_item(id="c", category="factcheck", question="是否属实？", value=None,
                          unit=None, verdict=True)
    answers = [answer_to(lookup), answer_to(wrong, value=1.0), answer_to(factcheck)]
    report = evaluate([lookup, wrong, factcheck], answers, DOCUMENTS)
    assert (report.categories["lookup"].passed, report.categories["lookup"].total) == (1, 2)
    assert (report.overall.passed, report.overall.total) == (2, 3)
    assert [f.id for f in report.failures] == ["b"]
    text = format_report(report)
    assert "lookup        1/2    50.0%" in text
    assert "overall       2/3    66.7%" in text
    assert "value 1 万元 ≠ gold 293.88 万元" in text


def test_evaluate_refuses_answers_out_of_line():
    gold = gold_item()
    with pytest.raises(MismatchedAnswers):
        evaluate([gold], [], DOCUMENTS)
    with pytest.raises(MismatchedAnswers):
        evaluate([gold], [answer_to(gold, question="别的问题")], DOCUMENTS)


def test_documents_from_corpus_reads_department_and_year():
    documents = documents_from_corpus(SHARED / "corpus")
    assert documents == {
        "000_8e657e09640e1ad3.txt": ("洛阳市西工区政务服务和大数据管理局", 2023),
        "001_fae9c1b2617e279a.txt": ("洛阳市瀍河回族区行政审批和政务信息管理局", 2025),
        "002_1db3f141eeede496.txt": ("洛阳市西工区人民政府办公室", 2025),
        "003_da977fdd70f3e1e2.txt": ("洛阳市政务服务和大数据管理局", 2020),
        "004_97ef04ed69913756.txt": ("洛阳市西工区西工街道办事处", 2023),
    }


def test_gold_answers_pass():
    """Answers built from the gold fields must all pass: checks the scorer against dev.jsonl."""
    lines = (SHARED / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    documents = documents_from_corpus(SHARED / "corpus", gold_documents(items))
    answers = [
        {
            "question": item["question"],
            "answer": item["answer"] + " " + " ".join(item["must_contain"]),
            "answerable": item["answerable"],
            "value": item["value"],
            "unit": item["unit"],
            "verdict": item["verdict"],
            "computation": item["computation"],
            "citations": [citation(*documents[doc]) for doc in item["docs"]],
        }
        for item in items
    ]
    report = evaluate(items, answers, documents)
    assert report.failures == []
    assert report.overall.passed == len(items)
