"""A back-end server that does not answer (the PostgreSQL of BUDGETQA_DATABASE_URL, the Chroma
server of BUDGETQA_CHROMA_HOST), told in one Chinese line that names it, with a code for APIs.

`server_down` reads any exception (and what caused it) back to the server it came from; the edges
turn it into their message: the CLI prints `error: …` and exits 1, `serve` answers 503 with the
message and the code. Nothing is retried here: a server back up is used by the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

DATABASE, VECTORS = "database_unavailable", "vector_store_unavailable"
_CHROMA_WORDS = ("could not connect to a chroma server", "connection refused", "connecterror",
                 "server disconnected", "remoteprotocolerror", "connection reset")


@dataclass(eq=False)  # an exception stays hashable
class ServerDown(Exception):
    """A server the store lives on cannot be reached."""

    server: str  # "PostgreSQL" or "Chroma"
    address: str  # host:port
    code: str  # DATABASE or VECTORS, for an API's error body
    reason: str = ""  # the driver's own words, shortened

    def __str__(self) -> str:
        why = f"（{self.reason}）" if self.reason else ""
        if self.code == DATABASE:
            return f"无法连接 PostgreSQL 数据库服务器 {self.address}{why}：请确认它已启动"
        return (f"无法连接 Chroma 向量检索服务器 {self.address}{why}：请确认它已启动"
                "（按表格查数的问题不受影响）")


def server_down(error: BaseException, settings) -> ServerDown | None:
    """The server behind `error`, when it is a connection failure of the settings' PostgreSQL or
    Chroma server; None for anything else (a bug to see, a full disk told elsewhere)."""
    for cause in _chain(error):
        if isinstance(cause, ServerDown):
            return cause
        if settings.database_url and _is_database_failure(cause):
            return ServerDown("PostgreSQL", _address(settings.database_url), DATABASE, _reason(cause))
        if settings.chroma_host and _is_chroma_failure(cause):
            return ServerDown("Chroma", f"{settings.chroma_host}:{settings.chroma_port}", VECTORS,
                              _reason(cause) if "chroma server" not in str(cause).lower() else "")
    return None


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _is_database_failure(error: BaseException) -> bool:
    import sqlalchemy.exc

    try:
        import psycopg
    except ImportError:  # psycopg is a dependency; without it no PostgreSQL store opens at all
        psycopg = None
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        return True
    return isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)) and \
        "sqlite" not in type(getattr(error, "orig", None)).__module__


def _is_chroma_failure(error: BaseException) -> bool:
    import httpx

    if isinstance(error, httpx.TransportError):
        return True
    text = f"{type(error).__name__} {error}".lower()
    return isinstance(error, (ValueError, ConnectionError, OSError)) and any(w in text for w in _CHROMA_WORDS)


def _address(url: str) -> str:
    parts = urlsplit(url.replace("+psycopg", ""))
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def _reason(error: BaseException) -> str:
    """The driver's own words, first line: "Connection refused"."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
    text = lines[0].rsplit("failed: ", 1)[-1]
    return " ".join(text.split("(Background on this error")[0].split()).strip(" .")[:80]
