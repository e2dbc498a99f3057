"""Failures of the file system, told in one line: the file named safely, the errno name, the cause.

Writing the store goes through three layers that report a full disk or a missing permission in
their own way: an OSError (BM25's files), an sqlite3 error ("database or disk is full") and
Chroma's Rust core ("… (os error 28)", or just "Error in compaction: Failed to apply logs to the
metadata segment", which says nothing of the cause: then a small trial write in its folder asks
the file system). All are read back to the errno here, so the user gets "ENOSPC: 磁盘已满"
instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CAUSES = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "权限不足",
    errno.EPERM: "操作不被允许",
    errno.EROFS: "文件系统只读",
    errno.EIO: "磁盘读写错误",
    errno.ENOENT: "文件或目录不存在",
    errno.EISDIR: "这是一个目录",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EMFILE: "打开的文件过多",
    errno.ENOMEM: "内存不足",
}
# what SQLite and Chroma say instead of an errno (lower case); Rust's io errors end "(os error N)"
_MESSAGES = (
    ("database or disk is full", errno.ENOSPC),
    ("no space left on device", errno.ENOSPC),
    ("disk quota exceeded", errno.EDQUOT),
    ("attempt to write a readonly database", errno.EACCES),
    ("read-only file system", errno.EROFS),
    ("permission denied", errno.EACCES),
    ("unable to open database file", errno.EACCES),
    ("disk i/o error", errno.EIO),
)
_OS_ERROR = re.compile(r"os error (\d+)")


class StoreWriteError(Exception):
    """Writing the store failed (disk full, permission denied …); what was committed stays."""

    def __init__(self, path: Path, code: int, source: Path | None = None) -> None:
        super().__init__(path, code)
        self.path, self.code, self.source = path, code, source

    def __str__(self) -> str:
        during = f" (while indexing {shown(self.source.name)})" if self.source else ""
        return f"cannot write {shown(self.path)}: {cause(self.code)}{during}"


def is_url(path: object) -> bool:
    return isinstance(path, str) and "://" in path


def shown(name: object) -> str:
    """A file name fit for one line: control characters escaped as repr does (\\n, \\x1b)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(name))


def cause(code: int) -> str:
    """"ENOSPC: 磁盘已满": the errno's name, then what it means for the user."""
    name = errno.errorcode.get(code, f"errno {code}")
    return f"{name}: {CAUSES.get(code) or os.strerror(code)}"


def failure_errno(error: BaseException) -> int | None:
    """The errno behind a failed file operation, or None when the error is not one."""
    if isinstance(error, OSError):
        return error.errno
    # SQLAlchemy wraps the driver's error: the driver's is the one that says why
    error = getattr(error, "orig", None) or error
    # only the layers that write files: any other exception is a bug and keeps its traceback
    if not isinstance(error, sqlite3.Error) and not type(error).__module__.startswith("chromadb"):
        return None
    text = str(error).lower()
    if m := _OS_ERROR.search(text):
        return int(m.group(1))
    return next((code for message, code in _MESSAGES if message in text), None)


def describe(error: BaseException, where: Path | str | None = None) -> str | None:
    """One line for a failed file operation ("EACCES: 权限不足"), or None when it is not one;
    `where` (the file or folder written) lets an EIO be read back to its cause."""
    code = failure_errno(error)
    if code == errno.EIO and where is not None:
        code = _probed(where) or code
    return cause(code) if code else None


def _probed(path: Path | str) -> int | None:
    """What the file system says of a write beside `path`: SQLite reports "disk I/O error" when a
    full disk refuses its -shm or -wal file."""
    if is_url(path):
        return None
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    return trial_write(folder) if folder.is_dir() else None


def trial_write(folder: Path, size: int = 256 * 1024) -> int | None:
    """Write and remove a small file in `folder`: the errno the file system refuses it with."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".budgetqa-write-") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    except OSError as error:
        return error.errno
    return None


@contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn a failed write under `path` into StoreWriteError, naming the file when it is known."""
    try:
        yield
    except StoreWriteError:
        raise
    except Exception as error:
        code = failure_errno(error)
        if not code and type(error).__module__.startswith("chromadb") and Path(path).is_dir():
            code = trial_write(Path(path))  # Chroma's error may not say why its write failed
        if code == errno.EIO:
            code = _probed(path) or code
        if not code:
            raise
        target = getattr(error, "filename", None) or path
        raise StoreWriteError(Path(target), code) from error
