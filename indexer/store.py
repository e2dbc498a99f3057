"""The fact store: plain SQLite with numbered migrations and parameterised queries.

A document's records are replaced in one transaction, so a reader (or a process killed mid-way)
always sees either the old or the new version of a document, never a mix. A store this process
may not write (another user's, a read-only mount) is opened read-only, for answering.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexer.failures import shown
from indexer.records import (
    Cell,
    Chunk,
    Document,
    Indicator,
    NarrativeFact,
    ParsedDocument,
    Row,
    Section,
    Table,
)

MIGRATIONS: list[str] = [
    # 1: the records of the indexer
    """
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
        title TEXT NOT NULL, department TEXT NOT NULL, year INTEGER NOT NULL,
        region_level TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL, shape TEXT NOT NULL,
        line_count INTEGER NOT NULL, page_count INTEGER, listed_tables TEXT NOT NULL,
        warnings TEXT NOT NULL DEFAULT '[]',
        search_state TEXT NOT NULL DEFAULT 'pending',  -- 'ready' once Chroma holds its chunks
        indexed_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX documents_path ON documents(path);
    CREATE TABLE sections (
        section_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        heading TEXT NOT NULL, level INTEGER NOT NULL, path TEXT NOT NULL, text TEXT NOT NULL,
        line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE budget_tables (
        table_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        number TEXT, title TEXT NOT NULL, unit TEXT NOT NULL, columns TEXT NOT NULL,
        text_columns TEXT NOT NULL, empty_note TEXT, line_start INTEGER NOT NULL,
        line_end INTEGER NOT NULL, page INTEGER, warnings TEXT NOT NULL
    );
    CREATE TABLE rows (
        table_id TEXT NOT NULL REFERENCES budget_tables ON DELETE CASCADE, idx INTEGER NOT NULL,
        doc_id TEXT NOT NULL, label TEXT NOT NULL, code TEXT, code_kind TEXT, category TEXT,
        extra TEXT NOT NULL, is_total INTEGER NOT NULL, verified INTEGER, note TEXT,
        line INTEGER NOT NULL, page INTEGER,
        PRIMARY KEY (table_id, idx)
    );
    CREATE TABLE cells (
        table_id TEXT NOT NULL, row_idx INTEGER NOT NULL, doc_id TEXT NOT NULL,
        column_path TEXT NOT NULL, value REAL, text TEXT NOT NULL, unit TEXT NOT NULL,
        line INTEGER NOT NULL, page INTEGER,
        FOREIGN KEY (table_id, row_idx) REFERENCES rows (table_id, idx) ON DELETE CASCADE
    );
    CREATE INDEX cells_row ON cells(table_id, row_idx);
    CREATE TABLE indicators (
        indicator_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        table_title TEXT NOT NULL, project TEXT, project_amount REAL, level1 TEXT, level2 TEXT,
        level3 TEXT NOT NULL, value_text TEXT NOT NULL, comparator TEXT, number REAL, unit TEXT,
        note TEXT, line INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE facts (
        fact_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        section_id TEXT, section TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL,
        value REAL NOT NULL, unit TEXT NOT NULL, text TEXT NOT NULL, direction TEXT,
        quote TEXT NOT NULL, line INTEGER NOT NULL, page INTEGER
    );
    CREATE TABLE chunks (
        chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents ON DELETE CASCADE,
        kind TEXT NOT NULL, text TEXT NOT NULL, dense_text TEXT, department TEXT NOT NULL,
        year INTEGER NOT NULL,
        section TEXT, table_title TEXT, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
        page INTEGER
    );
    """,
    # 2: the kind of each table across publishers (部门收支预算表, 收入支出决算总表 …); NULL in
    # stores written before it
    """
    ALTER TABLE budget_tables ADD COLUMN kind TEXT;
    CREATE INDEX documents_department_year ON documents(department, year);
    """,
    # 3: every per-document read was a scan: an index on each child table's document
    """
    CREATE INDEX sections_doc ON sections(doc_id);
    CREATE INDEX budget_tables_doc ON budget_tables(doc_id);
    CREATE INDEX rows_doc ON rows(doc_id);
    CREATE INDEX cells_doc ON cells(doc_id);
    CREATE INDEX indicators_doc ON indicators(doc_id);
    CREATE INDEX facts_doc ON facts(doc_id);
    CREATE INDEX chunks_doc ON chunks(doc_id);
    """,
    # 4: the app's conversations, kept across reloads: one row per turn, the answer as its JSON
    """
    CREATE TABLE conversations (
        conversation_id TEXT PRIMARY KEY, title TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        updated_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE TABLE turns (
        conversation_id TEXT NOT NULL REFERENCES conversations ON DELETE CASCADE,
        idx INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, answer TEXT,
        created_at TEXT NOT NULL DEFAULT (datetime('now')),
        PRIMARY KEY (conversation_id, idx)
    );
    """,
    # 5: the role of a narrative figure: the section's headline, or a detail of one fund or unit
    """
    ALTER TABLE facts ADD COLUMN role TEXT NOT NULL DEFAULT 'headline';
    """,
]


class StoreError(Exception):
    """The store is missing, from a newer version, or unreadable."""


class StoreReadOnly(StoreError):
    """The store cannot be written by this process, and the command needs to write it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(f"the store at {shown(folder)} is read-only")
        self.folder = folder


def is_read_only(path: Path) -> bool:
    """Whether `path` cannot be written here: the file itself, or the folder that holds it
    (SQLite writes its -wal and -shm files beside the database; BM25 swaps folders in it)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK):
        return True
    return not os.access(folder, os.W_OK | os.X_OK)


def connect(path: Path, writable: bool | None = None) -> sqlite3.Connection:
    """Open the database: to write when this process may, else read-only.

    Args:
        path: the database file.
        writable: True when the caller writes (StoreReadOnly if it cannot); None to open
            read-only when the file or its folder is not writable.

    Returns:
        A connection; a writable one is created and migrated as needed.

    Raises:
        StoreReadOnly: writable is True and the store cannot be written.
        StoreError: a read-only store that is missing or of another schema version.
    """
    if is_read_only(path):
        if writable:
            raise StoreReadOnly(path.parent)
        return _connect_read_only(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")  # readers keep the old state while a writer works
    migrate(conn)
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open for reading only: no WAL pragma and no migration, which would write."""
    if not path.is_file():
        raise StoreError(f"no store at {shown(path.parent)}")
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        # a WAL database is read through its -shm file, which SQLite cannot create in a folder
        # it may not write (it exists only while a writer has the store open). Read the file as
        # it is instead; a writer starting meanwhile is not seen, which is the price of reading
        # a folder we cannot write.
        conn.close()
        conn = sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None,
                               check_same_thread=False)
    conn.row_factory = sqlite3.Row
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    # an older schema stays readable: later migrations only add columns, read with defaults
    if version > len(MIGRATIONS) or version < 1:
        conn.close()
        newer = "a newer" if version > len(MIGRATIONS) else "an older"
        raise StoreError(f"the read-only store at {shown(path.parent)} was written by {newer} budgetqa"
                         f" (schema {version}): index it again where it can be written")
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"the store was written by a newer budgetqa (schema {version})")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite rolls back by itself on some errors (a full disk): a second ROLLBACK would
        # fail and hide the error that matters
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def replace_document(conn: sqlite3.Connection, parsed: ParsedDocument, replaces: list[str]) -> None:
    """Store one document's records, removing `replaces` (older versions) in the same transaction."""
    d = parsed.document
    with transaction(conn):
        for old in {*replaces, d.doc_id}:
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (old,))
        conn.execute(
            "INSERT INTO documents (doc_id, file_name, path, sha256, title, department, year,"
            " region_level, kind, unit, shape, line_count, page_count, listed_tables, warnings)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (d.doc_id, d.file_name, d.path, d.sha256, d.title, d.department, d.year,
             d.region_level, d.kind, d.unit, d.shape, d.line_count, d.page_count,
             _json(d.listed_tables), _json(parsed.warnings)),
        )
        conn.executemany(
            "INSERT INTO sections VALUES (?,?,?,?,?,?,?,?,?)",
            [(s.section_id, s.doc_id, s.heading, s.level, _json(s.path), s.text, s.line_start,
              s.line_end, s.page) for s in parsed.sections],
        )
        for t in parsed.tables:
            _insert_table(conn, t)
        conn.executemany(
            "INSERT INTO indicators VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(i.indicator_id, i.doc_id, i.table, i.project, i.project_amount, i.level1, i.level2,
              i.level3, i.value_text, i.comparator, i.number, i.unit, i.note, i.line, i.page)
             for i in parsed.indicators],
        )
        conn.executemany(
            "INSERT INTO facts (fact_id, doc_id, section_id, section, kind, subject, value, unit,"
            " text, direction, quote, line, page, role) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(f.fact_id, f.doc_id, f.section_id, f.section, f.kind, f.subject, f.value, f.unit,
              f.text, f.direction, f.quote, f.line, f.page, f.role) for f in parsed.facts],
        )
        conn.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(c.chunk_id, c.doc_id, c.kind, c.text, c.dense_text, c.department, c.year, c.section, c.table,
              c.line_start, c.line_end, c.page) for c in parsed.chunks],
        )


def _insert_table(conn: sqlite3.Connection, t: Table) -> None:
    conn.execute(
        "INSERT INTO budget_tables (table_id, doc_id, number, title, unit, columns, text_columns,"
        " empty_note, line_start, line_end, page, warnings, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (t.table_id, t.doc_id, t.number, t.title, t.unit, _json(t.columns), _json(t.text_columns),
         t.empty_note, t.line_start, t.line_end, t.page, _json(t.warnings), t.kind),
    )
    for r in t.rows:
        conn.execute(
            "INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (t.table_id, r.index, t.doc_id, r.label, r.code, r.code_kind, r.category,
             _json(r.extra), int(r.is_total), None if r.verified is None else int(r.verified),
             r.note, r.line, r.page),
        )
        conn.executemany(
            "INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?)",
            [(t.table_id, r.index, t.doc_id, c.column, c.value, c.text, c.unit, c.line, c.page)
             for c in r.cells],
        )


def database_path(conn: sqlite3.Connection) -> Path:
    """The file behind a connection (for messages naming it)."""
    return Path(conn.execute("PRAGMA database_list").fetchone()[2])


def delete_document(conn: sqlite3.Connection, doc_id: str) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))


def set_search_state(conn: sqlite3.Connection, doc_id: str, state: str) -> None:
    with transaction(conn):
        conn.execute("UPDATE documents SET search_state = ? WHERE doc_id = ?", (state, doc_id))


# ---- reading records back -------------------------------------------------------------------


def documents(conn: sqlite3.Connection) -> list[Document]:
    rows = conn.execute("SELECT * FROM documents ORDER BY department, year").fetchall()
    return [_document(r) for r in rows]


def _document(r: sqlite3.Row) -> Document:
    return Document(
        doc_id=r["doc_id"], file_name=r["file_name"], path=r["path"], sha256=r["sha256"],
        title=r["title"], department=r["department"], year=r["year"],
        region_level=r["region_level"], kind=r["kind"], unit=r["unit"], shape=r["shape"],
        line_count=r["line_count"], page_count=r["page_count"],
        listed_tables=json.loads(r["listed_tables"]),
    )


def document_warnings(conn: sqlite3.Connection, doc_id: str) -> list[str]:
    row = conn.execute("SELECT warnings FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    return json.loads(row["warnings"]) if row else []


def find_document(conn: sqlite3.Connection, ref: str) -> Document | None:
    """A document by id, id prefix, file name or department name."""
    r = conn.execute(
        "SELECT * FROM documents WHERE doc_id = ? OR file_name = ? OR department = ?"
        " ORDER BY year DESC LIMIT 1", (ref, ref, ref),
    ).fetchone()
    if r is None:
        r = conn.execute(
            "SELECT * FROM documents WHERE doc_id LIKE ? OR file_name LIKE ? LIMIT 1",
            (ref + "%", f"%{ref}%"),
        ).fetchone()
    return _document(r) if r else None


def documents_at_path(conn: sqlite3.Connection, path: str) -> list[tuple[str, str]]:
    """(doc_id, sha256) of what is stored for a file path."""
    return [(r["doc_id"], r["sha256"]) for r in
            conn.execute("SELECT doc_id, sha256 FROM documents WHERE path = ?", (path,))]


def versions_of(conn: sqlite3.Connection, department: str, year: int, kind: str) -> list[Document]:
    """The stored documents of one department, year and kind (earlier versions of a document)."""
    rows = conn.execute("SELECT * FROM documents WHERE department = ? AND year = ? AND kind = ?",
                        (department, year, kind)).fetchall()
    return [_document(r) for r in rows]


def document_by_sha(conn: sqlite3.Connection, sha256: str) -> Document | None:
    r = conn.execute("SELECT * FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    return _document(r) if r else None


def tables(conn: sqlite3.Connection, doc_id: str) -> list[Table]:
    rows = conn.execute(
        "SELECT * FROM budget_tables WHERE doc_id = ? ORDER BY line_start", (doc_id,)
    ).fetchall()
    return [_table(conn, r) for r in rows]


def _table(conn: sqlite3.Connection, r: sqlite3.Row) -> Table:
    cells: dict[int, list[Cell]] = {}
    for c in conn.execute("SELECT * FROM cells WHERE table_id = ? ORDER BY rowid", (r["table_id"],)):
        cells.setdefault(c["row_idx"], []).append(
            Cell(column=c["column_path"], value=c["value"], text=c["text"], unit=c["unit"],
                 line=c["line"], page=c["page"])
        )
    rows = [
        Row(index=x["idx"], label=x["label"], code=x["code"], code_kind=x["code_kind"],
            category=x["category"], extra=json.loads(x["extra"]), cells=cells.get(x["idx"], []),
            is_total=bool(x["is_total"]),
            verified=None if x["verified"] is None else bool(x["verified"]), note=x["note"],
            line=x["line"], page=x["page"])
        for x in conn.execute("SELECT * FROM rows WHERE table_id = ? ORDER BY idx", (r["table_id"],))
    ]
    return Table(
        table_id=r["table_id"], doc_id=r["doc_id"], number=r["number"], title=r["title"],
        kind=r["kind"] if "kind" in r.keys() else None, unit=r["unit"], columns=json.loads(r["columns"]), text_columns=json.loads(r["text_columns"]),
        rows=rows, empty_note=r["empty_note"], line_start=r["line_start"],
        line_end=r["line_end"], page=r["page"], warnings=json.loads(r["warnings"]),
    )


def sections(conn: sqlite3.Connection, doc_id: str) -> list[Section]:
    return [
        Section(section_id=r["section_id"], doc_id=r["doc_id"], heading=r["heading"],
                level=r["level"], path=json.loads(r["path"]), text=r["text"],
                line_start=r["line_start"], line_end=r["line_end"], page=r["page"])
        for r in conn.execute("SELECT * FROM sections WHERE doc_id = ? ORDER BY line_start", (doc_id,))
    ]


def indicators(conn: sqlite3.Connection, doc_id: str) -> list[Indicator]:
    return [
        Indicator(indicator_id=r["indicator_id"], doc_id=r["doc_id"], table=r["table_title"],
                  project=r["project"], project_amount=r["project_amount"], level1=r["level1"],
                  level2=r["level2"], level3=r["level3"], value_text=r["value_text"],
                  comparator=r["comparator"], number=r["number"], unit=r["unit"], note=r["note"],
                  line=r["line"], page=r["page"])
        for r in conn.execute("SELECT * FROM indicators WHERE doc_id = ? ORDER BY line", (doc_id,))
    ]


def facts(conn: sqlite3.Connection, doc_id: str) -> list[NarrativeFact]:
    return [
        NarrativeFact(fact_id=r["fact_id"], doc_id=r["doc_id"], section_id=r["section_id"],
                      section=r["section"], kind=r["kind"], subject=r["subject"], value=r["value"],
                      unit=r["unit"], text=r["text"], direction=r["direction"], quote=r["quote"],
                      line=r["line"], page=r["page"],
                      # a read-only store from before migration 5 has no roles: all headlines
                      role=r["role"] if "role" in r.keys() else "headline")
        for r in conn.execute("SELECT * FROM facts WHERE doc_id = ? ORDER BY line", (doc_id,))
    ]


def chunks(conn: sqlite3.Connection, doc_id: str | None = None) -> list[Chunk]:
    query = "SELECT * FROM chunks" + (" WHERE doc_id = ?" if doc_id else "") + " ORDER BY rowid"
    return [
        Chunk(chunk_id=r["chunk_id"], doc_id=r["doc_id"], kind=r["kind"], text=r["text"],
              dense_text=r["dense_text"],
              department=r["department"], year=r["year"], section=r["section"],
              table=r["table_title"], line_start=r["line_start"], line_end=r["line_end"],
              page=r["page"])
        for r in conn.execute(query, (doc_id,) if doc_id else ())
    ]


def export_facts(conn: sqlite3.Connection) -> Iterator[dict[str, object]]:
    """Every table cell as one fact with its source, for `budgetqa export`."""
    query = """
        SELECT d.doc_id, d.department, d.year, t.title AS table_title, t.number, r.label AS row,
               r.code, c.column_path AS column_name, c.value, c.text, c.unit, c.page, c.line,
               r.verified
        FROM cells c JOIN rows r ON r.table_id = c.table_id AND r.idx = c.row_idx
        JOIN budget_tables t ON t.table_id = c.table_id JOIN documents d ON d.doc_id = c.doc_id
        ORDER BY d.department, d.year, t.line_start, r.idx, c.rowid
    """
    for r in conn.execute(query):
        yield {
            "doc_id": r["doc_id"], "department": r["department"], "year": r["year"],
            "table": r["table_title"], "table_number": r["number"], "row": r["row"],
            "code": r["code"], "column": r["column_name"], "value": r["value"],
            "unit": "万元", "text": r["text"], "original_unit": r["unit"], "page": r["page"],
            "line": r["line"],
            "verified": None if r["verified"] is None else bool(r["verified"]),
        }
