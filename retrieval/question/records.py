"""What a question says, span by span: typed mentions and the store entities they may link to."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MentionKind = Literal[
    "department", "unit", "unknown_department", "place", "period", "actual", "year", "relative_year", "item", "table", "code",
    "column", "operator", "constant", "asked", "claim", "per", "filler", "content",
]
QuantityKind = Literal["amount", "percent", "count", "ratio", "time", "text"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mention(Record):
    """One span of the question and what it is."""

    kind: MentionKind
    start: int  # in the normalised question
    end: int
    text: str
    name: str = ""  # operator name, claim relation, asked kind, table number …
    value: float | None = None  # a constant's or stated value (amounts in 万元, shares in %)
    unit: str | None = None  # the unit written or asked ("万元", "%", "人", "台")


class Asked(Record):
    """The kind of quantity the question asks for, and its unit when the question names one."""

    kind: QuantityKind | None = None
    unit: str | None = None  # "元" for 按元算, "台" for 多少台, "倍" for 几倍
    per: str | None = None  # 平均每(人|辆|月…): the denominator's measure word
    # what each asking part of a several-part question asks ("多少？占多大比例？" → any, percent);
    # "any" for a part that asks a figure without saying which kind
    parts: list[str] = Field(default_factory=list)
    count_units: list[str] = Field(default_factory=list)  # every 多少X of the question: 件, 项 …
    counted: str | None = None  # what is counted: "社区" of 多少个社区, "车" of 几辆车


class Candidate(Record):
    """A store entity a span of the question may mean, with a score and the evidence for it."""

    entity: str  # entity key in the document's index
    kind: Literal["row", "column", "project", "indicator", "indicator_project", "fact", "unit", "table", "section"]
    name: str  # as the document writes it
    score: float  # 0..1
    start: int  # the span of the question it covers
    end: int
    evidence: str = ""  # "exact", "bigram 0.8", "code 30301" …


class Reading(Record):
    """A question read into typed mentions: every span is a department, year, number, operator,
    asking word, claim word or filler word, or it is `content` the plans must read as items."""

    text: str  # normalised, squeezed
    mentions: list[Mention] = Field(default_factory=list)
    asked: Asked = Field(default_factory=Asked)
    content: list[Mention] = Field(default_factory=list)
    resolution: Any = None  # the departments and years named (question.departments.Resolution)
    # slots taken from the conversation ("那去年呢？" takes the department and the item)
    inherited: list[str] = Field(default_factory=list)

    def of(self, kind: MentionKind) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]

    def op(self, name: str) -> Mention | None:
        return next((m for m in self.mentions if m.kind == "operator" and m.name == name), None)

    @property
    def claim(self) -> Mention | None:
        return next((m for m in self.mentions if m.kind == "claim"), None)
