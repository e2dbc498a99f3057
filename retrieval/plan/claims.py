"""Claims ("不到三成", "快翻倍了", "超过500万元", "一半以上是…"): the figure the claim is about,
computed by the other builders, compared with the stated value by the claim's relation."""

from __future__ import annotations

import re

from retrieval.plan.builders import BUILDERS, builder
from retrieval.plan.context import Context
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.records import Mention

# the claim's own words do not choose the figure: these builders compute what it is about
_INNER = ("share", "ratio", "change", "row_column", "unit_figure", "set_sum", "per_unit", "item_value")


def stated_values(ctx: Context) -> list[Mention]:
    stated = [m for m in ctx.mentions("constant") if m.unit in ("万元", "%", "倍") and m.value is not None]
    if not stated:  # "翻了一番" states a growth of 100% without writing the number
        stated = [Mention(kind="constant", start=m.start, end=m.end, text=m.text, value=100.0, unit="%",
                          name="double") for m in ctx.mentions("claim") if m.name == "double"]
    return stated


def relation_for(ctx: Context, stated: Mention) -> str:
    """The relation word nearest the stated value ("超过一成", "快有…4倍", "一半以上")."""
    rels = [m for m in ctx.mentions("claim") if m.name not in ("cue", "none", "up", "down", "main", "all")]
    if not rels:
        return "eq"
    return min(rels, key=lambda r: min(abs(r.start - stated.end), abs(stated.start - r.end))).name


@builder("verify")
def verify(ctx: Context) -> list[Interpretation]:
    if not any(m.name == "cue" for m in ctx.mentions("claim")):
        return []
    stated = stated_values(ctx)
    units = [s.unit for s in stated]
    if not stated or any(units.count(u) > 1 for u in units):
        return []  # "表里是4.20、另一表是34.20，算错了吗": the claim is about the figures, not one of them
    out = []
    for s in stated:
        # the claim's stated value says what kind of figure it is about ("4倍" a ratio, "一成" a share)
        kind = {"%": "percent", "倍": "ratio", "万元": "amount"}[s.unit]
        asked = ctx.reading.asked.model_copy(update={"kind": kind, "parts": [kind]})
        claim_ctx = Context(ctx.reading.model_copy(update={"asked": asked}), ctx.sources)
        for name in _INNER:
            for inner in BUILDERS[name](claim_ctx):
                unit = s.unit
                if inner.plan.op == "share" and unit != "%" or inner.plan.op == "ratio" and unit != "倍":
                    continue
                if inner.plan.op not in ("share", "ratio") and unit in ("%", "倍") and name != "change":
                    continue
                if s.start in {a for a, _ in inner.covered}:
                    continue  # the stated value was read as the base of the figure itself
                relation = "ge" if s.name == "double" else relation_for(ctx, s)
                plan = Plan(op="verify", args=[inner.plan], relation=relation, stated=s.value,
                            unit=unit, label=f"核对：{inner.plan.label}")
                out.append(Interpretation(builder="", plan=plan, score=min(0.99, inner.score + 0.1),
                                          covered=inner.covered + [(s.start, s.end)], doc_ids=inner.doc_ids))
    return out


@builder("kind_claim")
def kind_claim(ctx: Context) -> list[Interpretation]:
    """A claim that every project is of one kind: the projects not of that kind are counted,
    the claim holds when there are none (and the count of projects is the one stated)."""
    if not any(m.name == "cue" for m in ctx.mentions("claim")) or len(ctx.sources) != 1:
        return []
    src = ctx.sources[0]
    kinds = {p.category for p in src.facts.projects if p.category}
    said = [k for k in kinds if k in ctx.text]
    alls = re.search(r"(全都|全部|都)是(?P<kind>[\u4e00-\u9fff]{2,8}?类)", ctx.text)
    if not said or not alls or alls.group("kind") not in kinds:
        return []
    kind = alls.group("kind")
    others = [p for p in src.facts.projects if p.category != kind]
    leaves = [src.project_leaf(p)
              for p in others]
    inner = Plan(op="count", args=leaves, unit="个", label=f"不属于{kind}的项目个数")
    stated = [m for m in ctx.mentions("constant") if m.unit == "个" and m.value]
    if stated and int(stated[0].value) != len(src.facts.projects):
        inner = Plan(op="count", args=[src.project_leaf(p) for p in src.facts.projects], unit="个",
                     label="项目个数")
        plan = Plan(op="verify", args=[inner], relation="eq", stated=stated[0].value, unit="个",
                    label=f"核对：项目个数是否为{int(stated[0].value)}个")
    else:
        of_kind = [src.project_leaf(p)
                   for p in src.facts.projects if p.category == kind]
        evidence = [Plan(op="list", args=of_kind, label=f"{kind}项目")] if of_kind else []
        plan = Plan(op="verify", args=[inner, *evidence], relation="eq", stated=0, unit="个",
                    label=f"核对：全部是{kind}")
    return [Interpretation(builder="", plan=plan, score=0.85, doc_ids=[src.doc_id])]
