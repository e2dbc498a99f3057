"""Answers about one document, one intent each: lookup, share, count, previous year, ranking,
average, difference. Every number comes from the store or from arithmetic on it, with its formula."""

from __future__ import annotations

import re

from retrieval.compose import answer, num, show, who
from retrieval.facts import DocFacts, Project, RowRef
from retrieval.lookup import COMPONENTS, MEASURES, breakdown, find_project, item_figure, row_amount
from retrieval.records import Answer, Figure
from retrieval.understand import Question, items_in

# which measure a share is "of" when the question does not say
SHARE_BASE = {"人员经费": "基本支出", "公用经费": "基本支出", "基本支出": "支出总计", "项目支出": "支出总计"}


def targets(q: Question, df: DocFacts) -> list[str]:
    """The items a question asks about: the document's own names first, then the lexicon's."""
    items = items_in(q, df)
    for quoted in q.quoted:  # a name in quotes is the item, even when written loosely
        if not any(quoted in loose_name or loose_name in quoted for loose_name in items):
            items.insert(0, quoted)
    for term in q.plain_terms:
        if term not in items and term != "车辆":
            items.append(term)
    for measure in MEASURES:
        if measure in q.squeezed and measure not in items:
            items.append(measure)
    return items


def figures_for(df: DocFacts, items: list[str]) -> list[Figure]:
    out: list[Figure] = []
    for item in items:
        figure = item_figure(df, item)
        if figure and all(f.citation != figure.citation for f in out):
            out.append(figure)
    return out


def lookup(q: Question, df: DocFacts) -> Answer | None:
    items = targets(q, df)
    named = tables_named(q, df)
    if named and items:  # "办公费在支出经济分类汇总表里": that table's row
        figure = _in_table(df, items[0], named[0])
        if figure is not None:
            return answer(q.text, f"{who(df.document)}{figure.label}为{show(figure)}。", [figure],
                          figure.value, figure.unit, intent="lookup")
    figures = figures_for(df, items)
    if not figures:
        return None
    if len(figures) > 1 and re.search(r"总共|一共|加起来|共花|一起", q.squeezed):
        return total_of(q, df, figures)
    if len(figures) == 2 and "还是" in q.squeezed:
        return which_more(q, df, figures)
    if len(figures) >= 2 and re.search(
            re.escape(figures[0].label) + r"(?:中|里|当中)的?" + re.escape(figures[1].label), q.squeezed):
        figures = [figures[1], figures[0], *figures[2:]]  # "基本支出中公用经费": the part is asked
    main = figures[0]
    text = f"{who(df.document)}{main.label}为{show(main)}"
    extra: list[Figure] = []
    rows = df.find_rows(main.label)
    if rows and main.citation.table and main.citation.table.endswith(rows[0].table.title):
        extra = breakdown(df, rows[0])
        if extra:
            text += "，其中" + "、".join(f"{f.label}{show(f)}" for f in extra)
    for other in figures[1:3]:
        text += f"；{other.label}为{show(other)}"
    share = share_fact(df, main.label) if q.has("share") else None
    if share:
        text += f"，占{show(share)}"
        extra.append(share)
    return answer(q.text, text + "。", [main, *extra, *figures[1:3]], main.value, main.unit,
                  intent="lookup")


def which_more(q: Question, df: DocFacts, figures: list[Figure]) -> Answer:
    """"A还是B": both figures and which is larger, with its share of the two."""
    a, b = sorted(figures, key=lambda f: -f.value)
    total = a.value + b.value
    share = round(a.value / total * 100, 2) if total else 0.0
    formula = f"{num(a.value)} ÷ ({num(a.value)} + {num(b.value)}) × 100% = {num(share)}%"
    text = (f"{who(df.document)}{a.label}{show(a)}，{b.label}{show(b)}，{a.label}更多，"
            f"占两者合计的{num(share)}%（{formula}）。")
    return answer(q.text, text, [a, b], a.value, a.unit, computation=formula, intent="compare_items")


def total_of(q: Question, df: DocFacts, figures: list[Figure]) -> Answer:
    total = round(sum(f.value for f in figures), 2)
    formula = " + ".join(num(f.value) for f in figures) + f" = {num(total)}"
    parts = "、".join(f"{f.label}{show(f)}" for f in figures)
    text = f"{who(df.document)}{parts}，合计{num(total)}万元（{formula}）。"
    return answer(q.text, text, figures, total, "万元", computation=formula, intent="sum")


def share_fact(df: DocFacts, subject: str) -> Figure | None:
    facts = df.narrative(subject, kind="share")
    return df.fact_figure(facts[0], label=f"{subject}占比") if facts else None


def share(q: Question, df: DocFacts) -> Answer | None:
    items = targets(q, df)
    if not items:
        return None
    if re.search(r"多少[？?，,。].*占", q.squeezed):  # "是多少？占多少？": the amount leads
        return lookup(q, df)
    part = item_figure(df, items[0])
    if part is None:
        return None
    base_name = items[1] if len(items) > 1 else base_for(q, df, items[0])
    base = item_figure(df, base_name) if base_name else None
    if base is None or not base.value:
        return None
    ratio = round(part.value / base.value * 100, 2)
    formula = f"{num(part.value)} ÷ {num(base.value)} × 100% = {num(ratio)}%"
    text = (f"{who(df.document)}{part.label}{show(part)}，占{base.label}（{show(base)}）的{num(ratio)}%"
            f"（{formula}）。")
    return answer(q.text, text, [part, base], ratio, "%", computation=formula, intent="share")


def base_for(q: Question, df: DocFacts, item: str) -> str | None:
    if item in SHARE_BASE:
        return SHARE_BASE[item]
    if find_project(df, item) is not None:
        return "项目支出"
    return "支出总计"


def count(q: Question, df: DocFacts) -> Answer | None:
    if re.search(r"车", q.squeezed):
        return vehicles(q, df)
    if "项目" not in q.squeezed:
        return None
    projects = df.projects
    units = [u for u in {p.unit for p in projects if p.unit} if _mentions(q, u)]
    # the department's own name is in most questions: a sub-unit named too is the one meant
    unit = next((u for u in units if u != df.document.department), units[0] if units else None)
    kind = next((c for c in {p.category for p in projects if p.category} if c in q.squeezed), None)
    chosen = [p for p in projects if (unit is None or p.unit == unit) and (kind is None or p.category == kind)]
    if unit is None and kind is None:
        chosen = projects
    if not chosen:
        return None
    total = round(sum(p.amount for p in chosen), 2)
    formula = " + ".join(num(p.amount) for p in chosen) + f" = {num(total)}（{len(chosen)}项）"
    scope = "".join(x for x in (unit, kind) if x)
    listing = "、".join(f"{p.name}{num(p.amount)}" for p in chosen)
    text = (f"{who(df.document)}{scope}项目支出预算表列出{len(chosen)}个{kind or ''}项目，"
            f"合计{num(total)}万元：{listing}。")
    figures = [row_amount(df, p.ref, p.name) for p in chosen]
    return answer(q.text, text, [f for f in figures if f], len(chosen), "个", computation=formula,
                  intent="count")


def _mentions(q: Question, unit: str) -> bool:
    """The question names this budget unit (by its name without the place prefix)."""
    core = re.sub(r"^.*?(市|区|县)", "", unit)
    return bool(core) and len(core) >= 3 and core in q.squeezed


def vehicles(q: Question, df: DocFacts) -> Answer | None:
    facts = [f for f in df.facts if f.kind == "count" and f.unit == "辆"]
    total = next((f for f in facts if f.subject == "车辆"), None)
    if total is None:
        return None
    official = next((f for f in facts if f.subject == "一般公务用车"), None)
    figures = [df.fact_figure(total, "车辆")] + ([df.fact_figure(official, "一般公务用车")] if official else [])
    asks_official = bool(re.search(r"公车|公务车|公务用车", q.squeezed))
    head = figures[1] if asks_official and official else figures[0]
    yes_no = ""
    if re.search(r"有没有|有.{0,6}吗|是否有", q.squeezed):
        yes_no = "没有。" if head.value == 0 else "有。"
    text = f"{yes_no}{who(df.document)}共有车辆{num(total.value, 0)}辆"
    if official:
        text += f"，其中一般公务用车{num(official.value, 0)}辆"
    text += f"。原文：{total.quote}"
    return answer(q.text, text, figures, head.value, "辆", intent="count")


def previous_year(q: Question, df: DocFacts) -> Answer | None:
    """A previous-year figure from a stated change: current ∓ change."""
    items = targets(q, df) or ["收支总计"]
    for item in items:
        subject = "收支总计" if item in ("收入总计", "支出总计", "收支总计") else item
        change = next((f for f in df.facts if f.kind == "change_amount" and f.subject == subject), None)
        current = item_figure(df, "收入总计" if subject == "收支总计" else subject)
        if change is None or current is None:
            continue
        if re.search(r"(增加|减少|增长|下降|变化)了?多少", q.squeezed):  # the change itself is asked
            figures = [df.fact_figure(change, f"{subject}比上年{change.direction}")]
            percent = next((f for f in df.facts if f.kind == "change_percent" and f.subject == subject), None)
            if percent:
                figures.append(df.fact_figure(percent, f"{subject}{percent.direction}幅度"))
            detail = "，".join(f"{f.label}{show(f)}" for f in figures)
            return answer(q.text, f"{who(df.document)}{detail}。", figures, change.value, change.unit,
                          intent="change")
        sign = -1 if change.direction == "增加" else 1
        before = round(current.value + sign * change.value, 2)
        op = "−" if sign < 0 else "+"
        formula = f"{num(current.value)} {op} {num(change.value)} = {num(before)}"
        percent = next((f for f in df.facts if f.kind == "change_percent" and f.subject == subject), None)
        check = ""
        figures = [current, df.fact_figure(change, f"{subject}{change.direction}额")]
        if percent and before:
            check = f"；校验 {num(change.value)} ÷ {num(before)} = {num(change.value / before * 100)}%"
            figures.append(df.fact_figure(percent, f"{subject}{change.direction}幅度"))
        year = df.document.year - 1
        text = (f"按文件所述{change.direction}额推算，{df.document.department}{year}年{subject}为"
                f"{num(before)}万元（{formula}{check}）。")
        return answer(q.text, text, figures, before, "万元", computation=formula + check,
                      intent="previous_year")
    return None


def rank(q: Question, df: DocFacts) -> Answer | None:
    if "项目" not in q.squeezed or not df.projects:
        return None
    smallest = bool(re.search(r"最小|最少|最低", q.squeezed))
    chosen: Project = (min if smallest else max)(df.projects, key=lambda p: p.amount)
    figure = row_amount(df, chosen.ref, chosen.name)
    word = "最小" if smallest else "最大"
    text = f"{who(df.document)}金额{word}的项目是{chosen.name}，{num(chosen.amount)}万元"
    figures = [figure] if figure else []
    if q.has("share"):
        base = item_figure(df, "项目支出")
        if base and base.value:
            ratio = round(chosen.amount / base.value * 100, 2)
            formula = f"{num(chosen.amount)} ÷ {num(base.value)} × 100% = {num(ratio)}%"
            text += f"，占项目支出{show(base)}的{num(ratio)}%（{formula}）。"
            return answer(q.text, text, figures + [base], ratio, "%", computation=formula, intent="rank")
    return answer(q.text, text + "。", figures, chosen.amount, "万元", intent="rank")


def average(q: Question, df: DocFacts) -> Answer | None:
    """Per-person cost: an amount divided by a head count written in the item's name or indicators."""
    for item in targets(q, df):
        project = find_project(df, item)
        figure = item_figure(df, item)
        if figure is None:
            continue
        name = project.name if project else item
        m = re.search(r"(\d+)\s*人", name)
        people = int(m.group(1)) if m else None
        cited = []
        if people is None:
            for ind in df.indicators:
                if ind.project and project and ind.project == project.name and ind.unit == "人" and ind.number:
                    people, cited = int(ind.number), [df.cite_indicator(ind)]
                    break
        if not people:
            continue
        per = round(figure.value / people, 2)
        formula = f"{num(figure.value)} ÷ {people} = {num(per)}"
        text = f"{who(df.document)}{name}{show(figure)}，按{people}人计，平均每人约{num(per)}万元（{formula}）。"
        return answer(q.text, text, [figure], per, "万元/人", computation=formula, citations=cited,
                      intent="average")
    return None


def difference(q: Question, df: DocFacts) -> Answer | None:
    """The same item in two tables, or two items, subtracted."""
    tables = tables_named(q, df)
    items = [i for i in targets(q, df) if not any(i in t for t in tables)]
    if len(items) == 1 and len(tables) >= 2:
        figures = [f for f in (_in_table(df, items[0], t) for t in tables[:2]) if f]
    else:
        figures = figures_for(df, items[:2])
    if len(figures) < 2:
        return None
    a, b = sorted(figures[:2], key=lambda f: -f.value)
    diff = round(a.value - b.value, 2)
    formula = f"{num(a.value)} − {num(b.value)} = {num(diff)}"
    text = (f"{who(df.document)}{a.label}{show(a)}，{b.label}{show(b)}，前者多{num(diff)}万元"
            f"（{formula}）。")
    return answer(q.text, text, [a, b], diff, "万元", computation=formula, intent="difference")


def tables_named(q: Question, df: DocFacts) -> list[str]:
    """The tables a question names ("支出经济分类汇总表", "基本支出表"), in the question's order."""
    found: list[tuple[int, str]] = []
    for t in df.tables:
        core = t.title.removesuffix("预算表").removesuffix("表").removeprefix("一般公共预算")
        for name in (t.title, core + "表", core):
            at = q.squeezed.find(name) if len(name) >= 4 else -1
            if at >= 0:
                found.append((at, t.title))
                break
    return list(dict.fromkeys(title for _, title in sorted(found)))


def _in_table(df: DocFacts, item: str, title: str) -> Figure | None:
    for ref in df.find_rows(item, table_keyword=title):
        figure = row_amount(df, ref, label=f"{title}中的{ref.label}")
        if figure:
            return figure
    return None


def structure(q: Question, df: DocFacts) -> Answer | None:
    """Where the money goes: the parts of a whole (三公经费构成, 支出结构, 钱都花在哪了)."""
    whole = next((w for w in COMPONENTS if w in targets(q, df)), None)
    if whole is None or whole == "支出总计":
        by_function = spending_by_function(df)
        if by_function:
            return parts_answer(q, df, "支出总计", by_function)
        whole = "支出总计"
    parts = [f for f in (item_figure(df, p) for p in COMPONENTS[whole]) if f]
    return parts_answer(q, df, whole, parts) if parts else None


def spending_by_function(df: DocFacts) -> list[Figure]:
    """The 支出 side of the 部门收支预算表: spending by function (一般公共服务, 社会保障和就业 …)."""
    table = df.table("部门收支")
    if table is None:
        return []
    out = []
    for row in table.rows:
        ref = RowRef(table, row)
        figure = df.cell_figure(ref, "支出/金额", label=ref.label)
        if figure and figure.value and row.category == "支出" and not row.is_total \
                and "合计" not in ref.label and "总计" not in ref.label and "结转" not in ref.label:
            out.append(figure)
    return out


def parts_answer(q: Question, df: DocFacts, whole: str, parts: list[Figure]) -> Answer:
    total = round(sum(f.value for f in parts), 2)
    listing = "、".join(
        f"{f.label}{show(f)}（{num(f.value / total * 100) if total else '0.00'}%）" for f in parts)
    formula = " + ".join(num(f.value) for f in parts) + f" = {num(total)}"
    text = f"{who(df.document)}{whole}{num(total)}万元，构成：{listing}。"
    return answer(q.text, text, parts, total, "万元", computation=formula, intent="structure")


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*万元")


def purpose_of_amount(q: Question, df: DocFacts) -> Answer | None:
    """"18万元项目支出是干什么用的": the rows carrying that amount whose text says what it is for."""
    m = _AMOUNT.search(q.focus or q.squeezed)
    if not m or not re.search(r"干什么|做什么|用途|用于|用在|花在", q.squeezed):
        return None
    amount = float(m.group(1))
    found = []
    for ref in df.rows:
        total = ref.cell()
        purpose = next((v for k, v in ref.row.extra.items() if "用途" in k or "内容" in k), None)
        if total and total.value is not None and abs(total.value - amount) < 0.005 and purpose:
            found.append((ref, total, purpose))
    if not found:
        return None
    parts = "；".join(f"{ref.label}（{ref.table.title}）：{purpose}" for ref, _, purpose in found)
    figures = [df.cell_figure(ref, total.column, label=ref.label) for ref, total, _ in found]
    text = f"{who(df.document)}{num(amount)}万元对应{parts}"
    return answer(q.text, text, [f for f in figures if f], None, None, intent="narrative")
