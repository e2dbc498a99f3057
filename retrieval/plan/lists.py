"""Plans over sets: lists (with their total, side by side, or in words), the k largest, and the
members that are zero."""

from __future__ import annotations

from retrieval.plan.arithmetic import members
from retrieval.plan.records import Plan, Result
from retrieval.plan.units import AMOUNT_UNITS, PlanFailed, kind_of
from retrieval.records import Figure, num


def _list(ex, plan: Plan) -> Result:
    if plan.relation == "each":
        return _each(ex, plan)
    if plan.relation == "texts":
        return _texts(ex, plan)
    if plan.relation == "zero":
        return _zero(ex, plan)
    parts = members(ex, plan)
    items = [f for p in parts for f in p.items]
    if not items:
        raise PlanFailed("an empty list")
    if all(f.unit in AMOUNT_UNITS for f in items):  # the parts of a whole: their total leads
        total = round(sum(f.value * AMOUNT_UNITS[f.unit] for f in items), 2)
        formula = " + ".join(num(f.value * AMOUNT_UNITS[f.unit]) for f in items) + f" = {num(total)}"
        return Result(value=total, unit="万元", kind="amount", formula=formula, figures=items, items=items)
    return Result(value=None, unit=None, kind="text", figures=items, items=items)


def _texts(ex, plan: Plan) -> Result:
    """Things listed in words (indicators with their values): each cited, no total."""
    texts, cites, figures = [], [], []
    for arg in plan.args:
        r = ex.run(arg)
        if r.texts:
            texts += r.texts
            cites += r.citations
        else:
            for f in r.figures:
                texts.append(f"{f.label}：{f.text or f'{f.value:g}{f.unit}'}")
                cites.append(f.citation)
                figures.append(f)
    if not texts:
        raise PlanFailed("an empty list")
    return Result(value=None, unit=None, kind="text", texts=texts, citations=cites, figures=figures)


def _each(ex, plan: Plan) -> Result:
    """Several figures of one thing side by side (预算数, 决算数, 完成的比例): no total, each
    computed one with its formula."""
    items, figures, formulas = [], [], []
    for arg in plan.args:
        r = ex.run(arg)
        if r.value is None or not r.figures:
            raise PlanFailed(f"no figure for {arg.label}")
        items.append(Figure(value=r.value, unit=r.unit or "", label=arg.label or r.figures[0].label,
                            citation=r.figures[0].citation))
        figures += [f for f in r.figures if f not in figures]
        if r.formula:
            formulas.append(r.formula)
    return Result(value=None, unit=None, kind="text", formula="；".join(formulas) or None,
                  figures=figures, items=items)


def _top(ex, plan: Plan) -> Result:
    items = []
    for arg in plan.args:
        r = ex.run(arg)
        if arg.op in ("top", "list"):
            items += r.items
        elif r.value is not None and r.figures:
            # a computed member (a department's share): its own figure, named by its plan
            items.append(r.figures[0] if arg.op == "value" else Figure(
                value=r.value, unit=r.unit or "", label=arg.label, citation=r.figures[0].citation))
    items = sorted(items, key=lambda f: f.value, reverse=plan.relation != "min")
    k = int(plan.value or 1)
    if len(items) < k:
        raise PlanFailed("fewer items than asked")
    chosen = items[:k]
    head = chosen[0] if k == 1 else None
    return Result(value=head.value if head else None, unit=head.unit if head else None,
                  kind=kind_of(head.unit) if head else "text", figures=items, items=chosen)


def _zero(ex, plan: Plan) -> Result:
    """The members whose figure is zero (哪些部门没安排): counted, each member cited."""
    members = [ex.run(arg) for arg in plan.args]
    figures = [r.figures[0] for r in members if r.figures]
    zeros = [f for f in figures if abs(f.value) < 0.005]
    return Result(value=float(len(zeros)), unit="个", kind="count", figures=figures, items=zeros,
                  formula="、".join(f.label for f in zeros) or None)




OPS = {"list": _list, "top": _top}
