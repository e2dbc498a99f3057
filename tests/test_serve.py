"""`budgetqa serve`: the answer contract over HTTP on 127.0.0.1, from several worker processes,
equal to the in-process engine's answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import XIGONG_GOV, doc_id_of
from tests.servers import free_port, wait_for_api

BIN = Path(sys.executable).parent
QUESTIONS = [
    ("西工区政府办今年总共要花多少钱？", None, []),
    ("西工街道办事处的主要职责是什么？", None, []),  # a text answer: the hybrid search
    ("瀍河区审批局的三公经费是多少？", None, []),
    ("那去年呢？", None, [["西工区政府办今年总共要花多少钱？", "1074.61万元"]]),  # a follow-up
]


def workers_of(pid: int) -> int:
    """Worker processes uvicorn spawned under the server process."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status and "spawn_main" in cmdline:
            count += 1
    return count


@pytest.fixture(scope="module")
def server(corpus_index, model_dir):
    _, settings, _ = corpus_index
    port = free_port()
    env = {**os.environ, "BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    env.pop("BUDGETQA_LLM_MODEL", None)
    proc = subprocess.Popen([str(BIN / "budgetqa"), "serve", "--store", str(settings.store), "--port", str(port),
                             "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_api(url, proc, lambda: proc.stdout.read().decode(errors="replace") if proc.poll() is not None else "")
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def as_json(value) -> object:
    return json.loads(json.dumps(value, ensure_ascii=False))


def contract(body: dict) -> dict:
    """The answer contract's fields of a response (the chart data and readings stand beside it)."""
    return {k: v for k, v in body.items() if k not in ("alternatives", "chart")}


def test_health_names_the_documents_and_two_workers_serve(server):
    url, proc = server
    assert httpx.get(f"{url}/health", timeout=30).json()["documents"] == 5
    assert workers_of(proc.pid) == 2


def test_documents_are_listed(server, corpus_conn):
    url, _ = server
    listed = httpx.get(f"{url}/documents", timeout=30).json()
    assert {d["doc_id"] for d in listed} == {r["doc_id"] for r in corpus_conn.rows("SELECT doc_id FROM documents")}


@pytest.mark.parametrize(("question", "doc_ids", "history"), QUESTIONS)
def test_answers_over_http_equal_the_engines(server, corpus_engine, question, doc_ids, history):
    url, _ = server
    got = httpx.post(f"{url}/ask", json={"question": question, "doc_ids": doc_ids, "history": history},
                     timeout=300)
    assert got.status_code == 200
    want = corpus_engine.answer(question, doc_ids, [tuple(t) for t in history]).contract()
    assert contract(got.json()) == as_json(want)


def test_an_answer_restricted_to_documents(server, corpus_engine, corpus_conn):
    url, _ = server
    gov = doc_id_of(corpus_conn, XIGONG_GOV)
    body = {"question": "西工街道办事处的主要职责是什么？", "doc_ids": [gov]}
    got = httpx.post(f"{url}/ask", json=body, timeout=300).json()
    assert contract(got) == as_json(corpus_engine.answer(body["question"], [gov]).contract())
    assert all(c["doc_id"] == gov for c in got["citations"])


def test_an_empty_question_is_refused_with_its_message(server):
    url, _ = server
    got = httpx.post(f"{url}/ask", json={"question": " "}, timeout=30)
    assert got.status_code == 422 and "问题为空" in got.json()["message"]


def test_cli_batch_with_worker_processes_answers_as_one_process(corpus_index, tmp_path, monkeypatch, model_dir):
    """`ask --batch --workers 2`: two spawned processes over the one store, the answers in input order,
    each the one a single process gives (an over-long question gets its message in its place)."""
    from typer.testing import CliRunner

    from budgetqa_cli import app

    _, settings, _ = corpus_index
    monkeypatch.setenv("BUDGETQA_EMBEDDING_MODEL", str(model_dir))
    questions = [q for q, _, history in QUESTIONS if not history] + ["预" * 600, "西工街道一共有多少辆车？",
                                                                      "瀍河区审批局的“政务服务工作经费”项目安排了多少钱？"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(questions), encoding="utf-8")
    runner = CliRunner()
    args = ["ask", "--batch", str(batch), "--json", "--store", str(settings.store)]
    one = runner.invoke(app, args)
    two = runner.invoke(app, args + ["--workers", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    lines = [json.loads(x) for x in two.stdout.splitlines()]
    assert [x["question"] for x in lines] == questions
    assert lines == [json.loads(x) for x in one.stdout.splitlines()]
    assert [x["value"] for x in lines[-2:]] == [3, 30.0]
    assert "问题过长" in lines[-3]["answer"] and not lines[-3]["answerable"]
    bad = runner.invoke(app, args + ["--workers", "0"])
    assert bad.exit_code == 2
