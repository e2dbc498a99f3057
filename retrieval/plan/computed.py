"""Builders of computed figures: a share with its base, a ratio (几倍), a per-unit figure with
the user's constants, a what-if growth, two items subtracted."""

from __future__ import annotations

import re

from retrieval.plan import families
from retrieval.plan.base import interp, op_span, single
from retrieval.plan.changes import CHANGE_WORDS
from retrieval.plan.context import Context, Source
from retrieval.plan.figures import item_figure, measure_figure
from retrieval.plan.items import Item, distinct, find_items
from retrieval.plan.records import Interpretation, Plan

_WHOLE_WORDS = r"钱|预算|总额|全年|一年|总支出|总共|总预算"
def _items(ctx: Context, src: Source) -> list[Item]:
    return distinct(find_items(ctx, src))


def _whole(src: Source) -> Plan:
    return Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")


def approx_fits(m, value: float) -> bool:
    """A figure the user's number names: equal (within 1%), or, written "九百多万" / "370多万", at
    least that and less than the next step of its last written digit."""
    if m.name != "approx":
        return abs(value - m.value) <= 0.01 * m.value + 0.005
    whole = int(round(m.value))
    step = 1
    while whole and whole % (step * 10) == 0:
        step *= 10
    return m.value <= value < m.value + step


def base_from_constant(ctx: Context, src: Source) -> tuple[Plan, tuple[int, int]] | None:
    """A base written as a number ("X万多的盘子里", "a万元的某经费"): the measure or item whose
    figure is that number (within 1%, or 5% when written as approximate)."""
    at = ctx.text.find("占")
    for m in ctx.mentions("constant"):
        if m.unit != "万元" or not m.value:
            continue
        whole = (at >= 0 and m.start > at) or re.match(r"(?:多)?(?:的)?(?:盘子|里|中|当中|之中|里头|里面)", ctx.text[m.end:])
        if not whole:
            continue  # "基本支出219.13万元占…": the part's own figure, not the whole
        fits = lambda x: approx_fits(m, x)  # noqa: E731
        candidates = []
        for name in ("支出总计", "收入总计", "基本支出", "项目支出", "人员经费", "公用经费"):
            f = measure_figure(src.facts, name)
            if f and fits(f.value):
                candidates.append(name)
        for item in _items(ctx, src):
            f = item_figure(src.facts, item.name)
            if f and fits(f.value) and item.start >= m.end - 1:
                candidates.insert(0, item.name)
        if candidates:
            name = candidates[0]
            kind = "measure" if name.endswith("总计") else "item"
            return Plan(op="value", entity=src.key(f"{kind}:{name}"), label=name), (m.start, m.end)
    return None


def _share_plan(part: Item, base: Plan, base_name: str) -> Plan:
    return Plan(op="share", args=[part.leaf, base], label=f"{part.name}占{base_name}的比重")


def share(ctx: Context) -> list[Interpretation]:
    """Part ÷ base × 100%: the base is what follows 占, a number that names a whole, or the whole."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent":
        return []
    if re.search(r"涨幅|增幅|降幅|增长率|下降率|(?:涨|降|增长|增加|下降|减少|上升|降低|提高)了?"
                 r"(?:百分之|百分比|几成|多少个?百分点)", ctx.text):
        return []  # a change against last year: the change builder
    if any(op == "completion" for op, _ in families.asked(ctx.text).operations):
        return []  # "完成预算的百分之几" is spent ÷ planned, not a part of a whole
    items = _items(ctx, src)
    ops = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "share"]
    at = ctx.text.find("占")
    constant_base = base_from_constant(ctx, src)
    out = []
    if constant_base:
        base, span = constant_base
        parts = [i for i in items if i.name != base.label and not (i.start >= span[0] and i.end <= span[1] + 4)]
        for part in parts[:1]:
            out.append(interp(_share_plan(part, base, base.label), 0.9, src, (part.start, part.end), span, *ops))
        return out
    if at >= 0:
        before = [i for i in items if i.end <= at]
        after = [i for i in items if i.start > at]
        if len(before) >= 2 and not after and re.search(
                r"里|中|当中|之中|内", ctx.text[before[-2].end:before[-1].start]):
            # "基本支出里人员经费占几成": the whole is named first, the part right before 占
            base, part = before[-2], before[-1]
            return [interp(_share_plan(part, base.leaf, base.name), 0.88, src, (part.start, part.end),
                           (base.start, base.end), *ops)]
        if before and after:
            part, base = before[-1], after[0]
            return [interp(_share_plan(part, base.leaf, base.name), 0.88, src, (part.start, part.end),
                           (base.start, base.end), *ops)]
        if after and not before:
            whole = re.search(rf"({_WHOLE_WORDS})", ctx.text[:at])
            if whole or not ctx.reading.content or True:
                part = after[0]
                return [interp(_share_plan(part, _whole(src), "支出总计"), 0.8, src, (part.start, part.end),
                               *([whole.span()] if whole else []), *ops)]
        if before and not after:
            # "项目支出占多少": of the whole budget
            part = before[-1]
            return [interp(_share_plan(part, _whole(src), "支出总计"), 0.8, src, (part.start, part.end), *ops)]
    if at < 0 and len(items) >= 2:
        # "X是Y的百分之几": the item followed by 的 is the base
        part, base = items[0], items[1]
        if ctx.text[base.end:base.end + 1] == "的":
            return [interp(_share_plan(part, base.leaf, base.name), 0.84, src, (part.start, part.end),
                           (base.start, base.end), *ops)]
        # "Y里（当中），一半以上是X": the item the others are inside of is the base
        if re.match(r"的?(?:里面|里头|里|当中|之中|中)", ctx.text[part.end:]):
            part, base = items[1], items[0]
            return [interp(_share_plan(part, base.leaf, base.name), 0.84, src, (part.start, part.end),
                           (base.start, base.end), *ops)]
    if len(items) == 1 and items[0].name not in ("支出总计", "收入总计", "收支总计"):
        # "有几成花在X上", "X的比例": of the whole budget
        part = items[0]
        out.append(interp(_share_plan(part, _whole(src), "支出总计"), 0.78, src, (part.start, part.end), *ops))
    return out


def stated_share(ctx: Context) -> list[Interpretation]:
    """A share the text states for the item named ("基本支出占比多少" ← "基本支出…，占84.04%")."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent":
        return []
    if any(m.unit == "万元" for m in ctx.mentions("constant")):
        return []  # the question gives its own whole
    at = ctx.text.find("占")
    if at >= 0 and [i for i in _items(ctx, src) if i.start > at]:
        return []  # a base named after 占: the share builder's
    shares = {f.fact_id: f for f in src.facts.facts if f.kind == "share" and f.role == "headline"}
    completion = any(op == "completion" for op, _ in families.asked(ctx.text).operations)
    ops = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "share"]
    out = []
    for c in src.links:
        if c.kind != "fact" or c.score < 0.9:
            continue
        fact = shares.get(c.entity.removeprefix("fact:"))
        subjects = [f for f in shares.values() if f.subject in (src.entity(c).ref.subject,
                                                                src.entity(c).ref.subject + "完成预算")]
        for fact in ([fact] if fact else []) + subjects:
            done = fact.subject.endswith("完成预算")
            if completion != done:
                continue
            stem = fact.subject.removesuffix("完成预算") if done else fact.subject
            plan = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"),
                        label=f"{stem}完成预算的比例" if done else f"{fact.subject}占比")
            out.append(interp(plan, 0.8, src, (c.start, c.end), *ops))
    return out


def ratio(ctx: Context) -> list[Interpretation]:
    """"A是B的几倍", "A快有B的4倍": A ÷ B, B being the item followed by 的…倍."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "ratio":
        return []
    items = _items(ctx, src)
    if len(items) < 2:
        return []
    a, b = items[0], items[1]
    if re.match(r"的", ctx.text[b.end:b.end + 1]) is None and re.match(r"的", ctx.text[a.end:a.end + 1]):
        a, b = b, a
    plan = Plan(op="ratio", args=[a.leaf, b.leaf], label=f"{a.name}是{b.name}的倍数")
    ops = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "ratio"]
    return [interp(plan, 0.9, src, (a.start, a.end), (b.start, b.end), *ops)]


_CALENDAR = {"月": 12, "天": 365, "季度": 4}  # a budget is for one year


def per_unit(ctx: Context) -> list[Interpretation]:
    """An amount per person/vehicle/project: ÷ the user's constant, ÷ the count of projects, or ÷
    the months of the year."""
    src = single(ctx)
    per = ctx.reading.asked.per
    if src is None or per is None:
        return []
    people = {"人", "个人", "名", "位"}
    items = _items(ctx, src)
    pers = [(m.start, m.end) for m in ctx.mentions("per")] + [
        (m.start, m.end) for m in ctx.mentions("operator") if m.name == "average"]
    out = []
    if per in ("个", "项") and "项目" in ctx.text and src.facts.projects:
        leaves = [src.project_leaf(p) for p in src.facts.projects]
        total = Plan(op="value", entity=src.key("measure:项目支出"), label="项目支出")
        plan = Plan(op="divide", args=[total, Plan(op="count", args=leaves, unit="个", label="项目个数")],
                    label="平均每个项目的金额")
        at = ctx.text.find("项目")
        out.append(interp(plan, 0.85, src, *pers, (at, at + 2)))
    if per in _CALENDAR and not any(m.unit in ("人", "辆", "台", "个") and m.value != 1 for m in ctx.mentions("constant")):
        pool = sorted(items, key=lambda i: (-i.score, -len(i.name)))
        whole = pool[0].leaf if pool else _whole(src)
        label = pool[0].name if pool else "支出总计"
        plan = Plan(op="divide", args=[whole, Plan(op="const", value=_CALENDAR[per], unit=per)],
                    label=f"{label}平均每{per}")
        out.append(interp(plan, 0.85, src, *pers, *([(pool[0].start, pool[0].end)] if pool else [])))
    for m in ctx.mentions("constant"):
        same = m.unit == per or (m.unit in people and per in people)
        if not same or not m.value or m.value == 1:
            continue
        for item in _best(items):  # each item the words may name: the gates see what each reads
            plan = Plan(op="divide", args=[item.leaf, Plan(op="const", value=m.value, unit=m.unit)],
                        label=f"{item.name}平均每{per}",
                        unit=per if per in people and not ctx.reading.asked.unit else None)
            out.append(interp(plan, 0.88, src, (item.start, item.end), (m.start, m.end), *pers))
    return out


def _best(items: list[Item], band: float = 0.05, most: int = 3) -> list[Item]:
    """The items read nearly as well as the best one, best first."""
    pool = sorted(items, key=lambda i: (-i.score, -len(i.name), -i.start))
    return [i for i in pool if pool[0].score - i.score <= band][:most]


def what_if(ctx: Context) -> list[Interpretation]:
    """"假如每年增长6%，到2027年多少": an amount grown at the user's rate for the years between."""
    src = single(ctx)
    op = ctx.reading.op("whatif")
    if src is None or op is None:
        return []
    rates = [m for m in ctx.mentions("constant") if m.unit == "%"]
    items = _items(ctx, src)
    amounts = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.value]
    if not rates:
        return []
    doc_year = src.facts.document.year
    later = [int(m.value) for m in ctx.mentions("year") if m.value and m.value > doc_year]
    spans = [m for m in ctx.mentions("constant") if m.unit == "年" and m.value]
    years = later[0] - doc_year if later else (int(spans[0].value) if spans else 1)
    sign = -1 if re.search(r"下降|减少|压减|降低|砍", ctx.text) else 1
    changes = [m.span() for m in CHANGE_WORDS.finditer(ctx.text)]
    named = base_from_constant(ctx, src) if amounts else None
    restates = [m for m in amounts if any(
        abs((measure_figure(src.facts, n).value if measure_figure(src.facts, n) else -1) - m.value) <= 0.01
        for n in ("支出总计", "收入总计"))]
    if items:
        base, label, base_span = items[0].leaf, items[0].name, (items[0].start, items[0].end)
    elif named:
        base, base_span = named
        label = base.label
    elif restates:  # "预算是1074.61万元": the budget's own total, cited
        base = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        label, base_span = "支出总计", (restates[0].start, restates[0].end)
    elif amounts:  # "预算是1074.61万元，要是明年再涨10%": the user's own figure
        base = Plan(op="const", value=amounts[0].value, unit="万元")
        label, base_span = f"{amounts[0].value:g}万元", (amounts[0].start, amounts[0].end)
    else:
        base, label, base_span = _whole(src), "支出总计", (0, 0)
    plan = Plan(op="growth", args=[base, Plan(op="const", value=sign * rates[0].value, unit="%"),
                                   Plan(op="const", value=years, unit="年")],
                label=f"{label}按每年{'增长' if sign > 0 else '下降'}{rates[0].value:g}%推算{years}年后")
    rel = [(m.start, m.end) for m in ctx.mentions("relative_year")]
    later_spans = [(m.start, m.end) for m in ctx.mentions("year") if m.value and m.value > doc_year]
    return [interp(plan, 0.9, src, base_span, (rates[0].start, rates[0].end), (op.start, op.end), *changes, *rel,
                   *later_spans, *[(m.start, m.end) for m in spans])]


def pair_difference(ctx: Context) -> list[Interpretation]:
    """Two items of one document, subtracted ("A比B少多少", "A和B差多少")."""
    src = single(ctx)
    op = op_span(ctx, "difference")
    if src is None or op is None:
        return []
    items = [i for i in _items(ctx, src) if i.score >= 0.9]
    if len(items) < 2:
        return []
    a, b = items[0], items[1]
    plan = Plan(op="difference", args=[a.leaf, b.leaf], label=f"{a.name}与{b.name}之差")
    changes = [m.span() for m in CHANGE_WORDS.finditer(ctx.text)]
    return [interp(plan, 0.86, src, (a.start, a.end), (b.start, b.end), op, *changes)]


_PRICE = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<u>元|万元)(?=/|每)")


def how_many(ctx: Context) -> list[Interpretation]:
    """"15万元按100元/次/人发放，能发多少人次": an amount ÷ a price the question gives, in the
    measure word asked."""
    src = single(ctx)
    asked = ctx.reading.asked
    if src is None or asked.kind != "count" or not asked.unit:
        return []
    price = _PRICE.search(ctx.text)
    if price is None:
        return []
    wan = float(price.group("n")) * (0.0001 if price.group("u") == "元" else 1.0)
    items = [i for i in _items(ctx, src) if i.end <= price.start()]
    amounts = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.end <= price.start() and m.value]
    if items:
        total, spans = items[-1].leaf, [(items[-1].start, items[-1].end)]
    elif amounts:
        total, spans = Plan(op="const", value=amounts[-1].value, unit="万元"), [(amounts[-1].start, amounts[-1].end)]
    else:
        return []
    at = price.start()
    end = re.match(r"[\d.]+(?:元|万元)(?:/[\u4e00-\u9fff])*", ctx.text[at:])
    spans.append((at, at + (end.end() if end else price.end() - at)))
    spans += [(m.start, m.end) for m in ctx.mentions("constant") if at <= m.start < spans[-1][1]]
    plan = Plan(op="ratio", relation="count", unit=asked.unit,
                args=[total, Plan(op="const", value=wan, unit="万元")], label=f"按{price.group(0)}可发放的{asked.unit}数")
    return [interp(plan, 0.88, src, *spans, *[(m.start, m.end) for m in ctx.mentions("operator") if m.name == "whatif"])]


def times(ctx: Context) -> list[Interpretation]:
    """"按每人每年3.32万元、110人算，总额多少": the user's own figures multiplied."""
    src = single(ctx)
    if src is None:
        return []
    amounts = [m for m in ctx.mentions("constant") if m.unit == "万元" and m.value]
    counts = [m for m in ctx.mentions("constant") if m.unit in ("人", "名", "辆", "台", "个", "月", "次") and m.value]
    per = ctx.mentions("per")
    if len(amounts) != 1 or len(counts) != 1 or not per:
        return []
    a, n = amounts[0], counts[0]
    plan = Plan(op="times", args=[Plan(op="const", value=a.value, unit="万元"), Plan(op="const", value=n.value, unit=n.unit)],
                label=f"{a.text}×{n.text}")
    spans = [(a.start, a.end), (n.start, n.end)] + [(m.start, m.end) for m in per] + [
        (m.start, m.end) for m in ctx.mentions("operator") if m.name in ("whatif", "average")]
    frame = re.search(r"按.{2,30}?(?:算|计算|来算)", ctx.text)
    if frame and frame.start() <= a.start and n.end <= frame.end():
        # "聘用人员按每人每年3.32万元、110人算，工资总额是多少": the question says how to compute;
        # its words name what the product is
        spans += [(r.start, r.end) for r in ctx.reading.content]
    return [interp(plan, 0.86, src, *spans)]


def unit_share(ctx: Context) -> list[Interpretation]:
    """"政务服务中心的钱里，项目支出占几成": a measure of the unit named ÷ the unit's total."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent" or not src.unit or not src.unit_span:
        return []
    from retrieval.plan.lookups import _same_unit

    measures = [i for i in _items(ctx, src) if i.name in ("基本支出", "项目支出")]
    rows = [e for e in src.index.entities if e.kind == "unit" and _same_unit(e.name, src.unit)]
    ops = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "share"]
    for m in measures:
        for e in rows:
            column = next((c.column for c in e.ref.row.cells if c.value is not None
                           and c.column.split("/")[0] == m.name), None)
            if column is None:
                continue
            part = Plan(op="value", entity=src.key(e.key), column=column, label=f"{e.name}{m.name}")
            whole = Plan(op="value", entity=src.key(e.key), label=f"{e.name}合计")
            plan = Plan(op="share", args=[part, whole], label=f"{e.name}{m.name}占其合计的比重")
            return [interp(plan, 0.9, src, src.unit_span, (m.start, m.end), *ops,
                           *[(c.start, c.end) for c in ctx.mentions("code")])]
    return []


def set_share(ctx: Context) -> list[Interpretation]:
    """"两个信息化建设项目合计占项目支出的百分之多少": the set's sum ÷ the base after 占."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent":
        return []
    from retrieval.plan.sets import project_set

    found = project_set(ctx, src)
    at = ctx.text.find("占")
    if not found or at < 0:
        return []
    leaves, spans = found
    after = [i for i in _items(ctx, src) if i.start > at]
    base = after[0].leaf if after else Plan(op="value", entity=src.key("measure:项目支出"), label="项目支出")
    base_spans = [(after[0].start, after[0].end)] if after else []
    plan = Plan(op="share", args=[Plan(op="sum", args=leaves, label="合计"), base], label=f"合计占{base.label}的比重")
    ops = [(m.start, m.end) for m in ctx.mentions("operator") if m.name in ("share", "sum")]
    return [interp(plan, 0.88, src, *spans, *base_spans, *ops)]
