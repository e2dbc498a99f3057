"""`budgetqa rename`: a stored document gets the department and year the user gives; its chunks,
search indexes and the store's revision follow, and indexing the file again keeps the name."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer import store
from indexer.settings import Settings
from indexer.search.vectors import VectorIndex, chroma_client

runner = CliRunner()
EXCERPT = ("1. 基本支出预算 881300.39 元，占一般公共预算支出的96.74%。\n"
           "2. 项目支出 29700 元，占一般公共预算支出的 3.26%。\n2023 年政府采购预算 17000 元。\n")


@pytest.fixture
def indexed(tmp_path, monkeypatch, model_dir):
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    path = tmp_path / "unit_excerpt.txt"
    path.write_text(EXCERPT, encoding="utf-8")
    store_dir = tmp_path / "store"
    run = runner.invoke(app, ["index", str(path), "--store", str(store_dir)])
    assert run.exit_code == 0, run.stdout + run.stderr
    return path, store_dir


def test_a_document_nothing_names_is_kept_under_its_file_name(indexed):
    _, store_dir = indexed
    [doc] = store.documents(store.connect(store_dir / "facts.sqlite"))
    assert (doc.department, doc.year) == ("unit_excerpt", 2023)


def test_rename_names_the_document_everywhere_and_raises_the_revision(indexed):
    path, store_dir = indexed
    conn = store.connect(store_dir / "facts.sqlite")
    before = store.revision(conn)
    run = runner.invoke(app, ["rename", "unit_excerpt", "--department", "梧州市科学技术协会",
                              "--store", str(store_dir)])
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "renamed   unit_excerpt.txt: unit_excerpt 2023 → 梧州市科学技术协会 2023"
    [doc] = store.documents(conn)
    assert (doc.department, doc.year, doc.region_level) == ("梧州市科学技术协会", 2023, "市")
    assert store.revision(conn) > before
    warnings = store.document_warnings(conn, doc.doc_id)
    assert warnings == ["只有部分内容：未见预算表格", "部门名称由用户指定为“梧州市科学技术协会”（原为“unit_excerpt”）"]
    chunks = store.chunks(conn, doc.doc_id)
    assert chunks and all(c.department == "梧州市科学技术协会" and "unit_excerpt" not in c.text for c in chunks)
    settings = Settings(store=store_dir)
    vectors = VectorIndex(chroma_client(settings), settings.collection, None)
    held = vectors.store.get(include=["documents"])
    assert sorted(held["ids"]) == sorted(c.chunk_id for c in chunks)
    assert not any("unit_excerpt" in text for text in held["documents"])
    again = runner.invoke(app, ["index", str(path), "--store", str(store_dir)])
    assert "unchanged unit_excerpt.txt: 梧州市科学技术协会 2023" in again.stdout


def test_rename_of_the_year_alone_and_without_options(indexed):
    _, store_dir = indexed
    run = runner.invoke(app, ["rename", "unit_excerpt.txt", "--year", "2024", "--store", str(store_dir)])
    assert run.exit_code == 0, run.stdout + run.stderr
    [doc] = store.documents(store.connect(store_dir / "facts.sqlite"))
    assert (doc.department, doc.year) == ("unit_excerpt", 2024)
    bare = runner.invoke(app, ["rename", "unit_excerpt.txt", "--store", str(store_dir)])
    assert bare.exit_code == 2 and "give --department or --year" in bare.stderr
    missing = runner.invoke(app, ["rename", "nothing-here", "--year", "2024", "--store", str(store_dir)])
    assert missing.exit_code == 1 and "no document matches 'nothing-here'" in missing.stderr
