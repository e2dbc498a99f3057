"""Check a parsed table's arithmetic: row sums across columns and column sums down rows.

Totals (合计 / 总计 / 小计) are sums of their parts; checking that is both a test of the parser
(a number in the wrong column breaks a sum) and a finding about the document (a real mismatch).
Both table parsers (tab-separated and flattened PDF) call `verify_table` on what they produce.

Row rules come from the column paths alone (`sum_rules`); column checks come from row codes
(功能分类 201 / 20103 / 2010301, 经济分类 301 / 30101, 单位 141 / 141001) or, for rows without
codes, from their outline numbering ("一、", "(一)", "1."), so a hierarchy is never counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.records import Row, Table
from indexer.text import squeeze

_TOTAL_WORDS = ("合计", "总计", "小计")
_SIDES = ("收入", "支出")
# outline numbering of uncoded rows: "一、" is level 1, "(一)" level 2, "1." / "1、" level 3
_LEVEL_PATTERNS = (
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 1),
    (re.compile(r"^[(（][一二三四五六七八九十]+[)）]"), 2),
    (re.compile(r"^\d+[、.．]"), 3),
    (re.compile(r"^[(（]\d+[)）]"), 4),
)


def is_total_word(text: str) -> bool:
    """True for a header or label that names a total ("合计", "本年收入合计", "小计")."""
    t = squeeze(text)
    return any(t.endswith(word) or t == word for word in _TOTAL_WORDS)


def is_part(text: str) -> bool:
    """True for a "其中" item: a part of its parent, never an addend beside its siblings."""
    return squeeze(text).startswith("其中")


# --------------------------------------------------------------------------- row rules


def sum_rules(columns: list[str]) -> list[tuple[str, list[str]]]:
    """Derive which column must equal the sum of which others, from the column paths.

    Args:
        columns: numeric column paths, levels joined by "/" ("基本支出/人员经费/工资福利支出").

    Returns:
        (total column, addend columns) pairs: a group's 合计/总计/小计 child equals the sum of its
        other children, each child counted by its own total column if it has one, else by its
        leaves. "其中" columns are parts and never addends.
    """
    paths = [c.split("/") for c in columns]
    rules: list[tuple[str, list[str]]] = []

    def children(prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
        seen: dict[tuple[str, ...], None] = {}
        for p in paths:
            if len(p) > len(prefix) and tuple(p[: len(prefix)]) == prefix:
                seen[tuple(p[: len(prefix) + 1])] = None
        return list(seen)

    def is_column(node: tuple[str, ...]) -> bool:
        return "/".join(node) in columns

    def total_child(node: tuple[str, ...]) -> tuple[str, ...] | None:
        for child in children(node):
            if is_column(child) and is_total_word(child[-1]) and not children(child):
                return child
        return None

    def value_columns(node: tuple[str, ...]) -> list[str]:
        """Columns whose sum is this node's amount: itself, its total, or its parts' amounts."""
        if is_column(node) and not children(node):
            return ["/".join(node)]
        total = total_child(node)
        if total:
            return ["/".join(total)]
        out: list[str] = []
        for child in children(node):
            if not is_part(child[-1]):
                out.extend(value_columns(child))
        return out

    def visit(node: tuple[str, ...]) -> None:
        kids = children(node)
        total = total_child(node)
        if total:
            addends: list[str] = []
            for child in kids:
                if child != total and not is_part(child[-1]) and not is_total_word(child[-1]):
                    addends.extend(value_columns(child))
            if addends:
                rules.append(("/".join(total), addends))
        for child in kids:
            visit(child)

    visit(())
    return rules


# --------------------------------------------------------------------------- helpers


@dataclass
class _Check:
    ok: bool
    note: str


def _tol(tolerance: float, addends: int) -> float:
    """Each figure is rounded to 0.01, so the error may grow by 0.005 per addend."""
    return max(tolerance, 0.0051 * (addends + 1))


def _values(row: Row) -> dict[str, float]:
    # shares and rates (in %) do not add up across rows or columns
    return {c.column: c.value for c in row.cells if c.value is not None and c.unit != "%"}


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _outline_level(label: str) -> int:
    t = squeeze(label)
    for pattern, level in _LEVEL_PATTERNS:
        if pattern.match(t):
            return level
    return 1  # an unnumbered item ("上年结转结余", a project) sits at the top level


def _is_total_row(row: Row) -> bool:
    return row.is_total or is_total_word(row.label)


def _compare(total: Row, addends: list[Row], columns: list[str], tolerance: float,
             what: str) -> _Check | None:
    """Compare the total row with the column sums of the addend rows, column by column."""
    tv = _values(total)
    av = [_values(r) for r in addends]
    failures: list[str] = []
    checked = False
    for col in columns:
        present = [v[col] for v in av if col in v]
        if col not in tv and not present:
            continue
        checked = True
        got, want = sum(present), tv.get(col, 0.0)
        if abs(got - want) > _tol(tolerance, len(present)):
            failures.append(f"{col}: {_fmt(want)} ≠ {what} {_fmt(got)}")
    if not checked:
        return None
    return _Check(not failures, "; ".join(failures))


# --------------------------------------------------------------------------- column checks


def _code_checks(rows: list[Row], columns: list[str], tolerance: float,
                 checks: dict[int, list[_Check]]) -> None:
    """A coded row equals the sum of its direct children (the following rows under its code)."""
    for i, row in enumerate(rows):
        if not row.code or not row.code_kind:
            continue
        candidates: list[Row] = []
        for other in rows[i + 1 :]:
            if other.code_kind != row.code_kind or not other.code:
                continue  # rows of another kind (functions under a unit) do not end the block
            if not (other.code.startswith(row.code) and len(other.code) > len(row.code)):
                break
            candidates.append(other)
        direct = [c for c in candidates if not any(
            o is not c and c.code.startswith(o.code) and len(c.code) > len(o.code)  # type: ignore[union-attr]
            for o in candidates)]
        if direct:
            check = _compare(row, direct, columns, tolerance, f"sum of {len(direct)} sub-codes")
            if check:
                checks.setdefault(row.index, []).append(check)


def _roots(rows: list[Row], kind: str) -> list[Row]:
    coded = [r for r in rows if r.code_kind == kind and r.code]
    codes = {r.code for r in coded}
    return [r for r in coded if not any(
        c != r.code and r.code.startswith(c) for c in codes)]  # type: ignore[union-attr]


def _outline_children(rows: list[Row], i: int) -> list[Row]:
    """Rows under an uncoded row at the next numbering level, up to its next sibling."""
    level = _outline_level(rows[i].label)
    below: list[Row] = []
    previous_level, part_level = level, None
    for other in rows[i + 1 :]:
        if other.code or _is_total_row(other):
            break
        other_level = _outline_level(other.label)
        if is_part(other.label):
            # "其中：(1)…" and the "(2)…" after it detail the row above them, not this one
            part_level = previous_level
            continue
        if part_level is not None and other_level > part_level:
            continue
        part_level = None
        if other_level <= level:
            break
        below.append(other)
        previous_level = other_level
    if not below:
        return []
    top = min(_outline_level(r.label) for r in below)
    return [r for r in below if _outline_level(r.label) == top]


def _group_checks(rows: list[Row], columns: list[str], tolerance: float,
                  checks: dict[int, list[_Check]]) -> None:
    """Column checks within one group of rows (the whole table, or one side of 收入/支出)."""
    _code_checks(rows, columns, tolerance, checks)
    # uncoded items ("一、…", projects); tracked by row index, rows are compared by identity
    plain = {r.index for r in rows if not r.code and not _is_total_row(r) and not is_part(r.label)}
    for i, row in enumerate(rows):
        if row.index in plain:
            kids = _outline_children(rows, i)
            if kids:
                check = _compare(row, kids, columns, tolerance, "sum of items")
                if check:
                    checks.setdefault(row.index, []).append(check)
    previous_total: Row | None = None
    start = 0
    for i, row in enumerate(rows):
        if not _is_total_row(row):
            continue
        label = squeeze(row.label)
        groups: list[tuple[str, list[Row]]] = []
        if label.endswith("小计"):
            pass  # a 小计 row's scope (rows above or below) is not written down; row rules only
        elif previous_total is not None and not label.endswith("合计"):
            # "收入总计" = "本年收入合计" + the items after it ("上年结转结余")
            between = [r for r in rows[start:i] if r.index in plain]
            groups.append(("sum of the total above and items", [previous_total, *between]))
        else:
            # a 合计 at the top of a table sums the rows below it; one at the bottom the rows above
            above = [r for r in rows[start:i] if not _is_total_row(r)]
            scope = above or [r for r in rows[i + 1 :] if not _is_total_row(r)]
            for kind in dict.fromkeys(r.code_kind for r in scope if r.code_kind):
                groups.append((f"sum of top {kind} rows", _roots(scope, kind)))
            items = [r for r in scope if r.index in plain]
            if items:
                top = min(_outline_level(r.label) for r in items)
                groups.append(("sum of items", [r for r in items if _outline_level(r.label) == top]))
        for what, addends in groups:
            check = _compare(row, addends, columns, tolerance, what) if addends else None
            if check:
                checks.setdefault(row.index, []).append(check)
        if groups:
            previous_total, start = row, i + 1


def verify_table(table: Table, tolerance: float = 0.011) -> Table:
    """Check row sums and column sums and record the outcome on each row.

    Args:
        table: a parsed table, amounts in 万元.
        tolerance: allowed difference for a sum of one or two figures; it grows with the
            number of addends because every figure is rounded on its own.

    Returns:
        A copy whose rows have `verified` True (every applicable check holds), False (one
        fails; `note` gives both figures) or None (nothing to check).
    """
    checks: dict[int, list[_Check]] = {}
    rules = sum_rules(table.columns)
    for row in table.rows:
        values = _values(row)
        for total, addends in rules:
            present = [values[a] for a in addends if a in values]
            if total not in values and not present:
                continue
            got, want = sum(present), values.get(total, 0.0)
            ok = abs(got - want) <= _tol(tolerance, len(present))
            note = "" if ok else f"{total} {_fmt(want)} ≠ {' + '.join(addends)} = {_fmt(got)}"
            checks.setdefault(row.index, []).append(_Check(ok, note))
    sides = {r.category for r in table.rows if r.category in _SIDES}
    groups = [[r for r in table.rows if r.category == s] for s in sorted(sides)] or [table.rows]
    for group in groups:
        _group_checks(group, table.columns, tolerance, checks)
    rows = []
    for row in table.rows:
        found = checks.get(row.index)
        if not found:
            rows.append(row.model_copy(update={"verified": None}))
            continue
        failed = [c.note for c in found if not c.ok]
        note = "; ".join(failed) if failed else row.note
        rows.append(row.model_copy(update={"verified": not failed, "note": note}))
    return table.model_copy(update={"rows": rows})
