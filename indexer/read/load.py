"""Read a file into lines, refusing what is not a readable budget text with a named reason.

`read_document` dispatches by suffix: text here, PDF in `pdf`, HTML, Excel and Word in `read/`;
each gives the same lines (tables as tab-separated lines) to the parsers.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from indexer.read.cells import table_lines
from indexer.read.source import NotABudgetDocument, SourceText, UnreadableFile
from indexer.text import unify_radicals
from indexer.limits import DEFAULT, Limits, TooLarge

TEXT_SUFFIXES = {".txt", ".md", ".text"}
PDF_SUFFIXES = {".pdf"}
HTML_SUFFIXES = {".html", ".htm"}
EXCEL_SUFFIXES = {".xlsx", ".xls"}
WORD_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | HTML_SUFFIXES | EXCEL_SUFFIXES | WORD_SUFFIXES
SUPPORTED_NAMES = ".txt, .md, .pdf, .html, .htm, .xlsx, .xls, .docx"
MAX_BYTES = 20 * 1024 * 1024  # a budget disclosure is well under 1 MB of text
# A byte order mark names its encoding outright. UTF-32 LE comes before UTF-16 LE: its BOM
# starts with UTF-16 LE's.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
    (b"\xff\xfe", "utf-16", "utf-16"),
    (b"\xfe\xff", "utf-16", "utf-16"),
)
# Without a BOM: the legacy Chinese encodings, simplified (gb18030 ⊃ GBK ⊃ GB2312) before
# traditional (cp950 is Big5 with Microsoft's additions). Big5 bytes mostly decode as GB18030
# too, into kana, Cyrillic and private-use characters, so decoding alone cannot tell them apart.
_LEGACY = ("gb18030", "big5", "cp950")
_MIN_CJK_SHARE = 0.6  # of the non-ASCII characters: real Chinese text is above 0.95
_TRADITIONAL = {"big5", "cp950"}  # Big5 has no simplified characters: its text is traditional
# characters that only traditional text writes (預算, 萬元, 經費, 項目, 部門, 單位 …): a UTF-8 page
# from a mirror site is traditional when several of them occur
_TRADITIONAL_ONLY = set("預萬經費項門單縣區辦與務報歲產數據決財撥計劃結餘運維護車購價會議總類")
_MIN_TRADITIONAL = 5


def file_sha256(path: Path) -> str:
    """Hash in blocks: a huge file is refused later, but must not be read whole first."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _looks_binary(data: bytes | str) -> bool:
    """NUL bytes or many control characters: not a text export."""
    sample = data[:8192]
    codes = list(sample) if isinstance(sample, bytes) else [ord(c) for c in sample]
    if 0 in codes:
        return True
    controls = sum(1 for b in codes if b < 32 and b not in (9, 10, 13, 12))
    return controls > len(codes) * 0.01


def cjk_share(text: str) -> float:
    """The share of Chinese characters and punctuation among the non-ASCII, non-space ones."""
    wide = [c for c in text if ord(c) > 127 and not c.isspace()]
    if not wide:
        return 1.0
    chinese = sum(1 for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"
                  or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef")
    return chinese / len(wide)


def decode(data: bytes) -> tuple[str, str]:
    """Decode by the BOM, else as UTF-8, else as the legacy encoding that reads as Chinese.

    Returns:
        (text, encoding name).

    Raises:
        UnreadableFile: binary content, or no encoding gives plausible Chinese text.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise UnreadableFile(f"not valid {name.upper()} text despite its byte order mark") from None
            # checked after decoding: every ASCII character of UTF-16/32 carries NUL bytes
            if _looks_binary(text):
                raise UnreadableFile("the file is binary, not text")
            return text, name
    if (found := _utf16_without_bom(data)) is not None:
        return found
    if _looks_binary(data):
        raise UnreadableFile("the file is binary, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # try each legacy encoding strictly and keep the one whose text reads most like Chinese
    # (ties keep the earlier, more common one): a decoding that merely succeeds proves little
    best: tuple[float, str, str] | None = None
    for encoding in _LEGACY:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = cjk_share(text)
        if best is None or share > best[0]:
            best = (share, text, encoding)
    if best is None or best[0] < _MIN_CJK_SHARE:
        raise UnreadableFile("not valid UTF-8, GBK/GB18030 or Big5 text")
    return best[1], best[2]


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte order mark (its ASCII characters — digits, tabs, line
    breaks — put NUL bytes all on one side of each pair): the byte order whose text is Chinese."""
    sample = data[:8192]
    if len(data) % 2 or b"\0" not in sample:
        return None
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    order = "utf-16-le" if zeros_odd > 4 * zeros_even else "utf-16-be" if zeros_even > 4 * zeros_odd else None
    if order is None:
        return None
    try:
        text = data.decode(order)
    except UnicodeDecodeError:
        return None
    if _looks_binary(text) or cjk_share(text) < _MIN_CJK_SHARE or not re.search(r"[\u4e00-\u9fff]", text):
        return None
    return text, "utf-16"


@lru_cache(maxsize=1)
def _converter():
    import opencc  # only a traditional-character file pays for loading the dictionaries

    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return "\n".join(_converter().convert(line) for line in text.split("\n"))


def looks_traditional(lines: list[str]) -> bool:
    """Several characters that simplified text never writes."""
    seen: set[str] = set()
    for line in lines:
        seen.update(c for c in line if c in _TRADITIONAL_ONLY)
        if len(seen) >= _MIN_TRADITIONAL:
            return True
    return False


# mirror sites annotate characters with their pinyin: "政務(wù)服務(wù)中心", "保養(yǎng)費"; a tone mark
# makes it pinyin, not an abbreviation in brackets
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"(?<=[\u4e00-\u9fff])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")


def without_pinyin(line: str) -> str:
    """Drop pinyin annotations after characters."""
    return _PINYIN.sub("", line)


def finish_lines(lines: list[str], encoding: str) -> list[str]:
    """Lines the parsers read: simplified characters, pipe tables as tab lines; same count."""
    return finish(lines, encoding)[0]


def finish(lines: list[str], encoding: str) -> tuple[list[str], list[str] | None]:
    """The lines the parsers read (see `finish_lines`) and, when their characters were
    converted, the lines as written (pinyin annotations dropped)."""
    lines = [unify_radicals(without_pinyin(line)) for line in lines]
    written = None
    if encoding in _TRADITIONAL or looks_traditional(lines):
        # the parsers read the documents' simplified vocabulary (部门预算, 合计, 基本支出);
        # converting line by line keeps every line where it was, so line numbers still cite
        written = lines
        lines = _simplified("\n".join(lines)).split("\n")
    return table_lines(lines), written


def _source(path: Path, data: bytes, encoding: str, lines: list[str]) -> SourceText:
    read, written = finish(lines, encoding)
    return SourceText(path, hashlib.sha256(data).hexdigest(), encoding, read, written=written)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("the file is empty")
    if size > MAX_BYTES:
        raise UnreadableFile(f"the file is too large ({size / 1e6:.1f} MB, limit {MAX_BYTES // 10**6} MB)")


def read_document(path: Path, limits: Limits = DEFAULT) -> SourceText:
    """Read any supported file into lines, by its suffix: text, PDF, HTML, Excel or Word.

    Args:
        path: the file.
        limits: what reading one file may cost (a .docx/.xlsx unpacked, rows of a sheet).

    Returns:
        Its lines (tables as tab-separated lines), hash and encoding (or format).

    Raises:
        UnreadableFile: unsupported type, empty, too large, over a limit, or not readable as its type.
    """
    try:
        return _read_document(path, limits)
    except TooLarge as error:
        raise UnreadableFile(str(error)) from None


def _read_document(path: Path, limits: Limits) -> SourceText:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_source(path)
    if suffix in PDF_SUFFIXES:
        from indexer.read.pdf import read_pdf

        return read_pdf(path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(f"unsupported file type '{suffix or '(none)'}' (supported: {SUPPORTED_NAMES})")
    _check_size(path)
    if suffix in EXCEL_SUFFIXES | WORD_SUFFIXES and suffix != ".xls":
        limits.check_zip(path)  # from the zip directory, before anything is unpacked
    data = path.read_bytes()
    if suffix in HTML_SUFFIXES:
        from indexer.read.html import UnreadableHTML, html_lines

        text, encoding = decode(data)
        # lxml refuses a str that still declares its encoding; the bytes are decoded already
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        try:
            lines = html_lines(text)
        except UnreadableHTML as error:
            raise UnreadableFile(str(error)) from None
    elif suffix in EXCEL_SUFFIXES:
        from indexer.read.excel import UnreadableWorkbook, workbook_lines

        encoding = suffix.lstrip(".")
        try:
            lines = workbook_lines(path, limits)
        except UnreadableWorkbook as error:
            raise UnreadableFile(str(error)) from None
    else:
        from indexer.read.docx import UnreadableWordFile, docx_lines

        encoding = "docx"
        try:
            lines = docx_lines(path)
        except UnreadableWordFile as error:
            raise UnreadableFile(str(error)) from None
    if not any(line.strip() for line in lines):
        raise UnreadableFile("the file has no text (only whitespace)")
    return _source(path, data, encoding, lines)


def read_source(path: Path) -> SourceText:
    """Read a text file; raise UnreadableFile with the reason if it cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        raise UnreadableFile(
            f"unsupported file type '{suffix or '(none)'}' (supported: .txt, .md)"
        )
    _check_size(path)
    data = path.read_bytes()
    text, encoding = decode(data)
    if not text.strip():
        raise UnreadableFile("the file has no text (only whitespace)")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _source(path, data, encoding, lines)
