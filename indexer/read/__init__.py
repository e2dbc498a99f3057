"""Readers: bytes of one file (text, PDF, HTML, Excel, Word) → text lines, tables as tab-separated lines."""
