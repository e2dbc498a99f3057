"""Claims ("不到三成", "快翻倍了", "超过500万元", "三公经费是0", "X比Y多", "钱主要花在X上"): the
figure the claim is about, computed by the other builders, judged against what the claim says."""

from __future__ import annotations

import re

from retrieval.plan import changes, computed, indicators, lookups, sets
from retrieval.plan.base import interp, single
from retrieval.plan.context import Context
from retrieval.plan.figures import COMPONENTS, MEASURES
from retrieval.plan.items import distinct, find_items, restated
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.records import Mention

# the builders whose figure a claim may be about
_INNER = (computed.share, computed.stated_share, computed.ratio, changes.change, changes.previous_year,
          lookups.row_column, lookups.unit_figure, sets.set_sum, sets.stated_count, sets.project_count,
          computed.per_unit, lookups.item_value, indicators.indicator_value, computed.pair_difference)
_ZERO = re.compile(r"是0|为0|是零|为零|一分钱都?没|一分没|没有安排|没安排|没有花|没花|不花钱|为空|无此")


def claimed(ctx: Context) -> bool:
    return any(m.name == "cue" for m in ctx.mentions("claim"))


def stated_values(ctx: Context) -> list[Mention]:
    stated = [m for m in ctx.mentions("constant") if m.unit in ("万元", "%", "倍", "个", "辆", "人", "台", "项")
              and m.value is not None and m.name != "threshold"]
    stated += [m for m in ctx.mentions("constant") if m.name == "threshold"]
    if not stated:  # "翻了一番" states a growth of 100% without writing the number
        stated = [Mention(kind="constant", start=m.start, end=m.end, text=m.text, value=100.0, unit="%",
                          name="double") for m in ctx.mentions("claim") if m.name == "double"]
    if not stated:
        zero = _ZERO.search(ctx.text)
        if zero:  # "三公经费是0，对吗": a figure stated as none
            stated = [Mention(kind="constant", start=zero.start(), end=zero.end(), text=zero.group(0), value=0.0,
                              unit="万元", name="zero")]
    return stated


def relation_for(ctx: Context, stated: Mention) -> str:
    """The relation word nearest the stated value ("超过一成", "快有…4倍", "一半以上")."""
    if stated.name in ("zero",):
        return "eq"
    if stated.name == "threshold":
        return "ge"
    if stated.name == "approx":  # "370多万元": about that much
        return "approx"
    rels = [m for m in ctx.mentions("claim") if m.name not in ("cue", "none", "up", "down", "main", "all")]
    if not rels:
        return "eq"
    return min(rels, key=lambda r: min(abs(r.start - stated.end), abs(stated.start - r.end))).name


_KIND = {"%": "percent", "倍": "ratio", "万元": "amount", "个": "count", "辆": "count", "人": "count",
         "台": "count", "项": "count"}


def verify(ctx: Context) -> list[Interpretation]:
    """A claim stating a figure: the figure it is about, judged by the claim's relation."""
    if not claimed(ctx):
        return []
    stated = stated_values(ctx)
    units = [s.unit for s in stated]
    if not stated or any(units.count(u) > 1 for u in units if u == "万元" and len(stated) > 2):
        return []
    context = [span for src in ctx.sources for span in restated(ctx, src)]
    # a number restating an item's own figure ("7.7万元公用经费里") says which item: it is no claim
    stated = [s for s in stated if not any(a <= s.start and s.end <= b for a, b in context)] or stated[-1:]
    names_change = bool(changes.CHANGE_WORDS.search(ctx.text))
    out = []
    for s in stated:
        kind = _KIND[s.unit]
        asked = ctx.reading.asked.model_copy(update={"kind": kind, "parts": [kind],
                                                     "unit": s.unit if kind == "count" else None})
        reading = ctx.reading.model_copy(update={"asked": asked})
        claim_ctx = Context(reading, ctx.sources, ctx.quotes)
        builders = (changes.change, changes.previous_year) if s.name == "double" else _INNER
        if names_change and s.name != "double":  # "比上年少了370多万": the change, not last year's figure
            builders = tuple(b for b in builders if b is not changes.previous_year)
        for build in builders:
            if names_change and s.unit == "%" and build in (computed.share, computed.stated_share) and re.search(
                    r"比(?:上年|去年|上一年|\d{4}年)", ctx.text):
                continue  # "比上年涨了30%": a change, not a share
            for inner in build(claim_ctx):
                op = inner.plan.op
                if op == "share" and s.unit != "%" or op == "ratio" and s.unit != "倍":
                    continue
                if s.start in {a for a, _ in inner.covered} and s.name != "zero":
                    continue  # the stated value was read as the base of the figure itself
                if s.name not in ("double", "zero", "fraction", "threshold") and len(stated) > 1 and not any(
                        -8 <= s.start - b <= 8 or -8 <= a - s.end <= 8 for a, b in inner.covered):
                    continue  # of several figures, each is said of the item beside it
                relation = "ge" if s.name == "double" else relation_for(ctx, s)
                plan = Plan(op="verify", args=[inner.plan], relation=relation, stated=s.value,
                            unit=s.unit, label=f"核对：{inner.plan.label}")
                out.append(Interpretation(builder="", plan=plan, score=min(0.99, inner.score + 0.08),
                                          covered=inner.covered + [(s.start, s.end)], doc_ids=inner.doc_ids,
                                          reads=inner.reads))
    return out


_MORE = re.compile(r"比(?P<rest>.{1,24}?)(?P<word>多|高|大|少|低|小|贵|便宜)")


def compare_claim(ctx: Context) -> list[Interpretation]:
    """"X比Y多吗", "有人说项目支出比基本支出还多": both figures, and whether X is larger (smaller)."""
    src = single(ctx)
    m = _MORE.search(ctx.text)
    if src is None or m is None:
        return []
    if re.match(r"多少|几", ctx.text[m.end():m.end() + 2]):
        return []  # "比Y多多少" asks the difference
    items = distinct(find_items(ctx, src))
    before = [i for i in items if i.end <= m.start()]
    after = [i for i in items if m.start() < i.start < m.end("word")]
    if not before or not after:
        return []
    a, b = before[-1], after[0]
    relation = "gt" if m.group("word") in ("多", "高", "大", "贵") else "lt"
    plan = Plan(op="compare", args=[a.leaf, b.leaf], relation=relation,
                label=f"{a.name}{'多于' if relation == 'gt' else '少于'}{b.name}")
    word = (m.start("word"), m.end("word"))
    still = re.search(r"还|更", ctx.text[m.start():m.end()])
    spans = [(a.start, a.end), (b.start, b.end), (m.start(), m.start() + 1), word]
    if still:
        spans.append((m.start() + still.start(), m.start() + still.end()))
    return [interp(plan, 0.88, src, *spans)]


def main_claim(ctx: Context) -> list[Interpretation]:
    """"钱主要花在X上", "大头是X": X is larger than every other part of the whole it belongs to."""
    src = single(ctx)
    main = next((m for m in ctx.mentions("claim") if m.name == "main"), None)
    if src is None or main is None or not claimed(ctx):
        return []
    items = [i for i in distinct(find_items(ctx, src)) if i.start >= main.start - 2]
    for item in items:
        whole = next((w for w, parts in COMPONENTS.items() if item.name in parts), None)
        if whole is None:
            continue
        others = [Plan(op="value", entity=src.key(f"measure:{p}" if p in MEASURES else f"item:{p}"), label=p)
                  for p in COMPONENTS[whole] if p != item.name]
        if not others:
            continue
        other = others[0] if len(others) == 1 else Plan(op="top", args=others, value=1, label="其他各项中最多的")
        plan = Plan(op="compare", args=[item.leaf, other], relation="gt", label=f"{item.name}多于其他各项")
        spans = [(item.start, item.end), (main.start, main.end)]
        spans += [(i.start, i.end) for i in items if i.name == whole]
        return [interp(plan, 0.88, src, *spans)]
    return []


_HAS = re.compile(r"(?<![没])有(?!人|没有|的)|安排了|存在|列了|列支了")


def exists_claim(ctx: Context) -> list[Interpretation]:
    """"判断：X有政府性基金预算安排": is the item's figure above zero (a claim of none: is it zero)?"""
    src = single(ctx)
    if src is None or not claimed(ctx) or stated_values(ctx) or ctx.mentions("claim") and any(
            m.name == "main" for m in ctx.mentions("claim")):
        return []
    has = _HAS.search(ctx.text)
    if has is None:
        return []
    out = []
    for item in distinct(find_items(ctx, src)):
        if item.start < has.start():
            continue
        plan = Plan(op="verify", args=[item.leaf], relation="ge", stated=0.005, unit="万元",
                    label=f"核对：有{item.name}")
        out.append(interp(plan, 0.86, src, (item.start, item.end), has.span()))
    return out


def kind_claim(ctx: Context) -> list[Interpretation]:
    """A claim that every project is of one kind: the projects not of that kind are counted,
    the claim holds when there are none (and the count of projects is the one stated)."""
    src = single(ctx)
    if src is None or not claimed(ctx):
        return []
    kinds = {p.category for p in src.facts.projects if p.category}
    alls = re.search(r"(全都|全部|都)是(?P<kind>[\u4e00-\u9fff]{2,8}?类)", ctx.text)
    if not alls or alls.group("kind") not in kinds:
        return []
    kind = alls.group("kind")
    others = [p for p in src.facts.projects if p.category != kind]
    inner = Plan(op="count", args=[src.project_leaf(p) for p in others], unit="个", label=f"不属于{kind}的项目个数")
    stated = [m for m in ctx.mentions("constant") if m.unit == "个" and m.value]
    spans = [alls.span()] + [m.span() for m in re.finditer("项目", ctx.text)]
    spans += [m.span() for k in kinds for m in re.finditer(re.escape(k), ctx.text)]  # "一个特定目标类都没有"
    spans += [m.span() for m in re.finditer(r"一个.{0,6}都没有|都没有|没有", ctx.text)]
    if stated and int(stated[0].value) != len(src.facts.projects):
        inner = Plan(op="count", args=[src.project_leaf(p) for p in src.facts.projects], unit="个", label="项目个数")
        plan = Plan(op="verify", args=[inner], relation="eq", stated=stated[0].value, unit="个",
                    label=f"核对：项目个数是否为{int(stated[0].value)}个")
        spans.append((stated[0].start, stated[0].end))
    else:
        of_kind = [src.project_leaf(p) for p in src.facts.projects if p.category == kind]
        evidence = [Plan(op="list", args=of_kind, label=f"{kind}项目")] if of_kind else []
        plan = Plan(op="verify", args=[inner, *evidence], relation="eq", stated=0, unit="个",
                    label=f"核对：全部是{kind}")
        spans += [(m.start, m.end) for m in stated]
    return [interp(plan, 0.88, src, *spans)]


def top_claim(ctx: Context) -> list[Interpretation]:
    """"花钱最多的是X，是这样吗": is X the largest (smallest) project?"""
    src = single(ctx)
    top = ctx.reading.op("top")
    if src is None or top is None or not claimed(ctx) or not src.facts.projects:
        return []
    named = [c for c in src.links if c.kind == "project" and c.score >= 0.9 and c.start > top.start]
    if not named:
        return []
    c = named[0]
    project = next((p for p in src.facts.projects if p.name == c.name or p.ref.row.label == c.name), None)
    if project is None:
        return []
    smallest = bool(re.search(r"最少|最小|最低|最便宜", top.text))
    leaves = [src.project_leaf(p) for p in src.facts.projects]
    best = Plan(op="top", args=leaves, value=1, relation="min" if smallest else None,
                label=f"金额{'最小' if smallest else '最大'}的项目")
    plan = Plan(op="compare", relation="is_top", args=[src.project_leaf(project), best],
                label=f"{project.name}是否金额{'最小' if smallest else '最大'}的项目")
    spans = [(top.start, top.end), (c.start, c.end)] + [m.span() for m in re.finditer("项目", ctx.text)]
    spans += [(m.start, m.end) for m in ctx.mentions("constant") if m.unit == "个"]
    return [interp(plan, 0.9, src, *spans)]


_UP = re.compile(r"增长|增加|上升|涨|多了|提高|不降反升")
_DOWN = re.compile(r"下降|减少|降低|压减|少了|降|缩减|砍")


def direction_claim(ctx: Context) -> list[Interpretation]:
    """"预算比上年增长了，这个说法对吗": this year's figure against last year's (from the stated
    change), up or down as claimed."""
    src = single(ctx)
    if src is None or not claimed(ctx) or stated_values(ctx):
        return []
    rel = [m for m in ctx.mentions("relative_year") if m.value == -1]
    rel += [m for m in ctx.mentions("year") for s in ctx.sources if m.value == s.facts.document.year - 1]
    up, down = _UP.search(ctx.text), _DOWN.search(ctx.text)
    if not rel or not (up or down):
        return []
    out = []
    for inner in changes.previous_year(ctx, compared=True):
        now, before = inner.plan.args[0], inner.plan
        relation = "gt" if up and (not down or up.start() < down.start()) else "lt"
        word = up or down
        plan = Plan(op="compare", relation=relation, args=[now, before],
                    label=f"{now.label}{'高于' if relation == 'gt' else '低于'}上年")
        out.append(Interpretation(builder="", plan=plan, score=inner.score + 0.05,
                                  covered=inner.covered + [word.span()] + [(m.start, m.end) for m in rel],
                                  doc_ids=inner.doc_ids))
    return out
