"""The consistency audit's records and its view of one stored document.

`Finding` is what every check returns; `DocView` holds one document's records (tables, facts,
indicators, sections) with the lookups the checks share: tables by role, figures by column,
citations built from the records' own source fields, and tolerances from the written precision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indexer import store
from indexer.store import Database
from indexer.records import Cell, Document, Indicator, NarrativeFact, Row, Section, Table
from indexer.text import normalise, squeeze
from retrieval.records import Citation

Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One place where a document contradicts itself (or seems to, with the reason it may not)."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    department: str
    year: int
    kind: str  # table_sum, cross_table, scope_difference, narrative_vs_table, share, growth_rate …
    severity: Severity
    message: str  # Chinese, with both figures
    citations: list[Citation] = Field(default_factory=list)
    note: str | None = None  # when the difference may be rounding or a difference of scope
    figures: dict[str, float] = Field(default_factory=dict)  # the compared values, by role

    def contract(self) -> dict[str, object]:
        """The JSON object of `budgetqa audit --json`."""
        return {
            "doc_id": self.doc_id, "department": self.department, "year": self.year,
            "kind": self.kind, "severity": self.severity, "message": self.message,
            "citations": [c.contract() for c in self.citations], "note": self.note,
            "figures": self.figures,
        }


@dataclass
class Figure:
    """A number found in a table or the text, with the citation of its place."""

    value: float
    label: str  # how the message names it: "部门支出预算表「合计」行「基本支出/小计」"
    citation: Citation
    text: str = ""  # as written, for the tolerance


# table roles by title keywords; the first role whose test passes wins
_ROLES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("overall_performance", ("整体", "绩效"), ()),
    ("project_performance", ("项目", "绩效"), ()),
    ("three_public", ("三公",), ()),
    ("running_cost", ("运转经费",), ()),
    ("fiscal", ("财政拨款收支",), ()),
    ("income_expense", ("部门收支",), ()),
    ("income", ("部门收入",), ()),
    ("basic", ("基本支出",), ()),
    ("economic_summary", ("经济分类汇总",), ()),
    ("fund", ("政府性基金",), ()),
    ("state_capital", ("国有资本经营",), ()),
    ("general", ("一般公共预算支出",), ()),
    ("projects", ("项目支出",), ()),
    ("expense", ("部门支出",), ()),
]
_TOTAL_LABELS = ("合计", "总计", "共计")


def table_role(title: str) -> str | None:
    t = squeeze(normalise(title))
    for role, words, _ in _ROLES:
        if all(w in t for w in words):
            return role
    return None


def function_leaves(table) -> list:
    """The most detailed rows of a table by 支出功能分类科目 (those no other row's code extends):
    where the money goes, each item once."""
    rows = [r for r in table.rows if r.code_kind == "功能分类" and r.code]
    codes = [r.code for r in rows]
    return [r for r in rows if not any(o != r.code and o.startswith(r.code) for o in codes)]


def decimals(text: str) -> int:
    """Decimal places of the first number written in `text` ("20.7%" → 1, "92万元" → 0)."""
    m = re.search(r"\d+(?:\.(\d+))?", text or "")
    return len(m.group(1) or "") if m else 2


def half_unit(text: str) -> float:
    """Half a unit of the last written digit: the rounding error of a figure written so."""
    return 0.5 * 10 ** -decimals(text) + 1e-9


def fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if abs(x - round(x, 2)) < 1e-9 else f"{x:.4f}"


def money(x: float) -> str:
    return f"{x:.2f}"


def plain(label: str) -> str:
    """A label without outline numbering, spaces and width differences: "（一）办公费 " → "办公费"."""
    t = squeeze(normalise(label))
    t = re.sub(r"^(其中[:：]?)", "", t)
    t = re.sub(r"^[一二三四五六七八九十]+[、.]|^\([一二三四五六七八九十\d]+\)|^\d+[、.]", "", t)
    return t


@dataclass
class DocView:
    """One document's stored records, with the lookups the checks share."""

    document: Document
    tables: list[Table]
    facts: list[NarrativeFact]
    indicators: list[Indicator]
    sections: list[Section]
    _roles: dict[str, list[Table]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Database, doc_id: str) -> DocView:
        document = next(d for d in store.documents(conn) if d.doc_id == doc_id)
        return cls(document, store.tables(conn, doc_id), store.facts(conn, doc_id),
                   store.indicators(conn, doc_id), store.sections(conn, doc_id))

    def __post_init__(self) -> None:
        for t in self.tables:
            role = table_role(t.title)
            if role:
                self._roles.setdefault(role, []).append(t)

    # ---- tables and figures

    def table(self, role: str) -> Table | None:
        found = self._roles.get(role)
        return found[0] if found else None

    def total_row(self, table: Table | None) -> Row | None:
        if table is None:
            return None
        for r in table.rows:
            if plain(r.label) in _TOTAL_LABELS or (r.is_total and not r.code):
                return r
        units = [r for r in table.rows if r.code_kind == "单位" and r.code and len(r.code) == 3]
        return units[0] if len(units) == 1 else None

    def row(self, table: Table | None, label: str, category: str | None = None) -> Row | None:
        if table is None:
            return None
        for r in table.rows:
            if (category is None or r.category == category) and plain(r.label) == label:
                return r
        return None

    @staticmethod
    def cell(row: Row | None, *columns: str) -> Cell | None:
        """The first cell whose column path is, or ends with, one of `columns` (in order)."""
        if row is None:
            return None
        for wanted in columns:
            for c in row.cells:
                path = squeeze(normalise(c.column))
                if path == wanted or path.endswith("/" + wanted):
                    return c
        return None

    def figure(self, table: Table | None, row: Row | None, *columns: str,
               empty_is_zero: bool = False) -> Figure | None:
        """A figure of one cell; an empty cell counts as 0 when `empty_is_zero`."""
        if table is None:
            return None
        if row is None:
            if table.empty_note and empty_is_zero:
                return Figure(0.0, f"{table.title}（无数据）", self.cite_table(table), "0.00")
            return None
        c = self.cell(row, *columns)
        if c is None or c.value is None:
            if not empty_is_zero or (c is None and not any(columns[0] in x for x in table.columns)):
                return None
            column = c.column if c else columns[0]
            return Figure(0.0, f"{table.title}「{plain(row.label)}」{column}", self.cite_row(table, row, column, ""), "0.00")
        return Figure(c.value, f"{table.title}「{plain(row.label)}」{c.column}",
                      self.cite_cell(table, row, c), c.text)

    # ---- citations

    def _cite(self, **kw: object) -> Citation:
        d = self.document
        return Citation(doc_id=d.doc_id, department=d.department, year=d.year, **kw)  # type: ignore[arg-type]

    def table_name(self, table: Table) -> str:
        return f"{table.number} {table.title}" if table.number else table.title

    def cite_cell(self, table: Table, row: Row, cell: Cell) -> Citation:
        return self._cite(kind="table", table=self.table_name(table), row=row.label, column=cell.column,
                          page=cell.page, line=cell.line, quote=f"{row.label} {cell.column} {cell.text}")

    def cite_row(self, table: Table, row: Row, column: str | None, text: str) -> Citation:
        return self._cite(kind="table", table=self.table_name(table), row=row.label, column=column,
                          page=row.page, line=row.line, quote=f"{row.label} {text}".strip())

    def cite_table(self, table: Table) -> Citation:
        return self._cite(kind="table", table=self.table_name(table), page=table.page,
                          line=table.line_start, quote=table.empty_note or table.title)

    def cite_fact(self, fact: NarrativeFact) -> Citation:
        return self._cite(kind="section", section=fact.section, page=fact.page, line=fact.line,
                          quote=fact.quote)

    def cite_indicator(self, ind: Indicator) -> Citation:
        what = " / ".join(x for x in (ind.level1, ind.level2, ind.level3) if x)
        return self._cite(kind="table", table=ind.table, row=ind.project or what, column=what,
                          page=ind.page, line=ind.line, quote=f"{ind.level3} {ind.value_text}")

    def fact_figure(self, fact: NarrativeFact) -> Figure:
        return Figure(fact.value, f"文中「{fact.subject}」", self.cite_fact(fact), fact.text)

    # ---- findings

    def finding(self, kind: str, severity: Severity, message: str, citations: list[Citation],
                figures: dict[str, float], note: str | None = None) -> Finding:
        d = self.document
        return Finding(doc_id=d.doc_id, department=d.department, year=d.year, kind=kind,
                       severity=severity, message=message, citations=citations, note=note,
                       figures={k: round(v, 4) for k, v in figures.items()})


def agree(a: Figure, b: Figure, slack: float = 0.0) -> bool:
    """Equal within the rounding of the less precise of the two written figures."""
    tol = max(half_unit(a.text), half_unit(b.text), 0.005) + slack + 1e-6
    return abs(a.value - b.value) <= tol
