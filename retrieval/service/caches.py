"""Per-document caches of what answering derives from a document's records (its vocabulary,
its entity index), shared by every engine of the process.

A document's records never change under its content id (doc_id is a hash of the file, and the
department and year it was stored under are part of the key), so an entry is never stale while
its document is stored. Entries of documents replaced or deleted are dropped when an engine is
opened on the store (`retain`), or at once by `forget`; the least recently used go first when
a cache is full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from threading import Lock
from typing import Generic, TypeVar

from indexer.records import Document

T = TypeVar("T")
DOCUMENTS = 512  # documents per cache


def content_key(document: Document) -> tuple:
    """What identifies a document's records: its content and what it was stored as."""
    return (document.doc_id, document.sha256, document.department, document.year, document.kind)


class DocumentCache(Generic[T]):
    """Values built from one document's records, by content key, least recently used out."""

    def __init__(self, name: str, size: int = DOCUMENTS) -> None:
        self.name, self.size = name, size
        self._values: OrderedDict[tuple, T] = OrderedDict()
        self._lock = Lock()
        self.builds = 0  # misses, for tests and benchmarks

    def get(self, document: Document, build: Callable[[], T]) -> T:
        """The cached value for this document, built (outside the lock) when missing."""
        key = content_key(document)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = build()  # two threads may both build it; either result is the same
        with self._lock:
            self.builds += 1
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def doc_ids(self) -> set[str]:
        with self._lock:
            return {key[0] for key in self._values}

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Drop the entries of these documents (replaced or deleted)."""
        gone = set(doc_ids)
        with self._lock:
            for key in [k for k in self._values if k[0] in gone]:
                del self._values[key]

    def retain(self, documents: Iterable[Document]) -> None:
        """Keep only the entries of these documents, as they are stored now."""
        live = {content_key(d) for d in documents}
        with self._lock:
            for key in [k for k in self._values if k not in live]:
                del self._values[key]


VOCABULARIES: DocumentCache[dict[str, str]] = DocumentCache("vocabulary")
ENTITY_INDEXES: DocumentCache = DocumentCache("entity index")
CACHES = (VOCABULARIES, ENTITY_INDEXES)


def retain(documents: list[Document]) -> None:
    """An engine opened on the store: drop every cache's entries of documents no longer stored."""
    for cache in CACHES:
        cache.retain(documents)


def forget(doc_ids: Iterable[str]) -> None:
    ids = list(doc_ids)
    for cache in CACHES:
        cache.forget(ids)
