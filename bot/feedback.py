"""Residents' 👍 / 👎 on answers, stored durably in SQLite under Settings.data_dir (BOT_DATA_DIR).

One code path for the REST API (POST /api/feedback) and the Gradio app. A connection per call keeps
it safe across uvicorn's threadpool; WAL with synchronous=FULL makes a stored row survive a crash.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (1, -1)),
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'api'
)
"""


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: float
    question: str
    answer: str
    rating: int
    comment: str
    source: str


def _utf8(text: str) -> str:
    """Lone surrogates (valid in JSON, not in UTF-8) become U+FFFD instead of failing the insert."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class FeedbackStore:
    """Append-only feedback table in ``<data_dir>/feedback.sqlite3``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._ready = False
        self._init_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = None
        if not self._ready:
            with self._init_lock:  # the first requests arrive together; one of them creates the file
                if not self._ready:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    conn = sqlite3.connect(self.path, timeout=10)
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(_SCHEMA)
                    conn.commit()
                    self._ready = True
        conn = conn or sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def add(self, question: str, answer: str, rating: int, comment: str = "", source: str = "api") -> int:
        """Store one rating (1 = helpful, -1 = not helpful); returns the new row id once it is committed."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        conn = self._connect()
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO feedback (created_at, question, answer, rating, comment, source) VALUES (?, ?, ?, ?, ?, ?)",
                    (time.time(), _utf8(question), _utf8(answer), rating, _utf8(comment), _utf8(source)),
                )
            return int(cur.lastrowid or 0)
        finally:
            conn.close()

    def recent(self, limit: int = 50) -> list[FeedbackRecord]:
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, created_at, question, answer, rating, comment, source FROM feedback ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        finally:
            conn.close()
        return [FeedbackRecord(*row) for row in rows]

    def summary(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"total": 0, "up": 0, "down": 0}
        conn = self._connect()
        try:
            total, up = conn.execute("SELECT COUNT(*), COALESCE(SUM(rating = 1), 0) FROM feedback").fetchone()
        finally:
            conn.close()
        return {"total": int(total), "up": int(up), "down": int(total) - int(up)}
