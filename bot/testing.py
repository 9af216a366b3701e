"""Fakes and helpers shared by the tests and the bench: a settings/assistant pair on the deterministic fake
encoder, one free-port finder, one launcher for ``python app.py`` (with its wait and stop) and one for an in-thread
uvicorn, the client side of Gradio's queue, and what the browser tests share (Chromium and its flags, the
screenshots folder).

Nothing here is used when the assistant serves residents; it lives in the package so that ``bot.evals.bench``
and ``tests/`` share one copy.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from .config import ROOT, Settings
from .service import Assistant

CORPUS = ROOT / "corpus"


def fake_settings(folder: Path, **overrides: Any) -> Settings:
    """The real corpus, the deterministic fake encoder, index and data under ``folder``."""
    return Settings.from_env(**{"embedder": "fake", "index_dir": folder / "index", "data_dir": folder / "data",
                                **overrides})


def fake_assistant(folder: Path, build: bool = True, **overrides: Any) -> Assistant:
    """An assistant on the fake encoder with its index under ``folder`` (built and loaded unless build=False)."""
    assistant = Assistant(fake_settings(folder, **overrides))
    return assistant.warm_up() if build else assistant


def sharing_index(loaded: Assistant, settings: Settings) -> Assistant:
    """A new assistant on ``settings`` that reuses ``loaded``'s index, search and extractive answerer (no build)."""
    live = Assistant(settings)
    live.index, live.search, live.extractive = loaded.index, loaded.search, loaded.extractive
    return live


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-n:].strip()
    except OSError:
        return "(no server log)"


@dataclass
class RunningApp:
    base: str
    log: Path
    proc: subprocess.Popen  # type: ignore[type-arg]
    started_s: float  # seconds from launch to a healthy /api/health


def app_env(folder: Path, port: int, env_extra: dict[str, str] | None = None,
            drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {**os.environ, "BOT_HOST": "127.0.0.1", "BOT_PORT": str(port), "BOT_INDEX_DIR": str(folder / "index"),
           "BOT_DATA_DIR": str(folder / "data"), "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    for name in ("BOT_CHROMA_URL", "BOT_LLM", *drop):
        if name not in (env_extra or {}):
            env.pop(name, None)
    return env


def wait_until_up(proc: subprocess.Popen, url: str, log: Path, name: str, timeout_s: float,  # type: ignore[type-arg]
                  interval_s: float = 0.05) -> None:
    """Poll ``url`` until it answers 200. Raises RuntimeError with the log's tail when ``proc`` (the server, called
    ``name``) exits first or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} not ready after {timeout_s:g} s ({url}):\n{tail(log)}")
        time.sleep(interval_s)


def stop_process(proc: subprocess.Popen, timeout_s: float = 20) -> None:  # type: ignore[type-arg]
    """SIGTERM, then SIGKILL if ``proc`` has not exited within ``timeout_s``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


@contextlib.contextmanager
def launch_app(folder: Path, env_extra: dict[str, str] | None = None, drop: tuple[str, ...] = (),
               port: int | None = None, timeout_s: float = 300.0,
               on_start: Callable[[subprocess.Popen], None] | None = None) -> Iterator[RunningApp]:  # type: ignore[type-arg]
    """``python app.py`` on 127.0.0.1 (a free port unless given) with index and data under ``folder``; yields once
    ``/api/health`` answers 200 and stops the server afterwards. Raises RuntimeError with the log's tail when the
    server exits or never becomes healthy."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=app_env(folder, port, env_extra, drop),
                                stdout=out, stderr=subprocess.STDOUT)
    if on_start is not None:
        on_start(proc)
    try:
        wait_until_up(proc, f"{base}/api/health", log, "python app.py", timeout_s)
        yield RunningApp(base=base, log=log, proc=proc, started_s=time.perf_counter() - t0)
    finally:
        stop_process(proc)


def in_threads(work: Callable[[int], None], n: int = 8) -> None:
    """work(0) … work(n-1) in n threads started together; raises the first error a thread raised."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            work(k)
        except BaseException as exc:  # pragma: no cover - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise AssertionError(f"{len(errors)} thread(s) failed: {errors!r}") from errors[0]


def wait_healthy(client: Any, timeout_s: float = 90.0, interval_s: float = 0.1) -> None:
    """Poll ``client`` (a TestClient on the whole app) until /api/health answers 200: the index loads in the
    background."""
    deadline = time.monotonic() + timeout_s
    while client.get("/api/health").status_code != 200:
        assert time.monotonic() < deadline, "the index never became ready"
        time.sleep(interval_s)


def event_index(blocks: Any, fn_name: str) -> int:
    """The fn_index of the Gradio event whose function is called ``fn_name``."""
    return next(i for i, f in blocks.fns.items() if getattr(f.fn, "__name__", "") == fn_name)


def queue_event(client: Any, fn_index: int, data: list[Any], session: str, **fields: Any) -> dict[str, Any]:
    """One event through Gradio's own queue protocol, as a browser (or anyone else) sends it: a join POST of
    data, fn_index, session_hash and ``fields``, then the event stream. Returns the process_completed message
    ({} when none came)."""
    r = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                      **fields})
    assert r.status_code == 200, r.text
    done: dict[str, Any] = {}
    with client.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            done = message if message.get("msg") == "process_completed" else done
            if message.get("msg") == "close_stream" or (done and message.get("msg") == "heartbeat"):
                break
    return done


@contextlib.contextmanager
def uvicorn_serving(config: Any) -> Iterator[tuple[str, int]]:
    """A ``uvicorn.Server`` on ``config`` in a thread, on a free port of 127.0.0.1; yields (host, port) once it has
    started."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        server.should_exit = server.force_exit = True  # the test is over: no waiting on open connections
        thread.join(timeout=15)
        sock.close()


@contextlib.contextmanager
def uvicorn_thread(app: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn (default settings, as app.py runs it) in a thread on a free port;
    yields the base URL."""
    import uvicorn

    with uvicorn_serving(uvicorn.Config(app, log_level="warning", timeout_keep_alive=30)) as (host, port):
        yield f"http://{host}:{port}"


@contextlib.contextmanager
def running_app(folder: Path, env_extra: dict[str, str], drop: tuple[str, ...] = (),
                port: int | None = None) -> Iterator[tuple[str, Path]]:
    """``launch_app`` yielding (base URL, log path), for tests."""
    with launch_app(folder, env_extra, drop=drop, port=port) as app:
        yield app.base, app.log


SHOTS = Path(os.environ.get("BOT_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "nankai-plan-screenshots")
SHOTS = SHOTS if SHOTS.is_absolute() else ROOT / SHOTS  # where the browser tests save their screenshots
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def missing(what: str) -> NoReturn:
    """Skips the test for want of ``what`` (a browser-test dependency); fails it on CI, where it must be there."""
    import pytest

    message = f"{what} is missing — run `bash .ci/browser-deps` (apt-get install chromium fonts-noto-cjk; npm ci)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def find_chromium() -> str:
    """Debian's Chromium, for Playwright; the test skips (fails on CI) without it."""
    path = shutil.which("chromium")
    if not path:
        missing("Chromium")
    return path
