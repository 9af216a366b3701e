"""The question log: every question answered through /api/ask, the chat and the widget, recorded durably with its
channel, language, status, cited paragraphs, latency and (when one follows) the rating — and never the IP address,
the user agent or anything else that identifies the resident. Personal data in the text (phone numbers, ID-card
numbers, e-mail addresses, bank cards, licence plates, names after 我叫 / 我是 / my name is) is masked before
anything is stored.

Writes are queued: ``record`` returns at once with the row's id, a writer thread commits the queue in batches (one
transaction, one fsync for many rows), and ``wait`` lets the web layer acknowledge an answer only once its row is
durable. Rows older than ``Settings.log_retention_days`` are purged at start-up and daily. The staff queries over
the log are in ``bot.insight``.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import json
import logging
import queue
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, select, update

from .config import Settings
from .errors import StorageUnavailable
from .storage import Database, create_index, create_tables
from .text import normalize

log = logging.getLogger("bot.questions")

CHANNELS = ("api", "chat", "widget")  # what is logged; any other channel (eval, cli, bench) is not
STATUSES = ("answered", "partial", "abstained", "approved", "llm-fallback")
LOW_CONFIDENCE_MARGIN = 0.15  # an answer whose probability is within this of the abstention threshold
PURGE_EVERY_S = 24 * 3600.0
BATCH = 500
MAX_QUEUED = 20_000  # rows waiting while the database is away; beyond this the oldest are dropped (and counted)
_UNLOGGED: contextvars.ContextVar[bool] = contextvars.ContextVar("bot_questions_unlogged", default=False)


@contextlib.contextmanager
def not_logged() -> Iterator[None]:
    """Questions asked inside this block (a staff eval run on the live assistant) are not residents': not logged."""
    token = _UNLOGGED.set(True)
    try:
        yield
    finally:
        _UNLOGGED.reset(token)

# ---------------------------------------------------------------- personal data

# one character for one character, so that positions found in the folded text are positions in the original
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: " ", 0x00A0: " ", 0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-",
              0x2015: "-", 0x2212: "-", 0xFE63: "-", 0x30FC: "-"})
_S = r"[ \t\-]{0,2}"  # what people put between digit groups
_NOT_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9][ \t\-])"  # not inside a longer run of digits
_NOT_AFTER = r"(?![0-9A-Za-z])(?![ \t\-]{1,2}[0-9])"
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
             "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
             "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
             "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_NOT_NAMES = ("南开", "天津", "高中", "高三", "高二", "高一", "本地", "本区", "外地", "华人", "中国", "时候", "明年",
              "常住", "全职", "文明", "和平", "安全", "金融", "宁可", "万一", "方便", "关心", "单位", "商户", "商家")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("[email]", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")),
    ("[ID]", re.compile(_NOT_BEFORE + rf"[1-9]\d{{5}}{_S}(?:18|19|20)\d{{2}}{_S}(?:0[1-9]|1[0-2]){_S}"
                        rf"(?:0[1-9]|[12]\d|3[01]){_S}\d{{3}}{_S}[\dXx](?![0-9A-Za-z])")),
    ("[phone]", re.compile(_NOT_BEFORE + rf"(?:(?:\+|00)?86{_S})?1[3-9]\d(?:{_S}\d){{8}}" + _NOT_AFTER)),
    ("[card]", re.compile(_NOT_BEFORE + rf"\d(?:{_S}\d){{11,18}}" + _NOT_AFTER)),
    ("[phone]", re.compile(_NOT_BEFORE + rf"(?:\(0\d{{2,3}}\)|0\d{{2,3}}){_S}[2-9]\d{{2,3}}{_S}\d{{4}}" + _NOT_AFTER)),
    ("[phone]", re.compile(r"(?i:电话|手机|座机|联系方式|tel|phone|mobile)[^0-9\n]{0,6}(\d(?:" + _S + r"\d){4,})")),
    ("[plate]", re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]" + _S
                           + r"[A-Za-z][ ·.\-]{0,2}(?=[A-Za-z]*\d)[A-Za-z0-9]{5,6}(?![0-9A-Za-z])")),
    ("[name]", re.compile(r"(?:我叫|我名叫|名字叫|名字是|本人叫|本人姓名)[ ：:]{0,2}"
                          r"([\u4e00-\u9fff·]{2,3}|[A-Za-z][A-Za-z'\-]*(?: [A-Za-z][A-Za-z'\-]*){0,2})")),
    ("[name]", re.compile(r"我是[ ]?(?!" + "|".join(_NOT_NAMES) + r")([" + _SURNAMES + r"][\u4e00-\u9fff]{1,2})")),
    ("[name]", re.compile(r"(?i:my name is|my name's|name is|i am called|i'm called|call me)[ :]{1,2}"
                          r"([\u4e00-\u9fff]{2,4}|[A-Za-z][A-Za-z'\-]*(?: [A-Z][A-Za-z'\-]*){0,2})")),
    ("[name]", re.compile(r"\b(?:I am|I'm|This is)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b")),
]


def mask(text: str) -> str:
    """``text`` with personal data replaced by ``[phone]``, ``[ID]``, ``[email]``, ``[card]``, ``[plate]`` or
    ``[name]`` — in half-width or full-width characters, with or without spaces and dashes between digits."""
    folded = text.translate(_FOLD)
    spans: list[tuple[int, int, str]] = []
    for label, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            start, end = (m.start(1), m.end(1)) if m.groups() else (m.start(), m.end())
            if start < end and not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, label))
    for start, end, label in sorted(spans, reverse=True):
        text = text[:start] + label + text[end:]
    return text


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalised(text: str) -> str:
    """The grouping key of a question: normalised (half-width, simplified), lower case, no punctuation or spaces."""
    return _PUNCT.sub("", normalize(text).lower())[:300]


# ---------------------------------------------------------------- the tables

metadata = MetaData()
questions = Table(
    "questions", metadata,
    Column("id", String(32), primary_key=True),  # time-ordered random hex, made when the answer is given
    Column("created_at", Float, nullable=False),
    Column("day", String(10), nullable=False),  # local date, for questions per day
    Column("channel", String(8), nullable=False),
    Column("language", String(2), nullable=False),
    Column("status", String(16), nullable=False),
    Column("text", Text, nullable=False),  # masked
    Column("norm", String(300), nullable=False),  # normalised masked text: the grouping key
    Column("cited", Text, nullable=False, default="[]"),  # paragraph IDs, JSON, in citation order
    Column("latency_ms", Float, nullable=False, default=0.0),
    Column("confidence", Float, nullable=True),  # P(the plan answers it), from the abstention model
    Column("low_confidence", Integer, nullable=False, default=0),
    Column("rating", Integer, nullable=True),
    Column("comment", Text, nullable=False, default=""),
    Column("approved_id", String(32), nullable=True),
    Index("ix_questions_created", "created_at"),
    Index("ix_questions_norm", "norm"),
    Index("ix_questions_day", "day"),
    # covers the staff counts by day, language, channel and status (a 100,000-row log: 200 ms -> 35 ms)
    Index("ix_questions_facets", "day", "language", "channel", "status", "rating", "low_confidence", "latency_ms"),
)
citations = Table(
    "question_citations", metadata,
    Column("question_id", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("paragraph_id", String(160), nullable=False),
    Column("rank", Integer, nullable=False),
    Index("ix_qcite_created", "created_at"),
    Index("ix_qcite_paragraph", "paragraph_id"),
    Index("ix_qcite_question", "question_id"),
)
MIGRATIONS = [create_tables(metadata, "questions", "question_citations"), create_index(questions, "ix_questions_facets")]


def new_id(now: float | None = None) -> str:
    """Sorts by time (so MAX(id) is a group's latest row); random otherwise — it names the row, not a person."""
    micros = int((time.time() if now is None else now) * 1_000_000)
    return f"{micros:014x}{secrets.token_hex(5)}"


@dataclass
class Entry:
    """One answered question as the ask path hands it over (unmasked: masking happens in the writer thread)."""

    id: str
    created_at: float
    channel: str
    language: str
    status: str
    text: str
    cited: list[str]
    latency_ms: float
    confidence: float | None = None
    low_confidence: bool = False
    approved_id: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


def status_of(answer: Any, llm_configured: bool = False) -> str:
    """answered / partial / abstained / approved / llm-fallback (an LLM is configured but its answer was not used)."""
    if getattr(answer, "mode", "") == "approved":
        return "approved"
    if answer.abstained:
        return "abstained"
    if getattr(answer, "partial", False):
        return "partial"
    if llm_configured and answer.mode != "llm":
        return "llm-fallback"
    return "answered"


class QuestionLog:
    """The log of one database (SQLite ``questions.sqlite3`` under the data folder, or ``BOT_DATABASE_URL``)."""

    def __init__(self, db: Database, retention_days: int = 90, enabled: bool = True) -> None:
        self.db = db
        self.retention_days = retention_days
        self.enabled = enabled
        self.dropped = 0  # rows lost because the queue overflowed while the database was away
        self._queue: queue.Queue[Entry | None] = queue.Queue()
        self._pending: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_purge = 0.0
        self._calibration: Any = None
        self.healthy = True  # False while the database is away: answers are then acknowledged without waiting

    @classmethod
    def from_settings(cls, settings: Settings) -> "QuestionLog":
        # NORMAL: an acknowledged row survives kill -9 without an fsync per commit (which cost the ask path ~2%)
        return cls(Database.open(settings.data_dir, "questions", settings.database_url, synchronous="NORMAL"),
                   settings.log_retention_days, settings.question_log)

    def ready(self) -> None:
        """Create or migrate the schema now."""
        self.db.migrate("questions", metadata, MIGRATIONS)

    # ------------------------------------------------------------ the ask path

    def record(self, answer: Any, question: str, channel: str, latency_ms: float,
               llm_configured: bool = False) -> str | None:
        """Queue one answered question; returns its row id at once (None when logging is off or the channel is not
        logged). Costs the caller a few microseconds: masking and the insert happen in the writer thread."""
        if not self.enabled or channel not in CHANNELS or _UNLOGGED.get():
            return None
        confidence = self._confidence(getattr(answer, "top", None) or {})
        status = status_of(answer, llm_configured)
        low = bool(confidence is not None and status in ("answered", "llm-fallback")
                   and confidence < self._threshold() + LOW_CONFIDENCE_MARGIN)
        now = time.time()
        entry = Entry(id=new_id(now), created_at=now, channel=channel, language=answer.language, status=status,
                      text=question, cited=list(dict.fromkeys(c.id for c in answer.citations)),
                      latency_ms=float(latency_ms), confidence=confidence, low_confidence=low,
                      approved_id=(getattr(answer, "approved", None) or {}).get("id"))
        with self._lock:
            self._pending[entry.id] = entry
        self._ensure_thread()
        self._queue.put(entry)
        return entry.id

    def wait(self, row_id: str | None, timeout: float = 5.0) -> bool:
        """Block until the row is committed (True), or ``timeout`` passes (False). For acknowledging an answer."""
        if not row_id:
            return False
        with self._lock:
            entry = self._pending.get(row_id)
        if entry is None:
            return True
        return entry.done.wait(timeout if self.healthy else 0.0)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is committed."""
        with self._lock:
            entries = list(self._pending.values())
        deadline = time.monotonic() + timeout
        return all(e.done.wait(max(0.0, deadline - time.monotonic())) for e in entries)

    def _confidence(self, signals: dict[str, float]) -> float | None:
        if not signals:
            return None
        if self._calibration is None:
            from .confidence import Calibration

            self._calibration = Calibration.load()
        return round(float(self._calibration.probability(signals)), 4)

    def _threshold(self) -> float:
        return float(self._calibration.threshold) if self._calibration is not None else 0.5

    # ------------------------------------------------------------ the writer thread

    def start(self) -> "QuestionLog":
        """Start the writer now (it migrates the schema and purges old rows first); ``record`` starts it too."""
        self._ensure_thread()
        return self

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="question-log-writer", daemon=True)
                self._thread.start()
                atexit.register(self.close)

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued and stop the writer."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stop.set()
        self._queue.put(None)
        thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.2
        batch: list[Entry] = []
        try:  # at start-up: the schema, then the retention purge
            self._maintain()
        except Exception as exc:  # noqa: BLE001 — retried with the first batch
            log.warning("question log: %s", exc)
        while True:
            if not batch:
                if self._stop.is_set() and self._queue.empty():
                    return
                try:
                    item = self._queue.get(timeout=60.0)
                except queue.Empty:
                    item = None
                if item is not None:
                    batch.append(item)
            while len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    batch.append(item)
            try:
                self._maintain()
                if batch:
                    self._insert(batch)
                    for entry in batch:
                        entry.done.set()
                    with self._lock:
                        for entry in batch:
                            self._pending.pop(entry.id, None)
                    batch = []
                backoff, self.healthy = 0.2, True
            except Exception as exc:  # noqa: BLE001 — the database is away: keep the rows, try again
                self.healthy = False
                log.warning("question log: %s (retrying in %.1f s, %d rows waiting)", exc, backoff, len(batch))
                if len(batch) > MAX_QUEUED:
                    lost, batch = batch[:-MAX_QUEUED], batch[-MAX_QUEUED:]
                    self.dropped += len(lost)
                    with self._lock:
                        for entry in lost:
                            self._pending.pop(entry.id, None)
                            entry.done.set()
                if self._stop.wait(backoff):
                    if self._stop.is_set() and backoff > 5:
                        return
                backoff = min(backoff * 2, 10.0)

    def _maintain(self) -> None:
        self.ready()
        if time.time() - self._last_purge >= PURGE_EVERY_S:
            self.purge()

    def _insert(self, batch: list[Entry]) -> None:
        rows, cites = [], []
        for e in batch:
            text = self.db.text(mask(e.text))
            rows.append({"id": e.id, "created_at": e.created_at, "day": time.strftime("%Y-%m-%d",
                                                                                      time.localtime(e.created_at)),
                         "channel": e.channel, "language": e.language, "status": e.status, "text": text,
                         "norm": normalised(text), "cited": json.dumps(e.cited), "latency_ms": round(e.latency_ms, 2),
                         "confidence": e.confidence, "low_confidence": int(e.low_confidence), "rating": None,
                         "comment": "", "approved_id": e.approved_id})
            cites += [{"question_id": e.id, "created_at": e.created_at, "paragraph_id": pid, "rank": rank}
                      for rank, pid in enumerate(e.cited, 1)]
        with self.db.write() as conn:  # the driver's own executemany: SQLAlchemy's per-call work was most of the cost
            conn.exec_driver_sql(self._sql("questions", rows[0]), rows)
            if cites:
                conn.exec_driver_sql(self._sql("question_citations", cites[0]), cites)

    def _sql(self, table: str, example: dict[str, Any]) -> str:
        marker = (lambda k: f":{k}") if self.db.is_sqlite else (lambda k: f"%({k})s")
        return f"INSERT INTO {table} ({', '.join(example)}) VALUES ({', '.join(marker(k) for k in example)})"

    # ------------------------------------------------------------ ratings and retention

    def rate(self, row_id: str | None, rating: int, comment: str = "", question: str = "") -> bool:
        """Attach a rating (and a 👎's comment) to a logged answer: by its row id, or — when the caller has none —
        to the latest unrated row of the same (masked, normalised) question in the last hour. True when a row
        took it."""
        if not self.enabled or rating not in (1, -1):
            return False
        try:
            return self._rate(row_id, rating, comment, question)
        except StorageUnavailable as exc:  # the feedback itself is stored apart; the log misses this rating
            log.warning("question log: rating not recorded: %s", exc)
            return False

    def _rate(self, row_id: str | None, rating: int, comment: str, question: str) -> bool:
        comment = self.db.text(mask(comment or ""))
        self.ready()
        if row_id:
            self.wait(row_id)
            with self.db.write() as conn:
                done = conn.execute(update(questions).where(questions.c.id == row_id)
                                    .values(rating=rating, comment=comment)).rowcount
            return bool(done)
        if not question:
            return False
        norm = normalised(mask(question))
        self.flush(2.0)
        with self.db.write() as conn:
            latest = conn.execute(select(questions.c.id).where(questions.c.norm == norm,
                                                               questions.c.rating.is_(None),
                                                               questions.c.created_at >= time.time() - 3600)
                                  .order_by(questions.c.id.desc()).limit(1)).scalar()
            if latest is None:
                return False
            conn.execute(update(questions).where(questions.c.id == latest).values(rating=rating, comment=comment))
        return True

    def purge(self, now: float | None = None) -> int:
        """Delete rows older than the retention period; returns how many questions went."""
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * 86400.0
        self.ready()
        with self.db.write() as conn:
            gone = conn.execute(questions.delete().where(questions.c.created_at < cutoff)).rowcount
            conn.execute(citations.delete().where(citations.c.created_at < cutoff))
        self._last_purge = now
        if gone:
            log.info("question log: purged %d rows older than %d days", gone, self.retention_days)
        return int(gone or 0)

    def insert_rows(self, rows: Iterable[dict[str, Any]]) -> int:
        """Bulk insert already-masked rows (the bench's generated log); returns how many."""
        self.ready()
        batch = list(rows)
        cites = [{"question_id": r["id"], "created_at": r["created_at"], "paragraph_id": pid, "rank": rank}
                 for r in batch for rank, pid in enumerate(json.loads(r["cited"]), 1)]
        with self.db.write() as conn:
            conn.execute(questions.insert(), batch)
            if cites:
                conn.execute(citations.insert(), cites)
        return len(batch)


__all__ = ["CHANNELS", "STATUSES", "QuestionLog", "StorageUnavailable", "mask", "normalised", "not_logged",
           "status_of"]
