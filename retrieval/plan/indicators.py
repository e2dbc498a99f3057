"""Builders over the 绩效目标表: one indicator's value (named by its words or its meaning: 及时率,
合格率, 修复时间, 几台), and the indicators of a project or of the department as a list."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from retrieval.plan.base import interp, single
from retrieval.plan.context import Context, Source
from retrieval.plan.units import kind_of
from retrieval.plan.records import Interpretation, Plan
from retrieval.plan.items import extend
from retrieval.plan.lookups import unit_spans
from retrieval.plan.texts import covered_by
from retrieval.question.linking import loose

_INDICATOR_WORDS = re.compile(r"绩效目标表|绩效目标|绩效指标|指标值|指标|目标值|目标|标准|要求|计划|"
                              r"定的|定了|设定|设的|设了|达到|不低于|不少于|不超过|以上|以内|至少|最多|控制在|确保|保证|"
                              r"上限|下限|封顶|最高|最低|多久|时限")
_LIST = re.compile(r"哪些|哪几|有什么|都有|列出|分别|包括|是什么")
_WHOLE_DEPT = re.compile(r"部门整体绩效目标表|部门整体绩效目标|整体绩效目标表|整体绩效目标|整体绩效|部门整体|整体")


def _project_links(ctx: Context, src: Source) -> dict[str, tuple[float, tuple[int, int]]]:
    """Projects of the 绩效目标表 the question names: project name → (score, span with its head
    noun: "…这个项目")."""
    names = {i.project for i in src.facts.indicators if i.project}
    out: dict[str, tuple[float, tuple[int, int]]] = {}
    for c in src.links:
        if c.kind not in ("project", "indicator_project") or c.score < 0.8:
            continue
        for name in names:
            # the 绩效目标表 may write the name with a slip (橙e潼河… for 橙e瀍河…)
            if loose(name) == loose(c.name) or fuzz.ratio(loose(name), loose(c.name)) >= 85:
                span = extend(ctx.text, c.start, c.end)
                if c.score > out.get(name, (0.0, (0, 0)))[0]:
                    out[name] = (c.score, span)
    return out


def _name_share(ctx: Context, name: str) -> tuple[float, list[tuple[int, int]]]:
    """How much of an indicator's name the question's content holds (by character pairs)."""
    memo = (ctx.text, tuple((m.start, m.end) for m in ctx.reading.content), name)
    found = _SHARES.get(memo)
    if found is None:
        if len(_SHARES) > 4096:
            _SHARES.clear()
        found = _SHARES[memo] = _share_of(ctx, name)
    return found


_SHARES: dict = {}


def _share_of(ctx: Context, name: str) -> tuple[float, list[tuple[int, int]]]:
    key = loose(name)
    grams = {key[i:i + 2] for i in range(len(key) - 1)}
    spans = covered_by(ctx, name)
    if not grams:
        return 0.0, spans
    text = loose(ctx.text)
    return sum(g in text for g in grams) / len(grams), spans


def _unit_fits(asked, unit: str | None) -> bool:
    if not asked.kind or asked.kind in ("text",):
        return True
    kind = kind_of(unit)
    if asked.kind == "count" and asked.unit:
        people = {"人", "名", "位", "人次"}
        return unit == asked.unit or (unit in people and asked.unit in people) or (
            unit in ("个", "项", "家", "件", "所") and asked.unit in ("个", "项", "家", "件", "所"))
    return kind == asked.kind or (asked.kind == "time" and kind == "text")


def indicator_value(ctx: Context) -> list[Interpretation]:
    """One indicator's value, named by its words or its meaning (及时率, 修好要多久, 几台), inside
    the project named (or of the department as a whole, or the one indicator of that name)."""
    src = single(ctx)
    if src is None or not src.facts.indicators:
        return []
    projects = _project_links(ctx, src)
    asked = ctx.reading.asked
    words = [m.span() for m in _INDICATOR_WORDS.finditer(ctx.text)]
    out = []
    for ind in src.facts.indicators:
        in_project = ind.project in projects
        if projects and not in_project and ind.project is not None:
            continue  # another project's indicator
        if ind.number is None and asked.kind in ("percent", "count", "amount") and _FIGURE.search(ind.value_text):
            # a target written in words with figures inside ("40%以上政务服务事项实现不见面审批")
            clause = _clause(ctx, ind.value_text)
            if clause is not None:
                plan = Plan(op="value", entity=src.key(f"indicator:{ind.indicator_id}"), relation="clause",
                            label=clause)
                spans = covered_by(ctx, clause) + [m.span() for m in _INDICATOR_WORDS.finditer(ctx.text)]
                spans += [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "share"]
                if in_project:
                    spans.append(projects[ind.project][1])
                out.append(interp(plan, 0.85, src, *spans))
                continue
        share, spans = _name_share(ctx, ind.level3)
        spans = spans + covered_by(ctx, ind.value_text)  # "联动单位达到66家": the value's own words
        if share < 0.3 and in_project and asked.kind == "time" and not asked.unit and _TIMELY.search(
                ind.level3 + ind.value_text) and sum(1 for i in src.facts.indicators if i.project == ind.project
                                                    and _TIMELY.search(i.level3 + i.value_text)) == 1:
            share = 0.6  # "什么时候建完": the project's one indicator of when
        if share < (0.3 if in_project else 0.6):
            if not (in_project and asked.unit and ind.unit == asked.unit and ind.number is not None and sum(
                    1 for i in src.facts.indicators if i.project == ind.project and i.unit == ind.unit) == 1):
                continue
            share = 0.6  # "电脑计划维护多少台": the project's one indicator counted in 台
        if not _unit_fits(asked, ind.unit):
            continue
        score = 0.55 + 0.35 * share + (0.05 if in_project else 0.0)
        spans = spans + words
        if ind.comparator in ("≤", "<", "≥", ">"):  # "最多买几台", "至少": the bound the value states
            spans += [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "top"]
        if in_project:
            spans.append(projects[ind.project][1])
            spans += unit_spans(ctx, src, ind.project)
        elif ind.project is None and _WHOLE_DEPT.search(ctx.text):
            spans.append(_WHOLE_DEPT.search(ctx.text).span())
        owner = ind.project or "部门整体"
        if ind.number is None and asked.kind in ("percent", "count", "amount") and _FIGURE.search(ind.value_text):
            # a target written in words with figures inside ("40%以上政务服务事项实现不见面审批"):
            # the clause that speaks of what is asked
            clause = _clause(ctx, ind.value_text)
            if clause is not None:
                plan = Plan(op="value", entity=src.key(f"indicator:{ind.indicator_id}"), relation="clause",
                            label=clause)
                out.append(interp(plan, min(score, 0.95), src, *spans, *covered_by(ctx, clause)))
                continue
        plan = Plan(op="value", entity=src.key(f"indicator:{ind.indicator_id}"), label=f"{owner}·{ind.level3}")
        out.append(interp(plan, min(score, 0.97), src, *spans))
    return out + _several(ctx, src, out)


def _several(ctx: Context, src: Source, found: list[Interpretation]) -> list[Interpretation]:
    """"服务窗口数量和业务办理量分别是多少": the indicators named side by side, each with its value."""
    if not (ctx.reading.op("list") or re.search(r"和|与|及|、", ctx.text)) or len(found) < 2:
        return []
    own = lambda i: {p for a, b in i.covered for p in range(a, b)}  # noqa: E731
    picked: list[Interpretation] = []
    for i in sorted(found, key=lambda i: -i.score):
        if i.plan.relation == "clause" or i.score < 0.8:
            continue
        name = i.plan.label.split("·")[-1]
        mine = {p for p in own(i) if ctx.text[p:p + 2] and name.find(ctx.text[p]) >= 0}
        if mine and all(not (mine & {p for p in own(k) if k.plan.label.split("·")[-1].find(ctx.text[p]) >= 0})
                        for k in picked):
            picked.append(i)
    if len(picked) < 2:
        return []
    plan = Plan(op="list", relation="each", args=[i.plan for i in picked], label="各项指标")
    spans = [s for i in picked for s in i.covered]
    return [interp(plan, min(i.score for i in picked), src, *spans)]


# an indicator saying when: its name or its value ("完成时间：年底之前", "2023年12月前")
_TIMELY = re.compile(r"时间|时限|期限|周期|完成|年底|月底|之前|以前|\d+月|\d+日|季度")
_FIGURE = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<u>%|万件|万元|个|件|项|家|人|次|辆|小时|天|名|元|张|条|套|户|场|期|份|台|分钟|日)")


def _clause(ctx: Context, text: str) -> str | None:
    """The clause of a target text with a figure that shares most of the question's content."""
    clauses = [c for c in re.split(r"[,，;；。、]", text) if _FIGURE.search(c)]
    scored = [(sum(b - a for a, b in covered_by(ctx, _FIGURE.sub("", c))), c) for c in clauses]
    scored = [x for x in scored if x[0] >= 2]
    if not scored:
        return None
    best = max(scored, key=lambda x: x[0])
    if sum(1 for x in scored if x[0] == best[0]) > 1:
        return None  # two clauses speak of it alike: not sure which
    return best[1]


def indicator_list(ctx: Context) -> list[Interpretation]:
    """The indicators of the project named (or of the department as a whole), of the 一级/二级
    指标 named: "X项目有哪些绩效指标", "整体绩效目标里产出指标有哪些"."""
    src = single(ctx)
    if src is None or not src.facts.indicators or not _LIST.search(ctx.text) or not re.search(r"指标|目标", ctx.text):
        return []
    projects = _project_links(ctx, src)
    spans = [m.span() for m in _INDICATOR_WORDS.finditer(ctx.text)]
    if projects:
        name = max(projects, key=lambda n: projects[n][0])
        pool = [i for i in src.facts.indicators if i.project == name]
        spans.append(projects[name][1])
        owner = name
    else:
        pool = [i for i in src.facts.indicators if i.project is None]
        owner = "部门整体绩效目标"
        whole = _WHOLE_DEPT.search(ctx.text)
        if whole:
            spans.append(whole.span())
    levels = {i.level1 for i in pool if i.level1} | {i.level2 for i in pool if i.level2}
    named = [lv for lv in levels if lv in ctx.text]
    if named:
        spans += [(ctx.text.find(lv), ctx.text.find(lv) + len(lv)) for lv in named]
        pool = [i for i in pool if i.level1 in named or i.level2 in named]
    if not pool:
        return []
    wants_level2 = bool(re.search(r"二级指标", ctx.text)) and any(i.level2 for i in pool)
    if wants_level2:  # "产出指标下面有哪几个二级指标": the level-2 names, each with its indicators
        leaves = []
        for level2 in dict.fromkeys(i.level2 for i in pool if i.level2):
            first = next(i for i in pool if i.level2 == level2)
            leaves.append(Plan(op="value", entity=src.key(f"indicator:{first.indicator_id}"), label=level2,
                               relation="level2"))
    else:
        leaves = [Plan(op="value", entity=src.key(f"indicator:{i.indicator_id}"), label=i.level3) for i in pool]
    label = f"{owner}的{'、'.join(named) or '绩效指标'}"
    return [interp(Plan(op="list", relation="texts", args=leaves, label=label), 0.86, src, *spans)]


def per_indicator(ctx: Context) -> list[Interpretation]:
    """A project's amount per person (or per thing) its indicators count: "用项目金额除以补助人数，
    每人摊到多少" → the project's amount ÷ the indicator counted in 人."""
    src = single(ctx)
    per = ctx.reading.asked.per
    if src is None or per is None:
        return []
    projects = _project_links(ctx, src)
    people = {"人", "个人", "名", "位", "人次"}
    out = []
    for name, (_, span) in projects.items():
        project = next((p for p in src.facts.projects if loose(p.name) == loose(name)), None)
        if project is None:
            continue
        counts = [i for i in src.facts.indicators if i.project == name and i.number
                  and (i.unit == per or (i.unit in people and per in people))]
        for ind in counts:
            share, spans = _name_share(ctx, ind.level3)
            if len(counts) > 1 and share < 0.3:
                continue
            divisor = Plan(op="value", entity=src.key(f"indicator:{ind.indicator_id}"), label=ind.level3)
            plan = Plan(op="divide", args=[src.project_leaf(project), divisor], unit=per if per in people else None,
                        label=f"{name}平均每{per}（÷{ind.level3}）")
            pers = [(m.start, m.end) for m in ctx.mentions("per")] + [
                (m.start, m.end) for m in ctx.mentions("operator") if m.name == "average"]
            tables = [m.span() for m in re.finditer(r"绩效目标表|绩效表|目标表|绩效目标|指标", ctx.text)]
            out.append(interp(plan, 0.88, src, span, *spans, *pers, *tables, *unit_spans(ctx, src, name),
                              *[m.span() for m in re.finditer(r"除以|除|÷|摊到|摊|平均到|分到", ctx.text)]))
    return out
