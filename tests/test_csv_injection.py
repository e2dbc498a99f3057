"""Issue 21, point 9: CSV downloads cannot run formulas. Text cells starting with = + - @ (or a
tab or carriage return) are prefixed with a single quote (OWASP); numbers, negative ones too, stay
numbers — in the table browser's CSV, the list downloads and `budgetqa table --csv` / `export`."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from budgetqa_cli import app
from indexer import store
from retrieval.records import Answer, Citation, Figure
from tests.test_hardening import park_text
from ui import presenter
from ui.csv_cells import frame_csv, safe_cell

pytestmark = pytest.mark.probe
runner = CliRunner()

LINK = '=HYPERLINK("http://example.invalid","点击")'
SPENDING = f"""
2024年部門支出預算表

部門名稱：臺北市測試區公園管理處

單位：萬元

項目\t合計\t基本支出\t項目支出
合計\t120.50\t96.40\t24.10
{LINK}\t100.00\t96.40\t3.60
@SUM(1+1)\t24.00\t0.00\t24.00
-調減項目\t-3.50\t0.00\t-3.50
"""


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+2", "'=1+2"), ("+SUM(A1:A2)", "'+SUM(A1:A2)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-调减项目", "'-调减项目"),
    ("-3.5", "-3.5"), ("-1,234.50", "-1,234.50"), ("-2%", "-2%"), (-3.5, -3.5), ("公务接待费", "公务接待费"),
])
def test_a_cell_is_quoted_only_when_a_spreadsheet_would_run_it(cell, written):
    assert safe_cell(cell) == written


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, model_dir):
    """A store with a table whose row labels read as formulas and one row of negative figures."""
    root = tmp_path_factory.mktemp("csv")
    (root / "公园.txt").write_text(park_text() + SPENDING, encoding="utf-8")
    run = runner.invoke(app, ["index", str(root / "公园.txt"), "--store", str(root / "store")],
                        env={"BUDGETQA_EMBEDDING_MODEL": str(model_dir)})
    assert run.exit_code == 0, run.output
    return root / "store"


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_budgetqa_table_csv_quotes_formulas_and_keeps_numbers(store_dir):
    run = runner.invoke(app, ["table", "公园.txt", "部门支出预算表", "--csv", "--store", str(store_dir)])
    assert run.exit_code == 0, run.output
    labels = {r[0]: r for r in rows(run.stdout)[1:]}
    assert f"'{LINK}" in labels and "'@SUM(1+1)" in labels
    assert labels["'-调减项目"][3:6] == ["-3.50", "0.00", "-3.50"]
    assert not any(r[0].startswith(("=", "+", "@")) for r in rows(run.stdout))


def test_the_table_browser_csv_quotes_formulas_and_keeps_numbers(store_dir):
    conn = store.connect(store_dir / "facts.sqlite")
    doc = store.documents(conn)[0]
    table = next(t for t in store.tables(conn, doc.doc_id) if t.title == "部门支出预算表")
    conn.close()
    written = rows(presenter.table_csv(table).decode("utf-8-sig"))
    assert [r[0] for r in written[1:]] == ["合计", f"'{LINK}", "'@SUM(1+1)", "'-调减项目"]
    assert written[-1][1:] == ["-3.5", "0.0", "-3.5"]  # numbers, as the frame holds them


def test_export_csv_quotes_formulas(store_dir):
    run = runner.invoke(app, ["export", "--format", "csv", "--store", str(store_dir)])
    exported = rows(run.stdout)
    row = exported[0].index("row")
    assert {r[row] for r in exported[1:]} >= {f"'{LINK}", "'@SUM(1+1)"}
    assert not any(cell.startswith(("=", "@")) for r in exported for cell in r)


def test_a_list_download_quotes_formulas_and_keeps_numbers():
    cite = Citation(doc_id="d", department="部门", year=2024, kind="table", table="项目表", row="x", quote="x")
    figures = [Figure(value=v, unit="万元", label=label, citation=cite)
               for label, v in ((LINK, 1.0), ("+cmd|' /C calc'!A0", 2.0), ("项目", -3.5))]
    answer = Answer(question="q", answer="a", answerable=True, figures=figures, intent="plan:list")
    written = rows(frame_csv(presenter.item_table(answer)).decode("utf-8-sig"))
    assert [r[0] for r in written[1:]] == [f"'{LINK}", "'+cmd|' /C calc'!A0", "项目"]
    assert written[-1][1] == "-3.5"
