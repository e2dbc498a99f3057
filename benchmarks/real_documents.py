"""Measure the indexer on real disclosures kept outside the repository (their text never enters it).

    python benchmarks/real_documents.py DIR [DIR …]

Each DIR holds the saved pages and a docs.json naming the department and year each should get
(`{"file.txt": {"department": "…", "year": 2024}}`; an empty department means the text names
none). A file is read without --department/--year, as a user would index it. A department is
right when it is the one expected, or — when the text does not contain the expected name at
all — when the document is indexed with a warning asking for it. Prints one line per document
and the share accepted with the right department and year. Not a test: it asserts nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.parse.metadata import NAME_REQUEST  # noqa: E402
from indexer.pipeline import parse_source  # noqa: E402
from indexer.read.load import read_document  # noqa: E402


def expected_docs(folder: Path) -> dict[str, dict]:
    for name in ("docs.json", *(f"docs_{x}.json" for x in "ab")):
        if (folder / name).exists():
            return json.loads((folder / name).read_text(encoding="utf-8"))
    eval_copy = ROOT.parent / "shared" / "eval" / folder.name / "docs.json"
    return json.loads(eval_copy.read_text(encoding="utf-8"))


def measure(path: Path, want: dict) -> dict:
    row = {"file": path.name, "want": f"{want['department'] or '(none)'} {want['year']}"}
    try:
        source = read_document(path)
        parsed = parse_source(source)
    except Exception as error:  # noqa: BLE001 - a refusal is a result here
        return row | {"got": f"refused: {error}", "ok": False, "facts": 0, "cells": 0}
    d = parsed.document
    text = "".join(source.lines)
    asked = any(NAME_REQUEST in w for w in parsed.warnings)
    name_ok = d.department == want["department"] or (
        asked and (not want["department"] or want["department"] not in text))
    cells = sum(1 for t in parsed.tables for r in t.rows for c in r.cells if c.value is not None)
    return row | {"got": f"{d.department}{' (asked)' if asked else ''} {d.year}",
                  "ok": name_ok and d.year == want["year"], "facts": len(parsed.facts),
                  "cells": cells, "indicators": len(parsed.indicators)}


def main() -> None:
    rows = []
    for folder in map(Path, sys.argv[1:]):
        for name, want in sorted(expected_docs(folder).items()):
            rows.append(measure(folder / name, want))
    for r in rows:
        mark = "ok " if r["ok"] else "XX "
        print(f"{mark}{r['file'][:38]:38} got {r['got'][:60]:60} want {r['want']:28}"
              f" facts {r['facts']:3} cells {r['cells']:3}")
    good = sum(r["ok"] for r in rows)
    print(f"accepted with the right department and year: {good}/{len(rows)} ({good / len(rows):.0%})")


if __name__ == "__main__":
    main()
