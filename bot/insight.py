"""What staff see of the question log (``bot.questions``): questions grouped by normalised text with their counts,
the unanswered queue (abstained, partial, 👎 or low confidence), questions per day, by language, channel and
status, the top questions with near-duplicates grouped (same normalised text, then embedding similarity), the
paragraphs cited most and never, and CSV of any filtered list. One code path for /api/staff/* and the staff tab.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from .errors import BotError
from .questions import CHANNELS, STATUSES, QuestionLog, citations, mask, normalised, questions

FILTER_STATUSES = (*STATUSES, "unanswered", "all")
MAX_LIMIT = 1000
NEAR_DUPLICATE = 0.93  # cosine between two questions' vectors taken as the same question asked in other words
CLUSTER_TOP = 60  # groups considered for near-duplicate grouping
EMBED_BUDGET_S = 0.2  # at most this long embedding questions not seen before (the rest: in the background)


class FilterError(BotError, ValueError):
    code = "bad_request"


def _moment(value: str | float | None, name: str, end: bool = False) -> float | None:
    """A time filter: seconds since the epoch, an ISO date (the whole day for ``until``) or date-time."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FilterError(f"{name}: {text!r} is not a date — use YYYY-MM-DD (or an ISO date-time)") from exc
    ts = moment.timestamp()
    return ts + 86400.0 if end and len(text) == 10 else ts


@dataclass(frozen=True)
class Filters:
    status: str = "all"
    lang: str = ""
    channel: str = ""
    since: float | None = None
    until: float | None = None
    q: str = ""
    limit: int = 100

    @classmethod
    def parse(cls, status: str | None = "all", lang: str | None = "", channel: str | None = "",
              since: str | float | None = None, until: str | float | None = None, q: str | None = "",
              limit: int | str | None = 100) -> "Filters":
        """Validated filters (FilterError, a 400, naming the bad one)."""
        status = (status or "all").strip().lower()
        if status not in FILTER_STATUSES:
            raise FilterError(f"status: use one of {', '.join(FILTER_STATUSES)}")
        lang = (lang or "").strip().lower()
        if lang in ("all", "auto"):
            lang = ""
        if lang not in ("", "zh", "en"):
            raise FilterError("lang: use zh or en (or leave it out for both)")
        channel = (channel or "").strip().lower()
        if channel == "all":
            channel = ""
        if channel not in ("", *CHANNELS):
            raise FilterError(f"channel: use one of {', '.join(CHANNELS)} (or leave it out for all)")
        try:
            n = int(limit if limit not in (None, "") else 100)
        except (TypeError, ValueError) as exc:
            raise FilterError("limit: give a whole number") from exc
        if not 1 <= n <= MAX_LIMIT:
            raise FilterError(f"limit: 1 to {MAX_LIMIT}")
        q = (q or "").strip()[:200]
        return cls(status=status, lang=lang, channel=channel, since=_moment(since, "since"),
                   until=_moment(until, "until", end=True), q=q, limit=n)

    def conditions(self, with_status: bool = True) -> list[Any]:
        c = questions.c
        where: list[Any] = []
        if with_status and self.status == "unanswered":
            where.append(UNANSWERED)
        elif with_status and self.status != "all":
            where.append(c.status == self.status)
        if self.lang:
            where.append(c.language == self.lang)
        if self.channel:
            where.append(c.channel == self.channel)
        if self.since is not None:
            where.append(c.created_at >= self.since)
        if self.until is not None:
            where.append(c.created_at < self.until)
        if self.q:
            key = normalised(mask(self.q))
            if key:
                where.append(c.norm.contains(key, autoescape=True))
        return where


UNANSWERED = or_(questions.c.status.in_(("abstained", "partial")), questions.c.rating == -1,
                 questions.c.low_confidence == 1)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts))


def _where(parts: Sequence[Any]) -> Any:
    return and_(*parts) if parts else True


def grouped(log: QuestionLog, filters: Filters, order: str = "recent", totals: bool = True) -> dict[str, Any]:
    """``{"questions": [...], "total": groups, "asked": rows}``: one item per normalised question, newest first
    (``order="recent"``) or most asked first (``"count"``), each with the latest wording, language, status and
    channel, its counts, first and last time asked, the paragraphs its latest answer cited, the ratings and the
    👎 comments."""
    if not log.db.exists():
        return {"questions": [], "total": 0, "asked": 0}
    log.ready()
    c = questions.c
    where = _where(filters.conditions())
    n = func.count().label("n")
    last = func.max(c.created_at).label("last")
    query = (select(c.norm, n, func.min(c.created_at).label("first"), last, func.max(c.id).label("latest"),
                    func.sum(case((c.rating == 1, 1), else_=0)).label("up"),
                    func.sum(case((c.rating == -1, 1), else_=0)).label("down"))
             .where(where).group_by(c.norm)
             .order_by(*((n.desc(), last.desc()) if order == "count" else (last.desc(),))).limit(filters.limit))
    with log.db.read() as conn:
        groups = conn.execute(query).all()
        total, asked = conn.execute(select(func.count(func.distinct(c.norm)), func.count()).where(where)).one() \
            if totals else (None, None)
        latest = {r.id: r for r in conn.execute(select(questions).where(c.id.in_([g.latest for g in groups])))} \
            if groups else {}
        comments: dict[str, list[str]] = {}
        if groups:
            for norm, comment in conn.execute(select(c.norm, c.comment).where(
                    c.norm.in_([g.norm for g in groups]), c.comment != "", where).order_by(c.id.desc())):
                if len(comments.setdefault(norm, [])) < 5:
                    comments[norm].append(comment)
    items = []
    for g in groups:
        row = latest[g.latest]
        items.append({"text": row.text, "language": row.language, "status": row.status, "channel": row.channel,
                      "count": int(g.n), "first_asked": _iso(g.first), "last_asked": _iso(g.last),
                      "cited": json.loads(row.cited), "ratings": {"up": int(g.up or 0), "down": int(g.down or 0)},
                      "comments": comments.get(g.norm, []), "low_confidence": bool(row.low_confidence),
                      "confidence": row.confidence, "id": row.id, "approved_id": row.approved_id})
    return {"questions": items, "total": None if total is None else int(total),
            "asked": None if asked is None else int(asked)}


def _days(rows: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """Questions per day, days without any filled in with 0."""
    counts = {str(d): int(n) for d, n in rows}
    if not counts:
        return []
    first, last = datetime.fromisoformat(min(counts)), datetime.fromisoformat(max(counts))
    out, day = [], first
    while day <= last and len(out) < 3660:
        key = day.strftime("%Y-%m-%d")
        out.append({"day": key, "count": counts.get(key, 0)})
        day = datetime.fromordinal(day.toordinal() + 1)
    return out


def stats(log: QuestionLog, filters: Filters, paragraph_ids: Sequence[str] = (), embeddings: Any = None,
          top: int = 20) -> dict[str, Any]:
    """The Questions tab in one object (also GET /api/staff/stats)."""
    empty = {"asked": 0, "distinct": 0, "per_day": [], "by_language": {}, "by_channel": {}, "by_status": {},
             "unanswered": {"asked": 0, "distinct": 0}, "ratings": {"up": 0, "down": 0}, "low_confidence": 0,
             "latency_ms": {"mean": None}, "top": [], "cited_most": [],
             "never_cited": {"count": len(paragraph_ids), "ids": list(paragraph_ids)[:100]}}
    if not log.db.exists():
        return empty
    log.ready()
    c = questions.c
    where = _where(filters.conditions())
    unanswered = case((UNANSWERED, 1), else_=0)
    with log.db.read() as conn:  # one pass for the counts by day, language, channel and status, one for distinct
        cells = conn.execute(select(c.day, c.language, c.channel, c.status, func.count(),
                                    func.sum(case((c.rating == 1, 1), else_=0)),
                                    func.sum(case((c.rating == -1, 1), else_=0)), func.sum(c.low_confidence),
                                    func.sum(c.latency_ms), func.sum(unanswered))
                             .where(where).group_by(c.day, c.language, c.channel, c.status)).all()
        distinct, open_distinct = conn.execute(select(
            func.count(func.distinct(c.norm)), func.count(func.distinct(case((UNANSWERED, c.norm), else_=None))))
            .where(where)).one()
        q = citations.c
        cite_where = [q.question_id.in_(select(c.id).where(where))] if filters.conditions() else []
        cited = [(str(pid), int(n)) for pid, n in conn.execute(
            select(q.paragraph_id, func.count()).where(_where(cite_where)).group_by(q.paragraph_id)
            .order_by(func.count().desc()))]
    per: dict[str, dict[str, int]] = {"day": {}, "language": {}, "channel": {}, "status": {}}
    asked = up = down = low = open_asked = 0
    latency = 0.0
    for day, language, channel, status, n, ups, downs, lows, lat, opens in cells:
        for key, value in (("day", day), ("language", language), ("channel", channel), ("status", status)):
            per[key][str(value)] = per[key].get(str(value), 0) + int(n)
        asked, up, down = asked + int(n), up + int(ups or 0), down + int(downs or 0)
        low, latency, open_asked = low + int(lows or 0), latency + float(lat or 0.0), open_asked + int(opens or 0)
    mean = latency / asked if asked else None
    per_day = _days(sorted(per["day"].items()))

    def ranked(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    by_language, by_channel, by_status = ranked(per["language"]), ranked(per["channel"]), ranked(per["status"])
    never = [pid for pid in paragraph_ids if pid not in dict(cited)]
    top_groups = grouped(log, Filters(**{**filters.__dict__, "limit": CLUSTER_TOP}), order="count",
                         totals=False)["questions"]
    return {"asked": int(asked), "distinct": int(distinct), "per_day": per_day, "by_language": by_language,
            "by_channel": by_channel, "by_status": by_status,
            "unanswered": {"asked": open_asked, "distinct": int(open_distinct)},
            "ratings": {"up": up, "down": down}, "low_confidence": low,
            "latency_ms": {"mean": round(float(mean), 1) if mean is not None else None},
            "top": near_duplicates(top_groups, embeddings)[:top],
            "cited_most": [{"id": pid, "count": n} for pid, n in cited[:top]],
            "never_cited": {"count": len(never), "ids": never[:100]}}


def near_duplicates(groups: list[dict[str, Any]], embeddings: Any = None,
                    threshold: float | None = None) -> list[dict[str, Any]]:
    """Groups (most asked first) merged when their questions mean the same: the same kind of question
    (``bot.approved_match.compatible``) and a cosine of the embedder's vectors at least ``threshold`` — by default
    the approved-answer matcher's calibrated one for the pair's languages (across languages no lower than
    NEAR_DUPLICATE, since there is no retrieval check here). Each result keeps its most asked wording, the summed
    count and ``variants``."""
    if embeddings is None or not groups:
        return [{**g, "variants": []} for g in groups]
    from .approved_match import cached_vector, compatible, embed_key, signature, threshold_for, vector_for
    from .text import detect_language

    zh_same, en_same, cross, _ = threshold_for(str(getattr(embeddings, "id", "")))

    def limit(a: str, b: str) -> float:
        if threshold is not None:
            return threshold
        return max(NEAR_DUPLICATE, cross) if a != b else zh_same if a == "zh" else en_same

    deadline = time.monotonic() + EMBED_BUDGET_S
    heads: list[tuple[dict[str, Any], Any, Any, str]] = []
    later: list[str] = []
    for g in groups:
        key = embed_key(g["text"])
        vector = cached_vector(embeddings, key)
        if vector is None and time.monotonic() < deadline:
            vector = vector_for(embeddings, key)
        elif vector is None:
            later.append(key)
        sig, lang = signature(key), detect_language(key)
        home = None
        if vector is not None:
            home = next((h for h in heads if h[1] is not None and float(vector @ h[1]) >= limit(lang, h[3])
                         and compatible(sig, h[2])), None)
        if home is None:
            heads.append(({**g, "variants": []}, vector, sig, lang))
        else:
            home[0]["count"] += g["count"]
            home[0]["variants"].append({"text": g["text"], "count": g["count"], "language": g["language"]})
    if later:
        _embed_later(embeddings, later)
    return sorted((h[0] for h in heads), key=lambda g: -g["count"])


_warming = threading.Lock()


def warmed(timeout: float = 120.0) -> bool:
    """Wait for a background near-duplicate embedding to finish (the bench, tests)."""
    if _warming.acquire(timeout=timeout):
        _warming.release()
        return True
    return False


def _embed_later(embeddings: Any, keys: list[str]) -> None:
    """Embed what the budget left out in a background thread (one at a time), for the next view."""
    from .approved_match import vector_for

    def run() -> None:
        try:
            for key in keys:
                vector_for(embeddings, key)
        finally:
            _warming.release()

    if _warming.acquire(blocking=False):
        threading.Thread(target=run, name="near-duplicates", daemon=True).start()


CSV_COLUMNS = ["text", "language", "status", "channel", "count", "first_asked", "last_asked", "cited", "up", "down",
               "comments"]


def to_csv(items: Iterable[dict[str, Any]]) -> str:
    """A list of grouped questions as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for it in items:
        writer.writerow([it["text"], it["language"], it["status"], it["channel"], it["count"], it["first_asked"],
                         it["last_asked"], " ".join(it["cited"]), it["ratings"]["up"], it["ratings"]["down"],
                         " | ".join(it.get("comments") or [])])
    return "\ufeff" + out.getvalue()
