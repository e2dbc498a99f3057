"""The HTTP edge of `budgetqa serve`: errors as `{"code", "message"}` in Chinese, API keys, a
request-size limit applied before the body is read, one access-log line per request, and the
Swagger UI and ReDoc pages served from the installed `fastapi_offline` package (no CDN)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import sys
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS = logging.getLogger("budgetqa.access")
DOCS_ASSETS = "/docs-assets"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_STATUS_CODES = {404: ("not_found", "没有这个接口：请看 /docs 列出的接口。"),
                 405: ("method_not_allowed", "这个接口不接受这种请求方法。")}


class ApiError(Exception):
    """An error told to the client: an HTTP status, a code and a Chinese message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


def install_error_handlers(api: FastAPI) -> None:
    """Every error as {"code", "message"}, never plain text or FastAPI's English detail."""

    @api.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers)

    @api.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(x) for x in e["loc"] if x != "body") or "请求体" for e in error.errors()})
        return error_response(422, "invalid_request",
                              f"请求格式不对：请检查字段 {'、'.join(fields)}（见 /docs 的示例）。")

    @api.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # logged by the server as a traceback; the client gets JSON, never a plain-text 500
        return error_response(500, "internal_error", "服务器内部错误，请稍后再试；如果一再出现，请联系管理员。")

    @api.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code, message = _STATUS_CODES.get(error.status_code, ("http_error", "请求未能完成。"))
        return error_response(error.status_code, code, message)


# ---- API keys -----------------------------------------------------------------------------------


def key_id(key: str) -> str:
    """A short name of a key for the access log (never the key itself)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def check_key(request: Request, keys: list[str]) -> str | None:
    """The id of the request's API key; ApiError 401 when keys are set and it names none of them."""
    if not keys:
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() == "bearer" and given:
        for key in keys:
            if hmac.compare_digest(given.encode(), key.encode()):
                return key_id(key)
    raise ApiError(401, "unauthorized", "缺少或无效的 API 密钥：请在请求头写 Authorization: Bearer <密钥>。",
                   {"WWW-Authenticate": "Bearer"})


# ---- middleware ---------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse a request body over its limit with 413: at once from its Content-Length, else (a
    chunked body) as soon as the bytes read pass the limit — never reading it whole. Uploads
    (`upload_path`) may be up to `upload_limit` bytes, every other request up to `limit`."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int, upload_path: str = "/documents") -> None:
        self.app, self.small, self.large, self.upload_path = app, limit, upload_limit, upload_path

    def _refusal(self, size: int | None, limit: int) -> JSONResponse:
        said = f"{_size(size)}，" if size else ""
        return error_response(413, "request_too_large", f"请求太大（{said}上限 {_size(limit)}）：请缩小后再试。")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.large if scope["path"] == self.upload_path else self.small
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refusal(int(declared), limit)(scope, receive, send)
            return
        seen = 0
        state = {"started": False, "exceeded": False}

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["exceeded"] = True
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            if state["exceeded"]:  # the app's own reply to the broken body gives way to the 413
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await self._refusal(None, limit)(scope, receive, send)
                return
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not state["started"]:
                await self._refusal(None, limit)(scope, receive, send)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


class AccessLog:
    """One line per request on stderr: client, method, path, status, time taken, API key id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begun = time.perf_counter()
        status = {"code": 500}

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        finally:
            client = (scope.get("client") or ("-", 0))[0]
            key = scope.get("state", {}).get("key_id") or "-"
            ACCESS.info('%s "%s %s" %d %.0fms key=%s', client, scope["method"], scope["path"],
                        status["code"], (time.perf_counter() - begun) * 1000, key)


def configure_access_log() -> None:
    """Send the access log to stderr, one plain line each (uvicorn's own is off)."""
    if not ACCESS.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        ACCESS.addHandler(handler)
        ACCESS.setLevel(logging.INFO)
        ACCESS.propagate = False


# ---- offline docs -------------------------------------------------------------------------------


def install_docs(api: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc with their scripts from the installed package."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).parent / "static"
    title = api.title
    redoc_js: list[bytes] = []

    @api.get(f"{DOCS_ASSETS}/redoc.js", include_in_schema=False)
    def redoc_script() -> Response:
        # ReDoc's footer shows a logo from its CDN: the favicon served here stands in for it
        if not redoc_js:
            script = (assets / "redoc.standalone.js").read_text(encoding="utf-8")
            redoc_js.append(script.replace(REDOC_LOGO, f"{DOCS_ASSETS}/favicon.png").encode())
        return Response(redoc_js[0], media_type="text/javascript")

    api.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    def swagger() -> object:
        return get_swagger_ui_html(
            openapi_url=api.openapi_url, title=f"{title} · 接口文档",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            # no online validator badge: it would call a server outside
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0})

    @api.get("/redoc", include_in_schema=False)
    def redoc() -> object:
        return get_redoc_html(openapi_url=api.openapi_url, title=f"{title} · 接口文档",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)
