"""Staff sessions: a signed, HttpOnly, SameSite=Strict cookie with an expiry, so that a signed-in staff member stays
signed in across reloads (and replicas: the key is derived from BOT_STAFF_PASSWORD, which they share) until they
sign out or it expires. Changing the password ends every session. The sign-in page is reached from the discreet
"工作人员 · Staff" link; /api/staff/* routes accept the cookie as well as ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "bot_staff"
MAX_AGE_S = 8 * 3600  # a working day
_revoked: dict[str, float] = {}  # nonce -> its expiry: signed-out sessions (this process)
_lock = threading.Lock()


def _key(password: str) -> bytes:
    return hashlib.sha256(b"nankai-staff-session\x00" + password.encode("utf-8")).digest()


def issue(password: str, now: float | None = None, max_age_s: int = MAX_AGE_S) -> str:
    """A session token: ``<expiry>.<nonce>.<signature>``."""
    expires = int((time.time() if now is None else now) + max_age_s)
    payload = f"{expires}.{secrets.token_urlsafe(12)}"
    sig = hmac.new(_key(password), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{sig}"


def valid(password: str, token: str | None, now: float | None = None) -> bool:
    if not password or not token or token.count(".") != 2:
        return False
    expires, nonce, sig = token.split(".")
    want = hmac.new(_key(password), f"{expires}.{nonce}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig) or not expires.isdigit():
        return False
    with _lock:
        if nonce in _revoked:
            return False
    return int(expires) > (time.time() if now is None else now)


def revoke(token: str | None) -> None:
    if not token or token.count(".") != 2:
        return
    expires, nonce, _ = token.split(".")
    with _lock:
        now = time.time()
        for old in [n for n, e in _revoked.items() if e < now]:
            del _revoked[old]
        _revoked[nonce] = float(expires) if expires.isdigit() else now + MAX_AGE_S


def from_cookie_header(header: str | None) -> str | None:
    if not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # noqa: BLE001 — a malformed cookie header is no session
        return None
    return jar[COOKIE].value if COOKIE in jar else None


def cookie_header(token: str, secure: bool) -> str:
    return (f"{COOKIE}={token}; Max-Age={MAX_AGE_S}; Path=/; HttpOnly; SameSite=Strict"
            + ("; Secure" if secure else ""))


def cleared_cookie_header(secure: bool) -> str:
    return f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def form_password(body: bytes) -> str:
    values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return (values.get("password") or [""])[0]
