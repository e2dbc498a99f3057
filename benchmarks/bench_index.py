"""Benchmark: where indexing time goes, beside the embedding floor of the same run.

The floor is the time to embed the corpus's chunks alone (the texts Chroma is given, in the calls
indexing makes: one per document), for each embedding batch size; the fastest batch is the one
`Settings.embedding_batch_size` should hold. Then, with that batch: indexing from scratch in
process (model loaded), again unchanged, and the CLI from scratch and unchanged (a new process:
imports and model loading included). Each is printed beside the floor (goal: indexing from
scratch ≤ 1.5× the floor). These machines are shared and noisy, so every figure is of this run.
Not a test: nothing here asserts a time. Usage: `python benchmarks/bench_index.py [BATCH …]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import store  # noqa: E402
from indexer.pipeline import Indexer, expand_paths, parse_source  # noqa: E402
from indexer.read.load import read_document  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client  # noqa: E402

BATCHES = (4, 8, 16, 32, 64)


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def floor(embedder: LazyEmbeddings, documents: list[list[str]], batch: int) -> float:
    """Seconds to embed every document's chunk texts, one call per document, at this batch."""
    embedder.loaded().encode_kwargs["batch_size"] = batch
    return timed(lambda: [embedder.embed_documents(texts) for texts in documents])[0]


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    batches = [int(b) for b in sys.argv[1:]] or list(BATCHES)
    data = ROOT / "data"
    files = expand_paths([data])
    parse_time, parsed = timed(lambda: [parse_source(read_document(f)) for f in files])
    documents = [[c.dense_text or c.text for c in p.chunks] for p in parsed]
    settings = Settings()
    embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
    model_time, _ = timed(embedder.loaded)
    floor(embedder, [documents[0][:8]], batches[0])  # warm up: the first call pays for allocation
    floors = {batch: floor(embedder, documents, batch) for batch in batches}
    best = min(floors, key=floors.get)
    embedder.loaded().encode_kwargs["batch_size"] = best
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=Path(tmp) / "store")

        def run() -> list:
            conn = store.connect(settings.database)
            vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
            return Indexer(conn, vectors, settings.keywords).index([data])

        scratch, results = timed(run)
        unchanged, again = timed(run)
    env = dict(os.environ, BUDGETQA_EMBEDDING_BATCH_SIZE=str(best))
    with tempfile.TemporaryDirectory() as tmp:
        # what a user runs: a fresh process each time, imports and model loading included
        command = [sys.executable, str(ROOT / "budgetqa_cli.py"), "index", str(data),
                   "--store", str(Path(tmp) / "store")]
        cli_scratch, _ = timed(lambda: subprocess.run(command, capture_output=True, check=True, env=env))
        cli_unchanged, _ = timed(lambda: subprocess.run(command, capture_output=True, check=True, env=env))
    chunks = sum(len(d) for d in documents)
    print(f"documents: {len(files)}, chunks: {chunks}, cores: {os.cpu_count()}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    print(f"parse only (no store, no embeddings)        : {parse_time:7.2f} s")
    print(f"load embedding model (once)                 : {model_time:7.2f} s")
    for batch, seconds in floors.items():
        mark = "  <- chosen" if batch == best else ""
        print(f"embedding floor, batch {batch:3d}                 : {seconds:7.2f} s{mark}")
    base = floors[best]
    print(f"index from scratch, in process (batch {best:3d}) : {scratch:7.2f} s  {scratch / base:.2f}x the floor"
          "  (goal ≤ 1.5x)")
    print(f"re-index unchanged, in process              : {unchanged:7.2f} s")
    print(f"CLI from scratch (new process, batch {best:3d})  : {cli_scratch:7.2f} s  {cli_scratch / base:.2f}x the floor")
    print(f"CLI unchanged (new process)                 : {cli_unchanged:7.2f} s")
    print("statuses of the second run:", sorted({r.status for r in again}))
    print(f"settings: embedding_batch_size = {settings.embedding_batch_size}"
          f"{'' if settings.embedding_batch_size == best else f' (this run measured {best} fastest)'}")


if __name__ == "__main__":
    main()
