"""Uploads indexed in a background thread, so the chat stays usable meanwhile: the job records the
current file, step and count for the app to poll, and ends with one message of success or failure.
Only plain attributes are written by the thread; it never calls Streamlit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.settings import Settings
from indexer.uploads import UploadOutcome, index_upload, sanitise_file_name


@dataclass
class UploadJob:
    """Files being indexed one after another, and how far along they are."""

    files: list[tuple[str, bytes]]  # (name as sent, bytes)
    current: int = 0  # the file being indexed, 0-based
    fraction: float = 0.0  # of the current file
    step: str = "等待开始…"
    outcomes: list[UploadOutcome] = field(default_factory=list)
    done: bool = False
    failure: str | None = None  # an unexpected error, in Chinese
    applied: bool = False  # the app has reloaded its engine to see the new documents
    _thread: threading.Thread | None = None

    @property
    def count(self) -> int:
        return len(self.files)

    @property
    def overall(self) -> float:
        """Progress over every file, 0 to 1."""
        return 1.0 if self.done else min((self.current + self.fraction) / max(self.count, 1), 1.0)

    def status(self) -> str:
        """What is happening now, in Chinese: file, step and count."""
        if self.done:
            return self.summary()
        name = sanitise_file_name(self.files[self.current][0])
        return f"正在收录第 {self.current + 1}/{self.count} 个文件「{name}」：{self.step}"

    @property
    def indexed(self) -> int:
        return sum(o.status == "indexed" for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return self.done and self.failure is None and all(o.ok for o in self.outcomes)

    def summary(self) -> str:
        """One line for the end: how many files were taken in, and how many were not."""
        if self.failure:
            return f"上传失败：{self.failure}"
        good = sum(o.ok for o in self.outcomes)
        if good == self.count:
            return f"上传完成：{self.count} 个文件全部处理成功。"
        return f"上传结束：{good} 个文件成功，{self.count - good} 个文件未能收录（原因见下）。"

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (for tests and shutdown); whether it ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.done

    def run(self, settings: Settings, embedder, index: Callable = index_upload) -> None:
        try:
            for i, (name, data) in enumerate(self.files):
                self.current, self.fraction, self.step = i, 0.0, "检查文件…"

                def progress(fraction: float, text: str) -> None:
                    self.fraction, self.step = fraction, text

                self.outcomes.append(index(name, data, settings, embedder, progress=progress))
                self.fraction = 1.0
        except Exception:  # noqa: BLE001  (any error: the app shows it; the thread must not die silently)
            self.failure = (f"处理「{sanitise_file_name(self.files[self.current][0])}」时出现意外错误，"
                            "已有的文件不受影响")
        finally:
            self.done = True


def start(files: list[tuple[str, bytes]], settings: Settings, embedder) -> UploadJob:
    """Index `files` into the store in a background thread; poll the returned job."""
    job = UploadJob(files=list(files))
    job._thread = threading.Thread(target=job.run, args=(settings, embedder), daemon=True,
                                   name="budgetqa-upload")
    job._thread.start()
    return job
