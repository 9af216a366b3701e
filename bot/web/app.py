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
from .gradio_guard import guard_gradio
from .http import FailureBackoff, RateLimiter
from .render import STATIC

FOLLOW_EVERY_S = 1.0  # how often the serving process looks for a build made by another process
GRADIO_CALLS_PER_MINUTE = 10  # times the API's per-client budget: Gradio POSTs (several per question and page)

log = logging.getLogger("bot.web")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    assistant = Assistant(settings)
    store = FeedbackStore.from_settings(settings)  # SQLite under BOT_DATA_DIR, or BOT_DATABASE_URL
    limiter = RateLimiter(settings.rate_limit_per_minute)
    backoff = FailureBackoff()  # wrong staff passwords: the API's Bearer check (app.state.staff_backoff) and the UI
    app = create_api(assistant, store, limiter, backoff=backoff)
    stop = threading.Event()

    def load() -> None:
        try:
            assistant.load_until_ready(on_progress=lambda msg: log.info("index: %s", msg), stop=stop)
        except Exception as exc:  # health keeps reporting "not ready" with the reason
            assistant.status = f"failed: {exc}"
            log.exception("the index could not be loaded")
            return
        while not stop.wait(FOLLOW_EVERY_S):  # `python -m bot index --rebuild` elsewhere: serve the new build
            assistant.follow_rebuilds()

    threading.Thread(target=load, name="index-loader", daemon=True).start()
    blocks = build_ui(assistant, store, limiter)
    gr.mount_gradio_app(app, blocks, path="/", theme=theme(), css_paths=[STATIC / "app.css"], head=HEAD,
                        footer_links=[], run_history=False, ssr_mode=False, enable_monitoring=False, pwa=False,
                        mcp_server=False)
    guard_gradio(app, blocks, refusals=limiter,
                 calls=RateLimiter(settings.rate_limit_per_minute * GRADIO_CALLS_PER_MINUTE))
    return app


def serve(settings: Settings | None = None) -> None:
    from .server import run

    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO)
    run(create_app(settings), settings)  # header/body deadlines, connection caps, access lines without addresses
