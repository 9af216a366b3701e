"""The whole app in one process: the REST API, pages and the Gradio chat at /, served by uvicorn.
The index is loaded (or built) in the background while /api/health says 'not ready'."""

from __future__ import annotations

import logging
import threading

import gradio as gr
from fastapi import FastAPI

from ..config import Settings
from ..feedback import FeedbackStore
from ..service import Assistant
from .api import create_api
from .chat import HEAD, build_ui, theme
from .http import RateLimiter
from .render import STATIC

log = logging.getLogger("bot.web")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    assistant = Assistant(settings)
    store = FeedbackStore.from_settings(settings)  # SQLite under BOT_DATA_DIR, or BOT_DATABASE_URL
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
                               css_paths=[STATIC / "app.css"], head=HEAD, footer_links=[], run_history=False,
                               ssr_mode=False, enable_monitoring=False, pwa=False, mcp_server=False)


def serve(settings: Settings | None = None) -> None:
    import uvicorn

    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
