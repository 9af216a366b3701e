"""Gradio's own routes, guarded. The chat is a Gradio app, and Gradio serves far more than the chat uses: uploads,
files from its shared temporary folder, a REST API per event, component servers, screen recordings. The guard
sits between our app and Gradio's (``guard_gradio``) and

- refuses what this app never offers: uploads (``/gradio_api/upload``, multipart component calls), recordings,
  deep links (a session's state, its chat included, written to disk), the vibe editor, the URL proxy, streams,
  run history, monitoring, profiling, log-in routes;
- serves through ``/gradio_api/file=`` only files this app's components created (never an upload, another app's
  temporary file or a URL);
- answers a request that names no event, API name or component of this app with a 4xx JSON error before Gradio
  sees it (Gradio answers 500 with a traceback), and private (staff) events get no REST endpoint;
- rate-limits every POST per client (``calls``) and every refused request against the API's own budget
  (``refusals``);
- turns anything Gradio still raises on a request into a 400 with one log line, and the tracebacks Gradio prints
  for a failed event into one log line (a traceback stays when the failure is in our own code);
- puts the two routes of every chat question (``HOT_ROUTES``) first in Gradio's router (``hot_routes_first``,
  ``HotPaths``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import traceback as _traceback
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from .http import error, replay_body

log = logging.getLogger("bot.web.gradio")

API = "/gradio_api"
NOT_OFFERED = re.compile(
    r"^(?:/gradio_api)?/(?:(?:upload|upload_progress|process_recording|vibe-edit|undo-vibe-edit|vibe-code|"
    r"run-history|runs|monitoring|profiling|dev/reload|login|logout|deep_link)(?:/|$)|proxy=|stream/)")
FILE_ROUTE = re.compile(r"^(?:/gradio_api)?/file[=/](?P<path>.*)$", re.S)
NAMED_CALL = re.compile(r"^/gradio_api/(?:call/v2|call|run|api)/(?P<name>[^/]+)/?$")
CALL_RESULT = re.compile(r"^/gradio_api/call(?:/v2)?/(?P<name>[^/]+)/[^/]+/?$")
JSON_ROUTES = ("/gradio_api/queue/join", "/gradio_api/component_server", "/gradio_api/component_server/",
               "/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/reset/")
MAX_SESSION_HASH = 200
HOT_ROUTES = ("/gradio_api/queue/join", "/gradio_api/queue/data")  # the two requests of every chat question
BOT_PACKAGE = str(Path(__file__).resolve().parent.parent)


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class GradioGuard:
    """ASGI wrapper around Gradio's app: see the module docstring."""

    def __init__(self, app: Any, blocks: Any, refusals: Callable[[str], float], calls: Callable[[str], float]) -> None:
        self.app = app
        self.blocks = blocks
        self.refusals = refusals
        self.calls = calls
        if hasattr(app, "add_exception_handler"):  # Gradio's own error middleware answers with ours, not a 500
            app.add_exception_handler(Exception, _bad_request)
        if getattr(app, "router", None) is not None:
            hot_routes_first(app.router)

    def __getattr__(self, name: str) -> Any:  # routes, state, ... of Gradio's app, for whoever looks
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        client = scope.get("client")
        who = client[0] if client else "-"
        if method == "POST" and (wait := self.calls(who)):
            await _too_many(wait)(scope, receive, send)
            return
        try:
            receive = await self._check(scope, receive, method, path)
        except Refused as refusal:
            if wait := self.refusals(who):
                await _too_many(wait)(scope, receive, send)
                return
            log.info("refused %s %s: %s", method, _short(path), refusal.message)
            await error(refusal.status, refusal.code, refusal.message)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 — already answered by _bad_request
            log.warning("Gradio failed on %s %s: %s", method, _short(path), _one_line(exc))

    # -- the checks
    async def _check(self, scope: Scope, receive: Receive, method: str, path: str) -> Receive:
        if NOT_OFFERED.match(path):
            raise Refused(403 if "upload" in path else 404, "forbidden" if "upload" in path else "not_found",
                          "this app takes no file uploads" if "upload" in path else f"{_short(path)} is not offered")
        if (m := FILE_ROUTE.match(path)) and method in ("GET", "HEAD"):
            if not self._created(m.group("path")):
                raise Refused(404, "not_found", "no such file")
            return receive
        if method == "GET" and (m := CALL_RESULT.match(path)):
            self._fn_named(m.group("name"))
            return receive
        if method != "POST":
            return receive
        if (m := NAMED_CALL.match(path)) is not None:
            fn = self._fn_named(m.group("name"))
            body, receive = await _json_body(scope, receive)
            if "/call/v2/" not in path:
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, list):
                    raise Refused(400, "bad_request", 'the body must be {"data": [...]}')
                api_inputs = [b for b in fn.inputs if not getattr(b, "skip_api", False)]
                if len(data) not in (len(fn.inputs), len(api_inputs)):
                    raise Refused(400, "bad_request", f"data must hold {len(api_inputs)} values")
            elif not isinstance(body, dict):
                raise Refused(400, "bad_request", "the body must be a JSON object of named values")
            return receive
        if path in JSON_ROUTES:
            if _content_type(scope).startswith("multipart/"):
                raise Refused(403, "forbidden", "this app takes no file uploads")
            body, receive = await _json_body(scope, receive)
            if not isinstance(body, dict):
                raise Refused(400, "bad_request", "the body must be a JSON object")
            if path == "/gradio_api/queue/join":
                self._check_join(body)
            elif path.startswith("/gradio_api/component_server"):
                self._check_component_call(body)
            elif not isinstance(body.get("session_hash", ""), (str, type(None))):
                raise Refused(400, "bad_request", "session_hash must be a string")
        return receive

    def _fn_named(self, name: str) -> Any:
        for fn in self.blocks.fns.values():
            if fn.api_name == name and getattr(fn, "api_visibility", "public") != "private" and fn.fn is not None:
                return fn
        raise Refused(404, "not_found", f"no API endpoint named {name[:80]!r}")

    def _check_join(self, body: dict[str, Any]) -> None:
        session = body.get("session_hash")
        if not isinstance(session, str) or not 0 < len(session) <= MAX_SESSION_HASH:
            raise Refused(400, "bad_request", "session_hash must be a string of 1 to 200 characters")
        fn_index = body.get("fn_index")
        fn = self.blocks.fns.get(fn_index) if isinstance(fn_index, int) and not isinstance(fn_index, bool) else None
        if fn is None or fn.fn is None:
            raise Refused(404, "not_found", "fn_index names no event of this app")
        data = body.get("data")
        if not isinstance(data, list) or len(data) < len(fn.inputs):
            raise Refused(400, "bad_request", f"data must be a list of {len(fn.inputs)} values")
        trigger = body.get("trigger_id")
        if trigger is not None and (not isinstance(trigger, int) or isinstance(trigger, bool)):
            raise Refused(400, "bad_request", "trigger_id must be an integer")
        for key in ("event_id", "oauth_token"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise Refused(400, "bad_request", f"{key} must be a string")

    def _check_component_call(self, body: dict[str, Any]) -> None:
        session, component_id, fn_name = body.get("session_hash"), body.get("component_id"), body.get("fn_name")
        if not isinstance(session, str) or not isinstance(fn_name, str) or "data" not in body:
            raise Refused(400, "bad_request", "session_hash, component_id, fn_name and data are required")
        block = self.blocks.blocks.get(component_id) if isinstance(component_id, int) else None
        fn = getattr(block, fn_name, None) if block is not None and not fn_name.startswith("_") else None
        if fn is None or not getattr(fn, "_is_server_fn", False):
            raise Refused(404, "not_found", "no such component function")

    def _created(self, raw: str) -> bool:
        """True for a file one of this app's components wrote (never an upload, a URL or anything else)."""
        if "://" in raw or not raw:
            return False
        try:
            target = Path(raw).resolve()
        except (OSError, ValueError, RuntimeError):
            return False
        uploads = getattr(self.blocks, "upload_file_set", set())
        for files in getattr(self.blocks, "temp_file_sets", []):
            if files is uploads:
                continue
            for name in list(files):
                try:
                    if Path(name).resolve() == target:
                        return target.is_file()
                except (OSError, ValueError, RuntimeError):
                    continue
        return False


def hot_routes_first(router: Any, paths: tuple[str, ...] = HOT_ROUTES) -> list[str]:
    """Move the routes of ``paths`` to the front of the route list that holds them (Gradio's router, or the router
    it includes), where that cannot change what any request reaches: such a route has no path parameters, so it
    matches its own path only, and it moves only when no route before it matches that path (else it stays). Gradio
    lists them ~36th of 63, and FastAPI walks the list twice per request (to match, then to handle), ~1.5 µs a route
    each time: ~0.1 ms per request, two requests per question. When they sit in an included router, that router is
    also reached first for those paths (``HotPaths``). Returns the paths moved."""
    moved: list[str] = []
    lists = [router] + [r.original_router for r in getattr(router, "routes", [])
                        if getattr(r, "original_router", None) is not None]  # FastAPI's included routers
    for owner in lists:
        routes = getattr(owner, "routes", None)
        if not isinstance(routes, list):
            continue
        before = len(moved)
        for path in reversed(paths):  # each to the front: they end in the order of ``paths``
            at = next((i for i, r in enumerate(routes) if getattr(r, "path", None) == path), None)
            if at is None or "{" in path or not _none_match(routes[:at], path):
                continue
            routes.insert(0, routes.pop(at))
            moved.append(path)
        if len(moved) > before and hasattr(owner, "_mark_routes_changed"):  # FastAPI caches included routes
            owner._mark_routes_changed()
    _included_first(router, tuple(p for p in paths if p in moved))
    return moved


def _none_match(routes: list[Any], path: str) -> bool:
    """True when none of ``routes`` (each with a path pattern) can match ``path``, fully or partly."""
    return all(getattr(r, "path_regex", None) is not None and not r.path_regex.match(path) for r in routes)


class HotPaths(BaseRoute):
    """The first route of Gradio's router, for the two requests of every chat question: their included router,
    reached for exactly those paths (before Gradio's ~21 routes, none of which matches them, and FastAPI's
    bookkeeping for each), by the same match and handle FastAPI gives it where it stands; every other request
    walks the routes as before. A request under a root path is left to the walk."""

    def __init__(self, included: Any, paths: tuple[str, ...]) -> None:
        self.included = included
        self.paths = frozenset(paths)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path") in self.paths and not scope.get("root_path"):
            match, child_scope = self.included.matches(scope)
            return match, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.included.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # names nothing: url_for finds each route where it stands


def _included_first(router: Any, paths: tuple[str, ...]) -> None:
    """Put ``HotPaths`` first in ``router`` for the included router that holds ``paths`` (once), when no route
    before that included router can match any of them."""
    routes = getattr(router, "routes", None)
    if not paths or not isinstance(routes, list) or any(isinstance(r, HotPaths) for r in routes):
        return
    at = next((i for i, r in enumerate(routes) if getattr(r, "original_router", None) is not None
               and all(any(getattr(x, "path", None) == p for x in r.original_router.routes) for p in paths)), None)
    if at is None or not all(_none_match(routes[:at], p) for p in paths):
        return
    routes.insert(0, HotPaths(routes[at], paths))
    if hasattr(router, "_mark_routes_changed"):
        router._mark_routes_changed()


def guard_gradio(app: Any, blocks: Any, refusals: Callable[[str], float], calls: Callable[[str], float]) -> None:
    """Put ``GradioGuard`` in front of the Gradio app that ``gr.mount_gradio_app`` mounted on ``app``."""
    from starlette.routing import Mount

    mounts = [r for r in app.router.routes if isinstance(r, Mount) and getattr(r.app, "get_blocks", None)]
    if len(mounts) != 1:
        raise RuntimeError(f"expected one mounted Gradio app, found {len(mounts)}")
    mounts[0].app = GradioGuard(mounts[0].app, blocks, refusals, calls)
    quiet_gradio_tracebacks()


async def _bad_request(_: Request, exc: Exception) -> Any:
    return error(400, "bad_request", "the request does not fit this app")


def _too_many(wait: float) -> Any:
    seconds = max(1, math.ceil(wait))
    return error(429, "rate_limited", f"too many requests — try again in {seconds} s", {"Retry-After": str(seconds)})


def _content_type(scope: Scope) -> str:
    return dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1").lower()


async def _json_body(scope: Scope, receive: Receive) -> tuple[Any, Receive]:
    """The request's JSON body (the size is bounded by LimitsMiddleware) and a receive that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise Refused(400, "bad_request", "the request ended early")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    raw = b"".join(chunks)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "bad_request", "the body is not JSON") from None
    return body, replay_body(raw, receive)


def _short(path: str) -> str:
    return path[:120].encode("unicode_escape").decode("ascii")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:200] if text else ''}".encode("unicode_escape").decode("ascii")


def _print_exc(*_: Any, **__: Any) -> None:
    """What Gradio's ``traceback.print_exc()`` does here: one log line for an event that failed on what a client
    sent; the whole traceback when our own code is in it (a bug)."""
    exc = sys.exc_info()[1]
    if exc is None:
        return
    ours = any(frame.filename.startswith(BOT_PACKAGE) for frame in _traceback.extract_tb(exc.__traceback__))
    if ours:
        log.error("a chat event failed", exc_info=exc)
    else:
        log.warning("a chat event was refused: %s", _one_line(exc))


def quiet_gradio_tracebacks() -> None:
    """Gradio's printed tracebacks for failed events become one log line (``_print_exc``); call once Gradio's
    modules are imported."""
    shim = SimpleNamespace(**{name: getattr(_traceback, name) for name in dir(_traceback) if not name.startswith("__")})
    shim.print_exc = _print_exc
    for name in ("gradio.queueing", "gradio.routes", "gradio.route_utils", "gradio.utils", "gradio.blocks"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "traceback", None) is _traceback:
            module.traceback = shim  # type: ignore[attr-defined]
