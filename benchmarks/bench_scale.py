"""Benchmark: how indexing and answering grow with the number of documents (issue 14). Not a test.

The store grows to each size in turn (default N = 5, 50, 200; `--sizes 5,200,1000` for more):
the five documents of data/ with the real embedding model (a sample: their index time is the
real per-document cost), then generated documents — a corpus document with its department
renamed and its amounts multiplied by a whole number (sums still hold) — with cheap deterministic
vectors (hashed characters, not semantic; said so in the output). At each size it measures:
index time per generated document, adding one more document (a fresh indexer, as
`budgetqa index FILE`), an unchanged re-index of every file, the store's size, and in a fresh
process: engine load, answer latency p50/p95 over questions naming departments (warm-up first,
then other wordings) and that process's peak memory. At the largest size, `budgetqa serve`
with 1, 2 and 4 workers answers the same questions from 8 concurrent clients (answers/s).

Targets: adding one document at the largest N ≤ 2× its cost at N=5; answer p95 ≤ 1.5× N=5;
peak memory ≤ 1.5× N=5.

With `--database-url postgresql+psycopg://…` (an empty database) the fact store and the keyword
index are on that PostgreSQL server instead of SQLite files (the store size then adds the
database's size); vectors stay in the embedded Chroma unless BUDGETQA_CHROMA_HOST is set.

Usage: python benchmarks/bench_scale.py [--sizes 5,50,200] [--keep DIR] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from langchain_core.embeddings import Embeddings  # noqa: E402

from indexer import store  # noqa: E402
from indexer.pipeline import Indexer  # noqa: E402
from indexer.search.vectors import LazyEmbeddings, VectorIndex, chroma_client  # noqa: E402
from indexer.settings import Settings  # noqa: E402

PLACES = "青松白杨金桂玉泉长乐永和兴隆瑞丰春华秋实明德丰泽文昌嘉禾福田新桥华林"  # no two adjacent make a province
AMOUNT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})*|\d+)\.(\d{2})(?![\d%％])")
WARM = ["{d}一年花多少钱？", "{d}的三公经费是多少？", "{d}是做什么的？"]
# asked at every size about the five real departments (the same questions at every N)
MEASURED = ["{d}{y}年支出总计是多少？", "{d}的“三公”经费预算是多少？", "{d}的主要职责是什么？",
            "{d}基本支出多少万元？", "{d}项目支出占总支出的比例是多少？", "{d}有几辆公务用车？",
            "{d}人员经费是多少？", "{d}的预算为什么比上年增加？"]


class HashEmbeddings(Embeddings):
    """Cheap deterministic 384-d vectors: a hashed bag of the text's characters (not semantic)."""

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * 384
        for ch in set(text):
            v[zlib.crc32(ch.encode()) % 384] += 1.0
        norm = sum(x * x for x in v) ** 0.5 or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def place_name(i: int) -> str:
    """A distinct place name for each i: its digits in base 17, each a two-character word."""
    n = len(PLACES) // 2
    words = []
    i = i + n  # at least two words: never a real place
    while True:
        i, digit = divmod(i, n)
        words.append(PLACES[2 * digit: 2 * digit + 2])
        if i == 0:
            return "".join(reversed(words))


def generated(sources: list[tuple[str, int, str]], i: int) -> tuple[str, str]:
    """The i-th generated document: (file name, text). Its city and district are renamed
    everywhere in the text (洛阳 → …, 西工/瀍河 → …), so that no name of a real department, nor
    any short form of one (西工街道, 瀍河区审批局), names a generated one."""
    department, year, text = sources[i % len(sources)]
    city, district = place_name(i), place_name(i + 1000)
    for old, new in (("洛阳", city), ("瀍河回族", district), ("瀍河", district), ("西工", district)):
        text = text.replace(old, new)
        department = department.replace(old, new)
    name = department
    factor = 2 + i % 7
    text = AMOUNT.sub(lambda m: f"{float(m.group(0).replace(',', '')) * factor:.2f}", text)
    return f"{year}_{name}_部门预算.txt", text


def indexer_for(settings: Settings, embedder: Embeddings) -> Indexer:
    vectors = VectorIndex(chroma_client(settings), settings.collection, embedder)
    return Indexer(store.connect(settings.database), vectors, settings.keywords)


def size_mb(settings: Settings) -> float:
    files = sum(p.stat().st_size for p in settings.store.rglob("*") if p.is_file())
    if settings.database_url:
        files += store.connect(settings.database).scalar("SELECT pg_database_size(current_database())")
    return files / 1e6


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def questions(departments: list[tuple[str, int]], templates: list[str]) -> list[str]:
    return [t.format(d=d, y=y) for d, y in departments for t in templates]


# ---- a fresh process: engine load, answers, peak memory ----------------------------------------

def child(store_dir: str, departments: str) -> None:
    from retrieval.service import open_engine

    asked = json.loads(departments)
    settings = Settings(store=Path(store_dir))
    start = time.perf_counter()
    engine = open_engine(settings)
    load_s = time.perf_counter() - start
    for q in questions(asked, WARM):  # warm-up: the model loaded, the asked documents read once
        engine.answer(q)
    latencies = []
    for q in questions(asked, MEASURED):
        start = time.perf_counter()
        engine.answer(q)
        latencies.append((time.perf_counter() - start) * 1000)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load_s, "p50": statistics.median(latencies),
                      "p95": percentile(latencies, 95), "peak_mb": peak, "questions": len(latencies)}))


def in_child(settings: Settings, departments: list[tuple[str, int]]) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", str(settings.store), json.dumps(departments)],
                         capture_output=True, text=True, env={**os.environ, "BUDGETQA_STORE": str(settings.store)})
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


# ---- serve throughput ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput(settings: Settings, workers: int, asked: list[str], clients: int = 8) -> float:
    import httpx

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(settings.store.parent / f"serve-{workers}.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "budgetqa"), "serve", "--store", str(settings.store),
                             "--port", str(port), "--workers", str(workers)], stdout=log, stderr=log)
    try:
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            if proc.poll() is not None:
                raise RuntimeError("budgetqa serve stopped")

        def post(q: str) -> None:
            httpx.post(f"{url}/ask", json={"question": q}, timeout=600).raise_for_status()

        # warm-up: every worker loads its model and reads the asked documents; requests go to
        # whichever worker accepts first, so each question is asked 3 times per worker (a worker
        # then misses ~5% of them: e^-3), else several workers are measured colder than one
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(post, asked * 3 * workers))
            start = time.perf_counter()
            list(pool.map(post, asked * 4))
            return len(asked) * 4 / (time.perf_counter() - start)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# ---- the run -----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,50,200")
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    parser.add_argument("--database-url", help="the fact store and keyword index on this (empty) PostgreSQL database")
    parser.add_argument("--serve-only", action="store_true",
                        help="with --keep of an earlier run: measure `serve` on its store, report both")
    args = parser.parse_args()
    if args.database_url:  # the engine's child process and `serve` read it from the environment
        os.environ["BUDGETQA_DATABASE_URL"] = args.database_url
    if args.serve_only:
        settings = Settings(store=args.keep / "store", database_url=args.database_url)
        saved = json.loads((args.keep / "rows.json").read_text(encoding="utf-8"))
        asked = questions([tuple(d) for d in saved["departments"]], MEASURED)
        served = {w: throughput(settings, w, asked) for w in (1, 2, 4)}
        report(saved["rows"], saved["real_per_doc"], served, len(asked))
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    base = args.keep or tmp
    settings = Settings(store=base / "store", database_url=args.database_url)
    docs = base / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    cheap = HashEmbeddings()
    rows = []
    print(f"fact store: {'PostgreSQL' if args.database_url else 'SQLite'}", flush=True)
    print(f"cores: {os.cpu_count()}; the 5 documents of data/ are indexed with the real embedding model;"
          f" generated documents (department renamed, amounts × 2…8) with cheap deterministic vectors"
          f" (hashed characters, not semantic)", flush=True)
    try:
        for path in sorted((ROOT / "data").glob("*.txt")):
            shutil.copy(path, docs / path.name)
        start = time.perf_counter()
        real = indexer_for(settings, LazyEmbeddings(settings.embedding_model, settings.embedding_batch_size))
        real.index([docs])
        real_per_doc = (time.perf_counter() - start) / 5
        conn = store.connect(settings.database)
        sources = [(d.department, d.year, (docs / d.file_name).read_text(encoding="utf-8"))
                   for d in store.documents(conn)]
        departments = [(d.department, d.year) for d in store.documents(conn)]
        made = 0
        for n in sizes:
            start = time.perf_counter()
            batch = []
            while 5 + made < n:
                name, text = generated(sources, made)
                (docs / name).write_text(text, encoding="utf-8")
                batch.append(docs / name)
                made += 1
            results = indexer_for(settings, cheap).index(batch) if batch else []
            grow_s = time.perf_counter() - start
            bad = [r for r in results if r.status != "indexed"]
            if bad:
                raise RuntimeError(f"generated documents not indexed: {[(r.path.name, r.status, r.message) for r in bad[:3]]}")
            # one more document, as `budgetqa index FILE` would add it (then removed again)
            name, text = generated(sources, 5_000 + n)
            extra = docs.parent / "extra" / name
            extra.parent.mkdir(exist_ok=True)
            extra.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            [added] = indexer_for(settings, cheap).index([extra])
            add_s = time.perf_counter() - start
            assert added.status == "indexed", added.message
            store.delete_document(conn, added.doc_id)
            indexer_for(settings, cheap).reconcile()
            extra.unlink()
            start = time.perf_counter()
            unchanged = indexer_for(settings, cheap).index([docs])
            unchanged_s = time.perf_counter() - start
            assert {r.status for r in unchanged} == {"unchanged"}
            measured = in_child(settings, departments)
            rows.append({"n": n, "per_doc_s": grow_s / len(batch) if batch else real_per_doc,
                         "add_s": add_s, "unchanged_s": unchanged_s, "store_mb": size_mb(settings),
                         **measured})
            r = rows[-1]
            print(f"N={n:>5}: index/doc {r['per_doc_s']:.2f} s | add one {r['add_s']:.2f} s | unchanged re-index"
                  f" {r['unchanged_s']:.2f} s | store {r['store_mb']:.0f} MB | engine load {r['load_s']:.2f} s |"
                  f" answer p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms | peak {r['peak_mb']:.0f} MB", flush=True)
        (base / "rows.json").write_text(json.dumps(
            {"rows": rows, "real_per_doc": real_per_doc, "departments": departments}), encoding="utf-8")
        asked = questions(departments, MEASURED)
        served = {w: throughput(settings, w, asked) for w in (1, 2, 4)}
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    report(rows, real_per_doc, served, len(asked))


def report(rows: list[dict], real_per_doc: float, served: dict[int, float], asked: int) -> None:
    first, last = rows[0], rows[-1]
    print()
    print(f"real embeddings (the 5 documents of data/): {real_per_doc:.1f} s per document")
    print("index/doc: N=5 the real embedding model; larger N the generated documents, cheap vectors")
    print(f"{'N':>6} {'index/doc s':>11} {'add one s':>10} {'unchanged s':>12} {'store MB':>9} "
          f"{'load s':>7} {'p50 ms':>7} {'p95 ms':>7} {'peak MB':>8}")
    for r in rows:
        print(f"{r['n']:>6} {r['per_doc_s']:>11.2f} {r['add_s']:>10.2f} {r['unchanged_s']:>12.2f} "
              f"{r['store_mb']:>9.0f} {r['load_s']:>7.2f} {r['p50']:>7.0f} {r['p95']:>7.0f} {r['peak_mb']:>8.0f}")
    if last["n"] < 1000 and len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        scale = (1000 - b["n"]) / (b["n"] - a["n"])
        guess = {k: b[k] + (b[k] - a[k]) * scale for k in ("add_s", "p95", "peak_mb", "unchanged_s", "store_mb", "load_s")}
        print(f"  1000 (extrapolated linearly from N={a['n']} and N={b['n']}, not measured): add one"
              f" {guess['add_s']:.2f} s, unchanged re-index {guess['unchanged_s']:.1f} s, store {guess['store_mb']:.0f} MB,"
              f" load {guess['load_s']:.2f} s, p95 {guess['p95']:.0f} ms, peak {guess['peak_mb']:.0f} MB")
    print()
    print(f"targets at N={last['n']} against N={first['n']}:")
    print(f"  adding one document: {last['add_s'] / first['add_s']:.2f}× (target ≤ 2)")
    print(f"  answer p95:          {last['p95'] / first['p95']:.2f}× (target ≤ 1.5)")
    print(f"  peak memory:         {last['peak_mb'] / first['peak_mb']:.2f}× (target ≤ 1.5)")
    print()
    print(f"budgetqa serve at N={last['n']}, {asked} questions × 4 from 8 concurrent clients:")
    for workers, rate in served.items():
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: {rate:6.1f} answers/s ({rate / served[1]:.2f}× one worker)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
