"""Issue 21, point 6: answers never fail while another process indexes. A document whose facts
are stored but whose vectors are not (yet) in Chroma has no dense hits: keyword search answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.search.vectors import VectorIndex, chroma_client
from indexer.settings import Settings
from retrieval.service import open_engine
from tests.conftest import DATA, XIGONG_GOV
from tests.test_hardening import park_text

REPO = Path(__file__).resolve().parents[1]
ANSWERS = 1000

pytestmark = pytest.mark.probe

# Indexes new documents (one per unit name) into the store until the stop file appears; each
# document's vectors wait a moment after its facts are committed, as a slow embedder would, so
# that the answering process sees documents with facts and no vectors.
_INDEXER = """
import sys, time
from pathlib import Path
from indexer.settings import Settings
from indexer import store
from indexer.pipeline import Indexer
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client

store_dir, docs, stop, model = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
settings = Settings(store=store_dir, embedding_model=model)
add = VectorIndex.add
def slow_add(self, chunks, *args):
    time.sleep(0.3)
    return add(self, chunks, *args)
VectorIndex.add = slow_add
indexer = Indexer(store.connect(settings.database, writable=True),
                  VectorIndex(chroma_client(settings), settings.collection, LazyEmbeddings(model)),
                  settings.keywords)
files = sorted(docs.iterdir())
for n in range(10_000):
    if stop.exists():
        break
    indexer.index([files[n % len(files)]])
    if n % len(files) == len(files) - 1:  # all indexed: make them new again
        for f in files:
            f.write_bytes(f.read_bytes() + b"\\n")
print("indexed", n)
"""

UNITS = ["圖書館", "文化館", "體育中心", "檔案館", "博物館", "科技館"]


def test_a_document_without_vectors_has_no_dense_hits(tmp_path, embedder):
    """Before: ValueError: cannot reshape array of size 0 (vectors.py)."""
    settings = Settings(store=tmp_path / "store")
    vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
    assert vectors.hits("主要职责是什么？", k=5, doc_ids=["not-yet-in-chroma"]) == []


@pytest.fixture
def store_with_corpus(tmp_path, corpus_index) -> Path:
    """A copy of the corpus store (a document of it), its own Chroma."""
    from tests.conftest import make_indexer

    store_dir = tmp_path / "store"
    indexer, _ = make_indexer(store_dir, corpus_index[0].vectors.embedder)
    indexer.index([DATA / XIGONG_GOV])
    indexer.conn.close()
    return store_dir


def test_a_thousand_answers_while_another_process_indexes(tmp_path, store_with_corpus, model_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    for unit in UNITS:
        (docs / f"{unit}.txt").write_text(park_text(unit), encoding="utf-8")
    stop = tmp_path / "stop"
    settings = Settings(store=store_with_corpus, embedding_model=str(model_dir))
    engine = open_engine(settings)
    empty = {"reads": 0}
    vectors_of = VectorIndex._vectors_of

    def counted(self, doc_id):
        ids, found = vectors_of(self, doc_id)
        empty["reads"] += not ids
        return ids, found

    VectorIndex._vectors_of = counted
    indexer = subprocess.Popen(
        [sys.executable, "-c", _INDEXER, str(store_with_corpus), str(docs), str(stop), str(model_dir)],
        cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"})
    errors: list[str] = []
    answered = 0
    try:
        while answered < ANSWERS:
            newest = [d for d in engine.documents if "测试区" in d.department]
            unit = newest[answered % len(newest)].department if newest else "洛阳市西工区人民政府办公室"
            for question in (f"{unit}养护什么？", f"{unit}2024年三公经费是多少？",
                             "西工区政府办2025年公务接待费是多少？"):
                try:
                    answer = engine.answer(question)
                    assert answer.answer
                except Exception as error:  # every failure is counted, none stops the run
                    errors.append(f"{question}: {type(error).__name__}: {error}")
                answered += 1
            if indexer.poll() is not None:
                break
    finally:
        stop.touch()
        out, err = indexer.communicate(timeout=600)
        VectorIndex._vectors_of = vectors_of
    assert indexer.returncode == 0, err[-2000:]
    print(f"{answered} answers while indexing ({out.strip()}), {len(errors)} errors, "
          f"{empty['reads']} reads of a document without vectors")
    assert answered >= ANSWERS and errors == [], "\n".join(errors[:2])
    assert empty["reads"] > 0  # the answers did meet documents whose vectors were not there
