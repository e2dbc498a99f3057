"""The indexing pipeline: file → lines → metadata → sections, tables, indicators, facts → chunks
→ fact store (one transaction per document) → Chroma and BM25.

A file that fails is reported with its reason and leaves the store as it was. A write that
fails (disk full, permission denied) stops the run with StoreWriteError: what was committed
before stays readable, and the search indexes are repaired by the next run.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer import store
from indexer.store import Database
from indexer.search.bm25 import LEGACY_FILE, BM25Index, OldLayout
from indexer.search.chunks import build_chunks
from indexer.search.state import DENSE, READY
from indexer.failures import StoreWriteError, describe, shown, writing
from indexer.limits import DEFAULT, Limits, TooLarge
from indexer.parse.indicator_tables import parse_indicator_tables
from indexer.parse.layout import clean_title, find_tables, listed_tables
from indexer.read.load import (
    SUPPORTED_SUFFIXES,
    NotABudgetDocument,
    SourceText,
    UnreadableFile,
    file_sha256,
    read_document,
)
from indexer.parse.metadata import read_metadata
from indexer.parse.narrative import extract_facts, quotes_as_written
from indexer.parse.pages import without_page_artefacts
from indexer.records import Document, ParsedDocument
from indexer.parse.sections import parse_sections, table_text_sections
from indexer.parse.table_kinds import is_summary, table_kind
from indexer.parse.tables_flat import parse_flat_tables
from indexer.parse.tables_tsv import parse_tsv_tables
from indexer.search.vectors import VectorIndex

SUPPORTED = SUPPORTED_SUFFIXES
# with no logging configured, a warning is printed to stderr as its bare message: one line
log = logging.getLogger(__name__)


@dataclass
class IndexResult:
    path: Path
    status: str  # "indexed", "unchanged", "superseded" (a newer version is stored), "failed"
    doc_id: str | None = None
    department: str | None = None
    year: int | None = None
    message: str | None = None  # why it failed
    tables_found: int = 0
    tables_listed: int = 0
    rows: int = 0
    rows_checkable: int = 0
    rows_verified: int = 0
    indicators: int = 0
    projects: int = 0
    facts: int = 0
    chunks: int = 0
    warnings: list[str] = field(default_factory=list)


def parse_source(source: SourceText, department: str | None = None,
                 year: int | None = None) -> ParsedDocument:
    """Turn a file's lines into every record the store keeps.

    Args:
        source: the file's lines.
        department: a name given by the user, over (or where there is no) name in the document.
        year: a year given by the user, likewise.

    Returns:
        The records, with warnings on anything missing or guessed.
    """
    spans = find_tables(source.lines)
    # page numbers and running headers of flattened PDF text, blanked (line numbers kept)
    lines = without_page_artefacts(source.lines, [(s.line_start - 1, s.line_end - 1) for s in spans])
    meta = read_metadata(lines, file_name=source.path.name, department=department, year=year)
    doc_id = source.sha256[:16]
    spans = find_tables(lines)
    listed = listed_tables(lines)
    warnings: list[str] = list(meta.warnings)
    if listed and not spans:
        # an excerpt (the opening pages of a disclosure) is read for what it holds
        warnings.append(f"只有部分内容：目录列出 {len(listed)} 张表，正文中一张也没有（文档可能被截断）")
    document = Document(
        doc_id=doc_id, file_name=source.path.name, path=str(source.path.resolve()),
        sha256=source.sha256, title=meta.title, department=meta.department, year=meta.year,
        region_level=meta.region_level, kind=meta.kind, unit=meta.unit,
        shape="pdf" if source.pages is not None else meta.shape,
        line_count=len(lines), page_count=source.page_count, listed_tables=listed,
    )
    # a PDF's lines are tab-separated where its tables are ruled, flattened where they are not
    if meta.shape == "tsv":
        tables, table_warnings = parse_tsv_tables(doc_id, lines, spans, default_unit=meta.unit)
    else:
        tables, table_warnings = parse_flat_tables(doc_id, lines, spans)
    indicator_tables, indicators, indicator_warnings = parse_indicator_tables(
        doc_id, lines, spans, meta.shape == "flat"
    )
    tables = sorted(tables + indicator_tables, key=lambda t: t.line_start)
    for table in tables:
        table.kind = table_kind(table.title)
    # an excerpt without any of its tables says so once (above), not once per table
    warnings += table_warnings + indicator_warnings + (missing_tables(listed, tables) if spans else [])
    warnings += partial_document(meta.kind, tables)
    sections = parse_sections(doc_id, lines)
    facts = extract_facts(doc_id, lines, sections)
    if source.written is not None:
        quotes_as_written(facts, lines, source.written)
    sections += table_text_sections(doc_id, lines, spans)  # after the facts: table text is no narrative
    parsed = ParsedDocument(
        document=document, sections=sections, tables=tables, indicators=indicators,
        facts=facts, warnings=warnings,
    )
    if source.pages is not None:
        assign_pages(parsed, source.pages)
    parsed.chunks = build_chunks(document, sections, tables, indicators)
    return parsed


def assign_pages(parsed: ParsedDocument, pages: list[int]) -> None:
    """Set the page of every record from the page of its (1-based) source line."""
    def page(line: int) -> int | None:
        return pages[min(max(line, 1), len(pages)) - 1] if pages else None

    for section in parsed.sections:
        section.page = page(section.line_start)
    for table in parsed.tables:
        table.page = page(table.line_start)
        for row in table.rows:
            row.page = page(row.line)
            for cell in row.cells:
                cell.page = page(cell.line)
    for record in [*parsed.indicators, *parsed.facts]:
        record.page = page(record.line)
    for chunk in parsed.chunks:
        chunk.page = page(chunk.line_start)


def partial_document(kind: str, tables: list) -> list[str]:
    """Say what a partial 预算/决算 document lacks: its tables, or its summary table."""
    if kind == "三公经费":
        return []  # a notice of the "三公"经费 is whole without the other tables
    family = "决算" if "决算" in kind else "预算"
    if not tables:
        return [f"只有部分内容：未见{family}表格"]
    if not any(is_summary(t.kind) for t in tables):
        return [f"只有部分表格：未见部门收支总表（{'收入支出决算总表' if family == '决算' else '部门收支预算表'}）"]
    return []


def missing_tables(listed: list[str], tables: list) -> list[str]:
    """Name the tables the 目录 lists that the document does not contain."""
    found = {clean_title(t.number or t.title) for t in tables} | {clean_title(t.title) for t in tables}
    missing = [name for name in listed if not any(_same_table(name, f) for f in found)]
    return [f"目录列出但正文中未找到的表：{name}" for name in missing]


def _same_table(listed: str, found: str) -> bool:
    a, b = listed.replace("支出", ""), found.replace("支出", "")
    return listed == found or a in b or b in a


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders as their files (sorted, hidden ones skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


class Indexer:
    """Indexes files into the fact store and the search indexes of one store directory."""

    def __init__(self, conn: Database, vectors: VectorIndex, bm25_dir: Path | str,
                 limits: Limits = DEFAULT) -> None:
        self.conn = conn
        self.vectors = vectors
        self.bm25_dir = bm25_dir
        self.limits = limits
        # told (file or doc_id, chunks embedded, chunks) as a document's chunks are embedded
        self.embedding: Callable[[Path | str, int, int], None] = lambda source, done, total: None
        self._keywords: BM25Index | None = None

    @property
    def keywords(self) -> BM25Index:
        """The keyword index, opened on first use; one of an earlier layout is converted."""
        return self._open_keywords()

    def _open_keywords(self) -> BM25Index:
        if self._keywords is None:
            with writing(self.bm25_dir):
                try:
                    fresh = not BM25Index.exists(self.bm25_dir)
                    self._keywords = BM25Index.open(self.bm25_dir)
                    if fresh and store.search_states(self.conn):  # the folder was deleted by hand
                        log.warning("note: the keyword index at %s is missing; it is rebuilt",
                                    shown(self.bm25_dir))
                        self._register_chroma(self._keywords)
                except OldLayout:
                    self._keywords = self._convert_keywords()
        return self._keywords

    def _convert_keywords(self) -> BM25Index:
        """Replace the single keyword index of an earlier version by per-document segments."""
        log.warning("note: the keyword index at %s has the layout of an earlier version (one index"
                    " for all documents); it is rebuilt per document, once", shown(self.bm25_dir))
        for name in (LEGACY_FILE, "words.json"):
            (self.bm25_dir / name).unlink(missing_ok=True)
        shutil.rmtree(self.bm25_dir / "bm25", ignore_errors=True)
        keywords = BM25Index.open(self.bm25_dir)
        self._register_chroma(keywords)
        return keywords

    def _register_chroma(self, keywords: BM25Index) -> None:
        """Register what Chroma holds (one full read of it, once, for a registry made anew): the
        documents the fact store no longer has are then removed by the repair."""
        for doc_id in self.vectors.doc_ids():
            keywords.register(doc_id)

    def index(
        self, paths: Iterable[Path], progress: Callable[[Path], None] = lambda p: None,
        department: str | None = None, year: int | None = None,
    ) -> list[IndexResult]:
        """Index files and folders; raise StoreWriteError when the store cannot be written.

        `department` and `year`, when given, name every file's department and year (for files
        that do not say, or say it differently).
        """
        self._open_keywords()  # before any file: a registry made anew is told from the state before
        results = []
        for path in expand_paths(paths):
            try:
                results.append(self.index_file(path, department, year))
            except StoreWriteError as error:
                error.source = path
                raise
            progress(path)
        self.reconcile()
        return results

    def index_file(self, path: Path, department: str | None = None,
                   year: int | None = None) -> IndexResult:
        result = IndexResult(path=path, status="failed")
        try:
            if not path.exists():
                raise UnreadableFile("no such file")
            stored = store.documents_at_path(self.conn, str(path.resolve()))
            same = store.document_by_sha(self.conn, file_sha256(path))
            # unchanged: this path holds exactly this content, or the content is already stored
            # (a name or year given now that differs from the stored one is a change)
            if same is not None and all(doc_id == same.doc_id for doc_id, _ in stored) and (
                    department in (None, same.department) and year in (None, same.year)):
                return self._unchanged(result, same)
            parsed = parse_source(read_document(path, self.limits), department, year)
            self.limits.check_chunks(len(parsed.chunks))
        except (UnreadableFile, NotABudgetDocument, TooLarge) as error:
            result.message = getattr(error, "problem", str(error))  # the CLI names the file
            return result
        except OSError as error:  # the input cannot be read (permissions, I/O): this file fails
            result.message = f"cannot read: {describe(error)}"
            return result
        old = [doc_id for doc_id, _ in stored if doc_id != parsed.document.doc_id]
        newer = self._newer_version(path, parsed, old)
        if newer is not None:
            result.status, result.department, result.year = "superseded", newer.department, newer.year
            result.doc_id = newer.doc_id
            result.warnings = [f"未收录：已收录的 {newer.file_name} 是同一部门、年度的{newer.kind}的较新版本"]
            return result
        self.store_parsed(parsed, old)
        return summarise(result, parsed, "indexed")

    def store_parsed(self, parsed: ParsedDocument, old: list[str], renamed: bool = False) -> None:
        """Store a document's records in place of `old` (and of itself), then its chunks in Chroma
        (`renamed`: the same document under a new name, its chunks written again); its keyword
        segment is written by `reconcile`."""
        # only what the search indexes may hold is deleted from Chroma, by chunk id: a new
        # document costs no search of its records there (a filtered read grows with the collection)
        doc_id = parsed.document.doc_id
        held = self.keywords.registered()
        # read before the replacement deletes them
        stale = {d: store.chunk_ids(self.conn, [d]) for d in old if d in held}
        stale_ids = [c for ids in stale.values() for c in ids]
        resume = doc_id in held and not renamed  # a run killed after its commit: Chroma keeps what it has
        if doc_id in held:
            fresh = {c.chunk_id for c in parsed.chunks}
            # a rename: the earlier chunks (their text carries the old name) go, the same ids too
            # (added again below with the new text); a resume keeps the chunks Chroma has
            stale_ids += [c for c in store.chunk_ids(self.conn, [doc_id]) if renamed or c not in fresh]
            stale_ids += sorted(fresh) if renamed else []
        stale_ids = list(dict.fromkeys(stale_ids))  # an id both stored and new is deleted once
        unknown = [d for d, ids in stale.items() if not ids]
        database = self.conn.location
        with writing(database):
            store.replace_document(self.conn, parsed, replaces=old)
        with writing(self.bm25_dir):  # registered first: the repair knows what Chroma may hold
            self.keywords.register(doc_id)
        with writing(self.vectors.location):
            self.vectors.delete_chunks(stale_ids)
            self.vectors.delete_documents(unknown)  # none unless the fact store lost their chunks
            add = self.vectors.add_missing if resume else self.vectors.add
            add(parsed.chunks, lambda done, total: self.embedding(parsed.document.path, done, total))
        with writing(database):
            store.set_search_state(self.conn, doc_id, DENSE)
        # the keyword segment is written by `reconcile`, with the words of every file of the run

    def _newer_version(self, path: Path, parsed: ParsedDocument, old: list[str]) -> Document | None:
        """Another stored version of this department's year and kind: the newer file (by its
        modification time, then its path, so that two files indexed again keep the same winner;
        a stored file that is gone counts as older) stays. Returns the stored version that is
        newer, or None after marking the older ones for replacement, with a warning naming each."""
        d = parsed.document
        others = [v for v in store.versions_of(self.conn, d.department, d.year, d.kind)
                  if v.doc_id != d.doc_id and v.doc_id not in old]
        mine = (path.stat().st_mtime, str(path.resolve()))
        for version in others:
            stored = Path(version.path)
            if stored.exists() and (stored.stat().st_mtime, str(stored.resolve())) > mine:
                return version
        for version in others:
            old.append(version.doc_id)
            parsed.warnings.append(f"替换了同一部门、年度的{d.kind}的旧版本：{version.file_name}")
        return None

    def _unchanged(self, result: IndexResult, doc: Document) -> IndexResult:
        result.status, result.doc_id = "unchanged", doc.doc_id
        result.department, result.year = doc.department, doc.year
        return result

    def reconcile(self) -> bool:
        """Bring the search indexes in line with the fact store, from the two registries alone
        (documents.search_state and the keyword index's list), never by listing Chroma:
        remove what the fact store no longer has, give Chroma the chunks of documents it lacks,
        and write the keyword segments not yet written. Returns whether anything was done."""
        keywords = self.keywords
        states = store.search_states(self.conn)
        orphans = sorted(set(keywords.registered()) - set(states))
        if orphans:
            with writing(self.vectors.location):
                self.vectors.delete_documents(orphans)
            with writing(self.bm25_dir):
                for doc_id in orphans:
                    keywords.remove(doc_id)
        held = keywords.registered()
        for doc_id in sorted(d for d, state in states.items() if state not in (DENSE, READY)):
            with writing(self.bm25_dir):
                keywords.register(doc_id)
            with writing(self.vectors.location):
                # a killed run may have left some of its chunks: only the others are embedded
                add = self.vectors.add_missing if doc_id in held else self.vectors.add
                add(store.chunks(self.conn, doc_id), lambda done, total: self.embedding(doc_id, done, total))
            with writing(self.conn.location):
                store.set_search_state(self.conn, doc_id, DENSE)
            states[doc_id] = DENSE
        written = keywords.registered()
        lost = set(keywords.missing())
        todo = sorted(d for d, state in states.items() if state != READY or not written.get(d) or d in lost)
        if todo:
            words = {d: store.document_words(self.conn, d) for d in todo}
            # one dictionary for the run: every file's labels stay whole in every segment
            keywords.tokenizer.add(w for found in words.values() for w in found)
            for doc_id in todo:
                with writing(self.bm25_dir):
                    keywords.add(doc_id, store.chunks(self.conn, doc_id), words[doc_id])
                if states[doc_id] != READY:
                    with writing(self.conn.location):
                        store.set_search_state(self.conn, doc_id, READY)
        if orphans or todo:
            keywords.sweep()
        return bool(orphans or todo)


def summarise(result: IndexResult, parsed: ParsedDocument, status: str) -> IndexResult:
    d = parsed.document
    rows = [r for t in parsed.tables for r in t.rows]
    result.status, result.doc_id, result.department, result.year = status, d.doc_id, d.department, d.year
    result.tables_found = len(parsed.tables)
    result.tables_listed = len(d.listed_tables)
    result.rows = len(rows)
    result.rows_checkable = sum(1 for r in rows if r.verified is not None)
    result.rows_verified = sum(1 for r in rows if r.verified)
    result.indicators = len(parsed.indicators)
    result.projects = len({i.project for i in parsed.indicators if i.project})
    result.facts = len(parsed.facts)
    result.chunks = len(parsed.chunks)
    result.warnings = parsed.warnings
    return result
