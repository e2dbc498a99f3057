"""The kind of a table from its title, across publishers and years (`table_templates.json`).

"收支预算总表", "部门收支总表" and "部门收支总体情况表" are one kind, 部门收支预算表; the 决算 tables
have kinds of their own (收入支出决算总表 …). The longest title word contained in the title wins.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from indexer.text import normalise, squeeze

TEMPLATES = Path(__file__).with_name("table_templates.json")


@lru_cache(maxsize=1)
def _title_words() -> tuple[list[tuple[str, str]], set[str]]:
    data = json.loads(TEMPLATES.read_text(encoding="utf-8"))["title_kinds"]
    words = [(normalise(squeeze(word)), kind) for kind, titles in data["kinds"].items() for word in titles]
    return sorted(words, key=lambda w: -len(w[0])), set(data["summary_kinds"])


def table_kind(title: str) -> str | None:
    """The table's kind ("部门收支预算表", "“三公”经费支出决算表" …), or None when no title word fits."""
    t = normalise(squeeze(title))
    return next((kind for word, kind in _title_words()[0] if word in t), None)


def is_summary(kind: str | None) -> bool:
    """Whether a kind is a document's summary table (部门收支总表 or its 决算 counterpart)."""
    return kind in _title_words()[1]
