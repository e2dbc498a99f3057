"""Issue 12: numbers only the question states, read-only stores, a full disk, encodings and names.

The store here is indexed once, by the CLI in its own process (as a user would: it closes the
store cleanly), from a UTF-16 copy of a corpus document and a Big5 traditional-character text.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer import store
from indexer.search.bm25 import BM25Index
from indexer.read.load import read_source
from retrieval.llm import build_answerer
from retrieval.records import Answer, Citation, Figure
from retrieval.llm.numbers import allowed_numbers, unverified
from tests.conftest import CHANHE, DATA, XIGONG_GOV
from tests.test_llm_server import Reply, ScriptedServer, settings_for

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534
runner = CliRunner()

GOV = "洛阳市西工区人民政府办公室"
UTF16_NAME = "西工区政府办-utf16.txt"
BIG5_NAME = "公园管理处-big5.txt"


def park_text(unit: str = "公園管理處") -> str:
    """A small budget disclosure in traditional characters (Big5 has no simplified ones)."""
    name = f"臺北市測試區{unit}"
    return f"""2024 年{name} 部門預算公開

第一部分 部門概況

一、主要職責

負責轄區公園綠地的養護與管理。

第二部分 2024 年部門預算情況說明

一、收入支出預算總體情況說明

{name} 2024 年收入總計 120.50 萬元，支出總計 120.50 萬元，收支平衡。

二、支出預算總體情況說明

2024 年支出預算總計 120.50 萬元，其中：基本支出 96.40 萬元，佔 80.00%；項目支出 24.10 萬元，佔 20.00%。

三、一般公共預算“三公”經費支出預算情況說明

{name} 2024 年“三公”經費支出預算為 2.30 萬元。

2024 年一般公共預算“三公”經費預算表

部門名稱：{name}

單位：萬元

“三公”經費合計\t因公出國（境）費\t公務用車購置及運行費\t\t\t公務接待費
\t\t小計\t公務用車購置費\t公務用車運行費\t
2.30\t0.00\t1.50\t0.00\t1.50\t0.80
"""


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`budgetqa ARGS` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "budgetqa_cli", *args], cwd=REPO, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=600)


def lines(text: str) -> list[str]:
    """The non-empty lines (model loading prints progress bars on stderr)."""
    return [x for x in text.splitlines() if x.strip() and "Loading weights" not in x]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    """(index run, store folder, documents folder) of the UTF-16 and Big5 documents."""
    root = tmp_path_factory.mktemp("hardening")
    docs = root / "docs"
    docs.mkdir()
    text = (DATA / XIGONG_GOV).read_text(encoding="utf-8")
    (docs / UTF16_NAME).write_bytes(text.encode("utf-16"))
    (docs / BIG5_NAME).write_bytes(park_text().encode("big5"))
    store_dir = root / "store"
    run = cli("index", str(docs), "--store", str(store_dir),
              env={"BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"})
    return run, store_dir, docs


def departments(store_dir: Path) -> set[str]:
    conn = sqlite3.connect(f"{(store_dir / 'facts.sqlite').as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT department FROM documents")}
    finally:
        conn.close()


# --- 1. a number that only the question states ------------------------------------------------

CLAIM = "西工区政府办2025年公务接待费是9999万元吗？"
TRUE_SENTENCE = "西工区政府办2025年公务接待费为0.83万元。"


class ClaimEngine:
    """Answers as the engine does when it reaches no verdict on "X是9999万元吗？": the figure."""

    catalog = None

    def __init__(self, verdict: bool | None = None) -> None:
        self.verdict = verdict

    def answer(self, question: str, doc_ids=None) -> Answer:
        cite = Citation(doc_id="d", department=GOV, year=2025, kind="table", table="支出经济分类汇总表",
                        row="公务接待费", column="总计", quote="公务接待费：总计 0.83")
        figure = Figure(value=0.83, unit="万元", label="公务接待费", citation=cite)
        head = "" if self.verdict is None else ("正确。" if self.verdict else "错误。")
        return Answer(question=question, answer=f"{head}{GOV}2025年公务接待费为0.83万元。", answerable=True,
                      value=0.83, unit="万元", verdict=self.verdict, citations=[cite], figures=[figure],
                      intent="lookup" if self.verdict is None else "claim")


def test_a_number_of_the_question_counts_only_inside_the_engines_verdict():
    assert unverified("预算为9999万元。", allowed_numbers(ClaimEngine().answer(CLAIM), CLAIM)) == ["9999万元"]
    assert unverified("不是9999万元。", allowed_numbers(ClaimEngine(False).answer(CLAIM), CLAIM)) == []


def test_the_9999_claim_through_the_endpoint_is_refused():
    with ScriptedServer(lambda body: Reply(TRUE_SENTENCE + "预算为9999万元。")) as server:
        result = build_answerer(settings_for(server), ClaimEngine()).answer(CLAIM)
    assert result.flagged and not result.used_model and result.unverified == ["9999万元"]
    assert "9999" not in result.answer.answer


def test_the_9999_claim_streamed_shows_only_checked_sentences():
    with ScriptedServer(lambda body: Reply(TRUE_SENTENCE + "预算为9999万元。")) as server:
        stream = build_answerer(settings_for(server), ClaimEngine()).stream(CLAIM)
        shown = list(stream)  # the server sends 4 characters at a time: "预算为9", "999万元。"
    assert shown == [TRUE_SENTENCE]  # whole sentences, each checked before it is shown
    assert stream.result.flagged and "9999" not in stream.result.answer.answer


def test_a_claim_the_engine_judged_may_be_restated():
    reply = "错误，公务接待费是0.83万元，不是9999万元。"
    with ScriptedServer(lambda body: Reply(reply)) as server:
        llm = build_answerer(settings_for(server), ClaimEngine(verdict=False))
        result = llm.answer(CLAIM)
        stream = llm.stream(CLAIM)
        shown = "".join(stream)
    assert result.used_model and result.answer.answer == reply
    assert shown == reply and stream.result.used_model


# --- 2. a read-only store ---------------------------------------------------------------------

def test_a_store_that_cannot_be_written_opens_read_only(indexed, tmp_path, monkeypatch):
    """os.access says no writes (root ignores file modes): reading commands work, `index` stops."""
    _, source, docs = indexed
    store_dir = tmp_path / "ro-store"
    shutil.copytree(source, store_dir)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK else real_access(p, mode, **kw))
    conn = store.connect(store_dir / "facts.sqlite")
    with pytest.raises(sqlalchemy.exc.OperationalError, match="readonly"), conn.transaction() as c:
        c.exec_driver_sql("DELETE FROM documents")
    assert {d.department for d in store.documents(conn)} >= {GOV}
    conn.close()
    listed = runner.invoke(app, ["docs", "--store", str(store_dir)])
    assert listed.exit_code == 0 and "2025" in listed.stdout
    index = runner.invoke(app, ["index", str(docs), "--store", str(store_dir)])
    assert index.exit_code == 1
    assert lines(index.stderr) == [f"error: the store at {store_dir} is read-only"]
    asked = runner.invoke(app, ["ask", "西工区政府办2025年公务接待费是多少？", "--store", str(store_dir)])
    assert asked.exit_code == 0 and "0.83" in asked.stdout


_AS_NOBODY = """
import os, sys
import encodings.cp437  # zip members read by the model loading, after the privileges are dropped
import budgetqa_cli, indexer.pipeline, indexer.search.vectors, retrieval.audit, retrieval.service.batch, retrieval.service.engine, retrieval.llm, retrieval.service
# the interpreter lives under /root, which another user cannot read: import first, then drop
os.setgroups([]); os.setgid({uid}); os.setuid({uid})
sys.argv = ["budgetqa", *sys.argv[1:]]
budgetqa_cli.main()
"""


@pytest.fixture(scope="module")
def nobodys_view(indexed):
    """A copy of the store, every file and folder without write bits, in a folder all may enter."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a command as another user (nobody)")
    _, source, _ = indexed
    root = Path(tempfile.mkdtemp(prefix="budgetqa-ro-", dir="/tmp"))
    try:
        root.chmod(0o755)
        store_dir = root / "store"
        shutil.copytree(source, store_dir)
        for path in [store_dir, *store_dir.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield store_dir
    finally:
        shutil.rmtree(root, ignore_errors=True)  # root removes what it cannot write


def as_nobody(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _AS_NOBODY.format(uid=NOBODY), *args], cwd=REPO,
                          text=True, capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"})


def test_ask_answers_from_a_read_only_store_as_another_user(nobodys_view):
    run = as_nobody("ask", "西工区政府办2025年公务接待费是多少？", "--store", str(nobodys_view))
    assert run.returncode == 0, run.stderr
    assert "0.83" in run.stdout and run.stderr == ""  # a table lookup opens no Chroma
    # Chroma writes on open: for a text question one line says the answer uses BM25 alone
    text = as_nobody("ask", "西工区政府办为什么增加了支出？", "--store", str(nobodys_view))
    assert text.returncode == 0 and "机构改革" in text.stdout
    assert len(lines(text.stderr)) == 1 and "BM25" in text.stderr and "Traceback" not in text.stderr


def test_docs_lists_a_read_only_store_as_another_user(nobodys_view):
    run = as_nobody("docs", "--store", str(nobodys_view))
    assert run.returncode == 0, run.stderr
    assert "2025" in run.stdout and "2024" in run.stdout


def test_index_into_a_read_only_store_says_so_in_one_line(nobodys_view, indexed):
    run = as_nobody("index", str(DATA / CHANHE), "--store", str(nobodys_view))
    assert run.returncode == 1
    assert lines(run.stderr) == [f"error: the store at {nobodys_view} is read-only"]


# --- 3. a full disk while indexing ------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs (we are root in the test environment), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        # lazy: a Chroma client of this process may still hold a file there
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill the disk up to `leave` bytes."""
    with open(disk / "filler", "wb") as f:
        try:
            while True:
                free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
                if free <= leave:
                    break
                f.write(b"\0" * min(free - leave, 1 << 20))
                f.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


def test_a_full_disk_while_writing_facts_is_one_line(indexed, small_disk):
    _, source, _ = indexed
    store_dir = small_disk / "store"
    shutil.copytree(source, store_dir)
    before = departments(store_dir)
    fill(small_disk, leave=64 * 1024)  # room to open the store, not to write a document
    run = cli("index", str(DATA / CHANHE), "--store", str(store_dir))
    assert run.returncode == 1
    assert lines(run.stderr) == [
        f"error     cannot write {store_dir / 'facts.sqlite'}: ENOSPC: 磁盘已满"
        f" (while indexing {CHANHE}); the store stays readable"
    ]
    assert "Traceback" not in run.stdout + run.stderr
    assert departments(store_dir) == before
    listed = cli("docs", "--store", str(store_dir))
    assert listed.returncode == 0 and "2025" in listed.stdout


def test_a_full_disk_in_chromas_compaction_is_one_line(indexed, small_disk, model_dir, tmp_path, monkeypatch):
    """The disk fills after the facts are stored: Chroma's "Error in compaction" (which names no
    cause) becomes ENOSPC; the facts stay readable and the next run repairs the search index."""
    from indexer.search.vectors import VectorIndex

    _, source, _ = indexed
    store_dir = small_disk / "store"
    shutil.copytree(source, store_dir)
    library = tmp_path / "图书馆.txt"
    library.write_bytes(park_text("圖書館").encode("big5"))
    add = VectorIndex.add

    def add_on_a_full_disk(self, chunks, *args):
        fill(small_disk)
        return add(self, chunks, *args)

    monkeypatch.setattr(VectorIndex, "add", add_on_a_full_disk)
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    run = runner.invoke(app, ["index", str(library), "--store", str(store_dir)])
    assert run.exit_code == 1
    assert lines(run.stderr) == [
        f"error     cannot write {store_dir / 'chroma'}: ENOSPC: 磁盘已满"
        f" (while indexing 图书馆.txt); the store stays readable"
    ]
    assert GOV in departments(store_dir)
    (small_disk / "filler").unlink()
    again = cli("index", str(library), "--store", str(store_dir),
                env={"BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"})
    assert again.returncode == 0, again.stderr
    conn = sqlite3.connect(f"{(store_dir / 'facts.sqlite').as_uri()}?mode=ro", uri=True)
    assert {r[0] for r in conn.execute("SELECT search_state FROM documents")} == {"ready"}
    conn.close()


def test_an_unreadable_input_file_is_named_with_its_cause(tmp_path, monkeypatch):
    import indexer.pipeline

    def denied(path, *args):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(indexer.pipeline, "read_document", denied)
    path = tmp_path / "secret.txt"
    path.write_text("预算", encoding="utf-8")
    run = runner.invoke(app, ["index", str(path), "--store", str(tmp_path / "store")])
    assert run.exit_code == 1
    assert lines(run.stderr) == [f"error     {path}: cannot read: EACCES: 权限不足"]


# --- 4. encodings, file names, folder modes ---------------------------------------------------

def test_utf16_and_big5_documents_are_indexed(indexed):
    run, _, _ = indexed
    assert run.returncode == 0, run.stderr
    assert f"indexed   {UTF16_NAME}: {GOV} 2025" in run.stdout
    assert f"indexed   {BIG5_NAME}: 台北市测试区公园管理处 2024" in run.stdout


@pytest.mark.parametrize(("codec", "encoding"), [
    ("utf-16", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32", "utf-32"), ("utf-8-sig", "utf-8"),
])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, codec, encoding):
    text = (DATA / XIGONG_GOV).read_text(encoding="utf-8")
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data  # Python writes no BOM for an explicit byte order
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    source = read_source(path)
    assert source.encoding == encoding and source.lines == text.split("\n")


def test_big5_is_told_from_gb18030_by_what_it_reads_as(tmp_path):
    big5 = park_text().encode("big5")
    big5.decode("gb18030")  # decodes without error, into nonsense: trying alone cannot decide
    (tmp_path / "big5.txt").write_bytes(big5)
    (tmp_path / "gbk.txt").write_bytes((DATA / XIGONG_GOV).read_text(encoding="utf-8").encode("gbk", "ignore"))
    big5_source = read_source(tmp_path / "big5.txt")
    assert big5_source.encoding == "big5"
    assert "台北市测试区公园管理处 2024 年收入总计 120.50 万元" in "\n".join(big5_source.lines)
    assert read_source(tmp_path / "gbk.txt").encoding == "gb18030"


def test_a_newline_in_a_file_name_keeps_the_message_on_one_line(tmp_path):
    path = tmp_path / "预算\n说明.txt"
    path.write_text("会议纪要：今天讨论了食堂菜单。\n" * 30, encoding="utf-8")
    run = runner.invoke(app, ["index", str(path), "--store", str(tmp_path / "store")])
    assert run.exit_code == 1
    assert lines(run.stderr) == [f"error     {tmp_path}/预算\\n说明.txt: no 部门预算 content"
                                 " (no budget tables or 预算 headings found)"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_bm25_folder_follows_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        BM25Index.build([], []).save(tmp_path / "store" / "bm25")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "store" / "bm25").stat().st_mode) == 0o777 & ~umask
