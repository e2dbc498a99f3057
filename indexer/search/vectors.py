"""Dense search: the embedding model and Chroma, behind small adapters (langchain's Embeddings
and Chroma vector store). Only this module imports chromadb and sentence-transformers."""

from __future__ import annotations

import os
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from indexer.records import Chunk
from indexer.settings import Settings

_clients: dict[str, chromadb.ClientAPI] = {}
_lock = Lock()
BATCH = 256
QUERY_CACHE = 1024  # query embeddings kept per process (a repeated question costs no model call)
# torch's thread count is per process: a single query is set to one thread (measured on a loaded
# 2-core machine: 3.0 s with the default threads, 0.26 s with one), batches keep the default
_threads = Lock()


class EmbeddingModelMissing(Exception):
    """The embedding model folder is not there (set-up not run) or cannot be loaded."""


def load_embedder(model: str, batch_size: int = 4) -> Embeddings:
    """Load a sentence-transformers model through langchain, with e5's query/passage prompts."""
    from langchain_huggingface import HuggingFaceEmbeddings

    local = Path(model)
    if local.is_absolute() or model.startswith("."):
        if not (local / "modules.json").exists():
            raise EmbeddingModelMissing(
                f"embedding model not found at {local}: run `make setup` to prepare it"
            )
        # a local folder needs no hub; without this a missing file means a long network timeout
        os.environ["HF_HUB_OFFLINE"] = "1"
    embedder = HuggingFaceEmbeddings(
        model_name=model,
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
        query_encode_kwargs={"normalize_embeddings": True},
    )
    prompts = getattr(embedder._client, "prompts", {}) or {}
    if "query" in prompts and "passage" in prompts:  # e5 needs "query: " / "passage: " prefixes
        embedder.encode_kwargs["prompt_name"] = "passage"
        embedder.query_encode_kwargs["prompt_name"] = "query"
    return embedder


_inside = {"count": 0, "before": 0}  # queries embedding now, and the setting to restore


@contextmanager
def one_thread():
    """Run torch on one thread inside the block; the last query to leave restores the process's
    setting (queries of several threads overlap without serialising)."""
    import torch

    with _threads:
        if _inside["count"] == 0:
            _inside["before"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _inside["count"] += 1
    try:
        yield
    finally:
        with _threads:
            _inside["count"] -= 1
            if _inside["count"] == 0:
                torch.set_num_threads(_inside["before"])


class LazyEmbeddings(Embeddings):
    """Load the model on first use: checking unchanged files must not pay for loading it.

    Query embeddings are kept (least recently used out) and computed on one torch thread;
    document batches (indexing) use torch's own setting.
    """

    def __init__(self, model: str, batch_size: int = 4, cache_size: int = QUERY_CACHE) -> None:
        self.model, self.batch_size = model, batch_size
        self._embedder: Embeddings | None = None
        self._lock = Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_size = cache_size
        self.query_calls = 0  # model calls for queries (the cache's misses)

    def loaded(self) -> Embeddings:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.model, self.batch_size)
            return self._embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.loaded().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return list(self._queries[text])
        embedder = self.loaded()
        with one_thread():
            vector = embedder.embed_query(text)
        with self._lock:
            self.query_calls += 1
            self._queries[text] = vector
            while len(self._queries) > self._cache_size:
                self._queries.popitem(last=False)
        return list(vector)


def chroma_client(settings: Settings) -> chromadb.ClientAPI:
    """One client per path per process (Chroma refuses a second with other settings)."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    key = str(settings.chroma_dir.resolve())
    with _lock:
        if key not in _clients:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            _clients[key] = chromadb.PersistentClient(path=key, settings=chroma_settings)
        return _clients[key]


class VectorIndex:
    """Chunks in a Chroma collection, searched by the embedding of a question."""

    def __init__(self, client: chromadb.ClientAPI, collection: str, embedder: Embeddings) -> None:
        chroma = client.get_settings()
        # where a failed write happened, for the one-line message of a full disk
        self.location = (chroma.persist_directory if chroma.is_persistent
                         else f"Chroma at {chroma.chroma_server_host}:{chroma.chroma_server_http_port}")
        self.store = Chroma(
            client=client,
            collection_name=collection,
            embedding_function=embedder,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self.embedder = embedder  # shared with uploads, so that a process loads the model once

    def add(self, chunks: list[Chunk]) -> None:
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            self.store.add_texts(
                texts=[c.dense_text or c.text for c in batch],
                metadatas=[_metadata(c) for c in batch],
                ids=[c.chunk_id for c in batch],
            )

    def delete_documents(self, doc_ids: list[str]) -> None:
        for doc_id in doc_ids:
            found = self.store.get(where={"doc_id": doc_id}, include=[])
            if found["ids"]:
                self.store.delete(ids=found["ids"])

    def doc_ids(self) -> set[str]:
        found = self.store.get(include=["metadatas"])
        return {m["doc_id"] for m in found["metadatas"] if m}

    def hits(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, str, float]]:
        """The closest chunks as (chunk_id, doc_id, similarity), best first; with doc_ids, Chroma
        searches those documents only (a `where` on the chunks' doc_id)."""
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        hits = self.store.similarity_search_with_score(query, k=k, filter=where)
        return [(doc.id, doc.metadata.get("doc_id", ""), 1.0 - float(distance)) for doc, distance in hits]

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
        """The closest chunks as (chunk_id, similarity), best first."""
        return [(c, s) for c, _, s in self.hits(query, k, doc_ids)]


class NoDenseSearch:
    """Stands in for the VectorIndex when Chroma cannot be opened (a read-only store: Chroma
    writes on open): no dense hits, so the hybrid search ranks by BM25 alone."""

    location = "(none)"

    def hits(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, str, float]]:
        return []

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
        return []


def _metadata(chunk: Chunk) -> dict[str, str | int]:
    data = {
        "doc_id": chunk.doc_id, "kind": chunk.kind, "department": chunk.department,
        "year": chunk.year, "section": chunk.section, "table": chunk.table,
        "line_start": chunk.line_start, "line_end": chunk.line_end, "page": chunk.page,
    }
    return {k: v for k, v in data.items() if v is not None}  # Chroma refuses None values
