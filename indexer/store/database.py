"""The fact store's database: SQLite (a file in the store folder, the default) or PostgreSQL
(a shared deployment, `BUDGETQA_DATABASE_URL`), through one SQLAlchemy Core engine.

Every statement names its columns and binds named parameters, so the same SQL runs on both.
A store this process may not write (another user's SQLite file, a read-only mount) is opened
read-only, for answering. Writes run in `Database.transaction()`: on SQLite it begins IMMEDIATE
(the write lock is taken at once, so two writers queue instead of failing half-way).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool, StaticPool

from indexer.failures import shown
from indexer.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000  # a writer of another process holds SQLite's lock at most this long
_LOCK_KEY = 0x62756467  # PostgreSQL advisory lock taken while migrating ("budg")


class StoreError(Exception):
    """The store is missing, from a newer version, or unreadable."""


class StoreReadOnly(StoreError):
    """The store cannot be written by this process, and the command needs to write it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"the store at {shown(folder)} is read-only")
        self.folder = folder


def is_url(target: Path | str) -> bool:
    """Whether the store's database is a server's (a URL such as postgresql+psycopg://…)."""
    return isinstance(target, str) and "://" in target


def is_read_only(path: Path | str) -> bool:
    """Whether `path` cannot be written here: the file itself, or the folder that holds it
    (SQLite writes its -wal and -shm files beside the database; BM25 swaps folders in it).
    A server's database is writable as far as this process can tell."""
    if is_url(path):
        return False
    path = Path(path)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK):
        return True
    return not os.access(folder, os.W_OK | os.X_OK)


def exists(target: Path | str) -> bool:
    """Whether a store is there: the SQLite file, or (a server) always, its tables made on open."""
    return is_url(target) or Path(target).is_file()


def shown_url(url: str) -> str:
    """A database URL fit for a message: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """The fact store's engine, with what messages and readers need to know of it."""

    def __init__(self, engine: Engine, location: Path | str, read_only: bool) -> None:
        self.engine = engine
        self.location = location  # the SQLite file, or the server's URL (password hidden)
        self.read_only = read_only
        self.version = 0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def rows(self, sql: str, **params: Any) -> list[RowMapping]:
        with self.engine.connect() as c:
            return list(c.execute(text(sql), params).mappings())

    def one(self, sql: str, **params: Any) -> RowMapping | None:
        with self.engine.connect() as c:
            return c.execute(text(sql), params).mappings().first()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(text(sql), params).scalar()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: committed at the end, rolled back on any error."""
        with self.engine.connect().execution_options(writing=True) as c:
            with c.begin():
                yield c

    def has(self, version: int) -> bool:
        """Whether the schema has migration `version` (a read-only store may be older)."""
        return self.version >= version

    def close(self) -> None:
        self.engine.dispose()


def connect(target: Path | str, writable: bool | None = None) -> Database:
    """Open the store's database: to write when this process may, else read-only.

    Args:
        target: the SQLite file, or a server's URL (postgresql+psycopg://user:pw@host/db).
        writable: True when the caller writes (StoreReadOnly if it cannot); False to read only
            (a command that only reads writes nothing, even on a full disk); None to open
            read-only when the file or its folder is not writable.

    Returns:
        A Database; a writable one is created and migrated as needed.

    Raises:
        StoreReadOnly: writable is True and the store cannot be written.
        StoreError: a read-only store that is missing or of another schema version.
    """
    if is_url(target):
        db = server(str(target))
    elif writable is False or is_read_only(target):
        if writable:
            raise StoreReadOnly(Path(target).parent)
        return _connect_read_only(Path(target))
    else:
        db = sqlite_file(Path(target))
    migrate(db)
    return db


def server(url: str, schema: str | None = None) -> Database:
    """A database server's engine; with `schema`, its tables are that schema's (made if new)."""
    options = {"connect_args": {"options": f"-c search_path={schema}"}} if schema else {}
    # pre-ping: a pooled connection the server closed meanwhile (a restart) is replaced, not used
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, **options)
    if schema:
        with engine.begin() as c:
            c.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return Database(engine, shown_url(url), read_only=False)


def _sqlite_engine(open_connection, pool=QueuePool, wal: bool = False) -> Engine:
    engine = create_engine("sqlite://", creator=open_connection, poolclass=pool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by sqlite3
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if wal:  # readers keep the old state while a writer works
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("writing")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def sqlite_file(path: Path, read_only: bool = False) -> Database:
    """A SQLite file's engine: to write (made if new, in WAL mode) or only to read."""
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        probe = sqlite3.connect(uri, uri=True)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            # a WAL database is read through its -shm file, which SQLite cannot create in a
            # folder it may not write (it exists only while a writer has the store open). Read
            # the file as it is instead; a writer starting meanwhile is not seen, which is the
            # price of reading a folder we cannot write.
            uri += "&immutable=1"
        finally:
            probe.close()
        engine = _sqlite_engine(lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
        return Database(engine, path, read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = _sqlite_engine(lambda: sqlite3.connect(path, check_same_thread=False), wal=True)
    return Database(engine, path, read_only=False)


def sqlite_memory() -> Database:
    """A SQLite database in memory, for one process (an index built for the moment)."""
    engine = _sqlite_engine(lambda: sqlite3.connect(":memory:", check_same_thread=False), StaticPool)
    return Database(engine, ":memory:", read_only=False)


def _connect_read_only(path: Path) -> Database:
    """Open for reading only: no WAL pragma and no migration, which would write."""
    if not path.is_file():
        raise StoreError(f"no store at {shown(path.parent)}")
    db = sqlite_file(path, read_only=True)
    db.version = _version(db)
    # an older schema stays readable: later migrations only add columns, read with defaults
    if db.version > len(MIGRATIONS) or db.version < 1:
        db.close()
        newer = "a newer" if db.version > len(MIGRATIONS) else "an older"
        raise StoreError(f"the read-only store at {shown(path.parent)} was written by {newer} budgetqa"
                         f" (schema {db.version}): index it again where it can be written")
    return db


# ---- migrations -------------------------------------------------------------------------------


def _version(db: Database, c: Connection | None = None) -> int:
    """The number of migrations the schema has: SQLite's user_version, or a table on a server."""
    def read(conn: Connection) -> int:
        if db.dialect == "sqlite":
            return conn.exec_driver_sql("PRAGMA user_version").scalar()
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        return conn.exec_driver_sql("SELECT coalesce(max(version), 0) FROM schema_version").scalar()
    if c is not None:
        return read(c)
    with db.engine.connect() as conn:
        return read(conn)


def set_version(c: Connection, dialect: str, number: int) -> None:
    if dialect == "sqlite":
        c.exec_driver_sql(f"PRAGMA user_version = {int(number)}")
    else:
        c.exec_driver_sql("DELETE FROM schema_version")
        c.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": number})


def statements(migration: str | dict[str, str], dialect: str) -> list[str]:
    """A migration's statements for one back end."""
    script = migration if isinstance(migration, str) else \
        migration.get("all", "") + ";" + migration.get(dialect, "")
    return [s for s in script.split(";") if s.strip()]


def migrate(db: Database) -> None:
    """Bring the schema up to date in one transaction (a failed migration leaves none applied).

    Raises:
        StoreError: the store was written by a newer budgetqa.
    """
    with db.transaction() as c:
        if db.dialect == "postgresql":
            # two processes opening a new database at once: one migrates, the other waits
            c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        version = _version(db, c)
        if version > len(MIGRATIONS):
            raise StoreError(f"the store was written by a newer budgetqa (schema {version})")
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in statements(migration, db.dialect):
                c.exec_driver_sql(statement)
            set_version(c, db.dialect, number)
    db.version = len(MIGRATIONS)
