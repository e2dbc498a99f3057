"""What one file may cost to read and index, so that no crafted or runaway file exhausts the
server: a .docx/.xlsx is checked from its zip directory before anything is unpacked, a sheet's
rows are counted as they stream, a document's chunks before any is embedded. The limits come
from Settings (built at the edge); the messages are Chinese, naming the file's figure and the limit.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


class TooLarge(Exception):
    """A file over one of the limits; the message says which, in Chinese."""


@dataclass(frozen=True)
class Limits:
    """The limits of Settings (see there for why each is what it is)."""

    unpacked_mb: int = 50
    zip_entries: int = 1000
    rows_per_sheet: int = 5000
    chunks_per_document: int = 1000

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(unpacked_mb=settings.max_unpacked_mb, zip_entries=settings.max_zip_entries,
                   rows_per_sheet=settings.max_rows_per_sheet,
                   chunks_per_document=settings.max_chunks_per_document)

    def check_zip(self, path: Path) -> None:
        """Refuse a .docx/.xlsx whose zip directory declares too many entries or too many bytes
        unpacked. Only the directory is read; Python's zipfile then never unpacks an entry
        beyond its declared size (a lying entry fails its CRC), so the check bounds the reading.

        Raises:
            TooLarge: over a limit. A file that is no zip at all passes, for its reader to refuse.
        """
        try:
            with zipfile.ZipFile(path) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return
        if len(entries) > self.zip_entries:
            raise TooLarge(f"文件内含 {len(entries)} 个部件，超过上限 {self.zip_entries} 个（可能是恶意构造的文件），未读取")
        unpacked = sum(e.file_size for e in entries)
        if unpacked > self.unpacked_mb * MB:
            raise TooLarge(f"文件解压后有 {unpacked / MB:.0f} MB，超过上限 {self.unpacked_mb} MB"
                           f"（压缩包 {path.stat().st_size / MB:.1f} MB，可能是压缩炸弹），未读取")

    def check_rows(self, sheet: str, rows: int) -> None:
        """Refuse a sheet once it has more rows than a budget table ever has."""
        if rows > self.rows_per_sheet:
            raise TooLarge(f"工作表「{sheet}」超过 {self.rows_per_sheet} 行（预算表格通常只有几百行），未读取")

    def check_chunks(self, chunks: int) -> None:
        """Refuse a document that would take hours to embed, before any chunk is embedded."""
        if chunks > self.chunks_per_document:
            raise TooLarge(f"文件切分出 {chunks} 个检索片段，超过上限 {self.chunks_per_document} 个"
                           f"（一份部门预算约 50–300 个），未收录")


DEFAULT = Limits()
