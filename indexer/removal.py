"""Remove a document from the store: its records in one transaction (so no answer cites it from
then on, in this process or any other), then its chunks from Chroma and its keyword segment, and
the copy an upload kept in the store's folder."""

from __future__ import annotations

from pathlib import Path

from indexer import store
from indexer.failures import writing
from indexer.pipeline import Indexer
from indexer.records import Document
from indexer.search.vectors import VectorIndex, chroma_client
from indexer.settings import Settings
from indexer.uploads import _index_lock  # one change of the store's documents at a time


class UnknownDocument(LookupError):
    """No stored document has this id."""


def remove_document(settings: Settings, doc_id: str, embedder) -> Document:
    """Delete a stored document everywhere it is kept.

    Args:
        settings: the store.
        doc_id: the document's id (GET /documents, `budgetqa docs`).
        embedder: the embedding model (Chroma's adapter wants one; nothing is embedded).

    Returns:
        The document removed.

    Raises:
        UnknownDocument: no such document.
        StoreReadOnly: the store cannot be written.
    """
    with _index_lock:
        conn = store.connect(settings.database, writable=True)
        try:
            document = next((d for d in store.documents(conn) if d.doc_id == doc_id), None)
            if document is None:
                raise UnknownDocument(doc_id)
            with writing(conn.location):
                store.delete_document(conn, doc_id)
            # the search indexes follow the fact store: what it no longer has is removed
            vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
            Indexer(conn, vectors, settings.keywords).reconcile()
        finally:
            conn.close()
        _remove_upload(settings, Path(document.path))
    return document


def _remove_upload(settings: Settings, path: Path) -> None:
    """The file an upload stored under the store's folder goes too (a file indexed from
    elsewhere is the user's own and stays)."""
    uploads = (settings.store / "uploads").resolve()
    if path.resolve().parent == uploads:
        path.unlink(missing_ok=True)
