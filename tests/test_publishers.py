"""Other publishers' disclosures: 决算 in 元, a 区本级 "三公" notice, traditional characters, HTML,
Excel and Word, partial documents, names given by the user, revisions, and bad input."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer import store
from indexer.read.load import NotABudgetDocument, read_document
from indexer.pipeline import parse_source
from indexer.uploads import index_upload
from tests.conftest import make_indexer
from tests.publisher_fixtures import FIXTURES, budget_docx, three_public_workbook

FINAL = FIXTURES / "青山县史志研究室_2021年度部门决算.txt"
NOTICE = FIXTURES / "西湖区区本级_2024_三公经费.txt"
TRADITIONAL = FIXTURES / "部门收支总表_繁体.txt"
PAGE = FIXTURES / "南湖区水利局_2024.html"
runner = CliRunner()


def parsed(path: Path):
    return parse_source(read_document(path))


def table(doc, kind: str):
    return next(t for t in doc.tables if t.kind == kind)


def cell(t, label: str, column: str):
    row = next(r for r in t.rows if r.label == label)
    return next(c for c in row.cells if c.column == column)


def test_final_accounts_in_yuan_keep_their_column_families_in_wan():
    doc = parsed(FINAL)
    d = doc.document
    assert (d.department, d.year, d.kind, d.region_level) == ("青山县史志研究室", 2021, "部门决算", "县")
    summary = table(doc, "收入支出决算总表")
    total = cell(summary, "本年收入合计", "决算数")
    assert (summary.unit, total.value, total.text, total.unit) == ("元", 435.247, "4,352,470.00", "元")
    spending = table(doc, "一般公共预算财政拨款支出决算表")
    assert spending.columns == ["年初预算数", "全年预算数", "决算数/合计", "决算数/基本支出", "决算数/项目支出"]
    assert cell(spending, "行政运行", "决算数/基本支出").value == 182.60755
    assert all(r.verified for r in spending.rows)
    assert not doc.warnings


def test_units_are_per_table_not_per_document():
    doc = parsed(FINAL)
    three = table(doc, "“三公”经费支出决算表")
    assert three.unit == "万元" and cell(three, "公务接待费", "决算数").value == 1.26
    # the text's figures keep their own unit too
    fact = next(f for f in doc.facts if f.subject == "项目支出" and f.kind == "amount")
    assert (fact.value, fact.text) == (229.777, "2297770.00元")


def test_three_public_notice_of_a_district_level():
    doc = parsed(NOTICE)
    d = doc.document
    assert (d.department, d.year, d.kind, d.region_level) == ("西湖区区本级", 2024, "三公经费", "区")
    t = table(doc, "“三公”经费预算表")
    assert cell(t, "“三公”经费合计", "2024年预算数").value == 29.05
    assert 6.45 in {f.value for f in doc.facts if f.subject == "公务接待费"}
    assert not doc.warnings  # a notice is whole without the other tables


def test_traditional_partial_document_named_in_its_body():
    doc = parsed(TRADITIONAL)
    d = doc.document
    assert (d.department, d.year, d.kind) == ("台中市文化资产处", 2024, "部门预算")
    assert "部门名称取自正文：台中市文化资产处" in doc.warnings
    t = table(doc, "部门收支预算表")
    income = cell(t, "一般公共预算拨款收入", "收入/预算数")
    file_lines = TRADITIONAL.read_text(encoding="utf-8").split("\n")
    assert income.value == 376.52 and "一般公共預算撥款收入" in file_lines[income.line - 1]


def test_html_table_with_rowspan_and_colspan():
    doc = parsed(PAGE)
    d = doc.document
    assert (d.department, d.year, d.title) == ("南湖区水利局", 2024, "2024年南湖区水利局部门预算公开")
    t = table(doc, "一般公共预算支出预算表")
    assert t.columns == ["合计", "基本支出/人员经费", "基本支出/公用经费", "项目支出"]
    row = next(r for r in t.rows if r.label == "行政运行")
    assert row.code == "2130301" and [c.value for c in row.cells] == [860.15, 742.35, 117.8]
    assert "只有部分表格：未见部门收支总表（部门收支预算表）" in doc.warnings


def test_excel_sheets_with_merged_headers_and_their_own_units(tmp_path):
    doc = parsed(three_public_workbook(tmp_path / "预算公开.xlsx"))
    assert (doc.document.department, doc.document.year) == ("东城区城市管理局", 2023)
    summary = table(doc, "部门收支预算表")  # titled 收支预算总表 by this publisher
    assert summary.unit == "万元" and cell(summary, "收入总计", "收入/预算数").value == 1530.6
    three = table(doc, "“三公”经费预算表")
    assert three.unit == "元"
    car = next(c for c in three.rows[0].cells if c.column == "公务用车购置及运行费/公务用车运行费")
    assert (car.value, car.text) == (22.6, "226,000.00")


def test_word_paragraphs_and_tables_in_body_order(tmp_path):
    doc = parsed(budget_docx(tmp_path / "qinghe.docx"))
    assert (doc.document.department, doc.document.year) == ("青禾县农业农村局", 2024)
    t = table(doc, "部门支出预算表")
    assert t.columns == ["合计", "基本支出/人员经费", "基本支出/公用经费", "项目支出"]
    assert cell(t, "农业农村项目", "项目支出").value == 812.26
    income = next(f for f in doc.facts if f.subject.endswith("收入总计"))
    assert income.value == 2048.66 and income.line < t.line_start


def test_pipe_and_one_cell_per_line_tables(tmp_path):
    path = tmp_path / "2022_某某市博物院_部门预算.txt"
    path.write_text("\n".join([
        "二〇二二年某某市博物院部门预算", "",
        "部门收入预算表", "单位：万元",
        "| 项目 | 合计 | 一般公共预算 |", "|---|---|---|",
        "| 合计 | 520.30 | 520.30 |", "| 某某市博物院 | 520.30 | 520.30 |", "",
        "项目支出预算表", "单位：万元", "",
        "项目名称", "|", "合计", "|", "",
        "文物保护修缮", "|", "80.00", "|", "",
        "讲解员劳务", "|", "|", "",
    ]), encoding="utf-8")
    doc = parsed(path)
    assert (doc.document.department, doc.document.year) == ("某某市博物院", 2022)
    income = table(doc, "部门收入预算表")
    assert cell(income, "某某市博物院", "一般公共预算").value == 520.3
    projects = table(doc, "项目支出预算表")
    repair = cell(projects, "文物保护修缮", "合计")
    assert repair.value == 80.0 and repair.line == 18  # the row's first line in the file


def test_text_without_budget_content_is_refused_with_why(tmp_path):
    talk = tmp_path / "talk.txt"
    talk.write_text("今年要做好预算管理工作，提高资金使用效益。\n" * 6, encoding="utf-8")
    with pytest.raises(NotABudgetDocument, match="no 部门预算 content.*states no amounts"):
        parsed(talk)


@pytest.fixture
def cli_env(monkeypatch, model_dir):
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))


def one_line_errors(output: str) -> list[str]:
    return [x for x in output.splitlines() if x.startswith("error")]


def test_bad_files_of_the_new_types_are_refused_in_one_line_each(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "sheet.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (docs / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 broken")
    (docs / "report.docx").write_bytes(b"PK\x03\x04 not a document")
    (docs / "scan.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (docs / "menu.html").write_text("<html><body><p>食堂菜单：米饭、面条。</p></body></html>", encoding="utf-8")
    run = runner.invoke(app, ["index", str(docs), "--store", str(tmp_path / "store")])
    assert run.exit_code == 1
    errors = one_line_errors(run.stderr)
    assert sorted(e.split(": ", 1)[0].rsplit("/", 1)[-1] for e in errors) == [
        "menu.html", "old.xls", "report.docx", "scan.doc", "sheet.xlsx"]
    text = "\n".join(errors)
    assert "sheet.xlsx: not a readable .xlsx workbook" in text
    assert "report.docx: not a readable .docx document" in text
    assert "scan.doc: unsupported file type '.doc'" in text
    assert "menu.html: no 部门预算 content" in text


def test_a_table_without_name_or_year_is_kept_under_its_file_name_until_named(tmp_path, cli_env):
    path = tmp_path / "table.txt"
    path.write_text("项目支出预算表\n单位：元\n项目名称\t合计\n合计\t469500.00\n档案数字化\t469500.00\n",
                    encoding="utf-8")
    store_dir = str(tmp_path / "store")
    kept = runner.invoke(app, ["index", str(path), "--store", store_dir])
    assert kept.exit_code == 0, kept.stdout + kept.stderr
    assert "indexed   table.txt: table 0" in kept.stdout
    assert "warning   table.txt: 未找到部门名称，按文件名“table”收录：请用 budgetqa rename 指定部门名称" in kept.stdout
    given = runner.invoke(app, ["index", str(path), "--store", store_dir,
                                "--department", "史志研究室", "--year", "2023"])
    assert given.exit_code == 0, given.stdout + given.stderr
    assert "indexed   table.txt: 史志研究室 2023" in given.stdout
    assert "只有部分表格：未见部门收支总表（部门收支预算表）" in given.stdout
    conn = store.connect(Path(store_dir) / "facts.sqlite")
    [doc] = store.documents(conn)
    value, text, unit = conn.one("SELECT value, text, unit FROM cells WHERE text = '469500.00'").values()
    assert (doc.department, doc.year, value, unit) == ("史志研究室", 2023, 46.95, "元")


def test_a_revision_replaces_the_older_version_with_a_warning(tmp_path, embedder):
    indexer, _ = make_indexer(tmp_path / "store", embedder)
    first, revised = tmp_path / "a" / NOTICE.name, tmp_path / "b" / "西湖区三公经费_修订.html"
    first.parent.mkdir(), revised.parent.mkdir()
    first.write_text(NOTICE.read_text(encoding="utf-8"), encoding="utf-8")
    body = NOTICE.read_text(encoding="utf-8").replace("6.45", "5.45").replace("29.05", "28.05")
    revised.write_text("<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n")
                                                 if "\t" not in line)
                       + "</body></html>", encoding="utf-8")
    os.utime(first, (1_700_000_000, 1_700_000_000))
    [old] = indexer.index([first])
    [new] = indexer.index([revised])
    assert new.status == "indexed"
    assert f"替换了同一部门、年度的三公经费的旧版本：{first.name}" in new.warnings
    [doc] = store.documents(indexer.conn)
    assert doc.doc_id == new.doc_id and indexer.vectors.doc_ids() == {new.doc_id}
    assert 28.05 in {f.value for f in store.facts(indexer.conn, doc.doc_id)}
    # the older file indexed again does not come back over the newer one
    [again] = indexer.index([first])
    assert again.status == "superseded" and "较新版本" in again.warnings[0]
    assert [d.doc_id for d in store.documents(indexer.conn)] == [new.doc_id]


def test_a_bad_upload_of_a_new_type_is_refused_before_anything_is_written(tmp_path):
    from indexer.settings import Settings

    settings = Settings(store=tmp_path / "store")
    outcome = index_upload("report.docx", b"PK\x03\x04", settings, embedder=None)
    assert not outcome.ok and "不是有效的 Word（.docx）文件" in outcome.message
    assert not (tmp_path / "store").exists()


def test_a_store_of_the_previous_schema_stays_readable(tmp_path, monkeypatch):
    path = tmp_path / "facts.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(store.MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.execute("INSERT INTO documents (doc_id, file_name, path, sha256, title, department, year,"
                 " region_level, kind, unit, shape, line_count, listed_tables) VALUES"
                 " ('d', 'f.txt', '/f.txt', 's', 't', '某局', 2024, '区', '部门预算', '万元', 'tsv', 1, '[]')")
    conn.execute("INSERT INTO budget_tables VALUES ('t', 'd', NULL, '部门收支预算表', '万元', '[]', '[]',"
                 " NULL, 1, 2, NULL, '[]')")
    conn.commit()
    conn.close()
    with monkeypatch.context() as patch:  # as another user's store (file modes do not stop root)
        patch.setattr("indexer.store.database.is_read_only", lambda p: True)
        old = store.connect(path)
        assert [t.kind for t in store.tables(old, "d")] == [None]
        old.close()
    migrated = store.connect(path)
    assert migrated.scalar("PRAGMA user_version") == len(store.MIGRATIONS)
    assert [t.title for t in store.tables(migrated, "d")] == ["部门收支预算表"]
