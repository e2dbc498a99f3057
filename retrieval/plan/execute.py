"""Execute a plan on one document's facts (or several documents' for cross-document plans).

Every number comes from a cited store figure or from arithmetic on them; each operation writes
its formula. An operation whose inputs are missing or of the wrong kind raises PlanFailed, and
the plan is dropped from the choice rather than answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.facts import DocFacts, RowRef
from retrieval.plan import arithmetic, lists, verdicts
from retrieval.plan.figures import column_figure, item_figure, measure_figure, row_amount
from retrieval.plan.records import Plan, Result
from retrieval.plan.units import PlanFailed, kind_of
from retrieval.question.linking import Entity, EntityIndex
from retrieval.records import Figure


class Executor:
    """Runs plans against the documents' facts; `sources` maps doc_id → (facts, entity index)."""

    def __init__(self, sources: dict[str, tuple[DocFacts, EntityIndex]]) -> None:
        self.sources = sources

    def run(self, plan: Plan) -> Result:
        handler = OPS.get(plan.op)
        if handler is None:
            raise PlanFailed(f"no executor for {plan.op}")
        return handler(self, plan)

    # ---- leaves ---------------------------------------------------------------------------
    def worded(self, plan: Plan) -> Result | None:
        """An indicator whose value is words ("即时响应", "2025年底前"): its text, cited; None for
        any other leaf."""
        doc_id, _, key = (plan.entity or "").partition("|")
        if not key.startswith("indicator:") or doc_id not in self.sources:
            return None
        df, index = self.sources[doc_id]
        entity = index.get(key)
        if entity is None:
            raise PlanFailed("unknown indicator")
        ind = entity.ref
        if plan.relation == "clause":  # a figure written inside the target's words
            m = re.search(r"(\d+(?:\.\d+)?)\s*(%|万件|万元|个|件|项|家|人|次|辆|小时|天|名|元|张|条|套|户|场|期|份|台|分钟|日)",
                          plan.label)
            if m is None:
                raise PlanFailed("no figure in the clause")
            unit = m.group(2)
            value = float(m.group(1)) * (0.0001 if unit == "元" else 1.0)
            figure = Figure(value=value, unit="万元" if unit in ("元", "万元") else unit, label=f"{ind.level3}：{plan.label}",
                            citation=df.cite_indicator(ind), text=plan.label)
            return Result(value=figure.value, unit=figure.unit, kind=kind_of(figure.unit), figures=[figure],
                          items=[figure])
        if ind.number is not None and plan.relation != "level2":
            return None
        name = plan.label if plan.relation == "level2" else ind.level3
        text = name if plan.relation == "level2" else f"{ind.level3}：{ind.value_text}"
        return Result(value=None, unit=None, kind="text", texts=[text], citations=[df.cite_indicator(ind)])

    def figure(self, plan: Plan) -> Figure:
        doc_id, _, key = (plan.entity or "").partition("|")
        if doc_id not in self.sources:
            raise PlanFailed("unknown document")
        df, index = self.sources[doc_id]
        kind, _, rest = key.partition(":")
        figure: Figure | None = None
        if kind == "measure":
            figure = measure_figure(df, rest)
        elif kind == "item":
            figure = item_figure(df, rest)
        elif kind == "colsum":
            figure = column_figure(df, rest)
        else:
            entity = index.get(key) or _row_entity(df, key)
            if entity is None:
                raise PlanFailed("unknown entity")
            ref = entity.ref
            if isinstance(ref, RowRef):
                figure = df.cell_figure(ref, plan.column) if plan.column else row_amount(df, ref)
            elif entity.kind == "project":
                figure = row_amount(df, ref.ref, label=ref.name)
            elif entity.kind == "indicator":
                if ref.number is not None:
                    figure = Figure(value=ref.number, unit=ref.unit or "", label=ref.level3,
                                    citation=df.cite_indicator(ref), text=ref.value_text)
            elif entity.kind == "fact":
                figure = df.fact_figure(ref)
        if figure is None:
            raise PlanFailed(f"no figure for {plan.label or key}")
        if plan.label:
            figure = figure.model_copy(update={"label": plan.label})
        return figure


def _row_entity(df: DocFacts, key: str) -> Entity | None:
    """A row the index leaves out (a 合计 row) by its key "row:<table>:<index>"."""
    kind, _, rest = key.partition(":")
    table_id, _, index = rest.rpartition(":")
    if kind != "row" or not index.isdigit():
        return None
    for table in df.tables:
        if table.table_id == table_id and int(index) < len(table.rows):
            row = table.rows[int(index)]
            ref = RowRef(table, row)
            return Entity(key, "row", ref.label, ref.label, ref, row.code, table.title)
    return None


def _value(ex: Executor, plan: Plan) -> Result:
    worded = ex.worded(plan)
    if worded is not None:
        return worded
    f = ex.figure(plan)
    return Result(value=f.value, unit=f.unit, kind=kind_of(f.unit), figures=[f], items=[f])


def _quote(ex: Executor, plan: Plan) -> Result:
    if plan.cite is None:
        raise PlanFailed("a quote without its source")
    return Result(value=None, unit=None, kind="text", texts=[plan.label], citations=[plan.cite])


# every operation of a plan, by its name in `records.Op`
OPS: dict[str, Callable[[Executor, Plan], Result]] = {
    "value": _value, "quote": _quote, **arithmetic.OPS, **lists.OPS, **verdicts.OPS,
}
