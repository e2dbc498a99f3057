"""The answer engine, one path: question → Reading → documents → scored plans executed on the
facts → gates → a cited Answer, the close readings, or what the documents do not hold.

Numbers come only from the fact store or from code computing on it. A figure is stated only when
a plan read every word of the question and gives the quantity asked (`answer.gates`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from threading import Lock

from indexer import store
from indexer.records import Document
from indexer.store import Database
from retrieval.service import caches
from retrieval.answer import gates, joining
from retrieval.answer.wording import alternatives_answer, held_back, not_found, plan_answer
from retrieval.service.caches import ENTITY_INDEXES
from retrieval.answer.compose import help_answer, refusal, who
from retrieval.facts import DocFacts, unit_names
from retrieval.plan import propose
from retrieval.plan.across import ASKS_ACROSS
from retrieval.plan.base import tables_named
from retrieval.plan.context import Context, Source
from retrieval.plan.execute import Executor
from retrieval.plan.units import PlanFailed
from retrieval.plan.items import restated, synonyms
from retrieval.question.conversation import History, standalone
from retrieval.question.departments import Catalog
from retrieval.question.linking import EntityIndex
from retrieval.question.mentions import has_budget_words, is_greeting
from retrieval.question.reading import read
from retrieval.question.records import Reading
from retrieval.records import Answer
from retrieval.search import HybridSearch, quote_citation
from retrieval.question.parts import split_parts

MAX_QUESTION = 500
FLOOR = 0.6  # the default of Settings.answer_floor (why: there)
FOUND_MARGIN = 0.15  # a document found by the question's words must beat the next by this much
FOUND_FLOOR = 0.85  # … and read the question this well: a plain figure found in every document is no clue
MAX_SEARCHED = 12  # documents a question naming no department is linked against (best by keywords)


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long)."""


class Engine:
    """Answers questions from one store. Built once; answering is thread-safe for reads."""

    def __init__(self, conn: Database, search: HybridSearch | None,
                 audit: Callable[[Database, str], list] | None = None, floor: float = FLOOR) -> None:
        self.conn = conn
        self.search = search
        self.audit = audit
        self.floor = floor
        self._sync_lock = Lock()
        self.revision = store.revision(conn)
        self.documents: list[Document] = store.documents(conn)
        self.catalog = Catalog(self.documents, unit_names(conn))
        self._facts: dict[str, DocFacts] = {}
        self._findings: dict[str, list] = {}
        self._entities: dict[str, EntityIndex] = {}

    def sync(self) -> bool:
        """See the store's documents as they are now: another process (an upload through another
        app or API worker) may have changed them. One row is read when nothing changed.
        Returns whether the documents changed."""
        now = store.revision(self.conn)
        if now == self.revision:
            return False
        with self._sync_lock:
            if now == self.revision:
                return False
            documents = store.documents(self.conn)
            self.catalog = Catalog(documents, unit_names(self.conn))
            # what was derived from a document is kept while it is stored as it was (the same
            # content indexed again under another department or year keeps its id)
            before = {d.doc_id: d for d in self.documents}
            kept = {d.doc_id for d in documents if before.get(d.doc_id) == d}
            for derived in (self._facts, self._findings, self._entities):
                for doc_id in set(derived) - kept:
                    derived.pop(doc_id, None)
            self.documents = documents
            if self.search is not None:
                self.search.refresh()
            caches.retain(documents)  # documents replaced or deleted leave the caches
            self.revision = now
        return True

    def facts(self, doc_id: str) -> DocFacts:
        if doc_id not in self._facts:
            self._facts[doc_id] = DocFacts(self.conn, self.document(doc_id))
        return self._facts[doc_id]

    def document(self, doc_id: str) -> Document:
        return next(d for d in self.documents if d.doc_id == doc_id)

    def entity_index(self, doc_id: str) -> EntityIndex:
        if doc_id not in self._entities:  # a document's records never change under its id
            self._entities[doc_id] = ENTITY_INDEXES.get(  # shared by the process's engines
                self.document(doc_id), lambda: EntityIndex.build(self.facts(doc_id)))
        return self._entities[doc_id]

    def findings(self, doc_id: str) -> list:
        if self.audit is None:
            return []
        if doc_id not in self._findings:
            self._findings[doc_id] = self.audit(self.conn, doc_id)
        return self._findings[doc_id]

    # ---- answering ------------------------------------------------------------------------------

    def answer(self, question: str, doc_ids: list[str] | None = None, history: History = ()) -> Answer:
        """Answer one question.

        Args:
            question: the question as the user wrote it.
            doc_ids: restrict answers to these documents (the app's filter); None for all.
            history: the conversation so far (questions, or (question, answer) pairs): a
                follow-up ("那去年呢？") takes the department, year or item it leaves out from it.

        Returns:
            The Answer with how the question was understood (`interpretation`); a refusal
            (answerable false) when the documents do not hold the answer; the close readings
            (value null) when the question can be read several ways with different figures.

        Raises:
            QuestionError: empty or over-long questions.
        """
        text = (question or "").strip()
        if not text:
            raise QuestionError("问题为空：请输入一个关于部门预算的问题。")
        if len(text) > MAX_QUESTION:
            raise QuestionError(f"问题过长（{len(text)}字，上限{MAX_QUESTION}字）：请缩短后再问。")
        self.sync()
        asked = standalone(text, history, self.catalog) if history else text
        result = self._answer(asked or text, doc_ids)
        if asked and asked != text:
            note = f"（按上文理解为：{asked}）"
            result = result.model_copy(update={
                "question": text, "interpretation": f"{result.interpretation or asked}{note}"})
        return result

    def _answer(self, text: str, doc_ids: list[str] | None) -> Answer:
        allowed = [d for d in self.documents if doc_ids is None or d.doc_id in doc_ids]
        if not allowed:
            return refusal(text, "没有可供回答的预算文件。", self.documents)
        reading = read(text, self.catalog)
        res = reading.resolution
        if is_greeting(text) or not (has_budget_words(text) or res.department_named or res.documents
                                     or reading.of("year") or reading.of("constant")):
            return help_answer(text, allowed)
        parts = split_parts(text, reading, self.catalog)
        if len(parts) > 1:
            answered = [(piece, self._answer_reading(read(whole, self.catalog), allowed)) for whole, piece in parts]
            return joining.combined(text, answered)
        return self._answer_reading(reading, allowed).model_copy(update={"question": text})

    def _answer_reading(self, reading: Reading, allowed: list[Document]) -> Answer:
        text = reading.text
        res = reading.resolution
        allowed_ids = {d.doc_id for d in allowed}
        if res.department_named and not res.documents:
            name = next((m.text for m in reading.of("unknown_department")), "这个部门")
            return refusal(text, f"已收录的文件中没有“{name}”的预算。", allowed)
        matches = [m for m in res.documents if m.doc_id in allowed_ids]
        if res.documents and not matches:
            hidden = res.documents[0].department
            return refusal(text, f"{hidden}不在当前筛选范围内，请调整筛选后再问。", allowed, intent="filtered")
        if res.year_missing is not None and not _each_has_a_year(res, allowed) and not reading.op("whatif"):
            covered = [d for d in allowed if d.department in {m.department for m in res.documents}]
            return refusal(text, f"文件中没有{res.year_missing}年的预算。", covered or allowed)
        if res.ambiguous and len({m.department for m in matches}) > 1 and not _compares(reading):
            return self._by_department(reading, _latest(matches, allowed), named=True)
        if matches:
            docs = [self.document(d) for d in dict.fromkeys(_one_per_department(matches))]
            docs = self._relative_year(reading, docs, allowed)
            return self._decide(reading, docs)
        latest = _latest_per_department(allowed)
        if len(latest) > 1 and ASKS_ACROSS.search(text):
            if res.years:  # "2023年的两个部门": the documents of that year
                latest = [d for d in allowed if d.year in res.years] or latest
            return self._decide(reading, latest)
        if len(latest) == 1:
            return self._decide(reading, self._relative_year(reading, latest, allowed))
        return self._by_department(reading, self._candidates(reading, allowed))

    def _relative_year(self, reading: Reading, docs: list[Document], allowed: list[Document]) -> list[Document]:
        """"去年的预算" of a department with last year's document too: that document."""
        offsets = [int(m.value) for m in reading.of("relative_year") if m.value
                   and not re.search(r"(?:比|较|与|和|同|相比)$", reading.text[:m.start])]
        if not offsets or len(docs) != 1:
            return docs
        target = docs[0].year + offsets[0]
        other = next((d for d in allowed if d.department == docs[0].department and d.year == target), None)
        return [other] if other else docs

    def _candidates(self, reading: Reading, allowed: list[Document]) -> list[Document]:
        """The documents a question naming no department may be about: every department's latest,
        the best few by keywords in a large store."""
        latest = _latest_per_department(allowed)
        if len(latest) <= MAX_SEARCHED or self.search is None:
            return latest
        words = "".join(m.text for m in reading.content) or reading.text
        hits = self.search.bm25.hits(words, k=MAX_SEARCHED * 4, doc_ids=[d.doc_id for d in latest])
        ranked = list(dict.fromkeys(doc for _, doc, _ in hits))[:MAX_SEARCHED]
        return [d for d in latest if d.doc_id in ranked] or latest[:MAX_SEARCHED]

    def _by_department(self, reading: Reading, documents: list[Document], named: bool = False) -> Answer:
        """No department named (or several fit): the documents whose facts read the question. One
        clearly → its answer, saying whose; several → the departments to choose from, each with
        its figure; none → what is not found."""
        outcomes = [(d, self._outcome(reading, [d])) for d in documents]
        passing = [(d, best) for d, (best, _, _, _) in outcomes if best is not None]
        if not passing:
            nears = [(d, near) for d, (_, _, near, _) in outcomes if near is not None]
            near = max(nears, key=lambda x: x[1].interp.score, default=(None, None))
            if near[1] is not None and not near[1].unread:
                return held_back(reading.text, near[1], [near[0]], reading.asked)
            return refusal(reading.text, "请写明是哪个部门的预算：问题没有写部门，已收录的文件中也找不到只属于一个部门的这一项。",
                           documents)
        passing.sort(key=lambda x: -x[1].interp.score)
        top_doc, top = passing[0]
        rivals = [p for p in passing[1:] if top.interp.score - p[1].interp.score < FOUND_MARGIN]
        # a name that fits several departments (大数据局) leaves only them, and a project or an
        # indicator found in one document only names its department: one reading is enough
        alone = len(passing) == 1 and top.interp.score >= self.floor
        if not rivals and (named or alone or top.interp.score >= FOUND_FLOOR):
            conf = gates.confidence(top, [])
            answer = plan_answer(reading.text, top, [top_doc], reading.asked, conf)
            return answer.model_copy(update={"answer": f"（问题没有写部门，按文件内容找到的是{who(top_doc)}的预算）" + answer.answer})
        options = [top] + [p[1] for p in rivals or passing[1:]]
        docs = [top_doc] + [p[0] for p in rivals or passing[1:]]
        return alternatives_answer(reading.text, options[:4], docs[:4], reading.asked,
                                   lead="问题没有写是哪个部门，几个部门都有这一项：")

    def _decide(self, reading: Reading, documents: list[Document]) -> Answer:
        best, close, near, passed = self._outcome(reading, documents)
        if best is not None and best.result.verdict is not None and joining.claims_an_error(reading) \
                and best.interp.plan.op in ("agree", "finding", "compare") and best.interp.plan.relation in (
                    None, "eq", "stated", "places"):
            # "这说明表格算错了，对吗": the claim is that the document is wrong; consistent → false
            best = gates.Checked(best.interp, best.result.model_copy(update={"verdict": not best.result.verdict}),
                                 best.reasons, best.unread)
        if best is not None:
            conf = gates.confidence(best, passed)
            if conf >= self.floor:
                answer = plan_answer(reading.text, best, documents, reading.asked, conf)
                text = gates.text_differs(best, passed)
                if text is not None:  # "共28个项目" in the text, 18 in the table: both said
                    said = f"{text.result.value:g}{text.result.unit or ''}"
                    answer = answer.model_copy(update={
                        "answer": answer.answer + f"（注意：文字说明中写的是{said}，与表格不一致。）",
                        "citations": answer.citations + [f.citation for f in text.result.figures]})
                return answer
            close = [best] + close
        if close:
            return alternatives_answer(reading.text, close, documents, reading.asked)
        if near is None:
            words = [m.text for m in reading.content]
            return not_found(reading.text, None, documents, reading.asked, words)
        if near.unread:
            return not_found(reading.text, near, documents, reading.asked, near.unread)
        return held_back(reading.text, near, documents, reading.asked)

    def _outcome(self, reading: Reading, documents: list[Document]
                 ) -> tuple[gates.Checked | None, list[gates.Checked], gates.Checked | None, list[gates.Checked]]:
        """The chosen plan (or the close ones), and the nearest plan that did not pass."""
        sources = [self._source(reading, d) for d in documents]
        # the sentence search (it opens Chroma and the embedding model) runs first only for a
        # question asking for words; for others only when no figure answers
        asks_words = reading.asked.kind == "text"
        ctx = Context(reading, sources, quotes=self._quotes if self.search and asks_words else None,
                      findings=self.findings)
        executor = Executor({s.doc_id: (s.facts, s.index) for s in sources})
        context = [span for s in sources for span in restated(ctx, s)]
        groups = [g for s in sources for g in synonyms(ctx, s)]
        named = [(a, b, ctx.text[a:b]) for s in sources for _, (a, b) in tables_named(ctx, s)
                 if not any(m.start == a for m in reading.of("table"))]
        years = sorted({d.year for d in documents})
        # a 决算 (by its kind, its title, or a table printing 决算数): what was spent may be asked
        actual = any("决算" in d.kind or "决算" in d.title or any(
            "决算" in c for t in self.facts(d.doc_id).tables for c in t.columns) for d in documents)
        numbered = {int(m.group(1)) for s in sources for t in s.facts.tables
                    if t.number and (m := re.search(r"(\d+)\s*表", t.number))}

        def checked_plans(ctx: Context) -> list[gates.Checked]:
            checked = []
            for interp in propose(ctx):
                try:
                    result = executor.run(interp.plan)
                except PlanFailed:
                    continue
                checked.append(gates.check(reading, interp, result, years, context, named, actual, groups, numbered))
            return checked

        checked = checked_plans(ctx)
        passed = [c for c in checked if c.passes]
        best, close = gates.choose(passed, reading.asked, reading.text)
        if best is None and not close and self.search and not asks_words:
            checked = checked_plans(replace(ctx, quotes=self._quotes))
            passed = [c for c in checked if c.passes]
            best, close = gates.choose(passed, reading.asked, reading.text)
        if best is None and close:
            best, close = joining.joined(reading, close)
        if best is not None:
            best = joining.quoted(best, passed)
        failed = sorted((c for c in checked if not c.passes),
                        key=lambda c: (len(c.reasons), -c.interp.score, sum(map(len, c.unread))))
        return best, close, failed[0] if failed else None, passed

    def _source(self, reading: Reading, doc: Document) -> Source:
        index = self.entity_index(doc.doc_id)
        masked = _masked(reading)
        unit = next((m for m in reading.of("unit") if m.name == doc.department), None)
        named = next((m.text for m in reading.mentions if m.kind in ("department", "unit") and m.name == doc.department), "")
        return Source(doc.doc_id, self.facts(doc.doc_id), index, named, index.link(masked),
                      unit=unit.text if unit else None, unit_span=(unit.start, unit.end) if unit else None)

    def _quotes(self, text: str, doc_ids: list[str]) -> list:
        hits = self.search.search(text, doc_ids, k=12)
        quotes = self.search.best_sentences(text, hits, limit=6)
        return [(q.text, quote_citation(q, self.document(q.doc_id))) for q in quotes]


def _masked(reading: Reading) -> str:
    """The question with its department names blotted out (same length): their words are no item."""
    chars = list(reading.text)
    for m in reading.mentions:
        if m.kind in ("department", "unknown_department"):
            for i in range(m.start, m.end):
                chars[i] = "#"
    return "".join(chars)


def _each_has_a_year(res, documents: list[Document]) -> bool:
    """"A2025年和B2023年": every department named has a document of one of the years asked."""
    named = {m.department for m in res.documents}
    return len(named) > 1 and all(
        any(d.department == name and d.year in res.years for d in documents) for name in named)


def _compares(reading: Reading) -> bool:
    return bool(re.search(r"和|与|跟|比|谁|哪个|分别|各", reading.text)) and len(reading.of("department")) > 1


def _one_per_department(matches) -> list[str]:
    seen, out = set(), []
    for m in matches:
        if m.department not in seen:
            seen.add(m.department)
            out.append(m.doc_id)
    return out


def _latest_per_department(documents: list[Document]) -> list[Document]:
    latest: dict[str, Document] = {}
    for d in sorted(documents, key=lambda d: d.year):
        latest[d.department] = d
    return list(latest.values())


def _latest(matches, allowed: list[Document]) -> list[Document]:
    names = {m.department for m in matches}
    return _latest_per_department([d for d in allowed if d.department in names])
