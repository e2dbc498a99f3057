"""Back-end outages under `budgetqa serve`: with the PostgreSQL server or the Chroma server down,
/ready turns false and /ask answers 503 with a code and a Chinese message (never a plain-text
500); once the server is back, both recover without a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import CHANHE, DATA, XIGONG_GOV, server_indexer, server_settings
from tests.servers import ChromaServer, PostgresServer, free_port, wait_for_api

BIN = Path(sys.executable).parent
LOOKUP = "西工区政府办今年总共要花多少钱？"  # a table lookup: facts from the database
# a question only the text search answers, about a document no question searched before: its
# vectors are read from Chroma (a document searched before keeps them in the process)
TEXT = "瀍河区审批局如何推进政务服务改革？"


def stop_postgres(pg: PostgresServer) -> None:
    pg._run("pg_ctl", "-D", str(pg.data_dir), "-m", "immediate", "-w", "stop")


def start_postgres(pg: PostgresServer) -> None:
    options = (f"-c listen_addresses={pg.host} -c unix_socket_directories={pg.base} -c fsync=off "
               f"-c port={pg.port}")
    pg._run("pg_ctl", "-D", str(pg.data_dir), "-l", str(pg.log_file), "-w", "-o", options, "start")
    pg._wait_for_connections()


def stop_chroma(chroma: ChromaServer) -> None:
    chroma._terminate()


def start_chroma(chroma: ChromaServer) -> None:
    from tests.servers import find_chroma

    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_COLOR="1")
    with open(chroma.log_file, "ab") as log:
        chroma.process = subprocess.Popen(
            [str(find_chroma()), "run", "--path", str(chroma.base / "db"), "--host", chroma.host,
             "--port", str(chroma.port)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=chroma.base)
    assert chroma._wait_for_heartbeat() == ""


@pytest.fixture(scope="module")
def outage_api(known_embeddings, embedder, tmp_path_factory):
    """A PostgreSQL and a Chroma server of this module's own (they are stopped and started
    again), two corpus documents in them, and `budgetqa serve` over that store."""
    folder = tmp_path_factory.mktemp("outage")
    with PostgresServer.start() as pg, ChromaServer.start() as chroma:
        settings = server_settings(pg, chroma, "outage", folder / "store", str(embedder.model))
        server_indexer(settings, known_embeddings).index([DATA / CHANHE, DATA / XIGONG_GOV])
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "BUDGETQA_STORE": str(settings.store),
               "BUDGETQA_DATABASE_URL": settings.database_url, "BUDGETQA_CHROMA_HOST": settings.chroma_host,
               "BUDGETQA_CHROMA_PORT": str(settings.chroma_port), "BUDGETQA_COLLECTION": settings.collection,
               "BUDGETQA_EMBEDDING_MODEL": settings.embedding_model}
        env.pop("BUDGETQA_LLM_MODEL", None)
        port, log = free_port(), folder / "serve.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(BIN / "budgetqa"), "serve", "--port", str(port)], env=env,
                                    stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_api(url, proc, lambda: log.read_text(errors="replace"))
            yield url, pg, chroma, log
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def ask(url: str, question: str) -> httpx.Response:
    return httpx.post(f"{url}/ask", json={"question": question}, timeout=120)


def test_postgres_down_gives_503_and_not_ready_then_recovers(outage_api):
    url, pg, _, log = outage_api
    assert ask(url, LOOKUP).json()["value"] == pytest.approx(1074.61)
    stop_postgres(pg)
    try:
        ready = httpx.get(f"{url}/ready", timeout=60)
        assert ready.status_code == 503
        assert ready.json()["ready"] is False and ready.json()["unavailable"] == ["database_unavailable"]
        got = ask(url, LOOKUP)
        assert got.status_code == 503 and got.headers["content-type"] == "application/json"
        assert got.json() == {"code": "database_unavailable",
                              "message": "资料库服务器（PostgreSQL）暂时无法连接，请稍后再试。"}
        assert httpx.get(f"{url}/health", timeout=30).json()["status"] == "ok"  # alive, not ready
    finally:
        start_postgres(pg)
    assert httpx.get(f"{url}/ready", timeout=60).json()["ready"] is True
    assert ask(url, LOOKUP).json()["value"] == pytest.approx(1074.61)


def test_chroma_down_gives_503_and_not_ready_then_recovers(outage_api):
    url, _, chroma, _ = outage_api
    assert httpx.get(f"{url}/ready", timeout=60).json()["ready"] is True
    stop_chroma(chroma)
    try:
        ready = httpx.get(f"{url}/ready", timeout=60)
        assert ready.status_code == 503 and ready.json()["unavailable"] == ["search_unavailable"]
        assert "检索服务器（Chroma）" in ready.json()["message"]
        got = ask(url, TEXT)
        assert got.status_code == 503
        assert got.json()["code"] == "search_unavailable" and "暂时无法连接" in got.json()["message"]
    finally:
        start_chroma(chroma)
    assert httpx.get(f"{url}/ready", timeout=60).json()["ready"] is True
    assert ask(url, TEXT).status_code == 200
