"""Eval runs kept: each run's time, version (package and git commit), embedder, number of cases and metrics, in the
same database as the other durable rows (``evalruns.sqlite3`` under BOT_DATA_DIR, or BOT_DATABASE_URL), so that the
report compares a run with the previous one."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, select

from ..config import ROOT, Settings
from ..questions import new_id
from ..storage import Database, create_tables

metadata = MetaData()
runs = Table(
    "eval_runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("version", String(80), nullable=False),
    Column("embedder", String(200), nullable=False),
    Column("cases", Integer, nullable=False),
    Column("source", String(16), nullable=False),  # cli | staff
    Column("metrics", Text, nullable=False),  # the run's summary (overall and by language), JSON
)
MIGRATIONS = [create_tables(metadata, "eval_runs")]
KEPT = ("fact_accuracy_zh", "fact_accuracy_en", "citation_hit_at_1", "citation_hit_at_3", "mrr",
        "abstention_precision", "abstention_recall", "pass_rate", "median_answer_chars", "median_latency_ms", "cases")


def version() -> str:
    """The package version and, in a git checkout, the short commit."""
    try:
        from importlib.metadata import version as package_version

        v = package_version("nankai-plan-bot")
    except Exception:  # noqa: BLE001 — not installed: the source tree
        v = "0"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{v}+{commit}" if commit else v


@dataclass(frozen=True)
class RunRecord:
    id: str
    created_at: float
    version: str
    embedder: str
    cases: int
    source: str
    metrics: dict[str, Any]

    def label(self) -> str:
        return f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(self.created_at))} · {self.version} · {self.embedder}"


def _kept(summary: dict[str, Any]) -> dict[str, Any]:
    out = {k: summary.get(k) for k in KEPT}
    out["by_language"] = {lang: {k: m.get(k) for k in KEPT} for lang, m in (summary.get("by_language") or {}).items()}
    return out


class RunHistory:
    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def from_settings(cls, settings: Settings) -> "RunHistory":
        return cls(Database.open(settings.data_dir, "evalruns", settings.database_url))

    def add(self, summary: dict[str, Any], embedder: str, source: str = "cli") -> RunRecord:
        self.db.migrate("eval_runs", metadata, MIGRATIONS)
        record = RunRecord(id=new_id(), created_at=time.time(), version=version(), embedder=embedder,
                           cases=int(summary.get("cases") or 0), source=source, metrics=_kept(summary))
        with self.db.write() as conn:
            conn.execute(runs.insert().values(id=record.id, created_at=record.created_at, version=record.version,
                                              embedder=record.embedder, cases=record.cases, source=record.source,
                                              metrics=json.dumps(record.metrics)))
        return record

    def recent(self, limit: int = 20) -> list[RunRecord]:
        if not self.db.exists():
            return []
        self.db.migrate("eval_runs", metadata, MIGRATIONS)
        with self.db.read() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).all()
        return [RunRecord(r.id, r.created_at, r.version, r.embedder, r.cases, r.source, json.loads(r.metrics))
                for r in rows]

    def previous(self, before: RunRecord) -> RunRecord | None:
        return next((r for r in self.recent(50) if r.id < before.id), None)
