"""Rows of flattened tables: rejoin wrapped lines into rows, then put numbers back into columns.

A flattened row's numbers appear in column order, but empty cells vanished. `solve` enumerates
the order-preserving placements of each row's numbers that satisfy the row's sum rules, then
searches the table for the combination in which every column also adds up (total row = sum of
its member rows). A row is placed only when every solution agrees on its placement.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from indexer.records import Cell
from indexer.text import normalise, parse_number, squeeze, to_wan

_AMOUNT = re.compile(r"^-?\d[\d,]*\.\d+$")
_FOOTER = re.compile(r"^[-－—]\s*\d+\s*[-－—]$")
_NOTE = re.compile(r"^(注|备注|说明)\s*[:：]")
_TOTAL_START = ("合计", "总计")
_NODES = 400_000  # search budget per table
_CHECKS_PER_NODE = 8  # group sum checks allowed per search step, on average (the corpus needs < 9)
_MAX_SOLUTIONS = 2000


def is_amount(token: str) -> bool:
    return bool(_AMOUNT.match(normalise(token)))


def is_footer(line: str) -> bool:
    return bool(_FOOTER.match(normalise(line)))


def is_note(line: str) -> bool:
    return bool(_NOTE.match(normalise(line)))


def tolerance(addends: int) -> float:
    """Each figure is rounded to 0.01, so the error may grow by 0.005 per addend."""
    return max(0.011, 0.0051 * (addends + 1))


@dataclass
class RawRow:
    """One table row as read from the lines, before its numbers are placed."""

    line: int
    codes: list[str] = field(default_factory=list)  # code groups joined: "2010301", "30102"
    fields: list[list[str]] = field(default_factory=lambda: [[]])  # text before/after 2nd code
    numbers: list[tuple[str, int]] = field(default_factory=list)  # (text, line)
    total: bool = False

    def text(self, i: int = 0) -> str:
        return squeeze("".join(self.fields[i])) if i < len(self.fields) else ""


def _code_at(tokens: list[str]) -> tuple[str, int] | None:
    """Return (joined code, tokens used) if the tokens start with a code ("201 03 01", "30102")."""
    if not tokens or not tokens[0].isdigit():
        return None
    first = tokens[0]
    if len(first) == 3:
        used = 1
        while used < len(tokens) and used < 3 and len(tokens[used]) == 2 and tokens[used].isdigit():
            used += 1
        return "".join(tokens[:used]), used
    if len(first) in (5, 6, 7):
        return first, 1
    return None


def data_start(tokens: list[str], categories: list[str]) -> bool:
    """True when a line begins the data part of a table (a total, a number, a code, a category)."""
    if not tokens:
        return False
    head = squeeze("".join(tokens))
    if head.startswith(_TOTAL_START) and any(is_amount(t) for t in tokens):
        return True
    return all(is_amount(t) for t in tokens) or _code_at(tokens) is not None or _is_category(
        head, categories)


def _is_category(head: str, categories: list[str]) -> bool:
    return any(head.startswith(c[:4]) for c in categories)


def _add_text(row: RawRow, tokens: list[str], second_code: bool) -> None:
    """Add text tokens to a row; a code after text opens the second code column."""
    i = 0
    while i < len(tokens):
        code = _code_at(tokens[i:]) if second_code and len(row.codes) == 1 else None
        if code and (row.text(0) or len(row.fields[0]) > 0):
            row.codes.append(code[0])
            row.fields.append([])
            i += code[1]
            continue
        row.fields[-1].append(tokens[i])
        i += 1


def _continue(row: RawRow, tokens: list[str]) -> None:
    """Text after a row's numbers (a wrapped cell that spilled past them): append to its fields."""
    if len(row.fields) > 1 and len(tokens) == len(row.fields):
        for f, t in zip(row.fields, tokens):
            f.append(t)
    else:
        row.fields[-1].extend(tokens)


def assemble_rows(numbered: list[tuple[int, str]], categories: list[str],
                  second_code: bool) -> tuple[list[RawRow], list[str]]:
    """Rejoin the data lines of a one-sided table into rows.

    Args:
        numbered: (1-based line number, line) pairs of the table's data part.
        categories: text values that start a row (项目类型 such as "其他运转类").
        second_code: the table has a second code column (政府预算经济分类).

    Returns:
        The rows, and the note lines found after the data.
    """
    rows: list[RawRow] = []
    cur: RawRow | None = None
    pending: list[tuple[list[str], int]] = []
    notes: list[str] = []
    for no, line in numbered:
        s = line.strip()
        if not s or is_footer(s):
            continue
        if notes or is_note(s):
            notes.append(s)
            continue
        tokens = s.split()
        k = len(tokens)
        while k > 0 and is_amount(tokens[k - 1]):
            k -= 1
        head, nums = tokens[:k], tokens[k:]
        joined = squeeze("".join(head))
        code = _code_at(head)
        starts = bool(head) and (code is not None or joined.startswith(_TOTAL_START)
                                 or _is_category(joined, categories))
        if starts and code and cur and not cur.numbers and second_code and len(cur.codes) == 1 \
                and cur.text(0):
            starts = False  # the 政府预算经济分类 code of the row being read
        if starts:
            if pending and rows:
                for toks, _ in pending:
                    _continue(rows[-1], toks)
            pending = []
            cur = RawRow(line=no, total=joined.startswith(_TOTAL_START) and not code)
            rows.append(cur)
            if code:
                cur.codes.append(code[0])
                head = head[code[1]:]
            _add_text(cur, head, second_code)
        elif head:
            if cur is None or cur.numbers:
                pending.append((head, no))
            else:
                _add_text(cur, head, second_code)
        if nums:
            if cur is None or cur.numbers:
                cur = RawRow(line=pending[0][1] if pending else no)
                for toks, _ in pending:
                    _add_text(cur, toks, second_code)
                pending = []
                rows.append(cur)
            cur.numbers.extend((t, no) for t in nums)
    if pending and rows:
        for toks, _ in pending:
            _continue(rows[-1], toks)
    return rows, notes


# --------------------------------------------------------------------------- placing numbers


@dataclass
class Problem:
    """What the numbers of one table (or one side) must satisfy."""

    columns: list[str]
    eq_rules: list[tuple[int, list[int]]]  # column = sum of columns
    ge_rules: list[tuple[int, list[int]]]  # column ≥ sum of columns ("其中" parts)
    groups: list[tuple[int, list[int]]]  # row = sum of rows, in every column
    row_values: list[list[float]]  # each row's numbers, in order
    row_allowed: list[list[bool] | None] = field(default_factory=list)  # columns a row may use
    row_fixed: list[dict[int, tuple[str, float]]] = field(default_factory=list)  # anchors


def _row_ok(vals: dict[int, float], problem: Problem, fixed: dict[int, tuple[str, float]]) -> bool:
    for total, parts in problem.eq_rules:
        present = [vals[p] for p in parts if p in vals]
        if abs(vals.get(total, 0.0) - sum(present)) > tolerance(len(present)):
            return False
    for total, parts in problem.ge_rules:
        if sum(vals.get(p, 0.0) for p in parts) - vals.get(total, 0.0) > 0.011:
            return False
    for col, (op, want) in fixed.items():
        got = vals.get(col, 0.0)
        if op == "eq" and abs(got - want) > tolerance(2):
            return False
        if op == "le" and got - want > tolerance(2):
            return False
        if op == "ge" and want - got > tolerance(2):
            return False
    return True


def candidates(problem: Problem, r: int) -> list[tuple[int, ...]]:
    """Order-preserving placements of row r's numbers that satisfy its own sum rules."""
    values = problem.row_values[r]
    allowed = problem.row_allowed[r] if problem.row_allowed else None
    fixed = problem.row_fixed[r] if problem.row_fixed else {}
    out = []
    for combo in itertools.combinations(range(len(problem.columns)), len(values)):
        if allowed and not all(allowed[c] for c in combo[1:]):
            continue
        if _row_ok(dict(zip(combo, values)), problem, fixed):
            out.append(combo)
    return out


class Search:
    """The state of one table's search: each group's running column sums over its placed
    members. A placement is checked before it is made, on the groups it belongs to only (every
    other group is as it was when last checked) and, in a group still incomplete, on the
    columns it fills only (the others passed when the group was last checked)."""

    def __init__(self, problem: Problem) -> None:
        self.m = len(problem.columns)
        self.groups = problem.groups
        self.values = problem.row_values
        self.nonneg = all(v >= 0 for vals in problem.row_values for v in vals)
        self.tol = [tolerance(len(members)) for _, members in problem.groups]
        self.size = [len(members) for _, members in problem.groups]
        self.sums = [[0.0] * self.m for _ in problem.groups]
        self.placed = [0] * len(problem.groups)  # members placed, counted as often as listed
        rows = len(problem.row_values)
        self.member_of: list[dict[int, int]] = [{} for _ in range(rows)]  # group → times listed
        self.parent_of: list[list[int]] = [[] for _ in range(rows)]
        for g, (parent, members) in enumerate(problem.groups):
            self.parent_of[parent].append(g)
            for r in members:
                self.member_of[r][g] = self.member_of[r].get(g, 0) + 1
        self.chosen: dict[int, tuple[int, ...]] = {}
        self.dense: dict[int, list[float]] = {}  # chosen placements of group totals, per column
        self.checks = 0

    def _added(self, g: int, r: int, pairs: list[tuple[int, float]]) -> dict[int, float]:
        """Group g's sums in the columns row r would fill, were it placed so."""
        new = {}
        for c, v in pairs:
            value = self.sums[g][c]
            for _ in range(self.member_of[r][g]):  # added as often as listed, as `push` does
                value += v
            new[c] = value
        return new

    def _holds(self, g: int, complete: bool, want: list[float], new: dict[int, float],
               every_column: bool) -> bool:
        self.checks += 1
        got, tol = self.sums[g], self.tol[g]
        columns = range(self.m) if every_column else new
        for c in columns:
            value = new.get(c, got[c])
            if (abs(value - want[c]) if complete else value - want[c]) > tol:
                return False
        return True

    def fits(self, r: int, combo: tuple[int, ...]) -> bool:
        """Whether placing row r so keeps every group it belongs to adding up."""
        pairs = list(zip(combo, self.values[r]))
        for g, times in self.member_of[r].items():
            parent = self.groups[g][0]
            if parent == r or parent not in self.chosen:
                continue
            complete = self.placed[g] + times == self.size[g]
            if not complete and not self.nonneg:
                continue
            if not self._holds(g, complete, self.dense[parent], self._added(g, r, pairs), complete):
                return False
        if self.parent_of[r]:
            want = [0.0] * self.m
            for c, v in pairs:
                want[c] = v
            for g in self.parent_of[r]:
                times = self.member_of[r].get(g, 0)
                complete = self.placed[g] + times == self.size[g]
                if not complete and not self.nonneg:
                    continue
                new = self._added(g, r, pairs) if times else {}
                if not self._holds(g, complete, want, new, True):
                    return False
        return True

    def push(self, r: int, combo: tuple[int, ...]) -> list[tuple[int, list[float]]]:
        """Place row r; return what `pop` needs to restore the sums exactly (no float drift)."""
        self.chosen[r] = combo
        if self.parent_of[r]:
            want = [0.0] * self.m
            for c, v in zip(combo, self.values[r]):
                want[c] = v
            self.dense[r] = want
        saved = []
        for g, times in self.member_of[r].items():
            saved.append((g, list(self.sums[g])))
            row = self.sums[g]
            for c, v in zip(combo, self.values[r]):
                for _ in range(times):
                    row[c] += v
            self.placed[g] += times
        return saved

    def pop(self, r: int, saved: list[tuple[int, list[float]]]) -> None:
        for g, times in self.member_of[r].items():
            self.placed[g] -= times
        for g, sums in saved:
            self.sums[g] = sums
        del self.chosen[r]
        self.dense.pop(r, None)


class Outcome(NamedTuple):
    """What the search of one table found."""

    cands: list[list[tuple[int, ...]]]  # each row's placements by its own row rules
    used: list[set[tuple[int, ...]]]  # each row's placements in some full solution
    finished: bool
    limit: str | None = None  # what stopped it unfinished, in words for the table's warning


def solve(problem: Problem, budget: int | None = None) -> Outcome:
    """Search the placements of all rows for those where every column adds up.

    Args:
        problem: the table's numbers and rules.
        budget: search steps allowed (default `_NODES`); the sum checks are bounded in
            proportion (`_CHECKS_PER_NODE` each). Past either the search stops unfinished.

    Returns:
        Each row's candidates (row rules only), each row's placements used by some full
        solution (empty sets when none exists), whether the search finished, and if not why.
    """
    cands = [candidates(problem, r) for r in range(len(problem.row_values))]
    n = len(cands)
    used: list[set[tuple[int, ...]]] = [set() for _ in range(n)]
    if any(not c for c in cands):
        return Outcome(cands, used, True)
    parents = {g[0] for g in problem.groups}
    order = sorted(range(n), key=lambda r: (r not in parents, len(cands[r])))
    nodes_left = _NODES if budget is None else budget
    checks_left = nodes_left * _CHECKS_PER_NODE
    state = Search(problem)
    nodes = solutions = 0
    limit: str | None = None

    def search(k: int) -> None:
        nonlocal nodes, solutions, limit
        if limit is not None:
            return
        if solutions >= _MAX_SOLUTIONS:
            limit = f"可能组合超过{_MAX_SOLUTIONS}种"  # uniqueness not proven
            return
        nodes += 1
        if nodes > nodes_left or state.checks > checks_left:
            limit = f"推算步数达到上限（{nodes_left:,}步）"
            return
        if k == n:
            # every group was checked complete when its last row was placed: a solution
            solutions += 1
            for r, combo in state.chosen.items():
                used[r].add(combo)
            return
        r = order[k]
        for combo in cands[r]:
            if state.fits(r, combo):
                saved = state.push(r, combo)
                search(k + 1)
                state.pop(r, saved)

    search(0)
    return Outcome(cands, used, limit is None, limit)


def parse_values(numbers: list[tuple[str, int]]) -> list[float]:
    return [parse_number(t) or 0.0 for t, _ in numbers]


Placed = tuple[dict[int, int], bool | None, str | None]  # number index → column, verified, note


def place(problem: Problem, numbers: list[list[tuple[str, int]]],
          budget: int | None = None) -> tuple[list[Placed], str | None]:
    """Solve a table.

    Returns:
        Per row: number index → column, verified, note; and, when the search stopped before
        proving the placements unique, what stopped it (for the table's warning).
    """
    cands, used, finished, limit = solve(problem, budget)
    solved = finished and all(used[r] for r in range(len(cands)) if cands[r])
    out: list[Placed] = []
    for r, nums in enumerate(numbers):
        values = " ".join(t for t, _ in nums)
        if not nums:
            out.append(({}, None, None))
        elif not cands[r]:
            out.append(({0: 0}, False, f"no placement of the numbers {values} satisfies the row sums; "
                                      "only the first (the row total) is kept"))
        elif solved and len(used[r]) == 1:
            out.append((dict(enumerate(next(iter(used[r])))), True, None))
        elif not solved and len(cands[r]) == 1:
            out.append((dict(enumerate(cands[r][0])), True, None))
        else:
            options = used[r] if solved and used[r] else set(cands[r])
            agreed = {j: cols.pop() for j in range(len(nums))
                      if len(cols := {o[j] for o in options}) == 1}
            why = "column sums allow" if solved else "row sums allow (column sums do not close)"
            out.append((agreed, False, f"ambiguous: {why} {len(options)} placements of {values}; "
                                       "only the numbers every placement agrees on are kept"))
    if not solved and finished:
        for parent, members in problem.groups:
            if any(len(cands[r]) != 1 for r in [parent, *members]):
                continue
            sums = [0.0] * len(problem.columns)
            for r in members:
                for c, v in zip(cands[r][0], problem.row_values[r]):
                    sums[c] += v
            want = [0.0] * len(problem.columns)
            for c, v in zip(cands[parent][0], problem.row_values[parent]):
                want[c] = v
            bad = [f"{problem.columns[c]} {want[c]:.2f} ≠ {sums[c]:.2f}" for c in range(len(sums))
                   if abs(sums[c] - want[c]) > tolerance(len(members))]
            if bad:
                cols, _, _ = out[parent]
                out[parent] = (cols, False, "column sums do not close: " + "; ".join(bad))
    elif not finished:
        for r, (cols, ok, note) in enumerate(out):
            if ok and len(cands[r]) > 1:
                out[r] = (cols, False, "search limit reached; placement not proven unique")
    return out, limit


def make_cells(nums: list[tuple[str, int]], placed: dict[int, int], columns: list[str],
               unit: str) -> list[Cell]:
    cells = []
    for j, col in sorted(placed.items(), key=lambda kv: kv[1]):
        text, line = nums[j]
        value = float(normalise(text).replace(",", ""))
        cells.append(Cell(column=columns[col], value=to_wan(value, unit), text=text, unit=unit, line=line))
    return cells
