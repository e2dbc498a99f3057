"""Parse the tab-separated tables of markdown-like exports into `Table` records.

The header is the run of tab lines before the first data row. Merged header cells come out as a
label followed by empty fields, and the export sometimes misplaces a header row (a leaf row
shifted under the code columns, a parent label repeated, a 合计 pushed one row down), so the
header tree is built from positions first and repaired from its structure second; data cells are
always read by position. Every table goes through `verify_table`, so a misplaced column shows up
as a failed sum instead of passing silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from indexer.parse.layout import TableSpan
from indexer.records import Cell, Row, Table
from indexer.text import amount_unit, normalise, parse_number, squeeze, stable_id, to_wan
from indexer.parse.verify import is_total_word, verify_table

# header labels of text columns (codes, names, types), never of amounts
_TEXT_HEADER = re.compile(r"编码|代码|名称|类型|类别|经济分类(科目)?$|^(类|款|项|项目|科目|项目单位|行次|栏次)$")
_CATEGORY_HEADER = re.compile(r"类型$|类别$")
_CODE = re.compile(r"^\d{2,9}$")
_TOTAL_LABELS = ("合计", "总计", "小计", "共计")
_SEPARATOR = re.compile(r"^[\s\t|:-]*-{3,}[\s\t|:-]*$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff（）“”、])\s+(?=[\u4e00-\u9fff（）“”、])")
_SIDES = ("收入", "支出")
_LINE_NUMBERS = ("行次", "栏次")
_PERCENT = re.compile(r"^([-−]?\d+(?:\.\d+)?)\s*%$")


@dataclass(eq=False)
class _Label:
    """One header cell: its text, where it starts, how many fields it spans."""

    row: int
    pos: int | None
    text: str
    width: int
    parent: _Label | None = None
    children: list[_Label] = field(default_factory=list)

    @property
    def is_text(self) -> bool:
        node: _Label | None = self
        while node is not None:
            if _TEXT_HEADER.search(node.text):
                return True
            node = node.parent
        return False

    def path(self) -> str:
        return self.text if self.parent is None else f"{self.parent.path()}/{self.text}"


def _clean_label(text: str) -> str:
    """Normalise a label and rejoin Chinese words the export broke with spaces."""
    return _CJK_GAP.sub("", normalise(text))


def _header_labels(rows: list[list[str]]) -> list[list[_Label]]:
    """Read each header row's labels; a label spans the empty fields after it (a merged cell)."""
    out = []
    for r, fields in enumerate(rows):
        filled = [(p, squeeze(normalise(f))) for p, f in enumerate(fields) if f.strip()]
        labels = []
        for k, (p, text) in enumerate(filled):
            end = filled[k + 1][0] if k + 1 < len(filled) else max(len(fields), p + 1)
            labels.append(_Label(r, p, text, end - p))
        out.append(labels)
    return out


def _covering(levels: list[list[_Label]], row: int, pos: int) -> _Label | None:
    """The nearest label above `row` whose merged span covers `pos`."""
    for r in range(row - 1, -1, -1):
        for label in levels[r]:
            if label.pos is not None and label.pos <= pos < label.pos + label.width:
                return label
    return None


def _attach(child: _Label, parent: _Label | None) -> None:
    child.parent = parent
    if parent is not None:
        parent.children.append(child)


def _build_tree(levels: list[list[_Label]]) -> list[_Label]:
    """Link header labels into a tree; fall back to reading order where positions are off."""
    for r in range(1, len(levels)):
        guesses = {id(lab): _covering(levels, r, lab.pos or 0) for lab in levels[r]}
        # an amount label under a code column or under a total is a shifted row: place the
        # amount labels of this row in order under the merged groups of the row above
        shifted = any(not lab.is_text and p is not None and (p.is_text or is_total_word(p.text))
                      for lab in levels[r] for p in [guesses[id(lab)]])
        groups = [g for g in levels[r - 1]
                  if g.width > 1 and not g.is_text and not is_total_word(g.text)]
        queue = [lab for lab in levels[r] if not _TEXT_HEADER.search(lab.text)] if shifted else []
        for group in groups:
            for k in range(group.width if group is not groups[-1] else len(queue)):
                if queue:
                    label = queue.pop(0)
                    label.pos = None if group.pos is None else group.pos + k
                    guesses[id(label)] = group
        for label in levels[r]:
            _attach(label, guesses[id(label)])
    return list(levels[0]) if levels else []


def _repair(roots: list[_Label], known: dict[str, list[str]], warnings: list[str]) -> None:
    """Undo the export's known header slips, using the tree's own structure."""
    for node in list(_walk(roots)):
        kids = node.children
        # a child repeating its parent's label is a vertical merge, not a column
        if kids and kids[0].text == node.text and not kids[0].children:
            dup = kids.pop(0)
            warnings.append(f"header label {node.path()} repeated under itself: dropped, "
                            "the labels after it moved left; later labels may be misplaced")
            for kid in kids:
                if kid.pos is not None and dup.pos is not None:
                    kid.pos -= dup.width
        totals = [k for k in kids if is_total_word(k.text)]
        parent = node.parent
        # two totals in one group: the first belongs to the parent that lacks one
        if len(totals) > 1 and parent and not any(is_total_word(k.text) for k in parent.children):
            kids.remove(totals[0])
            parent.children.insert(parent.children.index(node), totals[0])
            totals[0].parent = parent
            names = [k.text for k in kids]
            borrowed = known.get(node.text, [])
            if len(borrowed) > len(names) and borrowed[: len(names)] == names:
                for text in borrowed[len(names):]:
                    _attach(_Label(node.row + 1, None, text, 1), node)
                warnings.append(f"header of {node.path()} completed from another table: {borrowed}")
            elif node.width > len(kids):
                warnings.append(f"header of {node.path()} lacks {node.width - len(kids)} label(s)")


def _walk(nodes: list[_Label]) -> Iterator[_Label]:
    """Yield the labels depth-first, left to right."""
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _leaves(roots: list[_Label]) -> list[_Label]:
    """The labels without children, in column order: one per table column."""
    return [n for n in _walk(roots) if not n.children]


@dataclass
class _Header:
    columns: dict[int, str]  # data position -> numeric column path
    text: dict[int, str]  # data position -> text column path
    sides: dict[int, str]  # data position -> 收入/支出 for two-sided tables
    numeric_start: int


def _one_row_sides(roots: list[_Label]) -> _Header | None:
    """A two-sided table with one header row: "收入 | 本年预算数 | 支出 | 本年预算数" — each side's
    label column is headed by the side itself, its amounts by the words after it."""
    if len(roots) < 4 or any(r.children or r.pos is None for r in roots):
        return None
    starts = [k for k, r in enumerate(roots) if r.text.startswith(_SIDES)]
    if len(starts) != 2 or starts[0] != 0 or not roots[0].text.startswith(_SIDES[0]) \
            or not roots[starts[1]].text.startswith(_SIDES[1]) or starts[1] < 2:
        return None
    text, columns, sides = {}, {}, {}
    for side, (a, b) in zip(_SIDES, ((0, starts[1]), (starts[1], len(roots)))):
        text[roots[a].pos] = f"{side}/项目"
        sides[roots[a].pos] = side
        for label in roots[a + 1:b]:
            target = text if _TEXT_HEADER.search(label.text) else columns  # 行次 numbers no amount
            target[label.pos] = f"{side}/{label.text}"
            sides[label.pos] = side
    return _Header(columns, text, sides, roots[1].pos)  # type: ignore[arg-type]


def _layout(roots: list[_Label]) -> _Header:
    """Give every leaf a data position: its own if the positions are consistent, else in order."""
    one_row = _one_row_sides(roots)
    if one_row is not None:
        return one_row
    leaves = _leaves(roots)
    positions = [leaf.pos for leaf in leaves]
    consistent = all(p is not None for p in positions) and all(
        a < b for a, b in zip(positions, positions[1:]))  # type: ignore[operator]
    numeric = [leaf for leaf in leaves if not leaf.is_text]
    start = next((leaf.pos for leaf in numeric if leaf.pos is not None), 0)
    columns: dict[int, str] = {}
    for k, leaf in enumerate(numeric):
        columns[leaf.pos if consistent else start + k] = leaf.path()  # type: ignore[index]
    text = {leaf.pos: leaf.path() for leaf in leaves if leaf.is_text and leaf.pos is not None}
    sides: dict[int, str] = {}
    if {r.text for r in roots} == set(_SIDES):
        for leaf in leaves:
            root = leaf
            while root.parent:
                root = root.parent
            if leaf.pos is not None:
                sides[leaf.pos] = root.text
        for pos, path in columns.items():
            sides[pos] = path.split("/")[0]
    return _Header(columns, text, sides, start)


def _split_lines(lines: list[str], span: TableSpan) -> tuple[list[int], list[int], list[str]]:
    """Line indexes (0-based) of header rows and data rows, and the lines before the header."""
    tab_lines = [i for i in range(span.line_start - 1, span.line_end) if "\t" in lines[i]
                 and not _SEPARATOR.match(lines[i])]
    if not tab_lines:
        return [], [], []
    first_fields = lines[tab_lines[0]].split("\t")
    text_start = next((p for p, f in enumerate(first_fields)
                       if f.strip() and not _TEXT_HEADER.search(squeeze(normalise(f)))), 0)
    header: list[int] = []
    data: list[int] = []
    for i in tab_lines:
        fields = lines[i].split("\t")
        is_data = any(parse_number(f) is not None for f in fields if f.strip()) or any(
            squeeze(normalise(f)) in _TOTAL_LABELS for f in fields[:text_start])
        (data if data or is_data else header).append(i)
    return header, data, lines[span.line_start - 1 : tab_lines[0]]


def _code(run: list[str]) -> str:
    """Join 类/款/项 fields ("201","03","01" → "2010301"); a full code repeats its prefix."""
    acc = ""
    for part in run:
        acc = part if acc and part.startswith(acc) else acc + part
    return acc


def _code_kind(code: str, parts: int) -> str:
    # 功能分类 starts with 2, 经济分类 with 3 (部门) or 5 (政府); unit codes are 1xx / 1xx001
    if len(code) == 6 and parts == 1:
        return "单位"
    return {"2": "功能分类", "3": "经济分类", "5": "经济分类"}.get(code[0], "单位")


def _text_key(path: str | None, pos: int) -> str:
    if not path:
        return f"列{pos + 1}"
    parts = path.split("/")
    return "/".join(parts[:-1]) if len(parts) > 1 and parts[-1] in ("类", "款", "项") else path


def _make_row(entries: list[tuple[int, str]], cells: list[Cell], header: _Header, line: int,
              side: str | None, index: int, title: str, warnings: list[str]) -> Row:
    """Build one row from its text fields (position, text) and its cells."""
    runs: list[list[tuple[int, str]]] = []
    names: list[tuple[int, str]] = []
    numbers: dict[str, str] = {}
    for pos, text in entries:
        if header.text.get(pos, "").endswith(_LINE_NUMBERS):
            numbers[header.text[pos]] = text  # the row's number in the form (行次), never a code
            continue
        if _CODE.match(squeeze(text)):
            if runs and runs[-1][-1][0] == pos - 1:
                runs[-1].append((pos, squeeze(text)))
            else:
                runs.append([(pos, squeeze(text))])
        else:
            names.append((pos, _clean_label(text)))
    code = _code([t for _, t in runs[0]]) if runs else None
    extra: dict[str, str] = dict(numbers)
    for run in runs[1:]:
        extra[_text_key(header.text.get(run[0][0]), run[0][0])] = _code([t for _, t in run])
    category = next((t for p, t in names
                     if _CATEGORY_HEADER.search(header.text.get(p, "").split("/")[-1])
                     and squeeze(t) not in _TOTAL_LABELS), None)  # "合计" drifts into 类别
    rest = [(p, t) for p, t in names if t != category]
    label, note = (rest[0][1] if rest else ""), None
    for pos, text in rest[1:]:
        extra[_text_key(header.text.get(pos), pos)] = text
    if not label and cells and not code and index == 0:
        if header.text:
            label, note = "合计", "unlabelled first row, read as the 合计 row"
        else:
            label = title  # a table of one row and no label column (the 三公 table)
    elif not label:
        warnings.append(f"{title} line {line}: row without a label")
    if side:
        category = side
    is_total = squeeze(label) in _TOTAL_LABELS or is_total_word(label)
    return Row(index=index, label=label, code=code,
               code_kind=_code_kind(code, len(runs[0])) if code else None,  # type: ignore[arg-type]
               category=category, extra=extra, cells=cells, is_total=is_total, note=note,
               line=line)


def _parse_rows(lines: list[str], data: list[int], header: _Header, unit: str, title: str,
                warnings: list[str]) -> list[Row]:
    """Read data lines by position; a two-sided line gives one row per side."""
    rows: list[Row] = []
    for i in data:
        fields = lines[i].split("\t")
        by_side: dict[str | None, tuple[list[tuple[int, str]], list[Cell]]] = {}
        for pos, raw in enumerate(fields):
            text = raw.strip()
            if not text:
                continue
            side = header.sides.get(pos) if header.sides else None
            entries, cells = by_side.setdefault(side, ([], []))
            if pos in header.columns:
                number = parse_number(text)
                if number is None and (percent := _PERCENT.match(normalise(text))):
                    # a change or share column ("-7.03%"): a percentage, not an amount
                    cells.append(Cell(column=header.columns[pos], value=float(percent.group(1)),
                                      text=text, unit="%", line=i + 1))
                    continue
                if number is None:
                    warnings.append(f"{title} line {i + 1}: '{text}' in amount column "
                                    f"{header.columns[pos]} is not a number")
                    continue
                cells.append(Cell(column=header.columns[pos], value=round(to_wan(number, unit), 6),
                                  text=text, unit=unit, line=i + 1))
            elif pos < header.numeric_start or pos in header.text:
                entries.append((pos, text))
            else:
                warnings.append(f"{title} line {i + 1}: '{text}' at field {pos + 1} is under "
                                "no header column")
        for side, (entries, cells) in by_side.items():
            if entries or cells:
                rows.append(_make_row(entries, cells, header, i + 1, side, len(rows), title,
                                      warnings))
    return rows


def _group_children(lines: list[str], spans: list[TableSpan]) -> dict[str, list[str]]:
    """Children of each header group across the document, to complete a damaged header."""
    known: dict[str, list[str]] = {}
    for span in spans:
        header, _, _ = _split_lines(lines, span)
        roots = _build_tree(_header_labels([lines[i].split("\t") for i in header]))
        for node in _walk(roots):
            names = [k.text for k in node.children]
            damaged = sum(is_total_word(n) for n in names) > 1  # the slip _repair undoes
            if not damaged and len(names) > len(known.get(node.text, [])):
                known[node.text] = names
    return known


def parse_tsv_tables(doc_id: str, lines: list[str], spans: list[TableSpan],
                     default_unit: str = "万元") -> tuple[list[Table], list[str]]:
    """Parse every tab-separated table span except the 绩效目标 tables.

    Args:
        doc_id: id of the document the lines come from.
        lines: the document's lines (`text.split("\\n")`); line numbers are 1-based.
        spans: table spans from `layout.find_tables`.
        default_unit: the unit of a table without its own 单位 line (the document's unit).

    Returns:
        The verified tables, and warnings naming the table and line of anything not placed.
    """
    spans = [s for s in spans if "绩效目标" not in s.title]
    known = _group_children(lines, spans)
    tables: list[Table] = []
    all_warnings: list[str] = []
    for span in spans:
        warnings: list[str] = []
        header_idx, data_idx, before = _split_lines(lines, span)
        # "单位：" and "万元" sometimes sit on two lines
        stated = amount_unit("".join(squeeze(line) for line in before))
        unit = stated or default_unit
        if not stated:
            warnings.append(f"{span.title} line {span.line_start}: no 单位 line, assumed {default_unit}")
        roots = _build_tree(_header_labels([lines[i].split("\t") for i in header_idx]))
        repairs: list[str] = []
        _repair(roots, known, repairs)
        warnings += [f"{span.title} line {header_idx[0] + 1}: {r}" for r in repairs]
        header = _layout(roots)
        if not header_idx:
            warnings.append(f"{span.title} line {span.line_start}: no tab-separated table found")
        rows = _parse_rows(lines, data_idx, header, unit, span.title, warnings)
        notes = [normalise(lines[i]) for i in range(span.line_start - 1, span.line_end)
                 if "无数据" in lines[i]]
        table = Table(
            table_id=stable_id(doc_id, span.title, span.line_start), doc_id=doc_id,
            number=span.number, title=span.title, unit=unit, columns=list(header.columns.values()),
            text_columns=list(dict.fromkeys(header.text.values())), rows=rows,
            empty_note=notes[0] if notes else None, line_start=span.line_start,
            line_end=span.line_end, warnings=warnings)
        table = verify_table(table)
        # each row that fails its table's sums is named, as for flattened tables
        named = " ".join(x for x in (span.number, span.title) if x)
        warnings += [f"{named} line {row.line} 「{row.label}」: {row.note}"
                     for row in table.rows if row.verified is False]
        tables.append(table.model_copy(update={"warnings": warnings}))
        all_warnings += warnings
    return tables, all_warnings
