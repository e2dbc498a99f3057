"""Indexing into the store: no-op on unchanged files, replacement of changed ones, and an
interrupted run that leaves the previous state readable — on SQLite with the embedded Chroma, and
on PostgreSQL with a Chroma server."""

from __future__ import annotations

import shutil
import uuid

import pytest

from indexer import store
from tests.conftest import CHANHE, DATA, make_indexer, server_indexer, server_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def one_document(request, tmp_path, embedder):
    """A store holding one corpus document, indexed from a copy that tests may change."""
    path = tmp_path / "docs" / CHANHE
    path.parent.mkdir()
    shutil.copy(DATA / CHANHE, path)
    if request.param == "sqlite":
        indexer, _ = make_indexer(tmp_path / "store", embedder)
    else:
        settings = server_settings(request.getfixturevalue("postgres_server"),
                                   request.getfixturevalue("chroma_server"), f"one_{uuid.uuid4().hex[:12]}",
                                   tmp_path / "store", str(embedder.model))
        indexer = server_indexer(settings, request.getfixturevalue("known_embeddings"))
    [result] = indexer.index([path])
    assert result.status == "indexed", result.message
    return indexer, path, result


def counts(conn) -> dict[str, int]:
    return {t: conn.scalar(f"SELECT count(*) FROM {t}")
            for t in ("documents", "budget_tables", "rows", "cells", "indicators", "facts", "chunks")}


def test_unchanged_file_is_a_no_op(one_document):
    indexer, path, first = one_document
    before = counts(indexer.conn)
    [again] = indexer.index([path])
    assert again.status == "unchanged" and again.doc_id == first.doc_id
    assert counts(indexer.conn) == before


def test_changed_file_replaces_its_records(one_document):
    indexer, path, first = one_document
    text = path.read_text(encoding="utf-8").replace("网络使用年租", "网络使用年度租金")
    path.write_text(text, encoding="utf-8")
    [second] = indexer.index([path])
    assert second.status == "indexed" and second.doc_id != first.doc_id
    docs = store.documents(indexer.conn)
    assert [d.doc_id for d in docs] == [second.doc_id]
    labels = {r["label"] for r in indexer.conn.rows("SELECT label FROM rows")}
    assert "网络使用年度租金" in labels and "网络使用年租" not in labels
    assert indexer.vectors.doc_ids() == {second.doc_id}


def test_failure_inside_the_transaction_keeps_the_previous_state(one_document, monkeypatch):
    indexer, path, first = one_document
    before = counts(indexer.conn)
    path.write_text(path.read_text(encoding="utf-8").replace("智慧社区", "智慧小区"), encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr("indexer.store.records._insert_table", crash)
    with pytest.raises(KeyboardInterrupt):
        indexer.index([path])
    assert counts(indexer.conn) == before
    assert [d.doc_id for d in store.documents(indexer.conn)] == [first.doc_id]


def test_interrupted_search_update_is_repaired_on_the_next_run(one_document):
    indexer, path, first = one_document
    # as if the process died after the SQLite commit, before Chroma got the chunks
    indexer.vectors.delete_documents([first.doc_id])
    store.set_search_state(indexer.conn, first.doc_id, "pending")
    [again] = indexer.index([path])
    assert again.status == "unchanged"
    assert indexer.vectors.doc_ids() == {first.doc_id}
    assert indexer.conn.scalar("SELECT search_state FROM documents") == "ready"


def test_bad_files_fail_alone(one_document, tmp_path):
    indexer, path, first = one_document
    empty = tmp_path / "docs" / "empty.txt"
    empty.write_bytes(b"")
    # (a document cut before its tables is no bad file: tests/test_publisher_names.py)
    results = {r.path.name: r for r in indexer.index([tmp_path / "docs"])}
    assert results[CHANHE].status == "unchanged"
    assert results["empty.txt"].status == "failed" and "empty" in results["empty.txt"].message
    assert [d.doc_id for d in store.documents(indexer.conn)] == [first.doc_id]


def test_store_migrations_are_numbered(tmp_path):
    conn = store.connect(tmp_path / "s.sqlite")
    assert conn.scalar("PRAGMA user_version") == len(store.MIGRATIONS)
    with conn.transaction() as c:
        c.exec_driver_sql("PRAGMA user_version = 99")
    with pytest.raises(store.StoreError, match="newer"):
        store.migrate(conn)
