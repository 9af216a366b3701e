"""What the chat-path profile changed in routing, checked against what it replaced: the mount at / is reached
first for Gradio's own paths (``GradioPathsFirst``) and every request still reaches the route it reached before;
the queue's root URL of the chat is remembered (``remembered_root_urls``) and is Gradio's own answer for every
request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.routing import Match, Mount

from bot.testing import fake_settings
from bot.web.app import ROOT_URLS, GradioPathsFirst, create_app, gradio_paths_first, remembered_root_urls


def _reached(routes: list[Any], path: str, method: str, root_path: str = "") -> tuple[str, Any]:
    """Which route a request reaches by FastAPI's rule (the first full match, else the first partial one), an
    included router's routes walked in their own order; a mount is named by the app it mounts."""
    scope = {"type": "http", "path": root_path + path, "method": method, "headers": [], "query_string": b"",
             "root_path": root_path}

    def walk(routes: list[Any]) -> tuple[Match, Any]:
        partial = None
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                match, found = walk(inner.routes)
            else:
                match = route.matches(dict(scope))[0]
                found = route.app if isinstance(route, Mount) else getattr(route, "endpoint", route)
            if match == Match.FULL:
                return match, found
            if match == Match.PARTIAL and partial is None:
                partial = found
        return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)

    match, found = walk(routes)
    return match.name, found


def test_gradio_paths_reach_the_mount_first_and_every_request_the_same_route(tmp_path: Path) -> None:
    """The whole app (staff routes on): the mount at / first for /gradio_api/...; for every path of every route
    (ours, the staff ones, Gradio's hot and other paths, variants), every method, with and without a root path,
    the route reached is the one reached without it."""
    app = create_app(fake_settings(tmp_path, staff_password="staff-pass"))
    routes = app.router.routes
    assert isinstance(routes[0], GradioPathsFirst) and routes[0].app is routes[-1].app
    assert not gradio_paths_first(app)  # once
    paths = {"/", "/gradio_api/queue/join", "/gradio_api/queue/data", "/gradio_api/", "/gradio_api",
             "/gradio_api/file=/etc/passwd", "/gradio_api/api/ask", "/gradio_apix", "/config", "/nowhere"}
    for route in [r for top in routes for r in getattr(getattr(top, "original_router", None), "routes", [top])]:
        path = getattr(route, "path", "") or "/"
        for sample in ("x", "a/b.txt", "gradio_api/queue/join"):
            concrete = re.sub(r"\{[^}]+\}", sample, path)
            paths |= {concrete, concrete.rstrip("/") + "/", "/gradio_api" + concrete}
    for root in ("", "/x"):
        for path in sorted(paths):
            for method in ("GET", "POST", "HEAD", "PUT", "OPTIONS"):
                assert _reached(routes, path, method, root) == _reached(routes[1:], path, method, root), (root, path)
    assert _reached(routes[:1], "/gradio_api/queue/join", "POST")[0] == "FULL"
    assert _reached(routes[:1], "/gradio_api/queue/join", "POST", "/x")[0] == "NONE"  # the walk decides
    assert _reached(routes[:1], "/api/ask", "POST")[0] == "NONE"
    assert app.url_path_for("docs") == "/docs"  # names are found where they were


def test_gradio_paths_first_stays_out_where_a_route_may_match_them() -> None:
    """Only with the mount at / last and no route before it that could match a path under /gradio_api/."""
    def app_with(*extra: Any) -> FastAPI:
        app = FastAPI()
        app.get("/api/ask")(lambda: {})
        app.get("/web/{name}")(lambda name: {})
        for add in extra:
            add(app)
        app.mount("/", FastAPI())
        return app

    assert gradio_paths_first(app_with())
    assert not gradio_paths_first(app_with(lambda a: a.get("/gradio_api/mine")(lambda: {})))
    assert not gradio_paths_first(app_with(lambda a: a.get("/{page}")(lambda page: {})))
    assert not gradio_paths_first(app_with(lambda a: a.get("/gradio{rest:path}")(lambda rest: {})))
    assert not gradio_paths_first(app_with(lambda a: a.mount("/gradio_api/x", FastAPI())))
    router = APIRouter()
    router.get("/queue/join")(lambda: {})
    assert not gradio_paths_first(app_with(lambda a: a.include_router(router, prefix="/gradio_api")))
    assert gradio_paths_first(app_with(lambda a: a.include_router(router, prefix="/staff")))
    app = FastAPI()
    app.get("/")(lambda: {})
    assert not gradio_paths_first(app)  # no mount at / last: nothing to reach first


def _request(path: str = "/gradio_api/queue/join", headers: dict[str, str] | None = None, query: bytes = b"",
             root_path: str = "", server: Any = ("127.0.0.1", 7860), scheme: str = "http") -> Request:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "POST", "path": root_path + path, "root_path": root_path,
                    "query_string": query, "headers": raw, "server": server, "scheme": scheme})


def test_remembered_root_urls_are_gradios_own_for_every_request() -> None:
    """Hosts, forwarded hosts and protocols, Gradio's own header, root paths (relative and a full URL), query
    strings, a server given as a list (TestClient's): each answer twice, the same as Gradio computes it."""
    from gradio import route_utils

    remembered_root_urls()
    remembered_root_urls()  # once is enough
    remembered = route_utils.get_root_url
    compute = remembered.computed  # type: ignore[attr-defined]
    assert getattr(remembered, "remembered", False) and not getattr(compute, "remembered", False)
    requests = [_request(), _request(headers={"host": "plan.example.org"}),
                _request(headers={"host": "a:8000", "x-forwarded-host": "b.example, c.example"}),
                _request(headers={"host": "a", "x-forwarded-proto": "https"}),
                _request(headers={"host": "a", "x-forwarded-proto": "http, https"}),
                _request(headers={"host": "a", "x-gradio-server": "http://elsewhere:9/app/"}),
                _request(query=b"session_hash=abc"), _request(root_path="/bot", headers={"host": "a"}),
                _request(path="/gradio_api/queue/data", headers={"host": "a"}),
                _request(server=["testserver", 80]), _request(server=None), _request(scheme="https", server=("h", 443))]
    for request in requests:
        for route_path in ("/gradio_api/queue/join", "/gradio_api/queue/data", ""):
            for root_path in ("", None, "/bot", "https://public.example/chat/"):
                expected = compute(request, route_path, root_path)
                assert remembered(request, route_path, root_path) == expected
                assert remembered(request, route_path, root_path) == expected  # from memory
    for n in range(3 * ROOT_URLS):  # a Host header is the client's to choose: memory stays bounded
        request = _request(headers={"host": f"h{n}.example"})
        assert remembered(request, "/gradio_api/queue/join", "") == f"http://h{n}.example"
    assert len(remembered.known) <= ROOT_URLS  # type: ignore[attr-defined]
