"""What the chat app shows, built from records: citation titles, breakdown and comparison charts,
example questions, and table frames for the browser (citations in context: ui/citations.py;
uploads: indexer/uploads.py and ui/upload_jobs.py).

The app (app.py) only renders what these functions return. Every number shown comes from the
store's cells or an Answer's figures; nothing is parsed back out of answer text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from indexer import store
from indexer.records import Document, Row, Table
from retrieval.audit.base import function_leaves, table_role
from retrieval.records import Answer, Citation
from ui.csv_cells import frame_csv
from ui.names import short_names

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$:^&])")  # links, HTML, code, LaTeX, directives
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)](?:\s|$)))", re.MULTILINE)  # lists, headings, quotes


def escape_markdown(text: str) -> str:
    """Escape text so that Markdown shows it literally (no links, HTML, LaTeX or directives)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text or "")
    escaped = _MD_LINE_START.sub(_escape_line_start, escaped)
    return escaped.replace("\n", "  \n")


def _escape_line_start(m: re.Match) -> str:
    lead, mark = m.group(1), m.group(2)
    return lead + (mark + "\\" if mark[0].isdigit() else "\\" + mark)  # "1\." and "\-"


def number(value: float) -> str:
    """An amount as the documents write it, with two decimals."""
    return f"{value:.2f}"


def headline(answer: Answer) -> str | None:
    """The answer's headline figure with its unit ("15.58 万元", "20.70%", "8 个"), or None."""
    if answer.value is None:
        return None
    unit = answer.unit or ""
    counted = unit not in ("万元", "元", "%", "") and float(answer.value).is_integer()
    text = f"{answer.value:.0f}" if counted else number(answer.value)
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".strip()


def doc_label(department: str, year: int) -> str:
    return f"{department}{year}年部门预算"


def citation_title(c: Citation) -> str:
    """One line naming the document, the table (or section) and the page or line of a citation."""
    parts = [doc_label(c.department, c.year)]
    if c.kind == "table":
        parts.append(c.table or "表格")
        where = "".join(x for x in (f"「{c.row}」行" if c.row else "", f"「{c.column}」列" if c.column else ""))
        if where:
            parts.append(where)
    else:
        parts.append(c.section or "正文")
    if c.page is not None:
        parts.append(f"第{c.page}页")
    if c.line is not None:
        parts.append(f"第{c.line}行")
    return " · ".join(parts)


# ---- the cited row -------------------------------------------------------------------------


def table_name(t: Table) -> str:
    return f"{t.number} {t.title}" if t.number else t.title


def find_table(tables: list[Table], c: Citation) -> Table | None:
    named = [t for t in tables if c.table in (t.title, table_name(t))]
    inside = [t for t in named if c.line is not None and t.line_start <= c.line <= t.line_end]
    return (inside or named or [None])[0]


def find_row(t: Table, c: Citation) -> Row | None:
    for test in (lambda r: r.line == c.line and r.label == c.row, lambda r: r.label == c.row,
                 lambda r: r.line == c.line):
        found = [r for r in t.rows if test(r)]
        if found:
            return found[0]
    return None


# ---- charts ----------------------------------------------------------------------------------

BreakdownKind = str  # "three_public", "structure", "function"
_BREAKDOWN = re.compile(r"花在哪|花到哪|用在哪|用到哪|花在了?什么|用途|构成|组成|结构|分布|明细|都花")


def breakdown_kind(question: str) -> BreakdownKind | None:
    """Which breakdown a question asks for, if it asks for one."""
    q = re.sub(r"\s+", "", unicodedata.normalize("NFKC", question))
    if not _BREAKDOWN.search(q):
        return None
    if "三公" in q:
        return "three_public"
    if "结构" in q or ("基本支出" in q and "项目支出" in q):
        return "structure"
    return "function"


@dataclass
class Chart:
    """Data for one chart: values by label (one column per series), and where they come from."""

    kind: str  # "breakdown" or "comparison"
    title: str
    data: pd.DataFrame  # index: labels; columns: series
    unit: str
    source: str  # the document and table the values come from
    summary: str = ""  # one sentence computed from the data


def _leaf_value(row: Row, column: str) -> float | None:
    cell = next((c for c in row.cells if c.column == column), None)
    return cell.value if cell else None


def _plain_label(label: str) -> str:
    return re.sub(r"^(其中[:：]?)?[(（]?[\d一二三四五六七八九十]+[)）、.．]\s*", "", label).strip()


def _breakdown_parts(kind: BreakdownKind, tables: list[Table]) -> tuple[Table, str, dict[str, float]] | None:
    role = {"three_public": "three_public"}.get(kind, "expense")
    t = next((t for t in tables if table_role(t.title) == role and t.rows), None)
    if t is None or not t.columns:
        return None
    parts: dict[str, float] = {}
    if kind == "function":
        leaves = function_leaves(t)
        labels = [r.label for r in leaves]
        for r in leaves:
            name = r.label if labels.count(r.label) == 1 else f"{r.label}（{r.code}）"
            parts[name] = _leaf_value(r, t.columns[0]) or 0.0
        return t, t.columns[0], parts
    if kind == "three_public" and len(t.rows) > 1:  # one row per item, a 共计 row on top
        for r in t.rows:
            if not r.is_total and not re.match(r"^\s*(其中|[(（])", r.label):
                parts[_plain_label(r.label)] = _leaf_value(r, t.columns[0]) or 0.0
        return t, t.columns[0], parts
    total = next((r for r in t.rows if r.is_total), t.rows[0])
    if kind == "three_public":  # one row, one column per item
        for col in t.columns[1:]:
            if not col.endswith(("合计", "小计")):
                parts[col.split("/")[-1]] = _leaf_value(total, col) or 0.0
        return t, total.label, parts
    for group in dict.fromkeys(col.split("/")[0] for col in t.columns[1:]):
        col = next((c for c in (f"{group}/小计", group) if c in t.columns), None)
        if col is not None:
            parts[group] = _leaf_value(total, col) or 0.0
    return t, total.label, parts


def breakdown(kind: BreakdownKind, document: Document, tables: list[Table]) -> Chart | None:
    """A breakdown of a document's spending drawn from its tables; None if it has no such table."""
    found = _breakdown_parts(kind, tables)
    if found is None:
        return None
    t, where, parts = found
    parts = {k: v for k, v in parts.items() if v}
    if not parts:
        return None
    total = sum(parts.values())
    top = max(parts, key=parts.__getitem__)
    title = {"three_public": "“三公”经费构成", "structure": "支出结构",
             "function": "钱花在哪里（按支出功能分类科目）"}[kind]
    data = pd.DataFrame({"金额（万元）": list(parts.values())}, index=pd.Index(list(parts), name="项目"))
    summary = (f"合计 {number(total)} 万元，其中最多的是「{top}」{number(parts[top])} 万元"
               f"（占 {parts[top] / total * 100:.2f}%）。")
    source = f"{doc_label(document.department, document.year)} · {table_name(t)} · 「{where}」（第{t.line_start}行起）"
    return Chart(kind="breakdown", title=f"{document.department}{document.year}年{title}", data=data,
                 unit="万元", source=source, summary=summary)


def comparison(answer: Answer, names: dict[str, str] | None = None) -> Chart | None:
    """Side-by-side bars of a comparison answer's figures, one bar group per department, named by
    its short name (`names`: full name → short name; ui.names) so that no label is cut."""
    unit = answer.unit or (answer.figures[0].unit if answer.figures else None)
    figures = [f for f in answer.figures if f.unit == unit]
    if len({f.citation.doc_id for f in figures}) < 2:
        return None
    names = names or short_names(list(dict.fromkeys(f.citation.department for f in figures)))
    one_year = len({f.citation.year for f in figures}) == 1
    values: dict[str, dict[str, float]] = {}
    said: dict[str, str] = {}
    for f in figures:
        short = names.get(f.citation.department, f.citation.department)
        who = short if one_year else f"{short}（{f.citation.year}）"
        # one bar group per item: a label naming its department ("某局公务接待费") names the item
        item = f.label.replace(f.citation.department, "").strip("·：: ") or f.label
        values.setdefault(item, {}).setdefault(who, f.value)
        said.setdefault(who, f"{who}（{f.citation.department}，{f.citation.year}年）{f.label} {number(f.value)} {unit or ''}".strip())
    data = pd.DataFrame(values)
    data.index.name = "部门"
    sources = dict.fromkeys(f"{doc_label(f.citation.department, f.citation.year)} · {f.citation.table or f.citation.section}"
                            for f in figures)
    return Chart(kind="comparison", title="对比", data=data, unit=unit or "", source="；".join(sources),
                 summary="；".join(said.values()) + "。")


def chart_for(question: str, answer: Answer, documents: list[Document],
              tables_of: Callable[[str], list[Table]]) -> Chart | None:
    """The chart an answer deserves: a comparison's bars, or a breakdown of the cited document."""
    if not answer.answerable:
        return None
    # figures of two or more departments side by side ("谁多", "各是多少", a comparison claim)
    chart = comparison(answer, short_names(list(dict.fromkeys(d.department for d in documents))))
    if chart is not None:
        return chart
    kind = breakdown_kind(question)
    cited = [c.doc_id for c in answer.citations]
    if kind is None or len(set(cited)) != 1:
        return None
    document = next((d for d in documents if d.doc_id == cited[0]), None)
    return breakdown(kind, document, tables_of(document.doc_id)) if document else None


# ---- the table browser and the document list -----------------------------------------------


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("，", ""))
    except ValueError:
        return None


def table_frame(t: Table) -> pd.DataFrame:
    """A table as a frame: code, label, category and other text columns, then its numbers."""
    data: dict[str, list] = {}
    if any(r.code for r in t.rows):
        data["编码"] = [r.code or "" for r in t.rows]
    data["项目"] = [r.label for r in t.rows]
    if any(r.category for r in t.rows):
        data["类别"] = [r.category or "" for r in t.rows]
    for key in dict.fromkeys(k for r in t.rows for k in r.extra):
        data[key] = [r.extra.get(key, "") for r in t.rows]
    for col in t.columns:
        texts = [next((c.text for c in r.cells if c.column == col), "") for r in t.rows]
        numbers = [_as_number(x) if x else None for x in texts]
        numeric = all(n is not None for n, x in zip(numbers, texts) if x)
        name = col if col not in data else f"{col}（数值）"
        data[name] = numbers if numeric else texts
    return pd.DataFrame(data)


def csv_name(document: Document, t: Table) -> str:
    """A download name for a table: department, year and table, without unsafe characters."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", f"{document.department}{document.year}_{table_name(t)}") + ".csv"


def table_csv(t: Table) -> bytes:
    """The table as CSV, with a BOM so that Excel opens the Chinese text correctly."""
    return frame_csv(table_frame(t))


@dataclass
class DocumentSummary:
    document: Document
    tables: int
    warnings: list[str] = field(default_factory=list)


def document_summaries(conn, documents: list[Document],
                       tables_of: Callable[[str], list[Table]] | None = None) -> list[DocumentSummary]:
    """Each indexed document with its number of tables and its indexing warnings."""
    tables_of = tables_of or (lambda doc_id: store.tables(conn, doc_id))
    return [DocumentSummary(d, len(tables_of(d.doc_id)), store.document_warnings(conn, d.doc_id))
            for d in documents]


def covered(documents: list[Document]) -> str:
    """What the documents cover, in one line."""
    if not documents:
        return "尚未收录任何预算文件。"
    return "可以回答这些文件的问题：" + "；".join(f"{d.department}（{d.year}年）" for d in documents) + "。"


def example_questions(documents: list[Document]) -> dict[str, list[str]]:
    """Short example questions for a citizen, a staff member and a fact-checker, about the stored
    documents, naming departments by their short names (区政府办, 西工街道) and a year only where
    a department has several."""
    if not documents:
        return {}
    names = short_names(list(dict.fromkeys(d.department for d in documents)))
    latest = sorted(documents, key=lambda x: (-x.year, x.department))
    years = {d.department: sum(x.department == d.department for x in documents) for d in documents}

    def named(d: Document) -> str:
        return names[d.department] + (f"{d.year}年" if years[d.department] > 1 else "")

    d = latest[0]
    other = next((x for x in latest if x.department != d.department and x.year == d.year), None)
    staff = [f"{named(other or d)}人员经费占多少？"]
    if other is not None:
        staff.append(f"{named(d)}和{named(other)}基本支出谁多？")
    return {
        "市民": [f"{named(d)}的钱花在哪了？", f"{named(d)}“三公”经费有多少？"],
        "工作人员": staff,
        "核查人员": [f"有人说{named(d)}预算超过一千万，对吗？", f"{named(other or d)}有几个项目？"],
    }


# ---- one turn of the chat --------------------------------------------------------------------


@dataclass
class Reply:
    """One answered question with everything the chat shows for it."""

    question: str
    answer: Answer | None
    error: str | None = None  # why the question could not be asked (empty, too long)
    chart: Chart | None = None
    note: str | None = None  # said under the answer (a department the filter leaves out)


def reply(question: str, answer: Answer, documents: list[Document],
          tables_of: Callable[[str], list[Table]]) -> Reply:
    """Build what the chat shows for an answer beside its citations (ui.citations): its chart."""
    return Reply(question, answer, chart=chart_for(question, answer, documents, tables_of))


SEVERITY = {"error": ("red", "错误"), "warning": ("orange", "警告"), "info": ("blue", "说明")}  # badge colours


def verdict_words(answer: Answer) -> str:
    """A verdict worded as the answer to the question asked: 一致吗 → 一致/不一致, a claim → 说法正确/说法不对."""
    if answer.intent == "consistency":
        return "一致" if answer.verdict else "不一致"
    return "说法正确" if answer.verdict else "说法不对"


def item_table(answer: Answer) -> pd.DataFrame | None:
    """The items of a list, a sum or a count (projects with amounts, indicators …) as a table with
    their sources, for answers that name three or more."""
    if len(answer.figures) < 3 or not (answer.intent or "").startswith(("plan:", "count", "structure")):
        return None
    rows = [{"项目": f.label, "数值": f.value, "单位": f.unit,
             "出处": " · ".join(x for x in (f.citation.table, f.citation.row, f.citation.column) if x),
             "行/页": f"第{f.citation.page}页" if f.citation.page else (
                 f"第{f.citation.line}行" if f.citation.line else "")} for f in answer.figures]
    return pd.DataFrame(rows)
