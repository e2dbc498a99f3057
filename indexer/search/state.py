"""A document's search state (documents.search_state in the fact store): which search indexes
hold it. Read and set through `indexer.store` (search_states, set_search_state)."""

from __future__ import annotations

# 'pending' until Chroma holds the chunks, 'dense' once it does, 'ready' once the keyword
# segment is written too (stores of earlier versions: 'pending'/'ready')
PENDING, DENSE, READY = "pending", "dense", "ready"
