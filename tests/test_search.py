"""The search indexes: BM25 over jieba tokens with the tables' labels, and Chroma."""

from __future__ import annotations

from indexer import store
from indexer.search.bm25 import BM25Index, Tokenizer
from tests.conftest import CHANHE, XIGONG_STREET, doc_id_of


def test_tokenizer_keeps_table_labels_whole():
    plain = Tokenizer()
    extended = Tokenizer(["机关事业单位基本养老保险缴费"])
    assert "机关事业单位基本养老保险缴费" not in plain("机关事业单位基本养老保险缴费支出")
    assert "机关事业单位基本养老保险缴费" in extended("机关事业单位基本养老保险缴费支出")


def chunk_text(conn, chunk_id: str) -> str:
    return conn.scalar("SELECT text FROM chunks WHERE chunk_id = :c", c=chunk_id)


def test_bm25_finds_the_vehicle_paragraph(corpus_index):
    indexer, settings, _ = corpus_index
    bm25 = BM25Index.load(settings.bm25_dir)
    hits = bm25.search("西工街道办事处 国有资产占用 车辆", k=5)
    assert hits
    texts = [chunk_text(indexer.conn, chunk_id) for chunk_id, _ in hits]
    assert any("共有车辆" in t and "西工街道办事处" in t for t in texts[:3])


def test_dense_search_finds_the_vehicle_paragraph_within_one_document(corpus_index):
    indexer, _, _ = corpus_index
    doc_id = doc_id_of(indexer.conn, CHANHE)
    hits = indexer.vectors.search("单位有几辆公务用车？", k=5, doc_ids=[doc_id])
    assert hits and all(
        indexer.conn.scalar("SELECT doc_id FROM chunks WHERE chunk_id = :c", c=c) == doc_id
        for c, _ in hits
    )
    assert any("车辆" in chunk_text(indexer.conn, c) for c, _ in hits[:3])


def test_table_chunks_carry_rows_and_header(corpus_conn):
    doc_id = doc_id_of(corpus_conn, XIGONG_STREET)
    table_chunks = [c for c in store.chunks(corpus_conn, doc_id) if c.kind == "table"]
    assert any(c.table == "部门收支预算表" and "收入总计" in c.text and "1909.07" in c.text
               for c in table_chunks)
    long_table = [c for c in table_chunks if c.table == "支出经济分类汇总表"]
    assert len(long_table) > 1 and all("列：" in c.text for c in long_table)
