"""Read a file into lines, refusing what is not a readable budget text with a named reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".text"}
PDF_SUFFIXES = {".pdf"}
MAX_BYTES = 20 * 1024 * 1024  # a budget disclosure is well under 1 MB of text
_ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")  # gb18030 is a superset of GBK and GB2312


class UnreadableFile(Exception):
    """The file cannot be read as text: empty, binary, too large, unknown encoding or type."""


class NotABudgetDocument(Exception):
    """The file is text, but not a department budget disclosure."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    sha256: str
    encoding: str
    lines: list[str]  # lines[i] is line i + 1
    pages: list[int] | None = None  # pages[i] is the page of lines[i] (PDFs only)
    page_count: int | None = None


def file_sha256(path: Path) -> str:
    """Hash in blocks: a huge file is refused later, but must not be read whole first."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text export."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls > len(sample) * 0.01


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, else GB18030/GBK (common for Chinese files), else UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16":
            continue  # only with a BOM (above): without one any even-length bytes "decode"
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise UnreadableFile("not valid UTF-8 or GBK/GB18030 text")


def read_source(path: Path) -> SourceText:
    """Read a text file; raise UnreadableFile with the reason if it cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        raise UnreadableFile(
            f"unsupported file type '{suffix or '(none)'}' (supported: .txt, .md)"
        )
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("the file is empty")
    if size > MAX_BYTES:
        raise UnreadableFile(f"the file is too large ({size / 1e6:.1f} MB, limit {MAX_BYTES // 10**6} MB)")
    data = path.read_bytes()
    if _looks_binary(data):
        raise UnreadableFile("the file is binary, not text")
    text, encoding = decode(data)
    if not text.strip():
        raise UnreadableFile("the file has no text (only whitespace)")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return SourceText(path, hashlib.sha256(data).hexdigest(), encoding, lines)
