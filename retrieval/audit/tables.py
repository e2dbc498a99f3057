"""Audit checks between tables: sums, the same figure in two tables (with its scope), year-end
balances, the overall performance table's amounts, and name variants of one project or unit."""

from __future__ import annotations

import difflib
import re

from indexer.records import Row, Table
from indexer.text import normalise, squeeze
from retrieval.audit.base import DocView, Figure, Finding, agree, money, plain

SCOPE_NOTE_PROJECTS = ("口径不同：一般公共预算基本支出预算表只含基本支出，支出经济分类汇总表含基本支出和项目支出，"
                       "差额是项目支出中同一经济科目的金额，不是计算错误。")


# --------------------------------------------------------------------------- sums


def table_sums(view: DocView) -> list[Finding]:
    """Totals that are not the sum of their rows or sub-columns (checked at indexing)."""
    out: list[Finding] = []
    for t in view.tables:
        if any("ambiguous" in (r.note or "") for r in t.rows):
            # the flattened text allowed several placements of some numbers: a failed sum there
            # says more about the text export than about the document
            continue
        for r in t.rows:
            if r.verified is not False or not r.note:
                continue
            numbers = [float(x) for x in re.findall(r"(-?\d+\.\d+)", r.note)[:2]]
            figures = {"total": numbers[0], "sum": numbers[1]} if len(numbers) == 2 else {}
            out.append(view.finding(
                "table_sum", "error",
                f"{view.table_name(t)}「{plain(r.label)}」行的合计与其组成部分之和不符：{r.note}",
                [view.cite_row(t, r, None, " ".join(c.text for c in r.cells if c.value is not None))],
                figures))
    return out


# --------------------------------------------------------------------------- same figure, two tables


def _pair(view: DocView, kind: str, a: Figure | None, b: Figure | None, what: str,
          note: str | None = None) -> list[Finding]:
    if a is None or b is None or agree(a, b):
        return []
    return [view.finding(
        kind, "error",
        f"{what}在两表中不一致：{a.label} {money(a.value)}万元，{b.label} {money(b.value)}万元，"
        f"相差 {money(abs(a.value - b.value))}万元。",
        [a.citation, b.citation], {"first": a.value, "second": b.value}, note)]


def totals_across_tables(view: DocView) -> list[Finding]:
    """Department, basic and project totals that every table states must be the same figure."""
    ie, income, expense = view.table("income_expense"), view.table("income"), view.table("expense")
    general, basic = view.table("general"), view.table("basic")
    projects, perf = view.table("projects"), view.table("project_performance")
    overall = view.table("overall_performance")
    out: list[Finding] = []
    grand = view.figure(ie, view.row(ie, "收入总计"), "收入/金额", "金额")
    out += _pair(view, "cross_table", grand,
                 view.figure(ie, view.row(ie, "支出总计"), "支出/金额", "金额"), "收入总计与支出总计")
    out += _pair(view, "cross_table", grand,
                 view.figure(income, view.total_row(income), "总计", "合计"), "收入总计")
    out += _pair(view, "cross_table", view.figure(ie, view.row(ie, "本年支出合计"), "支出/金额"),
                 view.figure(expense, view.total_row(expense), "合计", "总计"), "本年支出合计")
    out += _pair(view, "cross_table", grand,
                 view.figure(overall, view.row(overall, "部门预算总额"), "金额"), "部门预算总额")
    dept_projects = view.figure(expense, view.total_row(expense), "项目支出/小计")
    out += _pair(view, "cross_table", dept_projects,
                 view.figure(projects, view.total_row(projects), "合计"), "项目支出合计")
    out += _pair(view, "cross_table", dept_projects,
                 view.figure(perf, view.total_row(perf), "资金总额"), "项目支出合计")
    out += _pair(view, "cross_table", view.figure(general, view.total_row(general), "基本支出/小计"),
                 view.figure(basic, view.total_row(basic), "合计", "一般公共预算/小计"),
                 "一般公共预算基本支出合计")
    return out


def _sum_by_code(table: Table | None, *columns: str) -> dict[str, tuple[float, Row]]:
    """Economic-classification rows of a table summed by code (a code may repeat per unit)."""
    out: dict[str, tuple[float, Row]] = {}
    if table is None:
        return out
    for r in table.rows:
        if r.code_kind != "经济分类" or not r.code:
            continue
        c = DocView.cell(r, *columns)
        if c is None or c.value is None:
            continue
        value, first = out.get(r.code, (0.0, r))
        out[r.code] = (value + c.value, first)
    return out


def economic_items(view: DocView) -> list[Finding]:
    """The same economic item in the basic-expenditure table and the economic summary table.

    The summary covers basic and project spending, so it may be larger (an info with the scope
    note) but never smaller (an error)."""
    basic, summary = view.table("basic"), view.table("economic_summary")
    if basic is None or summary is None:
        return []
    b_items = _sum_by_code(basic, "合计", "一般公共预算/小计")
    s_items = _sum_by_code(summary, "总计", "合计")
    b_total = view.figure(basic, view.total_row(basic), "合计", "一般公共预算/小计")
    s_total = view.figure(summary, view.total_row(summary), "总计", "合计")
    projects = view.figure(view.table("expense"), view.total_row(view.table("expense")), "项目支出/小计")
    reconciled = (b_total is not None and s_total is not None and projects is not None
                  and abs(s_total.value - b_total.value - projects.value) <= 0.011)
    out: list[Finding] = []
    for code, (b, b_row) in b_items.items():
        s, s_row = s_items.get(code, (0.0, None))
        b_fig = Figure(b, f"{basic.title}「{plain(b_row.label)}」", view.cite_row(basic, b_row, None, money(b)), money(b))
        cite_s = view.cite_row(summary, s_row, None, money(s)) if s_row else view.cite_table(summary)
        s_fig = Figure(s, f"{summary.title}「{plain(b_row.label)}」", cite_s, money(s))
        if agree(b_fig, s_fig):
            continue
        if b > s:
            out.append(view.finding(
                "cross_table", "error",
                f"经济科目{code}「{plain(b_row.label)}」：基本支出表 {money(b)}万元，大于含项目支出的"
                f"支出经济分类汇总表 {money(s)}万元；汇总表不应小于基本支出表。",
                [b_fig.citation, s_fig.citation], {"basic": b, "summary": s}))
            continue
        note = SCOPE_NOTE_PROJECTS
        if reconciled:
            note += (f"两表合计之差 {money(s_total.value - b_total.value)}万元正好等于项目支出合计"  # type: ignore[union-attr]
                     f" {money(projects.value)}万元，口径吻合。")  # type: ignore[union-attr]
        out.append(view.finding(
            "scope_difference", "info",
            f"经济科目{code}「{plain(b_row.label)}」：基本支出表 {money(b)}万元，支出经济分类汇总表 "
            f"{money(s)}万元，差额 {money(s - b)}万元属项目支出。",
            [b_fig.citation, s_fig.citation], {"basic": b, "summary": s, "difference": s - b}, note))
    return out


def function_items(view: DocView) -> list[Finding]:
    """A functional-classification row of the 一般公共预算 table may not exceed the same row of
    the department table (which adds the other funds)."""
    general, expense = view.table("general"), view.table("expense")
    if general is None or expense is None:
        return []
    dept = {r.code: r for r in expense.rows if r.code_kind == "功能分类" and r.code}
    out: list[Finding] = []
    for r in general.rows:
        other = dept.get(r.code) if r.code_kind == "功能分类" else None
        if other is None:
            continue
        a = view.figure(general, r, "合计", "总计")
        b = view.figure(expense, other, "合计", "总计")
        if a and b and a.value > b.value + 0.011:
            out += _pair(view, "cross_table", a, b, f"功能科目{r.code}「{plain(r.label)}」",
                         "一般公共预算支出是部门支出的一部分，不应更大。")
    return out


def year_end_balance(view: DocView) -> list[Finding]:
    """Carry-overs and year-end balances: the 财政拨款 part may not exceed the department's."""
    ie, fiscal = view.table("income_expense"), view.table("fiscal")
    if ie is None or fiscal is None:
        return []
    out: list[Finding] = []
    for label, side, columns in (("年终结转结余", "支出", ("支出/合计", "支出/金额", "合计")),
                                 ("上年结转", "收入", ("收入/金额", "金额"))):
        dept_row = next((r for r in ie.rows if plain(r.label).startswith(label) and r.category == side), None)
        fis_row = next((r for r in fiscal.rows if plain(r.label).startswith(label) and r.category == side), None)
        if dept_row is None or fis_row is None:
            continue
        d = view.figure(ie, dept_row, *columns, empty_is_zero=True)
        f = view.figure(fiscal, fis_row, *columns)
        if d is None or f is None or f.value <= d.value + 0.011:
            continue
        out.append(view.finding(
            "year_end_balance", "error",
            f"{label}前后矛盾：{f.label} {money(f.value)}万元，而包含全部资金的{d.label}只有 "
            f"{money(d.value)}万元。",
            [f.citation, d.citation], {"fiscal": f.value, "department": d.value},
            "财政拨款收支预算表只含财政拨款，其结转结余不可能大于部门收支预算表的全部结转结余。"))
    return out


def overall_performance(view: DocView) -> list[Finding]:
    """The 整体绩效目标表: its sources and its structure each add up to the department total;
    in the older template its listed work amounts add up to the department total."""
    t = view.table("overall_performance")
    if t is None or not t.rows:
        return []
    total = view.row(t, "部门预算总额")
    out: list[Finding] = []
    if total is not None:
        want = view.figure(t, total, "金额")
        for category in ("资金来源", "资金结构"):
            parts = [r for r in t.rows if r.category == category]
            values = [c.value for r in parts for c in r.cells if c.value is not None]
            if want is None or not values or abs(sum(values) - want.value) <= 0.0051 * (len(values) + 1):
                continue
            out.append(view.finding(
                "performance_total", "error",
                f"{view.table_name(t)}：{category}各项合计 {money(sum(values))}万元，与部门预算总额 "
                f"{money(want.value)}万元不符。",
                [want.citation, view.cite_row(t, parts[0], None, category)],
                {"parts": sum(values), "total": want.value}))
        return out
    # older template: one row per kind of work, no total row
    items = [(r, view.figure(t, r, "总金额", "金额")) for r in t.rows if not r.is_total]
    items = [(r, f) for r, f in items if f is not None]
    expense = view.table("expense")
    dept = view.figure(expense, view.total_row(expense), "总计", "合计")
    if not items or dept is None:
        return []
    listed = sum(f.value for _, f in items)  # type: ignore[union-attr]
    if abs(listed - dept.value) <= 0.0051 * (len(items) + 1):
        return []
    excess = listed - dept.value
    same = [r for r, f in items if abs(f.value - excess) <= 0.011]  # type: ignore[union-attr]
    note = (f"多出的 {money(excess)}万元正好等于「{plain(same[0].label)}」一项，该项可能已包含在其他项"
            f"（如基本支出）中而被重复列示。" if same else None)
    parts = " + ".join(f"{plain(r.label)} {money(f.value)}" for r, f in items)  # type: ignore[union-attr]
    out.append(view.finding(
        "performance_total", "warning",
        f"{view.table_name(t)}所列各项工作金额之和 {parts} = {money(listed)}万元，与部门预算总额 "
        f"{money(dept.value)}万元不符，相差 {money(excess)}万元。",
        [items[0][1].citation, dept.citation], {"listed": listed, "total": dept.value}, note))  # type: ignore[union-attr]
    return out


# --------------------------------------------------------------------------- names


def name_key(name: str) -> str:
    """A project or unit name with spaces, bracket widths and dash forms made uniform."""
    t = squeeze(normalise(name))
    t = re.sub(r"[—–－‐-]+", "-", t)
    return t


def _project_names(view: DocView) -> dict[str, list[tuple[str, Figure]]]:
    """Project names by source table, each with its amount."""
    out: dict[str, list[tuple[str, Figure]]] = {}
    for role, columns in (("projects", ("合计",)), ("project_performance", ("资金总额",))):
        t = view.table(role)
        if t is None:
            continue
        for r in project_rows(t):
            f = view.figure(t, r, *columns)
            if f is not None:
                out.setdefault(view.table_name(t), []).append((r.label, f))
    return out


def project_rows(table: Table) -> list[Row]:
    """The rows of a project table that are projects (not totals, units or wrapped text)."""
    rows = []
    for r in table.rows:
        if r.is_total or plain(r.label) in ("合计", "总计", "小计") or r.code_kind == "单位":
            continue
        if r.code_kind == "项目" or r.category or (r.code_kind is None and r.cells):
            rows.append(r)
    return rows


def name_variants(view: DocView) -> list[Finding]:
    """The same project (same amount, nearly the same name) written differently in two tables."""
    sources = list(_project_names(view).items())
    out: list[Finding] = []
    for i, (a_table, a_names) in enumerate(sources):
        for b_table, b_names in sources[i + 1:]:
            b_keys = {name_key(n) for n, _ in b_names}
            a_keys = {name_key(n) for n, _ in a_names}
            for name, fig in a_names:
                key = name_key(name)
                if key in b_keys:
                    continue
                for other, ofig in b_names:
                    okey = name_key(other)
                    if okey in a_keys or not agree(fig, ofig):
                        continue
                    if key.startswith(okey) or okey.startswith(key):
                        continue  # a name cut at a line wrap in the text export, not a variant
                    if difflib.SequenceMatcher(None, key, okey).ratio() < 0.8:
                        continue
                    out.append(view.finding(
                        "name_variant", "warning",
                        f"同一项目（{money(fig.value)}万元）在两表中名称不同：{a_table}写作「{name}」，"
                        f"{b_table}写作「{other}」。",
                        [fig.citation, ofig.citation], {"first": fig.value, "second": ofig.value},
                        "金额相同、名称只差个别字，应是同一项目的笔误或别名。"))
    out += _unit_variants(view)
    return out


def _unit_variants(view: DocView) -> list[Finding]:
    names: dict[str, tuple[str, Table, Row]] = {}
    flagged: set[str] = set()
    out: list[Finding] = []
    for t in view.tables:
        for r in t.rows:
            if r.code_kind != "单位" or not r.code:
                continue
            seen = names.get(r.code)
            if seen is None:
                names[r.code] = (r.label, t, r)
            elif name_key(seen[0]) != name_key(r.label) and r.code not in flagged:
                flagged.add(r.code)
                out.append(view.finding(
                    "name_variant", "warning",
                    f"单位代码{r.code}在两表中名称不同：{view.table_name(seen[1])}写作「{seen[0]}」，"
                    f"{view.table_name(t)}写作「{r.label}」。",
                    [view.cite_row(seen[1], seen[2], None, ""), view.cite_row(t, r, None, "")], {}))
    return out
