"""Query plans: each builder of the registry reads the question (a Reading, linked to the
documents' entities) and proposes scored plans; the engine executes them on the facts and the
gates choose. A new kind of question is one builder function and one line here."""

from __future__ import annotations

from retrieval.plan import across, actuals, changes, claims, computed, consistency, indicators, lookups, sets, texts
from retrieval.plan.base import Builder
from retrieval.plan.context import Context
from retrieval.plan.records import Interpretation

BUILDERS: dict[str, Builder] = {
    # figures looked up
    "item_value": lookups.item_value,
    "row_column": lookups.row_column,
    "unit_figure": lookups.unit_figure,
    "table_total": lookups.table_total,
    "table_difference": lookups.table_difference,
    "breakdown": lookups.breakdown,
    "value_lookup": lookups.value_lookup,
    "budget_actual": actuals.budget_actual,
    # sets
    "set_sum": sets.set_sum,
    "top_k": sets.top_k,
    "project_count": sets.project_count,
    "stated_count": sets.stated_count,
    # computed
    "share": computed.share,
    "stated_share": computed.stated_share,
    "ratio": computed.ratio,
    "per_unit": computed.per_unit,
    "what_if": computed.what_if,
    "pair_difference": computed.pair_difference,
    "change": changes.change,
    "previous_year": changes.previous_year,
    "how_many": computed.how_many,
    "times": computed.times,
    "unit_share": computed.unit_share,
    "set_share": computed.set_share,
    # the 绩效目标表
    "indicator_value": indicators.indicator_value,
    "indicator_list": indicators.indicator_list,
    "per_indicator": indicators.per_indicator,
    # words
    "section": texts.section,
    "block": texts.block,
    "quote": texts.quote,
    # claims
    "verify": claims.verify,
    "compare_claim": claims.compare_claim,
    "main_claim": claims.main_claim,
    "kind_claim": claims.kind_claim,
    "top_claim": claims.top_claim,
    "direction_claim": claims.direction_claim,
    "exists_claim": claims.exists_claim,
    # consistency
    "text_against_table": consistency.text_against_table,
    "counts_agree": consistency.counts_agree,
    "counts_consistent": consistency.counts_consistent,
    "reconcile_costs": consistency.reconcile_costs,
    "reconcile_stated": consistency.reconcile_stated,
    "audit_finding": consistency.audit_finding,
    # several documents
    "across": across.across,
    "all_departments": across.all_departments,
}


def propose(ctx: Context) -> list[Interpretation]:
    """Every builder's proposals, named by their builder, best score first."""
    out: list[Interpretation] = []
    for name, build in BUILDERS.items():
        out += [i.model_copy(update={"builder": name}) for i in build(ctx)]
    return sorted(out, key=lambda i: -i.score)
