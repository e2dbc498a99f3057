"""Read the 绩效目标 tables (部门整体 and 项目) into Indicator records and their amounts into Tables.

Tab-separated exports are parsed here, flattened PDF text in `indexer.parse.indicators_flat`;
`indexer.parse.indicator_tables` chooses between them.
The templates differ by year and publisher, and the exports shift columns, so rows are read by
vocabulary (一级/二级 indicator words) and by pairing names with values, not by column position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.parse.layout import TableSpan
from indexer.records import Cell, Indicator, Row, Table
from indexer.text import normalise, parse_number, squeeze, stable_id

COMPARATORS = ("≥", "≤", ">", "<", "=", "≈")
LEVEL1 = ("投入管理指标", "产出指标", "效益指标", "满意度指标", "成本指标")
# 二级指标 words and the 一级指标 each implies (2020 template: 成本指标 is a 二级 of 产出指标)
LEVEL2 = {
    "工作目标管理": "投入管理指标", "预算和财务管理": "投入管理指标", "绩效管理": "投入管理指标",
    "重点工作任务完成": "产出指标", "履职目标实现": "产出指标", "数量指标": "产出指标",
    "质量指标": "产出指标", "质量目标": "产出指标", "时效指标": "产出指标",
    "履职效益": "效益指标", "经济效益": "效益指标", "社会效益": "效益指标", "生态效益": "效益指标",
    "可持续发展影响指标": "效益指标", "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标", "满意度": "满意度指标",
}
ROW_HEADINGS = ("年度绩效目标",)  # merged cells that label a block, not an indicator
BUDGET_LABELS = {  # label → category, for the 预算情况 block of the 整体 table
    "部门预算总额": "预算情况", "政府预算资金": "资金来源", "财政专户管理资金": "资金来源",
    "单位资金": "资金来源", "基本支出": "资金结构", "项目支出": "资金结构",
}
_UNITS = ("万元", "亿元", "千元", "小时", "工作日", "分钟", "人次", "户次", "平方米", "平方",
          "个月", "万件", "万人", "万次", "万张", "万份", "万条", "%", "‰")
_NUM = r"\d+(?:\.\d+)?"
_UNIT_RE = "(?:" + "|".join(map(re.escape, _UNITS)) + r"|[\u4e00-\u9fffA-Za-z])?(?:/[\u4e00-\u9fff]{1,2})*"
VALUE_TOKEN = re.compile(rf"^[≥≤><≈]?{_NUM}{_UNIT_RE}/?(?:以上|以下|以内|左右)?$")
QUALITATIVE = re.compile(
    r"^(?:(?:有所|较大|明显|有效|有力|长期|显著|全面|稳步|较好|不断|逐步|持续)"
    r"(?:提升|提高|改善|保障|落实|促进|减低|降低|优化|增强)|提升|提高|改善|优化|良好|优秀|合格|达标|"
    r"显著|明显|年底之前|年底前|即时响应|即时|及时|规范|健全|完整|相关|科学|合理|真实|合规|公开|"
    r"每月一次|每季度一次|全部)$"
)
_GE_WORDS = ("不低于", "不少于", "以上", "至少", "达到")
_LE_WORDS = ("不超过", "不高于", "不多于", "以内", "以下", "最多")
_GT_WORDS = ("超过", "高于", "大于", "多于")
_LT_WORDS = ("低于", "少于", "小于")


def clean_value(text: str) -> str:
    """Normalise an indicator value: LaTeX leftovers to symbols, no spaces ("$\\geq 90\\%$" → "≥90%")."""
    t = re.sub(r"\\\s+", lambda m: "\\", normalise(text))  # "$\ geq 95\%$": a renderer spaced it
    for latex, symbol in (("\\geq", "≥"), ("\\leq", "≤"), ("\\ge", "≥"), ("\\le", "≤"), ("\\%", "%"),
                          ("\\approx", "≈"), (">=", "≥"), ("<=", "≤"), ("≧", "≥"), ("≦", "≤")):
        t = t.replace(latex, symbol)
    t = t.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    return squeeze(t)


def clean_name(text: str) -> str:
    """Normalise a name: drop spaces unless both neighbours are ASCII letters or digits."""
    t = normalise(text)
    t = re.sub(r"\s+", " ", t)
    return re.sub(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])", "", t).strip()


def parse_indicator_value(text: str) -> tuple[str | None, float | None, str | None]:
    """Parse an indicator value into (comparator, number, unit).

    Args:
        text: the value as written: "≥95%", "26个", "满意度达到95%以上", "$\\leq 4$ 小时", "即时响应".

    Returns:
        comparator ("≥", "≤", ">", "<", "=", "≈"), number and unit; (None, None, None) when the
        value is qualitative or holds more than one number (no single figure to compare).
    """
    t = clean_value(text)
    numbers = re.findall(_NUM, t)
    if len(numbers) != 1:
        return None, None, None
    m = re.search(rf"({_NUM})({_UNIT_RE})", t)
    number, unit = float(m.group(1)), m.group(2) or None
    before, after = t[: m.start()], t[m.end():]
    comparator = "="
    for symbol in ("≥", "≤", ">", "<", "≈"):
        if symbol in before:
            comparator = symbol
            break
    else:
        if any(w in t for w in _GE_WORDS):
            comparator = "≥"
        elif any(w in t for w in _LE_WORDS):
            comparator = "≤"
        elif any(w in before for w in _GT_WORDS):
            comparator = ">"
        elif any(w in before for w in _LT_WORDS):
            comparator = "<"
        elif "约" in before or "左右" in after:
            comparator = "≈"
    return comparator, number, unit


def is_value(token: str) -> bool:
    """True for a token that reads as an indicator value ("≥95%", "26个", "有效提升")."""
    t = clean_value(token)
    return bool(VALUE_TOKEN.match(t) or QUALITATIVE.match(t))


def is_money(value_text: str) -> bool:
    _, number, unit = parse_indicator_value(value_text)
    return number is not None and bool(unit) and unit.split("/")[0] in ("元", "万元", "万", "千元")


def level2_of(word: str) -> str | None:
    """Return the 二级指标 word if the cell is one ("质量目标" → "质量目标"), else None."""
    w = squeeze(normalise(word))
    return w if w in LEVEL2 or w == "成本指标" else None


def level1_of(word: str) -> str | None:
    """Return the 一级指标 a cell names ("产出指标 (预期提供的公共产品或服务)" → "产出指标")."""
    w = squeeze(normalise(word))
    return next((l1 for l1 in LEVEL1 if w.startswith(l1) and l1 != "成本指标"), None)


@dataclass
class IndicatorBuilder:
    """Collect Indicator records of one table, with ids and parsed values."""

    doc_id: str
    table: str
    items: list[Indicator] = field(default_factory=list)

    def add(self, *, project: str | None, amount: float | None, level1: str | None,
            level2: str | None, name: str, value: str, line: int, note: str | None = None) -> Indicator:
        level3, value_text = clean_name(name), clean_value(value)
        comparator, number, unit = parse_indicator_value(value_text)
        item = Indicator(
            indicator_id=stable_id(self.doc_id, self.table, project, level3, value_text, line),
            doc_id=self.doc_id, table=self.table, project=project, project_amount=amount,
            level1=level1, level2=level2, level3=level3, value_text=value_text,
            comparator=comparator, number=number, unit=unit, note=note, line=line,
        )
        self.items.append(item)
        return item


def budget_row(text: str, line: int, index: int, column: str = "金额") -> Row | None:
    """Read a 预算情况 line ("（1）政府预算资金 948.39") into a Row; None if it is not one."""
    t = normalise(text)
    for label, category in BUDGET_LABELS.items():
        m = re.search(re.escape(label) + r"[^\d\s]*\s*([\d,]+(?:\.\d+)?)?", t.replace("（万元）", ""))
        if m:
            number = m.group(1)
            cell = Cell(column=column, value=parse_number(number) if number else None,
                        text=number or "", unit="万元", line=line)
            return Row(index=index, label=label, category=category, cells=[cell],
                       is_total=label == "部门预算总额", line=line)
    return None


def new_table(doc_id: str, span: TableSpan, columns: list[str], rows: list[Row],
              warnings: list[str]) -> Table:
    return Table(table_id=stable_id(doc_id, span.title, span.line_start), doc_id=doc_id,
                 number=span.number, title=span.title, columns=columns, rows=rows,
                 line_start=span.line_start, line_end=span.line_end, warnings=warnings)


def _cells(text: str) -> list[str]:
    return [normalise(c) for c in text.split("\t")]


def tsv_overall(body: list[tuple[int, str]], builder: IndicatorBuilder
                 ) -> tuple[list[str], list[Row], list[str]]:
    """整体 table: 预算情况 / 年度主要工作内容 amounts, then 一级/二级/三级/指标值/说明 rows."""
    rows: list[Row] = []
    warnings: list[str] = []
    columns: list[str] = []
    amount_cols: dict[int, str] = {}  # 2020 template: 年度主要工作内容 amount columns
    text_cols: dict[int, str] = {}
    header: list[str] | None = None
    level1 = level2 = None
    last: Indicator | None = None
    group_has_first = False  # a 二级 group already has its "指标1"
    orphans: list[Indicator] = []  # "指标1" rows printed above their 二级 label
    for n, raw in body:
        if "\t" not in raw:
            continue
        cells = _cells(raw)
        filled = [(i, c) for i, c in enumerate(cells) if c]
        if not filled:
            continue
        if header is None:
            joined = squeeze("".join(cells))
            if "一级指标" in joined and "三级指标" in joined:
                header = [squeeze(c) for c in cells]
                continue
            if "任务名称" in joined and "金额" in joined:
                text_cols = {i: squeeze(c) for i, c in filled if "金额" not in c and "时间" not in c}
                text_cols.update({i: squeeze(c) for i, c in filled if "时间" in c})
                continue
            if text_cols and {"总金额", "财政资金"} <= {squeeze(c) for c in cells}:
                amount_cols = {i: squeeze(c) for i, c in filled}
                columns += [c for c in amount_cols.values() if c not in columns]
                continue
            if amount_cols and any(parse_number(cells[i]) is not None for i in amount_cols if i < len(cells)):
                label_at = min(text_cols)
                rows.append(Row(
                    index=len(rows), label=clean_name(re.sub(r"^\d+[、.．]\s*", "", cells[label_at])),
                    extra={name: cells[i] for i, name in text_cols.items() if i != label_at and i < len(cells) and cells[i]},
                    cells=[Cell(column=name, value=parse_number(cells[i]), text=cells[i], unit="万元", line=n)
                           for i, name in amount_cols.items() if i < len(cells)],
                    line=n))
                continue
            row = budget_row(" ".join(cells), n, len(rows))
            if row:
                rows.append(row)
                if "金额" not in columns:
                    columns.append("金额")
            continue
        if squeeze(filled[0][1]).startswith("整体目标设置说明"):
            break
        note_col = len(header) - 1 if header[-1] == "指标值说明" else None
        shift = len(header) - len(cells)  # short rows lost a column on the left: align right
        note = None
        if note_col is not None and shift >= 0 and filled[-1][0] + shift == note_col:
            note = filled.pop()[1]
        if not filled:
            if last is not None and note:
                last.note = (last.note or "") + note
            else:
                warnings.append(f"line {n}: note without indicator: {note}")
            continue
        texts = [c for _, c in filled]
        new_level2 = False
        while texts:
            head = texts[0]
            if level1_of(head):
                level1, level2, group_has_first = level1_of(head), None, False
            elif squeeze(head) in ROW_HEADINGS:
                pass
            elif level2_of(head) and len(texts) > 1:
                word = level2_of(head)
                if word == "成本指标":
                    level1 = level1 if level1 == "产出指标" else "成本指标"
                elif word == "满意度" and level1 == "效益指标":
                    pass  # the 2025 template files 满意度 under 效益指标
                else:
                    level1 = LEVEL2[word]
                level2, group_has_first, new_level2 = word, False, True
                for orphan in orphans:
                    orphan.level1, orphan.level2 = level1, level2
                orphans = []
            else:
                break
            texts.pop(0)
        if not texts:
            continue
        name, value = texts[0], texts[1] if len(texts) > 1 else ""
        if len(texts) > 2:
            note = " ".join(texts[2:]) + (note or "")
        first = bool(re.match(r"^指标1[、.]", squeeze(name)))
        orphan = first and group_has_first and not new_level2
        group_has_first = group_has_first or first
        last = builder.add(project=None, amount=None, level1=level1, level2=None if orphan else level2,
                           name=name, value=value, line=n, note=note)
        if orphan:
            orphans.append(last)
    if orphans:
        warnings.append(f"line {orphans[0].line}: 二级指标 of {orphans[0].level3} not found")
    return columns, rows, warnings


_ORDER = ("成本指标", "产出指标", "效益指标", "满意度指标")


def _pairs(filled: list[tuple[int, str]]) -> list[tuple[int, str, str]] | None:
    """Pair name and value cells: (column of the name, name, value); None if they do not pair."""
    if len(filled) % 2:
        for k, (i, c) in enumerate(filled):
            head, _, tail = c.rpartition(" ")
            if head and is_value(tail):
                filled = filled[:k] + [(i, head), (i, tail)] + filled[k + 1:]
                break
        else:
            return None
    return [(filled[k][0], filled[k][1], filled[k + 1][1]) for k in range(0, len(filled), 2)]


def tsv_projects(body: list[tuple[int, str]], builder: IndicatorBuilder
                  ) -> tuple[list[str], list[Row], list[str]]:
    """Project table: one row per project (code, name, 项目分类, amounts), four indicator pairs."""
    rows: list[Row] = []
    warnings: list[str] = []
    columns: list[str] = []
    project: Row | None = None
    main_cols: dict[int, str] = {}  # name column → 一级指标 on the project's first line
    last: tuple[Indicator, int] | None = None  # last indicator and its value column
    for n, raw in body:
        if "\t" not in raw:
            continue
        cells = _cells(raw)
        if not columns:
            if "资金总额" in cells:
                columns = [c for c in cells[3:7] if c]
            continue
        filled = [(i, c) for i, c in enumerate(cells) if c]
        if not filled:
            continue
        code = squeeze(cells[0])
        if code.isdigit() and len(cells) > 3 and cells[1]:
            k = 3
            while k < min(len(cells), 3 + len(columns)) and (not cells[k] or parse_number(cells[k]) is not None):
                k += 1
            amounts = [Cell(column=col, value=parse_number(cells[3 + j]), text=cells[3 + j], unit="万元", line=n)
                       for j, col in enumerate(columns) if 3 + j < k]
            category = squeeze(cells[2]) or None
            is_unit = category is None and len(code) <= 6
            row = Row(index=len(rows), label=clean_name(cells[1]), code=code,
                      code_kind="单位" if is_unit else "项目", category=category, cells=amounts,
                      is_total=is_unit, line=n)
            rows.append(row)
            if is_unit:
                project = None
                continue
            project, main_cols = row, {}
            filled = [(i, c) for i, c in filled if i >= k]
            main = True
        else:
            main = False
            if project is None:
                warnings.append(f"line {n}: indicator cells outside a project: {' | '.join(c for _, c in filled)}")
                continue
        if not filled:
            continue
        pairs = _pairs(filled)
        if pairs is None:
            if len(filled) == 1 and last and filled[0][0] == last[1]:
                indicator = last[0]  # a value wrapped onto its own line ("符合标" + "准")
                indicator.value_text = clean_value(indicator.value_text + filled[0][1])
                indicator.comparator, indicator.number, indicator.unit = parse_indicator_value(indicator.value_text)
            else:
                warnings.append(f"line {n}: unpaired indicator cells of {project.label}: "
                                f"{' | '.join(c for _, c in filled)}")
            continue
        amount = project.cells[0].value if project.cells else None
        for position, (col, name, value) in enumerate(pairs):
            if "满意" in name:
                level1 = "满意度指标"
            elif main:
                level1 = _ORDER[min(position, 3)]
                main_cols[col] = level1
            elif is_money(value) or "成本" in name:
                level1 = "成本指标"
            elif main_cols.get(col) == "效益指标":
                level1 = "效益指标"
            else:
                level1 = "产出指标"  # extra rows of a project are its further 产出 indicators
            indicator = builder.add(project=project.label, amount=amount, level1=level1, level2=None,
                                    name=name, value=value, line=n)
            value_col = next((i for i, c in filled if c == value and i > col), col)
            last = (indicator, value_col)
    return columns, rows, warnings
