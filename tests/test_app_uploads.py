"""Uploads in Chinese: progress naming the file, the step and the count; one line of success or
failure and a line per file (an oversize file named with the limit); a read-only store disables
uploads and keeps conversations in the page only."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from indexer import store
from indexer.settings import Settings
from indexer.uploads import MAX_UPLOAD_BYTES, UploadOutcome
from tests.test_app import APP, new_app, TIMEOUT, ask, finish_upload, last_reply, run_app, texts
from ui import upload_jobs


@pytest.fixture
def corpus_app(corpus_index, model_dir, monkeypatch) -> AppTest:
    return run_app(corpus_index, model_dir, monkeypatch)


def test_an_oversize_upload_is_refused_naming_the_file(corpus_app):
    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    finish_upload(corpus_app.sidebar.file_uploader(key="upload").set_value(("大文件.txt", big, "text/plain")).run())
    errors = [e.value for e in corpus_app.sidebar.get("error")]
    assert errors[0] == "上传结束：0 个文件成功，1 个文件未能收录（原因见下）。"
    assert errors[1].startswith("未收录 大文件.txt：文件太大") and "上限 20 MB" in errors[1]


def test_upload_progress_names_the_file_the_step_and_the_count():
    job = upload_jobs.UploadJob(files=[("a b.txt", b""), ("二.pdf", b"")], current=1, step="建立检索索引 3/9…")
    assert job.status() == "正在收录第 2/2 个文件「二.pdf」：建立检索索引 3/9…"
    seen = []

    def index(name, data, settings, embedder, progress):
        progress(0.5, "检查文件…")
        seen.append(job.status())
        return UploadOutcome(name.endswith(".txt"), "indexed" if name.endswith(".txt") else "rejected", name, "…")

    job = upload_jobs.UploadJob(files=[("a b.txt", b""), ("二.pdf", b"")])
    job.run(Settings(), embedder=None, index=index)
    assert seen == ["正在收录第 1/2 个文件「a_b.txt」：检查文件…", "正在收录第 2/2 个文件「二.pdf」：检查文件…"]
    assert job.done and job.summary() == "上传结束：1 个文件成功，1 个文件未能收录（原因见下）。"


def test_a_read_only_store_disables_uploads_and_keeps_chats_in_the_page(corpus_index, model_dir, monkeypatch):
    monkeypatch.setenv("BUDGETQA_STORE", str(corpus_index[1].store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    monkeypatch.setattr(store, "is_read_only", lambda path: True)  # root may write anywhere
    conn = corpus_index[0].conn
    before = conn.scalar("SELECT count(*) FROM turns")
    at = new_app().run()
    assert not at.sidebar.get("file_uploader")
    assert "资料库是只读的，上传已停用" in texts(at.sidebar)
    assert "对话只保存在当前页面" in texts(at.sidebar)
    reply = last_reply(ask(at, "瀍河区审批局2025年的行政单位医疗预算是多少？"))
    assert [m.value for m in reply.get("metric")] == ["15.58 万元"]
    assert conn.scalar("SELECT count(*) FROM turns") == before and "c" not in at.query_params


def test_a_document_another_process_indexed_is_listed_and_answered_without_a_restart(
        tmp_path, embedder, model_dir, monkeypatch):
    """As two chat servers over one store: the page's engine, loaded once per process, follows
    the store's revision (a second indexer on its own connection stands for the other server)."""
    from tests.conftest import make_indexer
    from tests.test_shared_deployment import SHAPES, UPLOADED

    indexer, settings = make_indexer(tmp_path / "store", embedder)
    indexer.index([SHAPES / "蓝田县文旅局_2024.txt"])
    monkeypatch.setenv("BUDGETQA_STORE", str(settings.store))
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    at = new_app().run()
    question = "梧州市博物院2022年项目支出多少？"
    departments = lambda: at.sidebar.multiselect(key="filter_departments").options  # noqa: E731
    assert not any("博物院" in d for d in departments())
    assert not last_reply(ask(at, question)).get("metric")

    other, _ = make_indexer(tmp_path / "store", embedder)
    assert other.index([SHAPES / UPLOADED])[0].status == "indexed"
    at.run()
    assert any("博物院" in d for d in departments())
    reply = last_reply(ask(at, question))
    assert [m.value for m in reply.get("metric")] == ["300.00 万元"]
