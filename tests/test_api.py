"""The REST API: the JSON contract and JSON errors (never a stack trace)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.server import create_api


@pytest.fixture(scope="module")
def client(assistant):  # type: ignore[no-untyped-def]
    return TestClient(create_api(assistant), raise_server_exceptions=False)


def test_ask(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "今年有哪些学校建成？", "lang": "auto", "history": []})
    assert r.status_code == 200
    data = r.json()
    assert data["language"] == "zh" and data["citations"][0]["id"] == "nankai-2024-plan/2.1.2"


@pytest.mark.parametrize("body", [{"question": "   "}, {"question": "x" * 501}, {"question": "hi", "lang": "fr"},
                                  {"question": 5}, {}, {"question": "hi", "history": [{"role": "x", "content": "y"}]},
                                  {"question": "hi", "history": [{"role": "user", "content": "a"}] * 11}])
def test_bad_requests_get_json_400(client: TestClient, body: dict) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 400
    assert set(r.json()["error"]) == {"code", "message"}


def test_malformed_json_is_a_400(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_health_and_404(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["chunks"] > 100
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and "error" in r.json()
