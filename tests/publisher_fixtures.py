"""Excel and Word disclosures built in the tests (no binaries in the repository), in the shapes
other publishers use: a title row, a unit row, merged header cells, numbers as numbers or as text
with thousands separators."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "publishers"


def three_public_workbook(path: Path) -> Path:
    """东城区城市管理局 2023: a 收支预算总表 sheet and a “三公” sheet in 元 with merged headers."""
    import openpyxl

    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "收支预算总表"
    summary.append(["2023年收支预算总表"])
    summary.merge_cells("A1:D1")
    summary.append(["单位名称：东城区城市管理局", None, None, "单位：万元"])
    summary.append(["收入", None, "支出", None])
    summary.merge_cells("A3:B3")
    summary.merge_cells("C3:D3")
    summary.append(["项目", "预算数", "项目", "预算数"])
    summary.append(["一般公共预算拨款收入", 1530.60, "城乡社区支出", 1412.25])
    summary.append(["政府性基金预算拨款收入", 0, "社会保障和就业支出", 118.35])
    summary.append(["收入总计", 1530.60, "支出总计", 1530.60])
    for row in summary.iter_rows(min_row=5):
        for cell in row:
            if isinstance(cell.value, float | int):
                cell.number_format = "#,##0.00"
    sheet = book.create_sheet("三公经费")
    sheet.append(["2023年一般公共预算“三公”经费支出预算表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["单位名称：东城区城市管理局", None, None, None, None, "单位：元"])
    sheet.append(["合计", "因公出国（境）费", "公务用车购置及运行费", None, None, "公务接待费"])
    sheet.append([None, None, "小计", "公务用车购置费", "公务用车运行费", None])
    for cells in ("A3:A4", "B3:B4", "C3:E3", "F3:F4"):
        sheet.merge_cells(cells)
    sheet.append(["290,500.00", "0.00", "226,000.00", "0.00", "226,000.00", "64,500.00"])
    book.save(path)
    return path


def budget_docx(path: Path) -> Path:
    """青禾县农业农村局 2024 部门预算: heading, narrative, a 部门支出预算表 with merged headers."""
    import docx

    document = docx.Document()
    document.add_heading("青禾县农业农村局2024年部门预算公开", level=1)
    document.add_paragraph("第二部分 2024年部门预算情况说明")
    document.add_paragraph("2024年青禾县农业农村局收入总计2,048.66万元，支出总计2,048.66万元。"
                           "其中基本支出1,236.40万元，占60.35%；项目支出812.26万元，占39.65%。")
    document.add_paragraph("附件：2024年部门预算表")
    document.add_paragraph("2024年部门支出预算表")
    document.add_paragraph("单位：万元")
    table = document.add_table(rows=5, cols=5)
    rows = [
        ["科目名称", "合计", "基本支出", "", "项目支出"],
        ["", "", "人员经费", "公用经费", ""],
        ["合计", "2,048.66", "1,080.12", "156.28", "812.26"],
        ["行政运行", "1,236.40", "1,080.12", "156.28", ""],
        ["农业农村项目", "812.26", "", "", "812.26"],
    ]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).merge(table.cell(1, 1))
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(0, 4).merge(table.cell(1, 4))
    document.add_paragraph("注：本表不含政府性基金预算支出。")
    document.save(path)
    return path
