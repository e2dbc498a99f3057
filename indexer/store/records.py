"""A document's records in the fact store: written in one transaction, read back as records.

A document's records are replaced in one transaction, so a reader (or a process killed mid-way)
always sees either the old or the new version of a document, never a mix. Every change of the
documents raises the store's revision in the same transaction (`revision`), which tells another
process answering from the same store that it has something new to see.

Text is ordered here in Python, not by the database: PostgreSQL orders text by its collation,
SQLite by code point, and answers must not depend on the back end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import Connection, RowMapping, text

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
from indexer.store.database import Database

DOCUMENT_COLUMNS = ("doc_id, file_name, path, sha256, title, department, year, region_level, kind, unit,"
                    " shape, line_count, page_count, listed_tables")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _insert(c: Connection, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts of one shape) naming every column."""
    if rows:
        names = list(rows[0])
        c.execute(text(f"INSERT INTO {table} ({', '.join(names)}) VALUES"
                       f" ({', '.join(':' + n for n in names)})"), rows)


def _changed(c: Connection) -> None:
    c.execute(text("UPDATE store_revision SET revision = revision + 1 WHERE id = 1"))


def revision(db: Database) -> int:
    """The store's revision: raised by every change of its documents (0 for a read-only store
    from before migration 7, which nothing changes while it is read)."""
    if not db.has(7):
        return 0
    return db.scalar("SELECT revision FROM store_revision WHERE id = 1") or 0


def replace_document(db: Database, parsed: ParsedDocument, replaces: list[str]) -> None:
    """Store one document's records, removing `replaces` (older versions) in the same transaction."""
    d = parsed.document
    with db.transaction() as c:
        for old in sorted({*replaces, d.doc_id}):
            c.execute(text("DELETE FROM documents WHERE doc_id = :d"), {"d": old})
        _insert(c, "documents", [dict(
            doc_id=d.doc_id, file_name=d.file_name, path=d.path, sha256=d.sha256, title=d.title,
            department=d.department, year=d.year, region_level=d.region_level, kind=d.kind,
            unit=d.unit, shape=d.shape, line_count=d.line_count, page_count=d.page_count,
            listed_tables=_json(d.listed_tables), warnings=_json(parsed.warnings))])
        _insert(c, "sections", [dict(
            section_id=s.section_id, doc_id=s.doc_id, heading=s.heading, level=s.level,
            path=_json(s.path), text=s.text, line_start=s.line_start, line_end=s.line_end, page=s.page,
            ord=n) for n, s in enumerate(parsed.sections)])
        for n, t in enumerate(parsed.tables):
            _insert_table(c, t, n)
        _insert(c, "indicators", [dict(
            indicator_id=i.indicator_id, doc_id=i.doc_id, table_title=i.table, project=i.project,
            project_amount=i.project_amount, level1=i.level1, level2=i.level2, level3=i.level3,
            value_text=i.value_text, comparator=i.comparator, number=i.number, unit=i.unit,
            note=i.note, line=i.line, page=i.page, ord=n) for n, i in enumerate(parsed.indicators)])
        _insert(c, "facts", [dict(
            fact_id=f.fact_id, doc_id=f.doc_id, section_id=f.section_id, section=f.section,
            kind=f.kind, subject=f.subject, value=f.value, unit=f.unit, text=f.text,
            direction=f.direction, quote=f.quote, line=f.line, page=f.page, role=f.role, ord=n)
            for n, f in enumerate(parsed.facts)])
        _insert(c, "chunks", [dict(
            chunk_id=ch.chunk_id, doc_id=ch.doc_id, kind=ch.kind, text=ch.text,
            dense_text=ch.dense_text, department=ch.department, year=ch.year, section=ch.section,
            table_title=ch.table, line_start=ch.line_start, line_end=ch.line_end, page=ch.page, ord=n)
            for n, ch in enumerate(parsed.chunks)])
        _changed(c)


def _insert_table(c: Connection, t: Table, ord: int) -> None:
    _insert(c, "budget_tables", [dict(
        table_id=t.table_id, doc_id=t.doc_id, number=t.number, title=t.title, unit=t.unit,
        columns=_json(t.columns), text_columns=_json(t.text_columns), empty_note=t.empty_note,
        line_start=t.line_start, line_end=t.line_end, page=t.page, warnings=_json(t.warnings),
        kind=t.kind, ord=ord)])
    _insert(c, "rows", [dict(
        table_id=t.table_id, idx=r.index, doc_id=t.doc_id, label=r.label, code=r.code,
        code_kind=r.code_kind, category=r.category, extra=_json(r.extra), is_total=int(r.is_total),
        verified=None if r.verified is None else int(r.verified), note=r.note, line=r.line,
        page=r.page) for r in t.rows])
    _insert(c, "cells", [dict(
        table_id=t.table_id, row_idx=r.index, doc_id=t.doc_id, column_path=cell.column,
        value=cell.value, text=cell.text, unit=cell.unit, line=cell.line, page=cell.page, ord=n)
        for r in t.rows for n, cell in enumerate(r.cells)])


def delete_document(db: Database, doc_id: str) -> None:
    with db.transaction() as c:
        c.execute(text("DELETE FROM documents WHERE doc_id = :d"), {"d": doc_id})
        _changed(c)


def set_search_state(db: Database, doc_id: str, state: str) -> None:
    with db.transaction() as c:
        c.execute(text("UPDATE documents SET search_state = :s WHERE doc_id = :d"), {"s": state, "d": doc_id})
        _changed(c)


def search_states(db: Database) -> dict[str, str]:
    """doc_id → search state, for every stored document."""
    return {r["doc_id"]: r["search_state"] for r in db.rows("SELECT doc_id, search_state FROM documents")}


def document_words(db: Database, doc_id: str) -> list[str]:
    """The labels the tokenizer keeps whole for one document: row labels, project and indicator names."""
    return sorted(r["word"] for r in db.rows(
        "SELECT label AS word FROM rows WHERE doc_id = :d UNION SELECT project AS word FROM indicators"
        " WHERE doc_id = :d AND project IS NOT NULL UNION SELECT level3 AS word FROM indicators"
        " WHERE doc_id = :d", d=doc_id))


def unit_labels(db: Database) -> list[tuple[str, str]]:
    """(department, row label) of every row coded as a budget unit (单位), each pair once."""
    return sorted({(r["department"], r["label"]) for r in db.rows(
        "SELECT d.department, r.label FROM rows r JOIN documents d ON d.doc_id = r.doc_id"
        " WHERE r.code_kind = '单位'")})


# ---- reading records back -------------------------------------------------------------------


def _ord(db: Database) -> str:
    """The column that keeps the order records were found in (a read-only SQLite store from
    before migration 6 keeps it in its rowid)."""
    return "ord" if db.has(6) else "rowid"


def documents(db: Database) -> list[Document]:
    found = [_document(r) for r in db.rows(f"SELECT {DOCUMENT_COLUMNS} FROM documents")]
    return sorted(found, key=lambda d: (d.department, d.year, d.doc_id))


def _document(r: RowMapping) -> Document:
    return Document(
        doc_id=r["doc_id"], file_name=r["file_name"], path=r["path"], sha256=r["sha256"],
        title=r["title"], department=r["department"], year=r["year"],
        region_level=r["region_level"], kind=r["kind"], unit=r["unit"], shape=r["shape"],
        line_count=r["line_count"], page_count=r["page_count"],
        listed_tables=json.loads(r["listed_tables"]),
    )


def document_warnings(db: Database, doc_id: str) -> list[str]:
    row = db.one("SELECT warnings FROM documents WHERE doc_id = :d", d=doc_id)
    return json.loads(row["warnings"]) if row else []


def find_document(db: Database, ref: str) -> Document | None:
    """A document by id, id prefix, file name or department name (the latest year first)."""
    exact = [_document(r) for r in db.rows(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE doc_id = :r OR file_name = :r OR department = :r",
        r=ref)]
    if exact:
        return max(exact, key=lambda d: (d.year, d.doc_id))
    near = [_document(r) for r in db.rows(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE doc_id LIKE :prefix OR file_name LIKE :part",
        prefix=ref + "%", part=f"%{ref}%")]
    return min(near, key=lambda d: d.doc_id) if near else None


def documents_at_path(db: Database, path: str) -> list[tuple[str, str]]:
    """(doc_id, sha256) of what is stored for a file path."""
    return sorted((r["doc_id"], r["sha256"]) for r in
                  db.rows("SELECT doc_id, sha256 FROM documents WHERE path = :p", p=path))


def versions_of(db: Database, department: str, year: int, kind: str) -> list[Document]:
    """The stored documents of one department, year and kind (earlier versions of a document)."""
    return sorted((_document(r) for r in db.rows(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE department = :dep AND year = :y AND kind = :k",
        dep=department, y=year, k=kind)), key=lambda d: d.doc_id)


def document_by_sha(db: Database, sha256: str) -> Document | None:
    found = [_document(r) for r in db.rows(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE sha256 = :s",
                                           s=sha256)]
    return min(found, key=lambda d: d.doc_id) if found else None


def tables(db: Database, doc_id: str) -> list[Table]:
    kind = ", kind" if db.has(2) else ""
    found = db.rows(
        "SELECT table_id, doc_id, number, title, unit, columns, text_columns, empty_note, line_start,"
        f" line_end, page, warnings{kind} FROM budget_tables WHERE doc_id = :d"
        f" ORDER BY line_start, {_ord(db)}", d=doc_id)
    if not found:
        return []
    # two reads for the document's rows and cells, not two per table
    cells: dict[tuple[str, int], list[Cell]] = {}
    for c in db.rows("SELECT table_id, row_idx, column_path, value, text, unit, line, page FROM cells"
                     f" WHERE doc_id = :d ORDER BY table_id, row_idx, {_ord(db)}", d=doc_id):
        cells.setdefault((c["table_id"], c["row_idx"]), []).append(
            Cell(column=c["column_path"], value=c["value"], text=c["text"], unit=c["unit"],
                 line=c["line"], page=c["page"]))
    rows: dict[str, list[Row]] = {}
    for x in db.rows("SELECT table_id, idx, label, code, code_kind, category, extra, is_total, verified,"
                     " note, line, page FROM rows WHERE doc_id = :d ORDER BY table_id, idx", d=doc_id):
        rows.setdefault(x["table_id"], []).append(Row(
            index=x["idx"], label=x["label"], code=x["code"], code_kind=x["code_kind"],
            category=x["category"], extra=json.loads(x["extra"]),
            cells=cells.get((x["table_id"], x["idx"]), []), is_total=bool(x["is_total"]),
            verified=None if x["verified"] is None else bool(x["verified"]), note=x["note"],
            line=x["line"], page=x["page"]))
    return [Table(
        table_id=r["table_id"], doc_id=r["doc_id"], number=r["number"], title=r["title"],
        kind=r["kind"] if kind else None, unit=r["unit"], columns=json.loads(r["columns"]),
        text_columns=json.loads(r["text_columns"]), rows=rows.get(r["table_id"], []),
        empty_note=r["empty_note"], line_start=r["line_start"], line_end=r["line_end"],
        page=r["page"], warnings=json.loads(r["warnings"]),
    ) for r in found]


def sections(db: Database, doc_id: str) -> list[Section]:
    return [
        Section(section_id=r["section_id"], doc_id=r["doc_id"], heading=r["heading"],
                level=r["level"], path=json.loads(r["path"]), text=r["text"],
                line_start=r["line_start"], line_end=r["line_end"], page=r["page"])
        for r in db.rows("SELECT section_id, doc_id, heading, level, path, text, line_start, line_end,"
                         f" page FROM sections WHERE doc_id = :d ORDER BY line_start, {_ord(db)}", d=doc_id)
    ]


def indicators(db: Database, doc_id: str) -> list[Indicator]:
    return [
        Indicator(indicator_id=r["indicator_id"], doc_id=r["doc_id"], table=r["table_title"],
                  project=r["project"], project_amount=r["project_amount"], level1=r["level1"],
                  level2=r["level2"], level3=r["level3"], value_text=r["value_text"],
                  comparator=r["comparator"], number=r["number"], unit=r["unit"], note=r["note"],
                  line=r["line"], page=r["page"])
        for r in db.rows("SELECT indicator_id, doc_id, table_title, project, project_amount, level1,"
                         " level2, level3, value_text, comparator, number, unit, note, line, page"
                         f" FROM indicators WHERE doc_id = :d ORDER BY line, {_ord(db)}", d=doc_id)
    ]


def facts(db: Database, doc_id: str) -> list[NarrativeFact]:
    # a read-only store from before migration 5 has no roles: all headlines
    role = "role" if db.has(5) else "'headline' AS role"
    return [
        NarrativeFact(fact_id=r["fact_id"], doc_id=r["doc_id"], section_id=r["section_id"],
                      section=r["section"], kind=r["kind"], subject=r["subject"], value=r["value"],
                      unit=r["unit"], text=r["text"], direction=r["direction"], quote=r["quote"],
                      line=r["line"], page=r["page"], role=r["role"])
        for r in db.rows("SELECT fact_id, doc_id, section_id, section, kind, subject, value, unit, text,"
                         f" direction, quote, line, page, {role} FROM facts WHERE doc_id = :d"
                         f" ORDER BY line, {_ord(db)}", d=doc_id)
    ]


def chunk_ids(db: Database, doc_ids: list[str]) -> list[str]:
    """The ids of these documents' chunks."""
    return sorted(r["chunk_id"] for d in doc_ids
                  for r in db.rows("SELECT chunk_id FROM chunks WHERE doc_id = :d", d=d))


def chunks(db: Database, doc_id: str | None = None) -> list[Chunk]:
    """One document's chunks in their order, or every document's (document by document)."""
    query = ("SELECT chunk_id, doc_id, kind, text, dense_text, department, year, section, table_title,"
             f" line_start, line_end, page, {_ord(db)} AS ord FROM chunks")
    found = db.rows(query + " WHERE doc_id = :d", d=doc_id) if doc_id else db.rows(query)
    return [
        Chunk(chunk_id=r["chunk_id"], doc_id=r["doc_id"], kind=r["kind"], text=r["text"],
              dense_text=r["dense_text"],
              department=r["department"], year=r["year"], section=r["section"],
              table=r["table_title"], line_start=r["line_start"], line_end=r["line_end"],
              page=r["page"])
        for r in sorted(found, key=lambda r: (r["doc_id"], r["ord"]))
    ]


def export_facts(db: Database) -> Iterator[dict[str, object]]:
    """Every table cell as one fact with its source, for `budgetqa export`."""
    docs = {d.doc_id: d for d in documents(db)}
    for d in docs.values():
        for t in tables(db, d.doc_id):
            for r in t.rows:
                for c in r.cells:
                    yield {
                        "doc_id": d.doc_id, "department": d.department, "year": d.year,
                        "table": t.title, "table_number": t.number, "row": r.label,
                        "code": r.code, "column": c.column, "value": c.value,
                        "unit": "%" if c.unit == "%" else "万元", "text": c.text, "original_unit": c.unit, "page": c.page,
                        "line": c.line, "verified": r.verified,
                    }
