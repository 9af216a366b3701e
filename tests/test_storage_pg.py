"""The stores on a real PostgreSQL server (Debian's postgresql package, started here on 127.0.0.1 in a temp folder):
schema created on start (and only once when replicas start together), 16 concurrent writers and kill -9 losing no
acknowledged row, and two `python app.py` replicas on one database seeing each other's log, feedback and approved
answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.approved import ApprovedStore, Validator
from bot.feedback import FeedbackStore
from bot.questions import QuestionLog
from bot.storage import Database
from bot.testing import in_threads, launch_app

from pg_server import fresh_database, postgres_server
from test_approved import EN_QUESTION, OLD_COMPOUNDS, _draft
from test_questions import _Answer, kill_writer_and_compare

PASSWORD = "pg-staff"


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_schema_is_created_once_by_concurrent_starts(pg: str, tmp_path: Path) -> None:
    url = fresh_database(pg)
    logs = [QuestionLog(Database(Database.open(tmp_path, "q", url).engine, "pg")) for _ in range(6)]
    in_threads(lambda k: logs[k].ready(), n=6)
    assert _query(url, "SELECT component, version FROM schema_versions") == [("questions", 2)]
    FeedbackStore(tmp_path, url).summary()
    assert sorted(_query(url, "SELECT component, version FROM schema_versions")) == [("feedback", 2), ("questions", 2)]


def test_feedback_log_and_approved_answers_on_postgres(pg: str, tmp_path: Path, fake_assistant: Any) -> None:
    url = fresh_database(pg)
    store = FeedbackStore(tmp_path, url)
    row = store.add("我叫张伟\x00电话13812345678", "答案", -1, "wrong", question_id="abc")
    assert store.recent()[0].id == row and store.recent()[0].question == "我叫[name]\ufffd电话[phone]"
    log = QuestionLog.from_settings(fake_assistant.settings.with_(database_url=url, data_dir=tmp_path))
    ids = [log.record(_Answer(), f"问题 {k}", "api", 5.0) for k in range(50)]
    assert all(log.wait(i) for i in ids) and log.rate(ids[0], 1, "好")
    assert _query(url, "SELECT COUNT(*), SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END) FROM questions") == [(50, 1)]
    assert not list(tmp_path.glob("*.sqlite3"))  # nothing went to SQLite
    approved = ApprovedStore(Database.open(tmp_path, "approved", url))
    validator = Validator.from_index(fake_assistant.index)
    record = approved.create(_draft(), validator)
    approved.update(record.id, _draft(note="v2"), validator)
    assert [h["version"] for h in approved.get(record.id).history] == [2, 1]
    log.close()


def test_16_concurrent_writers_lose_nothing_on_postgres(pg: str, tmp_path: Path) -> None:
    url = fresh_database(pg)
    log = QuestionLog(Database.open(tmp_path, "questions", url))
    feedback = FeedbackStore(tmp_path, url)
    acked: list[str] = []
    rows: list[int] = []
    lock = threading.Lock()

    def write(k: int) -> None:
        for i in range(30):
            qid = log.record(_Answer(), f"writer {k} question {i}", "api", 3.0)
            assert log.wait(qid, 30)
            fid = feedback.add(f"writer {k} question {i}", "a", 1, question_id=qid)
            with lock:
                acked.append(qid)
                rows.append(fid)

    in_threads(write, n=16)
    assert len(set(acked)) == 480 and len(set(rows)) == 480
    stored = {r[0] for r in _query(url, "SELECT id FROM questions")}
    assert set(acked) <= stored
    assert {r[0] for r in _query(url, "SELECT id FROM feedback")} == set(rows)
    log.close()


def test_writer_killed_with_sigkill_loses_no_acknowledged_row_on_postgres(pg: str, tmp_path: Path) -> None:
    url = fresh_database(pg)
    kill_writer_and_compare(tmp_path, lambda: [r[0] for r in _query(url, "SELECT id FROM questions")], url)
    assert not _query(url, "SELECT id FROM questions WHERE text LIKE '%13812345678%'")


@pytest.mark.integration
def test_two_replicas_share_one_database(pg: str, tmp_path: Path) -> None:
    url = fresh_database(pg)
    env = {"BOT_DATABASE_URL": url, "BOT_EMBEDDER": "fake", "BOT_STAFF_PASSWORD": PASSWORD,
           "BOT_RATE_LIMIT_PER_MINUTE": "100000"}
    auth = {"Authorization": f"Bearer {PASSWORD}"}
    with launch_app(tmp_path / "a", env) as a, launch_app(tmp_path / "b", env) as b:
        bases = [a.base, b.base]

        def send(k: int) -> list[str]:
            out = []
            with httpx.Client(base_url=bases[k % 2], timeout=120) as http:
                for i in range(10):
                    r = http.post("/api/ask", json={"question": f"今年有哪些学校建成？ 第{k}位 第{i}问"})
                    assert r.status_code == 200, r.text
                    out.append(r.json()["question_id"])
            return out

        with ThreadPoolExecutor(16) as pool:
            acked = [q for ids in pool.map(send, range(16)) for q in ids]
        assert len(set(acked)) == 160
        assert set(acked) <= {r[0] for r in _query(url, "SELECT id FROM questions")}  # acknowledged = stored
        # each replica's staff view sees the other's questions
        for base in bases:
            seen = httpx.get(f"{base}/api/staff/questions?limit=1000", headers=auth, timeout=30).json()
            assert seen["asked"] == 160 and seen["total"] == 160
        # feedback through B rates a question A answered
        first = httpx.post(f"{a.base}/api/ask", json={"question": EN_QUESTION}, timeout=30).json()
        assert first["mode"] != "approved"
        r = httpx.post(f"{b.base}/api/feedback", json={"question": EN_QUESTION, "answer": first["answer"],
                                                       "rating": -1, "comment": "不对",
                                                       "question_id": first["question_id"]}, timeout=30)
        assert r.status_code == 201
        assert _query(url, f"SELECT rating, comment FROM questions WHERE id = '{first['question_id']}'") == [(-1, "不对")]
        # an answer approved on A is served by B
        body = {"question": EN_QUESTION, "answer_en": "54 old residential compounds [1].", "answer_zh": None,
                "citations": [OLD_COMPOUNDS], "author": "王科员", "note": "replicas"}
        created = httpx.post(f"{a.base}/api/staff/answers", json=body, headers=auth, timeout=30)
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 30
        polls = 0
        while True:
            served = httpx.post(f"{b.base}/api/ask", json={"question": EN_QUESTION}, timeout=30).json()
            polls += 1
            if served["mode"] == "approved" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert served["mode"] == "approved" and served["approved"]["id"] == created.json()["id"]
        listed = httpx.get(f"{b.base}/api/staff/answers", headers=auth, timeout=30).json()["answers"]
        assert [x["id"] for x in listed] == [created.json()["id"]]
        stats = httpx.get(f"{b.base}/api/staff/stats", headers=auth, timeout=30).json()
        assert stats["asked"] == 160 + 1 + polls and stats["by_status"].get("approved", 0) >= 1  # every ask logged
    assert json.dumps(stats)
