"""Builders of computed figures: a share with its base, a ratio (几倍), a per-unit figure with
the user's constants or a count, a what-if growth, and the change stated against last year."""

from __future__ import annotations

import re

from retrieval.plan import families
from retrieval.plan.builders import builder, interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.items import Item, distinct, find_items
from retrieval.plan.records import Interpretation, Plan
from retrieval.lookup import item_figure, measure_figure
from retrieval.resolve import department_aliases
from retrieval.understand import lexicon_terms

_WHOLE_WORDS = r"钱|预算|总额|全年|一年|总支出|总共"


def _amount_items(ctx: Context, src: Source) -> list[Item]:
    return distinct(find_items(ctx, src))


def base_from_constant(ctx: Context, src: Source) -> tuple[Plan, tuple[int, int]] | None:
    """A base written as a number ("X万多的盘子里", "a万元的某经费"): the measure or item
    whose figure is that number (within 1%, or within 5% when written as approximate)."""
    for m in ctx.mentions("constant"):
        if m.unit != "万元" or not m.value:
            continue
        tolerance = 0.05 if m.name == "approx" else 0.01
        candidates = []
        for name in ("支出总计", "收入总计", "基本支出", "项目支出", "人员经费", "公用经费"):
            f = measure_figure(src.facts, name)
            if f and abs(f.value - m.value) <= tolerance * m.value + 0.005:
                candidates.append(name)
        for item in _amount_items(ctx, src):
            f = item_figure(src.facts, item.name)
            if f and abs(f.value - m.value) <= tolerance * m.value + 0.005 and item.start >= m.end - 1:
                candidates.insert(0, item.name)
        if candidates:
            name = candidates[0]
            return Plan(op="value", entity=src.key(f"item:{name}" if not name.endswith(("总计",)) else
                                                   f"measure:{name}"), label=name), (m.start, m.end)
    return None


@builder("share")
def share(ctx: Context) -> list[Interpretation]:
    """Part ÷ base × 100%: the base is what follows 占, a number that names a whole, or the whole."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent":
        return []
    if re.search(r"涨幅|增幅|降幅|增长率|下降率|增长了?百分之|增加了?百分之", ctx.text):
        return []  # a change against last year: the change builder
    if any(op == "completion" for op, _ in families.asked(ctx.text).operations):
        return []  # "完成预算的百分之几" is spent ÷ planned, not a part of a whole
    items = _amount_items(ctx, src)
    occupy = ctx.reading.op("share")
    at = ctx.text.find("占")
    constant_base = base_from_constant(ctx, src)
    out = []
    if constant_base:
        base, span = constant_base
        parts = [i for i in items if i.name != base.label and not (i.start >= span[0] and i.end <= span[1] + 4)]
        for part in parts[:1]:
            plan = Plan(op="share", args=[part.leaf, base], label=f"{part.name}占{base.label}的比重")
            out.append(interp(plan, 0.9, src, (part.start, part.end), span))
        return out
    if at >= 0:
        before = [i for i in items if i.end <= at]
        after = [i for i in items if i.start > at]
        if len(before) >= 2 and not after and re.search(r"里|中|当中|之中|内", ctx.text[before[-2].end:before[-1].start]):
            # "基本支出里人员经费占几成": the whole is named first, the part right before 占
            base, part = before[-2], before[-1]
            plan = Plan(op="share", args=[part.leaf, base.leaf], label=f"{part.name}占{base.name}的比重")
            return [interp(plan, 0.88, src, (part.start, part.end), (base.start, base.end))]
        if before and after:
            part, base = before[-1], after[0]
            plan = Plan(op="share", args=[part.leaf, base.leaf], label=f"{part.name}占{base.name}的比重")
            return [interp(plan, 0.88, src, (part.start, part.end), (base.start, base.end))]
        if after and not before:
            # "X里/中…占" with the whole before: the only item after 占 is the part
            whole = re.search(rf"({_WHOLE_WORDS})", ctx.text[:at])
            if whole:
                part = after[0]
                base = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
                plan = Plan(op="share", args=[part.leaf, base], label=f"{part.name}占支出总计的比重")
                return [interp(plan, 0.8, src, (part.start, part.end), whole.span())]
    # "X不到Y的九成", "X是Y的百分之几": the item followed by 的 is the base
    if at < 0 and len(items) >= 2:
        part, base = items[0], items[1]
        if ctx.text[base.end:base.end + 1] == "的":
            plan = Plan(op="share", args=[part.leaf, base.leaf], label=f"{part.name}占{base.name}的比重")
            return [interp(plan, 0.84, src, (part.start, part.end), (base.start, base.end))]
    # "有几成花在X上": the whole is the department's money
    if re.search(r"几成|百分之几|多大比例", ctx.text) and re.search(_WHOLE_WORDS, ctx.text) and len(items) == 1 \
            and items[0].name not in ("支出总计", "收入总计"):
        part = items[0]
        base = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        plan = Plan(op="share", args=[part.leaf, base], label=f"{part.name}占支出总计的比重")
        out.append(interp(plan, 0.78, src, (part.start, part.end)))
    return out if occupy or out else []


@builder("ratio")
def ratio(ctx: Context) -> list[Interpretation]:
    """"A是B的几倍", "A快有B的4倍": A ÷ B, B being the item followed by 的…倍."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "ratio":
        return []
    items = _amount_items(ctx, src)
    if len(items) < 2:
        return []
    a, b = items[0], items[1]
    if re.match(r"的", ctx.text[b.end:b.end + 1]) is None and re.match(r"的", ctx.text[a.end:a.end + 1]):
        a, b = b, a
    plan = Plan(op="ratio", args=[a.leaf, b.leaf], label=f"{a.name}是{b.name}的倍数")
    return [interp(plan, 0.9, src, (a.start, a.end), (b.start, b.end))]


_CALENDAR = {"月": 12, "天": 365}  # a budget is for one year


@builder("per_unit")
def per_unit(ctx: Context) -> list[Interpretation]:
    """An amount per person/vehicle/project: ÷ the user's constant, or ÷ the count of projects."""
    src = single(ctx)
    per = ctx.reading.asked.per
    if src is None or per is None:
        return []
    people = {"人", "个人", "名", "位"}
    items = [i for i in _amount_items(ctx, src)]
    out = []
    if per in ("个", "项") and "项目" in ctx.text and src.facts.projects:
        leaves = [src.project_leaf(p) for p in src.facts.projects]
        total = Plan(op="value", entity=src.key("measure:项目支出"), label="项目支出")
        plan = Plan(op="divide", args=[total, Plan(op="count", args=leaves, unit="个", label="项目个数")],
                    label="平均每个项目的金额")
        out.append(interp(plan, 0.85, src))
    if per in _CALENDAR and not any(m.unit in ("人", "辆", "台", "个") for m in ctx.mentions("constant")):
        # "平均每月花多少": a year's figure over the months (or days) of the year
        pool = sorted(items, key=lambda i: (-i.score, -len(i.name)))
        whole = pool[0].leaf if pool else Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        label = pool[0].name if pool else "支出总计"
        plan = Plan(op="divide", args=[whole, Plan(op="const", value=_CALENDAR[per], unit=per)],
                    label=f"{label}平均每{per}")
        out.append(interp(plan, 0.85, src))
    for m in ctx.mentions("constant"):
        same = m.unit == per or (m.unit in people and per in people)
        if not same or not m.value or m.value == 1:
            continue
        # the amount divided: the most specific item, the later one on a tie ("两辆公车…运行维护费")
        pool = sorted(items, key=lambda i: (-i.score, -len(i.name), -i.start))
        if not pool:
            continue
        item = pool[0]
        plan = Plan(op="divide", args=[item.leaf, Plan(op="const", value=m.value, unit=m.unit)],
                    label=f"{item.name}平均每{per}", unit=per if per in people and not ctx.reading.asked.unit else None)
        out.append(interp(plan, 0.88, src, (item.start, item.end), (m.start, m.end)))
    return out


@builder("what_if")
def what_if(ctx: Context) -> list[Interpretation]:
    """"假如每年增长6%，到2027年多少": an amount grown at the user's rate for the years between."""
    src = single(ctx)
    if src is None or ctx.reading.op("whatif") is None:
        return []
    rates = [m for m in ctx.mentions("constant") if m.unit == "%"]
    items = _amount_items(ctx, src)
    if not rates or not items:
        return []
    doc_year = src.facts.document.year
    later = [int(m.value) for m in ctx.mentions("year") if m.value and m.value > doc_year]
    spans = [m for m in ctx.mentions("constant") if m.unit == "年" and m.value]
    years = later[0] - doc_year if later else (int(spans[0].value) if spans else 1)
    sign = -1 if re.search(r"下降|减少|压减|降低", ctx.text) else 1
    item = items[0]
    plan = Plan(op="growth", args=[item.leaf, Plan(op="const", value=sign * rates[0].value, unit="%"),
                                   Plan(op="const", value=years, unit="年")],
                label=f"{item.name}按每年{'增长' if sign > 0 else '下降'}{rates[0].value:g}%推算{years}年后")
    return [interp(plan, 0.9, src, (item.start, item.end), (rates[0].start, rates[0].end))]


@builder("change")
def change(ctx: Context) -> list[Interpretation]:
    """The change against last year as the document states it (涨幅, 增长了多少, 比上年减少多少)."""
    src = single(ctx)
    earlier_year = src is not None and any(
        m.value and m.value < src.facts.document.year for m in ctx.mentions("year"))
    if src is None or not (re.search(r"上年|去年|上一年|涨幅|增幅|降幅|增长|减少|增加|下降", ctx.text) or earlier_year):
        return []
    percent = ctx.reading.asked.kind == "percent"
    kind = "change_percent" if percent else "change_amount"
    doc_year = src.facts.document.year
    earlier = any(m.value and m.value < doc_year for m in ctx.mentions("year"))
    against_before = re.search(r"比(上年|去年|上一年|前一年)|上年|去年", ctx.text) or earlier
    if not percent and not (re.search(r"(增加|减少|增长|下降|变化|多|少)了?多少|涨了?多少", ctx.text) or (
            against_before and re.search(r"(多|少|增|减|涨|降).{0,4}(多少|几)", ctx.text))):
        return []
    items = _amount_items(ctx, src)
    facts = {f.fact_id: f for f in src.facts.facts if f.kind == kind}
    # the change of the item named (linked by similarity to the text's subjects); the whole
    # budget's change only when the question names no item
    linked = [(c.score, facts[c.entity.removeprefix("fact:")]) for c in src.links
              if c.kind == "fact" and c.entity.removeprefix("fact:") in facts and c.score >= 0.7]
    spans = []
    if not linked and not [i for i in items if i.name not in ("支出总计", "收入总计")]:
        # the whole budget's change is stated for 收支总计: it is the change of 收入/支出总计 too
        linked = [(0.8, f) for f in facts.values() if f.subject == "收支总计"]
        spans = [(i.start, i.end) for i in items]
    if not linked:
        return _change_column(ctx, src, items, percent)
    score, fact = max(linked, key=lambda x: (x[0], len(x[1].subject)))
    label = f"{fact.subject}比上年{fact.direction}{'幅度' if percent else '额'}"
    plan = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=label)
    return [interp(plan, 0.8 + 0.06 * score, src, *spans)]


@builder("indicator_unit")
def indicator_unit(ctx: Context) -> list[Interpretation]:
    """The indicator of the named project whose unit is the one asked ("定了多少台/条/家")."""
    src = single(ctx)
    asked = ctx.reading.asked
    if src is None or asked.kind != "count" or not asked.unit:
        return []
    if asked.unit in ("个", "项") and not asked.counted:
        return []  # "几个" alone says nothing about which indicator
    projects = [c.name for c in src.links if c.kind == "project" and c.score >= 0.9]
    indicators = {c.name: c.score for c in src.links if c.kind == "indicator" and c.score >= 0.6}
    people = {"人", "名", "位"}
    pool = [i for i in src.facts.indicators if i.number is not None and (
        i.unit == asked.unit or i.unit in people and asked.unit in people)]
    # the indicator itself must be named, or be the only one of that unit in the named project
    counted = ctx.reading.asked.counted or ""
    # named by its own words, or by what is counted inside a project the question names
    named = [i for i in pool if (i.level3 in indicators and (not projects or i.project in projects))
             or (counted and projects and i.project in projects and counted[:2] in i.level3 + i.value_text)]
    in_project = [i for i in pool if i.project in projects]
    chosen = named or (in_project if len(in_project) == 1 else [])
    if len(chosen) != 1:
        return []
    ind = chosen[0]
    plan = Plan(op="value", entity=src.key(f"indicator:{ind.indicator_id}"),
                label=f"{ind.project or '部门整体'}·{ind.level3}")
    return [interp(plan, 0.9, src)]


# a single item's figure reads the question only partly: below the floor for stating it alone,
# it is the figure a claim about that item is checked against
ITEM_ONLY = 0.68


@builder("item_value")
def item_value(ctx: Context) -> list[Interpretation]:
    """The figure of the one item named ("预算超过1000万元" → 支出总计)."""
    src = single(ctx)
    if src is None:
        return []
    items = [i for i in _amount_items(ctx, src) if i.score >= 0.9]
    if not items and re.search(r"预算|花|支出|经费", ctx.text):
        # "总盘子过亿了吗": the whole budget, surely so only when nothing else is asked about
        leaf = Plan(op="value", entity=src.key("measure:支出总计"), label="支出总计")
        if lexicon_terms(ctx.text):
            return []  # it names something ("出国") whose figure was not found: not the whole budget
        rest = _residue(ctx, src)
        return [interp(leaf, 0.75 if not rest else ITEM_ONLY - 0.05, src)]
    if len(items) != 1:
        return []
    item = items[0]
    # the item is all the question names ("X一般公共预算支出是多少"): surely its figure
    rest = _residue(ctx, src, (item.start, item.end))
    # ... and names the department itself, not a unit inside it (…中心), whose figure this is not
    whole = not src.named or src.named in department_aliases(src.facts.document.department)
    plain = whole and not rest and not any(m.kind in ("operator", "claim") for m in ctx.reading.mentions)
    return [interp(item.leaf, 0.75 if plain and item.score >= 0.95 else ITEM_ONLY, src, (item.start, item.end))]


_ASKING = re.compile(r"一年|全年|今年|本年|年度|预算|总共|一共|多少|钱|花|有没有|是不是|是|的|吗|呢|啊|合|总|大概|"
                     r"一下|请问|按|算|说|这个|那个|部门|单位|共|了|有|上亿|过亿|上千万|上百万|亿元|万元|元|对吗|超过|不到")


def _residue(ctx: Context, src: Source, item: tuple[int, int] | None = None) -> str:
    """The question's Chinese words left once the department, years, numbers and asking words
    (and the item at `item`, when given) go."""
    text = ctx.text if item is None else ctx.text[:item[0]] + " " + ctx.text[item[1]:]
    text = text.replace(src.named, "") if src.named else text
    for m in ctx.reading.mentions:
        if m.kind in ("year", "constant", "claim", "operator"):
            text = text.replace(m.text, "")
    return "".join(re.findall(r"[\u4e00-\u9fff]", _ASKING.sub("", text)))



@builder("pair_difference")
def pair_difference(ctx: Context) -> list[Interpretation]:
    """Two items of one document, subtracted ("A比B少多少", "A和B差多少")."""
    src = single(ctx)
    op = ctx.reading.op("difference")
    if src is None or op is None:
        return []
    items = [i for i in _amount_items(ctx, src) if i.score >= 0.9]
    if len(items) < 2:
        return []
    a, b = items[0], items[1]
    plan = Plan(op="difference", args=[a.leaf, b.leaf], label=f"{a.name}与{b.name}之差")
    return [interp(plan, 0.86, src, (a.start, a.end), (b.start, b.end), (op.start, op.end))]


_CHANGE_COLUMN = re.compile(r"增减额|增减|比上年增减|变动额")


def _change_column(ctx: Context, src: Source, items: list[Item], percent: bool) -> list[Interpretation]:
    """A table that prints the change itself (a 增减额 column beside 本年/上年预算数): the item's cell."""
    if percent:
        return []
    for item in items:
        for ref in src.facts.rows_of_item(item.name):
            cell = next((c for c in ref.row.cells if _CHANGE_COLUMN.search(c.column) and c.value is not None), None)
            if cell is None:
                pair = _year_columns(ref, src.facts.document.year)
                if pair is None:
                    continue
                # "2025年预算数" beside "2024年预算数" (本年 / 上年): the change is their difference
                key = src.key(f"row:{ref.table.table_id}:{ref.row.index}")
                sides = [Plan(op="value", entity=key, column=c, label=f"{item.name}（{c}）") for c in pair]
                plan = Plan(op="difference", args=sides, label=f"{item.name}比上年的变化")
                return [interp(plan, 0.84, src, (item.start, item.end))]
            key = f"row:{ref.table.table_id}:{ref.row.index}"
            plan = Plan(op="value", entity=src.key(key), column=cell.column, label=f"{item.name}（{cell.column}）")
            return [interp(plan, 0.84, src, (item.start, item.end))]
    return []


def _year_columns(ref, year: int) -> tuple[str, str] | None:
    """The row's columns of this year and of the year before: "2025年预算数" / "2024年预算数",
    or "本年…" / "上年…"."""
    this = last = None
    for cell in ref.row.cells:
        if cell.value is None:
            continue
        head = cell.column.split("/")[0]
        found = re.search(r"(20\d\d)\s*年", head)
        if found and int(found.group(1)) == year or re.match(r"本年|今年|当年", head):
            this = this or cell.column
        elif found and int(found.group(1)) == year - 1 or re.match(r"上年|去年", head):
            last = last or cell.column
    return (this, last) if this and last else None


@builder("stated_share")
def stated_share(ctx: Context) -> list[Interpretation]:
    """A share the text states for the item named ("基本支出占比多少" ← "基本支出…，占84.04%"),
    when the question names no base of its own (that is the share builder's)."""
    src = single(ctx)
    if src is None or ctx.reading.asked.kind != "percent" or re.search(r"占(?!比|多|几|百分)[\u4e00-\u9fff“”]{2,}", ctx.text):
        return []
    if any(m.unit == "万元" for m in ctx.mentions("constant")) or re.search(r"(里|中|当中|之中|内)(头|面)?[,，]", ctx.text):
        return []  # "九百多万里头，X占多大比例": the question gives its own whole
    shares = {f.fact_id: f for f in src.facts.facts if f.kind == "share" and f.role == "headline"}
    subjects = {src.entity(c).ref.subject: c for c in src.links
                if c.kind == "fact" and c.score >= 0.9 and c.start >= 0}
    completion = any(op == "completion" for op, _ in families.asked(ctx.text).operations)
    out = []
    for fact in shares.values():
        # "X完成年初预算的百分之几" ← "X…完成年初预算的104.3%" (stored as "X完成预算")
        done = fact.subject.endswith("完成预算")
        if completion != done:
            continue
        stem = fact.subject.removesuffix("完成预算") if done else fact.subject
        c = subjects.get(stem) or (subjects.get(fact.subject) if not done else None)
        if c is None:
            continue
        plan = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"),
                    label=f"{stem}完成预算的比例" if done else f"{fact.subject}占比")
        at = ctx.text.find(fact.subject)
        # below a share computed on a base the question names: the text's base is not said here
        out.append(interp(plan, 0.76, src, (at, at + len(fact.subject)) if at >= 0 else (c.start, c.end)))
    return out
