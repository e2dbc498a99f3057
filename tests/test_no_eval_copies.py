"""No evaluation question is copied into a test: the tests must hold on questions the code was not
shaped on. Reads the shared evaluation sets at run time (they are not part of this repository)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast

TESTS = Path(__file__).resolve().parent
EVAL = TESTS.parents[1] / "shared" / "eval"


def questions_in(value) -> list[str]:
    """Every string under a "question" key, at any depth (follow-up turns included)."""
    if isinstance(value, dict):
        found = [value["question"]] if isinstance(value.get("question"), str) else []
        return found + [q for v in value.values() for q in questions_in(v)]
    if isinstance(value, list):
        return [q for v in value for q in questions_in(v)]
    return []


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def eval_questions() -> set[str]:
    if not EVAL.is_dir():
        pytest.skip(f"the shared evaluation sets are not here ({EVAL})")
    files = sorted(EVAL.glob("*.jsonl")) + sorted((EVAL / "external1").glob("gold.jsonl"))
    found: set[str] = set()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.update(squeezed(q) for q in questions_in(json.loads(line)) if squeezed(q))
    if not found:
        pytest.skip(f"no evaluation questions found under {EVAL}")
    return found


def copies(eval_questions: set[str], paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        try:
            text = squeezed(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue  # binary fixtures (PDF, xlsx …)
        found += [f"{path.relative_to(TESTS)}: {q}" for q in sorted(eval_questions) if q in text]
    return found


def files_under_tests() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


def test_no_test_file_holds_an_evaluation_question(eval_questions):
    found = copies(eval_questions, files_under_tests())
    assert found == [], "evaluation questions copied into tests:\n" + "\n".join(found)
