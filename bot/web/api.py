"""The REST API under /api/: ask, health, feedback (and the staff routes when a staff password is set), with
OpenAPI docs served locally at /docs."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator

from ..config import MAX_ANSWER_CHARS, MAX_COMMENT_CHARS, MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS
from ..feedback import FeedbackStore
from ..service import Assistant
from .http import ERROR_CODES, ErrorBody, FailureBackoff, LimitsMiddleware, RateLimiter, SecurityHeadersMiddleware, \
    StorageHealth, WorkPool, error, install_error_handlers
from .pages import add_pages
from .staff_api import staff_pages, staff_router


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


# A character that shows: not whitespace, a control character (C0, DEL, C1), a format or zero-width character
# (soft hyphen, ZWSP/ZWNJ/ZWJ, direction marks and overrides, word joiner, BOM, variation selectors) or a filler.
# One pattern for the check and the OpenAPI schema, read alike by Python and ECMA regex engines (BMP only).
VISIBLE = (r"[^\s\x00-\x1f\x7f-\x9f\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
           r"\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]")
_VISIBLE = re.compile(VISIBLE)


def has_text(value: str) -> bool:
    """True when ``value`` holds a character that shows (a question of NUL, control or zero-width characters only
    holds none: it is refused like an empty one)."""
    return _VISIBLE.search(value) is not None


def _trimmed(value: str, limit: int, name: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{name} must be 1 to {limit} characters after trimming")
    if not value.isprintable() and any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate)")
    if not has_text(value):
        raise ValueError(f"{name} holds only control, format or zero-width characters")
    return value


def _trimmed_schema(limit: int) -> dict[str, Any]:
    """What ``_trimmed`` accepts, for the OpenAPI schema (the limit applies after trimming surrounding whitespace):
    a character that shows (``VISIBLE``)."""
    return {"minLength": 1, "maxLength": limit, "pattern": VISIBLE}


class AskRequest(BaseModel):
    question: str = Field(description=f"1–{MAX_QUESTION_CHARS} characters after trimming",
                          examples=["今年有哪些学校建成？"], json_schema_extra=_trimmed_schema(MAX_QUESTION_CHARS))
    lang: Literal["auto", "zh", "en"] = "auto"
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                description=f"at most {MAX_HISTORY_TURNS} earlier turns")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value, MAX_QUESTION_CHARS, "question")


class FeedbackRequest(BaseModel):
    question: str = Field(description=f"the question that was answered (1–{MAX_QUESTION_CHARS} characters)",
                          json_schema_extra=_trimmed_schema(MAX_QUESTION_CHARS))
    answer: str = Field(description=f"the answer text that was rated (1–{MAX_ANSWER_CHARS} characters)",
                        json_schema_extra=_trimmed_schema(MAX_ANSWER_CHARS))
    rating: Literal[1, -1] = Field(description="1 = helpful, -1 = not helpful")
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)
    question_id: str = Field(default="", max_length=32, description="the answer's question_id from /api/ask")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value, MAX_QUESTION_CHARS, "question")

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str) -> str:
        return _trimmed(value, MAX_ANSWER_CHARS, "answer")


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
    partial: bool = Field(False, description="the plan does not give what was asked; the answer says so first")
    mode: str = Field(description="extractive, llm or approved (a staff-approved answer)")
    citations: list[CitationOut]
    related: list[dict[str, str]] = Field(default_factory=list, description="topics the plan covers, when it abstains")
    timings_ms: dict[str, float]


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


def _from_widget(request: Request) -> bool:
    """A request made by the portal widget's page (/widget, same origin: the browser names it in Referer)."""
    from urllib.parse import urlsplit

    return urlsplit(request.headers.get("referer", "")).path == "/widget"


ASK_THREADS = 32  # questions answered at once over the API (each embeds on one core; the rest is I/O)
ASK_MAX_WAIT_S = 10.0  # a question waits at most this long for one of them (then 503 busy)
HEALTH_BUDGET_S = 2.0  # /api/health answers within this even when the vector store hangs


def create_api(assistant: Assistant, store: FeedbackStore | None = None,
               limiter: RateLimiter | None = None, backoff: FailureBackoff | None = None) -> FastAPI:
    """The FastAPI app without Gradio: API, plan viewer, widget, middleware. ``backoff`` slows down wrong staff
    passwords (``app.state.staff_backoff``, shared with the staff UI's sign-in); ``app.state.storage_health`` is
    what /api/health says about storage (set its ``probe`` to a callable that raises StorageUnavailable)."""
    settings = assistant.settings
    store = store or FeedbackStore.from_settings(settings)
    limiter = limiter or RateLimiter(settings.rate_limit_per_minute)
    app = FastAPI(title="Nankai 2024 plan assistant", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Bilingual answers with citations from the Nankai District 2024 development plan.")
    app.state.staff_backoff = backoff or FailureBackoff()
    app.state.storage_health = storage = StorageHealth()
    asks = WorkPool(ASK_THREADS, ASK_MAX_WAIT_S)
    health_check = threading.Lock()  # one vector store check at a time; the others report what searches met
    app.add_middleware(LimitsMiddleware, limiter=limiter)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.allowed_origins), allow_methods=["GET", "POST"],
                       allow_headers=["content-type"], max_age=600)
    app.add_middleware(SecurityHeadersMiddleware, allowed_origins=settings.allowed_origins)
    _docs_page(app)
    _openapi_says_400(app)

    install_error_handlers(app)

    responses: dict[int | str, dict[str, Any]] = {code: {"description": name, "model": ErrorBody}
                                                  for code, name in ERROR_CODES.items() if code not in (404, 405)}

    @app.post("/api/ask", responses={200: {"model": AskResponse}, **responses},
              summary="Ask a question; the answer cites plan paragraphs")
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        if not assistant.ready:
            return error(503, "index_not_ready", "the index is not ready yet — try again shortly")
        channel = "widget" if _from_widget(request) else "api"  # the channel only: nothing of the request is kept

        def answer_it() -> dict[str, Any]:
            answer = assistant.ask(body.question, lang=body.lang, history=[t.model_dump() for t in body.history],
                                   channel=channel)
            assistant.question_log.wait(answer.log_id)  # acknowledged once its (masked) log row is durable
            return {**answer.as_dict(), "question_id": answer.log_id}  # for /api/feedback

        return JSONResponse(await asks.run(answer_it))  # asks' own threads: a hung vector store holds only them

    def checked_health() -> dict[str, Any]:
        if not health_check.acquire(timeout=HEALTH_BUDGET_S):
            data = assistant.health(probe=False)
            if data["status"] == "ok":
                data.update(status="unavailable", vector_store="a check of the vector store has not returned")
        else:
            try:
                data = assistant.health()
            finally:
                health_check.release()
        data["storage"] = storage.state()
        if data["status"] == "ok" and data["storage"] != "ok":
            data["status"] = "degraded"  # answers are served; feedback and the question log are not stored
        return data

    @app.get("/api/health", summary="Index status, documents, chunks, embedder, index age, vector store, storage")
    async def health() -> JSONResponse:
        import anyio

        with anyio.move_on_after(HEALTH_BUDGET_S):
            data = await anyio.to_thread.run_sync(checked_health, abandon_on_cancel=True)
            return JSONResponse(data, status_code=200 if data["status"] in ("ok", "degraded") else 503)
        data = assistant.health(probe=False)
        data.update(status="unavailable", storage=storage.problem or "ok",
                    vector_store=f"the vector store does not answer within {HEALTH_BUDGET_S:g} s")
        return JSONResponse(data, status_code=503)

    @app.get("/api/documents", summary="The loaded documents: id, title (zh/en), kind, year, issue date, sentences, "
             "English coverage (as in `corpus check --json`)")
    def documents() -> JSONResponse:
        from ..documents import document_records

        records = document_records(assistant.corpus, settings.corpus_dir)
        return JSONResponse({"documents": records, "years": sorted({r["year"] for r in records if r["year"]})})

    @app.post("/api/feedback", status_code=201, responses=responses,
              summary="Rate an answer (1 = helpful, -1 = not), stored durably")
    def feedback(body: FeedbackRequest, request: Request) -> JSONResponse:
        row = store.add(body.question, body.answer, body.rating, body.comment.strip(),
                        source="widget" if _from_widget(request) else "api", question_id=body.question_id or None)
        storage.succeeded()
        assistant.question_log.rate(body.question_id, body.rating, body.comment.strip(), body.question)
        return JSONResponse({"ok": True, "id": row}, status_code=201)

    if settings.staff_password:  # /api/staff/* (staff_api.py), before the /api catch-all below
        app.include_router(staff_router(assistant, store))
        app.include_router(staff_pages(settings))  # /staff/sign-in, /staff/sign-out: the session cookie

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def api_not_found(rest: str) -> JSONResponse:
        methods = {m for r in app.routes if isinstance(r, APIRoute) and r.path == f"/api/{rest}" for m in r.methods}
        if methods:
            return error(405, "method_not_allowed", f"use {' or '.join(sorted(methods))} for /api/{rest}",
                         {"Allow": ", ".join(sorted(methods))})
        return error(404, "not_found", f"/api/{rest} does not exist — see /docs")

    add_pages(app, assistant)
    return app


