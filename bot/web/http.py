"""HTTP plumbing shared by every route: the JSON error body, the per-client rate limit, the failure backoff for
passwords, body limits, path traversal refusal, security headers and the Content-Security-Policy, the exception
handlers and the outermost layer that keeps an exception from reaching the server."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import threading
import time
import weakref
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BotError, StorageUnavailable

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


def client_tag(host: str) -> str:
    """A client as log lines name it without its address: a short hash, salted per process (lines of one run can
    be told apart, an address cannot be recovered from them)."""
    return "client#" + hashlib.blake2b(host.encode("utf-8", "replace"), key=_SALT, digest_size=4).hexdigest()


_SALT = os.urandom(16)


class FailureBackoff:
    """Exponential backoff after failed attempts (password guesses), per client and over all clients together,
    apart from the request rate limit.

    ``check(key)`` gives the seconds to wait before the next attempt may even be checked (0: go ahead);
    ``failed(key)`` records a wrong attempt (logged at WARNING); ``succeeded(key)`` forgets the client's failures.
    After ``free`` failures a client waits ``base_s``, then twice as long after each further failure, up to
    ``cap_s``; over all clients the same after ``overall_free`` failures, up to ``overall_cap_s`` (a short cap:
    guessing from many addresses must not lock the staff out for long). Failures are forgotten ``forget_after_s``
    after the last one. Defaults: ~100 guesses a day per client, ~1,500 a day from everyone."""

    OVERALL = "\0all"

    def __init__(self, free: int = 8, base_s: float = 1.0, cap_s: float = 900.0, overall_free: int = 50,
                 overall_cap_s: float = 60.0, forget_after_s: float = 3600.0, max_clients: int = 10_000,
                 what: str = "staff password") -> None:
        self.free, self.base_s, self.cap_s = free, base_s, cap_s
        self.overall_free, self.overall_cap_s = overall_free, overall_cap_s
        self.forget_after_s, self.max_clients, self.what = forget_after_s, max_clients, what
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, monotonic time of the last one)
        self._lock = threading.Lock()

    def _delay(self, failures: int, free: int, cap: float) -> float:
        return 0.0 if failures < free else min(cap, self.base_s * 2.0 ** min(failures - free, 64))

    def _wait(self, key: str, free: int, cap: float, now: float) -> float:
        failures, last = self._failures.get(key, (0, now))
        if failures and now - last > self.forget_after_s:
            del self._failures[key]
            return 0.0
        return max(0.0, last + self._delay(failures, free, cap) - now)

    def check(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            return max(self._wait(key, self.free, self.cap_s, now),
                       self._wait(self.OVERALL, self.overall_free, self.overall_cap_s, now))

    def failed(self, key: str) -> float:
        """Record a failure; returns the seconds until the next attempt of ``key`` will be checked."""
        now = time.monotonic()
        with self._lock:
            for k in (key, self.OVERALL):
                self._failures[k] = (self._failures.get(k, (0, now))[0] + 1, now)
            if len(self._failures) > self.max_clients:  # forget the clients whose last failure is oldest
                for old in sorted(self._failures, key=lambda k: self._failures[k][1])[: self.max_clients // 10]:
                    if old != self.OVERALL:
                        del self._failures[old]
            mine, everyone = self._failures[key][0], self._failures[self.OVERALL][0]
            wait = max(self._wait(key, self.free, self.cap_s, now),
                       self._wait(self.OVERALL, self.overall_free, self.overall_cap_s, now))
        log.warning("%s refused for %s (%d failures from it, %d from everyone); next attempt checked in %.0f s",
                    self.what, client_tag(key), mine, everyone, wait)
        return wait

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def too_soon(self, wait: float) -> JSONResponse:
        """The 429 for an attempt made before ``check`` allowed it (the attempt itself is not checked)."""
        seconds = max(1, math.ceil(wait))
        return error(429, "rate_limited", f"too many failed attempts — try again in {seconds} s",
                     {"Retry-After": str(seconds)})


class StorageHealth:
    """What /api/health says about durable storage: the last ``StorageUnavailable`` a request met, until a write
    succeeds again (``failed`` / ``succeeded``), and ``probe`` — a callable the storage layer may set, run by health,
    that raises ``StorageUnavailable`` when the database cannot be used."""

    def __init__(self) -> None:
        self.problem: str | None = None
        self.probe: Callable[[], object] | None = None

    def failed(self, exc: BaseException) -> None:
        self.problem = str(exc)

    def succeeded(self) -> None:
        self.problem = None

    def state(self) -> str:
        if self.probe is not None:
            try:
                self.probe()
            except StorageUnavailable as exc:
                self.problem = str(exc)
        return self.problem or "ok"


class Busy(BotError):
    """Every thread for this kind of work is taken and none came free in time."""

    code = "busy"
    status = 503


class WorkPool:
    """Threads of their own for one kind of work (answering questions): at most ``threads`` at once, and a request
    waits at most ``max_wait_s`` for one (then 503 busy). A stalled dependency (a hung Chroma server) then holds
    these threads only, never the pool every other route (feedback, health, /plan) runs on."""

    def __init__(self, threads: int, max_wait_s: float) -> None:
        self.threads = threads
        self.max_wait_s = max_wait_s
        self._limiters: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()

    def _for_loop(self) -> tuple[Any, Any]:
        import anyio

        loop = asyncio.get_running_loop()
        pair = self._limiters.get(loop)
        if pair is None:  # anyio's limiters belong to one event loop (tests run several)
            pair = self._limiters[loop] = (anyio.CapacityLimiter(self.threads), anyio.CapacityLimiter(self.threads))
        return pair

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        import anyio

        slots, threads = self._for_loop()
        with anyio.move_on_after(self.max_wait_s) as waited:
            await slots.acquire()
        if waited.cancelled_caught:
            raise Busy(f"the assistant is answering {self.threads} questions and none finished within "
                       f"{self.max_wait_s:g} s — try again shortly")
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=threads)
        finally:
            slots.release()


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
        # the chat itself is limited inside the UI's handlers, Gradio's other routes by bot.web.gradio_guard
        limited = is_api and path != "/api/health"
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
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > limit:
                await too_large(limit)(scope, receive, send)
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
                    await too_large(limit)(scope, receive, send)
                    return
                if not message.get("more_body", False):
                    break
            receive = replay_body(b"".join(chunks), receive)
        await self.app(scope, receive, send)


def too_large(limit: int) -> JSONResponse:
    """The 413 for a body over ``limit`` bytes (built only when one is refused: a JSONResponse costs ~4 µs)."""
    return error(413, "body_too_large", f"the request body is larger than {limit // 1024} KB")


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the app a body already read, then the connection's own messages."""
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
        # the policy depends on the path only as far as these four kinds go: each is built once
        self._csp = {kind: content_security_policy(kind, allowed_origins).encode()
                     for kind in ("/api/", "/plan", "/widget", "/")}

    def policy(self, path: str) -> bytes:
        """``content_security_policy(path, allowed_origins)``, encoded."""
        if path.startswith("/api/"):
            return self._csp["/api/"]
        return self._csp[path] if path in ("/plan", "/widget") else self._csp["/"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.policy(scope["path"])

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

    @app.exception_handler(StorageUnavailable)
    async def _storage(request: Request, exc: StorageUnavailable) -> JSONResponse:
        log.warning("storage unavailable on %s: %s", request.url.path, exc)  # one line: the cause is outside
        health = getattr(request.app.state, "storage_health", None)
        if health is not None:
            health.failed(exc)
        return error(exc.status, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error(500, "internal", "the assistant failed on this request; it has been logged")

    contain_errors(app)


def contain_errors(app: FastAPI) -> None:
    """Wrap ``app``'s whole middleware stack in ``ContainErrors`` (Starlette builds the stack on the first call)."""
    build = app.build_middleware_stack
    if getattr(build, "contained", False):
        return

    def build_contained() -> ASGIApp:
        return ContainErrors(build())

    build_contained.contained = True  # type: ignore[attr-defined]
    app.build_middleware_stack = build_contained  # type: ignore[method-assign]


class ContainErrors:
    """The outermost layer. Starlette's error middleware answers an unexpected exception (our handler logs its
    traceback once) and then re-raises it for the server, which would log a second traceback and drop the
    connection: here it stops. A response not started yet becomes the JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # noqa: BLE001 — logged by the handler that answered it, or here
            if started:
                log.debug("contained after the response: %s: %s", exc.__class__.__name__, exc)
                return
            log.error("unexpected error on %s %s: %s: %s", scope.get("method"), scope.get("path"),
                      exc.__class__.__name__, str(exc).splitlines()[0][:300] if str(exc) else "")
            await error(500, "internal", "the assistant failed on this request; it has been logged")(
                scope, receive, send)
