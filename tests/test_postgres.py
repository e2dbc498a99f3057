"""A shared deployment: the fact store and the keyword index on PostgreSQL, vectors in a Chroma
server — the same records, scores and answers as the embedded store (SQLite, local Chroma).

The corpus is indexed once into a throwaway PostgreSQL database and Chroma server (tests/servers.py).
Its chunks are embedded with the real model's vectors the session's corpus store already computed
(by their text), so a second full embedding run is not paid; questions are embedded for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import store
from indexer.search.bm25 import BM25Index
from tests.conftest import CHANHE, DATA, XIGONG_GOV, doc_id_of, server_indexer, server_settings
from ui import conversations

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def pg_corpus(postgres_server, chroma_server, known_embeddings, embedder, tmp_path_factory):
    """The five corpus documents indexed into PostgreSQL + the Chroma server: (indexer, settings)."""
    settings = server_settings(postgres_server, chroma_server, "corpus", tmp_path_factory.mktemp("pg") / "store",
                               str(embedder.model))
    indexer = server_indexer(settings, known_embeddings)
    computed = known_embeddings.computed
    results = indexer.index([DATA])
    assert [r.status for r in results] == ["indexed"] * 5
    assert known_embeddings.computed == computed  # every chunk's vector came from the session's store
    return indexer, settings


def test_the_store_is_on_the_server_with_every_migration(pg_corpus):
    indexer, settings = pg_corpus
    db = indexer.conn
    assert db.dialect == "postgresql" and "budgetqa@127.0.0.1" in str(db.location)
    assert db.scalar("SELECT max(version) FROM schema_version") == len(store.MIGRATIONS)
    assert not (settings.store / "facts.sqlite").exists() and not settings.bm25_dir.exists()
    again = store.connect(settings.database)  # opening again migrates nothing and loses nothing
    assert again.scalar("SELECT max(version) FROM schema_version") == len(store.MIGRATIONS)
    assert len(store.documents(again)) == 5


def test_a_newer_schema_on_the_server_is_refused(postgres_server):
    url = postgres_server.create_database("newer")
    db = store.connect(url)
    with db.transaction() as c:
        c.exec_driver_sql("UPDATE schema_version SET version = 99")
    with pytest.raises(store.StoreError, match="newer budgetqa"):
        store.connect(url)


def test_records_read_back_as_from_sqlite(pg_corpus, corpus_conn):
    pg = pg_corpus[0].conn
    assert store.documents(pg) == store.documents(corpus_conn)
    for d in store.documents(corpus_conn):
        for read in (store.tables, store.sections, store.indicators, store.facts, store.chunks):
            assert read(pg, d.doc_id) == read(corpus_conn, d.doc_id), (read.__name__, d.file_name)
        assert store.document_words(pg, d.doc_id) == store.document_words(corpus_conn, d.doc_id)
    assert list(store.export_facts(pg)) == list(store.export_facts(corpus_conn))
    assert store.unit_labels(pg) == store.unit_labels(corpus_conn)
    assert store.search_states(pg) == store.search_states(corpus_conn)
    assert set(store.search_states(pg).values()) == {"ready"}


def test_keyword_scores_are_those_of_the_folder_index(pg_corpus, corpus_index):
    on_server = BM25Index.load(pg_corpus[1].keywords)
    in_folder = BM25Index.load(corpus_index[1].bm25_dir)
    assert (on_server.documents, on_server.chunk_count, on_server.token_count) == \
        (in_folder.documents, in_folder.chunk_count, in_folder.token_count)
    for query in ("三公经费 公务接待费", "智慧社区 项目 绩效目标", "机关运行经费 比上年 减少"):
        server_hits, folder_hits = on_server.hits(query, k=20), in_folder.hits(query, k=20)
        assert [h[:2] for h in server_hits] == [h[:2] for h in folder_hits]
        assert [h[2] for h in server_hits] == pytest.approx([h[2] for h in folder_hits], rel=1e-6)


def test_the_engine_answers_every_dev_question_as_on_sqlite(pg_corpus, corpus_engine):
    from retrieval.service import open_engine

    engine = open_engine(pg_corpus[1])
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(questions) >= 50
    differ = [q for q in questions if engine.answer(q).contract() != corpus_engine.answer(q).contract()]
    assert differ == []
    chanhe = doc_id_of(pg_corpus[0].conn, CHANHE)
    assert engine.answer("瀍河区行政审批局2025年三公经费是多少？").citations[0].doc_id == chanhe


def test_conversations_on_the_server(pg_corpus, corpus_engine):
    db = pg_corpus[0].conn
    me, other = "browser:pg-me", "browser:pg-other"
    answer = corpus_engine.answer("西工区政府办2025年一般公共预算支出是多少？")
    conversations.save_turn(db, me, "pg-1", conversations.Turn(question=answer.question, answer=answer))
    conversations.save_turn(db, me, "pg-1", conversations.Turn(question="那去年呢？", error="问题过长"))
    conversations.save_turn(db, me, "pg-2", conversations.Turn(question="有没有公车？", answer=answer))
    listed = conversations.list_conversations(db, me)
    assert [c.conversation_id for c in listed][:2] == ["pg-2", "pg-1"]  # the latest first
    assert [c.turns for c in listed][:2] == [1, 2] and conversations.count(db, me) == 2
    assert conversations.list_conversations(db, other) == [] and conversations.load(db, other, "pg-1") is None
    turns = conversations.load(db, me, "pg-1")
    assert [t.question for t in turns] == [answer.question, "那去年呢？"]
    assert turns[0].answer == answer and turns[1].error == "问题过长"
    conversations.delete(db, me, "pg-1")
    assert conversations.load(db, me, "pg-1") is None
    assert db.scalar("SELECT count(*) FROM turns WHERE conversation_id = 'pg-1'") == 0


def test_an_engine_sees_a_document_another_process_indexed(postgres_server, chroma_server,
                                                          known_embeddings, embedder, tmp_path):
    """Two stores' worth of processes on one server: what one indexes, the other answers from
    without a restart; what one replaces, the other no longer cites."""
    from retrieval.service import open_engine

    settings = server_settings(postgres_server, chroma_server, "live", tmp_path / "store", str(embedder.model))
    writer = server_indexer(settings, known_embeddings)
    writer.index([DATA / CHANHE])
    reader = open_engine(settings)  # as another process would: its own connections and caches
    assert [d.file_name for d in reader.documents] == [CHANHE]
    before = reader.revision
    asked = "西工区政府办2025年一般公共预算支出是多少？"
    assert not reader.answer(asked).answerable or reader.answer(asked).value is None
    writer.index([DATA / XIGONG_GOV])
    answer = reader.answer(asked)
    assert reader.revision > before
    assert {d.file_name for d in reader.documents} == {CHANHE, XIGONG_GOV}
    assert answer.value is not None and answer.citations
    assert answer.citations[0].doc_id == doc_id_of(writer.conn, XIGONG_GOV)
    store.delete_document(writer.conn, doc_id_of(writer.conn, XIGONG_GOV))
    writer.reconcile()
    gone = reader.answer(asked)
    assert [d.file_name for d in reader.documents] == [CHANHE]
    assert gone.value is None or not gone.answerable
