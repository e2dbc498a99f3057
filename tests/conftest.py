"""Shared fixtures: the corpus, the embedding model, and one index of the corpus per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from langchain_core.embeddings import Embeddings

from indexer import store
from indexer.settings import DEFAULT_MODEL_DIR, Settings
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client

# throwaway PostgreSQL and Chroma servers for the tests of a shared deployment
pytest_plugins = ["tests.servers", "tests.probe"]  # tests.probe: the `make probe` report

DATA = Path(__file__).resolve().parents[1] / "data"

# file name fragments of the five corpus documents
CHANHE = "2025_洛阳市瀍河回族区行政审批和政务信息管理局_部门预算.txt"
XIGONG_GOV = "2025_洛阳市西工区人民政府办公室_部门预算.txt"
CITY_DATA = "2020_洛阳市政务服务和大数据管理局_部门预算.txt"
XIGONG_DATA = "2023_洛阳市西工区政务服务和大数据管理局_部门预算.txt"
XIGONG_STREET = "2023_洛阳市西工区西工街道办事处_部门预算.txt"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """Nothing a test does lands in the working directory's default store."""
    monkeypatch.setenv("BUDGETQA_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# ---- a catalog of synthetic documents, named like real disclosures (no store, no model) -------------

GOV_NAME = "洛阳市西工区人民政府办公室"
STREET_NAME = "洛阳市西工区西工街道办事处"
CITY_DATA_NAME = "洛阳市政务服务和大数据管理局"  # 市级
DISTRICT_DATA_NAME = "洛阳市西工区政务服务和大数据管理局"  # 区级, the same body
APPROVALS_NAME = "洛阳市瀍河回族区行政审批和政务信息管理局"
CENTRE_NAME = "洛阳市西工区政务服务中心"  # a budget unit inside DISTRICT_DATA_NAME


def synthetic_document(department: str, year: int, level: str) -> "Document":
    from indexer.records import Document

    return Document(doc_id=f"{department}{year}", file_name=f"{year}_{department}_部门预算.txt", path="x.txt",
                    sha256="0", title=f"{year}年{department}部门预算", department=department, year=year,
                    region_level=level, shape="tsv", line_count=1)


@pytest.fixture(scope="session")
def synthetic_catalog():
    """Five departments (a 市级 and a 区级 one with the same body, a 街道) and a unit inside one."""
    from retrieval.question.departments import Catalog

    docs = [synthetic_document(GOV_NAME, 2025, "区"), synthetic_document(STREET_NAME, 2023, "街道"),
            synthetic_document(CITY_DATA_NAME, 2020, "市"), synthetic_document(DISTRICT_DATA_NAME, 2023, "区"),
            synthetic_document(APPROVALS_NAME, 2025, "区")]
    return Catalog(docs, {DISTRICT_DATA_NAME: [DISTRICT_DATA_NAME, CENTRE_NAME]})


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """The embedding model folder: the one `make setup` prepared, else built here once."""
    from indexer.model_build import build_model

    prepared = Path(os.environ.get("BUDGETQA_MODEL_DIR", DEFAULT_MODEL_DIR))
    if (prepared / ".complete").exists():
        return prepared
    return build_model(tmp_path_factory.mktemp("model") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def embedder(model_dir):
    return LazyEmbeddings(str(model_dir))


def make_indexer(store_dir: Path, embedder):
    from indexer.pipeline import Indexer

    settings = Settings(store=store_dir, embedding_model=str(embedder.model))
    conn = store.connect(settings.database)
    vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
    return Indexer(conn, vectors, settings.bm25_dir), settings


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder):
    """The five corpus documents indexed once into a session store: (indexer, settings, results)."""
    indexer, settings = make_indexer(tmp_path_factory.mktemp("corpus") / "store", embedder)
    results = indexer.index([DATA])
    return indexer, settings, results


@pytest.fixture(scope="session")
def corpus_conn(corpus_index):
    return corpus_index[0].conn


def copy_store(source: Path, target: Path) -> Path:
    """A copy of a store folder, consistent while another connection has its database open."""
    import shutil
    import sqlite3

    shutil.copytree(source, target, ignore=shutil.ignore_patterns("facts.sqlite*"))
    with sqlite3.connect(source / "facts.sqlite") as src, sqlite3.connect(target / "facts.sqlite") as dst:
        src.backup(dst)
    return target


def doc_id_of(conn, file_name: str) -> str:
    row = conn.one("SELECT doc_id FROM documents WHERE file_name = :f", f=file_name)
    assert row, f"{file_name} not indexed"
    return row["doc_id"]


@pytest.fixture(scope="session")
def corpus_engine(corpus_index):
    """The answer engine over the session's corpus store, with text search and the audit."""
    from indexer.search.bm25 import BM25Index
    from retrieval.audit import audit_document
    from retrieval.service.engine import Engine
    from retrieval.search import HybridSearch

    indexer, settings, _ = corpus_index
    search = HybridSearch(indexer.conn, indexer.vectors, BM25Index.load(settings.bm25_dir))
    return Engine(indexer.conn, search, audit=audit_document)


# ---- a shared deployment: PostgreSQL + a Chroma server (tests/servers.py) ------------------------


class KnownEmbeddings(Embeddings):
    """The real model's vectors, taken from texts embedded before when known."""

    def __init__(self, known: dict[str, list[float]], model: Embeddings) -> None:
        self.known, self.model, self.computed = known, model, 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self.known]
        if missing:
            self.computed += len(missing)
            self.known.update(zip(missing, self.model.embed_documents(missing)))
        return [self.known[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


@pytest.fixture(scope="session")
def known_embeddings(corpus_index, embedder) -> KnownEmbeddings:
    held = corpus_index[0].vectors.store.get(include=["embeddings", "documents"])
    known = {t: [float(x) for x in e] for t, e in zip(held["documents"], held["embeddings"])}
    return KnownEmbeddings(known, embedder)


def server_settings(postgres_server, chroma_server, name: str, store_dir: Path, model: str) -> Settings:
    return Settings(store=store_dir, database_url=postgres_server.create_database(name),
                    chroma_host=chroma_server.host, chroma_port=chroma_server.port,
                    collection=f"{name}-chunks", embedding_model=model)


def server_indexer(settings: Settings, embeddings: Embeddings):
    from indexer.pipeline import Indexer

    vectors = VectorIndex(chroma_client(settings), settings.collection, embeddings)
    return Indexer(store.connect(settings.database, writable=True), vectors, settings.keywords)
