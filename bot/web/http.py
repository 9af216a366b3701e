"""HTTP plumbing shared by every route: the JSON error body, the per-client rate limit, body limits, path
traversal refusal, security headers and the Content-Security-Policy, and the exception handlers."""

from __future__ import annotations

import logging
import math
import threading
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BotError

log = logging.getLogger("bot.web")

API_BODY_LIMIT = 64 * 1024  # bytes, for /api/*
PAGE_BODY_LIMIT = 2 * 1024 * 1024  # bytes, for everything else (the Gradio app posts its chat history)
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
               429: "rate_limited", 503: "index_not_ready"}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


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


def install_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error": {"code", "message"}}``: invalid input 400, HTTP errors by status, a BotError
    with its own status and code, anything else 500 without a stack trace (logged)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return error(400, "bad_request", f"{where or 'body'}: {message}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, ERROR_CODES.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(BotError)
    async def _bot(_: Request, exc: BotError) -> JSONResponse:
        return error(exc.status, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error(500, "internal", "the assistant failed on this request; it has been logged")
