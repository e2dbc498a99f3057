"""Read 绩效目标 tables from flattened PDF text, where columns are lost and cells wrap.

What is left to go on: 一级/二级 indicator words, project codes (digits), amount pairs
("3.70 3.70"), and value shapes ("≥95%", "26个", "有效提升"). A value that starts its line closes
the name fragments above it; a value after a name on the same line pairs with that name.
Fragments that cannot be attributed become warnings with their lines.
"""

from __future__ import annotations

import re

from indexer.parse.indicators import (
    LEVEL2, VALUE_TOKEN, IndicatorBuilder, budget_row, clean_name, clean_value, is_money, is_value, level1_of,
    level2_of, parse_indicator_value,
)
from indexer.records import Cell, Indicator, Row
from indexer.text import normalise, parse_number, squeeze

_FOOTER = re.compile(r"^-\s*\d+\s*-$")
_AMOUNT = re.compile(r"^\d+\.\d{2}$")
_NOTE_HINT = re.compile(r"[,，。；;=×*/]|是否|^\d+[.、]")
_SENTENCE = re.compile(r"[,，。；;：:=×*]")
_NOTE_WIDTH = 15  # a note line at least this long was wrapped at the column edge
_AMOUNT_COLUMNS = ["资金总额", "政府预算资金", "财政专户管理资金", "单位资金"]


def _body_lines(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(n, normalise(t)) for n, t in body if normalise(t) and not _FOOTER.match(normalise(t))]


def _set_level2(word: str, level1: str | None) -> str | None:
    if word == "满意度" and level1 == "效益指标":
        return level1
    if word == "成本指标":
        return level1 if level1 == "产出指标" else "成本指标"
    return LEVEL2[word]


def parse_overall(body: list[tuple[int, str]], builder: IndicatorBuilder
                  ) -> tuple[list[str], list[Row], list[str]]:
    """整体 table: 预算情况 amounts, then indicator lines "name value [note]" with wrapped notes."""
    rows: list[Row] = []
    warnings: list[str] = []
    level1 = level2 = None
    current: Indicator | None = None
    last_note = ""  # last note fragment of the current indicator
    pending: list[tuple[int, str]] = []  # name fragments waiting for their value
    in_indicators = False

    def drop_pending() -> None:
        if pending:
            warnings.append(f"lines {pending[0][0]}-{pending[-1][0]}: unattributed text: "
                            + "".join(t for _, t in pending))
            pending.clear()

    for n, text in _body_lines(body):
        sq = squeeze(text)
        if not in_indicators:
            if "一级指标" in sq and "三级指标" in sq:
                in_indicators = True
            else:
                row = budget_row(text, n, len(rows))
                if row:
                    rows.append(row)
            continue
        if level1_of(sq) and len(sq) <= 8:
            drop_pending()
            level1, level2, current = level1_of(sq), None, None
            continue
        tokens = text.split()
        word = level2_of(tokens[0])
        if word:
            drop_pending()
            level1, level2, current = _set_level2(word, level1), word, None
            tokens = tokens[1:]
            if not tokens:
                continue
        head = tokens[0]
        if is_value(head) and (pending or current is None):
            # a value starting its line closes the name fragments above it
            if not pending:
                warnings.append(f"line {n}: value without a name: {text}")
                continue
            value = head
            if len(pending) > 1 and pending[-1][1].endswith("达到"):
                value = pending.pop()[1] + value
            name = "".join(t for _, t in pending)
            pending.clear()
            current = builder.add(project=None, amount=None, level1=level1, level2=level2, name=name,
                                  value=value, line=n, note=" ".join(tokens[1:]) or None)
            last_note = current.note or ""
            continue
        if (len(tokens) >= 2 and not _SENTENCE.search(head) and len(head) <= 25
                and (is_value(tokens[1]) or (len(tokens[1]) <= 6 and not _SENTENCE.search(tokens[1])))):
            drop_pending()
            current = builder.add(project=None, amount=None, level1=level1, level2=level2, name=head,
                                  value=tokens[1], line=n, note=" ".join(tokens[2:]) or None)
            last_note = current.note or ""
            continue
        fragment = text
        wrapped = len(last_note) >= _NOTE_WIDTH and not last_note.endswith("。")
        continues_note = current is not None and not pending and (
            (current.note is None and (bool(_NOTE_HINT.search(fragment)) or len(fragment) >= _NOTE_WIDTH))
            or (current.note is not None
                and (wrapped or len(fragment) >= _NOTE_WIDTH or bool(re.match(r"^\d+[.、]", fragment)) or fragment[0] in "×*（(")))
        if continues_note:
            current.note = (current.note or "") + squeeze(fragment)
            last_note = squeeze(fragment)
        elif current is None and pending and 2 <= len(sq) <= 6 and not _SENTENCE.search(sq):
            # a short qualitative value ("有力保障") under a name that wrapped over lines
            name = "".join(t for _, t in pending)
            pending.clear()
            current = builder.add(project=None, amount=None, level1=level1, level2=level2, name=name,
                                  value=sq, line=n)
            last_note = ""
        else:
            pending.append((n, squeeze(fragment)))
    drop_pending()
    return (["金额"] if rows else []), rows, warnings


def _infer_level1(name: str, value: str) -> str:
    """Guess the 一级指标 from the words: flattened text lost the column that said it."""
    if "满意" in name or "认可度" in name:
        return "满意度指标"
    if is_money(value) or any(w in name for w in ("成本", "费用", "经费")):
        return "成本指标"
    if parse_indicator_value(value)[1] is None and not any(w in name for w in ("时间", "时限", "频率")):
        return "效益指标"
    return "产出指标"


def parse_projects(body: list[tuple[int, str]], builder: IndicatorBuilder
                   ) -> tuple[list[str], list[Row], list[str]]:
    """Project table: code digits, name fragments, amount pair, then indicator fragments."""
    rows: list[Row] = []
    warnings: list[str] = []
    state = "header"  # header → start → code → name → indicators
    code = ""
    name: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    project: Row | None = None
    counts: dict[int, int] = {}  # project row index → indicators found
    last: Indicator | None = None
    open_value = False  # last value ended with "/" and continues on the next token

    def drop_pending(reason: str = "unattributed text") -> None:
        if pending:
            owner = f" (project {project.label})" if project else ""
            warnings.append(f"lines {pending[0][0]}-{pending[-1][0]}: {reason}{owner}: "
                            + "".join(t for _, t in pending))
            pending.clear()

    def emit(label: str, value: str, line: int) -> Indicator:
        amount = project.cells[0].value if project and project.cells else None
        counts[project.index] = counts.get(project.index, 0) + 1
        return builder.add(project=project.label, amount=amount, level1=_infer_level1(label, value),
                           level2=None, name=label, value=value, line=line)

    for n, text in _body_lines(body):
        if state == "header":
            if squeeze(text).startswith("三级指标指标值"):
                state = "start"
            continue
        tokens = text.split()
        same_line: list[str] = []
        for position, tok in enumerate(tokens):
            if tok.isdigit() and len(tok) >= 3:
                if project is not None and len(project.code or "") == 18 and len(tok) == 3 and state == "indicators":
                    project.code += tok  # the code's last digits printed after the page break
                    continue
                if state != "code":
                    drop_pending()
                    pending.extend((n, t) for t in same_line)
                    same_line = []
                    drop_pending()
                    code, name, state = "", [], "code"
                code += tok
                continue
            if state == "code" and not _AMOUNT.match(tok):
                state = "name"
            if _AMOUNT.match(tok) and state in ("start", "code", "name", "amounts"):
                if state != "amounts":
                    label = clean_name("".join(t for _, t in name)) or "合计"
                    is_project = len(code) > 6
                    project = Row(index=len(rows), label=label, code=code or None,
                                  code_kind=("项目" if is_project else "单位") if code else None,
                                  cells=[], is_total=not is_project, line=n,
                                  note="amounts placed in the first columns: empty cells vanished in the text")
                    rows.append(project)
                    state = "amounts"
                column = _AMOUNT_COLUMNS[min(len(project.cells), 3)]
                project.cells.append(Cell(column=column, value=parse_number(tok), text=tok, unit="万元", line=n))
                continue
            if state == "name":
                name.append((n, tok))
                continue
            if state == "amounts":
                state = "indicators" if project and project.code_kind == "项目" else "start"
                if state == "start":
                    project = None
            if state != "indicators":
                warnings.append(f"line {n}: text outside a project: {tok}")
                continue
            if open_value and last is not None:
                last.value_text = clean_value(last.value_text + tok)
                last.comparator, last.number, last.unit = parse_indicator_value(last.value_text)
                open_value = False
                continue
            if is_value(tok):
                if same_line and not (len(same_line) == 1 and len(same_line[0]) <= 2 and pending):
                    drop_pending()
                    label = "".join(same_line)
                elif pending or same_line:
                    label = "".join(t for _, t in pending) + "".join(same_line)
                    pending.clear()
                else:
                    warnings.append(f"line {n}: value without a name (project {project.label}): {tok}")
                    continue
                same_line = []
                last = emit(label, tok, n)
                open_value = tok.endswith("/")
                continue
            if (position == 0 and not pending and last is not None and len(tok) == 1
                    and VALUE_TOKEN.match(clean_value(last.value_text + tok))):
                last.value_text = clean_value(last.value_text + tok)  # a unit wrapped onto its own line
                last.comparator, last.number, last.unit = parse_indicator_value(last.value_text)
                continue
            same_line.append(tok)
        pending.extend((n, t) for t in same_line)
    drop_pending()
    for row in rows:
        if row.code_kind == "项目" and not counts.get(row.index):
            warnings.append(f"line {row.line}: project {row.label} has no indicator rows")
    _check_totals(rows)
    return list(_AMOUNT_COLUMNS[:max((len(r.cells) for r in rows), default=0)]), rows, warnings


def _check_totals(rows: list[Row]) -> None:
    """Mark each unit row verified when its projects' 资金总额 add up to its own."""
    for k, row in enumerate(rows):
        if row.code_kind != "单位" or not row.cells:
            continue
        total = 0.0
        for other in rows[k + 1:]:
            if other.code_kind != "项目":
                break
            total += other.cells[0].value or 0.0 if other.cells else 0.0
        row.verified = abs(total - (row.cells[0].value or 0.0)) < 0.005
