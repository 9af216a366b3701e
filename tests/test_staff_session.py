"""The staff session: a signed, HttpOnly, SameSite=Strict cookie with an expiry, set by the sign-in page (reached from
the discreet "工作人员 · Staff" link), accepted by /api/staff/*, ended by signing out; absent without a password."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from bot.service import Assistant
from bot.testing import sharing_index
from bot.web import staff_session
from bot.web.api import create_api
from bot.web.http import RateLimiter

PASSWORD = "会话-secret"


def test_tokens() -> None:
    token = staff_session.issue(PASSWORD)
    assert staff_session.valid(PASSWORD, token)
    assert not staff_session.valid("another password", token)  # a new password ends every session
    expires, nonce, sig = token.split(".")
    assert not staff_session.valid(PASSWORD, f"{int(expires) + 99999}.{nonce}.{sig}")  # tampered expiry
    assert not staff_session.valid(PASSWORD, staff_session.issue(PASSWORD, now=time.time() - 9 * 3600))  # expired
    for bad in ("", None, "x", "a.b.c", "1.2"):
        assert not staff_session.valid(PASSWORD, bad)
    staff_session.revoke(token)
    assert not staff_session.valid(PASSWORD, token)  # signed out
    assert staff_session.from_cookie_header(f"a=1; {staff_session.COOKIE}={token}") == token
    assert staff_session.from_cookie_header('bad"cookie') is None


def _client(fake_assistant: Assistant, tmp_path: Path, password: str = PASSWORD) -> TestClient:
    live = sharing_index(fake_assistant, fake_assistant.settings.with_(data_dir=tmp_path, staff_password=password))
    return TestClient(create_api(live, limiter=RateLimiter(10_000)), raise_server_exceptions=False,
                      follow_redirects=False)


def test_sign_in_page_sets_a_signed_cookie(fake_assistant: Assistant, tmp_path: Path) -> None:
    client = _client(fake_assistant, tmp_path)
    page = client.get("/staff/sign-in")
    assert page.status_code == 200 and 'name="password"' in page.text and "<script" not in page.text
    wrong = client.post("/staff/sign-in", content="password=nope",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 303 and wrong.headers["location"].endswith("wrong=1") and "set-cookie" not in wrong.headers
    assert client.get("/api/staff/stats").status_code == 401
    r = client.post("/staff/sign-in", data={"password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("bot_staff=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age=28800" in cookie and "Path=/" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert client.get("/api/staff/stats", cookies={"bot_staff": token}).status_code == 200
    out = client.post("/staff/sign-out", cookies={"bot_staff": token})
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/api/staff/stats", cookies={"bot_staff": token}).status_code == 401  # ended


def test_no_sign_in_page_without_a_password(fake_assistant: Assistant, tmp_path: Path) -> None:
    client = _client(fake_assistant, tmp_path, password="")
    assert client.get("/staff/sign-in").status_code == 404
    assert client.post("/staff/sign-in", data={"password": ""}).status_code == 404
