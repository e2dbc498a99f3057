"""Audit checks of the 绩效目标表: impossible indicator values, and cost indicators that do not
match the project's amount."""

from __future__ import annotations

import re

from retrieval.audit.base import DocView, Figure, Finding, agree, fmt, money
from retrieval.audit.tables import name_key, project_rows

# rates that cannot exceed 100% (a growth or increase rate can)
_GROWTH_WORDS = ("增长", "增加", "提高", "提升", "增速", "增幅", "上涨")


def _is_bounded_rate(text: str) -> bool:
    return ("满意" in text or text.endswith("率")) and not any(w in text for w in _GROWTH_WORDS)


def indicator_values(view: DocView) -> list[Finding]:
    """Satisfaction and completion rates above 100% (or "100%以上") are impossible targets."""
    out: list[Finding] = []
    for ind in view.indicators:
        if ind.unit != "%" or ind.number is None:
            continue
        if not (_is_bounded_rate(ind.level3) or "满意" in ind.value_text):
            continue
        above = re.search(r"以上|超过|>|＞", ind.value_text) is not None or ind.comparator == ">"
        if ind.number > 100 or (ind.number >= 100 and above):
            out.append(view.finding(
                "indicator_value", "error" if ind.number > 100 or "满意" in ind.level3 + ind.value_text else "warning",
                f"绩效指标「{ind.level3}」的目标值“{ind.value_text}”不可能实现：满意度、完成率等比率不能超过100%。",
                [view.cite_indicator(ind)], {"value": ind.number},
                "可能本意是“达到100%”或“不低于某个比例”。"))
    return out


def cost_indicators(view: DocView) -> list[Finding]:
    """A project's total-cost indicator (in 万元) above the project's budget amount."""
    amounts: dict[str, Figure] = {}
    for role in ("projects", "project_performance"):
        t = view.table(role)
        for r in project_rows(t) if t is not None else []:
            f = view.figure(t, r, "合计", "资金总额")
            if f is not None:
                amounts.setdefault(name_key(r.label), f)
    out: list[Finding] = []
    for ind in view.indicators:
        if ind.project is None or ind.number is None or not (ind.unit or "").startswith("万"):
            continue
        if "成本" not in f"{ind.level1}{ind.level2}" or "每" in ind.level3 or "/" in (ind.unit or ""):
            continue  # only a project's total cost compares with its amount, not a unit price
        budget = amounts.get(name_key(ind.project))
        if budget is None and ind.project_amount is not None:
            budget = Figure(ind.project_amount, f"{ind.table}「{ind.project}」", view.cite_indicator(ind), money(ind.project_amount))
        if budget is None or ind.comparator == "<":
            continue
        cost = Figure(ind.number, f"成本指标「{ind.level3}」", view.cite_indicator(ind), ind.value_text)
        if cost.value <= budget.value or agree(cost, budget):
            continue
        out.append(view.finding(
            "cost_indicator", "warning",
            f"项目「{ind.project}」预算 {money(budget.value)}万元，但成本指标「{ind.level3}」写作“{ind.value_text}”，"
            f"比预算多 {money(cost.value - budget.value)}万元。",
            [budget.citation, cost.citation], {"budget": budget.value, "indicator": cost.value},
            f"成本指标{fmt(cost.value)}万元超出项目金额，指标值可能沿用了旧数或填错。"))
    return out
