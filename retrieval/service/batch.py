"""`budgetqa ask --batch FILE --workers N`: questions answered by N worker processes over one
store, each with its own engine (loaded once per process), the answers given in input order.

Answering is CPU-bound Python: threads of one process share one interpreter lock, processes do
not. Workers are spawned (not forked), so none inherits a half-initialised torch or a database
connection of the parent.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator

from indexer.settings import Settings
from retrieval.records import Answer

CHUNK = 4  # questions handed to a worker at a time: fewer round trips, still balanced

_worker: dict[str, object] = {}


def answer_one(responder, question: str) -> Answer:
    """One question's answer, a question the engine refuses to read (empty, over-long) included."""
    from retrieval.service.engine import QuestionError

    try:
        return responder.answer(question)
    except QuestionError as error:
        return Answer(question=question, answer=str(error), answerable=False)


def _start(settings_json: str) -> None:
    from retrieval.service import Responder

    _worker["responder"] = Responder.open(Settings.model_validate_json(settings_json))


def _answer(question: str) -> str:
    return answer_one(_worker["responder"], question).model_dump_json()


def answer_all(settings: Settings, questions: Iterable[str], workers: int) -> Iterator[Answer]:
    """Answers to the questions, in their order, from `workers` processes."""
    # imported here: a single-process `ask` never needs it (nor, as another user, may read it)
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start,
                             initargs=(settings.model_dump_json(),)) as pool:
        for text in pool.map(_answer, list(questions), chunksize=CHUNK):
            yield Answer.model_validate_json(text)
