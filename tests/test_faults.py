"""Faults, each a test: what breaks, what the service does about it, and what /api/health says.

- a damaged index (truncated Chroma files, a missing manifest, ...) is found at start-up and rebuilt from the corpus;
- an index folder that cannot be written gives an error that names the fix;
- in Chroma-server mode a real `chroma run` is stopped, hung (SIGSTOP) and brought back: 503s with a clear message
  meanwhile, answers again afterwards — also when the server is down while the app starts;
- an LLM endpoint that hangs, fails or talks nonsense yields the extractive answer within the timeout;
- index rebuilds under concurrent traffic fail no request;
- 16 concurrent feedback clients lose no row; a writer (or the whole server) killed with SIGKILL loses nothing it
  acknowledged.

Every wait is a bounded loop; servers listen on 127.0.0.1 on free ports; all state lives under tmp_path.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.config import ROOT, Settings
from bot.feedback import FeedbackStore
from bot.build import IndexManager
from bot.lease import held_builds
from bot.llm import LLMAnswerer
from bot.web.api import create_api
from bot.web.app import create_app
from bot.web.http import RateLimiter
from bot.service import Assistant
from bot.testing import free_port, uvicorn_thread
from chroma_server import ChromaServer, until

T = TypeVar("T")
ZH = "今年有哪些学校建成？"
QUESTIONS = [ZH, "今年改造多少个老旧小区？", "Which schools open this year?", "How many old residential compounds?",
             "口袋公园", "今天股市行情如何"]


# ---------------------------------------------------------------- helpers


def _no_trace(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text[:500]


def _error(r: httpx.Response, status: int, code: str) -> str:
    """The JSON error body of ``r``; returns its message."""
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    _no_trace(r.text)
    return str(body["error"]["message"])


def _health(client: TestClient) -> dict[str, Any] | None:
    r = client.get("/api/health")
    return r.json() if r.status_code == 200 else None


# ---------------------------------------------------------------- a damaged index at start-up


def _truncate_chroma(build: Path) -> None:
    files = [p for p in (build / "chroma").rglob("*") if p.is_file()]
    assert files
    for path in files:
        path.write_bytes(path.read_bytes()[:16])


def _truncate_units(build: Path) -> None:
    units = build / "units.json"
    units.write_bytes(units.read_bytes()[: units.stat().st_size // 2])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated-chroma-files": _truncate_chroma,
    "missing-manifest": lambda build: (build / "manifest.json").unlink(),
    "truncated-units": _truncate_units,
    "missing-bm25": lambda build: shutil.rmtree(build / "bm25_zh"),
    "missing-build-folder": lambda build: shutil.rmtree(build),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_index_is_rebuilt_at_start_up_and_health_says_so(fake_settings: Settings, damage: str) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    damaged = str(manager.current_name())
    DAMAGE[damage](fake_settings.index_dir / "builds" / damaged)
    with TestClient(create_app(fake_settings)) as client:
        health = until(lambda: _health(client), 90, "the rebuilt index to serve")
        assert health["status"] == "ok"
        assert health["index"].startswith("rebuilt after damage:"), health["index"]
        assert damaged in health["index"]  # it names what was damaged
        assert health["chunks"] > 100 and health["index_age_s"] < 90
        r = client.post("/api/ask", json={"question": ZH})
        assert r.status_code == 200 and r.json()["answer"]
    assert IndexManager(fake_settings).current_name() != damaged


def test_first_start_says_built_and_a_restart_says_loaded(fake_settings: Settings) -> None:
    for expected in ("built", "loaded"):
        with TestClient(create_app(fake_settings)) as client:
            assert until(lambda: _health(client), 90, "the index to serve")["index"] == expected


# ---------------------------------------------------------------- an index folder that cannot be written


def test_index_folder_that_cannot_be_written_gives_a_clear_error(tmp_path: Path, fake_settings: Settings) -> None:
    blocker = tmp_path / "a-file-not-a-folder"  # root ignores permission bits; a file in the path stops everyone
    blocker.write_text("x", encoding="utf-8")
    settings = fake_settings.with_(index_dir=blocker / "index")

    env = {**os.environ, "BOT_INDEX_DIR": str(settings.index_dir), "BOT_EMBEDDER": "fake"}
    cli = subprocess.run([sys.executable, "-m", "bot", "index"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert cli.returncode == 2, cli.stderr
    assert "cannot be written" in cli.stderr and "BOT_INDEX_DIR" in cli.stderr
    _no_trace(cli.stderr)

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = until(lambda: (h := client.get("/api/health").json())["index"].startswith("failed") and h,
                        60, "the loader to give up")
        assert health["status"] == "not ready"
        assert "cannot be written" in health["index"] and "BOT_INDEX_DIR" in health["index"]
        assert client.get("/api/health").status_code == 503
        _error(client.post("/api/ask", json={"question": ZH}), 503, "index_not_ready")


def test_a_read_only_folder_with_a_good_index_still_serves(fake_settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    IndexManager(fake_settings).build()
    real_access = os.access
    index_dir = str(fake_settings.index_dir)
    monkeypatch.setattr("bot.build.os.access",
                        lambda path, mode: False if str(path).startswith(index_dir) else real_access(path, mode))
    assistant = Assistant(fake_settings).warm_up()
    assert assistant.status == "loaded" and assistant.ask(ZH).answer


# ---------------------------------------------------------------- a Chroma server that goes away


def _api(assistant: Assistant) -> TestClient:
    return TestClient(create_api(assistant, limiter=RateLimiter(100_000)), raise_server_exceptions=False)


@pytest.mark.integration
def test_chroma_server_outage_is_a_503_and_service_resumes(chroma: ChromaServer, fake_settings: Settings) -> None:
    assistant = Assistant(fake_settings.with_(chroma_url=chroma.url)).warm_up()
    client = _api(assistant)
    assert client.post("/api/ask", json={"question": ZH}).status_code == 200
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["vector_store"] == "ok" and health["chroma"] == chroma.url

    chroma.stop()
    for question in QUESTIONS[:3]:
        t0 = time.monotonic()
        message = _error(client.post("/api/ask", json={"question": question}), 503, "index_unavailable")
        assert time.monotonic() - t0 < 5
        assert "Chroma" in message and "BOT_CHROMA_URL" in message
    r = client.get("/api/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and "chroma run" in r.json()["vector_store"]
    assert client.post("/api/feedback", json={"question": "q", "answer": "a", "rating": 1}).status_code == 201

    chroma.start()  # same port, same --path
    until(lambda: client.post("/api/ask", json={"question": ZH}).status_code == 200, 60, "answers to resume")
    assert client.get("/api/health").json()["status"] == "ok"
    assert all(client.post("/api/ask", json={"question": q}).status_code == 200 for q in QUESTIONS)


@pytest.mark.integration
def test_hung_chroma_server_fails_requests_within_the_timeout(chroma: ChromaServer, fake_settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.vectors.CHROMA_TIMEOUT_S", 2.0)
    assistant = Assistant(fake_settings.with_(chroma_url=chroma.url)).warm_up()
    client = _api(assistant)
    assert client.post("/api/ask", json={"question": ZH}).status_code == 200
    assert chroma.proc is not None
    os.kill(chroma.proc.pid, signal.SIGSTOP)  # it still accepts connections but never answers
    try:
        t0 = time.monotonic()
        message = _error(client.post("/api/ask", json={"question": ZH}), 503, "index_unavailable")
        assert time.monotonic() - t0 < 2.0 + 4.0, "a hung Chroma server held the request"
        assert "Timeout" in message
    finally:
        os.kill(chroma.proc.pid, signal.SIGCONT)
    until(lambda: client.post("/api/ask", json={"question": ZH}).status_code == 200, 30, "answers to resume")


@pytest.mark.integration
def test_app_started_while_chroma_is_down_waits_and_then_serves(chroma: ChromaServer,
                                                                 fake_settings: Settings) -> None:
    settings = fake_settings.with_(chroma_url=chroma.url)
    IndexManager(settings).build()
    chroma.stop()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        waiting = until(lambda: (h := client.get("/api/health").json())["index"].startswith("waiting") and h,
                         30, "health to report the wait")
        assert waiting["status"] == "not ready" and "chroma run" in waiting["index"]
        _error(client.post("/api/ask", json={"question": ZH}), 503, "index_not_ready")
        chroma.start()
        health = until(lambda: _health(client), 60, "the index to load once Chroma is back")
        assert health["index"] == "loaded" and health["vector_store"] == "ok"
        assert client.post("/api/ask", json={"question": ZH}).status_code == 200


# ---------------------------------------------------------------- an LLM endpoint that hangs or fails


class _FakeLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible / Ollama endpoint that misbehaves as its server's ``behaviour`` says."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        server: Any = self.server
        server.hits += 1
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if server.behaviour == "hang":
            server.release.wait(30)
            return
        if server.behaviour == "error":
            body, status, kind = b'{"error": {"message": "model overloaded", "type": "server_error"}}', 500, "json"
        else:  # "garbage": a 200 that is not the protocol at all
            body, status, kind = b"<html>proxy login</html>", 200, "html"
        self.send_response(status)
        self.send_header("content-type", f"application/{kind}" if kind == "json" else "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _llm_endpoint(behaviour: str) -> Iterator[tuple[str, Any]]:
    if behaviour == "refused":  # nothing listens there
        yield f"127.0.0.1:{free_port()}", None
        return
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _FakeLLM)
    server.daemon_threads = True
    server.behaviour, server.hits, server.release = behaviour, 0, threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("provider", ["openai", "ollama"])
@pytest.mark.parametrize("behaviour", ["hang", "error", "garbage", "refused"])
def test_llm_endpoint_that_hangs_or_fails_falls_back_in_bounded_time(assistant, provider: str,  # type: ignore[no-untyped-def]
                                                                     behaviour: str) -> None:
    timeout = 1.0
    client = _api(assistant)
    questions = [ZH, "今年改造多少个老旧小区？", "Which schools open this year?", ZH]

    def ask_all() -> tuple[float, list[httpx.Response]]:
        t0 = time.monotonic()
        with ThreadPoolExecutor(4) as pool:  # concurrent requests: each is bounded on its own
            replies = list(pool.map(lambda q: client.post("/api/ask", json={"question": q}), questions))
        return time.monotonic() - t0, replies

    baseline, _ = ask_all()  # the same requests without an LLM: what the CPU costs on this machine right now
    with _llm_endpoint(behaviour) as (host, server):
        base_url = f"http://{host}/v1" if provider == "openai" else f"http://{host}"
        settings = assistant.settings.with_(llm=f"{provider}:test-model", llm_base_url=base_url, llm_timeout_s=timeout)
        saved = assistant.llm
        assistant.llm = LLMAnswerer.from_settings(settings)
        try:
            elapsed, replies = ask_all()
        finally:
            assistant.llm = saved
    assert elapsed < 2 * baseline + timeout + 2.0, f"{elapsed:.1f} s (no LLM: {baseline:.1f} s; timeout {timeout:g} s)"
    for r in replies:
        assert r.status_code == 200, r.text[:300]
        data = r.json()
        assert data["mode"] == "extractive" and not data["abstained"] and data["citations"]
    if server is not None:
        assert server.hits >= 1, "the LLM endpoint was never called"


# ---------------------------------------------------------------- rebuilds under traffic


def test_rebuilds_during_traffic_fail_no_request(fake_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.service.RETIRE_AFTER_S", 0.5)  # replaced builds are released soon after the swap
    assistant = Assistant(fake_settings).warm_up()
    client = _api(assistant)
    first = assistant.index.manifest.build if assistant.index else ""
    stop = threading.Event()
    results: list[tuple[float, int, str]] = []

    def traffic(k: int) -> None:
        for i in range(2000):  # bounded; stopped by the event long before
            if stop.is_set():
                return
            if i % 5 == 4:
                r = client.get("/api/health")
            else:
                r = client.post("/api/ask", json={"question": QUESTIONS[(k + i) % len(QUESTIONS)]})
            results.append((time.monotonic(), r.status_code, r.text[:200] if r.status_code >= 400 else ""))

    windows: list[tuple[float, float]] = []
    threads = [threading.Thread(target=traffic, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        for _ in range(2):
            t0 = time.monotonic()
            assistant.reload(rebuild=True)
            windows.append((t0, time.monotonic()))
        # overlapping rebuilds (`python -m bot index --rebuild` while the app reloads): serialised, both complete
        t0 = time.monotonic()
        other = IndexManager(fake_settings)
        embed = other.embeddings.embed_passages

        embedding = threading.Event()

        def slow_embed(texts: list[str]) -> Any:
            embedding.set()
            time.sleep(1.0)  # a real model takes minutes here
            return embed(texts)

        other.embeddings.embed_passages = slow_embed  # type: ignore[method-assign]
        builds = fake_settings.index_dir / "builds"
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(other.build, on_progress=lambda m: None)
            until(lambda: embedding.is_set() or running.done(), 30, "the other build to embed", 0.01)
            assistant.reload(rebuild=True)
            result = running.result(timeout=120)
        windows.append((t0, time.monotonic()))
        assert result.manifest is not None
        names = {p.name for p in (builds / result.manifest.build).iterdir()}
        assert {"manifest.json", "units.json", "df.json", "bm25_zh", "bm25_en", "chroma"} <= names, names
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    failures = [(code, text) for _, code, text in results if code != 200]
    assert failures == [], failures[:5]
    during = [at for at, _, _ in results if any(a <= at <= b for a, b in windows)]
    assert len(during) >= 20, f"only {len(during)} requests overlapped a rebuild"
    assert assistant.index is not None and assistant.index.manifest.build != first
    kept = list(builds.iterdir())
    assert not [p for p in kept if p.name.endswith(".partial")]
    leased = held_builds(fake_settings.index_dir)  # the serving build, and a replaced one until it is released
    assert len([p for p in kept if p.name not in leased]) <= 2, (kept, leased)
    time.sleep(1.0)
    assert held_builds(fake_settings.index_dir) == {assistant.index.manifest.build}
    IndexManager(fake_settings).prune()
    assert [p.name for p in builds.iterdir()] == [assistant.index.manifest.build]
    assert IndexManager(fake_settings).load()  # what CURRENT names is complete


# ---------------------------------------------------------------- feedback: concurrency and SIGKILL


def _rows(data_dir: Path) -> dict[int, tuple[str, str]]:
    """id -> (question, comment), read straight from the file; the file must pass SQLite's integrity check."""
    conn = sqlite3.connect(data_dir / "feedback.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, question, comment FROM feedback")}
    finally:
        conn.close()


def test_16_clients_sending_feedback_concurrently_lose_no_row(fake_settings: Settings) -> None:
    app = create_api(Assistant(fake_settings), limiter=RateLimiter(100_000))
    clients, per_client = 16, 25
    barrier = threading.Barrier(clients)

    def send(k: int) -> list[tuple[int, int, str]]:
        out = []
        with httpx.Client(base_url=base, timeout=60) as http:
            barrier.wait(timeout=60)  # all start together, on a store whose file does not exist yet
            for i in range(per_client):
                question = f"客户 {k} 第 {i} 条 — client {k} row {i}"
                r = http.post("/api/feedback", json={"question": question, "answer": "答案 [1]",
                                                     "rating": 1 if (k + i) % 2 else -1, "comment": f"{k}/{i}"})
                out.append((r.status_code, r.json().get("id", -1), question))
        return out

    with uvicorn_thread(app) as base:
        with ThreadPoolExecutor(clients) as pool:
            sent = [row for rows in pool.map(send, range(clients)) for row in rows]
    assert [s for s, _, _ in sent] == [201] * clients * per_client
    acked = {row_id: question for _, row_id, question in sent}
    assert len(acked) == clients * per_client, "two requests were given the same id"
    stored = _rows(fake_settings.data_dir)
    assert {i: q for i, (q, _) in stored.items()} == acked
    assert FeedbackStore(fake_settings.data_dir).summary()["total"] == clients * per_client


WRITER = """
import sys, threading
from bot.feedback import FeedbackStore

store = FeedbackStore(sys.argv[1])
out = threading.Lock()

def write(k):
    for i in range(1_000_000):
        question = f"writer {k} row {i}"
        row = store.add(question, "answer", 1, comment="x" * (i % 300), source="kill-test")
        with out:  # acknowledged only after add() returned, i.e. after the commit
            print(f"{row} {question}", flush=True)

for k in range(4):
    threading.Thread(target=write, args=(k,)).start()
"""


def _collect(stream: Any, into: list[str]) -> threading.Thread:
    def read() -> None:
        for line in stream:
            if line.endswith("\n"):  # a line cut short by the kill was never fully acknowledged
                into.append(line[:-1])

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_writer_killed_with_sigkill_loses_no_acknowledged_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = _collect(proc.stdout, lines)
    try:
        until(lambda: len(lines) >= 400 or proc.poll() is not None, 60, "400 acknowledged rows", 0.01)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    reader.join(timeout=30)
    acked = {int(line.split(" ", 1)[0]): line.split(" ", 1)[1] for line in lines if line}
    assert len(acked) >= 400
    stored = _rows(data)
    missing = {i: q for i, q in acked.items() if stored.get(i, ("",))[0] != q}
    assert missing == {}, f"{len(missing)} acknowledged rows lost"
    FeedbackStore(data).add("after the crash", "a", 1)  # the store keeps working


SERVER = """
import sys, uvicorn
from bot.config import Settings
from bot.web.api import create_api
from bot.web.http import RateLimiter
from bot.service import Assistant

app = create_api(Assistant(Settings.from_env(embedder="fake")), limiter=RateLimiter(1_000_000))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.mark.integration
def test_server_killed_during_feedback_writes_loses_no_acknowledged_row(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {**os.environ, "BOT_DATA_DIR": str(data), "BOT_INDEX_DIR": str(tmp_path / "index")}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    acked: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def up() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            return httpx.get(f"{base}/api/health", timeout=2).status_code in (200, 503)
        except httpx.HTTPError:
            return False

    def client(k: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            for i in range(100_000):
                if stop.is_set():
                    return
                question = f"client {k} row {i}"
                try:
                    r = http.post("/api/feedback", json={"question": question, "answer": "a", "rating": 1})
                except httpx.HTTPError:
                    return  # the server is gone: this row was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked[r.json()["id"]] = question

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    try:
        until(up, 60, "the server to start")
        for t in threads:
            t.start()
        until(lambda: len(acked) >= 200, 60, "200 acknowledged rows", 0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    for t in threads:
        t.join(timeout=30)
    stored = _rows(data)
    missing = {i: q for i, q in acked.items() if stored.get(i, ("",))[0] != q}
    assert missing == {}, f"{len(missing)} acknowledged rows lost"
    assert len(stored) >= len(acked)
