"""What the plan builders see: the read question, the documents it is about, and the links."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.facts import DocFacts
from retrieval.plan.records import Plan
from retrieval.question.linking import Entity, EntityIndex
from retrieval.question.records import Candidate, Mention, Reading

# between enumerated items: "A、B和C", "A与B", "A以及B"
ENUMERATION = re.compile(r"、|以及|和|与|及|跟|加上|还有|,")


@dataclass(frozen=True)
class Source:
    """One document a question is about, with the question's words linked to its entities."""

    doc_id: str
    facts: DocFacts
    index: EntityIndex
    named: str  # the words that named the department ("" when inferred)
    links: list[Candidate] = field(default_factory=list)
    unit: str | None = None  # a budget unit inside the department the question names (…中心)
    unit_span: tuple[int, int] | None = None

    def entity(self, candidate: Candidate) -> Entity:
        found = self.index.get(candidate.entity)
        assert found is not None
        return found

    def key(self, entity_key: str) -> str:
        """A plan leaf's entity: the document and the entity."""
        return f"{self.doc_id}|{entity_key}"

    def project_leaf(self, project) -> Plan:
        """The amount of one project of the 项目支出预算表, as a plan leaf."""
        return Plan(op="value", entity=self.key(f"project:{project.ref.table.table_id}:{project.ref.row.index}"),
                    label=project.name)

    @property
    def department(self) -> str:
        return self.facts.document.department


# the text search a builder may use: (question, doc_ids) → the best sentences as (text, citation)
Quotes = Callable[[str, list[str]], list]


@dataclass(frozen=True)
class Context:
    reading: Reading
    sources: list[Source]
    quotes: Quotes | None = None
    findings: Callable[[str], list] | None = None  # the audit's findings of a document

    @property
    def text(self) -> str:
        return self.reading.text

    def mentions(self, kind: str) -> list[Mention]:
        return self.reading.of(kind)
