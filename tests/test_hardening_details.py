"""Issue 21, point 10: a cited row that fails its table's sums is marked by the CLI and the API;
indexing names each such row of a tab-separated table; the HTML reader drops every <script>;
UTF-16 without a byte order mark is read; the model's fallback reason reaches the API's answer;
no English "Loading weights" bar on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.read.html import html_lines
from indexer.read.load import read_source
from tests.conftest import DATA, XIGONG_GOV
from tests.test_hardening import park_text

REPO = Path(__file__).resolve().parents[1]
PARK = "台北市测试区公园管理处"
# 城乡社区支出: 合计 21.00 ≠ 基本支出 0.00 + 项目支出 20.50
SPENDING = """
2024年部門支出預算表

部門名稱：臺北市測試區公園管理處

單位：萬元

項目\t合計\t基本支出\t項目支出
合計\t120.50\t96.40\t24.10
一般公共服務支出\t100.00\t96.40\t3.60
城鄉社區支出\t21.00\t0.00\t20.50
"""

pytestmark = pytest.mark.probe


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "budgetqa_cli", *args], cwd=REPO, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_dir):
    """(index run, store) of a document whose spending table has a row that fails its sums."""
    root = tmp_path_factory.mktemp("rows")
    (root / "公园.txt").write_text(park_text() + SPENDING, encoding="utf-8")
    env = {"BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    run = cli("index", str(root / "公园.txt"), "--store", str(root / "store"), env=env)
    assert run.returncode == 0, run.stderr
    return run, root / "store", env


def test_indexing_names_each_row_of_a_tab_table_that_fails_its_sums(indexed):
    run, _, _ = indexed
    assert "warning   公园.txt: 部门支出预算表 line 42 「城乡社区支出」: 合计 21.00 ≠ 基本支出 + 项目支出 = 20.50" \
        in run.stdout.splitlines()


WARNING = ("引用的「部门支出预算表」中「城乡社区支出」一行未通过表内合计核对：「合计」21.00 不等于 基本支出 + 项目支出"
           " 之和 20.50，该数字请对照原文")


def test_the_cli_marks_a_cited_row_that_fails_its_sums(indexed):
    _, store_dir, env = indexed
    run = cli("ask", f"{PARK}城乡社区支出是多少？", "--store", str(store_dir), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:2] == [f"{PARK}2024年城乡社区支出为21.00万元。", f"注意：{WARNING}"]
    as_json = json.loads(cli("ask", f"{PARK}城乡社区支出是多少？", "--json", "--store", str(store_dir),
                             env=env).stdout)
    assert as_json["warnings"] == [WARNING]


def test_a_row_that_verifies_is_stated_without_a_warning(indexed):
    _, store_dir, env = indexed
    as_json = json.loads(cli("ask", f"{PARK}一般公共服务支出是多少？", "--json", "--store", str(store_dir),
                             env=env).stdout)
    assert as_json["value"] == 100.0 and "warnings" not in as_json


def test_the_api_marks_a_cited_row_that_fails_its_sums(indexed, model_dir):
    from fastapi.testclient import TestClient

    from indexer.settings import Settings
    from retrieval.service.serve import create_app

    _, store_dir, _ = indexed
    with TestClient(create_app(Settings(store=store_dir, embedding_model=str(model_dir)))) as client:
        answer = client.post("/ask", json={"question": f"{PARK}城乡社区支出是多少？"}).json()
    assert answer["value"] == 21.0 and answer["warnings"] == [WARNING]


def test_no_english_loading_bar_on_stderr(indexed):
    """A text question loads the embedding model: stderr stays empty."""
    _, store_dir, env = indexed
    run = cli("ask", f"{PARK}养护什么？", "--store", str(store_dir), env=env)
    assert run.returncode == 0 and "养护" in run.stdout
    assert run.stderr == ""


def test_the_api_says_why_the_model_was_not_used(indexed, model_dir):
    from indexer.settings import Settings
    from retrieval.llm import build_answerer
    from retrieval.service import Responder, open_engine

    _, store_dir, _ = indexed
    engine = open_engine(Settings(store=store_dir, embedding_model=str(model_dir)))
    refused = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout=5, llm_retries=0)
    answer = Responder(engine, build_answerer(refused, engine)).answer(f"{PARK}一般公共服务支出是多少？")
    shown = answer.response()
    assert shown["model_used"] is False and "模型服务出错" in shown["model_rejected_reason"]
    assert shown["value"] == 100.0


def test_the_html_reader_drops_scripts_when_the_head_has_a_style():
    page = ("<html><head><style>p{color:red}</style><script>var a=1</script></head><body>"
            "<script>alert('x')</script><p>2025年部门预算</p><noscript>请启用脚本</noscript></body></html>")
    assert html_lines(page) == ["2025年部门预算"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, codec):
    text = (DATA / XIGONG_GOV).read_text(encoding="utf-8")
    (tmp_path / "doc.txt").write_bytes(text.encode(codec))
    source = read_source(tmp_path / "doc.txt")
    assert source.encoding == "utf-16" and source.lines == text.split("\n")
