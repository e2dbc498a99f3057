"""Keyword search: BM25 (bm25s) over jieba tokens, jieba's dictionary extended with the labels
found in the tables (row labels, project and indicator names) so they stay whole words."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import bm25s
import jieba

from indexer.records import Chunk

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


class Tokenizer:
    """A jieba tokenizer of its own (not the global one), with extra dictionary words."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._jieba = jieba.Tokenizer()
        # one dictionary cache per user: another user's cache in the shared temp folder can be
        # neither read nor replaced, and jieba logs a traceback for that (a read-only store
        # served to other users)
        self._jieba.cache_file = f"jieba.u{os.getuid()}.cache"
        self.words = sorted({w for w in words if 2 <= len(w) <= 30})
        for word in self.words:
            self._jieba.add_word(word, freq=2000)

    def __call__(self, text: str) -> list[str]:
        return [t.lower() for t in self._jieba.lcut_for_search(text) if _KEEP.search(t)]


class BM25Index:
    def __init__(self, retriever: bm25s.BM25, chunk_ids: list[str], tokenizer: Tokenizer) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, chunks: list[Chunk], words: Iterable[str]) -> "BM25Index":
        tokenizer = Tokenizer(words)
        retriever = bm25s.BM25()
        if chunks:
            retriever.index([tokenizer(c.text) or ["∅"] for c in chunks], show_progress=False)
        return cls(retriever, [c.chunk_id for c in chunks], tokenizer)

    def save(self, folder: Path) -> None:
        """Write to a temporary folder, then swap it in: a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        # not tempfile.mkdtemp: its folders are 0700 whatever the umask, and this one becomes
        # the index that other users (a read-only store served to others) must be able to read
        tmp = folder.parent / f".bm25-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            if self.chunk_ids:
                self.retriever.save(str(tmp / "bm25"))
            (tmp / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
            (tmp / "words.json").write_text(json.dumps(self.tokenizer.words, ensure_ascii=False), "utf-8")
        except BaseException:  # a full disk: leave no half-written folder behind
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        chunk_ids = json.loads((folder / "chunk_ids.json").read_text(encoding="utf-8"))
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder / "bm25")) if chunk_ids else bm25s.BM25()
        return cls(retriever, chunk_ids, Tokenizer(words))

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """The best chunks for the query's words, as (chunk_id, score), best first."""
        tokens = self.tokenizer(query)
        if not self.chunk_ids or not tokens:
            return []
        k = min(k, len(self.chunk_ids))
        results, scores = self.retriever.retrieve([tokens], k=k, show_progress=False)
        return [
            (self.chunk_ids[int(i)], float(s))
            for i, s in zip(results[0], scores[0])
            if s > 0
        ]
