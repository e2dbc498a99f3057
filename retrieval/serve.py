"""`budgetqa serve`: the answer engine as a small HTTP JSON API (FastAPI, run by uvicorn).

    POST /ask        {"question": "...", "doc_ids": [...]?, "history": [[q, a], ...]?}
                     → the answer of `budgetqa ask --json` (Answer.response(): the contract and
                     model_used, model_rejected_reason, warnings beside it)
    GET  /health     → {"status": "ok", "documents": n}
    GET  /documents  → the indexed documents
    POST /documents  {"file_name": "...", "content_base64": "..."} → the upload's outcome
                     (indexed, unchanged or rejected, with the message the app shows)

Each worker process opens the store and loads its own engine once, at start-up (the embedding
model on the first text search). Before each answer the engine checks the store's revision, so
a document another worker or app process indexed is answerable at once (`Engine.sync`). With a
chat model configured the answers are reworded by it, numbers checked, exactly as `ask` does.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from indexer.settings import Settings

MAX_HISTORY = 20  # turns of a conversation read for a follow-up
MAX_UPLOAD_BASE64 = 4 * 50 * 1024 * 1024 // 3  # a 50 MB file, as the app's uploader allows
WORKER_PING_TIMEOUT = 120  # seconds a busy worker may take to answer the supervisor's ping


class AskRequest(BaseModel):
    """One question, optionally restricted to documents and following earlier turns."""

    model_config = ConfigDict(extra="forbid")

    question: str
    doc_ids: list[str] | None = None
    history: list[tuple[str, str]] | list[str] = Field(default_factory=list, max_length=MAX_HISTORY)


class UploadRequest(BaseModel):
    """One file to index, as the app's uploader takes it."""

    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(max_length=MAX_UPLOAD_BASE64)


def create_app(settings: Settings) -> FastAPI:
    """The API over the store named by `settings`; the engine loads when the app starts."""
    from retrieval.service import Responder

    state: dict[str, Responder] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        state["responder"] = Responder.open(settings)
        yield
        state.clear()

    api = FastAPI(title="预算问答 budgetqa", lifespan=lifespan)

    @api.post("/ask")
    def ask(request: AskRequest) -> dict[str, Any]:  # a thread of the pool: answering is blocking
        from retrieval.engine import QuestionError

        try:
            return state["responder"].answer(request.question, request.doc_ids, request.history).response()
        except QuestionError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None

    @api.post("/documents")
    def upload(request: UploadRequest) -> dict[str, Any]:
        from indexer.uploads import index_upload

        try:
            data = base64.b64decode(request.content_base64, validate=True)
        except (binascii.Error, ValueError):  # not base64, or not ASCII at all
            raise HTTPException(status_code=422, detail="content_base64 is not base64") from None
        engine = state["responder"].engine
        embedder = getattr(getattr(engine.search, "vectors", None), "embedder", None)
        outcome = index_upload(request.file_name, data, settings, embedder)
        engine.sync()
        return dataclasses.asdict(outcome)

    @api.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "documents": len(state["responder"].engine.documents),
                "pid": os.getpid()}

    @api.get("/documents")
    def documents() -> list[dict[str, Any]]:
        return [d.model_dump(include={"doc_id", "department", "year", "kind", "title", "file_name",
                                      "region_level", "unit"})
                for d in state["responder"].engine.documents]

    return api


def app_from_environment() -> FastAPI:
    """The app of a worker process: settings from BUDGETQA_* (set by `budgetqa serve`)."""
    return create_app(Settings())


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve until interrupted. Several workers are processes, each with its own engine."""
    import uvicorn

    if workers <= 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    # worker processes build their settings from the environment: hand them these
    os.environ.update(_environment(settings))
    # a worker busy answering (the GIL held by the engine, the model loading) may not answer
    # the supervisor's ping in uvicorn's 5 s: it would be killed with requests in flight
    uvicorn.run("retrieval.serve:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", timeout_worker_healthcheck=WORKER_PING_TIMEOUT)


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as BUDGETQA_* variables (those set)."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            out[f"BUDGETQA_{name.upper()}"] = str(value)
    return out
