"""Build the answer engine from settings: the one place that wires the store, the search
indexes, the embedding model and the audit together (used by the CLI and the app)."""

from __future__ import annotations

from indexer import store
from indexer.bm25 import BM25Index
from indexer.settings import Settings
from indexer.vectors import LazyEmbeddings, VectorIndex, chroma_client
from retrieval.engine import Engine
from retrieval.search import HybridSearch


class StoreMissing(Exception):
    """There is no store, or it holds no documents."""


def open_engine(settings: Settings) -> Engine:
    """Open the store read for answering; the embedding model loads on the first text search."""
    if not settings.database.exists():
        raise StoreMissing(f"no store at {settings.store}: run `budgetqa index PATH` first")
    conn = store.connect(settings.database)
    if not store.documents(conn):
        raise StoreMissing(f"the store at {settings.store} holds no documents: run `budgetqa index PATH`")
    embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
    search = HybridSearch(conn, vectors, BM25Index.load(settings.bm25_dir))
    return Engine(conn, search, audit=_audit())


def _audit():
    try:
        from retrieval.audit import audit_document
    except ImportError:  # the audit is optional for answering
        return None
    return audit_document
