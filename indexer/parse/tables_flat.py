"""Parse the tables of a flattened PDF text: columns from templates, numbers placed by arithmetic.

Flattened text lost the table grid: header words are broken over many lines and empty cells
vanished. The column paths come from `table_templates.json` (the national 部门预算公开 table kinds),
picked by matching the squeezed header text; the numbers of each row are put back into columns by
the sum rules (`tables_flat_rows.solve`). Rows that the sums cannot place are kept, marked
unverified, and reported.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from indexer.parse.layout import TableSpan
from indexer.records import Row, Table
from indexer.parse.tables_flat_rows import (Problem, RawRow, assemble_rows, data_start, is_footer,
                                      is_note, make_cells, parse_values, place)
from indexer.text import amount_unit, normalise, squeeze, stable_id

try:  # the shared checker, when present, owns the row rules and the final marking
    from indexer.parse.verify import sum_rules, verify_table
except ImportError:  # pragma: no cover
    sum_rules = None  # type: ignore[assignment]
    verify_table = None  # type: ignore[assignment]

TEMPLATES = Path(__file__).with_name("table_templates.json")
_SKIP_TITLE = "绩效目标"
_ENUM = re.compile(r"^([一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))")
_NUM_IN_LINE = re.compile(r"-?\d[\d,]*\.\d+")


@lru_cache(maxsize=1)
def templates() -> dict:
    return json.loads(TEMPLATES.read_text(encoding="utf-8"))


def kind_for(title: str) -> dict | None:
    """Return the template kind whose title words best (longest) match the table title."""
    t = normalise(squeeze(title))
    best, size = None, 0
    for kind in templates()["kinds"]:
        for word in kind["titles"]:
            w = normalise(word)
            if w in t and len(w) > size:
                best, size = kind, len(w)
    return best


def choose_columns(variants: list[list[str]], header: str, widest_row: int) -> list[str]:
    """Pick the variant whose header words best match the header text and fit every row."""
    text = normalise(header)

    def score(cols: list[str]) -> tuple[float, int]:
        words = {normalise(p) for c in cols for p in c.split("/")}
        hit = sum(1 for w in words if w in text)
        return hit - 0.5 * (len(words) - hit), len(cols)

    fitting = [v for v in variants if len(v) >= widest_row] or variants
    return max(fitting, key=score)


def rule_indices(columns: list[str]) -> tuple[list[tuple[int, list[int]]], list[tuple[int, list[int]]]]:
    """Equality rules (from verify.sum_rules) and "其中 ≤ its total" rules, as column indices."""
    index = {c: i for i, c in enumerate(columns)}
    eq = [(index[t], [index[a] for a in adds]) for t, adds in (sum_rules(columns) if sum_rules else [])]
    ge = []
    for c in columns:
        parts = c.split("/")
        if parts[-1].startswith("其中"):
            for total in ("小计", "合计"):
                parent = "/".join(parts[:-1] + [total])
                if parent in index:
                    ge.append((index[parent], [index[c]]))
    return eq, ge


def _key_value(key: str, context: dict[str, float]) -> float | None:
    sign, key = (-1.0, key[1:]) if key.startswith("-") else (1.0, key)
    if key in context:
        return sign * context[key]
    if key.split("/")[0] + "/*" in context:
        return 0.0  # absent from a complete table read before: nothing there
    return None


def anchors_for(kind: dict, title: str, columns: list[str],
                context: dict[str, float]) -> dict[int, tuple[str, float]]:
    """Values the table's total row must equal (or stay within), known from tables read before."""
    rules = [a for a in kind.get("anchors", []) if a.get("title", title) in title]
    dec = kind.get("decompose")
    if dec and title in dec["parts"] and all(context.get(k) == 0 for k in dec["zero_keys"]):
        # 部门 = 一般公共预算 + 政府性基金 + 国有资本经营 when no other funds exist
        others = [p for p in dec["parts"] if p != title]
        rules += [{"column": c, "op": "eq", "keys": [f"{dec['whole']}/{c}"] + [f"-{o}/{c}" for o in others]}
                  for c in columns]
    fixed = {}
    for a in rules:
        if a["column"] not in columns:
            continue
        values = [_key_value(k, context) for k in a["keys"]]
        if all(v is not None for v in values):
            fixed[columns.index(a["column"])] = (a["op"], sum(values))  # type: ignore[arg-type]
    return fixed


# --------------------------------------------------------------------------- one-sided tables


def _code_kind(code: str | None, kind: dict) -> str | None:
    if not code:
        return None
    allowed = kind.get("codes", [])
    if len(code) == 7:
        return "功能分类"
    if len(code) == 5:
        return "经济分类"
    if len(code) in (3, 6):
        return "单位" if "单位" in allowed or not allowed else allowed[0]
    return None


def _finish_raw(raw: RawRow, kind: dict, units: list[str]) -> dict:
    """Turn a raw row into label, code, category and extra text columns."""
    code = raw.codes[0] if raw.codes else None
    info = {"code": code, "code_kind": _code_kind(code, kind), "category": None, "extra": {},
            "label": raw.text(0), "note": None}
    second = kind.get("second_code")
    if second and len(raw.codes) > 1:
        info["extra"] = {second[0]: raw.codes[1], second[1]: raw.text(1)}
    categories = kind.get("categories", [])
    blob = info["label"]
    for cat in categories:
        if blob.startswith(cat):
            info["category"], blob = cat, blob[len(cat):]
            unit = max((u for u in units if blob.endswith(u) and len(blob) > len(u)), key=len, default=None)
            if unit:
                info["extra"] = {kind["text_columns"][-1]: unit}
                blob = blob[: -len(unit)]
            else:
                info["note"] = "project unit not recognised; label holds name and unit"
            info["label"] = blob
    return info


def parse_grid(doc_id: str, lines: list[str], span: TableSpan, kind: dict,
               context: dict[str, float], units: list[str]) -> Table:
    """Parse a one-sided table (codes and labels on the left, numeric columns on the right)."""
    categories = kind.get("categories", [])
    body = [(no, lines[no - 1]) for no in range(span.title_line + 1, span.line_end + 1)]
    unit = next((u for _, l in body if (u := amount_unit(l))), "万元")
    start = next((i for i, (_, l) in enumerate(body)
                  if data_start(l.split(), categories) or is_note(l.strip())), len(body))
    header = "".join(squeeze(l) for _, l in body[:start] if "单位" not in l or "名称" not in l)
    raws, notes = assemble_rows(body[start:], categories, bool(kind.get("second_code")))
    widest = max((len(r.numbers) for r in raws), default=0)
    columns = choose_columns([v["columns"] for v in kind["variants"]], header, widest)
    infos = [_finish_raw(r, kind, units) for r in raws]
    for info in infos:
        if info["code_kind"] == "单位" and info["label"] not in units:
            units.append(info["label"])
    total = next((i for i, r in enumerate(raws) if r.total or (i == 0 and not r.codes and not r.text(0))), None)
    values = [parse_values(r.numbers) for r in raws]
    roles = []
    for i, (r, info) in enumerate(zip(raws, infos)):
        if i == total:
            roles.append("total")
        elif info["code_kind"] == "单位" or (not r.codes and info["label"] in units) or (
                total is not None and i == total + 1 and not r.codes and values[i] == values[total]):
            roles.append("unit")
        else:
            roles.append("leaf")
    codes = [info["code"] for info in infos]
    groups = []
    if total is not None:
        leaves = [i for i, role in enumerate(roles) if role == "leaf" and raws[i].numbers and not any(
            c and codes[i] and c != codes[i] and c.startswith(codes[i]) for c in codes)]
        if leaves:
            groups.append((total, leaves))
        for size in sorted({len(codes[i] or "") for i, role in enumerate(roles) if role == "unit"}):
            members = [i for i, role in enumerate(roles) if role == "unit" and len(codes[i] or "") == size]
            groups.append((total, members))
    eq, ge = rule_indices(columns)
    allowed = []
    for info in infos:
        rules = kind.get("column_codes", {})
        if info["code_kind"] == "经济分类" and rules:
            allowed.append([not (c in rules and not info["code"].startswith(tuple(rules[c]))) for c in columns])
        else:
            allowed.append(None)
    fixed = [anchors_for(kind, span.title, columns, context) if i == total else {} for i in range(len(raws))]
    problem = Problem(columns, eq, ge, groups, values, allowed, fixed)
    placed, limit = place(problem, [r.numbers for r in raws])
    rows = []
    for i, (r, info, (cols, ok, note)) in enumerate(zip(raws, infos, placed)):
        label = info["label"] or ("合计" if i == total else "")
        if i == total and not r.text(0):
            note = "; ".join(filter(None, [note, "label not printed; the first row is the table total"]))
        if roles[i] == "unit" and not r.codes:
            note = "; ".join(filter(None, [note, "unit row printed without its code"]))
        rows.append(Row(index=i, label=label, code=info["code"], code_kind=info["code_kind"],
                        category=info["category"], extra=info["extra"],
                        cells=make_cells(r.numbers, cols, columns, unit), is_total=i == total,
                        verified=ok, note="; ".join(filter(None, [note, info["note"]])) or None,
                        line=r.line))
    empty = next((normalise(n) for n in notes if "无数据" in n), None)
    _remember(kind, span.title, columns, rows, context, empty is not None or not rows)
    text_columns = list(kind.get("text_columns", []))
    table = _table(doc_id, span, unit, columns, text_columns, rows, empty)
    return _with_limit(table, [limit], placed)


def _remember(kind: dict, title: str, columns: list[str], rows: list[Row],
              context: dict[str, float], empty: bool) -> None:
    """Record what later tables can be checked against (totals by column, by 经济分类 code)."""
    def total_of(row_filter, col):
        return sum(c.value or 0.0 for r in rows if row_filter(r) for c in r.cells if c.column == col)

    if kind.get("context_column") in columns:
        context["经济分类/*"] = 1.0
        for code in {r.code for r in rows if r.code_kind == "经济分类"}:
            context[f"经济分类/{code}"] = total_of(lambda r: r.code == code, kind["context_column"])
    if kind.get("context_prefixes") and any(r.verified for r in rows):
        context["基本支出/*"] = 1.0
        for prefix in kind["context_prefixes"]:
            context[f"基本支出/{prefix}"] = total_of(
                lambda r: r.code_kind == "经济分类" and (r.code or "").startswith(prefix), columns[0])
    if kind.get("decompose") or kind.get("remember_total"):
        total = next((r for r in rows if r.is_total), None)
        if (total is not None and total.verified) or empty:
            for col in columns:
                context[f"{kind['kind'] if kind.get('remember_total') else title}/{col}"] = total_of(
                    lambda r: r is total, col)


def _table(doc_id, span, unit, columns, text_columns, rows, empty) -> Table:
    return Table(table_id=stable_id(doc_id, span.title, span.line_start), doc_id=doc_id,
                 number=span.number, title=span.title, unit=unit, columns=columns,
                 text_columns=text_columns, rows=rows, empty_note=empty,
                 line_start=span.line_start, line_end=span.line_end)

# --------------------------------------------------------------------------- two-sided tables


def _core(label: str) -> str:
    return _ENUM.sub("", normalise(squeeze(label)))


def _split_sides(text: str, left_labels: list[str]) -> tuple[str | None, str | None]:
    """Split a label run into (left label, right label) using the template's income labels."""
    t = normalise(squeeze(text))
    enum = _ENUM.match(t)
    core = t[enum.end():] if enum else t
    for label in sorted((normalise(l) for l in left_labels), key=len, reverse=True):
        if core == label:
            return t, None
        if core.startswith(label):
            return t[: len(t) - len(core) + len(label)], t[len(t) - len(core) + len(label):]
    return None, t


def _level(label: str) -> str:
    t = normalise(squeeze(label))
    if t.startswith("其中"):
        return "part"
    if re.match(r"^[一二三四五六七八九十]+、", t):
        return "1"
    if re.match(r"^\([一二三四五六七八九十]+\)", t):
        return "2"
    if t.endswith(("合计", "总计")):
        return "total"
    return "0"


def outline_groups(labels: list[str]) -> list[tuple[int, list[int]]]:
    """Parent = sum of its (一) items; a total = the total above it plus the items since."""
    levels = [_level(l) for l in labels]
    groups = []
    for i, lv in enumerate(levels):
        if lv != "1":
            continue
        kids = []
        for j in range(i + 1, len(levels)):
            if levels[j] in ("1", "0", "total"):
                break
            if levels[j] == "2":
                kids.append(j)
        if kids:
            groups.append((i, kids))
    previous, since = None, 0
    for i, lv in enumerate(levels):
        if lv != "total":
            continue
        members = ([previous] if previous is not None else []) + [
            j for j in range(since, i) if levels[j] in ("1", "0")]
        if members:
            groups.append((i, members))
        previous, since = i, i + 1
    return groups


def _read_sides(body: list[tuple[int, str]], left_labels: list[str]) -> tuple[list[dict], list[dict], list[str]]:
    left: list[dict] = []
    right: list[dict] = []
    notes: list[str] = []
    for no, line in body:
        s = line.strip()
        if not s or is_footer(s):
            continue
        if notes or is_note(s):
            notes.append(s)
            continue
        segs: list[tuple[str, list]] = []
        pos = 0
        for m in _NUM_IN_LINE.finditer(s):
            if s[pos:m.start()].strip():
                segs.append((s[pos:m.start()].strip(), []))
            elif not segs:
                segs.append(("", []))
            segs[-1][1].append((m.group(), no))
            pos = m.end()
        if s[pos:].strip():
            segs.append((s[pos:].strip(), []))
        texts = [t for t, _ in segs]
        if len(segs) >= 2 and texts[0]:
            left.append({"label": squeeze(texts[0]), "numbers": segs[0][1], "line": no})
            right.append({"label": squeeze("".join(texts[1:])), "numbers": [n for _, ns in segs[1:] for n in ns], "line": no})
            continue
        text, nums = segs[0]
        lpart, rpart = _split_sides(text, left_labels)
        if lpart and not rpart:
            left.append({"label": lpart, "numbers": nums, "line": no})
        elif lpart:
            left.append({"label": lpart, "numbers": [], "line": no})
            right.append({"label": rpart, "numbers": nums, "line": no})
        elif right and _level(text) == "0" and not right[-1]["numbers"] and not nums:
            right[-1]["label"] += squeeze(text)  # a wrapped right-hand label
        else:
            right.append({"label": squeeze(text), "numbers": nums, "line": no})
    return left, right, notes


def _fund_keys(left: list[dict], context: dict[str, float]) -> None:
    """Record the labelled income amounts (本年收入/一般公共预算, 上年结转/政府性基金 …)."""
    section = "本年收入"
    for entry in left:
        core = _core(entry["label"])
        value = float(entry["numbers"][0][0].replace(",", "")) if entry["numbers"] else 0.0
        if "上年结转" in core:
            context.setdefault("上年结转/合计", value)
            section = "上年结转"
            continue
        if "本年收入" in core and _level(entry["label"]) != "total":
            section = "本年收入"
            continue
        if _level(entry["label"]) in ("part", "total"):
            continue
        for word, fund in templates()["fund_labels"]:
            if word in core:
                context.setdefault(f"{section}/{fund}", value)
                break


def parse_two_sided(doc_id: str, lines: list[str], span: TableSpan, kind: dict,
                    context: dict[str, float]) -> Table:
    """Parse a 收入 | 支出 table: one row per side entry, columns "收入/…" and "支出/…"."""
    body = [(no, lines[no - 1]) for no in range(span.title_line + 1, span.line_end + 1)]
    unit = next((u for _, l in body if (u := amount_unit(l))), "万元")
    start = next((i for i, (_, l) in enumerate(body) if re.match(r"^一、", normalise(squeeze(l)))), len(body))
    header = "".join(squeeze(l) for _, l in body[:start])
    left, right, notes = _read_sides(body[start:], kind["left_labels"])
    widest = max((len(e["numbers"]) for e in right), default=0)
    variant = max(kind["variants"], key=lambda v: (len(v["right"]) >= widest, sum(
        normalise(p) in normalise(header) for c in v["right"] for p in c.split("/")[1:])))
    _fund_keys(left, context)
    rows: list[Row] = []
    totals = {}
    limits: list[str | None] = []
    unproven: list = []
    for side, entries, columns in (("收入", left, variant["left"]), ("支出", right, variant["right"])):
        labels = [e["label"] for e in entries]
        eq, ge = rule_indices(columns)
        values = [parse_values(e["numbers"]) for e in entries]
        total = max((i for i, l in enumerate(labels) if _level(l) == "total"), default=None)
        fixed = [anchors_for(kind, span.title, columns, context) if i == total else {} for i in range(len(entries))]
        problem = Problem(columns, eq, ge, outline_groups(labels), values, [None] * len(entries), fixed)
        placed, limit = place(problem, [e["numbers"] for e in entries])
        limits.append(limit)
        unproven += [p for p in placed if p[1] is False]
        for i, (e, (cols, ok, note)) in enumerate(zip(entries, placed)):
            cells = make_cells(e["numbers"], cols, columns, unit)
            in_group = any(i == p or i in ms for p, ms in problem.groups)
            if ok and len(columns) == 1 and not in_group:
                ok = None  # a lone amount that no sum covers
            rows.append(Row(index=0, label=e["label"], category=side, cells=cells,
                            is_total=_level(e["label"]) == "total", verified=ok, note=note, line=e["line"]))
        if total is not None and rows[-len(entries) + total].cells:
            totals[side] = (len(rows) - len(entries) + total, rows[-len(entries) + total].cells[0].value)
    if len(totals) == 2 and abs(totals["收入"][1] - totals["支出"][1]) > 0.011:
        for idx, _ in totals.values():
            rows[idx] = rows[idx].model_copy(update={"verified": False, "note": (
                f"收入 {totals['收入'][1]:.2f} ≠ 支出 {totals['支出'][1]:.2f}")})
    rows.sort(key=lambda r: (r.line, r.category != "收入"))
    rows = [r.model_copy(update={"index": i}) for i, r in enumerate(rows)]
    empty = next((normalise(n) for n in notes if "无数据" in n), None)
    table = _table(doc_id, span, unit, variant["left"] + variant["right"], kind["text_columns"], rows, empty)
    return _with_limit(table, limits, unproven)


def _with_limit(table: Table, limits: list[str | None], placed: list) -> Table:
    """The table with a warning naming it when the search of its numbers' columns stopped at
    its budget: the rows it could not prove are kept, marked unverified."""
    reached = [x for x in limits if x]
    if not reached:
        return table
    unproven = sum(1 for _, ok, _ in placed if ok is False)
    name = f"{table.number} {table.title}" if table.number else table.title
    return table.model_copy(update={"warnings": [
        *table.warnings,
        f"{name}：数字归列的{reached[0]}，已停止；{unproven}行的列位置未能证明唯一，已标为未核实"]})



def parse_flat_tables(doc_id: str, lines: list[str], spans: list[TableSpan]) -> tuple[list[Table], list[str]]:
    """Parse every table of a flattened document except the 绩效目标 tables.

    Args:
        doc_id: the document's id, for table ids.
        lines: the document's lines (`text.split("\\n")`); line numbers are 1-based.
        spans: the tables found by `layout.find_tables`.

    Returns:
        The tables in document order, and warnings naming each table, line and the numbers of
        every row whose placement the sums could not prove.
    """
    context: dict[str, float] = {}
    units: list[str] = []
    wanted = [s for s in spans if _SKIP_TITLE not in s.title]
    kinds = {s: kind_for(s.title) for s in wanted}
    parsed: dict[TableSpan, Table] = {}
    # two-sided tables first: their labelled income lines anchor the other tables' totals
    order = sorted(wanted, key=lambda s: (kinds[s] or {}).get("layout") != "two_sided" and (
        kinds[s] or {}).get("order", 5))
    # a second pass lets each table use what every other table showed (e.g. empty fund tables)
    for span in order + [s for s in order if (kinds[s] or {}).get("layout") == "grid"]:
        kind = kinds[span]
        if kind is None:
            parsed[span] = _table(doc_id, span, "万元", [], [], [], None).model_copy(
                update={"warnings": ["no template for this table kind"]})
        elif kind["layout"] == "two_sided":
            parsed[span] = parse_two_sided(doc_id, lines, span, kind, context)
        else:
            parsed[span] = parse_grid(doc_id, lines, span, kind, context, units)
    tables, warnings = [], []
    for span in wanted:
        table = _final(parsed[span])
        tables.append(table)
        warnings.extend(table.warnings)
    return tables, warnings


def _final(table: Table) -> Table:
    """Combine the placement outcome with the shared checker's verdict, and list the warnings."""
    checked = verify_table(table) if verify_table else table
    rows = []
    for mine, theirs in zip(table.rows, checked.rows):
        verified, note = mine.verified, mine.note
        if mine.verified is False:
            if theirs.verified is False and theirs.note and theirs.note != mine.note:
                note = f"{mine.note}; {theirs.note}"
        elif theirs.verified is False:
            verified, note = False, theirs.note
        elif theirs.verified is True:
            verified = True
        rows.append(mine.model_copy(update={"verified": verified, "note": note}))
    warnings = list(table.warnings)
    for row in rows:
        if row.verified is False:
            warnings.append(f"{table.number or ''} {table.title} line {row.line} 「{row.label}」: "
                            f"{row.note}")
    return table.model_copy(update={"rows": rows, "warnings": warnings})
