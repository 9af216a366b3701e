"""One process: the REST API (/api/*) and the Gradio app (/) on FastAPI, served by uvicorn."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from .config import Settings
from .index import IndexError_
from .service import Assistant

log = logging.getLogger("bot.server")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=2000)


class AskRequest(BaseModel):
    question: str
    lang: Literal["auto", "zh", "en"] = "auto"
    history: list[Turn] = Field(default_factory=list, max_length=10)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 500:
            raise ValueError("question must be 1 to 500 characters after trimming")
        return value


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_api(assistant: Assistant) -> FastAPI:
    app = FastAPI(title="Nankai 2024 plan assistant", version="0.1.0", docs_url="/docs")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(400, "bad_request", f"{where or 'body'}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, "not_found" if exc.status_code == 404 else "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error(500, "internal", "the assistant failed on this request; it has been logged")

    @app.post("/api/ask")
    def ask(body: AskRequest) -> JSONResponse:
        if assistant.index is None:
            return error(503, "index_not_ready", "the index is not ready — run `python -m bot index`")
        try:
            answer = assistant.ask(body.question, lang=body.lang, history=[t.model_dump() for t in body.history])
        except IndexError_ as exc:
            return error(503, "index_unavailable", str(exc))
        return JSONResponse(answer.as_dict())

    @app.get("/api/health")
    def health() -> JSONResponse:
        data = assistant.health()
        return JSONResponse(data, status_code=200 if data["status"] == "ok" else 503)

    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    import gradio as gr

    from .ui import build_ui, theme

    assistant = Assistant(settings or Settings.from_env())
    app = create_api(assistant)
    return gr.mount_gradio_app(app, build_ui(assistant), path="/", theme=theme(), footer_links=[])


def serve(settings: Settings) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
