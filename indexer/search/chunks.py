"""Cut sections and tables into search chunks that carry their source.

Sections: the heading path and the text, long ones split at sentence ends (langchain's splitter).
Tables: title, header and rows as lines; long tables in row groups with the header repeated.
绩效目标: one chunk per project with its indicators.
"""

from __future__ import annotations

from itertools import groupby

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.records import Chunk, Document, Indicator, Row, Section, Table
from indexer.text import stable_id

SECTION_CHARS = 500
ROWS_PER_CHUNK = 15
_splitter = RecursiveCharacterTextSplitter(
    chunk_size=SECTION_CHARS,
    chunk_overlap=60,
    separators=["\n", "。", "；", ";", "，", ",", ""],
    keep_separator="end",
)


def _owner(doc: Document) -> str:
    """Whose text a chunk is: "洛阳市…局 2025年" (no year when the document names none)."""
    return f"{doc.department} {doc.year}年" if doc.year else doc.department


def _chunk(doc: Document, kind: str, text: str, key: object, **source: object) -> Chunk:
    return Chunk(
        chunk_id=stable_id(doc.doc_id, kind, key, text),
        doc_id=doc.doc_id,
        kind=kind,
        text=text,
        department=doc.department,
        year=doc.year,
        **source,
    )


def section_chunks(doc: Document, sections: list[Section]) -> list[Chunk]:
    chunks = []
    for s in sections:
        if not s.text.strip():
            continue
        heading = " > ".join(s.path)
        for k, piece in enumerate(_splitter.split_text(s.text)):
            text = f"{_owner(doc)} | {heading}\n{piece}"
            chunks.append(
                _chunk(doc, "section", text, (s.section_id, k), section=heading,
                       line_start=s.line_start, line_end=s.line_end, page=s.page)
            )
    return chunks


def row_text(row: Row) -> str:
    """One row as a line: label, code, category and its non-empty cells."""
    head = row.label + (f"（{row.code}）" if row.code else "")
    if row.category:
        head += f" [{row.category}]"
    if row.extra:  # text columns (主要内容或用途, 项目单位 …) say what the row is for
        head += "（" + "；".join(f"{k}：{v}" for k, v in row.extra.items()) + "）"
    cells = "；".join(f"{c.column}={c.text}" for c in row.cells)
    return f"{head}：{cells}" if cells else head


def leaf_columns(table: Table) -> str:
    return "、".join(dict.fromkeys(c.rsplit("/", 1)[-1] for c in table.columns))


def table_chunks(doc: Document, table: Table) -> list[Chunk]:
    name = f"{table.number + ' ' if table.number else ''}{table.title}"
    header = f"{_owner(doc)} | {name}（单位：{table.unit}）\n列：{'、'.join(table.columns)}"
    if not table.rows or table.empty_note:
        text = header + ("\n" + table.empty_note if table.empty_note else "")
        return [_chunk(doc, "table", text, table.table_id, table=table.title,
                       line_start=table.line_start, line_end=table.line_end, page=table.page)]
    chunks = []
    for start in range(0, len(table.rows), ROWS_PER_CHUNK):
        group = table.rows[start : start + ROWS_PER_CHUNK]
        text = header + "\n" + "\n".join(row_text(r) for r in group)
        labels = "、".join(dict.fromkeys(r.label for r in group))
        dense = f"{_owner(doc)} | {name}\n列：{leaf_columns(table)}\n行：{labels}"
        chunks.append(
            _chunk(doc, "table", text, (table.table_id, start), table=table.title, dense_text=dense,
                   line_start=group[0].line, line_end=group[-1].line, page=group[0].page)
        )
    return chunks


def indicator_chunks(doc: Document, indicators: list[Indicator]) -> list[Chunk]:
    chunks = []
    ordered = sorted(indicators, key=lambda i: (i.table, i.project or "", i.line))
    for (table, project), group in groupby(ordered, key=lambda i: (i.table, i.project)):
        items = list(group)
        owner = f"项目：{project}" + (
            f"（{items[0].project_amount:g}万元）" if items[0].project_amount is not None else ""
        ) if project else "部门整体"
        lines = [
            f"{'/'.join(x for x in (i.level1, i.level2) if x)} {i.level3}：{i.value_text}"
            for i in items
        ]
        for start in range(0, len(lines), ROWS_PER_CHUNK * 2):
            text = f"{_owner(doc)} | {table} | {owner}\n" + "\n".join(
                lines[start : start + ROWS_PER_CHUNK * 2]
            )
            part = items[start : start + ROWS_PER_CHUNK * 2]
            chunks.append(
                _chunk(doc, "table", text, (table, project, start), table=table,
                       line_start=part[0].line, line_end=part[-1].line, page=part[0].page)
            )
    return chunks


def build_chunks(
    doc: Document, sections: list[Section], tables: list[Table], indicators: list[Indicator]
) -> list[Chunk]:
    chunks = section_chunks(doc, sections)
    for table in tables:
        chunks.extend(table_chunks(doc, table))
    chunks.extend(indicator_chunks(doc, indicators))
    return list({c.chunk_id: c for c in chunks}.values())
