"""Outages of what the service depends on, each a test: a hung vector store holds no route that does not need it
and asks fail fast; a damaged embedding cache (optional) is set aside and the service answers; storage that cannot
be written is a 503 naming it, logged in one line, and health says so.

Chroma-server cases run a real `chroma run` (tests/chroma_server.py); everything else is in-process, on the fake
embedder, in seconds.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from bot.build import IndexManager
from bot.config import ROOT, Settings
from bot.feedback import FeedbackStore
from bot.service import Assistant
from bot.testing import uvicorn_thread
from bot.web.api import create_api
from bot.web.app import create_app
from bot.web.http import RateLimiter
from chroma_server import ChromaServer, until

ZH = "今年有哪些学校建成？"
FEEDBACK = {"question": ZH, "answer": "答案 [1]", "rating": 1}


# ---------------------------------------------------------------- a hung vector store


@pytest.mark.integration
def test_a_hung_chroma_server_holds_no_other_route_and_asks_fail_fast(chroma: ChromaServer,
                                                                      fake_settings: Settings) -> None:
    """SIGSTOP the Chroma server under 45 concurrent asks: feedback, health and /plan still answer at once, every
    ask is a 503 within the Chroma timeout, a later ask is a 503 at once, and answers resume after SIGCONT."""
    from bot.vectors import CHROMA_TIMEOUT_S

    assistant = Assistant(fake_settings.with_(chroma_url=chroma.url)).warm_up()
    app = create_api(assistant, limiter=RateLimiter(1_000_000))
    with uvicorn_thread(app) as base, httpx.Client(base_url=base, timeout=60) as http, \
            httpx.Client(base_url=base, timeout=60, limits=httpx.Limits(max_connections=50)) as residents:
        assert http.post("/api/ask", json={"question": ZH}).status_code == 200
        http.get("/plan")  # rendered once, as in service
        chroma.pause()
        try:
            def ask(_: int) -> tuple[int, float]:
                started = time.monotonic()
                r = residents.post("/api/ask", json={"question": ZH})
                return r.status_code, time.monotonic() - started

            with ThreadPoolExecutor(45) as pool:
                asks = [pool.submit(ask, k) for k in range(45)]
                time.sleep(0.5)  # every ask is waiting on Chroma or for a thread
                for method, path, body, budget in [("POST", "/api/feedback", FEEDBACK, 1.5), ("GET", "/plan", None, 1.5),
                                                   ("GET", "/api/health", None, 3.0)]:
                    started = time.monotonic()
                    r = http.request(method, path, json=body)
                    took = time.monotonic() - started
                    assert took < budget, f"{path} waited {took:.1f} s behind the hung vector store"
                    assert r.status_code == (503 if path == "/api/health" else 201 if body else 200), r.text[:200]
                results = [a.result(timeout=60) for a in asks]
            assert {code for code, _ in results} == {503}, results
            slowest = max(at for _, at in results)
            assert slowest < CHROMA_TIMEOUT_S + 4, f"an ask waited {slowest:.1f} s"  # 2 busy cores: some slack
            started = time.monotonic()  # the breaker is open now: no waiting at all
            r = http.post("/api/ask", json={"question": ZH})
            assert r.status_code == 503 and time.monotonic() - started < 1.0
            assert "Chroma" in r.json()["error"]["message"]
            health = http.get("/api/health")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
        finally:
            chroma.resume()
        until(lambda: http.post("/api/ask", json={"question": ZH}).status_code == 200, 30, "answers to resume")
        assert http.get("/api/health").json()["status"] == "ok"


# ---------------------------------------------------------------- a damaged embedding cache


def _damage(cache: Path) -> None:
    with open(cache, "r+b") as handle:
        handle.write(b"this is not a SQLite file at all" * 4)


def test_a_damaged_embedding_cache_is_set_aside_and_the_service_answers(fake_settings: Settings) -> None:
    IndexManager(fake_settings).build()
    cache = fake_settings.index_dir / "embed-cache.sqlite"
    _damage(cache)

    env = {**os.environ, "BOT_INDEX_DIR": str(fake_settings.index_dir), "BOT_EMBEDDER": "fake"}
    cli = subprocess.run([sys.executable, "-m", "bot", "index", "--rebuild"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert "Traceback" not in cli.stderr and "set aside" in cli.stderr, cli.stderr[-2000:]
    assert len(list(cache.parent.glob("embed-cache.sqlite.damaged-*"))) == 1

    _damage(cache)  # again, and now the server starts on it
    with TestClient(create_app(fake_settings), raise_server_exceptions=False) as client:
        health = until(lambda: (r := client.get("/api/health")).status_code == 200 and r.json(), 60,
                       "the app to be ready on a damaged cache")
        assert health["status"] == "ok"
        assert client.post("/api/ask", json={"question": ZH}).status_code == 200
    assert IndexManager(fake_settings).embeddings.cache.get_many(["x"]) == {}  # a working (fresh) cache


# ---------------------------------------------------------------- storage that cannot be written


def _fill_up(store: FeedbackStore) -> None:
    """The database is full from now on: SQLite refuses to grow it (SQLITE_FULL, as on a full disk)."""
    engine = store.db.engine
    engine.dispose()

    @event.listens_for(engine, "connect")
    def full(connection, _):  # type: ignore[no-untyped-def]
        cursor = connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()


def test_storage_that_cannot_be_written_is_a_503_naming_it_and_health_says_so(
        fake_assistant: Assistant, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capfd: pytest.CaptureFixture[str]) -> None:
    store = FeedbackStore(tmp_path / "data")
    store.add("before", "a", 1)
    _fill_up(store)
    app = create_api(fake_assistant, store, RateLimiter(1_000_000))
    big = {**FEEDBACK, "answer": "答案" * 2000, "comment": "很长的意见" * 150}
    with uvicorn_thread(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/api/health").json()["storage"] == "ok"
        caplog.clear()
        with caplog.at_level(logging.INFO):
            r = http.post("/api/feedback", json=big)
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["error"]["code"] == "storage_unavailable" and "database" in body["error"]["message"]
            health = http.get("/api/health")  # the same connection: it was not reset
        assert health.status_code == 200
        data = health.json()
        assert data["status"] == "degraded" and data["storage"] != "ok" and "full" in data["storage"]
        assert http.post("/api/ask", json={"question": ZH}).status_code in (200, 503)  # answers are not storage
        assert "Traceback" not in capfd.readouterr().err  # (before the test server's own shutdown)
    lines = [rec for rec in caplog.records if rec.levelno >= logging.WARNING and "storage" in rec.getMessage()]
    assert len(lines) == 1 and not lines[0].exc_info, [rec.getMessage() for rec in caplog.records]
