"""The chat server: `streamlit run chat.py` serves the page app.py and starts loading the engine
and the embedding model when the server starts, not on the first visit. Pages shown before it is
ready say so in Chinese; GET /ready answers 200 once it is ready (503 before), beside Streamlit's
own /_stcore/health.

(`streamlit run app.py` works too: the engine then starts loading on the first visit.)
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import streamlit as st
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from indexer.settings import Settings
from ui import startup


@asynccontextmanager
async def lifespan(_app):
    startup.begin(Settings())
    yield {}


async def ready(_: Request) -> JSONResponse:
    body = startup.status(Settings())
    return JSONResponse(body, status_code=200 if body["ready"] else 503)


app = st.App("app.py", lifespan=lifespan, routes=[Route("/ready", ready)])
