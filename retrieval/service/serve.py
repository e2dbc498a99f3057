"""`budgetqa serve`: the answer engine as a small HTTP JSON API (FastAPI, run by uvicorn).

    POST   /ask              {"question", "doc_ids"?, "history"?} → the answer contract of
                             `budgetqa ask --json` (Answer.response(): model_used,
                             model_rejected_reason, warnings), `alternatives` and `chart` beside it
    GET    /health           the process is up (liveness)
    GET    /ready            the engine, the embedding model and the back ends answer (200), else 503
    GET    /documents        the indexed documents
    POST   /documents        {"file_name", "content_base64"} → indexed (200) or refused (4xx)
    DELETE /documents/{id}   the document leaves the answers and the search
    GET    /docs, /redoc     the interface, served offline

Errors are `{"code", "message"}` (retrieval.service.serve_http). With `BUDGETQA_API_KEYS` set, every
request but /health, /ready and the docs names a key in `Authorization: Bearer <key>`.

Each worker process loads its engine in a background thread when it starts (the embedding model
too), so /health answers at once and /ready says when questions are answered at full speed; a
question asked meanwhile waits for the engine. Before each answer the engine checks the store's
revision, so a document another worker or app process indexed or deleted is seen at once.
"""

from __future__ import annotations

import base64
import binascii
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from indexer.settings import Settings
from retrieval.service import readiness
from retrieval.service.serve_http import (
    AccessLog,
    ApiError,
    BodyLimit,
    check_key,
    configure_access_log,
    install_docs,
    install_error_handlers,
)
from retrieval.service.serve_schema import (
    AnswerResponse,
    AskRequest,
    ChartModel,
    DeleteResponse,
    DocumentModel,
    ErrorResponse,
    HealthResponse,
    ReadyResponse,
    UploadRequest,
    UploadResponse,
)

WORKER_PING_TIMEOUT = 120  # seconds a busy worker may take to answer the supervisor's ping
ERRORS = {status: {"model": ErrorResponse} for status in (401, 404, 409, 413, 415, 422, 503)}
STARTING = "服务正在启动（载入资料库和检索模型），请稍后再试。"


def create_app(settings: Settings) -> FastAPI:
    """The API over the store named by `settings`; the engine loads when the app starts."""
    from retrieval.service import Responder, StoreMissing

    def load() -> Responder:
        responder = Responder.open(settings)
        readiness.warm_model(responder.engine)
        return responder

    state: dict[str, readiness.Warmup] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        state["warmup"] = readiness.Warmup(load, empty=(StoreMissing,)).start()
        yield
        state.clear()

    configure_access_log()
    api = FastAPI(title="预算问答 budgetqa", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="部门预算公开文件的问答接口：数字取自文件的表格，由程序计算，并注明出处。"
                              "错误一律返回 {code, message}（message 为中文）。")
    install_error_handlers(api)
    install_docs(api)
    api.add_middleware(BodyLimit, limit=settings.max_ask_kb * 1024, upload_limit=settings.max_request_bytes)
    api.add_middleware(AccessLog)  # outermost: refused requests are logged too
    keys = settings.api_key_list
    bearer = HTTPBearer(auto_error=False, description="BUDGETQA_API_KEYS 中的一个密钥")

    def authorised(request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)) -> None:
        request.state.key_id = check_key(request, keys)

    def responder(wait: float = 0.0) -> Responder:
        """The loaded responder; ApiError 503 while loading (after `wait` seconds) or when it failed."""
        warmup = state["warmup"]
        if not warmup.wait(wait):
            if warmup.state == readiness.STARTING:
                raise ApiError(503, "starting", STARTING, {"Retry-After": "5"})
            raise ApiError(503, "not_ready", _not_ready(warmup))
        return warmup.value

    def outage() -> None:
        """503 naming the back end that is down, if one is."""
        warmup = state["warmup"]
        conn = warmup.value.engine.conn if warmup.ready else None
        down = readiness.probe(settings, conn)
        if down:
            raise ApiError(503, down[0].code, down[0].message, {"Retry-After": "10"})

    guarded = [Depends(authorised)]

    @api.post("/ask", response_model=AnswerResponse, responses=ERRORS, dependencies=guarded)
    def ask(request: AskRequest) -> AnswerResponse:  # a thread of the pool: answering is blocking
        from retrieval.service.engine import QuestionError

        _check_history(request, settings)
        r = responder(settings.startup_wait)
        try:
            r.engine.sync()
            _check_documents(request.doc_ids, r.engine.documents)
            answer = r.answer(request.question, request.doc_ids, request.history)
        except QuestionError as error:
            raise ApiError(422, "invalid_question", str(error)) from None
        except ApiError:
            raise
        except Exception:
            outage()  # a back end down: 503 with its name
            raise
        return AnswerResponse(**answer.response(), alternatives=answer.alternatives,
                              chart=chart_of(answer, r.engine))

    @api.post("/documents", response_model=UploadResponse, responses=ERRORS, dependencies=guarded)
    def upload(request: UploadRequest) -> UploadResponse:
        from indexer.uploads import index_upload

        data = _decoded(request.content_base64)
        _check_upload(request.file_name, data)
        engine = responder(settings.startup_wait).engine
        embedder = getattr(getattr(engine.search, "vectors", None), "embedder", None)
        outcome = index_upload(request.file_name, data, settings, embedder)
        engine.sync()
        if not outcome.ok:
            raise ApiError(*_refusal(outcome.message))
        return UploadResponse(ok=True, status=outcome.status, file_name=outcome.file_name,
                              message=outcome.message, doc_id=outcome.doc_id)

    @api.delete("/documents/{doc_id}", response_model=DeleteResponse, responses=ERRORS, dependencies=guarded)
    def delete(doc_id: str) -> DeleteResponse:
        from indexer.removal import UnknownDocument, remove_document
        from indexer.store import StoreReadOnly

        engine = responder(settings.startup_wait).engine
        embedder = getattr(getattr(engine.search, "vectors", None), "embedder", None)
        try:
            removed = remove_document(settings, doc_id, embedder)
        except UnknownDocument:
            raise ApiError(404, "unknown_document", _unknown(doc_id)) from None
        except StoreReadOnly:
            raise ApiError(409, "store_read_only", "资料库是只读的：不能删除文件。") from None
        engine.sync()
        return DeleteResponse(doc_id=doc_id, message=f"已删除 {removed.file_name}（{removed.department}，"
                                                     f"{removed.year}年）：它不再出现在回答和检索中。")

    @api.get("/documents", response_model=list[DocumentModel], responses=ERRORS, dependencies=guarded)
    def documents() -> list[DocumentModel]:
        engine = responder(settings.startup_wait).engine
        engine.sync()
        return [DocumentModel(**d.model_dump(include=set(DocumentModel.model_fields))) for d in engine.documents]

    @api.get("/health", response_model=HealthResponse)
    def health() -> HealthResponse:
        warmup = state["warmup"]
        count = len(warmup.value.engine.documents) if warmup.ready else None
        return HealthResponse(ready=warmup.ready, documents=count, pid=os.getpid())

    @api.get("/ready", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
    def ready() -> object:
        from fastapi.responses import JSONResponse

        warmup = state["warmup"]
        if not warmup.ready:
            status = "starting" if warmup.state == readiness.STARTING else warmup.state
            body = ReadyResponse(ready=False, status=status,
                                 message=STARTING if status == "starting" else _not_ready(warmup))
        else:
            down = readiness.probe(settings, warmup.value.engine.conn)
            body = (ReadyResponse(ready=False, status="unavailable", message="".join(d.message for d in down),
                                  unavailable=[d.code for d in down]) if down else
                    ReadyResponse(ready=True, status="ready",
                                  message=f"就绪：已载入 {len(warmup.value.engine.documents)} 份文件和检索模型。"))
        return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)

    return api


def chart_of(answer, engine) -> ChartModel | None:
    """The data of the chart the chat draws for this answer, if it draws one."""
    from indexer import store
    from ui.presenter import chart_for

    chart = chart_for(answer.question, answer, engine.documents, lambda doc_id: store.tables(engine.conn, doc_id))
    if chart is None:
        return None
    data = chart.data
    return ChartModel(kind=chart.kind, title=chart.title, unit=chart.unit, source=chart.source,
                      summary=chart.summary, labels=[str(x) for x in data.index],
                      series=[{"name": str(c), "values": [None if v != v else float(v) for v in data[c]]}
                              for c in data.columns])


# ---- checks -------------------------------------------------------------------------------------


def _not_ready(warmup: readiness.Warmup) -> str:
    if warmup.state == readiness.EMPTY:
        return "资料库中还没有预算文件：请先用 budgetqa index 或 POST /documents 收录文件。"
    return "问答引擎未能启动，请查看服务日志。"


def _unknown(doc_id: str) -> str:
    return f"找不到文件 {doc_id[:64]}：请用 GET /documents 查看已收录的文件。"


def _check_history(request: AskRequest, settings: Settings) -> None:
    turns = request.history
    chars = sum(len(t) if isinstance(t, str) else sum(len(x) for x in t) for t in turns)
    if len(turns) > settings.max_history_turns or chars > settings.max_history_chars:
        raise ApiError(422, "history_too_long",
                       f"对话历史太长（{len(turns)} 轮、{chars} 字）：最多 {settings.max_history_turns} 轮、"
                       f"{settings.max_history_chars} 字，请只带最近几轮。")


def _check_documents(doc_ids: list[str] | None, documents) -> None:
    known = {d.doc_id for d in documents}
    unknown = [d for d in doc_ids or [] if d not in known]
    if unknown:
        raise ApiError(404, "unknown_document", _unknown("、".join(unknown)))


def _decoded(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):  # not base64, or not ASCII at all
        raise ApiError(422, "not_base64", "content_base64 不是有效的 base64 编码。") from None


def _check_upload(file_name: str, data: bytes) -> None:
    from indexer.read.load import SUPPORTED_SUFFIXES
    from indexer.uploads import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "file_too_large",
                       f"文件太大（{len(data) / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_MB} MB）。")
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, "unsupported_type",
                       f"不支持的文件类型“{suffix or '无扩展名'}”（支持 PDF、TXT、MD、HTML、XLSX、XLS、DOCX）。")
    if not data:
        raise ApiError(422, "empty_file", "文件为空。")


def _refusal(message: str) -> tuple[int, str, str]:
    """The status and code of an upload the indexer refused, from its outcome."""
    if "只读" in message:
        return 409, "store_read_only", message
    if "较新" in message:
        return 409, "newer_version_stored", message
    if "写入失败" in message:
        return 507, "store_write_failed", message
    return 422, "document_rejected", message


# ---- running ------------------------------------------------------------------------------------


def app_from_environment() -> FastAPI:
    """The app of a worker process: settings from BUDGETQA_* (set by `budgetqa serve`)."""
    return create_app(Settings())


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve until interrupted. Several workers are processes, each with its own engine."""
    import uvicorn

    # uvicorn's access log is off: AccessLog writes one line per request
    if workers <= 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
        return
    # worker processes build their settings from the environment: hand them these
    os.environ.update(_environment(settings))
    # a worker busy answering (the GIL held by the engine, the model loading) may not answer
    # the supervisor's ping in uvicorn's 5 s: it would be killed with requests in flight
    uvicorn.run("retrieval.service.serve:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False,
                timeout_worker_healthcheck=WORKER_PING_TIMEOUT)


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as BUDGETQA_* variables (those set)."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            out[f"BUDGETQA_{name.upper()}"] = str(value)
    return out
