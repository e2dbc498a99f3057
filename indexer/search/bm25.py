"""Keyword search: BM25 over jieba tokens, jieba's dictionary extended with the labels found in
the tables (row labels, project and indicator names) so they stay whole words.

The index is one segment per document (`segments.py`) and a small registry (`index.sqlite` in
the index folder; on a database server, the tables of its schema `bm25`, segments included): which documents the search indexes may hold, each term's document frequency,
the chunk and token counts, and the extra dictionary words. Adding or removing a document
writes its segment and updates the registry; no other segment is read or written. A search
restricted to documents scores only their segments, with the statistics of the whole index, so
its scores are those of one index over every document.

The registry also serves the pipeline's repair of an interrupted run: a document is registered
before its chunks go to Chroma, so the documents Chroma may hold are known without reading it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from threading import Lock

import jieba
import numpy as np
from sqlalchemy import Connection, bindparam, text

from indexer.records import Chunk
from indexer.search.segments import Segment
from indexer.store.database import Database, is_url, server, sqlite_file, sqlite_memory

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
REGISTRY = "index.sqlite"
LEGACY_FILE = "chunk_ids.json"  # the single index of earlier versions
LOADED_SEGMENTS = 256  # segments kept in memory per process (a search over all loads the rest)
SCHEMA = "bm25"  # on a database server, the registry and segments are this schema's tables
_LOCK_KEY = 0x626D3235  # PostgreSQL advisory lock taken while making the tables ("bm25")
_TABLES = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    segment TEXT,                      -- its name once written, NULL while being written
    chunks INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0, words TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL){without_rowid};
CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, docs INTEGER NOT NULL){without_rowid};
"""
# segments on a server are rows, so that every process of a deployment reads the same ones
_SEGMENTS_TABLE = "CREATE TABLE IF NOT EXISTS segments (name TEXT PRIMARY KEY, meta TEXT NOT NULL, postings BYTEA NOT NULL)"


class OldLayout(Exception):
    """The folder holds the single index of an earlier version, to be rebuilt per document."""


def per_user_cache() -> str:
    """jieba's dictionary cache file name, one per user: another user's cache in the shared temp
    folder can be neither read nor replaced, and jieba logs a traceback for that (a read-only
    store served to other users)."""
    return f"jieba.u{os.getuid()}.cache"


class Tokenizer:
    """A jieba tokenizer of its own (not the global one), with extra dictionary words."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.cache_file = per_user_cache()
        self.words: list[str] = []
        # added to jieba on first use: loading its dictionary takes a second, which opening
        # the index for an unchanged re-index should not pay
        self._pending: list[str] = []
        self._lock = Lock()
        self.add(words)

    def add(self, words: Iterable[str]) -> None:
        """Add dictionary words (new ones only)."""
        with self._lock:
            known = set(self.words)
            new = sorted({w for w in words if 2 <= len(w) <= 30} - known)
            if new:
                self.words = sorted(known | set(new))
                self._pending += new

    def __call__(self, text: str) -> list[str]:
        if self._pending:
            with self._lock:
                for word in self._pending:
                    self._jieba.add_word(word, freq=2000)
                self._pending = []
        return [t.lower() for t in self._jieba.lcut_for_search(text) if _KEEP.search(t)]


class FolderSegments:
    """Segments as folders beside the registry (a store folder on one machine)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "segments"

    def write(self, segment: Segment) -> str:
        name = f"{segment.doc_id}-{uuid.uuid4().hex[:8]}"
        # written under a temporary name, then renamed: a reader never sees half a segment
        tmp = self.folder / f".{name}"
        try:
            segment.save(tmp)
            os.replace(tmp, self.folder / name)
        except BaseException:  # a full disk: leave no half-written folder behind
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return name

    def read(self, name: str) -> Segment | None:
        try:
            return Segment.load(self.folder / name)
        except OSError:  # replaced meanwhile by another process: the registry names the new one
            return None

    def remove(self, name: str) -> None:
        shutil.rmtree(self.folder / name, ignore_errors=True)

    def complete(self) -> set[str]:
        """The segments written whole."""
        return {name for name in self.names() if (self.folder / name / "postings.npz").exists()}

    def names(self) -> set[str]:
        return {p.name for p in self.folder.iterdir()} if self.folder.exists() else set()


class TableSegments:
    """Segments as rows of the registry's database (a server every process of a deployment
    reads): written in the same transaction as their registry row."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: dict[str, Segment] = {}

    def write(self, segment: Segment) -> str:
        name = f"{segment.doc_id}-{uuid.uuid4().hex[:8]}"
        self.pending[name] = segment  # inserted by `save_pending` in the registry's transaction
        return name

    def save_pending(self, c: Connection) -> None:
        for name, segment in self.pending.items():
            meta, postings = segment.to_bytes()
            c.execute(text("INSERT INTO segments (name, meta, postings) VALUES (:n, :m, :p)"),
                      {"n": name, "m": meta, "p": postings})
        self.pending.clear()

    def read(self, name: str) -> Segment | None:
        row = self.db.one("SELECT meta, postings FROM segments WHERE name = :n", n=name)
        return Segment.from_bytes(row["meta"], bytes(row["postings"])) if row else None

    def remove(self, name: str) -> None:
        with self.db.transaction() as c:
            c.execute(text("DELETE FROM segments WHERE name = :n"), {"n": name})

    def complete(self) -> set[str]:
        """The segments written whole (each in one transaction)."""
        return self.names()

    def names(self) -> set[str]:
        return {r["name"] for r in self.db.rows("SELECT name FROM segments")}


def _make_tables(db: Database) -> None:
    with db.transaction() as c:
        if db.dialect == "postgresql":
            # two processes opening a new index at once: one makes the tables, the other waits
            c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        tables = _TABLES.format(without_rowid=" WITHOUT ROWID" if db.dialect == "sqlite" else "")
        for statement in tables.split(";"):
            if statement.strip():
                c.exec_driver_sql(statement)
        if db.dialect != "sqlite":
            c.exec_driver_sql(_SEGMENTS_TABLE)


class BM25Index:
    """The keyword index of a store: per-document segments and their registry."""

    def __init__(self, registry: Database, segments: FolderSegments | TableSegments | None,
                 writable: bool) -> None:
        self.db, self.segments, self.writable = registry, segments, writable
        self._lock = Lock()
        self._segments: OrderedDict[str, Segment] = OrderedDict()  # doc_id → loaded segment
        self._memory: dict[str, Segment] = {}  # segments of an index built in memory
        self.written: list[str] = []  # doc ids whose segments this object wrote (for tests)
        self.tokenizer = Tokenizer(self._words())
        self._refresh_totals()

    # ---- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, location: Path | str, writable: bool = True) -> BM25Index:
        """Open (and, writable, create) the index in a folder, or on a database server (URL).

        Raises:
            OldLayout: the folder holds the single index of an earlier version.
        """
        if is_url(location):
            db = server(str(location), schema=SCHEMA)
            _make_tables(db)
            return cls(db, TableSegments(db), writable)
        folder = Path(location)
        if (folder / LEGACY_FILE).exists() and not (folder / REGISTRY).exists():
            raise OldLayout(f"the keyword index at {folder} has the layout of an earlier version")
        if writable:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite_file(folder / REGISTRY)
            _make_tables(db)
        elif not (folder / REGISTRY).exists():
            return cls._in_memory(writable=False)  # nothing indexed yet
        else:
            db = sqlite_file(folder / REGISTRY, read_only=True)
        return cls(db, FolderSegments(folder), writable)

    @classmethod
    def _in_memory(cls, writable: bool) -> BM25Index:
        db = sqlite_memory()
        _make_tables(db)
        return cls(db, None, writable)

    @staticmethod
    def exists(location: Path | str) -> bool:
        """Whether an index was made there (a server's tables exist once opened)."""
        if is_url(location):
            return True
        return (Path(location) / REGISTRY).exists()

    @classmethod
    def load(cls, location: Path | str) -> BM25Index:
        """Open for searching, read-only: answering writes nothing (a full disk, another user's
        store); an index not made yet is empty."""
        if is_url(location):
            return cls.open(location)
        return cls.open(Path(location), writable=False)

    @classmethod
    def build(cls, chunks: list[Chunk], words: Iterable[str]) -> BM25Index:
        """An index of these chunks in memory (one segment per document); `save` writes it."""
        index = cls._in_memory(writable=True)
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        words = list(words)
        index.tokenizer.add(words)
        for doc_id, doc_chunks in by_doc.items():
            index.add(doc_id, doc_chunks, words)
        return index

    def save(self, location: Path | str) -> None:
        """Write every segment and the registry into a folder or server (an index built in memory)."""
        target = BM25Index.open(location, writable=True)
        target.tokenizer.add(self.tokenizer.words)
        for doc_id in self.ready():
            target._write(self.segment(doc_id), self._doc_words(doc_id))

    # ---- the registry ----------------------------------------------------------------------

    def _words(self) -> list[str]:
        return [r["word"] for r in self.db.rows("SELECT word FROM words")]

    def _doc_words(self, doc_id: str) -> list[str]:
        row = self.db.one("SELECT words FROM documents WHERE doc_id = :d", d=doc_id)
        return [w for w in (row["words"] if row else "").split("\n") if w]

    def _refresh_totals(self) -> None:
        row = self.db.one("SELECT count(*) AS n, coalesce(sum(chunks), 0) AS chunks,"
                          " coalesce(sum(tokens), 0) AS tokens FROM documents WHERE segment IS NOT NULL")
        self.documents, self.chunk_count, self.token_count = int(row["n"]), int(row["chunks"]), int(row["tokens"])

    def refresh(self) -> None:
        """Read the index-wide statistics and words again, and forget the segments loaded:
        another process may have written (a document indexed again keeps its id)."""
        self.tokenizer.add(self._words())
        self._refresh_totals()
        with self._lock:
            self._segments.clear()

    def registered(self) -> dict[str, bool]:
        """Documents the search indexes may hold → whether their segment is written."""
        return {r["doc_id"]: r["segment"] is not None
                for r in self.db.rows("SELECT doc_id, segment FROM documents")}

    def ready(self) -> list[str]:
        return sorted(d for d, done in self.registered().items() if done)

    def register(self, doc_id: str) -> None:
        """Note that the search indexes are about to receive this document (before Chroma does)."""
        with self.db.transaction() as c:
            c.execute(text("INSERT INTO documents (doc_id) VALUES (:d) ON CONFLICT (doc_id) DO NOTHING"),
                      {"d": doc_id})

    def missing(self) -> list[str]:
        """Registered documents whose segment is gone (its folder deleted by hand)."""
        if self.segments is None:
            return []
        rows = self.db.rows("SELECT doc_id, segment FROM documents WHERE segment IS NOT NULL")
        complete = self.segments.complete()  # one listing or query, not one per document
        return [r["doc_id"] for r in rows if r["segment"] not in complete]

    # ---- writing ---------------------------------------------------------------------------

    def add(self, doc_id: str, chunks: list[Chunk], words: Iterable[str] = ()) -> None:
        """Index one document's chunks as its own segment, replacing the one it had.

        `words` are the document's labels (kept whole by the tokenizer); the tokenizer should
        already know them (`tokenizer.add`), so that a batch shares one dictionary.
        """
        words = sorted({w for w in words if 2 <= len(w) <= 30})
        self.tokenizer.add(words)
        segment = Segment.build(doc_id, [c.chunk_id for c in chunks], [self.tokenizer(c.text) for c in chunks])
        if doc_id in self.registered():
            self.remove(doc_id)
        self._write(segment, words)

    def _write(self, segment: Segment, words: list[str]) -> None:
        if self.segments is not None:
            name = self.segments.write(segment)
        else:
            name = "memory"
            self._memory[segment.doc_id] = segment
        # sorted: two processes adding at once lock the same terms in the same order
        df = sorted(segment.doc_freqs().items())
        with self.db.transaction() as c:
            if isinstance(self.segments, TableSegments):
                self.segments.save_pending(c)
            c.execute(text(
                "INSERT INTO documents (doc_id, segment, chunks, tokens, words) VALUES (:d, :s, :c, :t, :w)"
                " ON CONFLICT (doc_id) DO UPDATE SET segment = excluded.segment, chunks = excluded.chunks,"
                " tokens = excluded.tokens, words = excluded.words"),
                {"d": segment.doc_id, "s": name, "c": len(segment.chunk_ids), "t": segment.tokens,
                 "w": "\n".join(words)})
            if df:
                c.execute(text("INSERT INTO terms (term, df) VALUES (:t, :n)"
                               " ON CONFLICT (term) DO UPDATE SET df = terms.df + excluded.df"),
                          [{"t": t, "n": n} for t, n in df])
            self._words_change(c, words, +1)
        self.written.append(segment.doc_id)
        self._refresh_totals()

    @staticmethod
    def _words_change(c: Connection, words: list[str], step: int) -> None:
        if words:
            c.execute(text("INSERT INTO words (word, docs) VALUES (:w, :n)"
                           " ON CONFLICT (word) DO UPDATE SET docs = words.docs + excluded.docs"),
                      [{"w": w, "n": step} for w in sorted(words)])
        c.execute(text("DELETE FROM words WHERE docs <= 0"))

    def remove(self, doc_id: str) -> None:
        """Forget a document: its statistics, words and segment."""
        segment = self._segment_or_none(doc_id)
        row = self.db.one("SELECT segment, words FROM documents WHERE doc_id = :d", d=doc_id)
        if row is None:
            return
        with self.db.transaction() as c:
            df = sorted(segment.doc_freqs().items()) if segment is not None else []
            if df:  # a document without text has no terms (and no statement takes no rows)
                c.execute(text("UPDATE terms SET df = df - :n WHERE term = :t"),
                          [{"n": n, "t": t} for t, n in df])
                c.execute(text("DELETE FROM terms WHERE df <= 0"))
            if row["segment"]:
                self._words_change(c, [w for w in row["words"].split("\n") if w], -1)
            c.execute(text("DELETE FROM documents WHERE doc_id = :d"), {"d": doc_id})
        with self._lock:
            self._segments.pop(doc_id, None)
            self._memory.pop(doc_id, None)
        if self.segments is not None and row["segment"]:
            self.segments.remove(row["segment"])
        self._refresh_totals()

    def sweep(self) -> None:
        """Delete segments no registered document names (left by an interrupted run)."""
        if self.segments is None:
            return
        kept = {r["segment"] for r in self.db.rows("SELECT segment FROM documents WHERE segment IS NOT NULL")}
        for name in self.segments.names() - kept:
            self.segments.remove(name)

    # ---- searching -------------------------------------------------------------------------

    def _segment_or_none(self, doc_id: str) -> Segment | None:
        if doc_id in self._memory:
            return self._memory[doc_id]
        with self._lock:
            if doc_id in self._segments:
                self._segments.move_to_end(doc_id)
                return self._segments[doc_id]
        row = self.db.one("SELECT segment FROM documents WHERE doc_id = :d", d=doc_id)
        if row is None or not row["segment"] or self.segments is None:
            return None
        segment = self.segments.read(row["segment"])
        if segment is None:
            return None
        with self._lock:
            self._segments[doc_id] = segment
            while len(self._segments) > LOADED_SEGMENTS:
                self._segments.popitem(last=False)
        return segment

    def segment(self, doc_id: str) -> Segment:
        found = self._segment_or_none(doc_id)
        if found is None:
            raise KeyError(doc_id)
        return found

    def _doc_freqs(self, tokens: list[str]) -> dict[str, int]:
        query = text("SELECT term, df FROM terms WHERE term IN :terms").bindparams(
            bindparam("terms", expanding=True))
        with self.db.engine.connect() as c:
            return {r.term: r.df for r in c.execute(query, {"terms": sorted(set(tokens))})}

    def hits(self, query: str, k: int | None = 10,
             doc_ids: Iterable[str] | None = None) -> list[tuple[str, str, float]]:
        """The best chunks for the query's words as (chunk_id, doc_id, score), best first.

        Args:
            query: the text searched.
            k: hits wanted; None for every chunk that matches.
            doc_ids: documents to search in (only their segments are scored); None for all.
        """
        tokens = self.tokenizer(query)
        if not tokens or not self.chunk_count:
            return []
        wanted = self.ready() if doc_ids is None else list(dict.fromkeys(doc_ids))
        df = self._doc_freqs(tokens)
        mean = self.token_count / self.chunk_count
        found: list[tuple[float, int, str, str]] = []
        order = 0
        for doc_id in wanted:
            segment = self._segment_or_none(doc_id)
            if segment is None:
                continue
            scores = segment.scores(tokens, df, self.chunk_count, mean)
            for i in np.flatnonzero(scores > 0):
                found.append((-float(scores[i]), order + int(i), segment.chunk_ids[i], doc_id))
            order += len(segment.chunk_ids)
        found.sort()
        return [(chunk_id, doc_id, -score) for score, _, chunk_id, doc_id in found[:k]]

    def search(self, query: str, k: int = 10, doc_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The best chunks for the query's words, as (chunk_id, score), best first."""
        return [(c, s) for c, _, s in self.hits(query, k, doc_ids)]
