"""Read an HTML page saved from a government site: its text as lines, its tables as tab lines.

Block elements (p, div, h1–h6, li, br …) give one line each; a `<table>` gives its grid with
rowspan/colspan expanded (see `grid`). Scripts, styles and navigation text in them are dropped.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from indexer.read.grid import cell_text, grid_lines, place

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
           "header", "footer", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "center",
           "caption", "body", "html", "main", "form", "td", "th", "tbody", "thead", "table"}
_CHROME = re.compile(r"\b(?:nav|navbar|menu|breadcrumb|crumb|footer|header|sidebar|share|position|location)\b")
_DROP = ("script", "style", "noscript", "head", "iframe", "object", "template")


class UnreadableHTML(Exception):
    """The bytes are not an HTML page with text."""


def html_lines(data: bytes | str) -> list[str]:
    """The page's text lines in reading order, tables as tab-separated lines.

    Raises:
        UnreadableHTML: no parsable markup or no text.
    """
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as error:
        raise UnreadableHTML(f"not a readable HTML page ({error})") from None
    # collected first: dropping while iterating ends the walk early (a <style> in <head> kept
    # every <script> of <body>); an element inside one already dropped goes with it
    for element in list(root.iter(*_DROP)):
        if element.getparent() is not None:
            element.drop_tree()
    # the site's navigation, breadcrumbs and footers are no part of the document
    for element in list(root.iter("nav", "div", "ul", "header", "footer")):
        marks = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if element.tag in ("nav", "header", "footer") or _CHROME.search(marks):
            element.drop_tree()
    lines: list[str] = []
    _walk(root, lines)
    return _tidy(lines)


def _spans(cell) -> tuple[int, int]:
    def number(name: str) -> int:
        try:
            return max(int(str(cell.get(name, "1")).strip() or 1), 1)
        except ValueError:
            return 1
    return number("rowspan"), number("colspan")


def table_lines(table) -> list[str]:
    """One `<table>`: its caption as a line, then its grid."""
    rows = []
    for tr in table.iter("tr"):
        if _owner(tr) is not table:
            continue  # a row of a table nested in a cell
        cells = [(cell_text(td.text_content()), *_spans(td)) for td in tr if td.tag in ("td", "th")]
        rows.append(cells)
    caption = [cell_text(c.text_content()) for c in table if c.tag == "caption"]
    return [c for c in caption if c] + grid_lines(place(rows))


def _owner(tr):
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def _walk(element, lines: list[str]) -> None:
    """Append an element's lines: its own text, its children in order, their tails."""
    if not isinstance(element.tag, str):  # comments, processing instructions
        return
    if element.tag == "table":
        lines.append("")
        lines += table_lines(element)
        lines.append("")
        return
    if element.tag == "br":
        lines.append("")
        return
    has_blocks = any(isinstance(d.tag, str) and (d.tag in _BLOCKS or d.tag in ("table", "br"))
                     for d in element.iterdescendants())
    if not has_blocks:
        text = cell_text(element.text_content())
        if text:
            _add(lines, text, element.tag in _BLOCKS)
        return
    if element.text and element.text.strip():
        _add(lines, cell_text(element.text), True)
    for child in element:
        _walk(child, lines)
        if child.tail and child.tail.strip():
            _add(lines, cell_text(child.tail), isinstance(child.tag, str) and child.tag in _BLOCKS)


def _add(lines: list[str], text: str, block: bool) -> None:
    """A block starts a line; inline text continues the line before it."""
    if block or not lines or not lines[-1]:
        lines.append(text)
    else:
        lines[-1] = f"{lines[-1]}{text}"


def _tidy(lines: list[str]) -> list[str]:
    """At most one empty line in a row."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out
