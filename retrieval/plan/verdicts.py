"""Verdicts: a claim's figure judged by its relation, two figures compared, figures that should
agree, and the audit's findings."""

from __future__ import annotations

from retrieval.plan.arithmetic import amount
from retrieval.plan.records import Plan, Result
from retrieval.plan.units import AMOUNT_UNITS, PlanFailed, kind_of
from retrieval.question.mentions import vocabulary
from retrieval.records import Figure, num


def _compare(ex, plan: Plan) -> Result:
    """A claim comparing two figures ("项目支出比基本支出多"): the verdict, both figures shown;
    "all_eq": do all the figures agree."""
    if plan.relation == "all_eq":
        results = [ex.run(x) for x in plan.args]
        figures = [r.figures[0] for r in results if r.figures and r.value is not None]
        if len(figures) < 2:
            raise PlanFailed("fewer than two figures")
        values = sorted({round(f.value, 2) for f in figures})
        holds = len(values) == 1
        listing = "、".join(f"{f.label}{num(f.value, 0) if float(f.value).is_integer() else num(f.value)}{f.unit}"
                           for f in figures)
        return Result(value=figures[0].value, unit=figures[0].unit, kind="verdict", verdict=holds,
                      formula=listing, figures=figures, items=figures)
    a, b = (ex.run(x) for x in plan.args[:2])
    if a.value is None or b.value is None or a.kind != b.kind:
        raise PlanFailed("a comparison of unlike figures")
    va, vb = (amount(a), amount(b)) if a.kind == "amount" else (a.value, b.value)
    if plan.relation == "is_top":  # is the named one the top one? (a tie counts)
        top = b.items[0]
        holds = abs(va - vb) <= 0.005
        sides = [Figure(value=a.value, unit=a.unit, label=plan.args[0].label, citation=a.figures[0].citation), top]
        return Result(value=top.value, unit=top.unit, kind="verdict", verdict=holds,
                      formula=f"{num(va)} {'=' if holds else '<'} {num(vb)}", figures=a.figures + b.figures,
                      items=sides)
    holds = {"gt": va > vb, "lt": va < vb, "eq": abs(va - vb) <= 0.005, "ge": va >= vb, "le": va <= vb}[
        plan.relation or "gt"]
    sign = ">" if va > vb else "<" if va < vb else "="
    sides = [Figure(value=r.value, unit=r.unit, label=arg.label or r.figures[0].label, citation=r.figures[0].citation)
             for arg, r in zip(plan.args, (a, b)) if r.figures]
    return Result(value=None, unit=None, kind="verdict", verdict=holds, formula=f"{num(va)} {sign} {num(vb)}",
                  figures=a.figures + b.figures, items=sides)


def judge(relation: str, actual: float, stated: float) -> bool:
    """Does the actual figure bear out the claim "relation stated"?"""
    bands = vocabulary()["claims"]["bands"]
    band = bands["approx"]
    if relation == "about":  # "大约680万": within a few percent
        return abs(actual - stated) <= bands["about"] * abs(stated)
    if relation == "ge":
        return actual >= stated
    if relation == "le":
        return actual < stated
    if relation == "approx":
        return abs(actual - stated) <= band * abs(stated)
    if relation == "double":
        return actual >= 2 * (1 - band)
    return abs(actual - stated) <= max(0.005, 0.001 * abs(stated))


def _verify(ex, plan: Plan) -> Result:
    inner = ex.run(plan.args[0])
    if inner.value is None or plan.stated is None:
        raise PlanFailed("nothing to compare")
    actual = inner.value
    if inner.kind == "amount" and plan.unit in AMOUNT_UNITS:
        actual = amount(inner)
    elif kind_of(inner.unit) != kind_of(plan.unit):
        raise PlanFailed("the claim states another kind of figure")
    verdict = judge(plan.relation or "eq", actual, plan.stated)
    # further arguments are the evidence shown beside the figure ("all 7 projects are 其他运转类")
    evidence = [f for arg in plan.args[1:] for f in ex.run(arg).figures]
    return inner.model_copy(update={"verdict": verdict, "figures": inner.figures + evidence})


def _agree(ex, plan: Plan) -> Result:
    """Do two figures agree? With stated values (relation "stated"): does each equal the document's,
    and is their gap the third figure (a part one includes and the other does not)?"""
    results = [ex.run(a) for a in plan.args]
    figures = [f for r in results for f in r.figures]
    if plan.relation == "stated":
        for arg, r in zip(plan.args[:2], results[:2]):
            if r.value is None or arg.value is None:
                raise PlanFailed("a stated figure not found")
            if abs(amount(r) - arg.value) > max(0.005, 0.001 * arg.value):
                # the question misquotes the document: no verdict on the document itself
                return Result(value=None, unit=None, kind="verdict", verdict=None, figures=figures,
                              formula=f"文件中{arg.label}为{num(amount(r))}万元，不是{num(arg.value)}万元")
        if len(results) < 3:
            raise PlanFailed("nothing explains the gap")
        a, b, part = (amount(r) for r in results)
        gap = round(abs(a - b), 2)
        formula = f"{num(max(a, b))} − {num(min(a, b))} = {num(gap)}（{plan.args[2].label}）"
        return Result(value=gap, unit="万元", kind="verdict", verdict=abs(gap - part) <= 0.005,
                      formula=formula, figures=figures)
    if plan.relation == "places":  # one item in two places: the gap is a part one of them leaves out
        a, b, part = (amount(r) for r in results[:3])
        gap = round(abs(a - b), 2)
        formula = f"{num(max(a, b))} − {num(min(a, b))} = {num(gap)}，即{plan.args[2].label}（口径不同）"
        return Result(value=gap, unit="万元", kind="verdict", verdict=abs(gap - part) <= 0.005,
                      formula=formula, figures=figures)
    a, b = (amount(r) for r in results[:2])
    formula = f"{num(a)} {'=' if abs(a - b) <= 0.005 else '≠'} {num(b)}"
    return Result(value=round(a, 2), unit="万元", kind="verdict", verdict=abs(a - b) <= 0.005, formula=formula,
                  figures=figures)


# which of a finding's figures is the one the check established (not the one it doubts)
_PRIMARY = ("table", "listed", "indicator", "value", "summary", "fiscal", "implied_previous")


def _finding(ex, plan: Plan) -> Result:
    """The audit's finding: inconsistent unless it is only a difference of scope (severity info)."""
    f = plan.finding
    if f is None:
        raise PlanFailed("no finding")
    figures = f.figures or {}
    key = next((k for k in _PRIMARY if k in figures), next(iter(figures), None))
    value = figures.get(key) if key else None
    unit = None if value is None else ("个" if f.kind == "count" else "%" if "%" in f.message and key == "value" else "万元")
    text = f.message + (f"（{f.note}）" if f.note else "")
    return Result(value=value, unit=unit, kind="verdict", verdict=f.severity == "info", texts=[text],
                  citations=list(f.citations))




OPS = {"verify": _verify, "agree": _agree, "compare": _compare, "finding": _finding}
