"""Keyword search: BM25 over jieba tokens, jieba's dictionary extended with the labels found in
the tables (row labels, project and indicator names) so they stay whole words.

The index is one segment per document (`segments.py`) and a small registry (`index.sqlite` in
the index folder): which documents the search indexes may hold, each term's document frequency,
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
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from threading import Lock

import jieba
import numpy as np

from indexer.records import Chunk
from indexer.search.segments import Segment

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
REGISTRY = "index.sqlite"
LEGACY_FILE = "chunk_ids.json"  # the single index of earlier versions
LOADED_SEGMENTS = 256  # segments kept in memory per process (a search over all loads the rest)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    segment TEXT,                      -- its folder once written; NULL while being written
    chunks INTEGER NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0, words TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
"""


class OldLayout(Exception):
    """The folder holds the single index of an earlier version, to be rebuilt per document."""


class Tokenizer:
    """A jieba tokenizer of its own (not the global one), with extra dictionary words."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        # one dictionary cache per user: another user's cache in the shared temp folder can be
        # neither read nor replaced, and jieba logs a traceback for that (a read-only store
        # served to other users)
        self._jieba.cache_file = f"jieba.u{os.getuid()}.cache"
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


def _connect(path: Path, writable: bool) -> sqlite3.Connection:
    if writable:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.executescript(_SCHEMA)
    else:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=30)
    return conn


class BM25Index:
    """The keyword index of a store: per-document segments and their registry."""

    def __init__(self, folder: Path | None, conn: sqlite3.Connection, writable: bool) -> None:
        self.folder, self.conn, self.writable = folder, conn, writable
        self._lock = Lock()
        self._segments: OrderedDict[str, Segment] = OrderedDict()  # doc_id → loaded segment
        self._memory: dict[str, Segment] = {}  # segments of an index built in memory
        self.written: list[str] = []  # doc ids whose segments this object wrote (for tests)
        self.tokenizer = Tokenizer(self._words())
        self._refresh_totals()

    # ---- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, writable: bool = True) -> BM25Index:
        """Open (and, writable, create) the index in `folder`.

        Raises:
            OldLayout: the folder holds the single index of an earlier version.
        """
        if (folder / LEGACY_FILE).exists() and not (folder / REGISTRY).exists():
            raise OldLayout(f"the keyword index at {folder} has the layout of an earlier version")
        if writable:
            folder.mkdir(parents=True, exist_ok=True)
        elif not (folder / REGISTRY).exists():
            return cls(None, _connect(Path(":memory:"), True), False)  # nothing indexed yet
        return cls(folder, _connect(folder / REGISTRY, writable), writable)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """Open for searching: read-only where this process may not write the folder."""
        writable = os.access(folder if folder.exists() else folder.parent, os.W_OK | os.X_OK)
        return cls.open(folder, writable=writable and (folder / REGISTRY).exists())

    @classmethod
    def build(cls, chunks: list[Chunk], words: Iterable[str]) -> BM25Index:
        """An index of these chunks in memory (one segment per document); `save` writes it."""
        index = cls(None, _connect(Path(":memory:"), True), True)
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        words = list(words)
        index.tokenizer.add(words)
        for doc_id, doc_chunks in by_doc.items():
            index.add(doc_id, doc_chunks, words)
        return index

    def save(self, folder: Path) -> None:
        """Write every segment and the registry into `folder` (an index built in memory)."""
        target = BM25Index.open(folder, writable=True)
        target.tokenizer.add(self.tokenizer.words)
        for doc_id in self.ready():
            target._write(self.segment(doc_id), self._doc_words(doc_id))

    # ---- the registry ----------------------------------------------------------------------

    def _words(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self.conn.execute("SELECT word FROM words")]

    def _doc_words(self, doc_id: str) -> list[str]:
        row = self.conn.execute("SELECT words FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return [w for w in (row[0] if row else "").split("\n") if w]

    def _refresh_totals(self) -> None:
        with self._lock:
            row = self.conn.execute("SELECT count(*), coalesce(sum(chunks), 0), coalesce(sum(tokens), 0)"
                                    " FROM documents WHERE segment IS NOT NULL").fetchone()
        self.documents, self.chunk_count, self.token_count = row

    def registered(self) -> dict[str, bool]:
        """Documents the search indexes may hold → whether their segment is written."""
        with self._lock:
            return {r[0]: r[1] is not None for r in self.conn.execute("SELECT doc_id, segment FROM documents")}

    def ready(self) -> list[str]:
        return [d for d, done in self.registered().items() if done]

    def register(self, doc_id: str) -> None:
        """Note that the search indexes are about to receive this document (before Chroma does)."""
        with self._lock:
            self.conn.execute("INSERT OR IGNORE INTO documents (doc_id) VALUES (?)", (doc_id,))

    def missing(self) -> list[str]:
        """Registered documents whose segment folder is gone (deleted by hand)."""
        if self.folder is None:
            return []
        with self._lock:
            rows = self.conn.execute("SELECT doc_id, segment FROM documents WHERE segment IS NOT NULL").fetchall()
        return [d for d, seg in rows if not (self.folder / "segments" / seg / "postings.npz").exists()]

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
        name = None
        if self.folder is not None:
            name = f"{segment.doc_id}-{uuid.uuid4().hex[:8]}"
            # written under a temporary name, then renamed: a reader never sees half a segment
            tmp = self.folder / "segments" / f".{name}"
            try:
                segment.save(tmp)
                os.replace(tmp, self.folder / "segments" / name)
            except BaseException:  # a full disk: leave no half-written folder behind
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        else:
            self._memory[segment.doc_id] = segment
        df = segment.doc_freqs()
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    "INSERT INTO documents (doc_id, segment, chunks, tokens, words) VALUES (?,?,?,?,?)"
                    " ON CONFLICT(doc_id) DO UPDATE SET segment = excluded.segment, chunks = excluded.chunks,"
                    " tokens = excluded.tokens, words = excluded.words",
                    (segment.doc_id, name or "memory", len(segment.chunk_ids), segment.tokens, "\n".join(words)))
                self.conn.executemany(
                    "INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                    df.items())
                self._words_change(words, +1)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        self.written.append(segment.doc_id)
        self._refresh_totals()

    def _words_change(self, words: list[str], step: int) -> None:
        self.conn.executemany(
            "INSERT INTO words VALUES (?, ?) ON CONFLICT(word) DO UPDATE SET docs = docs + excluded.docs",
            [(w, step) for w in words])
        self.conn.execute("DELETE FROM words WHERE docs <= 0")

    def remove(self, doc_id: str) -> None:
        """Forget a document: its statistics, words and segment."""
        segment = self._segment_or_none(doc_id)
        with self._lock:
            row = self.conn.execute("SELECT segment, words FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if segment is not None:
                    self.conn.executemany("UPDATE terms SET df = df - ? WHERE term = ?",
                                          [(n, t) for t, n in segment.doc_freqs().items()])
                    self.conn.execute("DELETE FROM terms WHERE df <= 0")
                if row[0]:
                    self._words_change([w for w in row[1].split("\n") if w], -1)
                self.conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self._segments.pop(doc_id, None)
            self._memory.pop(doc_id, None)
        if self.folder is not None and row[0]:
            shutil.rmtree(self.folder / "segments" / row[0], ignore_errors=True)
        self._refresh_totals()

    def sweep(self) -> None:
        """Delete segment folders no registered document names (left by an interrupted run)."""
        if self.folder is None or not (self.folder / "segments").exists():
            return
        with self._lock:
            kept = {r[0] for r in self.conn.execute("SELECT segment FROM documents WHERE segment IS NOT NULL")}
        for path in (self.folder / "segments").iterdir():
            if path.name not in kept:
                shutil.rmtree(path, ignore_errors=True)

    # ---- searching -------------------------------------------------------------------------

    def _segment_or_none(self, doc_id: str) -> Segment | None:
        if doc_id in self._memory:
            return self._memory[doc_id]
        with self._lock:
            if doc_id in self._segments:
                self._segments.move_to_end(doc_id)
                return self._segments[doc_id]
            row = self.conn.execute("SELECT segment FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None or not row[0] or self.folder is None:
            return None
        try:
            segment = Segment.load(self.folder / "segments" / row[0])
        except OSError:  # replaced meanwhile by another process: the registry names the new one
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
        unique = sorted(set(tokens))
        with self._lock:
            rows = self.conn.execute(
                f"SELECT term, df FROM terms WHERE term IN ({','.join('?' * len(unique))})", unique).fetchall()
        return dict(rows)

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
