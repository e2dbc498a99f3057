"""Optional LLM answers: the engine answers, a chat model rewrites the answer in plain Chinese,
and every number of the rewrite is checked against the engine's facts before it is shown.

The engine's Answer stays the truth: value, unit, verdict, computation and citations are always
the engine's; only the `answer` text may come from the model, and only when each number in it is
one the engine's answer stands on and its verdict is the engine's (see reply_check).
Anything else — an unverified number, a verdict turned or left out, an empty or garbled reply,
an error, a slow endpoint — gives the engine's own answer with a note (`model_rejected_reason`),
within `llm_timeout` seconds. Document text reaches the model only inside
the prompt's data block, and sentences that read as instructions contribute no numbers.
"""

from __future__ import annotations

import queue
import re
import string
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

from indexer.settings import Settings
from retrieval.question.conversation import looks_elliptical
from retrieval.question.conversation import standalone
from retrieval.records import Answer, num
from retrieval.llm.reply_check import ReplyCheck, SentenceGate, garbage

PROMPT_DIR = Path(__file__).resolve().parents[2] / "prompts"
History = Sequence[tuple[str, str]]  # (user question, answer shown) of earlier turns, oldest first
HISTORY_TURNS = 4  # earlier turns shown to the model


class PromptError(ValueError):
    """A prompt template is missing or its placeholders differ from those the code fills."""


class ModelUnavailable(RuntimeError):
    """The chat model failed, timed out or replied with something that is not an answer."""


class LLMResult(BaseModel):
    """An answer with how it was written.

    `answer` has the contract's fields (Answer.contract()); `used_model` says its text is the
    model's, verified; `flagged` says the model's text was rejected by verification; `note` says
    why the offline answer is shown, for the user; `unverified` lists the rejected numbers.
    """

    model_config = ConfigDict(extra="forbid")
    answer: Answer
    used_model: bool = False
    flagged: bool = False
    note: str | None = None
    standalone: str  # the question the engine answered (a follow-up made standalone)
    unverified: list[str] = Field(default_factory=list)


def load_prompt(name: str, required: set[str], directory: Path = PROMPT_DIR) -> str:
    """Read prompts/NAME.txt and check that its placeholders are exactly `required`.

    Args:
        name: the template's name without ".txt".
        required: the placeholders the caller fills ({question} → "question").
        directory: where the templates are.

    Returns:
        The template text, for str.format.

    Raises:
        PromptError: no such template, a required placeholder missing, or an unknown one.
    """
    path = directory / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"prompt template {path} not found")
    text = path.read_text(encoding="utf-8")
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as e:
        raise PromptError(f"prompt {name}: {e} (write literal braces as {{{{ }}}})") from e
    if missing := required - fields:
        raise PromptError(f"prompt {name} lacks placeholders {sorted(missing)}")
    if unknown := fields - required:
        raise PromptError(f"prompt {name} has unknown placeholders {sorted(unknown)}")
    return text


class ChatModel:
    """The chat model behind one interface: a whole reply, or its tokens as they come."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatModel:
        """Connect to the OpenAI-compatible endpoint of the settings (always with a timeout)."""
        from langchain_openai import ChatOpenAI  # the only import of the endpoint's client

        return cls(ChatOpenAI(
            base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
            timeout=settings.llm_timeout, max_retries=settings.llm_retries, temperature=0,
        ))

    def complete(self, system: str, user: str) -> str:
        return _text(self.model.invoke(_messages(system, user)).content)

    def stream(self, system: str, user: str) -> Iterator[str]:
        for chunk in self.model.stream(_messages(system, user)):
            yield _text(chunk.content)


class LLMAnswerer:
    """Answers with the engine, worded by a chat model, numbers verified.

    Args:
        engine: the offline Engine (anything with `answer(question, doc_ids)`; `catalog` is used
            for follow-ups when present).
        chat: the chat model (a ChatModel, or a langchain chat model to wrap).
        timeout: seconds the model may take per question before the offline answer is given.
        rewrite_followups_with_model: ask the model to complete a follow-up the rules cannot.
    """

    def __init__(self, engine: Any, chat: ChatModel | BaseChatModel, timeout: float = 20.0,
                 rewrite_followups_with_model: bool = True) -> None:
        self.engine = engine
        self.chat = chat if isinstance(chat, ChatModel) else ChatModel(chat)
        self.timeout = timeout
        self.rewrite_followups_with_model = rewrite_followups_with_model
        self.system = load_prompt("answer_system", set())
        self.template = load_prompt("answer", {"history", "question", "answer", "facts"})
        self.followup = load_prompt("followup", {"history", "question"})

    def answer(self, question: str, history: History = (), doc_ids: list[str] | None = None) -> LLMResult:
        """Answer a question, a follow-up of `history` or not.

        Args:
            question: the user's question.
            history: earlier (question, answer) turns, oldest first.
            doc_ids: restrict to these documents (the app's filter); None for all.

        Returns:
            The LLMResult. Its answer's contract fields other than the text are the engine's.

        Raises:
            QuestionError: from the engine, for an empty or over-long question.
        """
        standalone, offline, budget = self._offline(question, history, doc_ids)
        if not offline.answerable:  # a refusal names what the store covers: nothing to word
            return _unworded(offline, standalone)
        prompt = self._prompt(question, standalone, history, offline)
        try:
            reply = _with_deadline(lambda: self.chat.complete(self.system, prompt),
                                   budget)
        except ModelUnavailable as e:
            return _fallback(offline, standalone, str(e))
        return self.check(offline, reply, standalone, question)

    def stream(self, question: str, history: History = (), doc_ids: list[str] | None = None) -> AnswerStream:
        """Stream the model's text sentence by sentence, each shown only once its numbers pass;
        the verified LLMResult is `.result` once the stream is consumed.

        The app shows the sentences as they come and then replaces them with
        `result.answer.answer` (the offline text when the model's was rejected) and `result.note`.
        The stream stops at the first sentence with a number the engine's answer does not hold.
        """
        standalone, offline, budget = self._offline(question, history, doc_ids)
        if not offline.answerable:
            return AnswerStream(iter(()), lambda text, error: _unworded(offline, standalone), SentenceGate(None))
        prompt = self._prompt(question, standalone, history, offline)

        def finish(text: str, error: str | None) -> LLMResult:
            if error:
                return _fallback(offline, standalone, error)
            return self.check(offline, text, standalone, question)

        gate = SentenceGate(ReplyCheck(offline, question, standalone))  # the same as check's
        return AnswerStream(_stream_with_deadline(lambda: self.chat.stream(self.system, prompt),
                                                  budget), finish, gate)

    def check(self, offline: Answer, reply: str, standalone: str, question: str) -> LLMResult:
        """Accept the model's reply as the answer text only if it passes every check: a number
        of no cited fact, a verdict turned or left out, a reply that is no answer → the offline
        answer with a note (also in the answer's `model_rejected_reason`)."""
        text = _clean(reply)
        problem = ReplyCheck(offline, question, standalone).problem(text)
        if problem is not None:
            note, bad = problem
            return LLMResult(answer=_rejected(offline, note), flagged=not garbage(text), note=note,
                             standalone=standalone, unverified=bad)
        worded = offline.model_copy(update={"answer": text, "question": question, "model_used": True})
        return LLMResult(answer=worded, used_model=True, standalone=standalone)

    def standalone(self, question: str, history: History) -> str:
        """The question with what a follow-up leaves out filled in from the history."""
        catalog = getattr(self.engine, "catalog", None)
        if not history or catalog is None:
            return question.strip()
        rewritten = standalone(question, history, catalog)
        if rewritten is not None:
            return rewritten
        if self.rewrite_followups_with_model and looks_elliptical(question):
            try:
                prompt = self.followup.format(history=_history_text(history), question=_data(question))
                # half the time at most: the answer itself needs the rest
                text = _clean(_with_deadline(lambda: self.chat.complete("", prompt), self.timeout / 2))
            except ModelUnavailable:
                return question.strip()
            if text and not garbage(text) and len(text) <= 200:
                return text.splitlines()[0]
        return question.strip()

    def _offline(self, question: str, history: History,
                 doc_ids: list[str] | None) -> tuple[str, Answer, float]:
        started = time.monotonic()
        standalone = self.standalone(question, history)
        # model time left for the answer: the timeout less what a follow-up rewrite took
        budget = max(0.0, self.timeout - (time.monotonic() - started))
        offline = self.engine.answer(standalone, doc_ids)
        return standalone, offline.model_copy(update={"question": question}), budget

    def _prompt(self, question: str, standalone: str, history: History, offline: Answer) -> str:
        asked = question if standalone == question else f"{question}（即：{standalone}）"
        return self.template.format(history=_history_text(history), question=_data(asked),
                                    answer=_data(offline.answer), facts=_facts(offline))


class AnswerStream:
    """The model's text as it may be shown: whole sentences whose numbers passed the gate.
    `result` is set once the tokens are consumed, or at the first sentence that fails."""

    def __init__(self, tokens: Iterator[str], finish: Callable[[str, str | None], LLMResult],
                 gate: SentenceGate) -> None:
        self._tokens = tokens
        self._finish = finish
        self._gate = gate
        self._parts: list[str] = []
        self.result: LLMResult | None = None

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> str:
        while self.result is None:
            try:
                token = next(self._tokens)
            except StopIteration:
                rest = self._gate.close()
                self.result = self._finish("".join(self._parts), None)
                if rest:
                    return rest
                raise
            except ModelUnavailable as e:
                self.result = self._finish("", str(e))
                raise StopIteration from e
            self._parts.append(token)
            shown = self._gate.feed(token)
            if self._gate.rejected:
                # check() reads the same numbers in the whole text, so the result is flagged;
                # reading the rest of the reply could only delay the offline answer
                self.result = self._finish("".join(self._parts), None)
                raise StopIteration
            if shown:
                return shown
        raise StopIteration


def build_answerer(settings: Settings, engine: Any) -> LLMAnswerer | None:
    """The LLM answerer when settings name a model (llm_model), else None: answer offline."""
    if not settings.llm_model:
        return None
    return LLMAnswerer(engine, ChatModel.from_settings(settings), timeout=settings.llm_timeout)


def _with_deadline(call: Callable[[], str], timeout: float) -> str:
    """Run a model call in a daemon thread; raise ModelUnavailable after `timeout` seconds."""
    box: queue.Queue = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put(("ok", call()))
        except Exception as e:  # any failure of the endpoint or its client means: answer offline
            box.put(("error", e))

    threading.Thread(target=run, daemon=True).start()
    try:
        kind, value = box.get(timeout=timeout)
    except queue.Empty:
        raise ModelUnavailable(f"模型服务在{round(timeout, 1):g}秒内没有回答，已改用离线答案。") from None
    if kind == "error":
        raise ModelUnavailable(f"模型服务出错（{type(value).__name__}），已改用离线答案。")
    return value


def _stream_with_deadline(start: Callable[[], Iterator[str]], timeout: float) -> Iterator[str]:
    """Yield a model's tokens from a daemon thread; raise ModelUnavailable past the deadline."""
    box: queue.Queue = queue.Queue()
    done = object()

    def run() -> None:
        try:
            for token in start():
                box.put(("ok", token))
            box.put(("ok", done))
        except Exception as e:
            box.put(("error", e))

    threading.Thread(target=run, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            kind, value = box.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise ModelUnavailable(f"模型服务在{round(timeout, 1):g}秒内没有答完，已改用离线答案。") from None
        if kind == "error":
            raise ModelUnavailable(f"模型服务出错（{type(value).__name__}），已改用离线答案。")
        if value is done:
            return
        yield value


def _messages(system: str, user: str) -> list:
    return ([SystemMessage(system)] if system else []) + [HumanMessage(user)]


def _fallback(offline: Answer, standalone: str, note: str) -> LLMResult:
    return LLMResult(answer=_rejected(offline, note), note=note, standalone=standalone)


def _rejected(offline: Answer, note: str) -> Answer:
    """The offline answer, saying why the model's wording is not shown."""
    return offline.model_copy(update={"model_used": False, "model_rejected_reason": note})


def _unworded(offline: Answer, standalone: str) -> LLMResult:
    """A refusal, given as the engine wrote it: the model is not asked."""
    return LLMResult(answer=offline.model_copy(update={"model_used": False}), standalone=standalone)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)
    return ""


def _clean(reply: str) -> str:
    text = (reply or "").strip()
    text = re.sub(r"^```\w*\s*|\s*```$", "", text).strip()  # a fenced reply
    return re.sub(r"</?think>", "", text).strip()


def _data(text: str) -> str:
    """Text placed in the prompt's data block, unable to close it."""
    return (text or "").replace("<", "＜").replace(">", "＞")


def _facts(answer: Answer) -> str:
    lines = []
    for f in answer.figures:
        lines.append(f"- {f.label}：{num(f.value) if f.unit == '万元' else f'{f.value:g}'}{f.unit}")
    if answer.computation:
        lines.append(f"- 计算：{answer.computation}")
    for c in answer.citations:
        where = "，".join(x for x in (c.table, c.row, c.column, c.section) if x)
        lines.append(f"- 原文（{c.department}{c.year}年{('，' + where) if where else ''}）：{c.quote}")
    return _data("\n".join(lines) or "（无）")


def _history_text(history: History) -> str:
    turns = list(history)[-HISTORY_TURNS:]
    return _data("\n".join(f"问：{q}\n答：{a}" for q, a in turns) or "（无）")
