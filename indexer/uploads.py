"""Uploads from the app: a size limit, a safe file name, a check before anything is written,
then indexing into the store with progress; a bad file gets a clear message and changes nothing.

An upload is kept as uploads/<its content's hash>/<its name>: two departments' files of the same
name never share a path, so one never replaces the other (a path's document is the file there).
A newer version of the same department, year and kind replaces the older one as any indexing
does, and the older upload's file is then removed."""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer import store
from indexer.failures import StoreWriteError, cause, writing
from indexer.limits import Limits, TooLarge
from indexer.read.load import SUPPORTED_SUFFIXES, NotABudgetDocument, UnreadableFile, read_document
from indexer.pipeline import Indexer, IndexResult, parse_source
from indexer.records import Document
from indexer.settings import Settings
from indexer.search.vectors import VectorIndex, chroma_client

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
UPLOAD_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
_index_lock = threading.Lock()  # one upload indexes at a time per process
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff（）()\-.]+")
_REASONS = {  # the indexer's reasons, as a user reads them
    "the file is empty": "文件为空", "the file is binary, not text": "文件不是文本",
    "not valid UTF-8, GBK/GB18030 or Big5 text": "文件编码无法识别（不是 UTF-8、GBK 或 Big5 文本）",
    "despite its byte order mark": "文件编码无法识别（字节顺序标记与内容不符）",
    "the file has no text (only whitespace)": "文件没有文字内容",
    "no 部门预算 content": "不是部门预算文件（没有预算表格或预算标题）",
    "not a PDF file": "不是有效的 PDF 文件", "no text layer": "PDF 没有文字层（扫描件）",
    "the PDF is encrypted": "PDF 已加密", "corrupt": "PDF 文件损坏或不完整",
    "not a readable .xlsx workbook": "不是有效的 Excel（.xlsx）文件",
    "not a readable .xls workbook": "不是有效的 Excel（.xls）文件",
    "not a readable .docx document": "不是有效的 Word（.docx）文件",
    "not a readable HTML page": "不是有效的 HTML 网页",
}


def sanitise_file_name(name: str) -> str:
    """A safe file name: no folders, no control or shell characters, a bounded length."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = _UNSAFE.sub("_", base).strip("._ ") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._ ")[:100] or "upload"
    return f"{stem}.{suffix.lower()[:10]}" if suffix else stem


def reason(error: Exception) -> str:
    text = str(error)
    for key, chinese in _REASONS.items():
        if key in text:
            return chinese
    return text


@dataclass
class UploadOutcome:
    ok: bool
    status: str  # "indexed", "unchanged", "rejected"
    file_name: str
    message: str  # for the user, in Chinese
    doc_id: str | None = None


class ProgressEmbeddings:
    """Embeds in small batches and reports how many texts are done (for a progress bar)."""

    def __init__(self, inner, report: Callable[[int], None], batch: int = 16) -> None:
        self.inner, self.report, self.batch, self.done = inner, report, batch, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch):
            out += self.inner.embed_documents(texts[start : start + self.batch])
            self.done += len(texts[start : start + self.batch])
            self.report(self.done)
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def index_upload(name: str, data: bytes, settings: Settings, embedder,
                 progress: Callable[[float, str], None] = lambda f, t: None) -> UploadOutcome:
    """Check an uploaded file, then index it into the store; a bad file changes nothing.

    Args:
        name: the file name as the browser sent it (sanitised here).
        data: the file's bytes.
        settings: the store to index into.
        embedder: the embedding model (a langchain Embeddings).
        progress: called with (fraction done, what is happening).

    Returns:
        The outcome, with a message for the user.
    """
    safe = sanitise_file_name(name)
    suffix = Path(safe).suffix.lower()

    def rejected(why: str) -> UploadOutcome:
        return UploadOutcome(False, "rejected", safe, f"未收录 {safe}：{why}。已有的文件不受影响。")

    if len(data) > MAX_UPLOAD_BYTES:
        return rejected(f"文件太大（{len(data) / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_MB} MB）")
    if suffix not in SUPPORTED_SUFFIXES:
        return rejected(f"不支持的文件类型“{suffix or '无扩展名'}”（支持 PDF、TXT、MD、HTML、XLSX、XLS、DOCX）")
    if not data:
        return rejected("文件为空")
    progress(0.05, "检查文件…")
    limits = Limits.from_settings(settings)
    # parse a staged copy first: a file that cannot be indexed never reaches the store's folder
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / safe
        staged.write_bytes(data)
        try:
            parsed = parse_source(read_document(staged, limits))
            limits.check_chunks(len(parsed.chunks))
        except (UnreadableFile, NotABudgetDocument, TooLarge) as error:
            return rejected(reason(error))
    progress(0.15, "解析完成，正在建立索引…")
    chunks = len(parsed.chunks)
    target = stored_path(settings, safe, data)
    if store.is_read_only(settings.database) or store.is_read_only(target):
        return rejected("资料库是只读的，不能收录新文件")
    with _index_lock:
        try:
            result = _index_into(target, data, settings, embedder, chunks, progress, parsed.document)
        except StoreWriteError as error:  # a full disk: the store keeps what it had
            return rejected(f"写入失败（{cause(error.code)}）")
    if result.status == "failed":
        return rejected(reason(Exception(result.message or "")))
    progress(1.0, "完成")
    if result.status == "superseded":
        return UploadOutcome(False, "rejected", safe, f"未收录 {safe}：已收录的版本较新（{result.department}"
                             f" {result.year}年）。已有的文件不受影响。", result.doc_id)
    replaced = [w for w in result.warnings if w.startswith("替换了")]
    if result.status == "unchanged":
        return UploadOutcome(True, "unchanged", safe, f"{safe} 已收录过（内容相同），无需重复索引。", result.doc_id)
    return UploadOutcome(True, "indexed", safe,
                         f"已收录 {safe}：{result.department}（{result.year}年），找到 {result.tables_found} 张表，"
                         f"现在可以提问了。" + "".join(f"{w}。" for w in replaced), result.doc_id)


def stored_path(settings: Settings, safe: str, data: bytes) -> Path:
    """Where an upload is kept: uploads/<the first 16 hex digits of its SHA-256>/<its name>."""
    return settings.store / "uploads" / hashlib.sha256(data).hexdigest()[:16] / safe


def _index_into(target: Path, data: bytes, settings: Settings, embedder, chunks: int,
                progress: Callable[[float, str], None], document: Document) -> IndexResult:
    """Write the upload into the store's folder and index it; no copy is kept when it fails."""
    previous = target.read_bytes() if target.exists() else None
    try:
        with writing(target):  # a full disk may stop this half-way: restored below
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        conn = store.connect(settings.database, writable=True)
        try:
            versions = store.versions_of(conn, document.department, document.year, document.kind)
            report = ProgressEmbeddings(
                embedder, lambda n: progress(0.15 + 0.75 * min(n / max(chunks, 1), 1.0),
                                             f"建立检索索引 {min(n, chunks)}/{chunks}…"))
            vectors = VectorIndex(chroma_client(settings), settings.collection, report)
            result = Indexer(conn, vectors, settings.keywords, Limits.from_settings(settings)).index([target])[0]
            # failed, or the same content already stored from another path: keep no copy
            if result.status == "failed" or not store.documents_at_path(conn, str(target.resolve())):
                _restore(target, previous)
            _remove_replaced(conn, [Path(v.path) for v in versions], settings.store / "uploads")
        finally:
            conn.close()
    except BaseException:
        _restore(target, previous)
        raise
    return result


def _restore(target: Path, previous: bytes | None) -> None:
    if previous is None:
        target.unlink(missing_ok=True)
        _remove_empty(target.parent)
    else:
        target.write_bytes(previous)


def _remove_replaced(conn, paths: list[Path], uploads: Path) -> None:
    """Remove the uploaded files whose documents a newer version replaced (files indexed from
    elsewhere are the user's own and stay)."""
    for path in paths:
        if path.parent.parent == uploads.resolve() and not store.documents_at_path(conn, str(path)):
            path.unlink(missing_ok=True)
            _remove_empty(path.parent)


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only when empty
    except OSError:
        pass
