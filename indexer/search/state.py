"""What the search indexes need to read from the fact store: each document's search state and
its dictionary words. (Data-layer queries beside `indexer/store.py`, kept here while that module
is being changed by others; they belong there.)"""

from __future__ import annotations

import sqlite3

# documents.search_state: 'pending' until Chroma holds the chunks, 'dense' once it does,
# 'ready' once the keyword segment is written too (stores of earlier versions: 'pending'/'ready')
PENDING, DENSE, READY = "pending", "dense", "ready"


def search_states(conn: sqlite3.Connection) -> dict[str, str]:
    """doc_id → search state, for every stored document."""
    return {r[0]: r[1] for r in conn.execute("SELECT doc_id, search_state FROM documents")}


def document_words(conn: sqlite3.Connection, doc_id: str) -> list[str]:
    """The labels the tokenizer keeps whole for one document: row labels, project and indicator names."""
    return [r[0] for r in conn.execute(
        "SELECT label FROM rows WHERE doc_id = ? UNION SELECT project FROM indicators"
        " WHERE doc_id = ? AND project IS NOT NULL UNION SELECT level3 FROM indicators WHERE doc_id = ?",
        (doc_id, doc_id, doc_id))]
