"""What staff see of the question log: grouping by normalised text, the unanswered queue (abstained, partial, 👎,
low confidence) newest first, filters (and a 400 naming a bad one), statistics per day / language / channel /
status, paragraphs cited most and never, near-duplicates grouped, CSV, and the staff query times over a generated
log (the bench's figures; 100,000 rows under the slow mark)."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.evals.staffbench import generate_log, measure_log_overhead, measure_staff_queries
from bot.insight import FilterError, Filters, grouped, near_duplicates, stats, to_csv
from bot.questions import QuestionLog, new_id, normalised
from bot.service import Assistant
from bot.storage import Database
from bot.web.api import create_api
from bot.web.http import RateLimiter

PASSWORD = "insight-口令"
AUTH = {"Authorization": f"Bearer {PASSWORD}".encode()}
P1, P2 = "nankai-2024-plan/2.4.1", "nankai-2024-plan/2.1.2"


def _row(text: str, at: float, **changes: Any) -> dict[str, Any]:
    row = {"id": new_id(at), "created_at": at, "day": time.strftime("%Y-%m-%d", time.localtime(at)),
           "channel": "api", "language": "en" if text.isascii() else "zh", "status": "answered", "text": text,
           "norm": normalised(text), "cited": json.dumps([P1]), "latency_ms": 20.0, "confidence": 0.9,
           "low_confidence": 0, "rating": None, "comment": "", "approved_id": None}
    row.update(changes)
    if "cited" in changes:
        row["cited"] = json.dumps(changes["cited"])
    return row


@pytest.fixture
def log(tmp_path: Path) -> QuestionLog:
    log = QuestionLog(Database.open(tmp_path, "questions"))
    day = 86400.0
    # yesterday at 18:00 local time: the rows fall on four calendar days whatever the hour the test runs (from now,
    # the rows 0.1 … 3 days back spanned only three days just after midnight)
    y = time.localtime(time.time() - day)
    now = time.mktime((y.tm_year, y.tm_mon, y.tm_mday, 18, 0, 0, 0, 0, -1))
    log.insert_rows([
        _row("今年有哪些学校建成？", now - 3 * day),
        _row("今年有哪些学校建成", now - 2 * day, channel="chat"),
        _row("今年有哪些學校建成?", now - 1 * day, channel="widget", rating=1),
        _row("明天天气怎么样？", now - 2 * day, status="abstained", cited=[]),
        _row("Which schools open this year?", now - 1 * day, rating=-1, comment="missing the middle school",
             cited=[P2]),
        _row("老旧小区改造面积多大", now - 0.5 * day, status="partial"),
        _row("How many pocket parks?", now - 0.2 * day, low_confidence=1, confidence=0.55),
        _row("今年改造多少个老旧小区？", now - 0.1 * day, status="approved", approved_id="a1"),
    ])
    return log


def test_grouped_by_normalised_text(log: QuestionLog) -> None:
    result = grouped(log, Filters.parse(), order="count")
    assert result["total"] == 6 and result["asked"] == 8
    top = result["questions"][0]
    assert top["count"] == 3 and top["text"] == "今年有哪些學校建成?" and top["channel"] == "widget"
    assert top["ratings"] == {"up": 1, "down": 0} and top["cited"] == [P1] and top["first_asked"] < top["last_asked"]
    recent = grouped(log, Filters.parse())["questions"]
    assert [q["last_asked"] for q in recent] == sorted((q["last_asked"] for q in recent), reverse=True)


def test_the_unanswered_queue(log: QuestionLog) -> None:
    queue = grouped(log, Filters.parse("unanswered"))["questions"]
    assert [q["text"] for q in queue] == ["How many pocket parks?", "老旧小区改造面积多大", "Which schools open this year?",
                                          "明天天气怎么样？"]  # newest first: low confidence, partial, 👎, abstained
    assert queue[2]["comments"] == ["missing the middle school"] and queue[0]["low_confidence"]
    assert [q["text"] for q in grouped(log, Filters.parse("approved"))["questions"]] == ["今年改造多少个老旧小区？"]


def test_filters(log: QuestionLog) -> None:
    assert {q["language"] for q in grouped(log, Filters.parse(lang="en"))["questions"]} == {"en"}
    assert grouped(log, Filters.parse(channel="widget"))["asked"] == 1
    assert grouped(log, Filters.parse(q="學校"))["asked"] == 3  # the search is normalised too
    today = time.strftime("%Y-%m-%d")
    assert grouped(log, Filters.parse(since=today))["asked"] <= 4
    assert grouped(log, Filters.parse(until="2000-01-01"))["asked"] == 0
    assert grouped(log, Filters.parse(limit=2))["questions"].__len__() == 2
    for bad, name in ((dict(status="lost"), "status"), (dict(lang="fr"), "lang"), (dict(channel="sms"), "channel"),
                      (dict(since="yesterday"), "since"), (dict(limit=0), "limit"), (dict(limit="x"), "limit")):
        with pytest.raises(FilterError, match=name):
            Filters.parse(**bad)


def test_stats(log: QuestionLog) -> None:
    out = stats(log, Filters.parse(), [P1, P2, "nankai-2024-plan/9.9"])
    assert out["asked"] == 8 and out["distinct"] == 6
    assert sum(d["count"] for d in out["per_day"]) == 8 and len(out["per_day"]) >= 4  # days without any are 0
    assert out["by_language"] == {"zh": 6, "en": 2} and out["by_channel"]["api"] == 6
    assert out["by_status"]["answered"] == 5 and out["unanswered"] == {"asked": 4, "distinct": 4}
    assert out["ratings"] == {"up": 1, "down": 1} and out["low_confidence"] == 1
    assert out["cited_most"][0] == {"id": P1, "count": 6} and out["never_cited"] == {"count": 1,
                                                                                    "ids": ["nankai-2024-plan/9.9"]}
    only_en = stats(log, Filters.parse(lang="en"), [P1, P2])
    assert only_en["asked"] == 2 and only_en["cited_most"] == [{"id": P1, "count": 1}, {"id": P2, "count": 1}]


def test_near_duplicates_are_grouped(fake_assistant: Assistant) -> None:
    groups = [{"text": "今年有哪些学校建成？", "count": 5, "language": "zh"},
              {"text": "今年有哪些学校建成了？", "count": 2, "language": "zh"},
              {"text": "今年改造多少个老旧小区？", "count": 1, "language": "zh"}]
    merged = near_duplicates(groups, fake_assistant.index.embeddings, threshold=0.9)
    assert [(g["text"], g["count"], len(g["variants"])) for g in merged] == [("今年有哪些学校建成？", 7, 1),
                                                                            ("今年改造多少个老旧小区？", 1, 0)]
    assert [len(g["variants"]) for g in near_duplicates(groups, None)] == [0, 0, 0]


def test_csv(log: QuestionLog) -> None:
    text = to_csv(grouped(log, Filters.parse("unanswered"))["questions"])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["text", "language", "status", "channel"] and len(rows) == 5


def test_staff_question_routes(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = Assistant(fake_assistant.settings.with_(data_dir=tmp_path / "data", staff_password=PASSWORD))
    live.index, live.search, live.extractive = fake_assistant.index, fake_assistant.search, fake_assistant.extractive
    client = TestClient(create_api(live, limiter=RateLimiter(10_000)), raise_server_exceptions=False)
    for q in ("今年有哪些学校建成？", "今年有哪些学校建成", "明天天气怎么样？", "Which schools open this year?"):
        assert client.post("/api/ask", json={"question": q}).status_code == 200
    result = client.get("/api/staff/questions?status=all&order=count", headers=AUTH).json()
    assert result["total"] == 3 and result["questions"][0]["count"] == 2
    assert set(result["questions"][0]) >= {"text", "language", "status", "channel", "count", "first_asked",
                                           "last_asked", "cited", "ratings"}
    queue = client.get("/api/staff/questions?status=unanswered", headers=AUTH).json()["questions"]
    assert "明天天气怎么样？" in [q["text"] for q in queue]
    r = client.get("/api/staff/questions?status=unanswered&format=csv", headers=AUTH)
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    assert "明天天气怎么样？" in r.text
    bad = client.get("/api/staff/questions?status=nope", headers=AUTH)
    assert bad.status_code == 400 and "status" in bad.json()["error"]["message"]
    out = client.get("/api/staff/stats", headers=AUTH).json()
    assert out["asked"] == 4 and out["by_status"]["abstained"] >= 1 and out["never_cited"]["count"] > 10
    assert client.get("/api/staff/stats?since=2099-01-01", headers=AUTH).json()["asked"] == 0


def test_staff_queries_and_log_overhead_small(fake_assistant: Assistant, tmp_path: Path) -> None:
    """The bench's functions on a small log (the 100,000-row figures are the slow test below and the bench)."""
    live = Assistant(fake_assistant.settings.with_(data_dir=tmp_path / "data"))
    live.index, live.search, live.extractive = fake_assistant.index, fake_assistant.search, fake_assistant.extractive
    questions = ["今年有哪些学校建成？", "Which schools open this year?", "今年改造多少个老旧小区？"]
    figures = measure_log_overhead(live, questions, rounds=2, block=5)
    assert set(figures) >= {"log_cpu_overhead", "log_cpu_ms_per_ask"}
    out = measure_staff_queries(live.settings, tmp_path / "work", questions, list(live.index.paragraphs),
                                live.index.embeddings, rows=2000)
    assert out["staff_log_rows"] == 2000 and set(out["staff_query_ms"]) >= {"stats", "unanswered_queue"}


@pytest.mark.slow
def test_staff_queries_over_100000_logged_questions(fake_assistant: Assistant, tmp_path: Path) -> None:
    questions = [json.loads(line)["question"] for line in
                 (Path(__file__).parent.parent / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    out = measure_staff_queries(fake_assistant.settings, tmp_path, questions, list(fake_assistant.index.paragraphs),
                                fake_assistant.index.embeddings)
    print(json.dumps(out))
    assert out["staff_log_rows"] == 100_000
    assert out["staff_query_max_ms"] < 1000, out


def test_generated_log_shape(tmp_path: Path) -> None:
    log = QuestionLog(Database.open(tmp_path, "q"))
    assert generate_log(log, ["a question", "一个问题"], [P1, P2], rows=300) == 300
    assert grouped(log, Filters.parse())["asked"] == 300
