"""What every plan builder shares: the Builder signature, the scored Interpretation it returns,
and the tables, rows and items a question names in a document."""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval.plan.context import Context, Source
from retrieval.plan.records import Interpretation, Plan

Builder = Callable[[Context], list[Interpretation]]

_TOTAL_WORDS = r"(?:的)?(?:合计|总计|一共|共计|总额|总数)"


def single(ctx: Context) -> Source | None:
    return ctx.sources[0] if len(ctx.sources) == 1 else None


def interp(plan: Plan, score: float, src: Source | list[Source], *spans: tuple[int, int]) -> Interpretation:
    sources = src if isinstance(src, list) else [src]
    return Interpretation(builder="", plan=plan, score=round(score, 3),
                          covered=[s for s in spans if s and s[1] > s[0]], doc_ids=[s.doc_id for s in sources])


def op_span(ctx: Context, name: str) -> tuple[int, int] | None:
    m = ctx.reading.op(name)
    return (m.start, m.end) if m else None


def tables_named(ctx: Context, src: Source) -> list[tuple[str, tuple[int, int]]]:
    """Tables the question names, with the span naming them: by number ("07表", "预算07表") or by
    title ("项目支出预算表", "部门支出" before a total word)."""
    out: list[tuple[str, tuple[int, int]]] = []
    for m in ctx.mentions("table"):
        for t in src.facts.tables:
            if t.number and re.search(rf"0?{int(m.name)}表$", t.number):
                out.append((t.table_id, (m.start, m.end)))
    for t in src.facts.tables:
        if any(tid == t.table_id for tid, _ in out):
            continue
        core = t.title.removesuffix("预算表").removesuffix("表").removeprefix("一般公共预算")
        names = [t.title, t.title.replace("预算表", "表"), core + "预算表", core + "表",
                 t.title.removeprefix("部门").replace("预算表", "表")]
        for name in sorted(set(names), key=len, reverse=True):  # the longest naming the question holds
            at = ctx.text.find(name)
            if len(name) >= 4 and at >= 0:
                out.append((t.table_id, (at, at + len(name))))
                break
        else:
            # "部门支出合计": the table's name without 预算表, before a total word
            m = re.search(re.escape(core) + _TOTAL_WORDS, ctx.text) if len(core) >= 4 else None
            if m:
                out.append((t.table_id, m.span()))
    return out


def rows_for(ctx: Context, src: Source, tables: list[str]) -> list[tuple[object, float, tuple[int, int], bool]]:
    """Rows the question names by code or by label, in the named tables when it names any:
    (entity, score, span, by code); a row named by both reads both spans (the widest kept)."""
    found: dict[str, list] = {}
    for m in ctx.mentions("code"):
        for e in src.index.by_code(m.name):
            if e.kind == "row" and (not tables or e.ref.table.table_id in tables):
                found.setdefault(e.key, [e, 1.0, [(m.start, m.end)], True])
    for c in src.links:
        if c.kind == "row" and c.score >= 0.9:
            e = src.entity(c)
            if not tables or e.ref.table.table_id in tables:
                entry = found.setdefault(e.key, [e, c.score, [], False])
                entry[2].append((c.start, c.end))
    out = []
    for e, score, spans, by_code in found.values():
        out.append((e, score, spans, by_code))
    return out


def best_per_value(out: list[Interpretation]) -> list[Interpretation]:
    """The same plan found through several tables counts once, at its best score."""
    seen: dict[tuple[str | None, str | None], Interpretation] = {}
    for i in sorted(out, key=lambda i: -i.score):
        seen.setdefault((i.plan.label.split("·")[-1], i.plan.column and i.plan.column.split("/")[-1]), i)
    return list(seen.values())
