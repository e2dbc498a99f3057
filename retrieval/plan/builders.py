"""Plan builders, one registry: each reads the question's mentions and linked items and proposes
scored plans. Adding a kind of question is one function here (or in a module beside it).

A score says how much of the question a plan accounts for: the structural words it uses
(operators, constants, columns, codes, tables) and how surely its items are linked. The engine
executes every proposal, gates them, and states a figure only for a clear best.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.plan.context import Context, Source
from retrieval.plan.items import Item, distinct, find_items
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.linking import loose
from retrieval.question.records import Candidate

Builder = Callable[[Context], list[Interpretation]]
BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BUILDERS[name] = fn
        return fn
    return register


# the plan operations that account for each operator word of the question
USES = {"sum": {"sum", "count"}, "difference": {"difference", "verify"}, "ratio": {"ratio", "verify"},
        "share": {"share", "verify"}, "average": {"divide"}, "top": {"top"}}
# builders whose plan reads a figure the document states for an operation: a stated change is
# a difference, a stated share (占84.04%) a share
STATED = {"change": {"difference"}, "stated_share": {"share"}}
UNUSED_OPERATOR = 0.15  # a plan that ignores an operator the question states reads it partly
UNUSED_ITEM = 0.1  # … or an item it names


def propose(ctx: Context) -> list[Interpretation]:
    """Every builder's proposals, best score first, less for each operator word a plan ignores."""
    out: list[Interpretation] = []
    stated = {m.name for m in ctx.mentions("operator")} & set(USES)
    named = [i for s in ctx.sources for i in distinct(find_items(ctx, s)) if i.score >= 0.95]
    for name, fn in BUILDERS.items():
        for interp in fn(ctx):
            ops = _ops(interp.plan) | STATED.get(name, set())
            ignored = [o for o in stated if not USES[o] & ops]
            labels = _labels(interp.plan)
            # an item the question names that the plan neither covers nor uses
            unused = [i for i in named if i.name not in labels and not any(
                a < i.end and i.start < b for a, b in interp.covered)]
            score = interp.score - UNUSED_OPERATOR * len(ignored) - UNUSED_ITEM * len(unused)
            out.append(interp.model_copy(update={"builder": name, "score": round(score, 3)}))
    return sorted(out, key=lambda i: -i.score)


def _labels(plan: Plan) -> str:
    return plan.label + "".join(_labels(a) for a in plan.args)


def _ops(plan: Plan) -> set[str]:
    return {plan.op} | {o for a in plan.args for o in _ops(a)}


def single(ctx: Context) -> Source | None:
    return ctx.sources[0] if len(ctx.sources) == 1 else None


def interp(plan: Plan, score: float, src: Source | list[Source], *spans: tuple[int, int]) -> Interpretation:
    sources = src if isinstance(src, list) else [src]
    return Interpretation(builder="", plan=plan, score=round(score, 3), covered=list(spans),
                          doc_ids=[s.doc_id for s in sources])


# ---- tables and rows named by the question ---------------------------------------------------

def tables_named(ctx: Context, src: Source) -> list[str]:
    """Table ids the question names: by number ("07表", "预算07表") or by title."""
    ids: list[str] = []
    for m in ctx.mentions("table"):
        for t in src.facts.tables:
            if t.number and re.search(rf"0?{int(m.name)}表$", t.number):
                ids.append(t.table_id)
    for t in src.facts.tables:
        core = t.title.removesuffix("预算表").removesuffix("表").removeprefix("一般公共预算")
        for name in (t.title, core + "表"):
            if len(name) >= 4 and name in ctx.text and t.table_id not in ids:
                ids.append(t.table_id)
                break
        # "部门支出合计": the table's name without 预算表, before a total word
        if len(core) >= 4 and re.search(re.escape(core) + _TOTAL_WORDS, ctx.text) and t.table_id not in ids:
            ids.append(t.table_id)
    return ids


_TOTAL_WORDS = r"(?:的)?(?:合计|总计|一共|共计|总额|总数)"


@builder("table_total")
def table_total(ctx: Context) -> list[Interpretation]:
    """A table's total asked by the table's name: "某表的合计", "部门支出合计是多少"."""
    src = single(ctx)
    if src is None or not re.search(_TOTAL_WORDS, ctx.text):
        return []
    out = []
    for table_id in tables_named(ctx, src):
        table = next(t for t in src.facts.tables if t.table_id == table_id)
        total = src.facts.total_row(table)
        if total is None:
            continue
        plan = Plan(op="value", entity=src.key(f"row:{table_id}:{total.row.index}"),
                    label=f"{table.title}·{total.label}")
        at = re.search(_TOTAL_WORDS, ctx.text)
        out.append(interp(plan, 0.86, src, at.span() if at else (0, 0)))
    return out[:1]


def _rows_for(ctx: Context, src: Source, tables: list[str]) -> list[tuple[object, float, tuple[int, int]]]:
    """Rows the question names by code or by label, in the named tables when it names any."""
    out = []
    for m in ctx.mentions("code"):
        for e in src.index.by_code(m.name):
            if e.kind == "row" and (not tables or e.ref.table.table_id in tables):
                out.append((e, 1.0, (m.start, m.end), True))
    for c in src.links:
        if c.kind == "row" and c.score >= 0.9:
            e = src.entity(c)
            if not tables or e.ref.table.table_id in tables:
                at = ctx.text.find(e.name)
                out.append((e, c.score, (at, at + len(e.name)) if at >= 0 else (c.start, c.end), False))
    return out


@builder("row_column")
def row_column(ctx: Context) -> list[Interpretation]:
    """A row (by label or code, in the table named) under a column: "X这一行Y列的数", "某表里编码Z的合计"."""
    src = single(ctx)
    if src is None:
        return []
    tables = tables_named(ctx, src)
    columns = [c for c in src.links if c.kind == "column" and c.score >= 0.95]
    out = []
    for entity, score, span, by_code in _rows_for(ctx, src, tables):
        ref = entity.ref
        for col in columns:
            if col.name in entity.name or entity.name in col.name:
                continue
            at = ctx.text.find(col.name)
            if re.search(r"其中.{0,2}$", ctx.text[max(0, at - 4):at]):
                continue  # "X多少，其中Y多少": a part beside the row's total, not instead of it
            path = next((c.column for c in ref.row.cells
                         if col.name in c.column.split("/") and c.value is not None), None)
            if path is None:
                continue
            plan = Plan(op="value", entity=src.key(entity.key), column=path,
                        label=f"{ref.table.title}·{entity.name}（{path}）")
            out.append(interp(plan, 0.75 + 0.2 * score + (0.05 if tables else 0), src, span,
                              (at, at + len(col.name))))
        if tables or by_code:
            plan = Plan(op="value", entity=src.key(entity.key), label=f"{ref.table.title}·{entity.name}")
            out.append(interp(plan, 0.7 + 0.15 * score + (0.05 if tables else 0), src, span))
    return _best_per_value(out)


def _best_per_value(out: list[Interpretation]) -> list[Interpretation]:
    """The same plan found through several tables counts once, at its best score."""
    seen: dict[tuple[str | None, str | None], Interpretation] = {}
    for i in sorted(out, key=lambda i: -i.score):
        seen.setdefault((i.plan.label.split("·")[-1], i.plan.column and i.plan.column.split("/")[-1]), i)
    return list(seen.values())


# measures a unit's row may carry as a column of the spending tables
_UNIT_COLUMNS = {"基本支出": "基本支出", "项目支出": "项目支出", "人员经费": "基本支出", "公用经费": "基本支出"}


@builder("unit_figure")
def unit_figure(ctx: Context) -> list[Interpretation]:
    """A budget unit inside the department (机关本级 113001, …中心 113002): its row's total."""
    src = single(ctx)
    if src is None:
        return []
    units = []
    for m in ctx.mentions("code"):
        units += [(e, (m.start, m.end)) for e in src.index.by_code(m.name) if e.kind == "unit"]
    if not units:
        dept = src.facts.document.department
        links = list(src.links)
        named = loose(src.named) if src.named else ""
        if len(named) >= 4:  # the words that chose the document may name a unit inside it (…中心)
            links += [Candidate(entity=e.key, kind="unit", name=e.name, score=0.9, start=0, end=0,
                                evidence="named") for e in src.index.entities
                      if e.kind == "unit" and named in e.loose]
        for c in links:
            e = src.entity(c)
            if c.kind == "unit" and c.score >= 0.8 and e.name != dept and len(e.code or "") > 3:
                units.append((e, (c.start, c.end)))
    measures = [i.name for i in find_items(ctx, src) if i.kind == "measure" and i.name in _UNIT_COLUMNS]
    wants = "收入" if "收入" in ctx.text else "项目支出" if "项目" in ctx.text else None
    out = []
    for e, span in units:
        title = e.ref.table.title
        if measures:  # "…中心的基本支出": the unit's row under that column, in any table that has it
            column = next((c.column for c in e.ref.row.cells if c.value is not None
                           and c.column.split("/")[0] == _UNIT_COLUMNS[measures[0]]), None)
            if column is None:
                continue
            plan = Plan(op="value", entity=src.key(e.key), column=column, label=f"{title}·{e.name}·{measures[0]}")
            out.append(interp(plan, 0.85, src, span))
            continue
        if wants and wants not in title:
            continue
        plan = Plan(op="value", entity=src.key(e.key), label=f"{title}·{e.name}")
        out.append(interp(plan, 0.8, src, span))
    return out[:1]


# ---- sets: sums of several items, top k, counts ---------------------------------------------

def project_set(ctx: Context, src: Source) -> tuple[list[Plan], tuple[int, int]] | None:
    """"两个政府购买服务项目", "和热线有关的项目": every project whose name holds the words named."""
    if "项目" not in ctx.text:
        return None
    words = re.findall(r"[“\"「]([^”\"」]{2,20})[”\"」]", ctx.text)
    words += [m.group(1) for m in re.finditer(r"(?:和|与|跟)([\u4e00-\u9fff]{2,8})(?:有关|相关)", ctx.text)]
    words += [c.name for c in src.links if c.kind == "project" and c.evidence == "exact"]
    for word in words:
        key = re.sub(r"[()（）\s]", "", word)
        chosen = [p for p in src.facts.projects if key in re.sub(r"[()（）\s]", "", p.name)]
        if len(chosen) >= 2:
            at = ctx.text.find(word)
            leaves = [src.project_leaf(p) for p in chosen]
            return leaves, (at, at + len(word))
    return None


def code_set(ctx: Context, src: Source) -> tuple[list[Plan], tuple[int, int]] | None:
    """"302开头的各项": the economic items whose code starts with the digits written."""
    m = re.search(r"(\d{3,5})(?:开头|打头|字头|类)", ctx.text)
    if not m:
        return None
    prefix = m.group(1)
    named = tables_named(ctx, src)
    for table in sorted(src.facts.tables, key=lambda t: t.table_id not in named):
        rows = [r for r in table.rows if r.code and r.code_kind == "经济分类" and r.code.startswith(prefix)
                and len(r.code) > len(prefix) and not r.is_total]
        if len(rows) >= 2:
            leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"), label=r.label)
                      for r in rows]
            return leaves, (m.start(), m.end())
    return None


def same_label_rows(ctx: Context, src: Source) -> tuple[list[Plan], tuple[int, int]] | None:
    """"劳务费出现了两行": the rows of one table that carry the label named."""
    tables = tables_named(ctx, src)
    for c in src.links:
        if c.kind != "row" or c.evidence != "exact":
            continue
        for table in src.facts.tables:
            if tables and table.table_id not in tables:
                continue
            rows = [r for r in table.rows if not r.is_total and loose(r.label) == loose(c.name)]
            if len(rows) >= 2:
                leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"),
                               label=f"{r.label}（{r.code or r.line}）") for r in rows]
                at = ctx.text.find(c.name)
                return leaves, (at, at + len(c.name))
    return None


@builder("set_sum")
def set_sum(ctx: Context) -> list[Interpretation]:
    """"A、B和C合计", "两个X项目加起来", "302开头的各项一共": a sum over a set the question names."""
    src = single(ctx)
    op = ctx.reading.op("sum")
    if src is None or op is None:
        return []
    out = []
    for found in (project_set(ctx, src), code_set(ctx, src), same_label_rows(ctx, src)):
        if found:
            leaves, span = found
            out.append(interp(Plan(op="sum", args=leaves, label="合计"), 0.9, src, span, (op.start, op.end)))
    items = distinct([i for i in find_items(ctx, src) if i.kind != "measure" or True])
    if len(items) >= 2 and _enumerated(ctx, items):
        score = 0.8 + 0.1 * min(i.score for i in items)
        out.append(interp(Plan(op="sum", args=[i.leaf for i in items], label="合计"), score, src,
                          *[(i.start, i.end) for i in items], (op.start, op.end)))
    return out


def _enumerated(ctx: Context, items: list[Item]) -> bool:
    """The items stand side by side ("A、B和C"), not one inside the other ("A中的B")."""
    for a, b in zip(items, items[1:]):
        between = ctx.text[a.end:b.start]
        # "一共花多少钱？人员经费占多少": items of different parts are not added up
        if re.search(r"中|里|其中|之中|当中|[？?。；;!！]", between) or len(between) > 12:
            return False
    return True


@builder("top_k")
def top_k(ctx: Context) -> list[Interpretation]:
    """The k largest (or smallest) projects, then their sum when asked."""
    src = single(ctx)
    op = ctx.reading.op("top")
    if src is None or op is None or "项目" not in ctx.text or not src.facts.projects:
        return []
    k = int(op.value or 1)
    smallest = bool(re.search(r"最少|最小|最低", op.text))
    if re.search(r"指标|人|车", ctx.text[op.end:op.end + 6]):
        return []  # the most of something else than a project's money
    leaves = [src.project_leaf(p)
              for p in src.facts.projects]
    word = "最小" if smallest else "最大"
    top = Plan(op="top", args=leaves, value=k, relation="min" if smallest else None,
               label=f"金额{word}的{k}个项目" if k > 1 else f"金额{word}的项目")
    summed = ctx.reading.op("sum")
    occupy = ctx.text.find("占")
    if k == 1 and occupy >= 0 and "percent" in ctx.reading.asked.parts:
        after = [i for i in find_items(ctx, src) if i.start > occupy]
        base = after[0].leaf if after else Plan(op="value", entity=src.key("measure:项目支出"), label="项目支出")
        plan = Plan(op="share", args=[top, base], label=f"{top.label}占{base.label}的比例")
        return [interp(plan, 0.9, src, (op.start, op.end))]
    if summed and k > 1:
        return [interp(Plan(op="sum", args=[top], label=top.label + "合计"), 0.9, src, (op.start, op.end),
                       (summed.start, summed.end))]
    return [interp(top, 0.85, src, (op.start, op.end))]


@builder("table_difference")
def table_difference(ctx: Context) -> list[Interpretation]:
    """The same row in two named tables, subtracted ("甲表里的X比乙表里的X多出多少")."""
    src = single(ctx)
    op = ctx.reading.op("difference")
    tables = tables_named(ctx, src) if src else []
    if src is None or op is None or len(tables) < 2:
        return []
    rows = [(e, s) for e, s, _, _ in _rows_for(ctx, src, tables)]
    for entity, score in rows:
        twins = [e for e, _ in rows if e.name == entity.name and e.ref.table.table_id != entity.ref.table.table_id]
        if twins:
            leaves = [Plan(op="value", entity=src.key(e.key), label=f"{e.ref.table.title}中的{e.name}")
                      for e in (entity, twins[0])]
            return [interp(Plan(op="difference", args=leaves, label=f"两表{entity.name}之差"), 0.92, src,
                           (op.start, op.end))]
    return []


_WHAT_FOR = re.compile(r"花在|用在|用于|用途|干什么|做什么|包括哪些|包含哪些|有哪些|哪几项|明细|构成|组成")


@builder("breakdown")
def breakdown(ctx: Context) -> list[Interpretation]:
    """What an item is spent on: the rows of the table that the named item is the total of."""
    src = single(ctx)
    if src is None or not _WHAT_FOR.search(ctx.text):
        return []
    for item in distinct(find_items(ctx, src)):
        core = item.name.removesuffix("支出").removesuffix("预算")
        tables = [t for t in src.facts.tables if len(core) >= 3 and core in t.title and t.rows]
        for table in tables:
            rows = [r for r in table.rows if not r.is_total and r.code_kind != "单位" and r.cells
                    and any(c.value for c in r.cells)]
            leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"), label=r.label)
                      for r in rows]
            if len(rows) == 1 and rows[0].code_kind not in ("功能分类", "经济分类"):
                # a one-row table ("三公" 经费) holds its parts in its columns
                row = rows[0]
                leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{row.index}"), column=c.column,
                               label=c.column.replace("/", "·")) for c in row.cells
                          if c.value is not None and "合计" not in c.column and "小计" not in c.column
                          and not any(o.column.startswith(c.column + "/") for o in row.cells)]
            if leaves:
                plan = Plan(op="list", args=leaves, label=f"{table.title}列出的{item.name}明细")
                return [interp(plan, 0.82, src, (item.start, item.end))]
    return []


@builder("project_kind")
def project_kind(ctx: Context) -> list[Interpretation]:
    """The projects of one kind (a 项目类型 the document uses), counted and summed."""
    src = single(ctx)
    if src is None or "项目" not in ctx.text:
        return []
    kinds = {p.category for p in src.facts.projects if p.category}
    named = [k for k in kinds if k in ctx.text or k.removesuffix("类") in ctx.text and len(k) > 3]
    if len(named) != 1:
        return []
    kind = named[0]
    leaves = [src.project_leaf(p)
              for p in src.facts.projects if p.category == kind]
    at = ctx.text.find(kind.removesuffix("类"))
    span = (at, at + len(kind))
    count = Plan(op="count", args=leaves, unit="个", label=f"{kind}项目个数")
    total = Plan(op="sum", args=leaves, label=f"{kind}项目合计") if len(leaves) >= 2 else leaves[0] if leaves else None
    asked = set(ctx.reading.asked.parts) | {ctx.reading.asked.kind}
    out = []
    if "count" in asked:  # "几个？合计多少？": the count leads, the sum is in the text
        out.append(interp(count, 0.88, src, span))
    if total is not None and (ctx.reading.op("sum") or "amount" in asked or "any" in asked):
        out.append(interp(total, 0.86, src, span))
    return out
