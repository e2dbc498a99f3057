"""Find the figure of an item in one document: a table cell first, the text's figure second.

An item is a budget term as the documents write it (a row label, a column, a project, a
measure such as 基本支出). Tables come first because they are the source the text summarises.
"""

from __future__ import annotations

import re

from indexer.text import squeeze
from retrieval.facts import DocFacts, RowRef, plain_label
from retrieval.plan import families
from retrieval.records import Figure

# measures of the whole budget: (table keyword, row label, column) in the order to try
MEASURES: dict[str, list[tuple[str, str, str]]] = {
    "收入总计": [("部门收支", "收入总计", "收入/金额"), ("支出总体", "合计", "总计")],
    "支出总计": [("部门收支", "支出总计", "支出/金额"), ("支出总体", "合计", "总计")],
    "收支总计": [("部门收支", "收入总计", "收入/金额"), ("支出总体", "合计", "总计")],
    "收入合计": [("部门收支", "本年收入合计", "收入/金额")],
    "支出合计": [("部门收支", "本年支出合计", "支出/金额")],
    "基本支出": [("部门支出", "合计", "基本支出/小计"), ("支出总体", "合计", "基本支出/小计")],
    "项目支出": [("部门支出", "合计", "项目支出/小计"), ("支出总体", "合计", "项目支出/小计")],
    "人员经费": [("基本支出", "合计", "人员经费")],
    "公用经费": [("基本支出", "合计", "公用经费")],
}
# parts of a whole ("主要花在…上", "三公经费构成"): the whole, then its parts
COMPONENTS = {"“三公”经费": ["因公出国(境)费", "公务接待费", "公务用车购置及运行费"],
              "基本支出": ["人员经费", "公用经费"], "支出总计": ["基本支出", "项目支出"]}
_TOTAL_LABELS = ("合计", "总计", "共计", "收入总计", "支出总计")
_AMOUNT_COLUMNS = ("合计", "总计", "收入/金额", "支出/金额", "金额", "资金总额")


def measure_figure(df: DocFacts, measure: str) -> Figure | None:
    for keyword, label, column in MEASURES.get(measure, []):
        table = df.table(keyword)
        if table is None:
            continue
        for row in table.rows:
            if plain_label(row.label) == label:
                ref = RowRef(table, row)
                # other publishers head the column in their own words ("基本支出" without 小计)
                other = _same_head(ref, column)
                figure = df.cell_figure(ref, column, label=measure) or (
                    df.cell_figure(ref, other, label=measure) if other else None)
                if figure:
                    return figure
    facts = [f for f in df.narrative(measure) if f.role == "headline"]
    if facts:
        return df.fact_figure(facts[0], label=measure)
    # a table of another layout printing the measure as a row of its own ("支出总计 512.30")
    rows = [r for r in df.rows if plain_label(r.row.label) == measure]
    return row_amount(df, rows[0], label=measure) if rows else None


def _same_head(ref: RowRef, column: str) -> str | None:
    """The row's column under the same head as `column` ("基本支出/小计" → "基本支出"), or None."""
    head = column.split("/")[0]
    return next((c.column for c in ref.row.cells if c.value is not None and c.column.split("/")[0] == head
                 and c.column != column), None)


def row_amount(df: DocFacts, ref: RowRef, label: str | None = None) -> Figure | None:
    year_column = this_year_column(ref, df.document.year)
    if year_column:  # "2015年决算数 | 2016年决算数": the document's own year
        figure = df.cell_figure(ref, year_column, label=label or ref.label)
        if figure:
            return figure
    actual = families.columns(ref.table).get(families.ACTUAL)
    if actual:  # a 决算 table: what was spent is the row's figure, the plans beside it are asked by name
        figure = df.cell_figure(ref, actual, label=label or ref.label)
        if figure:
            return figure
    for column in _AMOUNT_COLUMNS:
        figure = df.cell_figure(ref, column, label=label or ref.label)
        if figure:
            return figure
    # otherwise the leftmost number: budget tables put the row's total first
    # (小计 of 一般公共预算, or the only number of a vertical list)
    if ref.row.cells:
        return df.cell_figure(ref, ref.row.cells[0].column, label=label or ref.label)
    return None


_YEAR_IN = re.compile(r"(20\d\d)\s*年")


def this_year_column(ref: RowRef, year: int) -> str | None:
    """The row's column of the document's year when its columns are of several years (本年 / 上年,
    2016年 / 2015年); None when they are not."""
    columns = [c.column for c in ref.row.cells if c.value is not None]
    heads = {c: c.split("/")[0] for c in columns}
    dated = {c: int(m.group(1)) for c, h in heads.items() if (m := _YEAR_IN.search(h))}
    relative = {c: h for c, h in heads.items() if re.match(r"本年|今年|上年|去年", h)}
    if len(set(dated.values())) >= 2:
        mine = [c for c, y in dated.items() if y == year] or [c for c, y in dated.items() if y == max(dated.values())]
        return mine[0]
    if any(h.startswith(("上年", "去年")) for h in relative.values()) and any(
            h.startswith(("本年", "今年")) for h in relative.values()):
        return next(c for c, h in relative.items() if h.startswith(("本年", "今年")))
    return None


def column_figure(df: DocFacts, item: str) -> Figure | None:
    """An item that is a column of a one-row table (the "三公" table's 因公出国(境)费 …)."""
    wanted = squeeze(item)
    for table in df.tables:
        for column in table.columns:
            leaf = column.split("/")[-1]
            if squeeze(leaf) in (wanted, wanted + "合计") or (leaf == "小计" and column.split("/")[0] == wanted):
                data = [r for r in table.rows if r.cells]
                total = df.total_row(table) or (RowRef(table, data[0]) if len(data) == 1 else None)
                if total:
                    figure = df.cell_figure(total, column, label=item)
                    if figure:
                        return figure
    return None


def item_figure(df: DocFacts, item: str) -> Figure | None:
    """The amount of an item: a measure, a row, a column, a project, or the text's figure."""
    if item in MEASURES:
        return measure_figure(df, item)
    for ref in df.find_rows(item):
        if ref.label in _TOTAL_LABELS:
            continue
        figure = row_amount(df, ref, label=item)
        if figure:
            return figure
    figure = column_figure(df, item)
    if figure:
        return figure
    project = find_project(df, item)
    if project:
        return row_amount(df, project.ref, label=project.name)
    facts = df.narrative(item)
    if facts:
        return df.fact_figure(facts[0], label=item)
    # a publisher's "“三公”经费合计" row, or the 合计 of its "“三公”经费支出表", is the "“三公”经费"
    for ref in df.rows_of_item(item):
        if ref.label == item:
            continue  # its own row was tried above
        figure = row_amount(df, ref, label=item)
        if figure:
            return figure
    return empty_table_figure(df, item)


def empty_table_figure(df: DocFacts, item: str) -> Figure | None:
    """An item whose own table is empty ("本表无数据", "无政府性基金预算拨款安排的支出"): none, 0."""
    core = plain_label(item).removesuffix("支出").removesuffix("预算").removesuffix("拨款")
    if len(core) < 3:
        return None
    for table in df.tables:
        if table.empty_note and core in plain_label(table.title) and not any(
                c.value for r in table.rows for c in r.cells):
            return Figure(value=0.0, unit="万元", label=item, citation=df.cite_table(table))
    return None


def find_project(df: DocFacts, name: str):
    """A project by its name as written, ignoring spaces, brackets and width."""
    wanted = _loose(name)
    exact = [p for p in df.projects if _loose(p.name) == wanted]
    if exact:
        return exact[0]
    partial = [p for p in df.projects if wanted and (wanted in _loose(p.name) or _loose(p.name) in wanted)]
    return min(partial, key=lambda p: abs(len(_loose(p.name)) - len(wanted))) if partial else None


def _loose(text: str) -> str:
    return plain_label(text).replace("(", "").replace(")", "").replace("《", "").replace("》", "").lower()


def breakdown(df: DocFacts, ref: RowRef) -> list[Figure]:
    """The top-level parts of a row (基本支出/项目支出 小计) for a fuller lookup answer."""
    parts = []
    for column in ("基本支出/小计", "项目支出/小计"):
        figure = df.cell_figure(ref, column, label=column.split("/")[0])
        if figure:
            parts.append(figure)
    return parts
