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
import resource
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


def cpu_timed(action) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process and its children, result): on a shared,
    loaded machine the CPU seconds move far less than the wall clock."""
    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    start_cpu = cpu()
    wall, result = timed(action)
    return wall, cpu() - start_cpu, result


def floor(embedder: LazyEmbeddings, documents: list[list[str]], batch: int) -> tuple[float, float]:
    """(wall, CPU) seconds to embed every document's chunk texts, one call per document."""
    embedder.loaded().encode_kwargs["batch_size"] = batch
    wall, cpu, _ = cpu_timed(lambda: [embedder.embed_documents(texts) for texts in documents])
    return wall, cpu


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
    best = min(floors, key=lambda b: floors[b][1])  # by CPU seconds: the wall clock is shared
    embedder.loaded().encode_kwargs["batch_size"] = best
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=Path(tmp) / "store")

        def run() -> list:
            conn = store.connect(settings.database)
            vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
            return Indexer(conn, vectors, settings.keywords).index([data])

        scratch = cpu_timed(run)
        unchanged = cpu_timed(run)
    env = dict(os.environ, BUDGETQA_EMBEDDING_BATCH_SIZE=str(best))
    with tempfile.TemporaryDirectory() as tmp:
        # what a user runs: a fresh process each time, imports and model loading included
        command = [sys.executable, str(ROOT / "budgetqa_cli.py"), "index", str(data),
                   "--store", str(Path(tmp) / "store")]
        cli_scratch = cpu_timed(lambda: subprocess.run(command, capture_output=True, check=True, env=env))
        cli_unchanged = cpu_timed(lambda: subprocess.run(command, capture_output=True, check=True, env=env))
    again = unchanged[2]
    chunks = sum(len(d) for d in documents)
    print(f"documents: {len(files)}, chunks: {chunks}, cores: {os.cpu_count()}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    print(f"{'':46} {'wall':>8} {'CPU':>8}")
    print(f"{'parse only (no store, no embeddings)':46} {parse_time:7.1f}s")
    print(f"{'load embedding model (once)':46} {model_time:7.1f}s")
    for batch, (wall, cpu) in floors.items():
        mark = "  <- chosen (least CPU)" if batch == best else ""
        print(f"{f'embedding floor, batch {batch}':46} {wall:7.1f}s {cpu:7.1f}s{mark}")
    wall0, cpu0 = floors[best]

    def line(name: str, measured: tuple) -> None:
        wall, cpu = measured[0], measured[1]
        print(f"{name:46} {wall:7.1f}s {cpu:7.1f}s   {wall / wall0:4.2f}x / {cpu / cpu0:4.2f}x the floor")

    line(f"index from scratch, in process (batch {best})", scratch)
    line("re-index unchanged, in process", unchanged)
    line(f"CLI from scratch (new process, batch {best})", cli_scratch)
    line("CLI unchanged (new process)", cli_unchanged)
    print("goal: indexing from scratch ≤ 1.5x the floor (wall / CPU seconds of the same run)")
    print("statuses of the second run:", sorted({r.status for r in again}))
    default = Settings().embedding_batch_size
    print(f"settings: embedding_batch_size = {default}"
          f"{'' if default == best else f' (this run measured {best} cheapest)'}")

if __name__ == "__main__":
    main()
