"""Issue 21, point 4: decompression bombs and runaway files. A .docx/.xlsx is refused from its zip
directory before anything is unpacked (memory bounded: the reading runs under a 1 GB address-space
limit), a sheet over its rows limit and a document over its chunks limit with a Chinese message;
the limits are Settings (BUDGETQA_MAX_*)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer.limits import Limits
from indexer.read.load import UnreadableFile, read_document
from indexer.settings import Settings
from indexer.uploads import index_upload
from tests.conftest import DATA, XIGONG_GOV

REPO = Path(__file__).resolve().parents[1]
UNPACKED_MB = 600  # the 1 MB .docx of 600 MB of XML

pytestmark = pytest.mark.probe


def bomb(template: Path, member: str, head: bytes, unit: bytes, tail: bytes, path: Path) -> Path:
    """A copy of a real .docx/.xlsx whose `member` is UNPACKED_MB of repeated XML (~2 MB zipped)."""
    chunk = unit * ((1 << 20) // len(unit))
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != member:
                out.writestr(item, source.read(item))
                continue
            with out.open(member, "w", force_zip64=True) as f:
                f.write(head)
                for _ in range(UNPACKED_MB):
                    f.write(chunk)
                f.write(tail)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    import docx
    import openpyxl

    root = tmp_path_factory.mktemp("bombs")
    document = docx.Document()
    document.add_paragraph("2025年部门预算")
    document.save(root / "template.docx")
    book = openpyxl.Workbook()
    book.active["A1"] = "2025年部门收支总表"
    book.save(root / "template.xlsx")
    w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    s = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return {
        "docx": bomb(root / "template.docx", "word/document.xml", b"<w:document " + w + b"><w:body>",
                     "<w:p><w:r><w:t>2025年预算</w:t></w:r></w:p>".encode(), b"</w:body></w:document>",
                     root / "预算.docx"),
        "xlsx": bomb(root / "template.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet " + s + b"><sheetData>",
                     b'<row><c t="inlineStr"><is><t>1</t></is></c></row>', b"</sheetData></worksheet>",
                     root / "预算.xlsx"),
    }


_READ = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GB: a bomb unpacked cannot fit
from pathlib import Path
from indexer.read.load import UnreadableFile, read_document
started = time.process_time()
try:
    read_document(Path(sys.argv[1]))
    print("read")
except UnreadableFile as error:
    print(error)
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{time.process_time() - started:.2f} s of CPU, peak resident memory {int(peak) // 1024} MB")
"""


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_a_bomb_is_refused_from_its_zip_directory(bombs, kind):
    path = bombs[kind]
    assert path.stat().st_size < 3 << 20
    run = subprocess.run([sys.executable, "-c", _READ, str(path)], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert run.returncode == 0, run.stderr[-1500:]
    message, measured = run.stdout.strip().splitlines()
    assert re.fullmatch(r"文件解压后有 60\d MB，超过上限 50 MB（压缩包 \d\.\d MB，可能是压缩炸弹），未读取", message)
    print(f"{kind} bomb ({path.stat().st_size / 2**20:.1f} MB → {UNPACKED_MB} MB): refused in {measured}")


def test_an_uploaded_bomb_is_refused_and_nothing_is_written(bombs, tmp_path):
    settings = Settings(store=tmp_path / "store")
    outcome = index_upload("预算.docx", bombs["docx"].read_bytes(), settings, embedder=None)
    assert outcome.status == "rejected" and "压缩炸弹" in outcome.message
    assert re.match(r"未收录 预算.docx：文件解压后有 60\d MB", outcome.message)
    assert not (tmp_path / "store").exists()


def test_too_many_parts_are_refused(tmp_path):
    path = tmp_path / "parts.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(1001):
            archive.writestr(f"word/media/{n}.xml", b"<x/>")
    with pytest.raises(UnreadableFile, match="文件内含 1001 个部件，超过上限 1000 个"):
        read_document(path)


def test_a_large_workbook_is_refused_at_its_rows_limit(tmp_path):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("项目支出表")
    sheet.append(["2025年项目支出预算表"])
    for n in range(20_000):
        sheet.append([f"项目{n}", n * 1.5, n * 0.5])
    path = tmp_path / "大表.xlsx"
    book.save(path)
    with pytest.raises(UnreadableFile, match="工作表「项目支出表」超过 5000 行（预算表格通常只有几百行），未读取"):
        read_document(path)
    read_document(path, Limits(rows_per_sheet=30_000))  # the limit is a setting


def test_the_limits_are_settings(monkeypatch):
    monkeypatch.setenv("BUDGETQA_MAX_ROWS_PER_SHEET", "123")
    monkeypatch.setenv("BUDGETQA_MAX_UNPACKED_MB", "7")
    assert Limits.from_settings(Settings()) == Limits(unpacked_mb=7, rows_per_sheet=123)


def test_a_document_over_its_chunks_limit_is_refused_before_embedding(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETQA_MAX_CHUNKS_PER_DOCUMENT", "10")
    run = CliRunner().invoke(app, ["index", str(DATA / XIGONG_GOV), "--store", str(tmp_path / "store")])
    assert run.exit_code == 1
    assert run.stderr.strip() == (f"error     {DATA / XIGONG_GOV}: 文件切分出 78 个检索片段，超过上限 10 个"
                                  "（一份部门预算约 50–300 个），未收录")



class Counting:
    """The real embedder, counting the texts it embeds for documents."""

    def __init__(self, inner) -> None:
        self.inner, self.embedded = inner, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_an_interrupted_document_resumes_without_embedding_its_chunks_again(tmp_path, embedder):
    """Before: the chunks of a document a killed run left half in Chroma were deleted and all
    embedded again on every run (hours for a large workbook)."""
    from indexer import store
    from indexer.pipeline import Indexer
    from indexer.search.state import PENDING
    from indexer.search.vectors import VectorIndex, chroma_client

    settings = Settings(store=tmp_path / "store")
    counting = Counting(embedder)
    indexer = Indexer(store.connect(settings.database),
                      VectorIndex(chroma_client(settings), settings.collection, counting), settings.keywords)
    progress: list[tuple[int, int]] = []
    indexer.embedding = lambda source, done, total: progress.append((done, total))
    result = indexer.index([DATA / XIGONG_GOV])[0]
    assert progress == [(78, 78)]
    ids = store.chunk_ids(indexer.conn, [result.doc_id])
    indexer.vectors.delete_chunks(ids[:30])  # as a run killed while embedding leaves it
    store.set_search_state(indexer.conn, result.doc_id, PENDING)
    counting.embedded = 0
    again = indexer.index([DATA / XIGONG_GOV])[0]
    assert again.status == "unchanged" and counting.embedded == 30
    assert len(indexer.vectors.store.get(where={"doc_id": result.doc_id}, include=[])["ids"]) == len(ids) == 78
