"""The throwaway servers of tests/servers.py: PostgreSQL keeps Chinese text and separate databases
apart; Chroma stores embeddings with metadata and filters a query by them."""

from __future__ import annotations

import sqlalchemy as sa

# the fixtures; a no-op once tests/conftest.py names the same plugin

PLACE = "洛阳市西工区"


def test_postgres_keeps_chinese_text(postgres_server):
    url = postgres_server.create_database("servers_text")
    assert url == f"postgresql+psycopg://budgetqa@127.0.0.1:{postgres_server.port}/servers_text"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE places (id integer PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO places VALUES (1, :name)"), {"name": PLACE})
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM places WHERE id = 1")).scalar_one() == PLACE
            # the text is matched as text, not as bytes of another encoding
            assert conn.execute(sa.text("SELECT id FROM places WHERE name LIKE :p"),
                                {"p": "%西工%"}).scalar_one() == 1
            assert conn.execute(sa.text("SELECT length(name) FROM places")).scalar_one() == len(PLACE)
            assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"
    finally:
        engine.dispose()


def test_postgres_databases_are_separate(postgres_server):
    first = sa.create_engine(postgres_server.create_database("servers_one"))
    second = sa.create_engine(postgres_server.create_database("servers_two"))
    try:
        with first.begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_here (x integer)"))
        assert sa.inspect(first).has_table("only_here")
        assert not sa.inspect(second).has_table("only_here")
        # creating a database again starts it empty, even with a connection still open to it
        with first.connect():
            again = sa.create_engine(postgres_server.create_database("servers_one"))
        try:
            assert not sa.inspect(again).has_table("only_here")
        finally:
            again.dispose()
    finally:
        first.dispose()
        second.dispose()


def test_chroma_server_filters_by_metadata(chroma_server):
    import chromadb
    from chromadb.config import Settings

    client = chromadb.HttpClient(host=chroma_server.host, port=chroma_server.port,
                                 settings=Settings(anonymized_telemetry=False))
    assert client.heartbeat() > 0
    collection = client.create_collection("servers-test")
    collection.add(
        ids=["chanhe", "xigong"],
        embeddings=[[1.0, 0.0, 0.0], [0.9, 0.1, 0.0]],
        metadatas=[{"department": "瀍河区", "year": 2025}, {"department": PLACE, "year": 2023}],
        documents=["瀍河回族区部门预算", "西工区部门预算"],
    )
    assert collection.count() == 2
    # nearest without the filter is "chanhe"; the filter must leave only "xigong"
    found = collection.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=2, where={"department": PLACE})
    assert found["ids"] == [["xigong"]]
    assert found["metadatas"][0][0] == {"department": PLACE, "year": 2023}
    assert collection.query(query_embeddings=[[1.0, 0.0, 0.0]], n_results=1)["ids"] == [["chanhe"]]
