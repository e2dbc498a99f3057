"""Two API processes (`budgetqa serve`) on one PostgreSQL + Chroma server store: a document
uploaded through one is answered by the other without a restart, and answers asked of both at
once are those one process gives alone."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import CHANHE, DATA, XIGONG_GOV, XIGONG_STREET, server_indexer, server_settings
from tests.servers import free_port, wait_for_api

BIN = Path(sys.executable).parent
SHAPES = Path(__file__).resolve().parent / "fixtures" / "shapes"
UPLOADED = "梧州市博物院2022年部门预算.txt"
QUESTIONS = [
    "西工区政府办今年总共要花多少钱？",
    "西工街道办事处的主要职责是什么？",  # a text answer: BM25 in PostgreSQL, vectors in Chroma
    "瀍河区审批局的三公经费是多少？",
    "西工街道2023年项目支出有哪些？",
    "区政府办有没有公车？",
]


def start(settings, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BUDGETQA_STORE": str(settings.store),
           "BUDGETQA_DATABASE_URL": settings.database_url, "BUDGETQA_CHROMA_HOST": settings.chroma_host,
           "BUDGETQA_CHROMA_PORT": str(settings.chroma_port), "BUDGETQA_COLLECTION": settings.collection,
           "BUDGETQA_EMBEDDING_MODEL": settings.embedding_model}
    env.pop("BUDGETQA_LLM_MODEL", None)
    with open(log, "wb") as out:
        return subprocess.Popen([str(BIN / "budgetqa"), "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def two_servers(postgres_server, chroma_server, known_embeddings, embedder, tmp_path_factory):
    """Three corpus documents in a server store, and two API processes over it."""
    folder = tmp_path_factory.mktemp("shared")
    settings = server_settings(postgres_server, chroma_server, "shared", folder / "store", str(embedder.model))
    server_indexer(settings, known_embeddings).index([DATA / CHANHE, DATA / XIGONG_GOV, DATA / XIGONG_STREET])
    procs, urls = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            procs.append(start(settings, port, folder / f"{name}.log"))
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc, name in zip(urls, procs, ("a", "b")):
            wait_for_api(url, proc, lambda log=folder / f"{name}.log": log.read_text(errors="replace"))
        yield urls, procs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def ask(url: str, question: str) -> dict:
    response = httpx.post(f"{url}/ask", json={"question": question}, timeout=300)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_upload_through_one_process_is_answered_by_the_other(two_servers):
    (a, b), procs = two_servers
    assert httpx.get(f"{a}/health").json()["pid"] != httpx.get(f"{b}/health").json()["pid"]
    before = ask(b, "梧州市博物院2022年项目支出多少？")
    assert before["value"] is None
    content = base64.b64encode((SHAPES / UPLOADED).read_bytes()).decode()
    uploaded = httpx.post(f"{a}/documents", json={"file_name": UPLOADED, "content_base64": content}, timeout=300)
    assert uploaded.status_code == 200, uploaded.text
    outcome = uploaded.json()
    assert outcome["ok"] and outcome["status"] == "indexed", outcome
    assert "梧州市博物院" in outcome["message"]
    answer = ask(b, "梧州市博物院2022年项目支出多少？")  # the other process, not restarted
    assert answer["value"] == pytest.approx(300.0) and answer["unit"] == "万元"
    assert answer["citations"] and answer["citations"][0]["doc_id"] == outcome["doc_id"]
    assert len(httpx.get(f"{b}/documents").json()) == 4
    text = ask(b, "梧州市博物院主要负责什么工作？")  # its chunks found by both searches of b
    assert "文物" in text["answer"], text["answer"]
    again = httpx.post(f"{b}/documents", json={"file_name": UPLOADED, "content_base64": content}, timeout=300)
    assert again.json()["status"] == "unchanged"
    bad = httpx.post(f"{b}/documents", json={"file_name": "x.txt", "content_base64": "不是base64"}, timeout=30)
    assert bad.status_code == 422


def test_concurrent_answers_from_two_processes_are_those_of_one(two_servers):
    (a, b), _ = two_servers
    alone = {q: ask(a, q) for q in QUESTIONS}
    jobs = [(url, q) for _ in range(3) for url in (a, b) for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda job: (job[1], ask(*job)), jobs))
    assert len(answers) == len(jobs)
    differ = [q for q, got in answers if got != alone[q]]
    assert differ == []
    assert alone["西工区政府办今年总共要花多少钱？"]["value"] is not None
