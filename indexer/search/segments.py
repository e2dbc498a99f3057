"""One document's keyword postings: a segment of the BM25 index, written once per document.

A segment holds, for each term of the document's chunks, the chunks it occurs in and how often,
and each chunk's length in terms. Scores use the statistics of the whole index (number of chunks,
mean length, each term's document frequency), passed in at query time: adding a document writes
its own segment and changes no other (the old single index was rebuilt whole on every change).
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np

# bm25s's defaults (method "lucene"), which the single index used: the same scores as before
K1 = 1.5
B = 0.75
EMPTY = "∅"  # the token of a chunk without words, so that it still counts in the statistics


def idf(df: int, n: int) -> float:
    """Lucene's inverse document frequency (never negative)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class Segment:
    """The postings of one document's chunks (term → chunks and frequencies)."""

    def __init__(self, doc_id: str, chunk_ids: list[str], terms: list[str], indptr: np.ndarray,
                 indices: np.ndarray, tf: np.ndarray, lengths: np.ndarray) -> None:
        self.doc_id, self.chunk_ids = doc_id, chunk_ids
        self.terms = {t: i for i, t in enumerate(terms)}
        self.indptr, self.indices, self.tf, self.lengths = indptr, indices, tf, lengths

    @classmethod
    def build(cls, doc_id: str, chunk_ids: list[str], tokens: list[list[str]]) -> Segment:
        """Index one document's chunks, given as their tokens."""
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for i, toks in enumerate(tokens):
            toks = toks or [EMPTY]
            lengths.append(len(toks))
            for term, count in Counter(toks).items():
                postings.setdefault(term, []).append((i, count))
        terms = sorted(postings)
        indptr = np.zeros(len(terms) + 1, dtype=np.int32)
        for n, term in enumerate(terms):
            indptr[n + 1] = indptr[n] + len(postings[term])
        flat = [p for term in terms for p in postings[term]]
        indices = np.array([i for i, _ in flat], dtype=np.int32)
        tf = np.array([c for _, c in flat], dtype=np.float32)
        return cls(doc_id, chunk_ids, terms, indptr, indices, tf, np.array(lengths, dtype=np.float32))

    @property
    def tokens(self) -> int:
        return int(self.lengths.sum())

    def doc_freqs(self) -> dict[str, int]:
        """Chunks of this document each term occurs in."""
        counts = np.diff(self.indptr)
        return {t: int(counts[i]) for t, i in self.terms.items()}

    def scores(self, query: list[str], df: dict[str, int], n: int, mean_length: float) -> np.ndarray:
        """BM25 score of each chunk for the query tokens (repeated tokens count again, as in
        bm25s), with the whole index's chunk count `n`, mean length and document frequencies."""
        out = np.zeros(len(self.chunk_ids), dtype=np.float32)
        norm = K1 * ((1 - B) + B * self.lengths / mean_length)
        for token in query:
            t = self.terms.get(token)
            if t is None:
                continue
            start, end = self.indptr[t], self.indptr[t + 1]
            rows = self.indices[start:end]
            tf = self.tf[start:end]
            weight = idf(df.get(token, end - start), n)
            out[rows] += (weight * tf / (tf + norm[rows])).astype(np.float32)
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta, postings = self.to_bytes()
        (folder / "segment.json").write_text(meta, encoding="utf-8")
        (folder / "postings.npz").write_bytes(postings)

    @classmethod
    def load(cls, folder: Path) -> Segment:
        return cls.from_bytes((folder / "segment.json").read_text(encoding="utf-8"),
                              (folder / "postings.npz").read_bytes())

    def to_bytes(self) -> tuple[str, bytes]:
        """The segment as its meta (JSON) and postings (npz bytes): two files in a folder, or
        two columns of a database's table."""
        terms = sorted(self.terms, key=self.terms.get)
        meta = json.dumps({"doc_id": self.doc_id, "chunk_ids": self.chunk_ids, "terms": terms},
                          ensure_ascii=False)
        buffer = io.BytesIO()
        np.savez(buffer, indptr=self.indptr, indices=self.indices, tf=self.tf, lengths=self.lengths)
        return meta, buffer.getvalue()

    @classmethod
    def from_bytes(cls, meta: str, postings: bytes) -> Segment:
        found = json.loads(meta)
        with np.load(io.BytesIO(postings)) as data:
            arrays = {k: data[k] for k in ("indptr", "indices", "tf", "lengths")}
        return cls(found["doc_id"], found["chunk_ids"], found["terms"], **arrays)
