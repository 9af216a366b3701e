"""Pages that are not the Gradio app: the plan viewer (/plan, in Chinese or with ?lang=en), the portal widget
(/widget, /widget.js) and the static assets under /web/. Every page answers HEAD as well as GET (link checkers and
uptime monitors use HEAD)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..bilingual import load_renderings
from ..config import MAX_QUESTION_CHARS
from ..corpus import Corpus
from ..index import corpus_units
from ..service import Assistant
from .render import STATIC, render_template

log = logging.getLogger("bot.web.pages")
GET_HEAD = ["GET", "HEAD"]
DEFAULT_PORTS = {"http": 80, "https": 443}


def render_plan(corpus: Corpus, corpus_dir: Path, lang: str = "zh") -> str:
    labels_en = {u.paragraph_id: u.label_en for u in corpus_units(corpus, corpus_dir)}
    docs = [(doc, load_renderings(corpus_dir, doc.doc_id)) for doc in corpus.documents]
    return render_template("plan.html", docs=docs, lang="en" if lang == "en" else "zh", labels_en=labels_en)


def render_widget(lang: str) -> str:
    return render_template("widget.html", lang=lang, limit=MAX_QUESTION_CHARS)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL or origin, lower-cased, the scheme's default port left out; None if it
    has no scheme and host. This is how a browser compares origins for frame-ancestors and CORS."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")


class RefusedOrigins:
    """Logs, once per origin, a page that tried to frame /widget without being in BOT_ALLOWED_ORIGINS (the
    browser refuses it by the Content-Security-Policy's frame-ancestors; without this log nobody would know)."""

    def __init__(self, allowed: tuple[str, ...], limit: int = 1000) -> None:
        self.allowed = {o for o in (origin_of(a) for a in allowed) if o}
        self.seen: set[str] = set()
        self.limit = limit
        self._lock = threading.Lock()

    def check(self, request: Request) -> str | None:
        """The refused embedding origin of this request (logged the first time), or None when it is allowed."""
        headers = request.headers
        if headers.get("sec-fetch-dest") not in ("iframe", "frame"):
            return None  # opened directly, or a browser that does not say: nothing to refuse
        if headers.get("sec-fetch-site") == "same-origin":
            return None
        embedder = origin_of(headers.get("referer") or headers.get("origin") or "") or "an unknown origin (no Referer)"
        if embedder in self.allowed or embedder == origin_of(str(request.base_url)):
            return None
        with self._lock:
            first = embedder not in self.seen and len(self.seen) < self.limit
            if first:
                self.seen.add(embedder)
        if first:
            log.warning("/widget was framed by %s, which is not in BOT_ALLOWED_ORIGINS (%s): the browser refuses "
                        "it — add the portal's origin (scheme://host[:port]) if it should show the widget",
                        embedder, ", ".join(sorted(self.allowed)) or "empty")
        return embedder


def add_pages(app: FastAPI, assistant: Assistant) -> None:
    settings = assistant.settings
    plan_html: dict[str, str] = {}
    refused = RefusedOrigins(settings.allowed_origins)

    @app.api_route("/plan", methods=GET_HEAD, include_in_schema=False)
    def plan(lang: str = "zh") -> HTMLResponse:
        lang = "en" if lang == "en" else "zh"
        if lang not in plan_html:
            plan_html[lang] = render_plan(assistant.corpus, settings.corpus_dir, lang)
        return HTMLResponse(plan_html[lang])

    @app.api_route("/widget", methods=GET_HEAD, include_in_schema=False)
    def widget(request: Request, lang: str = "zh") -> HTMLResponse:
        refused.check(request)
        return HTMLResponse(render_widget("en" if lang == "en" else "zh"))

    @app.api_route("/widget.js", methods=GET_HEAD, include_in_schema=False)
    def widget_js() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "public, max-age=3600"})

    assets = {p.name: p for p in STATIC.iterdir() if p.suffix in {".css", ".js", ".svg", ".png"}}

    @app.api_route("/web/{name}", methods=GET_HEAD, include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in assets:
            raise StarletteHTTPException(404, f"/web/{name} does not exist")
        return FileResponse(assets[name], headers={"Cache-Control": "public, max-age=3600"})
