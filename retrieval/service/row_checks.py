"""Say when an answer cites a row that fails its table's sums: the CLI and the API state such a
figure with a warning, as the app marks the row under the citation (ui/citations)."""

from __future__ import annotations

from collections.abc import Callable

from indexer.records import Row, Table
from retrieval.records import Answer, Citation
from ui.warnings import reader_warning  # the indexer's row notes worded in Chinese


def with_row_warnings(answer: Answer, tables_of: Callable[[str], list[Table]]) -> Answer:
    """The answer with a warning for each cited row that did not verify (none: unchanged).

    Args:
        answer: the engine's (or the model-worded) answer.
        tables_of: the tables of a document, by doc_id.
    """
    warnings = list(answer.warnings)
    for c in answer.citations:
        if c.kind != "table" or not c.table:
            continue
        row = _row(tables_of(c.doc_id), c)
        if row is None or row.verified is not False:
            continue
        why = f"：{reader_warning(row.note)}" if row.note else ""
        warning = f"引用的「{c.table}」中「{row.label}」一行未通过表内合计核对{why}，该数字请对照原文"
        if warning not in warnings:
            warnings.append(warning)
    return answer if warnings == answer.warnings else answer.model_copy(update={"warnings": warnings})


def _row(tables: list[Table], c: Citation) -> Row | None:
    """The cited row: by table title (the one holding the cited line first), then label and line."""
    named = [t for t in tables if c.table in (t.title, f"{t.number} {t.title}")]
    inside = [t for t in named if c.line is not None and t.line_start <= c.line <= t.line_end]
    for t in inside or named:
        for test in (lambda r: r.line == c.line and r.label == c.row, lambda r: r.label == c.row):
            found = [r for r in t.rows if test(r)]
            if found:
                return found[0]
    return None
