"""Benchmark: index the default corpus from scratch, then again unchanged (targets: < 60 s, < 5 s).

Prints both runs beside a baseline measured in the same run (parsing alone, no store or
embeddings), because these machines are noisy. Not a test: nothing here asserts a time.
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
from indexer.read.load import read_source  # noqa: E402
from indexer.pipeline import Indexer, expand_paths, parse_source  # noqa: E402
from indexer.settings import Settings  # noqa: E402
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client  # noqa: E402


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = ROOT / "data"
    files = expand_paths([data])
    parse_time, _ = timed(lambda: [parse_source(read_source(f)) for f in files])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=Path(tmp) / "store")
        embedder = LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size)
        model_time, _ = timed(embedder.loaded)

        def run() -> list:
            conn = store.connect(settings.database)
            vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
            return Indexer(conn, vectors, settings.keywords).index([data])

        scratch, results = timed(run)
        unchanged, again = timed(run)
    with tempfile.TemporaryDirectory() as tmp:
        # what a user runs: a fresh process each time, model loading included
        command = [str(Path(sys.executable).with_name("budgetqa")), "index", str(data),
                   "--store", str(Path(tmp) / "store")]
        cli_scratch, _ = timed(lambda: subprocess.run(command, capture_output=True, check=True))
        cli_unchanged, _ = timed(lambda: subprocess.run(command, capture_output=True, check=True))
    chunks = sum(r.chunks for r in results)
    print(f"documents: {len(files)}, chunks: {chunks}, cores: {os.cpu_count()}")
    print(f"baseline  parse only (no store, no embeddings) : {parse_time:7.2f} s")
    print(f"          load embedding model (once)           : {model_time:7.2f} s")
    print(f"index from scratch (model already loaded)       : {scratch:7.2f} s  target < 60 s  "
          f"({scratch / parse_time:.1f}x parsing)")
    print(f"re-index unchanged                              : {unchanged:7.2f} s  target < 5 s   "
          f"({unchanged / parse_time:.2f}x parsing)")
    print(f"CLI from scratch (new process, model load incl.): {cli_scratch:7.2f} s  target < 60 s")
    print(f"CLI unchanged (new process)                     : {cli_unchanged:7.2f} s  target < 5 s")
    print("statuses of the second run:", sorted({r.status for r in again}))


if __name__ == "__main__":
    main()
