"""The fact store: ParsedDocument records in → the same records, their search state and the
app's conversations out; on SQLite (a file in the store folder) or PostgreSQL (a shared server)."""

from indexer.store.database import (
    Database,
    StoreError,
    StoreReadOnly,
    connect,
    exists,
    is_read_only,
    is_url,
    migrate,
)
from indexer.store.records import (
    chunk_ids,
    chunks,
    delete_document,
    document_by_sha,
    document_warnings,
    document_words,
    documents,
    documents_at_path,
    export_facts,
    facts,
    find_document,
    indicators,
    replace_document,
    revision,
    search_states,
    sections,
    set_search_state,
    tables,
    unit_labels,
    versions_of,
)
from indexer.store.schema import MIGRATIONS

__all__ = [
    "MIGRATIONS", "Database", "StoreError", "StoreReadOnly", "chunk_ids", "chunks", "connect",
    "delete_document",
    "document_by_sha", "document_warnings", "document_words", "documents", "documents_at_path",
    "exists", "export_facts", "facts", "find_document", "indicators", "is_read_only", "is_url",
    "migrate", "replace_document", "revision", "search_states", "sections",
    "set_search_state", "tables", "unit_labels", "versions_of",
]
