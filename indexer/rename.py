"""Name a stored document: its department (or level of government) and year, as the user gives
them, when the document did not say or said it wrongly.

The records are read back from the store, the document's names and its chunks (whose text
carries the department and year) are made anew, and everything is stored again in one
transaction, which raises the store's revision: every process answering from the store sees
the new name on its next question. The file itself is not needed. Indexing the same file again
later keeps the name (the content is unchanged).
"""

from __future__ import annotations

from indexer import store
from indexer.parse.metadata import NAME_REQUEST, region_level
from indexer.pipeline import Indexer
from indexer.records import Document, ParsedDocument
from indexer.search.chunks import build_chunks


class NothingToRename(Exception):
    """Neither a department nor a year was given."""


def stored_document(indexer: Indexer, doc_id: str) -> ParsedDocument:
    """A document's records as the store holds them."""
    conn = indexer.conn
    document = next(d for d in store.documents(conn) if d.doc_id == doc_id)
    sections = store.sections(conn, doc_id)
    tables = store.tables(conn, doc_id)
    indicators = store.indicators(conn, doc_id)
    return ParsedDocument(
        document=document, sections=sections, tables=tables, indicators=indicators,
        facts=store.facts(conn, doc_id), chunks=store.chunks(conn, doc_id),
        warnings=store.document_warnings(conn, doc_id))


def renamed_title(d: Document, department: str, year: int) -> str:
    """The title with the old names replaced where it carried them (a title made from them)."""
    title = d.title.replace(d.department, department) if d.department else d.title
    if d.year and str(d.year) in title:
        title = title.replace(str(d.year), str(year))
    elif not d.year and year and not title.startswith(str(year)):
        title = f"{year}年{title}"
    return title


def rename_document(indexer: Indexer, doc_id: str, department: str | None = None,
                    year: int | None = None) -> Document:
    """Give a stored document another department and/or year.

    Args:
        indexer: the store's indexer (fact store, Chroma, keyword index).
        doc_id: the document.
        department: the new department (or level of government), or None to keep it.
        year: the new year, or None to keep it.

    Returns:
        The document as now stored.

    Raises:
        NothingToRename: neither a department nor a year given.
    """
    if not (department and department.strip()) and not year:
        raise NothingToRename("give --department or --year (or both)")
    parsed = stored_document(indexer, doc_id)
    old = parsed.document
    department = department.strip() if department and department.strip() else old.department
    year = year or old.year
    document = old.model_copy(update={
        "department": department, "year": year, "region_level": region_level(department),
        "title": renamed_title(old, department, year)})
    # the requests this name answers are gone; what the user changed is said
    warnings = [w for w in parsed.warnings if NAME_REQUEST not in w]
    if department != old.department:
        warnings.append(f"部门名称由用户指定为“{department}”（原为“{old.department}”）")
    if year != old.year:
        warnings.append(f"年度由用户指定为 {year}（原为 {old.year or '未知'}）")
    parsed.document, parsed.warnings = document, warnings
    parsed.chunks = build_chunks(document, parsed.sections, parsed.tables, parsed.indicators)
    indexer.store_parsed(parsed, old=[], renamed=True)
    indexer.reconcile()
    return document
