"""Hybrid text search for narrative questions: BM25 and dense search fused by reciprocal rank,
then the sentence of the best sections that answers the question, quoted verbatim with its line.

Numbers are looked up in the fact store; this module serves the questions whose answer is a
sentence (duties, reasons for a change, 名词解释, vehicles, 预算单位构成, 重点绩效 projects…).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from indexer import store
from indexer.store import Database
from indexer.search.bm25 import BM25Index
from indexer.read.load import UnreadableFile, read_source
from indexer.records import Chunk, Document, Section
from indexer.parse.sections import clean_line, line_of
from indexer.text import squeeze
from indexer.search.vectors import VectorIndex
from retrieval.records import Citation, Record

RRF_K = 60  # the constant of Cormack et al.: damps the head so neither ranking dominates
DENSE_FACTOR = 4  # dense candidates per wanted hit: Chroma cannot filter on kind, we do after
CACHED_DOCUMENTS = 256  # documents whose chunks are kept in memory (least recently searched out)
CHUNK_PRIOR = 0.35  # weight of the chunk's fused rank against the sentence's word overlap
CUE_WEIGHT = 2.0  # answer-form words (原因, 选定…) outweigh topic words the chunk already matched

# Split at 。；!? and line breaks, keeping the mark (quotes must be verbatim).
_SENTENCE = re.compile(r"[^。；;!?！？\n]+[。；;!?！？]?")
# Question words say what is asked, not what the answer contains; 部门预算 is what every
# sentence of these documents is about, so it cannot tell sentences apart.
_STOP = frozenset(
    "什么 干什么 为什么 怎么 怎样 如何 哪些 哪个 哪里 多少 是否 有没有 请问 一下 情况 主要 "
    "我们 这个 那个 可以 需要 部门 预算 部门预算".split()
)
# What a question asks → words that its answer sentence uses in these documents. Without them
# "为什么增加" would match every sentence that mentions 增加, not the one giving the 原因.
_CUES: dict[str, tuple[str, ...]] = {
    "为什么": ("原因",),
    "原因": ("原因",),
    "干什么": ("用于",),
    "用途": ("用于",),
    "哪些单位": ("包括:",),
    "组成": ("包括:",),
    "构成": ("包括:",),
    "公车": ("车辆",),
    "用车": ("车辆",),
    "哪个项目": ("选定",),
    "重点绩效": ("选定",),
}


class Hit(Record):
    """A chunk found for a query, with its fused score and its rank in each search."""

    chunk: Chunk
    score: float  # reciprocal rank fusion: sum of 1 / (RRF_K + rank)
    bm25_rank: int | None = None  # 1-based; None when BM25 did not return it
    dense_rank: int | None = None


class Quote(Record):
    """A sentence of a section, verbatim from its chunk, with where it stands."""

    text: str
    section: str  # heading path joined by " > "
    doc_id: str
    chunk_id: str
    line: int  # line of the original file where the sentence begins (else the section's first)
    page: int | None = None
    score: float


class HybridSearch:
    """BM25 and dense search over the chunks, restricted to documents and fused by rank."""

    def __init__(self, conn: Database, vectors: VectorIndex, bm25: BM25Index) -> None:
        self.conn, self.vectors, self.bm25 = conn, vectors, bm25
        # doc_id → its chunks by id; a document's chunks never change under its id
        self._chunks: OrderedDict[str, dict[str, Chunk]] = OrderedDict()
        self._chunks_lock = Lock()
        # doc_id is a content hash: under one id, sections and source lines never change
        self._sections: dict[str, list[Section]] = {}
        self._lines: dict[str, tuple[str, ...] | None] = {}

    def refresh(self) -> None:
        """Read the keyword statistics again and forget kept vectors: the store has changed."""
        self.bm25.refresh()
        self.vectors.refresh()

    def search(
        self, query: str, doc_ids: list[str] | None, k: int = 8, kind: str | None = None
    ) -> list[Hit]:
        """Find the chunks that best match the query.

        Args:
            query: the question as asked.
            doc_ids: documents to search in; None searches all.
            k: number of hits to return.
            kind: "section" or "table" to keep only chunks of that kind.

        Returns:
            Up to k hits, best first.
        """
        wanted = list(dict.fromkeys(doc_ids)) if doc_ids else None
        # both searches look in the wanted documents only: BM25 scores their segments (every
        # chunk of them, ranked: filtering a short global list could leave nothing), Chroma
        # filters by doc_id in the query
        lexical = self.bm25.hits(query, k=None, doc_ids=wanted)
        dense = self.vectors.hits(query, k=k * DENSE_FACTOR, doc_ids=wanted)
        chunks = self._load([(c, d) for c, d, _ in lexical + dense])
        allowed = set(wanted or ())

        def keep(chunk_id: str) -> bool:
            chunk = chunks.get(chunk_id)
            return chunk is not None and (wanted is None or chunk.doc_id in allowed) and (
                kind is None or chunk.kind == kind)

        lexical = [c for c, _, _ in lexical if keep(c)]
        dense = [c for c, _, _ in dense if keep(c)]

        scores: dict[str, float] = {}
        for ranking in (lexical, dense):
            for rank, chunk_id in enumerate(ranking, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
        bm25_rank = {c: r for r, c in enumerate(lexical, start=1)}
        dense_rank = {c: r for r, c in enumerate(dense, start=1)}
        best = sorted(scores, key=lambda c: -scores[c])[:k]
        return [
            Hit(chunk=chunks[c], score=scores[c], bm25_rank=bm25_rank.get(c), dense_rank=dense_rank.get(c))
            for c in best
        ]

    def best_sentences(self, query: str, hits: list[Hit], limit: int = 2) -> list[Quote]:
        """Pick the sentences of the section hits that answer the query.

        Args:
            query: the question as asked.
            hits: from `search`; table chunks are skipped (their lines are rows, not sentences).
            limit: number of quotes to return.

        Returns:
            Up to `limit` quotes, best first, each verbatim from its chunk.
        """
        sections = [h for h in hits if h.chunk.kind == "section"]
        if not sections:
            return []
        words, cues = self._content_words(query, sections)
        candidates = [(h, start, text) for h in sections for start, text in _sentences(h.chunk.text)]
        if not candidates:
            return []
        # rarer words tell sentences apart: 预算 is in every sentence, 处非 in one
        df = {w: sum(w in text for _, _, text in candidates) for w in words}
        weight = {
            w: math.log(1 + len(candidates) / (1 + df[w])) * (CUE_WEIGHT if w in cues else 1.0)
            for w in words
        }
        total = sum(weight.values()) or 1.0
        top = max(h.score for h in sections)
        scored: list[tuple[float, Hit, int, str]] = []
        for h, start, text in candidates:
            overlap = sum(weight[w] for w in words if w in text) / total
            scored.append((overlap + CHUNK_PRIOR * h.score / top, h, start, text))
        scored.sort(key=lambda s: -s[0])
        return [
            Quote(text=text, section=h.chunk.section or "", doc_id=h.chunk.doc_id,
                  chunk_id=h.chunk.chunk_id, line=self._line(h.chunk, start, text),
                  page=h.chunk.page, score=round(score, 4))
            for score, h, start, text in scored[:limit]
        ]

    def _content_words(self, query: str, hits: list[Hit]) -> tuple[list[str], set[str]]:
        """The query's words minus question words and the department and year it names,
        plus the cue words of what it asks (returned again as the second item)."""
        names = {h.chunk.department for h in hits}
        years = {str(h.chunk.year) for h in hits}
        words: list[str] = []
        for token in self.bm25.tokenizer(query):
            if len(token) < 2 or token in _STOP or token in years:
                continue
            # "服务局" abbreviates "…政务服务和大数据管理局": a word made of the name's characters
            if any(set(token) <= set(name) for name in names):
                continue
            words.append(token)
        words = [w for w in dict.fromkeys(words) if not _covered(w, words)]
        cues = {w for cue, answer in _CUES.items() if cue in query for w in answer}
        return list(dict.fromkeys(words + sorted(cues))), cues

    def _load(self, found: list[tuple[str, str]]) -> dict[str, Chunk]:
        """The chunks of these (chunk_id, doc_id) hits, read per document on first use. An id
        the store does not hold (a stale index) is left out, without reading other documents."""
        out: dict[str, Chunk] = {}
        for doc_id in dict.fromkeys(d for _, d in found):
            with self._chunks_lock:
                chunks = self._chunks.get(doc_id)
                if chunks is not None:
                    self._chunks.move_to_end(doc_id)
            if chunks is None:
                chunks = {c.chunk_id: c for c in store.chunks(self.conn, doc_id)}
                with self._chunks_lock:
                    self._chunks[doc_id] = chunks
                    while len(self._chunks) > CACHED_DOCUMENTS:
                        self._chunks.popitem(last=False)
            out.update(chunks)
        return out

    def _line(self, chunk: Chunk, start: int, sentence: str) -> int:
        """Line of the original file where the sentence begins; the section's first if unknown."""
        if chunk.doc_id not in self._lines:
            # sessions share this object: fill `_sections` before `_lines`, which is checked,
            # so another thread never sees one without the other (at worst both load it)
            sections = store.sections(self.conn, chunk.doc_id)
            lines = _source_lines(self.conn, chunk.doc_id)
            self._sections[chunk.doc_id] = sections
            self._lines[chunk.doc_id] = lines
        section = next(
            (s for s in self._sections[chunk.doc_id]
             if " > ".join(s.path) == chunk.section and s.line_start == chunk.line_start),
            None,
        )
        if section is None:
            return chunk.line_start
        body = chunk.text.split("\n", 1)[1] if "\n" in chunk.text else ""
        base = section.text.find(body)
        lines = self._lines[chunk.doc_id]
        if base < 0 or lines is None:
            return section.line_start
        offset = base + start - (len(chunk.text) - len(body))
        return _line_at(lines, section, offset, sentence)


def quote_citation(quote: Quote, document: Document) -> Citation:
    """Cite a quote as a section of its document."""
    return Citation(
        doc_id=quote.doc_id, department=document.department, year=document.year, kind="section",
        section=quote.section, quote=quote.text, line=quote.line, page=quote.page,
    )


def _covered(word: str, words: list[str]) -> bool:
    """Whether shorter words of the list cover every character of `word`.

    jieba's search mode yields "绩效评价" with "绩效" and "评价": counting all three would
    weigh that one phrase three times against a sentence that shares one word of it.
    """
    covered = [False] * len(word)
    for part in words:
        if len(part) < len(word):
            for m in re.finditer(re.escape(part), word):
                covered[m.start() : m.end()] = [True] * len(part)
    return all(covered)


def _sentences(chunk_text: str) -> list[tuple[int, str]]:
    """Sentences of a chunk as (offset in the chunk text, sentence), past its heading line."""
    skip = chunk_text.find("\n") + 1  # "department year | heading path" is a label, not text
    if skip == 0:
        return []
    out: list[tuple[int, str]] = []
    for m in _SENTENCE.finditer(chunk_text, skip):
        text = m.group().strip()
        if len(squeeze(text)) >= 4:  # "预算。" and list numbers are no answer
            out.append((m.start() + m.group().index(text), text))
    return out


def _source_lines(conn: Database, doc_id: str) -> tuple[str, ...] | None:
    """The original lines, if the file is still there with the content that was indexed."""
    document = store.find_document(conn, doc_id)
    if document is None or document.doc_id != doc_id:
        return None
    try:
        source = read_source(Path(document.path))
    except (OSError, UnreadableFile):
        return None
    return tuple(source.lines) if source.sha256 == document.sha256 else None


def _line_at(lines: tuple[str, ...], section: Section, offset: int, sentence: str) -> int:
    """Map an offset of section.text back to its source line.

    section.text is the section's cleaned lines with PDF wraps joined, so character counts
    without whitespace line up with the cleaned source lines.
    """
    owner: list[int] = []
    joined = ""
    for n in range(section.line_start, min(section.line_end, len(lines)) + 1):
        part = squeeze(clean_line(lines[n - 1]))
        joined += part
        owner.extend([n] * len(part))
    base = joined.rfind(squeeze(section.text))  # the heading line may precede the text
    lead = len(squeeze(section.text[:offset]))
    if base >= 0 and base + lead < len(owner):
        return owner[base + lead]
    return line_of(list(lines), section, sentence)
