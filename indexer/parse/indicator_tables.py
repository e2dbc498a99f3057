"""Every 绩效目标 table of a document: tab-separated exports read by `indicators`, flattened PDF
text by `indicators_flat` (both share the rules of `indicators`)."""

from __future__ import annotations

from indexer.parse import indicators_flat
from indexer.parse.indicators import IndicatorBuilder, new_table, tsv_overall, tsv_projects
from indexer.parse.layout import TableSpan
from indexer.records import Indicator, Table


def parse_indicator_tables(doc_id: str, lines: list[str], spans: list[TableSpan], flattened: bool
                           ) -> tuple[list[Table], list[Indicator], list[str]]:
    """Parse every 绩效目标 table of one document.

    Args:
        doc_id: the document id, part of every record id.
        lines: the document text split on "\\n" (lines[i] is line i + 1).
        spans: all table spans of the document (from `layout.find_tables`); only titles
            containing "绩效目标" are read.
        flattened: True for flattened PDF text (columns lost), False for tab-separated exports.

    Returns:
        (tables, indicators, warnings): one Table per 绩效目标 span (预算情况 amounts for the
        整体 table, one Row per project for the project table), all indicators, and a warning
        with its line for every fragment that could not be attributed.
    """
    tables: list[Table] = []
    indicators: list[Indicator] = []
    warnings: list[str] = []
    for span in spans:
        if "绩效目标" not in span.title:
            continue
        body = [(n, lines[n - 1]) for n in range(span.line_start, min(span.line_end, len(lines)) + 1)]
        project_table = "项目" in span.title
        if flattened:
            parse = indicators_flat.parse_projects if project_table else indicators_flat.parse_overall
        else:
            parse = tsv_projects if project_table else tsv_overall
        builder = IndicatorBuilder(doc_id, span.title)
        columns, rows, table_warnings = parse(body, builder)
        tables.append(new_table(doc_id, span, columns, rows, table_warnings))
        indicators.extend(builder.items)
        warnings.extend(f"{span.title}: {w}" for w in table_warnings)
    return tables, indicators, warnings
