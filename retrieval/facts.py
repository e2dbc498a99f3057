"""The figures of one document, as the answer engine looks them up: table cells, projects,
narrative figures and indicators, each turned into a cited Figure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from indexer import store
from indexer.store import Database
from indexer.records import Cell, Chunk, Document, Indicator, NarrativeFact, Row, Section, Table
from indexer.text import normalise, squeeze
from retrieval.records import Citation, Figure

_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|其中[:：])+")
# the order in which tables are asked for an item: the complete functional table first
TABLE_PRIORITY = (
    "部门收支", "部门支出", "支出总体", "一般公共预算支出", "项目支出预算", "“三公”", "基本支出",
    "支出经济分类", "机构运转", "财政拨款收支", "部门收入", "政府性基金", "国有资本",
)


def plain_label(label: str) -> str:
    """A row label without numbering, spaces or full-width forms: "十七、金融支出" → "金融支出"."""
    return _ENUM.sub("", squeeze(normalise(label)))


def table_rank(title: str) -> int:
    for k, key in enumerate(TABLE_PRIORITY):
        if key in title:
            return k
    return len(TABLE_PRIORITY)


@dataclass
class RowRef:
    table: Table
    row: Row

    @cached_property
    def label(self) -> str:
        """The row's label as items are named: no numbering, spaces or full-width forms."""
        return plain_label(self.row.label)

    def cell(self, column: str | None = None) -> Cell | None:
        """The cell of a column path (exact, or its last levels); the first cell when None."""
        if column is None:
            return self.row.cells[0] if self.row.cells else None
        for c in self.row.cells:
            if c.column == column:
                return c
        for c in self.row.cells:
            if c.column.endswith("/" + column) or c.column.split("/")[-1] == column:
                return c
        return None


@dataclass
class Project:
    name: str
    amount: float
    category: str | None
    unit: str | None  # 项目单位 (the budget unit it belongs to)
    ref: RowRef


class DocFacts:
    """All figures of one document, loaded once from the store."""

    def __init__(self, conn: Database, document: Document) -> None:
        self.conn = conn
        self.document = document

    @cached_property
    def tables(self) -> list[Table]:
        return sorted(store.tables(self.conn, self.document.doc_id), key=lambda t: table_rank(t.title))

    @cached_property
    def facts(self) -> list[NarrativeFact]:
        return store.facts(self.conn, self.document.doc_id)

    @cached_property
    def indicators(self) -> list[Indicator]:
        return store.indicators(self.conn, self.document.doc_id)

    @cached_property
    def sections(self) -> list[Section]:
        return store.sections(self.conn, self.document.doc_id)

    @cached_property
    def chunks(self) -> list[Chunk]:
        return store.chunks(self.conn, self.document.doc_id)

    @cached_property
    def all_text(self) -> str:
        """Everything the document says, squeezed: sections, tables, indicators."""
        parts = [c.text for c in self.chunks] + [i.level3 + i.value_text for i in self.indicators]
        return squeeze("".join(parts + [r.row.label for r in self.rows]))

    @cached_property
    def rows(self) -> list[RowRef]:
        return [RowRef(t, r) for t in self.tables for r in t.rows]

    def table(self, *keywords: str) -> Table | None:
        for t in self.tables:
            if all(k in t.title for k in keywords):
                return t
        return None

    @cached_property
    def _by_label(self) -> dict[str, list[RowRef]]:
        """Rows by their label, and by their label without 支出, best tables first."""
        out: dict[str, list[RowRef]] = {}
        for r in self.rows:
            out.setdefault(r.label, []).append(r)
        return out

    @cached_property
    def _by_stem(self) -> dict[str, list[RowRef]]:
        out: dict[str, list[RowRef]] = {}
        for r in self.rows:
            out.setdefault(r.label.removesuffix("支出"), []).append(r)
        return out

    def find_rows(self, item: str, table_keyword: str | None = None) -> list[RowRef]:
        """Rows whose label is the item (numbering and spaces ignored), best tables first."""
        wanted = plain_label(item)
        exact = [r for r in self._by_label.get(wanted, []) if not table_keyword or table_keyword in r.table.title]
        # "一般公共服务支出" is the row "一、一般公共服务" of the 收支 table: same item, other wording
        stem = wanted.removesuffix("支出")
        loose = [r for r in self._by_stem.get(stem, []) if stem and r.label != wanted
                 and (not table_keyword or table_keyword in r.table.title)]
        return exact + loose

    def rows_of_item(self, item: str) -> list[RowRef]:
        """The rows that give an item's amount: its own row, its "X合计" row, else the total row of
        a table about the item alone ("“三公”经费支出表" whose 合计 is the 三公经费)."""
        rows = self.find_rows(item) + (self.find_rows(item + "合计") if not item.endswith("合计") else [])
        if rows:
            return rows
        wanted = plain_label(item)
        about = [t for t in self.tables if len(wanted) >= 3 and wanted in plain_label(t.title)]
        totals = [r for r in (self.total_row(t) for t in about) if r is not None]
        return totals if len({r.table.table_id for r in totals}) == 1 else []

    def total_row(self, table: Table) -> RowRef | None:
        for r in table.rows:
            if r.is_total and plain_label(r.label) in ("合计", "总计", "共计"):
                return RowRef(table, r)
        return None

    @cached_property
    def projects(self) -> list[Project]:
        """The projects of the 项目支出预算表 with their amount, type and unit."""
        table = self.table("项目支出预算")
        if table is None:
            return []
        out, unit = [], None
        for r in table.rows:
            if r.code_kind == "单位":
                unit = plain_label(r.label)
                continue
            if r.is_total or not r.cells:
                continue
            ref = RowRef(table, r)
            amount = ref.cell("合计") or ref.cell()
            if amount is None or amount.value is None:
                continue
            owner = r.extra.get("项目单位")
            out.append(Project(plain_label(r.label), amount.value, r.category,
                               plain_label(owner) if owner else unit, ref))
        return out

    def narrative(self, subject: str, kind: str = "amount") -> list[NarrativeFact]:
        wanted = squeeze(subject)
        return [f for f in self.facts if f.kind == kind and squeeze(f.subject) == wanted]

    # ---- citations and figures --------------------------------------------------------------

    def cite_cell(self, ref: RowRef, cell: Cell | None) -> Citation:
        t = ref.table
        cells = "；".join(f"{c.column.split('/')[-1]} {c.text}" for c in ref.row.cells[:8])
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="table",
            table=f"{t.number} {t.title}" if t.number else t.title,
            row=ref.row.label, column=cell.column if cell else None,
            page=(cell.page if cell else None) or ref.row.page, line=cell.line if cell else ref.row.line,
            quote=f"{ref.row.label}：{cells}" if cells else ref.row.label,
        )

    def cite_fact(self, fact: NarrativeFact) -> Citation:
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="section", section=fact.section, page=fact.page,
            line=fact.line, quote=fact.quote,
        )

    def cite_section(self, section: Section, quote: str) -> Citation:
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="section", section=" > ".join(section.path),
            page=section.page, line=section.line_start, quote=quote,
        )

    def cite_chunk(self, chunk: Chunk, quote: str) -> Citation:
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="table" if chunk.kind == "table" else "section",
            table=chunk.table, section=chunk.section, page=chunk.page, line=chunk.line_start,
            quote=quote,
        )

    def cite_table(self, table: Table) -> Citation:
        """A whole table, quoted by its note (an empty table's "本表无数据")."""
        total = self.total_row(table)
        if total is not None:
            return self.cite_cell(total, None)
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="table", table=table.title, page=table.page,
            line=table.line_start, quote=table.empty_note or table.title,
        )

    def cite_indicator(self, indicator: Indicator) -> Citation:
        owner = indicator.project or "部门整体"
        return Citation(
            doc_id=self.document.doc_id, department=self.document.department,
            year=self.document.year, kind="table", table=indicator.table, row=owner,
            column=indicator.level3, page=indicator.page, line=indicator.line,
            quote=f"{owner}：{indicator.level3} {indicator.value_text}",
        )

    def cell_figure(self, ref: RowRef, column: str | None = None, label: str | None = None) -> Figure | None:
        cell = ref.cell(column)
        if cell is None or cell.value is None:
            return None
        name = label or f"{ref.label}（{cell.column}）"
        return Figure(value=cell.value, unit="万元", label=name, citation=self.cite_cell(ref, cell))

    def fact_figure(self, fact: NarrativeFact, label: str | None = None) -> Figure:
        return Figure(value=fact.value, unit=fact.unit, label=label or fact.subject,
                      citation=self.cite_fact(fact))


def unit_names(conn: Database) -> dict[str, list[str]]:
    """Department → the names of the budget units its tables list (rows coded 单位)."""
    out: dict[str, list[str]] = {}
    for department, label in store.unit_labels(conn):
        name = plain_label(label)
        if name and name != department:
            out.setdefault(department, []).append(name)
    return out
