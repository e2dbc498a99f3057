"""Reading files: encodings, and a clear reason for every file that cannot be used."""

from __future__ import annotations

import pytest

from indexer.read.load import UnreadableFile, read_source
from indexer.parse.metadata import read_metadata
from indexer.read.load import NotABudgetDocument
from tests.conftest import CHANHE, DATA


def test_utf8_document_reads_with_line_numbers():
    source = read_source(DATA / CHANHE)
    assert source.encoding == "utf-8"
    assert "收入总计 289.81 万元" in source.lines[76]  # line 77 of the file


def test_gbk_file_is_decoded(tmp_path):
    text = (DATA / CHANHE).read_text(encoding="utf-8")
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gbk", errors="ignore"))
    source = read_source(path)
    assert source.encoding == "gb18030"
    assert read_metadata(source.lines).department == "洛阳市瀍河回族区行政审批和政务信息管理局"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n \t\n", "no text"),
        ("garbage.txt", bytes(range(256)) * 40, "binary"),
        ("table.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
        ("latin.txt", "caf\xe9 ".encode("latin-1") * 3 + b"\x81\x20\xff\xfe\x80", "not valid UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        read_source(path)


def test_text_that_is_not_a_budget_is_refused(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text("第一章 天下大势，分久必合，合久必分。\n" * 50, encoding="utf-8")
    with pytest.raises(NotABudgetDocument, match="部门预算"):
        read_metadata(read_source(path).lines)
