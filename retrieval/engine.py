"""The answer engine: question → documents → intent → facts and arithmetic → cited Answer.

Numbers come only from the fact store or from code computing on it. When the documents do
not hold the answer, the Answer says so (answerable false, no number) and names what they cover.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from threading import Lock

from indexer import store
from indexer.store import Database
from indexer.records import Document
from retrieval import answers, caches, claims
from retrieval.compare import compare
from retrieval.compose import refusal, who
from retrieval.coverage import uncovered_words
from retrieval.facts import DocFacts, unit_names
from retrieval.indicators import indicator_answer
from retrieval.records import Answer
from retrieval.resolve import Catalog, Resolution, department_aliases
from retrieval.search import HybridSearch, quote_citation
from retrieval.understand import Question, items_in, lexicon_terms, understand
from retrieval.answer.gates import choose, items_fit, kind_fits, legacy_misfit
from retrieval.answer.wording import (agreement_answer, alternatives_answer, held_back, in_asked_unit,
                                     plan_answer)
from retrieval.compose import help_answer
from retrieval.plan import actuals, across, computed, reconcile  # noqa: F401  (builders register themselves)
from retrieval.plan.across import ASKS_ACROSS
from retrieval.plan import claims as claim_plans  # noqa: F401
from retrieval.plan.builders import propose
from retrieval.plan.context import Source, Context
from retrieval.plan.items import find_items
from retrieval.plan.execute import Executor, PlanFailed
from retrieval.plan.records import Interpretation, Result
from retrieval.question.conversation import History, standalone
from retrieval.question.linking import EntityIndex
from retrieval.caches import ENTITY_INDEXES
from retrieval import sections
from retrieval.question.mentions import (asks_actuals, has_budget_words, is_greeting, normalise_question,
                                        read_question, section_asked)
from retrieval.question.records import Reading

MAX_QUESTION = 500
# a body inside a department, named beside it ("…局所属的…政务服务中心")
_ORGAN = re.compile(r"[\u4e00-\u9fff]{2,12}?(?:中心|分局|所|站|队|大队)(?![\u4e00-\u9fff]{0,2}(?:建设|经费|项目|费))")
STATE_FLOOR = 0.7
# the parts of a several-part question: "…多少？…占多大比例？", "…多少个项目，合计多少钱，最贵的是哪个"
_PART = re.compile(r"(?<=[？?；;])|[，,](?=[^，,？?]{0,8}(?:多少|几|哪))")  # a plan scoring lower reads too little of the question to state its figure


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long)."""


Handler = Callable[[Question, DocFacts], Answer | None]
# tried in this order for a question about one document; the first answer wins
HANDLERS: list[tuple[str, Handler]] = [
    ("claim", claims.claim),
    ("previous_year", answers.previous_year),
    ("rank", answers.rank),
    ("structure", answers.structure),
    ("average", answers.average),
    ("count", answers.count),
    ("share", answers.share),
    ("difference", answers.difference),
    ("indicator", indicator_answer),
]


class Engine:
    """Answers questions from one store. Built once; answering is thread-safe for reads."""

    def __init__(self, conn: Database, search: HybridSearch | None,
                 audit: Callable[[Database, str], list] | None = None) -> None:
        self.conn = conn
        self.search = search
        self.audit = audit
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
            doc = next(d for d in self.documents if d.doc_id == doc_id)
            self._facts[doc_id] = DocFacts(self.conn, doc)
        return self._facts[doc_id]

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
        asked = text
        if history:
            asked = standalone(text, history, self.catalog) or text
        result = self._answer(asked, doc_ids)
        if asked != text:
            note = f"（按上文理解为：{asked}）"
            result = result.model_copy(update={
                "question": text, "interpretation": f"{result.interpretation or asked}{note}"})
        return result

    def _answer(self, text: str, doc_ids: list[str] | None) -> Answer:
        allowed = [d for d in self.documents if doc_ids is None or d.doc_id in doc_ids]
        if not allowed:
            return refusal(text, "没有可供回答的预算文件。", self.documents)
        res = self.catalog.resolve(normalise_question(text))
        if is_greeting(text) or not (has_budget_words(text) or res.department_named or res.documents):
            return help_answer(text, allowed)
        q = understand(normalise_question(text))
        q.text = text
        matches = [m for m in res.documents if m.doc_id in {d.doc_id for d in allowed}]
        if res.year_missing is not None and not _each_has_a_year(res, allowed) \
                and not _projects_forward(text, res, allowed):
            covered = [d for d in allowed if d.department in {m.department for m in res.documents}]
            return refusal(text, f"文件中没有{res.year_missing}年的预算。", covered or allowed)
        if res.department_named and not matches:
            hidden = [m for m in res.documents if m.doc_id not in {d.doc_id for d in allowed}]
            if hidden:
                return refusal(text, f"{hidden[0].department}不在当前筛选范围内，请调整筛选后再问。", allowed,
                               intent="filtered")
            return refusal(text, "已收录的文件中没有这个部门的预算。", allowed)
        if res.ambiguous and len({m.department for m in matches}) > 1 and not _is_comparison(q):
            names = "、".join(dict.fromkeys(m.department for m in matches))
            return refusal(text, f"问题可能指多个部门（{names}），请写明是哪一个。", allowed)
        departments = list(dict.fromkeys(m.department for m in matches))
        chosen = [next(m for m in matches if m.department == d) for d in departments]
        if not chosen and len(allowed) == 1:
            chosen_docs = [(allowed[0].doc_id, "")]
        else:
            chosen_docs = [(m.doc_id, m.matched_text) for m in chosen]
        if not chosen and len({d.department for d in allowed}) > 1 and ASKS_ACROSS.search(normalise_question(text)):
            # "哪个部门…最多", "这几个部门一共多少": every department's latest document
            latest = {}
            for d in sorted(allowed, key=lambda d: d.year):
                latest[d.department] = d
            docs = [(d.doc_id, "") for d in latest.values()]
            return self.decide(text, docs, refusal(text, "请写明是哪个部门的预算。", allowed))
        if len(departments) >= 2:
            sides = [(self.facts(m.doc_id), m.matched_text) for m in chosen]
            legacy = compare(q, sides) or refusal(text, "文件中没有可比较的这一项数据。", allowed)
        elif chosen_docs:
            legacy = self.answer_one(q, self.facts(chosen_docs[0][0]), res)
        else:
            legacy = self.narrative(q, allowed) or refusal(text, "请写明是哪个部门的预算。", allowed)
        return self.every_part(text, chosen_docs, self.decide(text, chosen_docs, legacy))

    def every_part(self, text: str, docs: list[tuple[str, str]], main: Answer) -> Answer:
        """"一共几个项目？合计多少钱？最贵的是哪个？": each part the main answer did not state is
        asked on its own (same department and year) and its answer added; the headline stays."""
        parts = [p for p in _PART.split(text) if p and p.strip()]
        if len(parts) < 2 or len(docs) != 1 or main.value is None or main.verdict is not None:
            return main
        doc = self.document(docs[0][0])
        named = docs[0][1] or doc.department
        texts, cites = [main.answer], list(main.citations)
        for part in parts:
            if not re.search(r"多少|几|哪", part):
                continue
            asked = part if named in part else f"{named}{doc.year}年{part.lstrip('，,、 ')}"
            sub = self._answer(asked, [doc.doc_id])
            if not sub.answerable or sub.value is None or sub.verdict is not None or _agrees(sub, _as_result(main)):
                continue
            if any(f"{sub.value:.2f}" in t for t in texts):
                continue  # already said
            texts.append(sub.answer)
            cites += [c for c in sub.citations if c not in cites]
        if len(texts) == 1:
            return main
        return main.model_copy(update={"answer": "".join(texts), "citations": cites})

    def decide(self, text: str, docs: list[tuple[str, str]], legacy: Answer) -> Answer:
        """Choose between the scored plans and the older rules' answer, through the gates."""
        reading = read_question(text)
        legacy = in_asked_unit(legacy, reading.asked)
        documents = [self.document(d) for d, _ in docs]
        if documents and asks_actuals(reading.text) and not any("决算" in d.kind for d in documents):
            return refusal(text, "问题问的是实际支出（决算），已收录的只有预算，没有决算数据。", documents,
                           intent="refusal")
        executed = self.plans(reading, docs) if docs else []
        if reading.claim is not None:  # a claim is answered by a verdict, not by a bare figure
            executed = [e for e in executed if e[1].verdict is not None]
        best, close = choose([e for e in executed if e[0].score >= STATE_FLOOR], reading.asked)
        agreeing = [e for e in executed if e[0].plan.op == "agree"]
        if agreeing and agreeing[0][0].score >= STATE_FLOOR:
            return agreement_answer(text, *agreeing[0], documents)
        if legacy.intent in ("consistency",) or not legacy.answerable and not executed:
            return _with_reading(legacy, documents)
        if best is not None:
            interp, result = best
            if _agrees(legacy, result) and legacy.verdict == result.verdict and (
                    interp.plan.op != "list" or legacy.intent == "structure"):
                return _with_reading(legacy, documents, interp)  # the same figure, in fuller words
            return plan_answer(text, interp, result, documents, reading.asked)
        if close:
            agreeing = next((c for c in close if _agrees(legacy, c[1])), None)
            if agreeing is not None and legacy_misfit(reading, legacy) is None:
                return _with_reading(legacy, documents, agreeing[0])
            return alternatives_answer(text, close, documents, reading.asked)
        reason = legacy_misfit(reading, legacy) or self._unit_misfit(docs, legacy)
        if reason:
            return _with_reading(held_back(text, legacy, reason), documents)
        return _with_reading(legacy, documents)

    def _unit_misfit(self, docs: list[tuple[str, str]], answer: Answer) -> str | None:
        """A unit inside the department was named (…中心): a figure of the whole department is no
        answer unless the answer speaks of that unit."""
        if len(docs) != 1 or answer.value is None:
            return None
        doc_id, named = docs[0]
        department = self.document(doc_id).department
        if not named or any(alias in named for alias in department_aliases(department) if len(alias) >= 3):
            # the department named itself; a body inside it named beside (…中心) must be the one cited
            rest = answer.question.replace(named, " ") if named else answer.question
            other = _ORGAN.search(normalise_question(rest))
            if other is None or other.group(0) in answer.answer or re.sub(r"^.*?[市区县]", "", other.group(0)) in answer.answer:
                return None
            return f"问的是{other.group(0)}，找到的数不是它的"
        core = re.sub(r"^.*?[市区县]", "", named) or named
        if core in answer.answer:
            return None
        return f"问的是{named}，找到的是整个{department}的数"

    def plans(self, reading: Reading, docs: list[tuple[str, str]]) -> list[tuple[Interpretation, Result]]:
        """Every builder's plan for these documents, executed; those that fail or do not give the
        kind of quantity asked are dropped. Best score first."""
        sources = []
        for doc_id, named in sorted(docs, key=lambda d: _position(reading.text, d[1])):
            index = self.entity_index(doc_id)
            # the lexicon's budget terms for plain words (公车运行维护费 → 公务用车运行维护费) are
            # linked too, after the question's own words
            links = index.link(_content(reading.text, named))
            terms = lexicon_terms(reading.text)
            if terms:  # no span of the question: they serve builders that look at links by kind
                best = {c.entity: c for c in links}
                for c in index.link("｜".join(terms)):
                    if c.entity not in best or c.score > best[c.entity].score:
                        best[c.entity] = c.model_copy(update={"start": -1, "end": -1, "evidence": "lexicon"})
                links = sorted(best.values(), key=lambda c: -c.score)
            sources.append(Source(doc_id, self.facts(doc_id), index, named, links))
        ctx = Context(_without_words_of_items(reading, sources), sources)
        executor = Executor({s.doc_id: (s.facts, s.index) for s in sources})
        out = []
        for interp in propose(ctx):
            try:
                result = executor.run(interp.plan)
            except PlanFailed:
                continue
            kind = "verdict" if result.verdict is not None else result.kind
            if not kind_fits(reading.asked, kind, result.unit) and not items_fit(reading.asked, result):
                continue
            if result.verdict is not None and reading.asked.kind and not kind_fits(
                    reading.asked, result.kind, result.unit):
                # "…对吗？实际是百分之几": of two verdicts, the one whose figure is the kind asked
                interp = interp.model_copy(update={"score": interp.score - 0.06})
            if docs_year_differs(reading, [s.facts.document for s in sources]) and interp.builder != "change":
                continue  # "2024年的预算" of a 2025 document: only its stated change speaks of 2024
            out.append((interp, result))
        return sorted(out, key=lambda e: -e[0].score)

    def entity_index(self, doc_id: str) -> EntityIndex:
        if doc_id not in self._entities:  # a document's records never change under its id
            self._entities[doc_id] = ENTITY_INDEXES.get(  # shared by the process's engines
                self.document(doc_id), lambda: EntityIndex.build(self.facts(doc_id)))
        return self._entities[doc_id]

    def document(self, doc_id: str) -> Document:
        return next(d for d in self.documents if d.doc_id == doc_id)

    def answer_one(self, q: Question, df: DocFacts, res: Resolution) -> Answer:
        parts = independent_parts(q.text)
        if len(parts) > 1:  # "一年花多少钱？有公车吗？": answer each, the first leads
            answers = [self.answer_part(understand(p), df, res) for p in parts]
            first = answers[0]
            return first.model_copy(update={
                "question": q.text, "answer": "".join(a.answer for a in answers),
                "citations": [c for a in answers for c in a.citations],
                "figures": [f for a in answers for f in a.figures],
            })
        return self.answer_part(q, df, res)

    def answer_part(self, q: Question, df: DocFacts, res: Resolution) -> Answer:
        q.focus = q.without(df.document.department, *(m.matched_text for m in res.documents))
        q.focus = re.sub(r"(19|20)\d\d年度?", "", q.focus)  # the year chose the document already
        q.plain_terms = lexicon_terms(q.focus)  # "办事处" in a name is not 办事
        named_items = items_in(q, df)
        # "上年结转结余" is an item, not a question about last year
        asks_prior = bool(res.prior_years) or (
            res.last_year and bool(re.search(r"上年|去年|上一年", q.without(*named_items))))
        # a plain quantity question naming nothing the document has, and asking about words
        # the document never uses (在编人员, 品牌型号), has no answer here
        exempt = {"indicator", "narrative", "previous_year", "claim", "consistency", "structure"}
        wants_section = bool(section_asked(q.focus))
        missing = [] if exempt & set(q.intents) or named_items or wants_section else uncovered_words(
            q, df, [m.matched_text for m in res.documents])
        if missing:
            return refusal(q.text, f"{who(df.document)}的预算文件没有关于“{'、'.join(missing)}”的内容。",
                           [df.document])
        if q.has("consistency") and self.audit is not None:
            found = self.consistency(q, df)
            if found:
                return found
        if not q.has("consistency"):  # a labelled block or a section asked for in words
            found = sections.labelled_block(q, df) or (self.named_section(q, df) if wants_section else None)
            if found:
                return found
        searched = False  # the text search runs at most once per question
        if q.has("narrative") and re.search(_STRONG_NARRATIVE, q.squeezed):
            found = answers.purpose_of_amount(q, df) or self.narrative(q, [df.document])
            searched = True
            if found:
                return found
        for intent, handler in HANDLERS:
            if intent == "previous_year" and (
                not asks_prior or re.search(r"为什么|原因", q.squeezed)
            ):
                continue  # "为什么比上年增加" asks for the reason, not last year's figure
            if intent != "previous_year" and not q.has(intent):
                continue
            result = handler(q, df)
            if result is not None:
                return result
            if intent == "previous_year":
                return refusal(q.text, f"{who(df.document)}的文件没有写明这一项的上年数据，无法推算。",
                               [df.document])
            if intent == "average" and re.search(r"人均|每人", q.squeezed):
                # a total is no answer to "人均": the head count is missing
                return refusal(q.text, f"{who(df.document)}的文件没有给出相应的人数，无法计算人均数。",
                               [df.document])
        if q.has("narrative") and not searched:
            found = self.narrative(q, [df.document])
            searched = True
            if found:
                return found
        if not q.has("indicator") and _names_an_indicator(q, df, named_items):
            found = indicator_answer(q, df)  # "平台维护数量是多少": an indicator by its name
            if found:
                return found
        result = answers.lookup(q, df)
        if result is not None:
            return result
        return (None if searched else self.narrative(q, [df.document])) or refusal(
            q.text, f"{who(df.document)}的预算文件中没有找到这一项。", [df.document])

    def narrative(self, q: Question, documents: list[Document]) -> Answer | None:
        if len(documents) == 1:
            whole = self.named_section(q, self.facts(documents[0].doc_id))
            if whole is not None:
                return whole
        if self.search is None:
            return None
        hits = self.search.search(q.text, [d.doc_id for d in documents], k=8)
        quotes = self.search.best_sentences(q.text, hits, limit=2)
        if not quotes:
            return None
        by_id = {d.doc_id: d for d in documents}
        cites = [quote_citation(x, by_id[x.doc_id]) for x in quotes]
        body = "".join(x.text if x.text.endswith(("。", "；")) else x.text + "。" for x in quotes)
        head = who(by_id[quotes[0].doc_id])
        return Answer(question=q.text, answer=f"{head}的文件写道：{body}", answerable=True,
                      citations=cites, intent="narrative")

    def named_section(self, q: Question, df: DocFacts) -> Answer | None:
        return sections.labelled_block(q, df) or sections.named_section(q, df)

    def consistency(self, q: Question, df: DocFacts) -> Answer | None:
        from retrieval.consistency import consistency_answer

        doc_id = df.document.doc_id
        if doc_id not in self._findings:  # a document's records never change under its id
            self._findings[doc_id] = self.audit(self.conn, doc_id)
        return consistency_answer(q, df, self._findings[doc_id])


# questions that ask for words, not a figure, even when they name an indicator table
_STRONG_NARRATIVE = r"为什么|原因|选了|选定|哪个项目作为|哪些单位|由哪些|干什么|做什么|职责"


def independent_parts(text: str) -> list[str]:
    """Split "A？B？" when B asks about something of its own ("有公车吗"), not about A ("占多少")."""
    parts = [p for p in re.split(r"(?<=[？?])", text) if p.strip()]
    if len(parts) < 2 or {"consistency", "claim"} & set(understand(text).intents):
        return [text]  # "有多少个项目？…一致吗？" is one question about agreement
    for part in parts[1:]:
        p = part.strip()
        if re.match(r"(占|其中|比|分别|那|各|合计|一共|共|实际|是|为什么|多少|高|低|差)", p) or len(p) < 4:
            return [text]
        if not (lexicon_terms(p) or understand(p).intents):
            return [text]
    return parts


def _each_has_a_year(res: Resolution, documents: list[Document]) -> bool:
    """"A2025年和B2023年": every department named has a document of one of the years asked."""
    named = {m.department for m in res.documents}
    return len(named) > 1 and all(
        any(d.department == name and d.year in res.years for d in documents) for name in named)


def _names_an_indicator(q: Question, df: DocFacts, items: list[str]) -> bool:
    """The question names an indicator of the 绩效目标表 that is no row or project name."""
    rows = {r.label for r in df.rows} | {p.name for p in df.projects}
    names = {i.level3 for i in df.indicators}
    return any(item in names and item not in rows for item in items)


def docs_year_differs(reading: Reading, documents: list[Document]) -> bool:
    """The question asks about a year none of its documents is for (a 上年 of one of them)."""
    years = {int(m.value) for m in reading.of("year") if m.value}
    return bool(years) and not years & {d.year for d in documents} and not read_question(
        reading.text).op("whatif")


def _without_words_of_items(reading: Reading, sources: list[Source]) -> Reading:
    """Operator words inside an item's name are part of the name (总计 in 收入总计)."""
    ctx = Context(reading, sources)
    spans = [(i.start, i.end) for s in sources for i in find_items(ctx, s)]
    kept = [m for m in reading.mentions if m.kind != "operator" or not any(
        a <= m.start and m.end <= b and (b - a) > (m.end - m.start) for a, b in spans)]
    return reading.model_copy(update={"mentions": kept})


def _projects_forward(text: str, res: Resolution, documents: list[Document]) -> bool:
    """"假如每年增长6%，到2027年": a later year is the target of a what-if, not a document's year."""
    if read_question(text).op("whatif") is None:
        return False
    named = {m.department for m in res.documents}
    latest = max((d.year for d in documents if d.department in named), default=None)
    return latest is not None and res.year_missing > latest


def _position(text: str, named: str) -> int:
    at = text.find(named) if named else -1
    return at if at >= 0 else len(text)


def _content(text: str, named: str) -> str:
    """The question without the department's name: its words are no budget item."""
    return text.replace(named, " ") if named else text


def _as_result(answer: Answer) -> Result:
    return Result(value=answer.value, unit=answer.unit, kind="amount")


def _agrees(answer: Answer, result: Result) -> bool:
    if answer.value is None or result.value is None:
        return False
    a = answer.value * (10000 if answer.unit == "亿元" else 0.0001 if answer.unit == "元" else 1)
    b = result.value * (10000 if result.unit == "亿元" else 0.0001 if result.unit == "元" else 1)
    return abs(a - b) <= max(0.005, 0.001 * abs(b)) and (answer.unit == result.unit or {
        answer.unit, result.unit} <= {"万元", "元", "亿元"})


def _with_reading(answer: Answer, documents: list[Document], interp: Interpretation | None = None) -> Answer:
    """The answer with how the question was understood."""
    if answer.interpretation:
        return answer
    heads = " / ".join(f"{d.department} · {d.year}" for d in documents)
    if interp is not None:
        what = interp.plan.describe()
    elif answer.figures:
        what = "、".join(dict.fromkeys(f.label for f in answer.figures[:3]))
    else:
        what = {"narrative": "文字说明", "refusal": "文件中没有", "held_back": "不确定",
                "claim": "核对说法", "consistency": "前后是否一致", "help": "使用帮助"}.get(answer.intent or "", answer.intent or "")
    return answer.model_copy(update={"interpretation": " · ".join(x for x in (heads, what) if x)})


def _is_comparison(q: Question) -> bool:
    return bool(re.search(r"和|与|跟|比|谁|哪个|分别|各", q.squeezed))
