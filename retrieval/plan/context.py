"""What the plan builders see: the read question, the documents it is about, and the links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.facts import DocFacts
from retrieval.plan.records import Plan
from retrieval.question.linking import Entity, EntityIndex
from retrieval.question.records import Candidate, Mention, Reading

# between enumerated items: "A、B和C", "A与B", "A以及B"
ENUMERATION = re.compile(r"、|以及|和|与|及|跟|加上|还有|,")


@dataclass
class Source:
    doc_id: str
    facts: DocFacts
    index: EntityIndex
    named: str  # the words that named the department ("" when inferred)
    links: list[Candidate] = field(default_factory=list)

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


@dataclass
class Context:
    reading: Reading
    sources: list[Source]

    @property
    def text(self) -> str:
        return self.reading.text

    def mentions(self, kind: str) -> list[Mention]:
        return self.reading.of(kind)
