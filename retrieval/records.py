"""Records of the answering side: what a question resolves to, the evidence, and the Answer
(whose JSON is exactly the contract of ../shared/eval/README.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(Record):
    doc_id: str
    department: str
    year: int
    kind: Literal["table", "section"]
    table: str | None = None
    row: str | None = None
    column: str | None = None
    section: str | None = None
    page: int | None = None
    line: int | None = None  # not in the JSON contract: kept for the app and the CLI
    quote: str

    def contract(self) -> dict[str, object]:
        return self.model_dump(exclude={"line"})


class Figure(Record):
    """A number taken from the store, with where it came from."""

    value: float
    unit: str  # "万元", "%", "个", "辆" …
    label: str  # what it is: "事业运行 / 合计"
    citation: Citation
    text: str | None = None  # the figure as written when it says more than value and unit ("≥95%")


class Answer(Record):
    question: str
    answer: str
    answerable: bool
    value: float | None = None
    unit: str | None = None
    verdict: bool | None = None
    computation: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    # not in the contract: the figures behind the answer, for the app's tables and charts
    figures: list[Figure] = Field(default_factory=list)
    intent: str | None = None
    # how the question was understood ("西工区政府办 · 2025 · 印刷费 · 合计"), and the other
    # readings offered when none was clear enough to state a figure
    interpretation: str | None = None
    alternatives: list[str] = Field(default_factory=list)
    # how sure the engine is of the stated figure or verdict (0..1); None when nothing is stated
    confidence: float | None = None
    # not in the contract, said beside it (`response`): whether a chat model worded the text, and
    # why its wording was not shown (None when no model is configured); what the reader should
    # know about the cited figures (a cited row that fails its table's sums)
    model_used: bool | None = None
    model_rejected_reason: str | None = None
    warnings: list[str] = Field(default_factory=list)

    def contract(self) -> dict[str, object]:
        """The JSON object of the answer contract, nothing more."""
        return {
            "question": self.question,
            "answer": self.answer,
            "answerable": self.answerable,
            "value": self.value,
            "unit": self.unit,
            "verdict": self.verdict,
            "computation": self.computation,
            "citations": [c.contract() for c in self.citations],
            "interpretation": self.interpretation,
        }

    def response(self) -> dict[str, object]:
        """The JSON of `ask --json` and `serve`: the contract, then what is said beside it
        (`model_used`, `model_rejected_reason` when a model is configured, `warnings` when any)."""
        extra: dict[str, object] = {}
        if self.model_used is not None:
            extra |= {"model_used": self.model_used, "model_rejected_reason": self.model_rejected_reason}
        if self.warnings:
            extra["warnings"] = list(self.warnings)
        return self.contract() | extra


# how figures are written in answers and formulas, by the plans and the wording alike
def num(value: float, places: int = 2) -> str:
    """Format an amount as the documents do: two decimals, no trailing noise for counts."""
    if float(value).is_integer() and places == 0:
        return str(int(value))
    return f"{value:.{places}f}"
