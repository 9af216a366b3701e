"""Rebuilds made outside the serving process (``python -m bot index --rebuild``, another replica), each a test:

- two outside rebuilds in a row while the app serves traffic fail no request, in Chroma-server mode (real
  `chroma run`, the real `python app.py` and CLI) and embedded; the app swaps to the newest build by itself;
- health is never ok while asks fail: a served collection that disappears is "unavailable";
- ``python -m bot index --prune`` removes the collection of a replica that lost its folder and keeps live ones;
- the lease of a process that is gone expires.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.build import PRUNE_AFTER_S, IndexManager, collection_name
from bot.config import ROOT, Settings
from bot.lease import LEASE_TTL_S, held_builds
from bot.service import Assistant
from bot.testing import launch_app
from bot.web.api import create_api
from bot.web.app import create_app
from bot.web.http import RateLimiter
from chroma_server import ChromaServer, until

QUESTIONS = ["今年有哪些学校建成？", "Which schools open this year?", "今年改造多少个老旧小区？", "口袋公园"]


def _chroma_client(url: str) -> Any:
    import chromadb
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return chromadb.HttpClient(host=parts.hostname, port=parts.port)


class Traffic:
    """Threads asking and checking health until stopped; every response recorded as (start, end, kind, status,
    health status or error text)."""

    def __init__(self, send: Any, threads: int = 4) -> None:
        self.send = send
        self.results: list[tuple[float, float, str, int, str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(threads)]

    def _run(self, k: int) -> None:
        for i in range(100_000):
            if self._stop.is_set():
                return
            kind = "health" if i % 4 == 3 else "ask"
            t0 = time.monotonic()
            status, text = self.send(kind, QUESTIONS[(k + i) % len(QUESTIONS)])
            self.results.append((t0, time.monotonic(), kind, status, text))

    def __enter__(self) -> "Traffic":
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def check(self) -> None:
        """No ask failed, and no health check said ok while an ask was failing."""
        failed = [(a, b, text) for a, b, kind, status, text in self.results if kind == "ask" and status != 200]
        ok_health = [(a, b) for a, b, kind, status, _ in self.results if kind == "health" and status == 200]
        lying = [(f, h) for f in failed for h in ok_health if h[0] <= f[1] and f[0] <= h[1]]
        assert not lying, f"health said ok while asks failed: {lying[:3]}"
        assert failed == [], f"{len(failed)} asks failed: {failed[:3]}"
        assert sum(1 for r in self.results if r[2] == "ask") >= 20


def sender(http: Any) -> Any:
    """What Traffic sends through a client (httpx or TestClient): a health check or a question, with its result."""

    def send(kind: str, question: str) -> tuple[int, str]:
        if kind == "health":
            r = http.get("/api/health")
            return r.status_code, r.json().get("status", "")
        r = http.post("/api/ask", json={"question": question})
        return r.status_code, "" if r.status_code == 200 else r.text[:200]

    return send


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cli = subprocess.run([sys.executable, "-m", "bot", "index", *args], cwd=ROOT, env={**os.environ, **env},
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr[-3000:]
    return cli


# ---------------------------------------------------------------- two outside rebuilds while serving


@pytest.mark.integration
def test_two_outside_rebuilds_while_the_app_serves_fail_no_request_chroma_server(chroma: ChromaServer,
                                                                                 tmp_path: Path) -> None:
    """The issue's case: `python -m bot index --rebuild` twice for the folder a running `python app.py` serves
    from a Chroma server. The served build is kept (its lease), the app swaps to the newest build by itself."""
    env = {"BOT_EMBEDDER": "fake", "BOT_CHROMA_URL": chroma.url, "BOT_RATE_LIMIT_PER_MINUTE": "1000000"}
    folder = tmp_path / "replica"
    with launch_app(folder, env_extra=env, timeout_s=180) as app, httpx.Client(base_url=app.base, timeout=30) as http:
        first = http.get("/api/health").json().get("build")

        send = sender(http)

        cli_env = {**env, "BOT_INDEX_DIR": str(folder / "index")}
        with Traffic(send) as traffic:
            time.sleep(0.5)
            _cli(cli_env, "--rebuild")
            _cli(cli_env, "--rebuild")  # this sweep used to delete the collection the app still read
            newest = (folder / "index" / "CURRENT").read_text(encoding="utf-8").strip()
            deadline = time.monotonic() + 20
            while http.get("/api/health").json().get("build") != newest and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)
        traffic.check()
        assert http.get("/api/health").json().get("build") == newest, "the app never served the newest build"
        names = {c.name for c in _chroma_client(chroma.url).list_collections()}
        assert collection_name(newest) in names
        assert collection_name(first) in names  # still leased: the app's in-flight requests may hold it


def test_outside_rebuilds_in_embedded_mode_never_sweep_the_served_build(fake_settings: Settings,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.web.app.FOLLOW_EVERY_S", 0.2, raising=False)
    settings = fake_settings.with_(rate_limit_per_minute=1_000_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = until(lambda: (r := client.get("/api/health")).status_code == 200 and r.json(), 60, "the index")
        first = health.get("build")

        send = sender(client)

        builds = settings.index_dir / "builds"
        with Traffic(send) as traffic:
            one = IndexManager(settings).build().manifest  # another process: no lease of its own
            assert one is not None
            until(lambda: client.get("/api/health").json().get("build") == one.build, 20, "a single rebuild to be served")
            two = IndexManager(settings).build().manifest
            three = IndexManager(settings).build().manifest
            assert two is not None and three is not None
            assert (builds / one.build).is_dir()  # the app held it when the sweeps ran
            until(lambda: client.get("/api/health").json().get("build") == three.build, 20, "the newest build")
            time.sleep(0.5)
        traffic.check()
        assert first != three.build and (builds / three.build).is_dir()


# ---------------------------------------------------------------- health tells the truth


@pytest.mark.integration
def test_health_is_not_ok_when_the_served_collection_is_gone(chroma: ChromaServer, fake_settings: Settings) -> None:
    assistant = Assistant(fake_settings.with_(chroma_url=chroma.url)).warm_up()
    client = TestClient(create_api(assistant, limiter=RateLimiter(1_000_000)), raise_server_exceptions=False)
    assert client.get("/api/health").json()["status"] == "ok"
    assert assistant.index is not None
    _chroma_client(chroma.url).delete_collection(assistant.index.manifest.collection)  # what the old sweep did
    r = client.post("/api/ask", json={"question": QUESTIONS[0]})
    assert r.status_code == 503
    health = client.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "unavailable", health.text
    assert "does not answer" in health.json()["vector_store"]


# ---------------------------------------------------------------- prune


@pytest.mark.integration
def test_prune_removes_a_lost_replicas_collection_and_keeps_live_ones(chroma: ChromaServer, tmp_path: Path) -> None:
    def settings(name: str) -> Settings:
        return Settings.from_env(embedder="fake", chroma_url=chroma.url, index_dir=tmp_path / name / "index",
                                 data_dir=tmp_path / name / "data")

    live = Assistant(settings("live")).warm_up()  # serving: a lease, and its collection's heartbeat
    lost = IndexManager(settings("lost")).build().manifest  # a replica whose folder is then lost
    fresh = IndexManager(settings("fresh")).build().manifest  # built elsewhere a moment ago, not served yet
    assert live.index is not None and lost is not None and fresh is not None
    shutil.rmtree(tmp_path / "lost")
    client = _chroma_client(chroma.url)
    client.get_collection(lost.collection).modify(metadata={"bot_heartbeat": time.time() - 2 * PRUNE_AFTER_S})

    cli = _cli({"BOT_EMBEDDER": "fake", "BOT_CHROMA_URL": chroma.url, "BOT_INDEX_DIR": str(tmp_path / "cli" / "index")},
               "--prune")
    assert lost.collection in cli.stdout, cli.stdout
    names = {c.name for c in client.list_collections()}
    assert lost.collection not in names
    assert {live.index.manifest.collection, fresh.collection} <= names
    live.ask(QUESTIONS[0])  # the live replica never noticed (answers do not raise; wording aside)
    assert live.health()["status"] == "ok"


def test_prune_in_a_folder_keeps_the_current_and_leased_builds(fake_settings: Settings) -> None:
    serving = Assistant(fake_settings).warm_up()
    assert serving.index is not None
    held = serving.index.manifest.build
    builds = [IndexManager(fake_settings).build().manifest for _ in range(3)]
    current = builds[-1].build if builds[-1] else ""
    removed = IndexManager(fake_settings).prune()
    left = {p.name for p in (fake_settings.index_dir / "builds").iterdir()}
    assert left == {held, current}, (left, removed)
    serving.ask(QUESTIONS[0])
    assert serving.health()["status"] == "ok"


def test_a_lease_of_a_process_that_is_gone_expires(tmp_path: Path) -> None:
    leases = tmp_path / "leases"
    leases.mkdir()
    (leases / "alive.json").write_text(json.dumps({"builds": ["b-alive"]}), encoding="utf-8")
    gone = leases / "gone.json"
    gone.write_text(json.dumps({"builds": ["b-gone"]}), encoding="utf-8")
    old = time.time() - LEASE_TTL_S - 5
    os.utime(gone, (old, old))
    (leases / "garbage.json").write_text("{not json", encoding="utf-8")
    assert held_builds(tmp_path) == {"b-alive"}
    assert not gone.exists()
