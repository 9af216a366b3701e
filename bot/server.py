"""One process: the REST API (/api/*), the plan viewer (/plan), the portal widget (/widget, /widget.js)
and the Gradio app (/), on FastAPI served by uvicorn. HTML lives in bot/static/ (Jinja templates)."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported anywhere

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .bilingual import load_renderings
from .config import Settings
from .corpus import load_corpus
from .feedback import FeedbackStore
from .index import IndexError_
from .service import Assistant

log = logging.getLogger("bot.server")

STATIC = Path(__file__).with_name("static")
API_BODY_LIMIT = 64 * 1024  # bytes, for /api/*
PAGE_BODY_LIMIT = 2 * 1024 * 1024  # bytes, for everything else (the Gradio app posts its chat history)
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
               429: "rate_limited", 503: "index_not_ready"}


# ---------------------------------------------------------------- request bodies


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=4000)


def _trimmed(value: str, limit: int, name: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{name} must be 1 to {limit} characters after trimming")
    if not value.isprintable() and any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate)")
    return value


def _trimmed_schema(limit: int) -> dict[str, Any]:
    """What ``_trimmed`` accepts, for the OpenAPI schema (the limit applies after trimming surrounding whitespace).
    The pattern is "holds a character str.strip() keeps", under both Python and ECMA regex rules."""
    return {"minLength": 1, "maxLength": limit, "pattern": r"[^\s\x1c-\x1f\x85]|\ufeff"}


class AskRequest(BaseModel):
    question: str = Field(description="1–500 characters after trimming", examples=["今年有哪些学校建成？"],
                          json_schema_extra=_trimmed_schema(500))
    lang: Literal["auto", "zh", "en"] = "auto"
    history: list[Turn] = Field(default_factory=list, max_length=10, description="at most 10 earlier turns")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value, 500, "question")


class FeedbackRequest(BaseModel):
    question: str = Field(description="the question that was answered (1–500 characters)",
                          json_schema_extra=_trimmed_schema(500))
    answer: str = Field(description="the answer text that was rated (1–5000 characters)",
                        json_schema_extra=_trimmed_schema(5000))
    rating: Literal[1, -1] = Field(description="1 = helpful, -1 = not helpful")
    comment: str = Field(default="", max_length=1000)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value, 500, "question")

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str) -> str:
        return _trimmed(value, 5000, "answer")


class CitationOut(BaseModel):
    n: int
    id: str = Field(examples=["nankai-2024-plan/2.1.2"])
    label: str
    label_en: str
    text: str = Field(description="the whole Chinese paragraph")
    quote: str = Field(description="the supporting Chinese sentence(s), a substring of text")
    quote_en: str | None = Field(description="their English rendering (unofficial translation)")
    score: float
    url: str = Field(examples=["/plan#nankai-2024-plan/2.1.2"])


class AskResponse(BaseModel):
    question: str
    language: Literal["zh", "en"]
    answer: str
    abstained: bool
    mode: str
    citations: list[CitationOut]
    related: list[dict[str, str]] = Field(default_factory=list, description="topics the plan covers, when it abstains")
    timings_ms: dict[str, float]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


# ---------------------------------------------------------------- middleware


class RateLimiter:
    """Token bucket per client: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before the next one."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if len(self._buckets) > self.max_clients:  # forget the clients that have been idle longest
                for old in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: self.max_clients // 10]:
                    del self._buckets[old]
        return wait


class LimitsMiddleware:
    """Per-client rate limit on /api/* (not /api/health) and a body size limit checked before parsing."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if ".." in path.replace("\\", "/").split("/") or "\x00" in path:  # traversal, on every route (Gradio's too)
            await error(404, "not_found", "no such page")(scope, receive, send)
            return
        is_api = path.startswith("/api/")
        # the chat itself is limited inside the UI's handlers; uploads are the one Gradio route that takes data
        limited = (is_api and path != "/api/health") or path.startswith("/gradio_api/upload")
        if limited and scope["method"] != "OPTIONS":
            client = scope.get("client")
            wait = self.limiter(client[0] if client else "-")
            if wait:
                seconds = max(1, math.ceil(wait))
                await error(429, "rate_limited", f"too many requests — try again in {seconds} s",
                            {"Retry-After": str(seconds)})(scope, receive, send)
                return
        limit = API_BODY_LIMIT if is_api else PAGE_BODY_LIMIT
        headers = dict(scope["headers"])
        too_large = error(413, "body_too_large", f"the request body is larger than {limit // 1024} KB")
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                await too_large(scope, receive, send)
                return
        elif b"transfer-encoding" in headers:  # chunked: read up to the limit before the app parses anything
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > limit:
                    await too_large(scope, receive, send)
                    return
                if not message.get("more_body", False):
                    break
            receive = _replay(b"".join(chunks), receive)
        await self.app(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def content_security_policy(path: str, allowed_origins: tuple[str, ...]) -> str:
    """Strict for our own pages; Gradio's page at / needs inline scripts and styles (no outside host either way)."""
    ancestors = " ".join(("'self'",) + allowed_origins) if path == "/widget" else "'self'"
    if path.startswith("/api/"):
        return "default-src 'none'; frame-ancestors 'none'"
    common = f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    if path in ("/plan", "/widget"):
        return (f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"connect-src 'self'; {common}")
    return ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; "
            f"worker-src 'self' blob:; frame-src 'self'; {common}")


class SecurityHeadersMiddleware:
    """nosniff, a referrer policy and a Content-Security-Policy on every response."""

    def __init__(self, app: ASGIApp, allowed_origins: tuple[str, ...]) -> None:
        self.app = app
        self.allowed_origins = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = content_security_policy(scope["path"], self.allowed_origins).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                headers += [(b"x-content-type-options", b"nosniff"), (b"content-security-policy", csp),
                            (b"referrer-policy", b"strict-origin-when-cross-origin"),
                            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------- pages


@lru_cache(maxsize=1)
def templates() -> Environment:
    return Environment(loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]),
                       extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True)


def render_plan(settings: Settings) -> str:
    corpus = load_corpus(settings.corpus_dir)
    docs = [(doc, load_renderings(settings.corpus_dir, doc.doc_id)) for doc in corpus.documents]
    return templates().get_template("plan.html").render(docs=docs)


def render_widget(lang: str) -> str:
    return templates().get_template("widget.html").render(lang=lang)


def _docs_page(app: FastAPI) -> None:
    """Swagger UI at /docs from files on disk (fastapi-offline's copy), never from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        import fastapi_offline
    except ImportError:  # the page then points at the raw schema only
        @app.get("/docs", include_in_schema=False)
        def docs_plain() -> HTMLResponse:
            return HTMLResponse('<!doctype html><title>API</title><p><a href="/openapi.json">/openapi.json</a></p>')
        return

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None})  # no badge from another host


def _openapi_says_400(app: FastAPI) -> None:
    """Invalid input is a 400 here (FastAPI would document a 422 that never happens)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# ---------------------------------------------------------------- the app


def create_api(assistant: Assistant, store: FeedbackStore | None = None,
               limiter: RateLimiter | None = None) -> FastAPI:
    """The FastAPI app without Gradio: API, plan viewer, widget, middleware."""
    settings = assistant.settings
    store = store or FeedbackStore(settings.data_dir)
    limiter = limiter or RateLimiter(settings.rate_limit_per_minute)
    app = FastAPI(title="Nankai 2024 plan assistant", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Bilingual answers with citations from the Nankai District 2024 development plan.")
    app.add_middleware(LimitsMiddleware, limiter=limiter)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["content-type"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, allowed_origins=settings.allowed_origins)
    _docs_page(app)
    _openapi_says_400(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return error(400, "bad_request", f"{where or 'body'}: {message}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, ERROR_CODES.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error(500, "internal", "the assistant failed on this request; it has been logged")

    responses: dict[int | str, dict[str, Any]] = {code: {"description": name, "model": ErrorBody}
                                                  for code, name in ERROR_CODES.items() if code not in (404, 405)}

    @app.post("/api/ask", responses={200: {"model": AskResponse}, **responses},
              summary="Ask a question; the answer cites plan paragraphs")
    def ask(body: AskRequest) -> JSONResponse:
        if assistant.index is None:
            return error(503, "index_not_ready", "the index is not ready yet — try again shortly")
        try:
            answer = assistant.ask(body.question, lang=body.lang, history=[t.model_dump() for t in body.history])
        except IndexError_ as exc:
            return error(503, "index_unavailable", str(exc))
        return JSONResponse(answer.as_dict())

    @app.get("/api/health", summary="Index status, documents, chunks, embedder, index age")
    def health() -> JSONResponse:
        data = assistant.health()
        return JSONResponse(data, status_code=200 if data["status"] == "ok" else 503)

    @app.post("/api/feedback", status_code=201, responses=responses,
              summary="Rate an answer (1 = helpful, -1 = not), stored durably")
    def feedback(body: FeedbackRequest) -> JSONResponse:
        row = store.add(body.question, body.answer, body.rating, body.comment.strip(), source="api")
        return JSONResponse({"ok": True, "id": row}, status_code=201)

    if settings.staff_password:  # /api/staff/* (bot/staff.py), before the /api catch-all below
        from .staff import staff_router

        app.include_router(staff_router(assistant, store))

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def api_not_found(rest: str) -> JSONResponse:
        methods = {m for r in app.routes if isinstance(r, APIRoute) and r.path == f"/api/{rest}" for m in r.methods}
        if methods:
            return error(405, "method_not_allowed", f"use {' or '.join(sorted(methods))} for /api/{rest}",
                         {"Allow": ", ".join(sorted(methods))})
        return error(404, "not_found", f"/api/{rest} does not exist — see /docs")

    plan_html: list[str] = []

    @app.get("/plan", include_in_schema=False)
    def plan() -> HTMLResponse:
        if not plan_html:
            plan_html.append(render_plan(settings))
        return HTMLResponse(plan_html[0])

    @app.get("/widget", include_in_schema=False)
    def widget(lang: str = "zh") -> HTMLResponse:
        return HTMLResponse(render_widget("en" if lang == "en" else "zh"))

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=3600"})

    assets = {p.name: p for p in STATIC.iterdir() if p.suffix in {".css", ".js", ".svg", ".png"}}

    @app.get("/web/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in assets:
            raise StarletteHTTPException(404, f"/web/{name} does not exist")
        return FileResponse(assets[name], headers={"Cache-Control": "public, max-age=3600"})

    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The whole app; the index is loaded (or built) in the background while /api/health says 'not ready'."""
    import gradio as gr

    from .ui import HEAD, build_ui, css_path, theme

    settings = settings or Settings.from_env()
    assistant = Assistant(settings, build=False)
    store = FeedbackStore(settings.data_dir)
    limiter = RateLimiter(settings.rate_limit_per_minute)
    app = create_api(assistant, store, limiter)

    def load() -> None:
        try:
            assistant.load_until_ready(on_progress=lambda msg: log.info("index: %s", msg))
        except Exception as exc:  # health keeps reporting "not ready" with the reason
            assistant.status = f"failed: {exc}"
            log.exception("the index could not be loaded")

    threading.Thread(target=load, name="index-loader", daemon=True).start()
    return gr.mount_gradio_app(app, build_ui(assistant, store, limiter), path="/", theme=theme(),
                               css_paths=[css_path()], head=HEAD, footer_links=[], run_history=False, ssr_mode=False,
                               enable_monitoring=False, pwa=False, mcp_server=False)


def serve(settings: Settings) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
