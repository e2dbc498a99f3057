"""Audit checks of the narrative: its figures against the tables, its shares and growth rates
recomputed, its counts against the rows listed, and its descriptions of the "三公" items."""

from __future__ import annotations

import re

from indexer.records import NarrativeFact, Table
from indexer.text import normalise, squeeze
from retrieval.audit.base import DocView, Figure, Finding, agree, fmt, half_unit, money, plain
from retrieval.audit.tables import project_rows

# 功能分类 类 codes and the names the narrative uses for them
CLASS_NAMES = {
    "201": "一般公共服务", "202": "外交", "203": "国防", "204": "公共安全", "205": "教育",
    "206": "科学技术", "207": "文化旅游体育与传媒", "208": "社会保障和就业", "210": "卫生健康",
    "211": "节能环保", "212": "城乡社区", "213": "农林水", "214": "交通运输", "216": "商业服务业等",
    "217": "金融", "220": "自然资源海洋气象等", "221": "住房保障", "222": "粮油物资储备",
    "224": "灾害防治及应急管理", "229": "其他",
}
# the "三公" items: column keywords, row keywords, and the words a description of each uses
THREE_PUBLIC = {
    "三公经费": (("三公经费合计",), ("共计", "合计"), ()),
    "因公出国(境)费": (("因公出国",), ("因公出国",), ("出国", "境外")),
    "公务接待费": (("公务接待费",), ("公务接待",), ("接待",)),
    "公务用车购置及运行费": (("公务用车购置及运行费/小计",), ("公务用车费", "公务用车购置及运行"), ("用车", "车辆")),
    "公务用车购置费": (("公务用车购置费",), ("公务用车购置",), ()),
    "公务用车运行维护费": (("公务用车运行费", "公务用车运行维护费"), ("运行维护",), ()),
}
RUNNING_COST = ("机关运行经费", "机构运转经费")


def subject_key(subject: str) -> str:
    return re.sub(r"[“”\"'‘’]", "", squeeze(normalise(subject)))


# --------------------------------------------------------------------------- figures for a subject


def three_public(view: DocView, item: str) -> Figure | None:
    t = view.table("three_public")
    spec = THREE_PUBLIC.get(item)
    if t is None or spec is None:
        return None
    columns, row_words, _ = spec
    if not any(c.value for r in t.rows for c in r.cells) and t.empty_note:
        return view.figure(t, None, empty_is_zero=True)
    if len(t.columns) == 1:  # one row per item (older template)
        for r in t.rows:
            label = subject_key(plain(r.label))
            if any(w in label for w in row_words) and not (item == "公务用车购置费" and "运行" in label):
                return view.figure(t, r, t.columns[0], empty_is_zero=True)
        return None
    row = next((r for r in t.rows if any(c.value is not None for c in r.cells)), t.rows[0] if t.rows else None)
    for c in t.columns:
        path = subject_key(c)
        if any(w in path for w in columns):
            return view.figure(t, row, c, empty_is_zero=True)
    return None


def class_sum(view: DocView, name: str) -> Figure | None:
    """A 功能分类 类 amount summed from the 项 rows of the 一般公共预算 (or department) table."""
    code = next((k for k, v in CLASS_NAMES.items() if name.startswith(v)), None)
    t = view.table("general") or view.table("expense")
    if code is None or t is None:
        return None
    rows = [r for r in t.rows if r.code_kind == "功能分类" and r.code and r.code.startswith(code)]
    leaves = [r for r in rows if not any(o is not r and o.code.startswith(r.code) for o in rows)]  # type: ignore[union-attr]
    cells = [DocView.cell(r, "合计", "总计") for r in leaves]
    values = [c.value for c in cells if c and c.value is not None]
    if not values:
        return None
    total = sum(values)
    first = leaves[0]
    return Figure(total, f"{t.title}{code}类各项合计", view.cite_row(t, first, None, money(total)), money(total))


def narrative_candidates(view: DocView, fact: NarrativeFact) -> list[Figure]:
    """The table figures a narrative amount must equal (any one of them)."""
    s = subject_key(fact.subject)
    section = fact.section.split(">")[-1]
    ie, income, fiscal = view.table("income_expense"), view.table("income"), view.table("fiscal")
    expense, general, basic = view.table("expense"), view.table("general"), view.table("basic")
    fund, projects = view.table("fund"), view.table("projects")
    f = view.figure
    found: list[Figure | None] = []
    if s == "收入总计":
        found = [f(ie, view.row(ie, "收入总计"), "收入/金额"), f(income, view.total_row(income), "总计")]
    elif s == "支出总计":
        found = [f(ie, view.row(ie, "支出总计"), "支出/金额"), f(expense, view.total_row(expense), "合计", "总计")]
    elif s in ("收入合计", "本年收入合计"):
        found = [f(ie, view.row(ie, "本年收入合计"), "收入/金额"), f(ie, view.row(ie, "收入总计"), "收入/金额"),
                 f(income, view.total_row(income), "本年收入/合计"), f(income, view.total_row(income), "总计")]
    elif s in ("支出合计", "本年支出合计"):
        found = [f(ie, view.row(ie, "本年支出合计"), "支出/金额"), f(ie, view.row(ie, "支出总计"), "支出/金额"),
                 f(expense, view.total_row(expense), "合计", "总计")]
    elif s in ("基本支出", "项目支出"):
        t = fund if "政府性基金" in section else general if "一般公共预算" in section else expense
        found = [f(t, view.total_row(t), f"{s}/小计", empty_is_zero=t is fund)]
    elif s == "一般公共预算基本支出":
        found = [f(basic, view.total_row(basic), "合计", "一般公共预算/小计")]
    elif s in ("人员经费", "公用经费"):
        leaves = ("工资福利支出", "对个人和家庭的补助") if s == "人员经费" else ("商品和服务支出", "资本性支出")
        found = [f(basic, view.total_row(basic), s), _sum_columns(view, expense, leaves, s)]
    elif s == "一般公共预算收入":
        found = [f(income, view.total_row(income), "本年收入/一般公共预算/小计", "本年收入/一般公共预算"),
                 f(ie, view.row(ie, "一般公共预算", "收入"), "收入/金额")]
    elif s == "上年结转结余":
        found = [f(income, view.total_row(income), "上年结转结余/合计"), f(ie, view.row(ie, "上年结转结余"), "收入/金额")]
    elif s in ("一般公共预算收支预算", "一般公共预算支出"):
        found = [f(fiscal, view.row(fiscal, "支出合计"), "支出/一般公共预算/小计"),
                 f(general, view.total_row(general), "合计", "总计")]
    elif s in ("政府性基金收支预算", "政府性基金预算支出", "政府性基金支出"):
        found = [f(fund, view.total_row(fund), "合计", empty_is_zero=True),
                 f(fiscal, view.row(fiscal, "支出合计"), "支出/政府性基金")]
    elif s in ("国有资本经营收支预算", "国有资本经营预算支出"):
        t = view.table("state_capital")
        found = [f(t, view.total_row(t), "合计", empty_is_zero=True)]
    elif s.replace("“", "") in THREE_PUBLIC:
        found = [three_public(view, s)]
    elif "涉及预算拨款" in s:
        found = [f(projects, view.total_row(projects), "合计")]
    elif s.endswith("支出"):
        found = [class_sum(view, s)]
    return [x for x in found if x is not None]


def _sum_columns(view: DocView, t: Table | None, leaves: tuple[str, ...], what: str) -> Figure | None:
    row = view.total_row(t)
    if t is None or row is None:
        return None
    cells = [c for c in row.cells if c.value is not None and c.column.startswith("基本支出")
             and c.column.split("/")[-1] in leaves]
    if not cells:
        return None
    total = sum(c.value for c in cells)  # type: ignore[misc]
    return Figure(total, f"{t.title}「合计」行{what}（{'+'.join(leaves)}）",
                  view.cite_cell(t, row, cells[0]), cells[0].text)


def _carry_over(view: DocView) -> list[Figure]:
    income, fiscal = view.table("income"), view.table("fiscal")
    found = [view.figure(income, view.total_row(income), "上年结转结余/合计"),
             view.figure(income, view.total_row(income), "上年结转结余/一般公共预算")]
    if fiscal is not None:
        for r in fiscal.rows:
            if plain(r.label).startswith("上年结转"):
                found.append(view.figure(fiscal, r, "收入/金额"))
    return [x for x in found if x is not None and x.value]


def narrative_vs_tables(view: DocView) -> list[Finding]:
    """Amounts stated in the text against the same-named figure of the tables."""
    out: list[Finding] = []
    for fact in view.facts:
        if fact.kind != "amount" or subject_key(fact.subject) in RUNNING_COST:
            continue
        candidates = narrative_candidates(view, fact)
        text = view.fact_figure(fact)
        if not candidates or any(agree(text, c) for c in candidates):
            continue
        table = candidates[0]
        carry = next((c for c in _carry_over(view) for t in candidates
                      if abs(abs(text.value - t.value) - c.value) <= 0.011), None)
        if carry is not None:
            out.append(view.finding(
                "scope_difference", "info",
                f"文中「{fact.subject}」{money(text.value)}万元，{table.label} {money(table.value)}万元，"
                f"差额 {money(abs(text.value - table.value))}万元正好是上年结转（{carry.label}）。",
                [text.citation, table.citation, carry.citation],
                {"text": text.value, "table": table.value, "carry_over": carry.value},
                "口径不同：一处含上年结转，一处只含本年预算。"))
            continue
        close = abs(text.value - table.value) <= 2 * max(half_unit(text.text), 0.005) + 0.01
        out.append(view.finding(
            "narrative_vs_table", "warning" if close else "error",
            f"文中「{fact.subject}」{text.text.strip()}，与{table.label} {money(table.value)}万元不符，"
            f"相差 {money(abs(text.value - table.value))}万元。",
            [text.citation, table.citation], {"text": text.value, "table": table.value},
            "差额很小，可能是舍入。" if close else None))
    return out


def running_cost(view: DocView) -> list[Finding]:
    """机关运行经费 is the 公用经费 of basic spending (or the 运转经费 table's total): a text figure
    that matches neither but equals another table figure has been taken from the wrong line."""
    out: list[Finding] = []
    for fact in view.facts:
        if fact.kind != "amount" or subject_key(fact.subject) not in RUNNING_COST:
            continue
        running, basic, expense = view.table("running_cost"), view.table("basic"), view.table("expense")
        wanted = (view.figure(running, view.total_row(running), "资金来源/合计", "合计")
                  or view.figure(basic, view.total_row(basic), "公用经费")
                  or _sum_columns(view, expense, ("商品和服务支出", "资本性支出"), "公用经费"))
        text = view.fact_figure(fact)
        if wanted is None or agree(text, wanted):
            continue
        same = _same_value_elsewhere(view, text)
        where = f"；{money(text.value)}万元恰等于{same.label}" if same else ""
        out.append(view.finding(
            "mislabelled_figure", "error",
            f"文中{fact.subject}{text.text.strip()}，与{wanted.label} {money(wanted.value)}万元不符"
            f"（相差 {money(abs(text.value - wanted.value))}万元）{where}。",
            [text.citation, wanted.citation] + ([same.citation] if same else []),
            {"text": text.value, "table": wanted.value},
            "按名词解释，机关运行经费是保障机构运转、购买货物和服务的公用经费，不含人员工资。"))
    return out


def _same_value_elsewhere(view: DocView, figure: Figure) -> Figure | None:
    for t in view.tables:
        for r in t.rows:
            for c in r.cells:
                if c.value is not None and abs(c.value - figure.value) < 1e-6 and not r.is_total:
                    return Figure(c.value, f"{view.table_name(t)}「{plain(r.label)}」行「{c.column}」",
                                  view.cite_cell(t, r, c), c.text)
    return None


# --------------------------------------------------------------------------- recomputation


def _amount_on_line(view: DocView, fact: NarrativeFact, kind: str = "amount") -> NarrativeFact | None:
    same = [f for f in view.facts if f.kind == kind and f.line == fact.line
            and subject_key(f.subject) == subject_key(fact.subject)]
    return same[0] if same else None


def shares(view: DocView) -> list[Finding]:
    """A stated share recomputed from its amount and the section's total."""
    out: list[Finding] = []
    for fact in view.facts:
        if fact.kind != "share":
            continue
        part = _amount_on_line(view, fact)
        base = next((f for f in view.facts if f.section_id == fact.section_id and f.kind == "amount"
                     and subject_key(f.subject) != subject_key(fact.subject)), None)
        if part is None or base is None or base.value <= 0:
            continue
        hp, hb, hs = half_unit(part.text), half_unit(base.text), half_unit(fact.text)
        low = (part.value - hp) / (base.value + hb) * 100
        high = (part.value + hp) / max(base.value - hb, 1e-9) * 100
        if low - hs - 1e-6 <= fact.value <= high + hs + 1e-6:
            continue
        got = part.value / base.value * 100
        small = abs(got - fact.value) < 0.5
        out.append(view.finding(
            "share", "warning" if small else "error",
            f"文中「{fact.subject}」占比 {fmt(fact.value)}%，按 {money(part.value)} ÷ {money(base.value)} "
            f"计算应为 {got:.2f}%。",
            [view.cite_fact(fact), view.cite_fact(base)], {"text": fact.value, "computed": round(got, 2)},
            "差额小于0.5个百分点，可能是舍入或为凑满100%所作的调整。" if small else None))
    return out


def _current_amount(view: DocView, fact: NarrativeFact) -> NarrativeFact | None:
    key = subject_key(fact.subject).replace("收支总计", "收入总计")
    found = [f for f in view.facts if f.kind == "amount" and subject_key(f.subject) == key and f.line <= fact.line]
    return found[-1] if found else None


def growth_rates(view: DocView) -> list[Finding]:
    """A stated growth rate recomputed from the current amount and the stated change."""
    out: list[Finding] = []
    for fact in view.facts:
        if fact.kind != "change_percent" or fact.direction not in ("增加", "减少"):
            continue
        change = _amount_on_line(view, fact, "change_amount")
        current = _current_amount(view, fact)
        if change is None or current is None or fact.value <= 0:
            continue
        sign, word = (1, "增长") if fact.direction == "增加" else (-1, "下降")
        previous = current.value - sign * change.value
        implied = change.value / (fact.value / 100)
        cites = [view.cite_fact(fact), view.cite_fact(current)]
        figures = {"rate": fact.value, "change": change.value, "current": current.value,
                   "previous": round(previous, 2), "implied_previous": round(implied, 2)}
        if previous <= half_unit(current.text) + half_unit(change.text):
            out.append(view.finding(
                "growth_rate", "error",
                f"「{fact.subject}」本年 {money(current.value)}万元、{fact.direction} {money(change.value)}万元，"
                f"推得上年为 {money(previous)}万元，无法算出增减幅度；文中“{word} {fmt(fact.value)}%”"
                f"意味着上年应为 {money(implied)}万元。",
                cites, figures, "从零基数增加时增长率没有意义。"))
            continue
        hc, hn = half_unit(change.text), half_unit(current.text)
        low = (change.value - hc) / (previous + hc + hn) * 100
        high = (change.value + hc) / max(previous - hc - hn, 1e-9) * 100
        hr = half_unit(fact.text)
        if low - hr - 1e-6 <= fact.value <= high + hr + 1e-6:
            continue
        got = change.value / previous * 100
        out.append(view.finding(
            "growth_rate", "error",
            f"「{fact.subject}」{fact.direction} {money(change.value)}万元，按上年 {money(previous)}万元"
            f"（本年 {money(current.value)}万元推得）计算幅度为 {got:.2f}%，文中写 {fmt(fact.value)}%"
            f"（意味着上年为 {money(implied)}万元）。",
            cites, figures | {"computed": round(got, 2)}))
    return out


# --------------------------------------------------------------------------- counts and descriptions


def counts(view: DocView) -> list[Finding]:
    """Projects (and units) counted in the text against the rows the tables list."""
    out: list[Finding] = []
    for fact in view.facts:
        if fact.kind != "count":
            continue
        key = subject_key(fact.subject)
        if key == "项目":
            sources = [view.table("projects"), view.table("project_performance")]
            listed = [(t, project_rows(t)) for t in sources if t is not None and project_rows(t)]
        elif key.endswith("单位") and view.table("income") is not None:
            t = view.table("income")
            rows = [r for r in t.rows if r.code_kind == "单位" and r.code and len(r.code) > 3]  # type: ignore[union-attr]
            listed = [(t, rows)] if rows else []
        else:
            continue
        stated = next((f for f in view.facts if f.line == fact.line and f.kind == "amount"), None)
        for t, rows in listed:
            if len(rows) == int(fact.value):
                continue
            total = sum(c.value for r in rows for c in r.cells[:1] if c.value is not None)
            matches = f"，列出的{len(rows)}项金额合计 {money(total)}万元" + (
                f"，正好等于文中的 {money(stated.value)}万元" if stated and abs(total - stated.value) <= 0.011 else "")
            out.append(view.finding(
                "count", "error",
                f"文中称共{int(fact.value)}个{fact.subject}，但{view.table_name(t)}只列出{len(rows)}个{matches}。"
                if len(rows) < fact.value else
                f"文中称共{int(fact.value)}个{fact.subject}，但{view.table_name(t)}列出了{len(rows)}个{matches}。",
                [view.cite_fact(fact), view.cite_row(t, rows[0], None, f"共{len(rows)}行")],
                {"text": fact.value, "table": float(len(rows))}))
    return out


def descriptions(view: DocView) -> list[Finding]:
    """A "三公" item whose stated use describes another item (a copied sentence)."""
    out: list[Finding] = []
    uses: dict[str, tuple[NarrativeFact, str]] = {}
    for fact in view.facts:
        item = subject_key(fact.subject)
        m = re.search(r"主要用于([^,，。;；]*)", normalise(fact.quote))
        if fact.kind == "amount" and item in THREE_PUBLIC and m:
            uses.setdefault(item, (fact, m.group(1)))
    for item, (fact, use) in uses.items():
        own = THREE_PUBLIC[item][2]
        if not own or any(w in use for w in own):
            continue
        other = next((o for o, spec in THREE_PUBLIC.items() if o != item and spec[2]
                      and any(w in use for w in spec[2])), None)
        if other is None:
            continue
        twin = uses.get(other)
        cites = [view.cite_fact(fact)] + ([view.cite_fact(twin[0])] if twin else [])
        same = twin is not None and twin[1] == use
        out.append(view.finding(
            "description", "warning",
            f"文中「{fact.subject}」的用途写作“主要用于{use}”，描述的是{other}而不是{fact.subject}"
            + ("，与「" + twin[0].subject + "」的说明一字不差（疑为复制粘贴错误）。" if same else "。"),
            cites, {"amount": fact.value}))
    return out
