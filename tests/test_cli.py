"""The `budgetqa` command: index with a report, bad files named with their problem, listings, export."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from tests.conftest import CHANHE, DATA

runner = CliRunner()


@pytest.fixture
def indexed(tmp_path, model_dir, monkeypatch):
    """A store indexed by the CLI from a folder with one good and three bad files."""
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DATA / CHANHE, docs / CHANHE)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "scan.doc").write_bytes(b"PK\x03\x04 not really")
    (docs / "notes.txt").write_text("会议纪要：今天讨论了食堂菜单。\n" * 30, encoding="utf-8")
    store_dir = tmp_path / "store"
    result = runner.invoke(app, ["index", str(docs), "--store", str(store_dir)])
    return result, store_dir


def test_index_reports_each_document_and_names_bad_files(indexed):
    result, _ = indexed
    assert result.exit_code == 1
    out = result.stdout + result.stderr
    assert "洛阳市瀍河回族区行政审批和政务信息管理局" in out and "14/14" in out
    assert "empty.txt: the file is empty" in out
    assert "scan.doc: unsupported file type '.doc'" in out
    assert "notes.txt: no 部门预算 content" in out


def test_unchanged_reindex_exits_zero(indexed, tmp_path):
    _, store_dir = indexed
    result = runner.invoke(app, ["index", str(DATA / CHANHE), "--store", str(store_dir)])
    assert result.exit_code == 0
    assert "indexed" in result.stdout or "unchanged" in result.stdout


def test_docs_tables_and_table_csv(indexed):
    _, store_dir = indexed
    docs = runner.invoke(app, ["docs", "--store", str(store_dir)])
    assert docs.exit_code == 0 and "2025" in docs.stdout
    tables = runner.invoke(app, ["tables", "洛阳市瀍河回族区行政审批和政务信息管理局", "--store", str(store_dir)])
    assert tables.exit_code == 0 and "部门支出预算表" in tables.stdout
    table = runner.invoke(app, ["table", CHANHE, "部门支出预算表", "--csv", "--store", str(store_dir)])
    assert table.exit_code == 0
    rows = list(csv.reader(io.StringIO(table.stdout)))
    header, body = rows[0], rows[1:]
    medical = next(r for r in body if r[0] == "行政单位医疗")
    assert medical[header.index("合计")] == "15.58"


def test_export_jsonl_has_one_cited_fact_per_line(indexed):
    _, store_dir = indexed
    result = runner.invoke(app, ["export", "--format", "jsonl", "--store", str(store_dir)])
    facts = [json.loads(line) for line in result.stdout.splitlines()]
    fact = next(f for f in facts if f["row"] == "住房公积金" and f["table"] == "部门支出预算表"
                and f["column"] == "合计")
    assert fact["value"] == 15.28 and fact["year"] == 2025 and fact["unit"] == "万元"
    assert fact["line"] > 0 and set(fact) >= {"doc_id", "department", "page"}


def test_missing_store_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["docs", "--store", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no store at" in result.stderr
