"""`budgetqa serve` for an integrator: API keys, typed answers with readings and chart data,
errors with a code and a Chinese message, limits before a body is read, deleting a document,
an access log, and /docs and /redoc rendered offline in Chromium."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA, XIGONG_STREET, copy_store, doc_id_of
from tests.servers import free_port, wait_for_api

BIN = Path(sys.executable).parent
KEY = "test-key-7f3a"
AUTH = {"Authorization": f"Bearer {KEY}"}
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
CONTRACT = {"question": str, "answer": str, "answerable": bool, "value": (int, float, type(None)),
            "unit": (str, type(None)), "verdict": (bool, type(None)), "computation": (str, type(None)),
            "citations": list}
CITATION = {"doc_id": str, "department": str, "year": int, "kind": str, "table": (str, type(None)),
            "row": (str, type(None)), "column": (str, type(None)), "section": (str, type(None)),
            "page": (int, type(None)), "quote": str}


@pytest.fixture(scope="module")
def api(corpus_index, model_dir, tmp_path_factory):
    """`budgetqa serve` with an API key over a copy of the corpus store (a test deletes from it)."""
    folder = tmp_path_factory.mktemp("api")
    store_dir = copy_store(corpus_index[1].store, folder / "store")
    port = free_port()
    log = folder / "serve.log"
    env = {**os.environ, "BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1",
           "BUDGETQA_API_KEYS": f"other-key,{KEY}", "BUDGETQA_MAX_ASK_KB": "64"}
    env.pop("BUDGETQA_LLM_MODEL", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "budgetqa"), "serve", "--store", str(store_dir), "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(url, proc, lambda: log.read_text(errors="replace"))
        yield url, store_dir, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def ask(url: str, question: str, **extra) -> httpx.Response:
    return httpx.post(f"{url}/ask", json={"question": question, **extra}, headers=AUTH, timeout=300)


def test_without_a_key_every_request_is_401_with_a_code(api):
    url, _, _ = api
    for response in (httpx.post(f"{url}/ask", json={"question": "西工区政府办今年总共要花多少钱？"}, timeout=30),
                     httpx.get(f"{url}/documents", headers={"Authorization": "Bearer wrong"}, timeout=30),
                     httpx.delete(f"{url}/documents/x", timeout=30)):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized" and "API 密钥" in response.json()["message"]
        assert response.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{url}/ready", timeout=30).json()["ready"] is True  # probes need no key


def test_ask_matches_the_answer_contract_with_readings_and_chart(api):
    url, _, _ = api
    got = ask(url, "西工区政府办钱都花在哪了？")
    assert got.status_code == 200
    body = got.json()
    for key, kind in CONTRACT.items():
        assert isinstance(body[key], kind), key
    for citation in body["citations"]:
        assert set(citation) == set(CITATION)
        assert all(isinstance(citation[k], kind) for k, kind in CITATION.items())
    assert body["alternatives"] == [] and body["interpretation"]
    chart = body["chart"]
    assert chart["kind"] == "breakdown" and chart["unit"] == "万元" and "行政运行" in chart["labels"]
    values = dict(zip(chart["labels"], chart["series"][0]["values"]))
    assert values["行政运行"] == pytest.approx(551.6)


def test_the_openapi_schema_types_each_response(api):
    url, _, _ = api
    schema = httpx.get(f"{url}/openapi.json", timeout=30).json()
    ok = schema["paths"]["/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/AnswerResponse")
    answer = schema["components"]["schemas"]["AnswerResponse"]
    assert {"question", "answer", "answerable", "value", "citations", "alternatives", "chart"} <= set(answer["properties"])
    assert answer["examples"][0]["unit"] == "万元"
    assert "401" in schema["paths"]["/ask"]["post"]["responses"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_unknown_documents_are_404_with_a_chinese_message(api):
    url, _, _ = api
    got = ask(url, "西工区政府办今年总共要花多少钱？", doc_ids=["no-such-doc"])
    assert got.status_code == 404
    assert got.json() == {"code": "unknown_document",
                          "message": "找不到文件 no-such-doc：请用 GET /documents 查看已收录的文件。"}
    gone = httpx.delete(f"{url}/documents/no-such-doc", headers=AUTH, timeout=30)
    assert gone.status_code == 404 and gone.json()["code"] == "unknown_document"


@pytest.mark.parametrize(("name", "content", "status", "code", "words"), [
    ("病毒.exe", b"MZ...", 415, "unsupported_type", "不支持的文件类型"),
    ("空.txt", b"", 422, "empty_file", "文件为空"),
    ("随笔.txt", "今天天气很好，我们去公园散步。".encode(), 422, "document_rejected", "不是部门预算文件"),
])
def test_a_rejected_upload_is_4xx_with_a_code(api, name, content, status, code, words):
    url, _, _ = api
    got = httpx.post(f"{url}/documents", headers=AUTH, timeout=300,
                     json={"file_name": name, "content_base64": base64.b64encode(content).decode()})
    assert got.status_code == status
    assert got.json()["code"] == code and words in got.json()["message"]


def test_an_upload_that_is_not_base64_is_422(api):
    url, _, _ = api
    got = httpx.post(f"{url}/documents", headers=AUTH, timeout=30,
                     json={"file_name": "x.txt", "content_base64": "不是base64"})
    assert got.status_code == 422 and got.json()["code"] == "not_base64"


def test_a_body_over_the_limit_is_refused_before_it_is_read(api):
    url, _, _ = api
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        # 2 GB announced, none sent: the answer comes from the header alone
        conn.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + KEY.encode() + b"\r\nContent-Length: 2000000000\r\n\r\n")
        reply = b""
        while b"request_too_large" not in reply:  # the headers, then the JSON body
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413") and b"request_too_large" in reply

    def chunks():  # no Content-Length: counted while read, refused once past the limit
        for _ in range(200):
            yield b'{"question": "' + b"a" * 4096
    got = httpx.post(f"{url}/ask", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}, timeout=30)
    assert got.status_code == 413 and "上限 64 KB" in got.json()["message"]


def test_a_long_history_is_refused_with_its_limits(api):
    url, _, _ = api
    history = [["西工区政府办今年总共要花多少钱？", "1074.61万元"]] * 21
    got = ask(url, "那去年呢？", history=history)
    assert got.status_code == 422 and got.json()["code"] == "history_too_long"
    assert "最多 20 轮" in got.json()["message"]


def test_validation_errors_are_chinese(api):
    url, _, _ = api
    got = httpx.post(f"{url}/ask", json={"q": "?"}, headers=AUTH, timeout=30)
    assert got.status_code == 422
    assert got.json()["code"] == "invalid_request" and "请求格式不对" in got.json()["message"]
    empty = ask(url, " ")
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_question"
    assert "问题为空" in empty.json()["message"]


def test_delete_removes_the_document_from_answers_and_search(api, corpus_conn):
    from indexer import store
    from indexer.search.bm25 import BM25Index

    url, store_dir, _ = api
    street = doc_id_of(corpus_conn, XIGONG_STREET)
    before = ask(url, "西工街道办事处的主要职责是什么？").json()
    assert any(c["doc_id"] == street for c in before["citations"])
    gone = httpx.delete(f"{url}/documents/{street}", headers=AUTH, timeout=300)
    assert gone.status_code == 200 and "已删除" in gone.json()["message"]
    listed = httpx.get(f"{url}/documents", headers=AUTH, timeout=30).json()
    assert street not in {d["doc_id"] for d in listed} and len(listed) == 4
    for question in ("西工街道办事处的主要职责是什么？", "2023年洛阳市西工区西工街道办事处的收入总计有多少？"):
        after = ask(url, question).json()
        assert all(c["doc_id"] != street for c in after["citations"]), question
        assert "1909.07" not in after["answer"]
    conn = store.connect(store_dir / "facts.sqlite", writable=False)
    assert conn.scalar("SELECT count(*) FROM chunks WHERE doc_id = :d", d=street) == 0
    conn.close()
    assert street not in BM25Index.load(store_dir / "bm25").registered()
    again = httpx.delete(f"{url}/documents/{street}", headers=AUTH, timeout=30)
    assert again.status_code == 404


def test_each_request_has_an_access_log_line(api):
    url, _, log = api
    httpx.get(f"{url}/health", timeout=30)
    httpx.get(f"{url}/documents", timeout=30)
    lines = log.read_text(errors="replace").splitlines()
    assert any(re.search(r'access 127\.0\.0\.1 "GET /health" 200 \d+ms key=-', x) for x in lines)
    assert any(re.search(r'"GET /documents" 401 \d+ms', x) for x in lines)
    assert any(re.search(r'"POST /ask" 200 \d+ms key=[0-9a-f]{8}$', x) for x in lines)
    assert KEY not in log.read_text(errors="replace")  # never the key itself


@pytest.mark.parametrize(("path", "rendered"), [
    ("/docs", ".opblock-summary-path[data-path='/ask']"),
    ("/redoc", "h1:has-text('预算问答 budgetqa')"),
])
def test_the_docs_render_offline_in_chromium(api, path, rendered):
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make test` (it installs chromium)")
    from playwright.sync_api import sync_playwright

    url, _, _ = api
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        page = browser.new_page()
        page.route("**/*", only_local)
        page.goto(f"{url}{path}")
        page.locator(rendered).first.wait_for(timeout=60_000)
        browser.close()
    assert outside == []
