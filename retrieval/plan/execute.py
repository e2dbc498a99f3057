"""Execute a plan on one document's facts (or several documents' for cross-document plans).

Every number comes from a cited store figure or from arithmetic on them; each operation writes
its formula. An operation whose inputs are missing or of the wrong kind raises PlanFailed, and
the plan is dropped from the choice rather than answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.compose import num
from retrieval.facts import DocFacts, RowRef
from retrieval.plan.figures import column_figure, item_figure, measure_figure, row_amount
from retrieval.plan.records import Plan, Result
from retrieval.question.linking import Entity, EntityIndex
from retrieval.question.mentions import vocabulary
from retrieval.records import Figure

AMOUNT_UNITS = {"万元": 1.0, "元": 0.0001, "亿元": 10000.0}
COUNT_UNITS = {"个", "项", "辆", "人", "名", "台", "条", "家", "次", "件", "户", "套", "场", "期", "份", "所",
               "张", "部", "位", "类", "处", "人次", "座", "批", "本", "篇", "门", "间", "栋", "户次", "件次", "宗",
               "笔", "起", "支", "辆次", "万人次", "万件", "万次", "个社区"}
TIME_UNITS = {"小时", "天", "日", "分钟", "个月", "月", "年", "工作日", "秒", "周", "季度"}


class PlanFailed(Exception):
    """The plan cannot be computed on these facts (a missing figure, a zero base)."""


def kind_of(unit: str | None) -> str:
    if unit and "/" in unit:  # "万元/人": an amount per person
        unit = unit.split("/")[0]
    if unit in AMOUNT_UNITS:
        return "amount"
    if unit in ("%", "个百分点"):
        return "percent"
    if unit == "倍":
        return "ratio"
    if unit in COUNT_UNITS:
        return "count"
    if unit in TIME_UNITS:
        return "time"
    return "text"


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


def _previous(ex: Executor, plan: Plan) -> Result:
    """Last year's figure: this year's less the stated increase, or plus the stated decrease."""
    now, delta = (ex.run(a) for a in plan.args[:2])
    if now.kind != "amount" or delta.kind != "amount":
        raise PlanFailed("last year's figure needs two amounts")
    a, b = _amount(now), _amount(delta)
    if plan.relation == "持平":  # "与上年持平": last year's figure is this year's
        b = 0.0
    value = round(a - b if plan.relation == "增加" else a + b, 2)
    sign = "−" if plan.relation == "增加" else "+"
    return Result(value=value, unit="万元", kind="amount", formula=f"{num(a)} {sign} {num(b)} = {num(value)}",
                  figures=now.figures + delta.figures)


def _compare(ex: Executor, plan: Plan) -> Result:
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
    va, vb = (_amount(a), _amount(b)) if a.kind == "amount" else (a.value, b.value)
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


def _const(ex: Executor, plan: Plan) -> Result:
    return Result(value=plan.value, unit=plan.unit, kind=kind_of(plan.unit))


def _members(ex: Executor, plan: Plan) -> list[Result]:
    out = []
    for arg in plan.args:
        r = ex.run(arg)
        out += [Result(value=f.value, unit=f.unit, kind=kind_of(f.unit), figures=[f], items=[f])
                for f in r.items] if arg.op in ("top", "list") else [r]
    return out


def _amount(r: Result) -> float:
    if r.value is None or r.unit not in AMOUNT_UNITS:
        raise PlanFailed("not an amount")
    return r.value * AMOUNT_UNITS[r.unit]


def _sum(ex: Executor, plan: Plan) -> Result:
    parts = _members(ex, plan)
    if len(parts) < 2:
        raise PlanFailed("a sum needs two parts")
    total = round(sum(_amount(p) for p in parts), 2)
    formula = " + ".join(num(_amount(p)) for p in parts) + f" = {num(total)}"
    figures = [f for p in parts for f in p.figures]
    return Result(value=total, unit="万元", kind="amount", formula=formula, figures=figures,
                  items=[f for p in parts for f in p.items])


def _difference(ex: Executor, plan: Plan) -> Result:
    """The larger less the smaller; each side kept as a figure of its own for the wording."""
    pairs = sorted(((arg, ex.run(arg)) for arg in plan.args[:2]), key=lambda p: -(p[1].value or 0))
    (arg_a, a), (arg_b, b) = pairs
    if a.kind != b.kind or a.value is None or b.value is None:
        raise PlanFailed("a difference of unlike figures")
    va, vb = (_amount(a), _amount(b)) if a.kind == "amount" else (a.value, b.value)
    diff = round(va - vb, 2)
    unit = "万元" if a.kind == "amount" else "个百分点" if a.kind == "percent" else a.unit
    sides = [Figure(value=r.value, unit=r.unit, label=arg.label or r.figures[0].label, citation=r.figures[0].citation)
             for arg, r in pairs if r.figures]
    return Result(value=diff, unit=unit, kind=a.kind, formula=f"{num(va)} − {num(vb)} = {num(diff)}",
                  figures=a.figures + b.figures, items=sides)


def _ratio(ex: Executor, plan: Plan, share: bool) -> Result:
    a, b = (ex.run(x) for x in plan.args[:2])
    if a.value is None or b.value is None:
        raise PlanFailed("missing figure")
    if a.kind == "amount" and b.kind == "amount":
        va, vb = _amount(a), _amount(b)
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


def _divide(ex: Executor, plan: Plan) -> Result:
    """An amount per person, per vehicle, per project: amount ÷ a count (a constant or counted)."""
    a, b = (ex.run(x) for x in plan.args[:2])
    if a.kind != "amount" or b.value in (None, 0):
        raise PlanFailed("a per-unit figure needs an amount and a count")
    va = _amount(a)
    value = round(va / b.value, 2)
    formula = f"{num(va)} ÷ {num(b.value, 0) if float(b.value).is_integer() else num(b.value)} = {num(value)}"
    # "3.50万元/人" when the question asks per person without naming a unit
    return Result(value=value, unit=f"万元/{plan.unit}" if plan.unit else "万元", kind="amount", formula=formula, figures=a.figures + b.figures,
                  items=b.items)


def _times(ex: Executor, plan: Plan) -> Result:
    parts = [ex.run(x) for x in plan.args]
    value = 1.0
    for p in parts:
        if p.value is None:
            raise PlanFailed("missing factor")
        value *= _amount(p) if p.kind == "amount" else p.value
    amounts = [p for p in parts if p.kind == "amount"]
    if len(amounts) != 1:
        raise PlanFailed("a product needs one amount")
    shown = " × ".join(num(_amount(p)) if p.kind == "amount" else f"{p.value:g}" for p in parts)
    value = round(value, 2)
    return Result(value=value, unit="万元", kind="amount", formula=f"{shown} = {num(value)}",
                  figures=[f for p in parts for f in p.figures])


def _growth(ex: Executor, plan: Plan) -> Result:
    """What-if: an amount grown by a rate (%) for n years: a × (1 + r)^n."""
    base, rate, years = (ex.run(x) for x in plan.args[:3])
    if base.kind != "amount" or rate.value is None or years.value is None:
        raise PlanFailed("growth needs an amount, a rate and years")
    va = _amount(base)
    value = round(va * (1 + rate.value / 100) ** years.value, 2)
    formula = f"{num(va)} × (1 + {rate.value:g}%)^{years.value:g} = {num(value)}"
    return Result(value=value, unit="万元", kind="amount", formula=formula, figures=base.figures)


def _count(ex: Executor, plan: Plan) -> Result:
    parts = _members(ex, plan)
    items = [f for p in parts for f in p.items]
    return Result(value=float(len(items)), unit=plan.unit or "个", kind="count",
                  formula=" + ".join(num(f.value) for f in items) + f"（{len(items)}项）" if items else None,
                  figures=items, items=items)


def _list(ex: Executor, plan: Plan) -> Result:
    if plan.relation == "each":
        return _each(ex, plan)
    if plan.relation == "texts":
        return _texts(ex, plan)
    if plan.relation == "zero":
        return _zero(ex, plan)
    parts = _members(ex, plan)
    items = [f for p in parts for f in p.items]
    if not items:
        raise PlanFailed("an empty list")
    if all(f.unit in AMOUNT_UNITS for f in items):  # the parts of a whole: their total leads
        total = round(sum(f.value * AMOUNT_UNITS[f.unit] for f in items), 2)
        formula = " + ".join(num(f.value * AMOUNT_UNITS[f.unit]) for f in items) + f" = {num(total)}"
        return Result(value=total, unit="万元", kind="amount", formula=formula, figures=items, items=items)
    return Result(value=None, unit=None, kind="text", figures=items, items=items)


def _texts(ex: Executor, plan: Plan) -> Result:
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


def _each(ex: Executor, plan: Plan) -> Result:
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


def _top(ex: Executor, plan: Plan) -> Result:
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


def _zero(ex: Executor, plan: Plan) -> Result:
    """The members whose figure is zero (哪些部门没安排): counted, each member cited."""
    members = [ex.run(arg) for arg in plan.args]
    figures = [r.figures[0] for r in members if r.figures]
    zeros = [f for f in figures if abs(f.value) < 0.005]
    return Result(value=float(len(zeros)), unit="个", kind="count", figures=figures, items=zeros,
                  formula="、".join(f.label for f in zeros) or None)


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


def _verify(ex: Executor, plan: Plan) -> Result:
    inner = ex.run(plan.args[0])
    if inner.value is None or plan.stated is None:
        raise PlanFailed("nothing to compare")
    actual = inner.value
    if inner.kind == "amount" and plan.unit in AMOUNT_UNITS:
        actual = _amount(inner)
    elif kind_of(inner.unit) != kind_of(plan.unit):
        raise PlanFailed("the claim states another kind of figure")
    verdict = judge(plan.relation or "eq", actual, plan.stated)
    # further arguments are the evidence shown beside the figure ("all 7 projects are 其他运转类")
    evidence = [f for arg in plan.args[1:] for f in ex.run(arg).figures]
    return inner.model_copy(update={"verdict": verdict, "figures": inner.figures + evidence})


def _agree(ex: Executor, plan: Plan) -> Result:
    """Do two figures agree? With stated values (relation "stated"): does each equal the document's,
    and is their gap the third figure (a part one includes and the other does not)?"""
    results = [ex.run(a) for a in plan.args]
    figures = [f for r in results for f in r.figures]
    if plan.relation == "stated":
        for arg, r in zip(plan.args[:2], results[:2]):
            if r.value is None or arg.value is None:
                raise PlanFailed("a stated figure not found")
            if abs(_amount(r) - arg.value) > max(0.005, 0.001 * arg.value):
                # the question misquotes the document: no verdict on the document itself
                return Result(value=None, unit=None, kind="verdict", verdict=None, figures=figures,
                              formula=f"文件中{arg.label}为{num(_amount(r))}万元，不是{num(arg.value)}万元")
        if len(results) < 3:
            raise PlanFailed("nothing explains the gap")
        a, b, part = (_amount(r) for r in results)
        gap = round(abs(a - b), 2)
        formula = f"{num(max(a, b))} − {num(min(a, b))} = {num(gap)}（{plan.args[2].label}）"
        return Result(value=gap, unit="万元", kind="verdict", verdict=abs(gap - part) <= 0.005,
                      formula=formula, figures=figures)
    if plan.relation == "places":  # one item in two places: the gap is a part one of them leaves out
        a, b, part = (_amount(r) for r in results[:3])
        gap = round(abs(a - b), 2)
        formula = f"{num(max(a, b))} − {num(min(a, b))} = {num(gap)}，即{plan.args[2].label}（口径不同）"
        return Result(value=gap, unit="万元", kind="verdict", verdict=abs(gap - part) <= 0.005,
                      formula=formula, figures=figures)
    a, b = (_amount(r) for r in results[:2])
    formula = f"{num(a)} {'=' if abs(a - b) <= 0.005 else '≠'} {num(b)}"
    return Result(value=round(a, 2), unit="万元", kind="verdict", verdict=abs(a - b) <= 0.005, formula=formula,
                  figures=figures)


# which of a finding's figures is the one the check established (not the one it doubts)
_PRIMARY = ("table", "listed", "indicator", "value", "summary", "fiscal", "implied_previous")


def _finding(ex: Executor, plan: Plan) -> Result:
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


OPS: dict[str, Callable[[Executor, Plan], Result]] = {
    "value": _value, "const": _const, "sum": _sum, "difference": _difference,
    "ratio": lambda ex, p: _ratio(ex, p, share=False), "share": lambda ex, p: _ratio(ex, p, share=True),
    "divide": _divide, "times": _times, "growth": _growth, "count": _count, "list": _list, "top": _top,
    "verify": _verify, "agree": _agree, "previous": _previous, "quote": _quote, "compare": _compare,
    "finding": _finding,
}
