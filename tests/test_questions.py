"""The question log: personal data masked before anything is stored (checked in the database files, WAL included),
no IP address or user agent, statuses / channels / citations / ratings recorded, BOT_QUESTION_LOG=off, retention,
16 concurrent writers and kill -9 losing no acknowledged row (SQLite; PostgreSQL in test_storage_pg.py)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import ROOT
from bot.feedback import FeedbackStore
from bot.questions import QuestionLog, mask, normalised, status_of
from bot.service import Assistant
from bot.storage import Database
from bot.testing import uvicorn_thread
from bot.web.api import create_api
from bot.web.http import RateLimiter

EN_QUESTION = "How many old residential compounds will be renovated?"
FULL = str.maketrans("0123456789-@.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ",
                     "０１２３４５６７８９－＠．ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
                     "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ　")


def personal_data() -> list[tuple[str, str]]:
    """(personal datum, the tell-tale part that must never be stored): generated phone numbers, ID cards, e-mail
    addresses, bank cards, plates and names, half-width and full-width, with spaces and dashes."""
    out: list[tuple[str, str]] = []
    for k, mobile in enumerate(["13812345678", "15900001111", "18622223333", "17755556666", "19911112222"]):
        spaced = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        dashed = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
        out += [(mobile, mobile), ([spaced, dashed, mobile.translate(FULL)][k % 3], mobile)]
    out += [("+86 139 0000 1234", "13900001234"), ("022-23456789", "23456789"), ("(022) 2345 6789", "23456789"),
            ("022-87654321".translate(FULL), "87654321"), ("010 8888 6666", "88886666"),
            ("联系电话 27651234", "27651234")]
    for ident in ["120104199001011234", "12010419900101123X", "110105198505054321", "120102200012319876"]:
        out += [(ident, ident[6:14]), (f"{ident[:6]} {ident[6:14]} {ident[14:]}", ident[6:14]),
                (ident.translate(FULL), ident[6:14])]
    for mail in ["li.wei@example.com", "zhang_san@163.com", "a.b+c@mail.tj.gov.cn", "wang@example.cn"]:
        out += [(mail, mail.split("@")[0]), (mail.translate(FULL), mail.split("@")[0])]
    for card in ["6222021234567890123", "6217000011112222333", "4392250012345678"]:
        out += [(card, card[4:12]), (" ".join(card[i:i + 4] for i in range(0, len(card), 4)), card[4:12]),
                ("-".join(card[i:i + 4] for i in range(0, len(card), 4)).translate(FULL), card[4:12])]
    out += [("津A12345", "A12345"), ("津A·D12345", "D12345"), ("京B 88888", "B 88888"), ("津AD12345".translate(FULL),
                                                                                      "AD12345")]
    out += [("我叫张伟", "张伟"), ("我是李娜", "李娜"), ("我叫王小明", "王小明"), ("我叫 陈静", "陈静"),
            ("my name is Li Wei", "Li Wei"), ("My name is John Smith", "John Smith"), ("我的名字是赵雷", "赵雷")]
    return out


PERSONAL = personal_data()
TEMPLATES = ["{x}，请问今年有哪些学校建成？", "I am writing to ask ({x}): which schools open this year?",
             "我想问问老旧小区改造，{x}", "{x} — how many pocket parks will be built?"]


def test_masking_covers_every_generated_kind() -> None:
    assert len(PERSONAL) >= 30
    zh = [p for p, _ in PERSONAL if any("\u4e00" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in p)]
    assert len(zh) >= 10  # both scripts, full-width digits among them
    for k, (datum, tell) in enumerate(PERSONAL):
        masked = mask(TEMPLATES[k % len(TEMPLATES)].format(x=datum))
        folded = masked.translate({ord(b): ord(a) for a, b in zip("0123456789", "０１２３４５６７８９")})
        assert tell not in masked and tell not in folded and "[" in masked, (datum, masked)


def test_masking_leaves_questions_alone() -> None:
    for q in ["今年有哪些学校建成？", "2024年地区生产总值增长5.5%左右吗", "拨打12345热线", "我是南开区居民，想问养老",
              "How many of the 54 old compounds are in 2024?", "我是高三学生家长", "What is the 258万 square metres?"]:
        assert mask(q) == q
    assert normalised("今年有哪些学校建成？ ") == normalised("今年有哪些學校建成?") == "今年有哪些学校建成"


@dataclass
class _Cite:
    id: str


@dataclass
class _Answer:
    language: str = "zh"
    abstained: bool = False
    partial: bool = False
    mode: str = "extractive"
    citations: list[_Cite] = field(default_factory=lambda: [_Cite("nankai-2024-plan/2.4.1")])
    top: dict[str, float] = field(default_factory=dict)
    approved: dict[str, str] | None = None


def test_status_of() -> None:
    assert status_of(_Answer()) == "answered"
    assert status_of(_Answer(partial=True)) == "partial"
    assert status_of(_Answer(abstained=True, citations=[])) == "abstained"
    assert status_of(_Answer(mode="approved")) == "approved"
    assert status_of(_Answer(), llm_configured=True) == "llm-fallback"
    assert status_of(_Answer(mode="llm"), llm_configured=True) == "answered"


def _rows(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM questions ORDER BY id")]
    finally:
        conn.close()


def _live(fake_assistant: Assistant, data: Path, **settings: Any) -> Assistant:
    live = Assistant(fake_assistant.settings.with_(data_dir=data, **settings))
    live.index, live.search, live.extractive = fake_assistant.index, fake_assistant.search, fake_assistant.extractive
    return live


def test_nothing_personal_reaches_the_database_files(fake_assistant: Assistant, tmp_path: Path) -> None:
    data = tmp_path / "data"
    live = _live(fake_assistant, data)
    agent = "Mozilla/5.0 (X11; Test) resident-browser/7.7"
    with uvicorn_thread(create_api(live, limiter=RateLimiter(100_000))) as base:
        with httpx.Client(base_url=base, timeout=60, headers={"user-agent": agent}) as http:
            for k, (datum, _) in enumerate(PERSONAL):
                question = TEMPLATES[k % len(TEMPLATES)].format(x=datum)
                headers = {"referer": f"{base}/widget?lang=zh"} if k % 3 == 0 else {}
                r = http.post("/api/ask", json={"question": question}, headers=headers)
                assert r.status_code == 200, r.text
                if k % 2 == 0:
                    f = http.post("/api/feedback", json={"question": question, "answer": r.json()["answer"],
                                                         "rating": -1, "comment": f"联系我 {datum}",
                                                         "question_id": r.json()["question_id"]})
                    assert f.status_code == 201, f.text
    live.question_log.flush()
    files = sorted(p for p in data.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"questions.sqlite3", "feedback.sqlite3"}
    stored = b"".join(p.read_bytes() for p in files)  # the WAL files too, if any are left
    stored_text = stored.decode("utf-8", "replace")
    for datum, tell in PERSONAL:
        for form in {datum, tell, tell.translate(FULL)}:
            assert form.encode("utf-8") not in stored, f"{form!r} ({datum!r}) was stored"
    for forbidden in ("127.0.0.1", agent, "resident-browser", "testclient", "Mozilla"):
        assert forbidden not in stored_text
    rows = _rows(data / "questions.sqlite3")
    assert len(rows) == len(PERSONAL)
    assert {r["channel"] for r in rows} == {"api", "widget"}
    assert set(rows[0]) == {"id", "created_at", "day", "channel", "language", "status", "text", "norm", "cited",
                            "latency_ms", "confidence", "low_confidence", "rating", "comment", "approved_id"}
    rated = [r for r in rows if r["rating"] == -1]
    assert len(rated) == (len(PERSONAL) + 1) // 2 and all(r["comment"].startswith("联系我 ") and "[" in r["comment"] for r in rated)


def test_log_records_what_was_answered_and_the_rating(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = _live(fake_assistant, tmp_path / "data")
    answer = live.ask(EN_QUESTION, channel="chat")
    off_topic = live.ask("明天天气怎么样？", channel="widget")
    live.ask("not logged", channel="eval")  # only api / chat / widget are residents' channels
    assert live.question_log.wait(answer.log_id) and live.question_log.wait(off_topic.log_id)
    assert live.question_log.rate(answer.log_id, 1)
    rows = {r["id"]: r for r in _rows(tmp_path / "data" / "questions.sqlite3")}
    assert set(rows) == {answer.log_id, off_topic.log_id}
    first = rows[answer.log_id]
    assert (first["channel"], first["language"], first["rating"]) == ("chat", "en", 1)
    assert first["status"] == "answered" and json.loads(first["cited"]) == [c.id for c in answer.citations]
    assert first["latency_ms"] > 0 and 0 <= first["confidence"] <= 1
    assert rows[off_topic.log_id]["status"] == "abstained" and rows[off_topic.log_id]["channel"] == "widget"
    # a rating without an id finds the latest unrated row of the same question
    again = live.ask(EN_QUESTION, channel="api")
    live.question_log.wait(again.log_id)
    assert live.question_log.rate(None, -1, "wrong", question=EN_QUESTION + "  ")
    assert {r["id"]: r["rating"] for r in _rows(tmp_path / "data" / "questions.sqlite3")}[again.log_id] == -1


def test_question_log_off(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = _live(fake_assistant, tmp_path / "data", question_log=False)
    answer = live.ask(EN_QUESTION, channel="api")
    assert answer.log_id is None and not (tmp_path / "data" / "questions.sqlite3").exists()
    assert live.question_log.wait(None) is False and live.question_log.rate(None, 1, question=EN_QUESTION) is False


def _entry(now: float, k: int) -> dict[str, Any]:
    return {"id": f"{int(now * 1e6):014x}{k:010x}", "created_at": now, "day": time.strftime("%Y-%m-%d",
                                                                                          time.localtime(now)),
            "channel": "api", "language": "zh", "status": "answered", "text": f"问题{k}", "norm": f"问题{k}",
            "cited": json.dumps(["nankai-2024-plan/2.4.1"]), "latency_ms": 10.0, "confidence": 0.9,
            "low_confidence": 0, "rating": None, "comment": "", "approved_id": None}


def test_retention_purges_old_rows_at_start_and_daily(tmp_path: Path) -> None:
    log = QuestionLog(Database.open(tmp_path, "questions"), retention_days=90)
    now = time.time()
    log.insert_rows([_entry(now - 91 * 86400, 1), _entry(now - 89 * 86400, 2), _entry(now, 3)])
    fresh = QuestionLog(Database.open(tmp_path, "questions"), retention_days=90).start()  # at start-up
    deadline = time.monotonic() + 20
    while len(_rows(tmp_path / "questions.sqlite3")) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["text"] for r in _rows(tmp_path / "questions.sqlite3")] == ["问题2", "问题3"]
    with sqlite3.connect(tmp_path / "questions.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM question_citations").fetchone()[0] == 2
    assert fresh.purge(now=now + 2 * 86400) == 1  # the daily pass, two days later
    assert [r["text"] for r in _rows(tmp_path / "questions.sqlite3")] == ["问题3"]
    fresh.close()


def test_16_concurrent_clients_lose_no_logged_question(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = _live(fake_assistant, tmp_path / "data")
    clients, per_client = 16, 12
    barrier = threading.Barrier(clients)

    def send(k: int) -> list[str]:
        ids = []
        with httpx.Client(base_url=base, timeout=120) as http:
            barrier.wait(timeout=60)
            for i in range(per_client):
                r = http.post("/api/ask", json={"question": f"今年改造多少个老旧小区？第{k}位第{i}问"})
                assert r.status_code == 200, r.text
                ids.append(r.json()["question_id"])
        return ids

    with uvicorn_thread(create_api(live, limiter=RateLimiter(100_000))) as base:
        with ThreadPoolExecutor(clients) as pool:
            acked = [i for ids in pool.map(send, range(clients)) for i in ids]
    assert len(set(acked)) == clients * per_client
    stored = {r["id"] for r in _rows(tmp_path / "data" / "questions.sqlite3")}  # acknowledged = already stored
    assert set(acked) <= stored


WRITER = """
import sys, threading
from dataclasses import dataclass, field
from bot.questions import QuestionLog
from bot.storage import Database

@dataclass
class Cite:
    id: str

@dataclass
class Answer:
    language: str = "zh"
    abstained: bool = False
    partial: bool = False
    mode: str = "extractive"
    citations: list = field(default_factory=lambda: [Cite("nankai-2024-plan/2.4.1")])
    top: dict = field(default_factory=dict)

log = QuestionLog(Database.open(sys.argv[1], "questions", sys.argv[2] if len(sys.argv) > 2 else "", "NORMAL"))
out = threading.Lock()

def write(k):
    for i in range(1_000_000):
        row = log.record(Answer(), f"writer {k} question {i} 电话13812345678", "api", 12.0)
        if log.wait(row, 30):
            with out:  # acknowledged only once the row is committed
                print(row, flush=True)

for k in range(16):
    threading.Thread(target=write, args=(k,)).start()
"""


def kill_writer_and_compare(data: Path, stored_ids: Any, database_url: str = "") -> None:
    """Start WRITER (16 threads), SIGKILL it once 400 rows are acknowledged, then every acknowledged id must be in
    the database (read by ``stored_ids()``)."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)] + ([database_url] if database_url else []),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.endswith("\n"):
                lines.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while len(lines) < 400 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert len(lines) >= 400
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    reader.join(timeout=30)
    acked = {line for line in lines if line}
    missing = acked - set(stored_ids())
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged rows lost"


def test_writer_killed_with_sigkill_loses_no_acknowledged_row(tmp_path: Path) -> None:
    data = tmp_path / "data"

    def stored() -> list[str]:
        conn = sqlite3.connect(data / "questions.sqlite3")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = conn.execute("SELECT id, text FROM questions").fetchall()
        finally:
            conn.close()
        assert all("13812345678" not in text for _, text in rows)
        return [r[0] for r in rows]

    kill_writer_and_compare(data, stored)
    log = QuestionLog(Database.open(data, "questions"))  # the log keeps working after the crash
    assert log.wait(log.record(_Answer(), "after the crash", "api", 1.0))


def test_feedback_store_links_the_log_row(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    row = store.add("我叫张伟，电话 138 1234 5678", "答案", -1, "我的邮箱 li@example.com", question_id="abc")
    saved = store.recent(1)[0]
    assert saved.id == row and saved.question_id == "abc"
    assert saved.question == "我叫[name]，电话 [phone]" and saved.comment == "我的邮箱 [email]"
    assert store.recent(5, rating=1) == [] and store.summary() == {"total": 1, "up": 0, "down": 1}


def test_an_old_feedback_file_is_migrated(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "feedback.sqlite3")  # as the sqlite3 code of before created it
    conn.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, "
                 "question TEXT NOT NULL, answer TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (1, -1)), "
                 "comment TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT 'api')")
    conn.execute("INSERT INTO feedback (created_at, question, answer, rating) VALUES (1, 'old', 'a', 1)")
    conn.commit()
    conn.close()
    store = FeedbackStore(tmp_path)
    store.add("new", "a", -1, question_id="q1")
    assert [(r.question, r.question_id) for r in store.recent()] == [("new", "q1"), ("old", None)]
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as check:
        assert check.execute("SELECT version FROM schema_versions WHERE component='feedback'").fetchone()[0] == 2


@pytest.mark.parametrize("channel", ["chat", "widget", "api"])
def test_channels_are_logged(fake_assistant: Assistant, tmp_path: Path, channel: str) -> None:
    live = _live(fake_assistant, tmp_path / "data")
    assert live.question_log.wait(live.ask("今年有哪些学校建成？", channel=channel).log_id)
    assert [r["channel"] for r in _rows(tmp_path / "data" / "questions.sqlite3")] == [channel]


def test_when_joining_a_clause_with_a_pronoun_is_no_when_question() -> None:
    """Twenty-second review 4b: "Will there be no more flooding when it rains this year?" was read as a question of
    when, and told "The plan does not set a date …"."""
    from bot.understand import understand

    assert understand("Will there be no more flooding when it rains this year?", 2024).kind == "whether"
    assert understand("When will the Line 11 extension open?", 2024).kind == "when"


def test_which_few_is_no_count_asked() -> None:
    """Twenty-second review 3b: "南开帮扶甘肃的是哪几个县？" asks which counties, not how many: it was answered "…为三县"
    as if the count named them."""
    from bot.understand import understand

    assert understand("南开帮扶甘肃的是哪几个县？", 2024).attribute != "count"
    assert understand("今年建成几所学校？", 2024).attribute == "count"
