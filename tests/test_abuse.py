"""Abuse that is not a crash, each a test: staff password guessing meets an exponential backoff per client and
overall; slow clients (unfinished headers or bodies) are cut off and one address cannot hold every connection;
a question of only NUL, control or zero-width characters is a 400 like an empty one; a staff case id cannot
carry a newline; access log lines carry no client address and no query string unless an operator turns it on.

Servers run in threads on 127.0.0.1 with the configuration ``python app.py`` uses (``bot.web.server``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.config import ROOT, Settings
from bot.errors import CaseError
from bot.evals.cases import parse_case
from bot.service import Assistant
from bot.testing import sharing_index, uvicorn_serving
from bot.web.api import VISIBLE, create_api
from bot.web.http import FailureBackoff, RateLimiter

PASSWORD = "correct horse battery staple"
ZH = "今年有哪些学校建成？"


# ---------------------------------------------------------------- password guessing


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_grows_exponentially_per_client_and_overall(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    monkeypatch.setattr("bot.web.http.time.monotonic", clock)
    backoff = FailureBackoff(free=3, base_s=1.0, cap_s=8.0, overall_free=100, forget_after_s=600)
    with caplog.at_level(logging.WARNING, logger="bot.web"):
        waits = []
        for _ in range(8):
            assert backoff.check("203.0.113.7") == 0
            waits.append(backoff.failed("203.0.113.7"))
            clock.now += waits[-1]
    assert waits == [0, 0, 1, 2, 4, 8, 8, 8]  # free tries, then doubling, capped
    assert backoff.check("198.51.100.1") == 0  # another client is not slowed by this one
    backoff.failed("203.0.113.7")
    assert backoff.check("203.0.113.7") == 8
    clock.now += 601
    assert backoff.check("203.0.113.7") == 0  # forgotten after a quiet spell
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 9 and all("client#" in m and "203.0.113.7" not in m for m in messages), messages

    overall = FailureBackoff(free=100, overall_free=4, base_s=1.0, overall_cap_s=5.0)
    for k in range(4):  # four different addresses, one guess each
        overall.failed(f"192.0.2.{k}")
    assert overall.check("192.0.2.99") == 1  # a fresh address still waits: guessing from many addresses is slowed
    overall.succeeded("192.0.2.1")  # success forgets that client only
    assert overall.check("192.0.2.1") == 1


def test_default_backoff_allows_about_a_hundred_guesses_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's figure was ~86,000 guesses a day per client (60 at once, then one a second)."""
    clock = Clock()
    monkeypatch.setattr("bot.web.http.time.monotonic", clock)
    logging.getLogger("bot.web").setLevel(logging.ERROR)
    try:
        backoff, guesses, end = FailureBackoff(), 0, clock.now + 86_400
        while clock.now < end:
            clock.now += max(1.0, backoff.check("203.0.113.7"))  # as fast as the rate limit and backoff allow
            backoff.failed("203.0.113.7")
            guesses += 1
        assert guesses < 200, guesses
        many, guesses, end = FailureBackoff(), 0, clock.now + 86_400
        while clock.now < end:  # from a fresh address every time
            clock.now += max(0.01, many.check(f"client-{guesses}"))
            many.failed(f"client-{guesses}")
            guesses += 1
        assert guesses < 2_000, guesses
    finally:
        logging.getLogger("bot.web").setLevel(logging.NOTSET)


def _staff_api(fake_assistant: Assistant, tmp_path: Path, backoff: FailureBackoff) -> TestClient:
    settings = fake_assistant.settings.with_(staff_password=PASSWORD, evals_dir=tmp_path / "evals",
                                             data_dir=tmp_path / "data")
    (tmp_path / "evals").mkdir(exist_ok=True)
    shutil.copy(ROOT / "evals" / "questions.jsonl", tmp_path / "evals" / "questions.jsonl")
    return TestClient(create_api(sharing_index(fake_assistant, settings), limiter=RateLimiter(1_000_000), backoff=backoff), raise_server_exceptions=False)


def test_staff_api_guesses_meet_the_backoff_not_the_password_check(fake_assistant: Assistant, tmp_path: Path) -> None:
    client = _staff_api(fake_assistant, tmp_path, FailureBackoff(free=3, base_s=0.4, cap_s=5.0))
    right, wrong = {"Authorization": f"Bearer {PASSWORD}"}, {"Authorization": "Bearer guess"}
    assert [client.get("/api/staff/feedback", headers=wrong).status_code for _ in range(3)] == [401] * 3
    refused = client.get("/api/staff/feedback", headers=right)  # too soon: even the right password is not checked
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert client.get("/api/staff/feedback", headers={}).status_code == 429
    time.sleep(0.5)
    assert client.get("/api/staff/feedback", headers=right).status_code == 200  # and that forgets the failures
    assert client.get("/api/staff/feedback", headers=wrong).status_code == 401
    no_guess = [client.get("/api/staff/feedback", headers=h).status_code  # no password sent: not a guess
                for h in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic x"})] * 3
    assert set(no_guess) == {401}


# ---------------------------------------------------------------- slow clients


@contextlib.contextmanager
def served(app: Any, settings: Settings, **overrides: Any) -> Iterator[tuple[str, int]]:
    """``app`` under the uvicorn configuration of ``python app.py`` (bot.web.server), in a thread."""
    from bot.web.server import install_access_log, server_config

    config = server_config(app, settings, **{"log_level": "warning", **overrides})
    install_access_log(settings)
    with uvicorn_serving(config) as address:
        yield address


def _tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ok")
    def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return body

    return app


def _closed_within(conn: socket.socket, seconds: float) -> bytes:
    """What the server sent before it closed the connection; fails if it stays open longer than ``seconds``."""
    conn.settimeout(seconds)
    data = b""
    try:
        while chunk := conn.recv(4096):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the connection is still open after {seconds:g} s")
    except ConnectionResetError:
        pass
    return data


def test_slow_clients_are_cut_off_and_one_address_cannot_hold_every_connection(
        fake_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web import server as web_server

    monkeypatch.setattr(web_server, "HEADER_TIMEOUT_S", 1.0)
    monkeypatch.setattr(web_server, "BODY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(web_server, "MAX_CONNECTIONS_PER_CLIENT", 5)
    with served(_tiny_app(), fake_settings) as (host, port):
        half_headers = [socket.create_connection((host, port)) for _ in range(200)]
        for conn in half_headers:
            conn.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")  # never the blank line
        half_body = socket.create_connection((host, port))
        half_body.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{\"a\": ")
        silent = socket.create_connection((host, port))  # connects and sends nothing at all
        t0 = time.monotonic()
        assert httpx.get(f"http://{host}:{port}/ok", timeout=5).json() == {"ok": True}  # served meanwhile
        assert time.monotonic() - t0 < 1.0
        assert b"408" in _closed_within(half_headers[0], 3.0).split(b"\r\n", 1)[0]
        for conn in half_headers[1:] + [half_body, silent]:
            _closed_within(conn, 3.0)
            conn.close()
        half_headers[0].close()

        # an address that is not a trusted proxy gets MAX_CONNECTIONS_PER_CLIENT connections, no more
        mine = [socket.create_connection((host, port), source_address=("127.0.0.2", 0)) for _ in range(5)]
        extra = socket.create_connection((host, port), source_address=("127.0.0.2", 0))
        assert _closed_within(extra, 2.0) == b""
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3"))
        assert other.get(f"http://{host}:{port}/ok", timeout=5).status_code == 200  # everyone else is served
        other.close()
        for conn in mine:
            conn.close()


def test_app_py_runs_with_these_limits(fake_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.web import app as web_app
    from bot.web import server as web_server

    ran: list[Any] = []
    monkeypatch.setattr(web_app, "create_app", lambda settings: "the app")
    monkeypatch.setattr(web_server, "run", lambda app, settings: ran.append((app, settings)))
    web_app.serve(fake_settings)
    assert ran == [("the app", fake_settings)]
    config = web_server.server_config(_tiny_app(), fake_settings)
    assert config.limit_concurrency == web_server.MAX_CONNECTIONS and config.timeout_keep_alive <= 5
    assert config.http.__name__ == "GuardedProtocol"


# ---------------------------------------------------------------- access logs


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("clients", [False, True])
def test_access_log_lines_carry_no_client_address_unless_turned_on(fake_settings: Settings, clients: bool) -> None:
    lines = Lines()
    settings = fake_settings.with_(access_log_clients=clients)
    with served(_tiny_app(), settings, log_level="info") as (host, port):
        access = logging.getLogger("uvicorn.access")
        access.addHandler(lines)
        try:
            with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.5")) as http:
                assert http.get(f"http://{host}:{port}/ok?session_hash=resident-secret", timeout=5).status_code == 200
        finally:
            access.removeHandler(lines)
    line = next(m for m in lines.lines if "/ok" in m)
    assert "GET /ok" in line and "resident-secret" not in line and "session_hash" not in line, line
    assert ("127.0.0.5" in line) is clients, line


# ---------------------------------------------------------------- odd input


@pytest.fixture(scope="module")
def api(fake_assistant: Assistant) -> TestClient:
    return TestClient(create_api(fake_assistant, limiter=RateLimiter(1_000_000)), raise_server_exceptions=False)


INVISIBLE = ["\x00", "\x00\x00\x00", "\x01\x02\x1b", "\x7f", "\u0085", "\u200b", "\u200b\u200c\u200d", "\ufeff",
             "\u202e\u202d", "\u2060", "\u00ad", "\ufe0f", " \x00 \u200b \t", "\u3164", "\u061c"]


@pytest.mark.parametrize("question", INVISIBLE)
def test_a_question_of_invisible_characters_is_a_400_like_an_empty_one(api: TestClient, question: str) -> None:
    for r in (api.post("/api/ask", json={"question": question}),
              api.post("/api/feedback", json={"question": question, "answer": "a", "rating": 1}),
              api.post("/api/feedback", json={"question": "q", "answer": question, "rating": 1})):
        assert r.status_code == 400, (question, r.status_code, r.text[:200])
        message = r.json()["error"]["message"]
        assert r.json()["error"]["code"] == "bad_request" and ("control" in message or "trimming" in message)


def test_text_with_something_visible_is_still_answered(api: TestClient) -> None:
    for question in ["学校\x00", "\u200b学校", "a\u200db", "😀", "e\u0301"]:
        r = api.post("/api/ask", json={"question": question})
        assert r.status_code == 200, (question, r.text[:200])
    schema = api.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert schema["pattern"] == VISIBLE  # what the schema promises is what the check does


@pytest.mark.parametrize("case_id", ["a\nb", "x\r\nFAIL forged-case", "id with spaces", "", "é", "a" * 81, "a/b",
                                     "../x"])
def test_a_case_id_is_letters_digits_dot_dash_underscore(case_id: str) -> None:
    record = {"id": case_id, "question": "q", "lang": "en", "category": "figures", "gold": ["g"], "facts": [["f"]]}
    with pytest.raises(CaseError):
        parse_case(record)
    assert parse_case({**record, "id": "en-staff_001.v2"}).id == "en-staff_001.v2"


def test_staff_api_refuses_a_case_id_with_a_newline(fake_assistant: Assistant, tmp_path: Path) -> None:
    client = _staff_api(fake_assistant, tmp_path, FailureBackoff())
    path = tmp_path / "evals" / "questions.jsonl"
    before = path.read_bytes()
    body = {"question": "How many old compounds?", "category": "figures", "facts": [["54"]],
            "gold": ["nankai-2024-plan/2.4.1.4"], "id": "en-1\nFAIL en-2: forged"}
    r = client.post("/api/staff/cases", content=json.dumps(body), headers={"Authorization": f"Bearer {PASSWORD}",
                                                                          "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_case", r.text
    assert path.read_bytes() == before
