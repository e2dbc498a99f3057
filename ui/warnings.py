"""The indexer's warnings and row notes, worded for readers in Chinese: what is wrong, in which
table and row. The indexer keeps its own (English) wording for logs and tests; this translates the
known forms at presentation time, and anything unknown still names its place in Chinese."""

from __future__ import annotations

import re

# the place a warning starts with: "预算11表 项目支出预算表 line 1032 「合计」: …", "表名: lines 2286-2294: …"
_TABLE_ROW = re.compile(r"^(?P<table>[^:：]*?)\s*lines? (?P<a>\d+)(?:-(?P<b>\d+))?\s*(?:「(?P<row>[^」]*)」)?[:：]\s*(?P<rest>.*)$",
                        re.DOTALL)
_TABLE_COLON = re.compile(r"^(?P<table>[^:：]+?)[:：]\s*(?P<rest>lines? \d+.*)$", re.DOTALL)

# (pattern, Chinese); applied in order to what follows the place
_FORMS: list[tuple[re.Pattern, str]] = [(re.compile(p), c) for p, c in [
    (r"(?P<col>[^;:]+?): (?P<want>-?[\d.]+) ≠ sum of items (?P<got>-?[\d.]+)",
     r"「\g<col>」列 \g<want> 不等于各分项之和 \g<got>"),
    (r"ambiguous: column sums allow (?P<n>\d+) placements of [-\d. ]+", r"原文空格丢失，数字有 \g<n> 种可能的列位置"),
    (r"only the numbers every placement agrees on are kept", r"只保留了各种放法都相同的数字"),
    (r"later labels may be misplaced", r""),
    (r"no placement of the numbers [^;]* satisfies the row sums",
     r"原文空格丢失，数字无论放在哪些列都对不上本行合计"),
    (r"(?P<total>\S+) (?P<want>-?[\d.]+) ≠ (?P<parts>[^=;]+) = (?P<got>-?[\d.]+)",
     r"「\g<total>」\g<want> 不等于 \g<parts> 之和 \g<got>"),
    (r"(?P<a>\S+) (?P<want>-?[\d.]+) ≠ (?P<b>\S+) (?P<got>-?[\d.]+)",
     r"\g<a> \g<want> 与 \g<b> \g<got> 不相等"),
    (r"unattributed text \(project (?P<p>[^)]*(?:\([^)]*\))?[^)]*)\): (?P<t>.*)",
     r"项目「\g<p>」下有一段文字没有对应的绩效指标：\g<t>"),
    (r"unattributed text: (?P<t>.*)", r"有一段文字没有对应的绩效指标：\g<t>"),
    (r"project (?P<p>.+) has no indicator rows", r"项目「\g<p>」没有绩效指标"),
    (r"value without a name \(project (?P<p>.+)\): (?P<t>.*)", r"项目「\g<p>」下有指标值没有指标名称：\g<t>"),
    (r"value without a name: (?P<t>.*)", r"有指标值没有指标名称：\g<t>"),
    (r"text outside a project: (?P<t>.*)", r"项目之外有一段文字：\g<t>"),
    (r"note without indicator: (?P<t>.*)", r"指标说明没有对应的指标：\g<t>"),
    (r"二级指标 of (?P<x>.+) not found", r"找不到「\g<x>」的二级指标"),
    (r"indicator cells outside a project: (?P<t>.*)", r"项目之外有指标单元格：\g<t>"),
    (r"unpaired indicator cells of (?P<p>[^:]+): (?P<t>.*)", r"项目「\g<p>」的指标单元格不成对：\g<t>"),
    (r"header of (?P<x>\S+) completed from another table: .*", r"表头「\g<x>」不完整，已参照同类表格补全"),
    (r"header label (?P<x>\S+) repeated under itself: .*",
     r"表头「\g<x>」重复，已删去重复的一层，其后的列名可能错位"),
    (r"header of (?P<x>\S+) lacks (?P<n>\d+) label\(s\)", r"表头「\g<x>」缺少 \g<n> 个列名"),
    (r"row without a label", r"有一行没有项目名称"),
    (r"'(?P<t>[^']*)' in amount column.*", r"金额列中出现了文字「\g<t>」"),
    (r"'(?P<t>[^']*)' at field (?P<n>\d+) is under.*", r"第 \g<n> 栏的「\g<t>」对不上表头"),
    (r"no 单位 line, assumed (?P<u>\S+)", r"未注明金额单位，按\g<u>处理"),
    (r"no tab-separated table found", r"没有识别出表格"),
    (r"label not printed", r"原文没有印出行名"),
    (r"the first row is the table total", r"第一行是全表合计"),
    (r"unit row printed without its code", r"单位行没有印出编码"),
    (r"unlabelled first row, read as the 合计 row", r"第一行没有名称，按合计行读取"),
    (r"amounts placed in the first columns: empty cells vanished in the text",
     r"原文空格丢失，金额按顺序放在了前几列"),
]]
_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _form(text: str) -> str | None:
    for pattern, chinese in _FORMS:
        if pattern.fullmatch(text.strip()):
            return pattern.sub(chinese, text.strip())
    return None


def _body(text: str) -> str:
    whole = _form(text)
    if whole is not None:
        return whole
    parts = [_form(part) for part in re.split(r";\s*", text)]
    return "；".join(p if p is not None else text for p, text in zip(parts, re.split(r";\s*", text)) if p != "")


def reader_warning(text: str) -> str:
    """One indexing warning (or row note) in Chinese, with its table, rows and row label."""
    m = _TABLE_COLON.match(text)
    if m:  # "表名: lines 12-14: …"
        text = f"{m['table']} {m['rest']}"
    m = _TABLE_ROW.match(text)
    if m:
        lines = f"第{m['a']}行" if not m["b"] or m["b"] == m["a"] else f"第{m['a']}–{m['b']}行"
        where = "".join(x for x in (m["table"].strip(), lines, f"「{m['row']}」行" if m["row"] else ""))
        body = _body(m["rest"])
    else:
        where, body = "", _body(text)
    if _ASCII_WORD.search(re.sub(r"[「“][^」”]*[」”]", "", body)):
        body = "有一处内容未能自动核实，请对照原文"  # a form not known here: say where, not the English
    return f"{where}：{body}" if where else body
