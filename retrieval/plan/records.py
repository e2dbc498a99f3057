"""Query plans: a small expression tree over store entities and the user's constants."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from retrieval.records import Citation, Figure

Op = Literal[
    "value",  # one entity's figure, optionally under a column
    "const",  # a number the user gave
    "sum", "difference", "ratio", "share", "divide", "times", "growth", "count", "list", "top",
    "verify",  # a claim: args[0] compared with `stated` by `relation`
    "agree",  # a consistency question: do the figures of args agree (verdict)
    "previous",  # last year's figure: args[0] (this year) less/plus args[1] (the stated change)
    "quote",  # a sentence of the document that answers in words (`cite`)
    "compare",  # a claim comparing two figures: is args[0] `relation` (gt/lt/eq) args[1]
    "finding",  # the audit's finding (`finding`): the document contradicts itself, or differs in scope
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Plan(Record):
    op: Op
    args: list[Plan] = Field(default_factory=list)
    entity: str | None = None  # the entity key of a "value" leaf
    column: str | None = None  # its column path, when the question names one
    value: float | None = None  # a "const" leaf; k of "top"
    unit: str | None = None
    label: str = ""
    relation: str | None = None  # of "verify": ge / le / approx / eq / double …
    stated: float | None = None  # of "verify"
    cite: Citation | None = None  # of "quote"
    finding: Any = None  # of "finding": the audit's Finding record

    def describe(self) -> str:
        """The plan in words, for the reading shown under an answer."""
        if self.op == "value":
            return self.label
        if self.op == "const":
            return f"{self.value:g}{self.unit or ''}"
        if (len(self.args) > 4 or not self.args) and self.label:  # a set of many (or none): its name
            return self.label
        inner = "、".join(a.describe() for a in self.args)
        names = {"sum": "合计", "difference": "差额", "ratio": "倍数", "share": "占比", "divide": "平均",
                 "times": "乘积", "growth": "按增长推算", "count": "个数", "list": "列表", "top": "排名",
                 "verify": "核对说法", "agree": "是否一致", "previous": "上年数", "quote": "文字说明",
                 "compare": "比较", "finding": "前后是否一致"}
        return f"{names[self.op]}（{inner}）"


class Interpretation(Record):
    """A scored reading of the question: its plan and what each span became."""

    builder: str
    plan: Plan
    score: float
    covered: list[tuple[int, int]] = Field(default_factory=list)  # spans of the question used
    doc_ids: list[str] = Field(default_factory=list)
    # the slots the plan reads besides its spans (a unit inside the department, last year)
    reads: list[str] = Field(default_factory=list)


class Result(Record):
    """An executed plan: the figure, how it was computed, and its inputs."""

    value: float | None
    unit: str | None
    kind: Literal["amount", "percent", "count", "ratio", "time", "text", "verdict"]
    formula: str | None = None
    figures: list[Figure] = Field(default_factory=list)
    items: list[Figure] = Field(default_factory=list)  # the members of a set (sum, list, top)
    verdict: bool | None = None
    texts: list[str] = Field(default_factory=list)  # what is stated in words (an indicator's value, a quote)
    citations: list[Citation] = Field(default_factory=list)  # of the texts
