"""Issue 21, point 7: with the PostgreSQL or the Chroma server stopped, `budgetqa ask` and `index`
print one line naming the server that is down (no traceback) and exit 1; a table lookup answers
without Chroma; once the server is back, the same commands answer. Servers of their own (halted
and resumed on their ports), so the session's servers stay up for the other tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.outages import DATABASE, VECTORS, server_down
from indexer.settings import Settings
from tests.conftest import CHANHE, DATA, XIGONG_GOV
from tests.servers import ChromaServer, PostgresServer, ServerError

REPO = Path(__file__).resolve().parents[1]
LOOKUP = "西工区政府办2025年公务接待费是多少？"
TEXT = "西工区政府办为什么增加了支出？"  # answered by text search (Chroma)

pytestmark = pytest.mark.probe


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_dir):
    """(PostgreSQL, Chroma, environment of the CLI) over one indexed document."""
    try:
        pg, chroma = PostgresServer.start(), ChromaServer.start()
    except ServerError as error:
        pytest.skip(f"cannot start the servers here: {error}")
    try:
        env = {"BUDGETQA_DATABASE_URL": pg.create_database("outages"), "BUDGETQA_CHROMA_HOST": chroma.host,
               "BUDGETQA_CHROMA_PORT": str(chroma.port), "BUDGETQA_EMBEDDING_MODEL": str(model_dir),
               "BUDGETQA_STORE": str(tmp_path_factory.mktemp("outages") / "store"), "HF_HUB_OFFLINE": "1"}
        run = cli(env, "index", str(DATA / XIGONG_GOV))
        assert run.returncode == 0, run.stderr
        yield pg, chroma, env
    finally:
        pg.stop()
        chroma.stop()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "budgetqa_cli", *args], cwd=REPO, text=True,
                          capture_output=True, env={**os.environ, **env}, timeout=600)


def test_chroma_stopped(servers):
    pg, chroma, env = servers
    down = (f"error: 无法连接 Chroma 向量检索服务器 127.0.0.1:{chroma.port}：请确认它已启动"
            "（按表格查数的问题不受影响）")
    chroma.halt()
    try:
        lookup = cli(env, "ask", LOOKUP)
        assert lookup.returncode == 0 and "0.83万元" in lookup.stdout and lookup.stderr == ""
        text = cli(env, "ask", TEXT)
        assert (text.returncode, text.stderr.splitlines(), text.stdout) == (1, [down], "")
        index = cli(env, "index", str(DATA / CHANHE))
        assert (index.returncode, index.stderr.splitlines()) == (1, [down])
    finally:
        chroma.resume()
    again = cli(env, "ask", TEXT)
    assert again.returncode == 0 and again.stderr == "" and "洛阳市西工区人民政府办公室" in again.stdout


def test_postgresql_stopped(servers):
    pg, chroma, env = servers
    down = f"error: 无法连接 PostgreSQL 数据库服务器 127.0.0.1:{pg.port}（Connection refused）：请确认它已启动"
    pg.halt()
    try:
        for args in (("ask", LOOKUP), ("ask", TEXT), ("index", str(DATA / CHANHE)), ("docs",)):
            run = cli(env, *args)
            assert (run.returncode, run.stderr.splitlines(), run.stdout) == (1, [down], ""), args
    finally:
        pg.resume()
    again = cli(env, "ask", LOOKUP)
    assert again.returncode == 0 and "0.83万元" in again.stdout


def test_errors_are_read_back_to_their_server():
    import httpx
    import psycopg
    import sqlalchemy.exc

    settings = Settings(database_url="postgresql+psycopg://u:secret@db.internal:6543/b", chroma_host="vec",
                        chroma_port=8001)
    refused = psycopg.OperationalError('connection to server at "db.internal", port 6543 failed: '
                                       "Connection refused\n\tIs the server running?")
    wrapped = sqlalchemy.exc.OperationalError("SELECT 1", {}, refused)
    down = server_down(wrapped, settings)
    assert (down.server, down.address, down.code, down.reason) == (
        "PostgreSQL", "db.internal:6543", DATABASE, "Connection refused")
    assert "secret" not in str(server_down(wrapped, settings))
    assert server_down(httpx.ConnectError("refused"), settings).code == VECTORS
    assert server_down(ValueError("Could not connect to a Chroma server. Are you sure it is running?"),
                       settings).address == "vec:8001"
    assert server_down(ValueError("something else"), settings) is None
    assert server_down(wrapped, Settings()) is None  # no server configured: not an outage
