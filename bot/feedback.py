"""Residents' 👍 / 👎 on answers (and a 👎's comment), stored durably: ``feedback.sqlite3`` under
Settings.data_dir (BOT_DATA_DIR), or the PostgreSQL database of BOT_DATABASE_URL that several replicas share.

One code path for the REST API (POST /api/feedback) and the Gradio app. Personal data in the question, the answer
and the comment is masked (``bot.questions.mask``) before it is stored; SQLite runs in WAL mode with
synchronous=FULL, so a row whose id was returned survives a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, select

from .questions import mask
from .storage import Database, add_column, create_tables

FILE_NAME = "feedback.sqlite3"

metadata = MetaData()
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Float, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("source", String(16), nullable=False, default="api"),
    Column("question_id", String(32), nullable=True),  # the question-log row it rates, when known
)
# 1: the table as the sqlite3 code created it; 2: the link to the question log
MIGRATIONS = [create_tables(metadata, "feedback"), add_column("feedback", "question_id", "VARCHAR(32)")]


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: float
    question: str
    answer: str
    rating: int
    comment: str
    source: str
    question_id: str | None = None


class FeedbackStore:
    """Append-only feedback table."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.path = Path(data_dir) / FILE_NAME  # the SQLite file (unused with a database URL)
        self.db = Database.open(Path(data_dir), FILE_NAME.removesuffix(".sqlite3"), database_url)

    @classmethod
    def from_settings(cls, settings: Any) -> "FeedbackStore":
        return cls(settings.data_dir, settings.database_url)

    def _ready(self) -> None:
        self.db.migrate("feedback", metadata, MIGRATIONS)

    def _exists(self) -> bool:
        return self.db.exists()

    def add(self, question: str, answer: str, rating: int, comment: str = "", source: str = "api",
            question_id: str | None = None) -> int:
        """Store one rating (1 = helpful, -1 = not helpful); returns the new row id once it is committed."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        import time

        self._ready()
        t = self.db.text
        with self.db.write() as conn:
            result = conn.execute(feedback.insert().values(
                created_at=time.time(), question=t(mask(question)), answer=t(mask(answer)), rating=rating,
                comment=t(mask(comment)), source=t(source)[:16], question_id=question_id))
            return int(result.inserted_primary_key[0])

    def replace(self, row_id: int, rating: int, comment: str = "") -> bool:
        """Change a stored rating (one rating per answer: a resident who changes their mind, or adds a 👎's
        comment); True when the row exists."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        self._ready()
        with self.db.write() as conn:
            done = conn.execute(feedback.update().where(feedback.c.id == int(row_id))
                                .values(rating=rating, comment=self.db.text(mask(comment)))).rowcount
        return bool(done)

    def recent(self, limit: int = 50, rating: int | None = None) -> list[FeedbackRecord]:
        if not self._exists():
            return []
        self._ready()
        query = select(*feedback.c).order_by(feedback.c.id.desc()).limit(limit)
        if rating is not None:
            query = query.where(feedback.c.rating == rating)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [FeedbackRecord(*row) for row in rows]

    def summary(self) -> dict[str, Any]:
        if not self._exists():
            return {"total": 0, "up": 0, "down": 0}
        self._ready()
        with self.db.read() as conn:
            total, up = conn.execute(select(func.count(), func.coalesce(func.sum(
                (feedback.c.rating == 1).cast(Integer)), 0))).one()
        return {"total": int(total), "up": int(up), "down": int(total) - int(up)}
