"""Throwaway servers for tests: a PostgreSQL cluster and a Chroma server, one each per session.

Registered in tests/conftest.py with `pytest_plugins = ["tests.servers"]`, so any test can ask for
`postgres_server` or `chroma_server`. Both listen on 127.0.0.1 only, on a free port, keep all their
files in a temporary folder, and are stopped (and the folder removed) at the end of the session,
also when a test fails. The classes work without pytest too (`with PostgresServer.start() as pg:`).

A missing PostgreSQL is a failure, never a skip: `make test` installs Debian's postgresql package,
and a skipped store test would hide a broken PostgreSQL path.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import pytest

POSTGRES_USER = "budgetqa"
# PostgreSQL refuses to run as root (CI and the developers' machines run as root): there the
# cluster is created and run by Debian's `postgres` system user
POSTGRES_SYSTEM_USER = "postgres"
START_TIMEOUT = 60.0
# a port found free may be taken before the server binds it: try a few times
PORT_ATTEMPTS = 3


class ServerError(RuntimeError):
    """A server could not be started; the message says why, with the end of its log."""


def free_port() -> int:
    """A port nobody listens on now, chosen by the kernel (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_api(url: str, proc: subprocess.Popen, output: Callable[[], str], timeout: float = 300) -> None:
    """Wait until a `budgetqa serve` at `url` is ready (GET /ready: the engine and the embedding
    model loaded); fail with its output when the process ends first or never gets ready."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail(f"budgetqa serve ended (status {proc.returncode}): {output()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer in {timeout:.0f} s: {output()[-3000:]}")


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Chroma colours its log
    return "\n".join(text.splitlines()[-lines:])


def _make_shared_tmpdir(prefix: str) -> Path:
    """A folder another user (postgres) can enter: mkdtemp makes it 0o700, and pytest's
    tmp_path_factory folders are 0o700 under root, so neither can hold a cluster run as postgres."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def find_postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else PATH."""
    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name  # /usr/lib/postgresql/<name>/bin
        return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(Path(candidate) / "initdb", os.X_OK) and os.access(Path(candidate) / "pg_ctl", os.X_OK):
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        # Debian links /usr/local/bin/initdb etc. to the versioned folder; keep them together
        folder = Path(initdb).resolve().parent
        if os.access(folder / "pg_ctl", os.X_OK):
            return folder
    return None


@dataclass
class PostgresServer:
    """A running cluster; `url(name)` for SQLAlchemy, `create_database(name)` for a fresh one."""

    bin_dir: Path
    base: Path  # temporary folder: data/, the socket, the log
    port: int = 0
    host: str = "127.0.0.1"
    user: str = POSTGRES_USER
    run_as: str | None = None  # system user running the cluster, when we are root
    locale: str = ""
    _running: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "postgres.log"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """For psycopg.connect (no SQLAlchemy driver prefix)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def create_database(self, name: str) -> str:
        """A new, empty database `name` (an existing one is dropped first); returns its URL."""
        import psycopg
        from psycopg import sql

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            # FORCE: a test that left a connection open must not block the next one (PG 13+)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            # template0 and UTF8: the encoding does not depend on what template1 happens to be
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)))
        return self.url(name)

    # -- life cycle

    @classmethod
    def start(cls) -> Self:
        bin_dir = find_postgres_bin()
        if bin_dir is None:
            raise ServerError(
                "PostgreSQL is not installed: no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on "
                "PATH. `make test` installs Debian's postgresql package (or: apt-get install postgresql).")
        run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(POSTGRES_SYSTEM_USER)
            except KeyError:
                raise ServerError(
                    "running as root, and PostgreSQL refuses to run as root, but there is no "
                    f"`{POSTGRES_SYSTEM_USER}` user to run it as (Debian's postgresql package creates it)")
            if shutil.which("runuser") is None:
                raise ServerError("running as root and `runuser` (util-linux) is missing")
            run_as = POSTGRES_SYSTEM_USER
        server = cls(bin_dir=bin_dir, base=_make_shared_tmpdir("budgetqa-pg-"), run_as=run_as)
        try:
            if run_as:
                shutil.chown(server.base, user=run_as)
            server._initdb()
            server._launch()
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        # cwd: the postgres user may not be able to enter the caller's folder (e.g. under /root)
        result = subprocess.run(command, cwd=self.base, stdin=subprocess.DEVNULL, check=False,
                                capture_output=True, text=True, errors="replace")
        if check and result.returncode != 0:
            raise ServerError(f"{' '.join(command)} failed ({result.returncode}):\n"
                              f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result

    def _initdb(self) -> None:
        failures = []
        # C.UTF-8 sorts by code point and knows Chinese characters' classes; where the C library
        # lacks it, plain C with UTF8 still stores and returns any text unchanged
        for locale in ("C.UTF-8", "C"):
            result = self._run("initdb", "-D", str(self.data_dir), "--auth=trust", "-U", self.user,
                               "--encoding=UTF8", f"--locale={locale}", "--no-sync", check=False)
            if result.returncode == 0:
                self.locale = locale
                return
            failures.append(f"--locale={locale}: {result.stderr.strip()[-1500:]}")
            shutil.rmtree(self.data_dir, ignore_errors=True)  # initdb wants a missing or empty folder
        raise ServerError("initdb failed:\n" + "\n".join(failures))

    def _pg_start(self) -> subprocess.CompletedProcess:
        # durability is of no use to a throwaway cluster, and fsync costs seconds per test run
        options = (f"-c listen_addresses={self.host} -c unix_socket_directories={self.base} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        return self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                         "-w", "-t", str(int(START_TIMEOUT)),
                         "-o", f"{options} -c port={self.port}", "start", check=False)

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data for `resume`."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        self._running = False

    def resume(self) -> None:
        """Start the halted server again on the same port."""
        result = self._pg_start()
        if result.returncode != 0:
            raise ServerError(f"PostgreSQL did not start again: {result.stderr}\n{log_tail(self.log_file)}")
        self._running = True
        self._wait_for_connections()

    def _launch(self) -> None:
        error = ""
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            result = self._pg_start()
            if result.returncode == 0:
                self._running = True
                self._wait_for_connections()
                return
            error = f"{result.stdout}{result.stderr}\n--- {self.log_file}:\n{log_tail(self.log_file)}"
            if "could not bind" not in error and "already in use" not in error:
                break
        raise ServerError(f"PostgreSQL did not start:\n{error}")

    def _wait_for_connections(self) -> None:
        """pg_ctl -w waits on the socket; make sure a TCP client gets in too."""
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with psycopg.connect(self.conninfo("postgres"), connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise ServerError(f"PostgreSQL on port {self.port} refuses connections: {error}\n"
                                      f"--- {self.log_file}:\n{log_tail(self.log_file)}") from error
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the cluster and remove its folder; safe to call twice or after a failed start."""
        if self._running:
            result = self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)
            if result.returncode != 0:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", check=False)
            self._running = False
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Chroma


def find_chroma() -> Path:
    """The `chroma` command of this interpreter's environment (the venv), else PATH."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.exists():
        return beside
    found = shutil.which("chroma")
    if found:
        return Path(found)
    raise ServerError(f"no `chroma` command beside {sys.executable} or on PATH (chromadb is a "
                      "dependency: `make setup` installs it)")


@dataclass
class ChromaServer:
    """A running `chroma run`; connect with chromadb.HttpClient(host=.host, port=.port)."""

    base: Path  # temporary folder: db/ and chroma.log
    host: str = "127.0.0.1"
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log_file(self) -> Path:
        return self.base / "chroma.log"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def start(cls) -> Self:
        server = cls(base=Path(tempfile.mkdtemp(prefix="budgetqa-chroma-")))
        try:
            server._launch(find_chroma())
        except BaseException:
            server.stop()
            raise
        return server

    def _spawn(self, chroma: Path) -> None:
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_COLOR="1")
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                [str(chroma), "run", "--path", str(self.base / "db"),
                 "--host", self.host, "--port", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                cwd=self.base)

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data for `resume`."""
        self._terminate()

    def resume(self) -> None:
        """Start the halted server again on the same port, over the same data."""
        self._spawn(find_chroma())
        if error := self._wait_for_heartbeat():
            raise ServerError(f"Chroma did not start again: {error}\n{log_tail(self.log_file)}")

    def _launch(self, chroma: Path) -> None:
        error = ""
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            self._spawn(chroma)
            error = self._wait_for_heartbeat()
            if not error:
                return
            self._terminate()
            # a port taken meanwhile: try another (chroma says "Address … is not available", exit 0)
            if "not available" not in log_tail(self.log_file, 5) and "in use" not in error:
                break
        raise ServerError(f"Chroma server did not come up: {error}\n"
                          f"--- {self.log_file}:\n{log_tail(self.log_file)}")

    def _wait_for_heartbeat(self) -> str:
        """'' once GET /api/v2/heartbeat answers; else why not."""
        # no proxy: a proxy from the environment must not carry a request for 127.0.0.1
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return f"`chroma run` exited with {self.process.returncode}"
            try:
                with opener.open(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        return ""
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        return f"no heartbeat at {self.url}/api/v2/heartbeat within {START_TIMEOUT:.0f} s ({last})"

    def _terminate(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server and remove its folder; safe to call twice or after a failed start."""
        self._terminate()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# pytest fixtures


def _started(server_class):
    """A server started for the session's fixture; the reason it could not start fails the test."""
    try:
        return server_class.start()
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL cluster for the session; `postgres_server.create_database("x")` → URL."""
    with _started(PostgresServer) as server:
        yield server


@pytest.fixture(scope="session")
def chroma_server():
    """A Chroma server for the session, at `chroma_server.host`:`chroma_server.port`."""
    with _started(ChromaServer) as server:
        yield server
