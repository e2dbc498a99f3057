"""Builders over sets of items: sums of several items, the k largest projects, counts of
projects (of a unit or a kind) and their totals, and counted things the text states (车辆)."""

from __future__ import annotations

import re

from retrieval.facts import plain_label
from retrieval.plan.base import interp, op_span, single, tables_named
from retrieval.plan.context import Context, Source
from retrieval.plan.items import Item, code_spans, distinct, find_items, leaf_in, scope
from retrieval.plan.records import Interpretation, Plan
from retrieval.question.linking import loose
from retrieval.question.mentions import lexicon_terms

_PROJECT = re.compile(r"项目")


def project_set(ctx: Context, src: Source) -> tuple[list[Plan], list[tuple[int, int]]] | None:
    """"两个“政府购买服务”项目", "和12345有关的项目": every project whose name holds the words named."""
    if "项目" not in ctx.text:
        return None
    words = [(m.group(1), m.span(1)) for m in re.finditer(r"[“\"「]([^”\"」]{2,20})[”\"」]", ctx.text)]
    for m in re.finditer(r"(?:两|三|四|五|几|\d+)个([^，,。？?的“”\"]{2,12}?)的?项目", ctx.text):  # "两个政府购买服务项目"
        words.append((m.group(1), m.span(1)))
    for m in re.finditer(r"(?:相关|有关|类|方面)的?(?:两个|几个|这些|那些)?项目", ctx.text):
        before = re.search(r"(?:和|与|跟)?([A-Za-z\d]+|[\u4e00-\u9fff]{2,8})$", ctx.text[:m.start()])
        if before:
            words.append((before.group(1), (before.start(), m.end())))
    for word, span in words:
        lead = re.match(r"(?:这|那)?(?:两|三|四|五|几|\d+)个|这些|那些", word)
        if lead:  # "两个12345相关项目": the count is not part of the word
            word, span = word[lead.end():], (span[0] + lead.end(), span[1])
        for cut in range(0, max(1, len(word) - 1)):  # "网络租用上的" → the word the project names hold
            key = re.sub(r"[()（）\s]", "", word[cut:])
            chosen = [p for p in src.facts.projects if len(key) >= 2 and key in re.sub(r"[()（）\s]", "", p.name)]
            if len(chosen) >= 2:
                at = ctx.text.find("项目", span[1] - 2)
                spans = [span] + ([(at, at + 2)] if at >= 0 else [])
                # "（局机关那个8人的和政务服务中心那个）": words in brackets after the set say which
                paren = re.match(r"[”\"」]?(?:项目)?\(([^)]{2,40})\)", ctx.text[span[1]:])
                if paren:
                    spans.append((span[1], span[1] + paren.end()))
                return [src.project_leaf(p) for p in chosen], spans
            if not re.match(r"[\u4e00-\u9fff]", word):
                break
    return None


def bracket_set(ctx: Context, src: Source) -> tuple[list[Item], tuple[int, int]] | None:
    """"花在网络租用上的两个项目（电子政务网年租费、网络使用年租）": the items listed in brackets are
    the set; the words before describe it."""
    for m in re.finditer(r"\(([^)]{4,80})\)", ctx.text):
        inside = [i for i in distinct(find_items(ctx, src)) if m.start() < i.start and i.end <= m.end()]
        if "项目" in ctx.text[max(0, m.start() - 4):m.start()] and any(i.kind == "unit" for i in inside):
            continue  # "两个项目（局机关那个和中心那个）": units say which projects, they are not the set
        if len(inside) >= 2 and "、" in m.group(1) or len(inside) >= 2 and re.search(r"和|与|及", m.group(1)):
            start = max((x.end for x in ctx.reading.mentions if x.end <= m.start()
                         and x.kind in ("department", "unit", "year", "relative_year", "place")), default=0)
            return inside, (start, m.end())
    return None


def code_set(ctx: Context, src: Source) -> tuple[list[Plan], list[tuple[int, int]]] | None:
    """"302开头的各项": the economic items whose code starts with the digits written."""
    m = re.search(r"(\d{3,5})(?:开头|打头|字头|类)", ctx.text)
    if not m:
        return None
    prefix = m.group(1)
    named = [t for t, _ in tables_named(ctx, src)]
    for table in sorted(src.facts.tables, key=lambda t: t.table_id not in named):
        rows = [r for r in table.rows if r.code and r.code_kind == "经济分类" and r.code.startswith(prefix)
                and len(r.code) > len(prefix) and not r.is_total]
        if len(rows) >= 2:
            leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"), label=r.label)
                      for r in rows]
            spans = [m.span()] + [s for t, s in tables_named(ctx, src) if t == table.table_id]
            head = next((r for r in table.rows if r.code == prefix), None)  # "302 商品和服务支出"
            if head is not None:
                at = ctx.text.find(plain_label(head.label))
                if at >= 0:
                    spans.append((at, at + len(plain_label(head.label))))
            return leaves, spans
    return None


def same_label_rows(ctx: Context, src: Source) -> tuple[list[Plan], list[tuple[int, int]]] | None:
    """"办公费出现了两行", "经济科目办公费（302 01）全部加起来": the rows of one table that carry
    the label (or the code) named."""
    named = [t for t, _ in tables_named(ctx, src)]
    wanted = []
    for c in src.links:
        if c.kind == "row" and c.evidence == "exact":
            wanted.append((loose(c.name), None, (c.start, c.end)))
    for m in ctx.mentions("code"):
        wanted.append((None, m.name, (m.start, m.end)))
    for table in sorted(src.facts.tables, key=lambda t: t.table_id not in named):
        for label, code, span in wanted:
            rows = [r for r in table.rows if not r.is_total and (
                (label and loose(r.label) == label) or (code and r.code == code))]
            if len(rows) >= 2:
                leaves = [Plan(op="value", entity=src.key(f"row:{table.table_id}:{r.index}"),
                               label=f"{r.label}（{r.code or r.line}）") for r in rows]
                spans = [span] + [s for l2, c2, s in wanted if any(
                    (l2 and loose(r.label) == l2) or (c2 and r.code == c2) for r in rows)]
                spans += [s for t, s in tables_named(ctx, src) if t == table.table_id]
                return leaves, spans
    return None


def enumerated(ctx: Context, items: list[Item]) -> bool:
    """The items stand side by side ("A、B和C"), not one inside the other ("A中的B")."""
    for a, b in zip(items, items[1:]):
        between = ctx.text[a.end:b.start]
        # "一共花多少钱？人员经费占多少": items of different parts are not added up
        if re.search(r"中|里|其中|之中|当中|[？?。；;!！]", between) or len(between) > 12:
            return False
    return True


def set_sum(ctx: Context) -> list[Interpretation]:
    """"A、B和C合计", "两个X项目加起来", "302开头的各项一共": a sum over a set the question names."""
    src = single(ctx)
    op = op_span(ctx, "sum")
    if src is None or op is None:
        return []
    out = []
    for found in (project_set(ctx, src), code_set(ctx, src), same_label_rows(ctx, src)):
        if found:
            leaves, spans = found
            out.append(interp(Plan(op="sum", args=leaves, label="合计"), 0.9, src, op, *spans))
    listed = bracket_set(ctx, src)
    if listed:
        items, span = listed
        spans = [(i.start, i.end) for i in items] + [span]
        out.append(interp(Plan(op="sum", args=[i.leaf for i in items], label="合计"), 0.9, src, *spans, op))
    parens = [m.span() for m in re.finditer(r"\([^)]*\)", ctx.text)]
    items = [i for i in _without_nested(distinct(find_items(ctx, src)))
             if not any(a < i.start and i.end <= b for a, b in parens)]  # a bracket qualifies, it adds nothing
    scoped = scope(ctx, src, items)
    extra: list[tuple[int, int]] = []
    if scoped:  # "基本支出中，离休费和退休费": the parts from the whole's table
        whole, core = scoped
        parts = [i for i in items if i.start >= whole.end]
        leaves = [leaf_in(src, i.name, core) for i in parts]
        if len(parts) >= 2 and all(leaves):
            items = [Item(i.start, i.end, i.name, leaf, i.score, i.kind) for i, leaf in zip(parts, leaves)]
            extra = [(whole.start, whole.end)]
    if len(items) >= 2 and enumerated(ctx, items):
        score = 0.8 + 0.1 * min(i.score for i in items)
        spans = [(i.start, i.end) for i in items] + [s for i in items for s in code_spans(ctx, src, i.name)]
        out.append(interp(Plan(op="sum", args=[i.leaf for i in items], label="合计"), score, src,
                          *spans, *extra, op))
    return out


def _without_nested(items: list[Item]) -> list[Item]:
    return [i for i in items if not any(o is not i and o.start <= i.start and i.end <= o.end for o in items)]


def top_k(ctx: Context) -> list[Interpretation]:
    """The k largest (or smallest) projects, then their sum when asked."""
    src = single(ctx)
    op = ctx.reading.op("top")
    if src is None or op is None or "项目" not in ctx.text or not src.facts.projects:
        return []
    k = int(op.value or 1)
    smallest = bool(re.search(r"最少|最小|最低|最便宜", op.text))
    if re.search(r"指标|人|车", ctx.text[op.end:op.end + 6]):
        return []  # the most of something else than a project's money
    projects = _projects_of(ctx, src)
    leaves = [src.project_leaf(p) for p in projects]
    word = "最小" if smallest else "最大"
    top = Plan(op="top", args=leaves, value=k, relation="min" if smallest else None,
               label=f"金额{word}的{k}个项目" if k > 1 else f"金额{word}的项目")
    spans = [(op.start, op.end)] + [m.span() for m in _PROJECT.finditer(ctx.text)] + _unit_spans(ctx, src)
    spans += [(m.start, m.end) for m in ctx.mentions("constant") if m.unit in ("个", "项") and m.value == k]
    summed = op_span(ctx, "sum")
    occupy = ctx.text.find("占")
    if k == 1 and occupy > op.start and ctx.reading.asked.kind == "percent":
        # "金额最大的项目占项目支出的比例": its share of what follows 占 (else of all projects)
        after = [i for i in distinct(find_items(ctx, src)) if i.start > occupy]
        base = after[0].leaf if after else Plan(op="value", entity=src.key("measure:项目支出"), label="项目支出")
        base_spans = [(after[0].start, after[0].end)] if after else []
        shares = [(m.start, m.end) for m in ctx.mentions("operator") if m.name == "share"]
        plan = Plan(op="share", args=[top, base], label=f"{top.label}占{base.label}的比例")
        return [interp(plan, 0.9, src, *spans, *base_spans, *shares)]
    if summed and k > 1:
        return [interp(Plan(op="sum", args=[top], label=top.label + "合计"), 0.9, src, summed, *spans)]
    return [interp(top, 0.86, src, *spans)]


def _projects_of(ctx: Context, src: Source):
    """The projects of the unit the question names (…中心), else all of them."""
    if src.unit:
        mine = [p for p in src.facts.projects if p.unit and _same(p.unit, src.unit)]
        if mine:
            return mine
    return src.facts.projects


def _unit_spans(ctx: Context, src: Source) -> list[tuple[int, int]]:
    if src.unit and src.unit_span and any(p.unit and _same(p.unit, src.unit) for p in src.facts.projects):
        return [src.unit_span]
    return []


def _same(a: str, b: str) -> bool:
    a, b = plain_label(a), plain_label(b)
    strip = lambda x: re.sub(r"^.*?[市区县]", "", x)  # noqa: E731
    return a == b or strip(a) == strip(b) or a.endswith(strip(b)) or b.endswith(strip(a))


def project_count(ctx: Context) -> list[Interpretation]:
    """"有几个项目，合计多少钱": the projects (of the unit or the kind named) counted, and summed."""
    src = single(ctx)
    if src is None or "项目" not in ctx.text or not src.facts.projects:
        return []
    asked = set(ctx.reading.asked.parts) | {ctx.reading.asked.kind}
    projects = _projects_of(ctx, src)
    spans = [m.span() for m in _PROJECT.finditer(ctx.text)] + _unit_spans(ctx, src)
    kinds = {p.category for p in projects if p.category}
    named = [k for k in kinds if k in ctx.text or (k.removesuffix("类") in ctx.text and len(k) > 3)]
    label = "项目"
    if len(named) == 1:
        kind = named[0]
        projects = [p for p in projects if p.category == kind]
        at = ctx.text.find(kind.removesuffix("类"))
        spans.append((at, at + len(kind.removesuffix("类")) + (1 if ctx.text[at:].startswith(kind) else 0)))
        label = f"{kind}项目"
    if not projects:
        return []
    leaves = [src.project_leaf(p) for p in projects]
    out = []
    spans += [span for t, span in tables_named(ctx, src)
              if any(p.ref.table.table_id == t for p in projects)]  # "项目支出预算表里列了几个"
    if "count" in asked:
        out.append(interp(Plan(op="count", args=leaves, unit="个", label=f"{label}个数"), 0.88, src, *spans))
    if (ctx.reading.op("sum") or "amount" in asked) and len(leaves) >= 2:
        sum_span = op_span(ctx, "sum")
        out.append(interp(Plan(op="sum", args=leaves, label=f"{label}合计"), 0.84, src, *spans,
                          *([sum_span] if sum_span else [])))
    return out


def stated_count(ctx: Context) -> list[Interpretation]:
    """A number of things the text states ("共有车辆3辆, 其中一般公务用车1辆"): the stated figure whose
    subject the question names (directly or through the lexicon: 公车 → 车辆)."""
    src = single(ctx)
    if src is None:
        return []
    facts = [f for f in src.facts.facts if f.kind == "count"]
    if not facts:
        return []
    out = []
    terms = {loose(t): t for t in lexicon_terms(ctx.text)}
    for c in src.links:
        if c.kind != "fact" or c.score < 0.9:
            continue
        fact = src.entity(c).ref
        if fact.kind == "count":
            out.append((fact, c.score, (c.start, c.end)))
    for word_span, term in _lexicon_spans(ctx, terms):
        for fact in facts:
            if loose(fact.subject) == loose(term):
                out.append((fact, 0.9, word_span))
    asked = ctx.reading.asked
    counted = asked.counted or ""
    if not out and asked.kind == "count" and asked.unit and counted:
        # "多少辆车": the total the text states in that measure word, of the thing counted
        measured = [f for f in facts if f.unit == asked.unit]
        same = [f for f in measured if counted[:1] in f.subject]
        at = ctx.text.find(counted)
        span = (at, at + len(counted)) if at >= 0 else (0, 0)
        if len(counted) == 1 and same and len(same) < len(measured):
            # one character of another word ("按多少人编的预算": 编 of 编制?) tells the 编制 from the
            # 预算人数 too weakly: each figure in that measure word is offered, none stated
            out += [(f, 0.9, span) for f in measured]
        elif same:
            out.append((min(same, key=lambda f: len(f.subject)), 0.9, span))
    result = []
    for fact, score, span in out:
        plan = Plan(op="value", entity=src.key(f"fact:{fact.fact_id}"), label=fact.subject)
        result.append(interp(plan, 0.72 + 0.2 * score, src, span))
    return result


def _lexicon_spans(ctx: Context, terms: dict[str, str]) -> list[tuple[tuple[int, int], str]]:
    from retrieval.question.mentions import lexicon

    out = []
    for word, mapped in lexicon().items():
        for m in re.finditer(re.escape(word), ctx.text):
            out += [(m.span(), t) for t in mapped if loose(t) in terms]
    return out
