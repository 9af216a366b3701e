"""Pages that are not the Gradio app: the plan viewer (/plan), the portal widget (/widget, /widget.js) and the
static assets under /web/."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..bilingual import load_renderings
from ..corpus import Corpus
from ..service import Assistant
from .render import STATIC, render_template


def render_plan(corpus: Corpus, corpus_dir: Path) -> str:
    docs = [(doc, load_renderings(corpus_dir, doc.doc_id)) for doc in corpus.documents]
    return render_template("plan.html", docs=docs)


def render_widget(lang: str) -> str:
    return render_template("widget.html", lang=lang)


def add_pages(app: FastAPI, assistant: Assistant) -> None:
    settings = assistant.settings
    plan_html: list[str] = []

    @app.get("/plan", include_in_schema=False)
    def plan() -> HTMLResponse:
        if not plan_html:
            plan_html.append(render_plan(assistant.corpus, settings.corpus_dir))
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
