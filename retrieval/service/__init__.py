"""Build the answer engine from settings: the one place that wires the store, the search
indexes, the embedding model and the audit together (used by the CLI and the app)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from indexer import store
from indexer.search.bm25 import BM25Index, OldLayout
from indexer.failures import describe, shown
from indexer.settings import Settings
from indexer.search.vectors import LazyEmbeddings, LazyVectors, VectorIndex, chroma_client
from retrieval.service import caches
from retrieval.service.engine import Engine
from retrieval.question.conversation import History
from retrieval.records import Answer
from retrieval.service.row_checks import with_row_warnings
from retrieval.search import HybridSearch

# with no logging configured, a warning is printed to stderr as its bare message: one line
log = logging.getLogger(__name__)


class StoreMissing(Exception):
    """There is no store, or it holds no documents."""


def open_engine(settings: Settings, read_only: bool = False) -> Engine:
    """Open the store read for answering; Chroma opens and the embedding model loads on the
    first text search (a table lookup needs neither).

    A store this process cannot write is opened read-only, as is every store with `read_only`
    (a command that only answers: it writes nothing, so it answers on a full disk too); when
    Chroma then cannot open (it writes on open), answers use BM25 alone and a one-line warning
    says so, with the cause.
    """
    if not store.exists(settings.database):
        raise StoreMissing(f"no store at {shown(settings.store)}: run `budgetqa index PATH` first")
    conn = store.connect(settings.database, writable=False if read_only else None)
    if not store.documents(conn):
        raise StoreMissing(f"the store at {shown(settings.store)} holds no documents: run `budgetqa index PATH`")
    search = HybridSearch(conn, _vectors(settings), _keywords(settings, conn))
    engine = Engine(conn, search, audit=_audit(), floor=settings.answer_floor)
    caches.retain(engine.documents)  # documents replaced or deleted since leave the caches
    return engine


class Responder:
    """The engine, or the engine worded by the configured chat model (every number checked):
    how the CLI, `ask --batch` workers and `serve` answer alike."""

    def __init__(self, engine: Engine, answerer=None, on_note: Callable[[str], None] | None = None) -> None:
        self.engine = engine
        self.answerer = answerer
        self.on_note = on_note  # told why a model's wording was not used (offline, timed out …)

    @classmethod
    def open(cls, settings: Settings, engine: Engine | None = None,
             on_note: Callable[[str], None] | None = None) -> Responder:
        from retrieval.llm import build_answerer

        engine = engine or open_engine(settings)
        return cls(engine, build_answerer(settings, engine), on_note)

    def answer(self, question: str, doc_ids: list[str] | None = None, history: History = ()) -> Answer:
        """Raises QuestionError for an empty or over-long question, as `Engine.answer`.
        A cited row that fails its table's sums is named in the answer's `warnings`."""
        if self.answerer is None:
            answer = self.engine.answer(question, doc_ids, history)
        else:
            result = self.answerer.answer(question, history, doc_ids=doc_ids)
            if result.note and self.on_note is not None:
                self.on_note(result.note)
            answer = result.answer
        return with_row_warnings(answer, self._tables)

    def _tables(self, doc_id: str):
        if not any(d.doc_id == doc_id for d in self.engine.documents):
            return []  # a document replaced since the answer
        return self.engine.facts(doc_id).tables


def _keywords(settings: Settings, conn) -> BM25Index:
    """The keyword index; one of an earlier version's layout is built in memory for this process
    (answering never writes the store) until `budgetqa index` converts it."""
    try:
        return BM25Index.load(settings.keywords)
    except OldLayout:
        log.warning("note: the keyword index at %s has the layout of an earlier version; it is built in"
                    " memory for now: run `budgetqa index` to convert it", shown(settings.keywords))
    words = [w for d in store.documents(conn) for w in store.document_words(conn, d.doc_id)]
    return BM25Index.build(store.chunks(conn), words)


def _vectors(settings: Settings) -> LazyVectors:
    embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    if settings.chroma_host:  # a server down is an outage, told as such (indexer.outages)
        return LazyVectors(lambda: VectorIndex(chroma_client(settings), settings.collection, embedder),
                           embedder, f"Chroma at {settings.chroma_host}:{settings.chroma_port}")
    return LazyVectors(lambda: VectorIndex(chroma_client(settings), settings.collection, embedder),
                       embedder, str(settings.chroma_dir), lambda error: _without_chroma(settings, error))


def _without_chroma(settings: Settings, error: Exception) -> bool:
    """Whether answers go on with BM25 alone after the embedded Chroma failed to open (it writes
    on open): a read-only store, or a file system that refuses the write (a full disk); one line
    says so. Anything else is a bug to see."""
    why = describe(error)
    if not why and not store.is_read_only(settings.chroma_dir / "chroma.sqlite3"):
        return False
    if store.is_read_only(settings.chroma_dir / "chroma.sqlite3"):
        why = shown(str(error) or type(error).__name__)[:120]
        log.warning("note: the search index at %s is read-only and Chroma cannot open it (%s);"
                    " answering with keyword search (BM25) only", shown(settings.chroma_dir), why)
    else:
        log.warning("note: the search index at %s cannot be opened (%s); answering with keyword"
                    " search (BM25) only", shown(settings.chroma_dir), why)
    return True


def _audit():
    try:
        from retrieval.audit import audit_document
    except ImportError:  # the audit is optional for answering
        return None
    return audit_document
