"""Readers: bytes of one file (HTML, Excel, Word) → text lines, tables as tab-separated lines."""
