"""The REST API: the JSON contract, each error code, the rate limit, CORS and the security headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.feedback import FeedbackStore
from bot.web.api import create_api
from bot.web.http import API_BODY_LIMIT, RateLimiter
from bot.service import Assistant

PORTAL = "https://portal.nankai.example"


@pytest.fixture(scope="module")
def client(assistant):  # type: ignore[no-untyped-def]
    return TestClient(create_api(assistant), raise_server_exceptions=False)


@pytest.fixture
def cold(tmp_path: Path) -> Assistant:
    """An assistant whose index is not loaded (no build): the API must say 503, not fail."""
    settings = Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                                 allowed_origins=(PORTAL,), rate_limit_per_minute=3)
    return Assistant(settings)


def assert_error(r, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body


def test_ask(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "今年有哪些学校建成？", "lang": "auto", "history": []})
    assert r.status_code == 200
    data = r.json()
    assert data["language"] == "zh" and data["citations"][0]["id"] == "nankai-2024-plan/2.1.2"
    c = data["citations"][0]
    assert {"n", "id", "label", "label_en", "text", "quote", "quote_en", "score", "url"} <= set(c)
    assert c["quote"] in c["text"] and c["url"] == "/plan#nankai-2024-plan/2.1.2"
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}


def test_question_is_trimmed_and_history_accepted(client: TestClient) -> None:
    history = [{"role": "user", "content": "今年有哪些学校建成？"}, {"role": "assistant", "content": "…"}] * 5
    r = client.post("/api/ask", json={"question": "  那中学呢？  ", "history": history, "lang": "zh"})
    assert r.status_code == 200 and r.json()["question"] == "那中学呢？"


@pytest.mark.parametrize("body", [{"question": "   "}, {"question": "x" * 501}, {"question": "hi", "lang": "fr"},
                                  {"question": 5}, {}, {"question": "hi", "history": [{"role": "x", "content": "y"}]},
                                  {"question": "hi", "history": [{"role": "user", "content": "a"}] * 11},
                                  {"question": "hi", "history": "not a list"}, [1, 2]])
def test_bad_requests_get_json_400(client: TestClient, body: object) -> None:
    assert_error(client.post("/api/ask", json=body), 400, "bad_request")


def test_question_limit_is_after_trimming(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": " " * 20 + "学" * 500 + " " * 20}).status_code == 200


def test_malformed_json_is_a_400(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 400, "bad_request")


def test_body_too_large_is_a_413_before_parsing(client: TestClient) -> None:
    big = json.dumps({"question": "hi", "pad": "x" * API_BODY_LIMIT}).encode()
    assert_error(client.post("/api/ask", content=big, headers={"content-type": "application/json"}), 413,
                 "body_too_large")
    # a chunked body (no Content-Length) is counted as it arrives
    chunks = (b"x" * 8192 for _ in range(12))
    assert_error(client.post("/api/ask", content=chunks, headers={"content-type": "application/json"}), 413,
                 "body_too_large")
    # a lying Content-Length is refused too
    r = client.post("/api/feedback", content=b"{}", headers={"content-type": "application/json",
                                                              "content-length": str(API_BODY_LIMIT + 1)})
    assert r.status_code in (413, 400)


def test_small_chunked_body_still_works(client: TestClient) -> None:
    body = json.dumps({"question": "今年改造多少个老旧小区？"}).encode()
    r = client.post("/api/ask", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["citations"]


def test_index_not_ready_is_a_503(cold: Assistant) -> None:
    c = TestClient(create_api(cold), raise_server_exceptions=False)
    assert_error(c.post("/api/ask", json={"question": "今年有哪些学校建成？"}), 503, "index_not_ready")
    health = c.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "not ready"


def test_rate_limit_is_a_429_with_retry_after(cold: Assistant) -> None:
    c = TestClient(create_api(cold), raise_server_exceptions=False)
    codes = [c.post("/api/feedback", json={"question": "q", "answer": "a", "rating": 1}).status_code for _ in range(3)]
    assert codes == [201, 201, 201]
    r = c.post("/api/ask", json={"question": "hi"})
    body = assert_error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["retry-after"]) <= 60 and "try again" in body["error"]["message"]
    assert c.get("/api/health").status_code == 503  # health is never rate limited (503 = not ready here)
    other = TestClient(create_api(cold), raise_server_exceptions=False)  # a new limiter: a fresh budget
    assert other.post("/api/feedback", json={"question": "q", "answer": "a", "rating": -1}).status_code == 201


def test_rate_limiter_refills_and_separates_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("bot.web.http.time.monotonic", lambda: clock[0])
    limit = RateLimiter(per_minute=2)
    assert limit("a") == 0 and limit("a") == 0
    assert limit("a") == pytest.approx(30.0)
    assert limit("b") == 0
    clock[0] += 30
    assert limit("a") == 0


def test_rate_limit_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_RATE_LIMIT_PER_MINUTE", "7")
    monkeypatch.setenv("BOT_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    s = Settings.from_env()
    assert s.rate_limit_per_minute == 7 and s.allowed_origins == ("https://a.example", "https://b.example")


def test_feedback_is_stored_durably(cold: Assistant) -> None:
    c = TestClient(create_api(cold), raise_server_exceptions=False)
    r = c.post("/api/feedback", json={"question": " 今年有哪些学校建成？ ", "answer": "建成六马路地块小学 [1]",
                                      "rating": -1, "comment": "缺少中学"})
    assert r.status_code == 201 and r.json()["ok"] is True
    rows = FeedbackStore(cold.settings.data_dir).recent()  # a fresh store reads the file on disk
    assert rows[0].question == "今年有哪些学校建成？" and rows[0].rating == -1 and rows[0].comment == "缺少中学"
    assert (cold.settings.data_dir / "feedback.sqlite3").is_file()


@pytest.mark.parametrize("body", [{"question": "q", "answer": "a", "rating": 0}, {"question": "q", "answer": "a"},
                                  {"question": "", "answer": "a", "rating": 1},
                                  {"question": "q", "answer": "a", "rating": 1, "comment": "c" * 1001}])
def test_bad_feedback_is_a_400(cold: Assistant, body: dict) -> None:
    c = TestClient(create_api(cold, limiter=RateLimiter(100)), raise_server_exceptions=False)
    assert_error(c.post("/api/feedback", json=body), 400, "bad_request")


def test_health_404_and_405(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["chunks"] > 100
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/ask"), 405, "method_not_allowed")


def test_unexpected_errors_never_show_a_stack_trace(assistant, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(assistant, "ask", boom)
    c = TestClient(create_api(assistant), raise_server_exceptions=False)
    body = assert_error(c.post("/api/ask", json={"question": "hi"}), 500, "internal")
    assert "secret" not in body["error"]["message"]


def test_cors_only_for_allowed_origins(cold: Assistant) -> None:
    c = TestClient(create_api(cold, limiter=RateLimiter(100)), raise_server_exceptions=False)
    pre = c.options("/api/ask", headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST",
                                         "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == PORTAL
    r = c.post("/api/feedback", json={"question": "q", "answer": "a", "rating": 1}, headers={"Origin": PORTAL})
    assert r.headers["access-control-allow-origin"] == PORTAL
    evil = "https://evil.example"
    pre = c.options("/api/ask", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 400 and "access-control-allow-origin" not in pre.headers
    r = c.post("/api/feedback", json={"question": "q", "answer": "a", "rating": 1}, headers={"Origin": evil})
    assert "access-control-allow-origin" not in r.headers


def test_no_cors_when_no_origin_is_allowed(client: TestClient) -> None:
    r = client.get("/api/health", headers={"Origin": PORTAL})
    assert "access-control-allow-origin" not in r.headers


def _csp(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    parts = (p.strip().split(" ", 1) for p in r.headers["content-security-policy"].split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def test_security_headers(client: TestClient, cold: Assistant) -> None:
    for path in ("/api/health", "/plan", "/widget", "/widget.js", "/docs", "/api/nothing"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert "content-security-policy" in r.headers, path
    widget = _csp(client.get("/widget"))
    assert widget["frame-ancestors"] == "'self'"  # BOT_ALLOWED_ORIGINS empty: only our own pages may frame it
    assert widget["script-src"] == "'self'" and "unsafe" not in widget["style-src"]
    assert _csp(client.get("/plan"))["frame-ancestors"] == "'self'"
    assert _csp(client.get("/api/health"))["frame-ancestors"] == "'none'"
    portal = TestClient(create_api(cold, limiter=RateLimiter(100)))
    assert _csp(portal.get("/widget"))["frame-ancestors"] == f"'self' {PORTAL}"
    assert _csp(portal.get("/plan"))["frame-ancestors"] == "'self'"  # only the widget is framed by the portal
    for r in (client.get("/widget"), client.get("/plan"), client.get("/docs")):
        assert "http" not in r.headers["content-security-policy"]  # no outside host is ever allowed


def test_413_and_429_carry_security_headers(cold: Assistant) -> None:
    c = TestClient(create_api(cold, limiter=RateLimiter(1)), raise_server_exceptions=False)
    big = c.post("/api/ask", content=b"x" * (API_BODY_LIMIT + 1), headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.headers["x-content-type-options"] == "nosniff"
    limited = c.post("/api/ask", json={"question": "hi"})
    assert limited.status_code == 429 and limited.headers["x-content-type-options"] == "nosniff"


def test_openapi_docs_are_served_locally(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "cdn." not in docs.text and "https://" not in docs.text.replace("https://fastapi", "")
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/health", "/api/feedback"} <= set(schema["paths"])
    ask = schema["paths"]["/api/ask"]["post"]
    assert {"200", "400", "413", "429", "503"} <= set(ask["responses"]) and "422" not in ask["responses"]
    assert "AskResponse" in schema["components"]["schemas"]
