"""The domain's nouns: typed records passed between the indexing stages.

Every record that holds a figure carries its source (document, table, row, column, line, page),
so a citation is built from fields, never reconstructed from text afterwards.
Amounts are stored in 万元 (`value`) next to the text and unit as written (`text`, `unit`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Document(Record):
    """One budget disclosure file."""

    doc_id: str  # content hash prefix: the same bytes always get the same id
    file_name: str
    path: str
    sha256: str
    title: str  # e.g. "2025 年洛阳市瀍河回族区行政审批和政务信息管理局部门预算公开"
    department: str  # full name as the document writes it
    year: int  # budget year
    region_level: str  # 省 / 市 / 区 / 县 / 街道 …
    kind: str = "部门预算"  # 部门预算 / 单位预算 / 部门决算 / 单位决算 / 三公经费
    unit: str = "万元"  # unit of amounts as the document states it (most tables; each table has its own)
    shape: Literal["tsv", "flat", "pdf"]  # tab-separated tables, flattened PDF text, or a PDF
    line_count: int
    page_count: int | None = None
    listed_tables: list[str] = Field(default_factory=list)  # table titles in the 目录


class Section(Record):
    """A heading and the text under it, down to the next heading of any level."""

    section_id: str
    doc_id: str
    heading: str
    level: int  # 1 = 第一部分, 2 = 一、, 3 = （一）, 4 = 1.
    path: list[str]  # headings from the top down to this one
    text: str
    line_start: int  # 1-based, inclusive
    line_end: int
    page: int | None = None


class Cell(Record):
    """One number (or empty cell) of a table row, under one column path."""

    column: str  # column path, levels joined by "/": "基本支出/人员经费/工资福利支出"
    value: float | None  # in 万元 for amounts; None for an empty cell
    text: str  # as written
    unit: str  # unit as written for this table ("万元", "元")
    line: int
    page: int | None = None


class Row(Record):
    index: int  # position in the table, 0-based
    label: str  # row label with wrapped lines rejoined ("机关事业单位基本养老保险缴费支出")
    code: str | None = None  # 功能分类 "201 03 01" → "2010301", 经济分类 "30101", 单位代码 "113001"
    code_kind: Literal["功能分类", "经济分类", "单位", "项目"] | None = None
    category: str | None = None  # a text column that is not the label (项目类型 "其他运转类", 科目名称 …)
    extra: dict[str, str] = Field(default_factory=dict)  # other text columns by column path
    cells: list[Cell]
    is_total: bool = False  # 合计 / 小计 / 总计 rows
    verified: bool | None = None  # its sums check out; None when there is nothing to check
    note: str | None = None  # why a row is unverified, or how it was placed
    line: int
    page: int | None = None


class Table(Record):
    table_id: str
    doc_id: str
    number: str | None = None  # "预算01表" where the document numbers its tables
    title: str  # "部门收支预算表" (year prefix removed)
    kind: str | None = None  # the title's table kind across publishers (`table_kinds`)
    unit: str = "万元"
    columns: list[str]  # column paths of the numeric columns, left to right
    text_columns: list[str] = Field(default_factory=list)  # label/code columns
    rows: list[Row]
    empty_note: str | None = None  # "本表无数据" note of an empty table
    line_start: int
    line_end: int
    page: int | None = None
    warnings: list[str] = Field(default_factory=list)


class Indicator(Record):
    """One line of a 绩效目标表: 整体 (project is None) or per project."""

    indicator_id: str
    doc_id: str
    table: str  # title of the table it comes from
    project: str | None  # project name; None for the 部门整体 table
    project_amount: float | None = None  # 万元
    level1: str | None = None  # 一级指标: 产出指标 …
    level2: str | None = None  # 二级指标: 数量指标 …
    level3: str  # 三级指标: 服务窗口数量
    value_text: str  # as written: "≥95%", "26个", "即时响应"
    comparator: Literal["≥", "≤", ">", "<", "=", "≈"] | None = None
    number: float | None = None
    unit: str | None = None  # "%", "个", "万元", "小时" …
    note: str | None = None  # 指标值说明 where present
    line: int
    page: int | None = None


class NarrativeFact(Record):
    """A figure stated in the text, with the sentence as its quote."""

    fact_id: str
    doc_id: str
    section_id: str | None
    section: str  # heading path joined by " > "
    kind: Literal["amount", "share", "change_amount", "change_percent", "count"]
    subject: str  # what the figure is about: "收入总计", "基本支出", "车辆" …
    value: float  # 万元 for amounts; percentage points for shares; count for counts
    unit: str  # "万元", "%", "个", "辆" …
    text: str  # the figure as written: "289.81 万元"
    direction: Literal["增加", "减少", "持平"] | None = None  # for changes
    quote: str
    line: int
    page: int | None = None
    # "headline": the section's own statement; "detail": a figure of one fund, project or unit
    # named inside the sentence ("其中…专项中项目支出 0 元"), kept apart from the headline figure
    role: Literal["headline", "detail"] = "headline"


class Chunk(Record):
    """A piece of text for search: one section, or one table (or row group of a long table)."""

    chunk_id: str
    doc_id: str
    kind: Literal["section", "table"]
    text: str
    # what the dense index embeds when it differs from `text`: a table's title, columns and
    # row labels without the numbers (shorter, and numbers carry no meaning for embeddings)
    dense_text: str | None = None
    department: str
    year: int
    section: str | None = None
    table: str | None = None
    line_start: int
    line_end: int
    page: int | None = None


class ParsedDocument(Record):
    """Everything the indexer extracts from one file, before it is stored."""

    document: Document
    sections: list[Section] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    facts: list[NarrativeFact] = Field(default_factory=list)
    chunks: list[Chunk] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
