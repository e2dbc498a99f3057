"""Benchmark: per-question answer latency after warm-up (batch mode, engine loaded once), p50 and
p95 over questions the engine has not seen in this process (the warm-up asks other ones, so no
cache holds their readings or embeddings), beside the floor measured in the same run: one
embedding of the question plus one Chroma query. Target: p95 ≤ 5 × the floor's p95. Not a test.

Usage: python benchmarks/bench_answers.py [GOLD.jsonl] (default ../shared/eval/dev2.jsonl; the
warm-up asks ../shared/eval/dev.jsonl)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import store  # noqa: E402
from indexer.pipeline import Indexer  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client  # noqa: E402
from retrieval.service import open_engine  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    gold = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "eval" / "dev2.jsonl"
    warm = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    warmup = [json.loads(line)["question"] for line in warm.read_text(encoding="utf-8").splitlines() if line.strip()]
    warmup = [q for q in warmup if q not in set(questions)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=Path(tmp) / "store")
        embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
        vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
        Indexer(store.connect(settings.database), vectors, settings.keywords).index([ROOT / "data"])
        engine = open_engine(settings)
        for q in warmup:  # warm-up on other questions: model loaded, documents' records read
            engine.answer(q)
            vectors.search(q, k=8)
        answer_ms, floor_ms = [], []
        for q in questions:
            start = time.perf_counter()
            engine.answer(q)
            answer_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            vectors.search(q, k=8)
            floor_ms.append((time.perf_counter() - start) * 1000)
    p95_answer, p95_floor = percentile(answer_ms, 95), percentile(floor_ms, 95)
    print(f"questions: {len(questions)}, cores: {os.cpu_count()}")
    print(f"floor (1 embedding + 1 Chroma query): p50 {statistics.median(floor_ms):6.1f} ms   p95 {p95_floor:6.1f} ms")
    print(f"answer (engine, batch mode)          : p50 {statistics.median(answer_ms):6.1f} ms   p95 {p95_answer:6.1f} ms")
    print(f"p95 ratio answer/floor: {p95_answer / p95_floor:.2f}  (target ≤ 5)")


if __name__ == "__main__":
    main()
