"""Issue 21, point 3: an upload named as an earlier one never replaces another department's
document (app and API: both call index_upload); a newer version of the same department's year
replaces the older one and its file."""

from __future__ import annotations

import base64

import pytest

from indexer import store
from indexer.settings import Settings
from indexer.uploads import index_upload
from tests.test_hardening import park_text

pytestmark = pytest.mark.probe


@pytest.fixture
def settings(tmp_path, model_dir) -> Settings:
    return Settings(store=tmp_path / "store", embedding_model=str(model_dir))


def departments(settings: Settings) -> list[str]:
    conn = store.connect(settings.database)
    try:
        return sorted(d.department for d in store.documents(conn))
    finally:
        conn.close()


def test_the_same_name_from_another_department_keeps_both(settings, embedder):
    park = index_upload("预算.txt", park_text("公園管理處").encode(), settings, embedder)
    library = index_upload("预算.txt", park_text("圖書館").encode(), settings, embedder)
    assert park.status == library.status == "indexed"
    assert library.message.startswith("已收录 预算.txt：台北市测试区图书馆（2024年）") and "替换" not in library.message
    assert departments(settings) == ["台北市测试区公园管理处", "台北市测试区图书馆"]
    assert len(list((settings.store / "uploads").rglob("预算.txt"))) == 2


def test_a_newer_version_replaces_the_older_and_its_file(settings, embedder):
    first = park_text("公園管理處")
    index_upload("预算.txt", first.encode(), settings, embedder)
    revised = first.replace("120.50", "121.50")
    outcome = index_upload("预算.txt", revised.encode(), settings, embedder)
    assert outcome.status == "indexed" and "替换了同一部门、年度的部门预算的旧版本" in outcome.message
    assert departments(settings) == ["台北市测试区公园管理处"]
    kept = list((settings.store / "uploads").rglob("*.txt"))
    assert [p.read_text(encoding="utf-8") for p in kept] == [revised]


def test_the_api_keeps_both_departments_of_one_file_name(settings):
    from fastapi.testclient import TestClient

    from retrieval.service.serve import create_app

    # the API needs a store with a document to start; the park is uploaded first, then the library
    from indexer.search.vectors import LazyEmbeddings
    index_upload("预算.txt", park_text("公園管理處").encode(), settings,
                 LazyEmbeddings(settings.embedding_model))
    with TestClient(create_app(settings)) as client:
        body = {"file_name": "预算.txt", "content_base64": base64.b64encode(park_text("圖書館").encode()).decode()}
        outcome = client.post("/documents", json=body).json()
        listed = client.get("/documents").json()
    assert outcome["status"] == "indexed"
    assert sorted(d["department"] for d in listed) == ["台北市测试区公园管理处", "台北市测试区图书馆"]
