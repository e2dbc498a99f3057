"""Properties built from the store's own facts (issue 19): every table row asked in several phrasings
is answered with its figure or not at all, never another figure; rows that only other documents have,
asked of this one, get no figure (never a broader row's).

To stay within about two minutes on two cores, the rows are sampled deterministically: each distinct
(document, label) is asked in one of the three phrasings, in turn (so every phrasing is used about a
third of the time), and at most `ABSENT_PER_DOCUMENT` absent labels are asked of each document, spread
evenly over the sorted list."""

from __future__ import annotations

import pytest

from indexer.text import normalise, squeeze
from ui.names import short_names

pytestmark = pytest.mark.corpus

PHRASINGS = (
    "{short}{year}年{label}是多少？",
    "{short}{label}预算多少钱",
    "{label}，{short}{year}年安排了多少？",
)
ABSENT_PER_DOCUMENT = 25
TOLERANCE = 0.005


def row_figures(engine, doc) -> dict[str, set[float]]:
    """Each row label (≥ 3 characters, not the department's own name) → the figures of its rows."""
    out: dict[str, set[float]] = {}
    for ref in engine.facts(doc.doc_id).rows:
        label, cell = ref.label, ref.cell()
        if len(label) < 3 or cell is None or cell.value is None or label in doc.department:
            continue
        out.setdefault(label, set()).add(round(cell.value, 2))
    return out


def names_in(engine, doc) -> str:
    """Everything the document names: rows, projects, indicators and its text."""
    facts = engine.facts(doc.doc_id)
    named = [p.name for p in facts.projects] + [i.level3 for i in facts.indicators]
    named += [i.project or "" for i in facts.indicators]
    return squeeze(normalise(facts.all_text + "".join(named)))


@pytest.fixture(scope="module")
def shorts(corpus_engine) -> dict[str, str]:
    return short_names([d.department for d in corpus_engine.documents])


def test_every_row_is_answered_with_its_figure_or_not_at_all(corpus_engine, shorts):
    right, wrong, abstained = [], [], []
    k = 0
    for doc in sorted(corpus_engine.documents, key=lambda d: d.department):
        for label, figures in sorted(row_figures(corpus_engine, doc).items()):
            question = PHRASINGS[k % len(PHRASINGS)].format(short=shorts[doc.department], year=doc.year,
                                                             label=label)
            k += 1
            a = corpus_engine.answer(question)
            if a.value is None:
                abstained.append(question)
            elif any(abs(a.value - f) <= TOLERANCE for f in figures):
                right.append(question)
            else:
                wrong.append(f"{question} → {a.value}{a.unit or ''} (rows: {sorted(figures)})")
    total = len(right) + len(wrong) + len(abstained)
    assert total > 300
    assert wrong == [], "\n".join(wrong)
    assert len(right) >= 0.95 * total, (f"{len(right)}/{total} right; abstained:\n" + "\n".join(abstained))


def test_rows_only_other_documents_have_get_no_figure(corpus_engine, shorts):
    docs = sorted(corpus_engine.documents, key=lambda d: d.department)
    labels = {d.doc_id: set(row_figures(corpus_engine, d)) for d in docs}
    stated, asked = [], 0
    for doc in docs:
        here = names_in(corpus_engine, doc)
        absent = sorted({label for other in docs if other is not doc for label in labels[other.doc_id]
                         if len(label) >= 4 and squeeze(normalise(label)) not in here})
        step = max(1, len(absent) // ABSENT_PER_DOCUMENT)
        for label in absent[::step][:ABSENT_PER_DOCUMENT]:
            question = PHRASINGS[0].format(short=shorts[doc.department], year=doc.year, label=label)
            asked += 1
            a = corpus_engine.answer(question)
            if a.value is not None:
                stated.append(f"{question} → {a.value}{a.unit or ''} ({a.interpretation})")
    assert asked > 60
    assert len(stated) <= 0.01 * asked, "\n".join(stated)
