"""Scale (issue 14): per-document keyword segments, searches restricted before scoring, a repair
driven by the store's own state, a bounded table solver, and per-document answering caches."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from indexer import store
from indexer.parse import tables_flat_rows
from indexer.parse.layout import find_tables
from indexer.parse.tables_flat import parse_flat_tables
from indexer.parse.tables_flat_rows import Problem, place
from indexer.search.bm25 import LEGACY_FILE, BM25Index
from indexer.search.segments import Segment
from indexer.search.vectors import VectorIndex
from retrieval.service import caches
from retrieval.search import HybridSearch
from retrieval.service import open_engine
from tests.conftest import DATA, XIGONG_STREET, make_indexer


def small_budget(unit: str, basic: str = "96.40", project: str = "24.10") -> str:
    """A short budget disclosure of one department (few chunks: cheap to embed)."""
    name = f"洛阳市测试区{unit}"
    total = f"{float(basic) + float(project):.2f}"
    return f"""2024年{name}部门预算公开

第一部分 部门概况

一、主要职责

负责{unit}辖区的日常管理和{unit}专项服务。

第二部分 2024年部门预算情况说明

一、收入支出预算总体情况说明

{name}2024年收入总计{total}万元，支出总计{total}万元，收支平衡。

二、支出预算总体情况说明

2024年支出预算总计{total}万元，其中：基本支出{basic}万元；项目支出{project}万元。

三、一般公共预算“三公”经费支出预算情况说明

{name}2024年“三公”经费支出预算为2.30万元，主要用于{unit}公务用车运行。

2024年一般公共预算“三公”经费预算表

部门名称：{name}

单位：万元

“三公”经费合计\t因公出国（境）费\t公务用车购置及运行费\t\t\t公务接待费
\t\t小计\t公务用车购置费\t公务用车运行费\t
2.30\t0.00\t1.50\t0.00\t1.50\t0.80
"""


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for unit in ("园林管理处", "档案馆"):
        (folder / f"2024_{unit}_部门预算.txt").write_text(small_budget(unit), encoding="utf-8")
    return folder


@pytest.fixture
def indexed(docs, tmp_path, embedder):
    indexer, settings = make_indexer(tmp_path / "store", embedder)
    results = indexer.index([docs])
    assert [r.status for r in results] == ["indexed", "indexed"], [r.message for r in results]
    return indexer, settings, {r.department: r.doc_id for r in results}


def segment_folders(settings) -> set[str]:
    return {p.name for p in (settings.bm25_dir / "segments").iterdir()}


# ---- keyword segments -------------------------------------------------------------------------

def test_adding_a_document_writes_its_segment_only(indexed, docs, monkeypatch):
    indexer, settings, _ = indexed
    before = segment_folders(settings)
    saved: list[str] = []
    save = Segment.save
    monkeypatch.setattr(Segment, "save", lambda self, folder: (saved.append(self.doc_id), save(self, folder)))
    (docs / "2024_图书馆_部门预算.txt").write_text(small_budget("图书馆"), encoding="utf-8")
    results = {r.department: r for r in indexer.index([docs])}
    added = results["洛阳市测试区图书馆"]
    assert added.status == "indexed" and saved == [added.doc_id]
    assert before < segment_folders(settings)  # the other documents' segments are the same folders


def test_an_unchanged_index_writes_no_segment(indexed, docs, monkeypatch):
    indexer, _, _ = indexed
    saved: list[str] = []
    monkeypatch.setattr(Segment, "save", lambda self, folder: saved.append(self.doc_id))
    assert {r.status for r in indexer.index([docs])} == {"unchanged"}
    assert saved == []


def test_a_search_restricted_to_a_document_scores_only_its_segment(indexed, monkeypatch):
    indexer, settings, ids = indexed
    archive = ids["洛阳市测试区档案馆"]
    scored: list[str] = []
    scores = Segment.scores
    monkeypatch.setattr(Segment, "scores", lambda self, *a: (scored.append(self.doc_id), scores(self, *a))[1])
    search = HybridSearch(indexer.conn, indexer.vectors, BM25Index.load(settings.bm25_dir))
    hits = search.search("主要职责是什么？日常管理", [archive], k=8)
    assert hits and {h.chunk.doc_id for h in hits} == {archive}
    assert set(scored) == {archive}


def test_restricted_scores_equal_those_of_the_whole_index(indexed):
    _, settings, ids = indexed
    index = BM25Index.load(settings.bm25_dir)
    everywhere = dict(index.search("公务用车运行 档案馆", k=None))
    one = index.search("公务用车运行 档案馆", k=None, doc_ids=[ids["洛阳市测试区档案馆"]])
    assert one and all(everywhere[c] == pytest.approx(s) for c, s in one)


def test_a_replaced_document_leaves_the_keyword_index(indexed, docs):
    indexer, settings, ids = indexed
    old = ids["洛阳市测试区档案馆"]
    path = docs / "2024_档案馆_部门预算.txt"
    path.write_text(small_budget("档案馆", basic="90.00"), encoding="utf-8")
    [new] = [r for r in indexer.index([path])]
    index = BM25Index.load(settings.bm25_dir)
    assert old not in index.registered() and set(index.ready()) == {new.doc_id, ids["洛阳市测试区园林管理处"]}
    assert len(segment_folders(settings)) == 2


# ---- the repair reads the store's state, not all of Chroma ------------------------------------

@pytest.fixture
def chroma_reads(indexed, monkeypatch):
    """Every read of the Chroma collection, with its filter or "ids" for a read by id (None: a
    read of every record)."""
    indexer = indexed[0]
    reads: list[object] = []
    collection = indexer.vectors.store
    get = type(collection).get

    def spy(self, *args, **kwargs):
        reads.append(kwargs.get("where") or ("ids" if kwargs.get("ids") else None))
        return get(self, *args, **kwargs)

    monkeypatch.setattr(type(collection), "get", spy)
    monkeypatch.setattr(VectorIndex, "doc_ids", lambda self: pytest.fail("a full read of Chroma"))
    return reads


def test_reindexing_never_reads_every_chroma_record(indexed, docs, chroma_reads):
    indexer, _, ids = indexed
    indexer.index([docs])  # unchanged
    path = docs / "2024_档案馆_部门预算.txt"
    path.write_text(small_budget("档案馆", project="30.00"), encoding="utf-8")
    indexer.index([docs])  # one replaced
    assert None not in chroma_reads


def test_an_interrupted_run_is_repaired_from_the_store_state(indexed, docs, chroma_reads):
    indexer, settings, ids = indexed
    garden = ids["洛阳市测试区园林管理处"]
    indexer.vectors.delete_documents([garden])
    store.set_search_state(indexer.conn, garden, "pending")
    indexer.keywords.register("0123456789abcdef")  # a document a killed run left in the indexes
    assert indexer.reconcile()
    assert None not in chroma_reads
    hits = indexer.vectors.search("主要职责", k=3, doc_ids=[garden])
    assert hits and "0123456789abcdef" not in BM25Index.load(settings.bm25_dir).registered()
    assert {r["search_state"] for r in indexer.conn.rows("SELECT search_state FROM documents")} == {"ready"}


def test_a_keyword_index_of_the_earlier_layout_is_rebuilt_with_a_message(indexed, docs, embedder, caplog):
    _, settings, ids = indexed
    index = settings.bm25_dir
    shutil.rmtree(index)
    (index / "bm25").mkdir(parents=True)
    (index / LEGACY_FILE).write_text("[]", encoding="utf-8")
    fresh, _ = make_indexer(settings.store, embedder)
    with caplog.at_level(logging.WARNING):
        assert {r.status for r in fresh.index([docs])} == {"unchanged"}
    assert "earlier version" in caplog.text
    assert set(BM25Index.load(index).ready()) == set(ids.values())


# ---- the flattened-table solver is bounded ----------------------------------------------------

def interchangeable_rows(n: int = 14) -> tuple[Problem, list]:
    """A table whose n rows of 1.00 may each stand in column A or B: C(n, n/2) solutions."""
    half = n // 2
    values = [[float(n), float(half), float(half)]] + [[1.0, 1.0]] * n
    problem = Problem(["合计", "A", "B"], [(0, [1, 2])], [], [(0, list(range(1, n + 1)))],
                      values, [None] * (n + 1), [{}] * (n + 1))
    return problem, [[(f"{v:.2f}", 1) for v in row] for row in values]


def test_the_solver_stops_at_its_budget_and_says_why():
    problem, numbers = interchangeable_rows()
    rows, limit = place(problem, numbers, budget=500)
    assert limit == "推算步数达到上限（500步）"
    assert all(ok is False for _, ok, _ in rows[1:])


def test_the_solver_stops_when_placements_are_too_many_to_prove_unique():
    problem, numbers = interchangeable_rows()
    rows, limit = place(problem, numbers)
    assert limit == "可能组合超过2000种"


def test_a_table_whose_budget_is_reached_is_named_in_a_warning(monkeypatch):
    monkeypatch.setattr(tables_flat_rows, "_NODES", 200)
    lines = (DATA / XIGONG_STREET).read_text(encoding="utf-8").split("\n")
    _, warnings = parse_flat_tables("doc", lines, find_tables(lines))
    assert any(w.split("：")[0].endswith("项目支出预算表") and "数字归列的推算步数达到上限（200步）" in w
               for w in warnings)


# ---- answering caches -------------------------------------------------------------------------

def test_caches_follow_a_replaced_document(indexed, docs, embedder):
    indexer, settings, ids = indexed
    settings = settings.model_copy(update={"embedding_model": str(embedder.model)})
    old = ids["洛阳市测试区档案馆"]
    engine = open_engine(settings)
    engine.entity_index(old)
    assert old in caches.ENTITY_INDEXES.doc_ids()
    path = docs / "2024_档案馆_部门预算.txt"
    path.write_text(small_budget("档案馆", project="30.00"), encoding="utf-8")
    [new] = indexer.index([path])
    engine = open_engine(settings)  # what the app does after an upload
    assert old not in caches.ENTITY_INDEXES.doc_ids()
    engine.entity_index(new.doc_id)
    assert new.doc_id in caches.ENTITY_INDEXES.doc_ids()


def test_an_entity_index_is_built_once_per_document_content(indexed, embedder):
    _, settings, ids = indexed
    settings = settings.model_copy(update={"embedding_model": str(embedder.model)})
    garden = ids["洛阳市测试区园林管理处"]
    caches.ENTITY_INDEXES.forget([garden])
    builds = caches.ENTITY_INDEXES.builds
    first, second = open_engine(settings), open_engine(settings)
    assert first.entity_index(garden) is second.entity_index(garden)
    assert caches.ENTITY_INDEXES.builds == builds + 1


def test_a_repeated_query_is_embedded_once_on_one_thread(embedder, monkeypatch):
    import torch

    threads: list[int] = []
    model = embedder.loaded()
    encode = type(model).embed_query
    monkeypatch.setattr(type(model), "embed_query",
                        lambda self, text: (threads.append(torch.get_num_threads()), encode(self, text))[1])
    before, calls = torch.get_num_threads(), embedder.query_calls
    first = embedder.embed_query("西工区政府办全年的钱一共有多少？规模测试")
    again = embedder.embed_query("西工区政府办全年的钱一共有多少？规模测试")
    assert first == again and embedder.query_calls == calls + 1
    assert threads == [1] and torch.get_num_threads() == before


def test_an_engine_follows_a_document_stored_again_under_another_name(indexed, docs, embedder):
    """The same content indexed again under another department keeps its id: what an engine
    derived from it under the old name is not used after the engine sees the change."""
    indexer, settings, ids = indexed
    settings = settings.model_copy(update={"embedding_model": str(embedder.model)})
    archive = ids["洛阳市测试区档案馆"]
    engine = open_engine(settings)
    assert engine.facts(archive).document.department == "洛阳市测试区档案馆"
    [again] = indexer.index([docs / "2024_档案馆_部门预算.txt"], department="洛阳市测试区档案局")
    assert again.status == "indexed" and again.doc_id == archive
    assert engine.sync()
    assert engine.facts(archive).document.department == "洛阳市测试区档案局"
