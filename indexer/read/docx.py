"""Read a Word document (.docx, python-docx): paragraphs and tables in body order.

A merged cell (gridSpan across, vMerge down) is written once, in its top-left position, as the
text exports show merged headers.
"""

from __future__ import annotations

from pathlib import Path

from indexer.read.grid import cell_text, grid_lines


class UnreadableWordFile(Exception):
    """The file is not a readable .docx document."""


def docx_lines(path: Path) -> list[str]:
    """The document's paragraphs as lines and its tables as tab-separated lines, in order.

    Raises:
        UnreadableWordFile: not a .docx (an old .doc, a broken zip), or no body.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as error:  # PackageNotFoundError, BadZipFile, KeyError on a foreign zip
        raise UnreadableWordFile(f"not a readable .docx document ({type(error).__name__})") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines += [cell_text(part) for part in block.text.split("\n")]
        elif isinstance(block, Table):
            lines.append("")
            lines += grid_lines(_grid(block))
            lines.append("")
    return lines


def _grid(table) -> list[list[str]]:
    """The table's grid: a merged cell's text in its first position only."""
    grid: list[list[str]] = []
    above: list = []
    for row in table.rows:
        cells = row.cells  # python-docx repeats a merged cell in every position it covers
        fields = []
        for c, cell in enumerate(cells):
            left = c > 0 and cells[c - 1]._tc is cell._tc
            up = c < len(above) and above[c]._tc is cell._tc
            fields.append("" if left or up else cell_text(cell.text))
        grid.append(fields)
        above = cells
    return grid
