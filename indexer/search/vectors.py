"""Dense search: the embedding model and Chroma, behind small adapters (langchain's Embeddings
and Chroma vector store). Only this module imports chromadb and sentence-transformers."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InternalError
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from indexer.records import Chunk
from indexer.settings import Settings

_clients: dict[str, chromadb.ClientAPI] = {}
_lock = Lock()
BATCH = 256
QUERY_CACHE = 1024  # query embeddings kept per process (a repeated question costs no model call)
# a search restricted to a few documents compares the question with each of their chunks exactly,
# from their vectors kept per process (~0.2 MB a document): Chroma's query filtered by document
# grew from 3 ms to 52 ms between 5 and 1,000 documents (measured), this does not grow
EXACT_DOCUMENTS = 8  # at most this many documents searched exactly, else Chroma's index
KEPT_DOCUMENTS = 128  # documents whose vectors are kept
# torch's thread count is per process: a single query is set to one thread (measured on a loaded
# 2-core machine: 3.0 s with the default threads, 0.26 s with one), batches keep the default
_threads = Lock()


class EmbeddingModelMissing(Exception):
    """The embedding model folder is not there (set-up not run) or cannot be loaded."""


def load_embedder(model: str, batch_size: int = 16) -> Embeddings:
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
    _quiet_loading()
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


def _quiet_loading() -> None:
    """No English "Loading weights" bars or advisory warnings on stderr while the model loads
    (the CLI, `serve` and the app print one line of their own, or nothing)."""
    import huggingface_hub.utils
    import transformers.utils.logging

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    huggingface_hub.utils.disable_progress_bars()


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

    def __init__(self, model: str, batch_size: int = 16, cache_size: int = QUERY_CACHE) -> None:
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
        # doc_id → its chunk ids, doc_ids and vectors (unit length); a document's id is the hash
        # of its content, so what is kept under it never changes
        self._kept: OrderedDict[str, tuple[list[str], np.ndarray]] = OrderedDict()
        self._kept_lock = Lock()

    def add(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None = None) -> None:
        """Embed and store chunks, telling `progress(done, total)` after each batch."""
        for start in range(0, len(chunks), BATCH):
            batch = chunks[start : start + BATCH]
            self.store.add_texts(
                texts=[c.dense_text or c.text for c in batch],
                metadatas=[_metadata(c) for c in batch],
                ids=[c.chunk_id for c in batch],
            )
            if progress is not None:
                progress(start + len(batch), len(chunks))

    def add_missing(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None = None) -> None:
        """Store chunks, embedding only those Chroma lacks: a run interrupted half-way through a
        large document resumes where it stopped. A chunk's id is a hash of its text, so a vector
        held under it is right; its metadata (department, year given anew) is rewritten."""
        held: set[str] = set()
        ids = [c.chunk_id for c in chunks]
        for start in range(0, len(ids), BATCH):
            held.update(self.store.get(ids=ids[start : start + BATCH], include=[])["ids"])
        kept = [c for c in chunks if c.chunk_id in held]
        for start in range(0, len(kept), BATCH):
            batch = kept[start : start + BATCH]
            self.store._collection.update(ids=[c.chunk_id for c in batch],
                                          metadatas=[_metadata(c) for c in batch])
        self.add([c for c in chunks if c.chunk_id not in held], progress)

    def delete_chunks(self, chunk_ids: list[str]) -> None:
        """Delete chunks by id: no search of the collection (a filtered read grows with it)."""
        for start in range(0, len(chunk_ids), BATCH):
            self.store.delete(ids=chunk_ids[start : start + BATCH])

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Delete documents' chunks by a filtered read (for documents the fact store no longer
        lists; where it does, `delete_chunks` with their ids is cheaper)."""
        for doc_id in doc_ids:
            found = self.store.get(where={"doc_id": doc_id}, include=[])
            if found["ids"]:
                self.store.delete(ids=found["ids"])

    def doc_ids(self) -> set[str]:
        found = self.store.get(include=["metadatas"])
        return {m["doc_id"] for m in found["metadatas"] if m}

    def hits(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, str, float]]:
        """The closest chunks as (chunk_id, doc_id, similarity), best first; with a few doc_ids,
        every chunk of those documents is compared exactly, with more Chroma searches those
        documents only (a `where` on the chunks' doc_id)."""
        if doc_ids and len(doc_ids) <= EXACT_DOCUMENTS:
            return self._exact_hits(query, k, list(dict.fromkeys(doc_ids)))
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        try:
            hits = self.store.similarity_search_with_score(query, k=k, filter=where)
        except InternalError:  # chunks being written by another process: keyword search answers
            return []
        return [(doc.id, doc.metadata.get("doc_id", ""), 1.0 - float(distance)) for doc, distance in hits]

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
        """The closest chunks as (chunk_id, similarity), best first."""
        return [(c, s) for c, _, s in self.hits(query, k, doc_ids)]

    def refresh(self) -> None:
        """Forget the vectors kept: a document searched while it was being indexed (by another
        process) may have been kept with part of its chunks."""
        with self._kept_lock:
            self._kept.clear()

    def _exact_hits(self, query: str, k: int, doc_ids: list[str]) -> list[tuple[str, str, float]]:
        """Cosine similarity of the question with every chunk of these documents, best k."""
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        q /= np.linalg.norm(q) or 1.0
        found: list[tuple[float, int, str, str]] = []
        for doc_id in doc_ids:
            ids, vectors = self._vectors_of(doc_id)
            if not ids:
                continue
            for n, similarity in enumerate((vectors @ q).tolist()):
                found.append((-similarity, len(found), ids[n], doc_id))
        found.sort()
        return [(chunk_id, doc_id, -score) for score, _, chunk_id, doc_id in found[:k]]

    def _vectors_of(self, doc_id: str) -> tuple[list[str], np.ndarray]:
        with self._kept_lock:
            if doc_id in self._kept:
                self._kept.move_to_end(doc_id)
                return self._kept[doc_id]
        try:
            held = self.store.get(where={"doc_id": doc_id}, include=["embeddings"])
        except InternalError:  # "Error finding id": another process is writing these chunks
            held = {"ids": []}
        ids = list(held["ids"])
        if not ids:  # not (yet) in Chroma — another process is indexing it: no dense hits, and
            return [], np.zeros((0, 0), dtype=np.float32)  # asked again next time
        vectors = np.asarray(held["embeddings"], dtype=np.float32).reshape(len(ids), -1)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        order = sorted(range(len(ids)), key=ids.__getitem__)  # the same order in every process
        ids, vectors = [ids[i] for i in order], vectors[order]
        with self._kept_lock:
            self._kept[doc_id] = (ids, vectors)
            while len(self._kept) > KEPT_DOCUMENTS:
                self._kept.popitem(last=False)
        return ids, vectors


class LazyVectors:
    """A VectorIndex opened on first use: answers that need no text search (a table lookup) never
    open Chroma, which writes on open and may be a server that is down.

    When opening fails, `unavailable(error)` decides: True — go on without dense hits (a
    read-only store, a full disk; the callback says so once); otherwise the error is raised (a
    server down: the edges tell it in one line, `indexer.outages`) and the next use tries again,
    so a server back up is used at once.
    """

    def __init__(self, open_index: Callable[[], VectorIndex], embedder: Embeddings, location: str,
                 unavailable: Callable[[Exception], bool] | None = None) -> None:
        self.embedder, self.location = embedder, location
        self._open, self._unavailable = open_index, unavailable
        self._index: VectorIndex | NoDenseSearch | None = None
        self._lock = Lock()

    @property
    def index(self) -> VectorIndex | NoDenseSearch:
        with self._lock:
            if self._index is None:
                try:
                    self._index = self._open()
                except Exception as error:
                    if self._unavailable is None or not self._unavailable(error):
                        raise
                    self._index = NoDenseSearch()
            return self._index

    def refresh(self) -> None:
        if self._index is not None:
            self._index.refresh()

    def hits(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, str, float]]:
        return self.index.hits(query, k, doc_ids)

    def search(self, query: str, k: int = 10, doc_ids: list[str] | None = None) -> list[tuple[str, float]]:
        return self.index.search(query, k, doc_ids)


class NoDenseSearch:
    """Stands in for the VectorIndex when Chroma cannot be opened (a read-only store: Chroma
    writes on open): no dense hits, so the hybrid search ranks by BM25 alone."""

    location = "(none)"

    def refresh(self) -> None:
        pass

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
