"""Consistency audit: where a budget document contradicts itself, without false alarms.

Each check compares two places of one document (two tables, the text and a table, an amount and
its indicator) and returns `Finding`s citing both. Differences that scope explains (basic vs all
spending, 本年 vs 上年结转) are at most an `info` with the explanation in `note`; differences within
the rounding of the written figures are not findings at all.
"""

from __future__ import annotations

from collections.abc import Callable

from indexer import store
from indexer.store import Database
from retrieval.audit import indicators, tables, text
from retrieval.audit.base import DocView, Finding

__all__ = ["CHECKS", "Finding", "audit_all", "audit_document"]

Check = Callable[[DocView], list[Finding]]

# in the order a reader meets them: the tables' own arithmetic, tables against each other,
# the text against the tables, the text against itself, then the performance tables
CHECKS: dict[str, Check] = {
    "table_sum": tables.table_sums,
    "totals": tables.totals_across_tables,
    "economic_items": tables.economic_items,
    "function_items": tables.function_items,
    "year_end_balance": tables.year_end_balance,
    "narrative": text.narrative_vs_tables,
    "running_cost": text.running_cost,
    "shares": text.shares,
    "growth": text.growth_rates,
    "counts": text.counts,
    "descriptions": text.descriptions,
    "performance_total": tables.overall_performance,
    "indicator_values": indicators.indicator_values,
    "cost_indicators": indicators.cost_indicators,
    "name_variants": tables.name_variants,
}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def audit_document(conn: Database, doc_id: str) -> list[Finding]:
    """Run every check on one stored document.

    Args:
        conn: an open store (see `indexer.store.connect`).
        doc_id: the document's id.

    Returns:
        Findings, errors first, then by the first place they cite.
    """
    view = DocView.load(conn, doc_id)
    findings = [f for check in CHECKS.values() for f in check(view)]
    return sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity],
                                           min((c.line or 0 for c in f.citations), default=0)))


def audit_all(conn: Database) -> list[Finding]:
    """Run every check on every stored document.

    Args:
        conn: an open store.

    Returns:
        The findings of all documents, document by document.
    """
    return [f for d in store.documents(conn) for f in audit_document(conn, d.doc_id)]
