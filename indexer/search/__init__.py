"""Search indexes: records → chunks → Chroma (dense) and BM25 (words)."""
