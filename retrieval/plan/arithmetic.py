"""Arithmetic on executed plans: sums, differences, ratios and shares, per-unit figures, products,
growth, last year's figure from a stated change, counts. Each writes its formula."""

from __future__ import annotations

from retrieval.plan.records import Plan, Result
from retrieval.plan.units import AMOUNT_UNITS, PlanFailed, kind_of
from retrieval.records import Figure, num


def _const(ex, plan: Plan) -> Result:
    return Result(value=plan.value, unit=plan.unit, kind=kind_of(plan.unit))


def members(ex, plan: Plan) -> list[Result]:
    out = []
    for arg in plan.args:
        r = ex.run(arg)
        out += [Result(value=f.value, unit=f.unit, kind=kind_of(f.unit), figures=[f], items=[f])
                for f in r.items] if arg.op in ("top", "list") else [r]
    return out


def amount(r: Result) -> float:
    if r.value is None or r.unit not in AMOUNT_UNITS:
        raise PlanFailed("not an amount")
    return r.value * AMOUNT_UNITS[r.unit]


def _sum(ex, plan: Plan) -> Result:
    parts = members(ex, plan)
    if len(parts) < 2:
        raise PlanFailed("a sum needs two parts")
    total = round(sum(amount(p) for p in parts), 2)
    formula = " + ".join(num(amount(p)) for p in parts) + f" = {num(total)}"
    figures = [f for p in parts for f in p.figures]
    return Result(value=total, unit="万元", kind="amount", formula=formula, figures=figures,
                  items=[f for p in parts for f in p.items])


def _difference(ex, plan: Plan) -> Result:
    """The larger less the smaller; each side kept as a figure of its own for the wording."""
    pairs = sorted(((arg, ex.run(arg)) for arg in plan.args[:2]), key=lambda p: -(p[1].value or 0))
    (arg_a, a), (arg_b, b) = pairs
    if a.kind != b.kind or a.value is None or b.value is None:
        raise PlanFailed("a difference of unlike figures")
    va, vb = (amount(a), amount(b)) if a.kind == "amount" else (a.value, b.value)
    diff = round(va - vb, 2)
    unit = "万元" if a.kind == "amount" else "个百分点" if a.kind == "percent" else a.unit
    sides = [Figure(value=r.value, unit=r.unit, label=arg.label or r.figures[0].label, citation=r.figures[0].citation)
             for arg, r in pairs if r.figures]
    return Result(value=diff, unit=unit, kind=a.kind, formula=f"{num(va)} − {num(vb)} = {num(diff)}",
                  figures=a.figures + b.figures, items=sides)


def _ratio(ex, plan: Plan, share: bool) -> Result:
    a, b = (ex.run(x) for x in plan.args[:2])
    if a.value is None or b.value is None:
        raise PlanFailed("missing figure")
    if a.kind == "amount" and b.kind == "amount":
        va, vb = amount(a), amount(b)
    elif a.kind == b.kind:
        va, vb = a.value, b.value
    else:
        raise PlanFailed("a ratio of unlike figures")
    if not vb:
        raise PlanFailed("zero base")
    if plan.relation == "count":  # an amount ÷ a price: how many (人次, 台)
        value = round(va / vb, 2)
        return Result(value=value, unit=plan.unit, kind="count", formula=f"{num(va)} ÷ {num(vb, 4)} = {num(value)}",
                      figures=a.figures + b.figures)
    if share:
        value = round(va / vb * 100, 2)
        formula = f"{num(va)} ÷ {num(vb)} × 100% = {num(value)}%"
        return Result(value=value, unit="%", kind="percent", formula=formula, figures=a.figures + b.figures)
    value = round(va / vb, 2)
    return Result(value=value, unit="倍", kind="ratio", formula=f"{num(va)} ÷ {num(vb)} = {num(value)}",
                  figures=a.figures + b.figures)


def _divide(ex, plan: Plan) -> Result:
    """An amount per person, per vehicle, per project: amount ÷ a count (a constant or counted)."""
    a, b = (ex.run(x) for x in plan.args[:2])
    if a.kind != "amount" or b.value in (None, 0):
        raise PlanFailed("a per-unit figure needs an amount and a count")
    va = amount(a)
    value = round(va / b.value, 2)
    formula = f"{num(va)} ÷ {num(b.value, 0) if float(b.value).is_integer() else num(b.value)} = {num(value)}"
    # "3.50万元/人" when the question asks per person without naming a unit
    return Result(value=value, unit=f"万元/{plan.unit}" if plan.unit else "万元", kind="amount", formula=formula, figures=a.figures + b.figures,
                  items=b.items)


def _times(ex, plan: Plan) -> Result:
    parts = [ex.run(x) for x in plan.args]
    value = 1.0
    for p in parts:
        if p.value is None:
            raise PlanFailed("missing factor")
        value *= amount(p) if p.kind == "amount" else p.value
    amounts = [p for p in parts if p.kind == "amount"]
    if len(amounts) != 1:
        raise PlanFailed("a product needs one amount")
    shown = " × ".join(num(amount(p)) if p.kind == "amount" else f"{p.value:g}" for p in parts)
    value = round(value, 2)
    return Result(value=value, unit="万元", kind="amount", formula=f"{shown} = {num(value)}",
                  figures=[f for p in parts for f in p.figures])


def _growth(ex, plan: Plan) -> Result:
    """What-if: an amount grown by a rate (%) for n years: a × (1 + r)^n."""
    base, rate, years = (ex.run(x) for x in plan.args[:3])
    if base.kind != "amount" or rate.value is None or years.value is None:
        raise PlanFailed("growth needs an amount, a rate and years")
    va = amount(base)
    value = round(va * (1 + rate.value / 100) ** years.value, 2)
    formula = f"{num(va)} × (1 + {rate.value:g}%)^{years.value:g} = {num(value)}"
    return Result(value=value, unit="万元", kind="amount", formula=formula, figures=base.figures)


def _previous(ex, plan: Plan) -> Result:
    """Last year's figure: this year's less the stated increase, or plus the stated decrease."""
    now, delta = (ex.run(a) for a in plan.args[:2])
    if now.kind != "amount" or delta.kind != "amount":
        raise PlanFailed("last year's figure needs two amounts")
    a, b = amount(now), amount(delta)
    if plan.relation == "持平":  # "与上年持平": last year's figure is this year's
        b = 0.0
    value = round(a - b if plan.relation == "增加" else a + b, 2)
    sign = "−" if plan.relation == "增加" else "+"
    return Result(value=value, unit="万元", kind="amount", formula=f"{num(a)} {sign} {num(b)} = {num(value)}",
                  figures=now.figures + delta.figures)


def _count(ex, plan: Plan) -> Result:
    parts = members(ex, plan)
    items = [f for p in parts for f in p.items]
    return Result(value=float(len(items)), unit=plan.unit or "个", kind="count",
                  formula=" + ".join(num(f.value) for f in items) + f"（{len(items)}项）" if items else None,
                  figures=items, items=items)




OPS = {"const": _const, "sum": _sum, "difference": _difference,
       "ratio": lambda ex, p: _ratio(ex, p, share=False), "share": lambda ex, p: _ratio(ex, p, share=True),
       "divide": _divide, "times": _times, "growth": _growth, "previous": _previous, "count": _count}
