"""Readiness of a serving process: the engine and the embedding model loaded in a background
thread when the server starts (so that the server answers at once, with a page or a 503 saying
it is starting), and a probe of the back ends an answer needs (the fact store's database, a
Chroma server) so that an outage is told as such instead of failing each request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from indexer import store
from indexer.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

STARTING, READY, EMPTY, FAILED = "starting", "ready", "empty", "failed"


class Warmup(Generic[T]):
    """A value (the engine) loaded once in a background thread; `state` says how far it got.

    `load` may raise `empty` (no store, no documents) — the state is then EMPTY and `error`
    the reason; any other exception is FAILED.
    """

    def __init__(self, load: Callable[[], T], empty: tuple[type[BaseException], ...] = ()) -> None:
        self._load = load
        self._empty = empty
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.state = STARTING
        self.value: T | None = None
        self.error: BaseException | None = None

    def start(self) -> Warmup[T]:
        """Begin loading (once); return at once."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="budgetqa-warmup", daemon=True)
                self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.value = self._load()
            self.state = READY
        except self._empty as error:
            self.error, self.state = error, EMPTY
        except Exception as error:  # told on the page and by /ready; the server stays up
            log.exception("the engine could not be loaded")
            self.error, self.state = error, FAILED
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self.state == READY

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until loading ended (at most `timeout` seconds); whether the value is ready."""
        self._done.wait(timeout)
        return self.ready


def warm_model(engine) -> None:
    """Load the embedding model now, not on a reader's first text question."""
    vectors = getattr(getattr(engine, "search", None), "vectors", None)
    embedder = getattr(vectors, "embedder", None)
    if embedder is not None:
        embedder.embed_query("预算")


@dataclass
class Outage:
    """A back end that does not answer: which, and the words a reader sees."""

    code: str  # "database_unavailable" or "search_unavailable"
    message: str


DATABASE_DOWN = "资料库服务器（PostgreSQL）暂时无法连接，请稍后再试。"
SEARCH_DOWN = "检索服务器（Chroma）暂时无法连接，请稍后再试。"


def probe(settings: Settings, conn: store.Database | None) -> list[Outage]:
    """The back ends an answer needs that do not answer now (an empty list: all well).

    The fact store is asked for its revision (one row); a Chroma server for its heartbeat.
    An embedded store (SQLite, a local Chroma) is a file: it has no outage of this kind.
    """
    down: list[Outage] = []
    if conn is not None and store.is_url(settings.database):
        try:
            store.revision(conn)
        except Exception:
            down.append(Outage("database_unavailable", DATABASE_DOWN))
    if settings.chroma_host:
        try:
            _heartbeat(settings)
        except Exception:
            down.append(Outage("search_unavailable", SEARCH_DOWN))
    return down


def _heartbeat(settings: Settings) -> None:
    from indexer.search.vectors import chroma_client

    chroma_client(settings).heartbeat()
