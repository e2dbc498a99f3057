"""Issue 21, point 8: a full disk at several sizes. Indexing stops with one line naming ENOSPC
(never EIO, never a traceback); afterwards, with the disk full to the last byte, the store still
answers — a table lookup, a text question (BM25 alone, one line saying why), `docs` — and the
reading commands change none of the store's files. Needs root for a small tmpfs; skipped with
the reason where mounting is not permitted."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHANHE, DATA, XIGONG_GOV

REPO = Path(__file__).resolve().parents[1]
FREE = [0, 50_000, 300_000, 800_000, 1_500_000, 4_000_000]  # bytes left before indexing

pytestmark = pytest.mark.probe


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "budgetqa_cli", *args], cwd=REPO, text=True,
                          capture_output=True, env={**os.environ, **env}, timeout=600)


@pytest.fixture(scope="module")
def env(model_dir) -> dict[str, str]:
    return {"BUDGETQA_EMBEDDING_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def source_store(tmp_path_factory, env) -> Path:
    store_dir = tmp_path_factory.mktemp("full-disk") / "store"
    run = cli("index", str(DATA / XIGONG_GOV), "--store", str(store_dir), env=env)
    assert run.returncode == 0, run.stderr
    return store_dir


@pytest.fixture
def disk(tmp_path):
    """A 24 MB tmpfs, unmounted afterwards (lazily: a process may still hold a file there)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int, name: str) -> None:
    """Fill the disk up to `leave` bytes (0: every last block)."""
    with open(disk / name, "wb") as f:
        try:
            while (free := os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize) > leave:
                f.write(b"\0" * min(free - leave, 1 << 20) if leave else b"\0" * 4096)
                f.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


def contents(store_dir: Path) -> dict[str, str]:
    """Each file's hash, SQLite's -wal/-shm bookkeeping files left out (a reader may create them
    empty; they hold no data)."""
    return {str(p.relative_to(store_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(store_dir.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.mark.parametrize("free", FREE)
def test_a_full_disk_is_one_line_and_the_store_still_answers(disk, source_store, env, free):
    store_dir = disk / "store"
    shutil.copytree(source_store, store_dir)
    fill(disk, free, "filler")
    index = cli("index", str(DATA / CHANHE), "--store", str(store_dir), env=env)
    if index.returncode:  # stopped opening the store, or writing the file's records
        assert re.fullmatch(rf"error: cannot open the store {store_dir}/facts.sqlite: ENOSPC: 磁盘已满|"
                            rf"error     cannot write {store_dir}/\S+: ENOSPC: 磁盘已满"
                            rf"(?: \(while indexing {CHANHE}\))?; the store stays readable",
                            index.stderr.rstrip("\n")), index.stderr[-2000:]
    else:
        assert index.stdout.startswith(f"indexed   {CHANHE}"), index.stdout
    fill(disk, 0, "filler-2")  # now nothing at all is left
    before = contents(store_dir)
    lookup = cli("ask", "西工区政府办2025年公务接待费是多少？", "--store", str(store_dir), env=env)
    assert (lookup.returncode, lookup.stderr) == (0, "") and "0.83万元" in lookup.stdout
    text = cli("ask", "西工区政府办为什么增加了支出？", "--store", str(store_dir), env=env)
    assert text.returncode == 0 and "机构改革" in text.stdout
    assert text.stderr.splitlines() in ([], [
        f"note: the search index at {store_dir / 'chroma'} cannot be opened (ENOSPC: 磁盘已满);"
        " answering with keyword search (BM25) only"])
    listed = cli("docs", "--store", str(store_dir), env=env)
    assert listed.returncode == 0 and "2025" in listed.stdout
    assert contents(store_dir) == before  # answering wrote nothing
    print(f"free {free} B: index exit {index.returncode}, {index.stderr.strip() or 'indexed'}; "
          f"text search note: {text.stderr.strip() or 'none'}")
