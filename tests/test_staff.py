"""The staff view: password check, eval run with progress and filters, 👎 feedback, new eval cases written
atomically, the /api/staff routes, the Gradio tab (absent without a password) and, in a browser, the sign-in.

Every write goes to a tmp copy of evals/questions.jsonl (BOT_EVALS_DIR), never to the repository's evals/.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi.testclient import TestClient

import bot.evals.cases as cases_module
import bot.evals.run as run_module
from bot.config import ROOT, Settings
from bot.corpus import load_corpus
from bot.errors import CaseError
from bot.evals.cases import CaseChecker, add_case, append_case, build_case, load_cases, parse_facts, parse_ids
from bot.evals.run import EvalBusy, case_rows, filter_outcomes, metric_rows, run_eval
from bot.feedback import FeedbackStore
from bot.service import Assistant
from bot.testing import (CHROMIUM_ARGS, event_index, find_chromium, in_threads, launch_app, queue_event,
                         sharing_index)
from bot.web.api import create_api
from bot.web.http import RateLimiter
from bot.web.staff_api import check_password, disliked, quote_sentences

EVALS = ROOT / "evals" / "questions.jsonl"
PASSWORD = "s3cret-口令"
OLD_COMPOUNDS = "nankai-2024-plan/2.4.1.4"  # 推动54个老旧小区、258万平方米提升改造项目提速施工，惠及居民5万余户。
EN_QUESTION = "How many old residential compounds will be renovated?"


@pytest.fixture(autouse=True)
def _evals_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tmp copy of the eval set, also behind BOT_EVALS_DIR, so nothing here writes to evals/."""
    folder = tmp_path / "evals"
    folder.mkdir()
    shutil.copy(EVALS, folder / "questions.jsonl")
    monkeypatch.setenv("BOT_EVALS_DIR", str(folder))
    return folder / "questions.jsonl"


@pytest.fixture(scope="module")
def corpus() -> Any:
    return load_corpus(ROOT / "corpus")


@pytest.fixture(scope="module")
def checker(corpus: Any) -> CaseChecker:
    return CaseChecker(corpus, ROOT / "corpus")


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The assistant on the deterministic fake embedder (it answers EN_QUESTION, citing OLD_COMPOUNDS)."""
    folder = tmp_path_factory.mktemp("staff")
    return Assistant(Settings.from_env(embedder="fake", index_dir=folder / "index", data_dir=folder / "data",
                                       evals_dir=folder / "evals")).warm_up()


def _record(**changes: Any) -> dict[str, Any]:
    rec = build_case("How many old residential compounds will be renovated?", "figures", [["54"], ["2.58 million"]],
                     [OLD_COMPOUNDS], case_id="en-staff-test")
    rec.update(changes)
    return rec


def _listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# ---------------------------------------------------------------- password


def test_password_check() -> None:
    assert check_password(PASSWORD, PASSWORD)
    assert check_password("plain", "plain")
    for wrong in ("", None, "s3cret", PASSWORD + " ", PASSWORD.upper(), "x" * 1000):
        assert not check_password(PASSWORD, wrong), wrong
    assert not check_password("", "") and not check_password("", None) and not check_password("", "anything")


# ---------------------------------------------------------------- building and validating cases


def test_quote_sentences_are_the_cited_sentences(corpus: Any) -> None:
    para = corpus.paragraph("nankai-2024-plan/2.4.1")
    s4 = para.sentences[3]
    assert quote_sentences(corpus, [{"id": para.id, "quote": s4.text}]) == [s4.id]
    clause = s4.text[2:12]  # part of a sentence counts for that sentence
    assert quote_sentences(corpus, [{"id": para.id, "quote": clause}]) == [s4.id]
    run = para.sentences[2].text + s4.text  # a run of sentences gives each of them
    assert quote_sentences(corpus, [{"id": para.id, "quote": run}]) == [para.sentences[2].id, s4.id]
    assert quote_sentences(corpus, [{"id": "nope/1", "quote": "x"}, {"id": para.id, "quote": "不在这里"}]) == []


def test_build_case_detects_the_language_and_passes_validation(checker: CaseChecker) -> None:
    zh = build_case(" 今年改造多少个老旧小区？ ", "figures", parse_facts("54 | 五十四\n258万"), [OLD_COMPOUNDS],
                    existing_ids=["zh-staff-001"])
    assert zh == {"id": "zh-staff-002", "question": "今年改造多少个老旧小区？", "lang": "zh", "category": "figures",
                  "history": [], "gold": [OLD_COMPOUNDS], "facts": [["54", "五十四"], ["258万"]], "abstain": False}
    assert checker.check(zh).lang == "zh"
    en = checker.check(_record())  # "2.58 million" is only in the English rendering
    assert en.lang == "en" and en.facts == [["54"], ["2.58 million"]]
    off = build_case("What will the weather be tomorrow?", "offtopic", [["x"]], ["nope"], abstain=True)
    assert off["gold"] == [] and off["facts"] == [] and checker.check(off).abstain


def test_parse_helpers() -> None:
    assert parse_facts(" 54 | 五十四 |\n\n | \n258万 ") == [["54", "五十四"], ["258万"]]
    assert parse_ids("a/1.2, b/3.4，c/5\n d/6") == ["a/1.2", "b/3.4", "c/5", "d/6"]


@pytest.mark.parametrize("changes,message", [
    ({"category": "weather"}, "unknown category 'weather'"),
    ({"question": "  "}, "empty question"),
    ({"lang": "fr"}, "lang must be zh or en"),
    ({"gold": []}, "needs gold sentence IDs and facts"),
    ({"facts": []}, "needs gold sentence IDs and facts"),
    ({"gold": ["nankai-2024-plan/9.9.9"]}, "gold sentence IDs not in the corpus: nankai-2024-plan/9.9.9"),
    ({"facts": [["54"], ["99 schools", "九十九"]]}, "fact '99 schools | 九十九' occurs in none of the gold sentences"),
    ({"facts": [["54", " "]]}, "a fact or one of its variants is empty"),
    ({"history": [{"role": "robot", "content": "x"}]}, "history turns need a role"),
])
def test_invalid_cases_are_refused_with_the_reason(checker: CaseChecker, changes: dict, message: str) -> None:
    with pytest.raises(CaseError, match=message.replace("|", r"\|").replace("(", r"\(").replace(".", r"\.")):
        checker.check(_record(**changes))


def test_add_case_appends_a_valid_case_with_a_fresh_id(_evals_copy: Path, checker: CaseChecker) -> None:
    before = _evals_copy.read_bytes()
    first = add_case(_evals_copy, checker, EN_QUESTION, "figures", [["54"]], [OLD_COMPOUNDS])
    second = add_case(_evals_copy, checker, "今年改造多少个老旧小区？", "colloquial", [["54"]], [OLD_COMPOUNDS])
    assert (first.id, second.id) == ("en-staff-001", "zh-staff-001")
    after = _evals_copy.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 2
    cases = load_cases(_evals_copy)
    assert cases[-2:] == [first, second] and len({c.id for c in cases}) == len(cases)
    with pytest.raises(CaseError, match="already exists"):
        add_case(_evals_copy, checker, EN_QUESTION, "figures", [["54"]], [OLD_COMPOUNDS], case_id=first.id)
    with pytest.raises(CaseError, match="occurs in none"):
        add_case(_evals_copy, checker, EN_QUESTION, "figures", [["55"]], [OLD_COMPOUNDS])
    assert len(load_cases(_evals_copy)) == len(cases)


def test_case_from_a_feedback_item(fake: Assistant, checker: CaseChecker, corpus: Any, _evals_copy: Path,
                                   tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    store.add("Which schools open this year?", "…", 1, source="ui")
    row = store.add(EN_QUESTION, "Sorry, the plan does not cover this.", -1, "it does!", source="ui")
    items = disliked(store)
    assert [(r.id, r.rating, r.comment) for r in items] == [(row, -1, "it does!")]
    answer = fake.ask(items[0].question)  # the question asked again gives the citations to choose from
    candidates = quote_sentences(corpus, [c.as_dict() for c in answer.citations])
    assert OLD_COMPOUNDS in candidates
    case = add_case(_evals_copy, checker, items[0].question, "figures", parse_facts("54\n2.58 million | 258万"),
                    [OLD_COMPOUNDS])
    stored = json.loads(_evals_copy.read_text(encoding="utf-8").splitlines()[-1])
    assert stored == {"id": "en-staff-001", "question": EN_QUESTION, "lang": "en", "category": "figures", "history": [],
                      "gold": [OLD_COMPOUNDS], "facts": [["54"], ["2.58 million", "258万"]], "abstain": False}
    assert load_cases(_evals_copy)[-1] == case
    outcomes = run_eval(fake, _one_case_set(_evals_copy, case.id))  # and the assistant passes it
    assert [o.case.id for o in outcomes] == [case.id] and outcomes[0].passed, outcomes[0].reason


def _one_case_set(path: Path, case_id: str) -> Path:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if f'"id": "{case_id}"' in line]
    target = path.with_name("one.jsonl")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# ---------------------------------------------------------------- atomic, locked writes


class _HalfWriter:
    """A file that writes half of what it is given, then fails like a full disk."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __enter__(self) -> "_HalfWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()

    def write(self, data: bytes) -> int:
        self.real.write(data[: len(data) // 2])
        self.real.flush()
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("failure", ["write", "fsync", "chmod", "replace", "interrupt"])
def test_a_write_that_fails_midway_leaves_the_eval_set_as_it_was(_evals_copy: Path, failure: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _evals_copy.parent
    append_case(_evals_copy, _record(id="en-staff-warmup"))  # the lock file now exists; it is meant to stay
    before, listing, mode = _evals_copy.read_bytes(), _listing(folder), _evals_copy.stat().st_mode
    temps: list[str] = []
    real_mkstemp = cases_module.tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)
        temps.append(name)
        return fd, name

    def boom(*args: Any, **kwargs: Any) -> None:
        assert temps and Path(temps[-1]).stat().st_size > 0  # failing after part of the new file was written
        raise KeyboardInterrupt if failure == "interrupt" else OSError(5, "Input/output error")

    monkeypatch.setattr(cases_module.tempfile, "mkstemp", mkstemp)
    if failure == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(cases_module.os, "fdopen", lambda fd, mode: _HalfWriter(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(cases_module.os, {"fsync": "fsync", "chmod": "chmod", "replace": "replace",
                                       "interrupt": "replace"}[failure], boom)
    with pytest.raises((OSError, KeyboardInterrupt)):
        append_case(_evals_copy, _record())
    monkeypatch.undo()
    assert _evals_copy.read_bytes() == before  # byte for byte
    assert _evals_copy.stat().st_mode == mode
    assert _listing(folder) == listing and temps and not Path(temps[0]).exists()  # no temp file left behind
    append_case(_evals_copy, _record())  # and the next write works
    assert load_cases(_evals_copy)[-1].id == "en-staff-test"


def test_a_refused_case_changes_nothing(_evals_copy: Path) -> None:
    before, listing = _evals_copy.read_bytes(), _listing(_evals_copy.parent)
    for bad in (_record(category="weather"), _record(id="zh-fig-001")):  # schema; an id already in the set
        with pytest.raises(CaseError):
            append_case(_evals_copy, bad)
    assert _evals_copy.read_bytes() == before
    assert _listing(_evals_copy.parent) - listing <= {".questions.jsonl.lock"}


def test_append_keeps_the_file_mode_and_adds_a_missing_newline(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(EVALS.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")  # no final newline
    path.chmod(0o640)
    append_case(path, _record())
    assert path.stat().st_mode & 0o777 == 0o640
    assert [c.id for c in load_cases(path)] == ["zh-fig-001", "en-staff-test"]
    assert path.read_text(encoding="utf-8").endswith("}\n")
    fresh = tmp_path / "new.jsonl"  # a set that does not exist yet
    append_case(fresh, _record())
    assert fresh.stat().st_mode & 0o777 == 0o644 and len(load_cases(fresh)) == 1


def test_concurrent_appends_from_threads_lose_nothing(_evals_copy: Path) -> None:
    before = _evals_copy.read_bytes()

    def write(k: int) -> None:
        for i in range(6):
            append_case(_evals_copy, _record(id=f"en-staff-t{k}-{i}"))

    in_threads(write)
    after = _evals_copy.read_bytes()
    assert after.startswith(before)
    ids = [c.id for c in load_cases(_evals_copy)]
    assert sorted(ids[-48:]) == sorted(f"en-staff-t{k}-{i}" for k in range(8) for i in range(6))
    assert len(ids) == len(set(ids))


def _append_in_process(path: str, k: int) -> None:
    for i in range(5):
        append_case(Path(path), _record(id=f"en-staff-p{k}-{i}"))


def test_concurrent_appends_from_processes_lose_nothing(_evals_copy: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_in_process, args=(str(_evals_copy), k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    ids = [c.id for c in load_cases(_evals_copy)]
    assert sorted(ids[-20:]) == sorted(f"en-staff-p{k}-{i}" for k in range(4) for i in range(5))


# ---------------------------------------------------------------- running the eval


def _small_set(folder: Path) -> Path:
    """Six cases of the real set: three English answerable ones, an off-topic one per language, and a Chinese one."""
    lines = EVALS.read_text(encoding="utf-8").splitlines()
    picked = [line for line in lines if json.loads(line)["id"] in
              {"en-fig-001", "en-fig-002", "en-plc-001", "en-off-001", "zh-off-001", "zh-fig-001"}]
    path = folder / "small.jsonl"
    path.write_text("\n".join(picked) + "\n", encoding="utf-8")
    return path


def test_run_eval_reports_progress_and_filters(fake: Assistant, tmp_path: Path) -> None:
    path = _small_set(tmp_path)
    seen: list[tuple[int, int]] = []
    outcomes = run_eval(fake, path, lambda done, total: seen.append((done, total)))
    assert len(outcomes) == 6 and seen[0] == (0, 6) and seen[-1] == (6, 6) and len(seen) == 7
    assert {o.case.lang for o in filter_outcomes(outcomes, lang="en")} == {"en"}
    assert {o.case.category for o in filter_outcomes(outcomes, category="offtopic")} == {"offtopic"}
    failures = filter_outcomes(outcomes, failures_only=True)
    assert all(not o.passed for o in failures) and len(failures) == sum(not o.passed for o in outcomes)
    assert filter_outcomes(outcomes, "zh", "offtopic") == [o for o in outcomes if o.case.id == "zh-off-001"]
    rows = metric_rows(outcomes)
    assert rows[0][:2] == ["all", 6] and [r[0] for r in rows[1:3]] == ["lang: en", "lang: zh"]
    assert len(rows[0]) == len(run_module.METRIC_HEADERS) and any(r[0] == "category: offtopic" for r in rows)
    table = case_rows(outcomes)
    assert len(table) == 6 and len(table[0]) == len(run_module.CASE_HEADERS)
    assert [r[3] for r in table] == sorted((r[3] for r in table), key=lambda v: v == "pass")  # failures first
    assert metric_rows([]) == []


def test_only_one_eval_runs_at_a_time(fake: Assistant, tmp_path: Path) -> None:
    path = _small_set(tmp_path)
    started, release = threading.Event(), threading.Event()

    def slow(done: int, total: int) -> None:
        started.set()
        release.wait(10)

    worker = threading.Thread(target=run_eval, args=(fake, path, slow))
    worker.start()
    assert started.wait(10)
    with pytest.raises(EvalBusy, match="already running"):
        run_eval(fake, path)
    release.set()
    worker.join(30)
    assert len(run_eval(fake, path)) == 6  # the lock is free again


# ---------------------------------------------------------------- /api/staff


def _api(fake: Assistant, evals: Path, password: str = PASSWORD) -> TestClient:
    settings = fake.settings.with_(staff_password=password, evals_dir=evals.parent)
    live = sharing_index(fake, settings)  # reuse the loaded index
    return TestClient(create_api(live, FeedbackStore(settings.data_dir), RateLimiter(1000)),
                      raise_server_exceptions=False)


def _error(r: Any, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and "Traceback" not in r.text
    return str(body["error"]["message"])


def test_staff_routes_refuse_anyone_without_the_password(fake: Assistant, _evals_copy: Path) -> None:
    client = _api(fake, _evals_copy)
    before = _evals_copy.read_bytes()
    body = {"question": EN_QUESTION, "category": "figures", "facts": [["54"]], "gold": [OLD_COMPOUNDS]}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": PASSWORD.encode()},
                    {"Authorization": f"Basic {PASSWORD}".encode()}, {"Authorization": "Bearer "},
                    {"Authorization": f"Bearer {PASSWORD[:-1]}".encode()}):
        for method, url, kwargs in (("GET", "/api/staff/feedback", {}), ("POST", "/api/staff/cases", {"json": body}),
                                    ("POST", "/api/staff/eval", {})):
            r = client.request(method, url, headers=headers, **kwargs)
            assert "BOT_STAFF_PASSWORD" in _error(r, 401, "unauthorized") and r.headers["www-authenticate"] == "Bearer"
    for bad_body in (b"{not json", b"{}", b"\xff"):  # the password is checked before the body is read
        r = client.post("/api/staff/cases", content=bad_body, headers={"content-type": "application/json"})
        _error(r, 401, "unauthorized")
    assert _evals_copy.read_bytes() == before
    schema = client.get("/openapi.json").json()  # documented, each route marked as needing the password
    staff = {path: ops for path, ops in schema["paths"].items() if path.startswith("/api/staff")}
    assert {"/api/staff/questions", "/api/staff/stats", "/api/staff/answers", "/api/staff/answers/{answer_id}",
            "/api/staff/cases", "/api/staff/feedback", "/api/staff/eval"} <= set(staff)
    assert all(op["security"] == [{"staffPassword": []}] for ops in staff.values() for op in ops.values())
    assert schema["components"]["securitySchemes"]["staffPassword"]["scheme"] == "bearer"
    assert "question" in json.dumps(staff["/api/staff/answers"]["post"]["requestBody"])


def test_staff_routes_do_not_exist_without_a_configured_password(fake: Assistant, _evals_copy: Path) -> None:
    client = _api(fake, _evals_copy, password="")
    assert "/api/staff" not in json.dumps(client.get("/openapi.json").json())
    for auth in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        _error(client.get("/api/staff/feedback", headers=auth), 404, "not_found")
        _error(client.post("/api/staff/cases", json={}, headers=auth), 404, "not_found")


def test_staff_routes_with_the_password(fake: Assistant, _evals_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _api(fake, _evals_copy)
    auth = {"Authorization": f"Bearer {PASSWORD}".encode()}  # a non-ASCII password travels as UTF-8
    FeedbackStore(fake.settings.data_dir).add(EN_QUESTION, "no", -1, "wrong", source="api")
    items = client.get("/api/staff/feedback", headers=auth).json()["feedback"]
    assert items and all(i["rating"] == -1 for i in items) and items[0]["question"] == EN_QUESTION
    body = {"question": EN_QUESTION, "category": "figures", "facts": [["54"]], "gold": [OLD_COMPOUNDS]}
    r = client.post("/api/staff/cases", json=body, headers=auth)
    assert r.status_code == 201 and r.json()["case"]["id"] == "en-staff-001"
    assert load_cases(_evals_copy)[-1].id == "en-staff-001"
    bad = client.post("/api/staff/cases", json={**body, "gold": ["nankai-2024-plan/9.9.9"]}, headers=auth)
    assert "not in the corpus" in _error(bad, 400, "bad_case")
    assert "facts" in _error(client.post("/api/staff/cases", json={**body, "facts": "54"}, headers=auth), 400,
                             "bad_request")
    _error(client.post("/api/staff/cases", content=b"{not json", headers=auth), 400, "bad_request")
    small = _small_set(_evals_copy.parent)
    monkeypatch.setattr(cases_module, "EVAL_SET", small.name)
    result = client.post("/api/staff/eval", headers=auth).json()
    assert result["metrics"]["cases"] == 6 and set(result["metrics"]["by_language"]) == {"en", "zh"}
    assert all(not f["passed"] for f in result["failures"])


# ---------------------------------------------------------------- the Gradio tab


def _labels(demo: gr.Blocks) -> list[str]:
    out = []
    for comp in demo.config["components"]:
        props = comp.get("props", {})
        out += [str(props.get(k)) for k in ("label", "value", "placeholder") if props.get(k) is not None]
    return out


def test_no_staff_ui_without_a_password(fake: Assistant) -> None:
    from bot.web.chat import build_ui

    demo = build_ui(Assistant(fake.settings.with_(staff_password="")))
    words = ("Evaluation", "评估", "Staff", "工作人员", "password", "密码")
    assert not [label for label in _labels(demo) if any(w in label for w in words)]
    assert not any(c.get("props", {}).get("elem_id", "") and "staff" in str(c["props"]["elem_id"])
                   for c in demo.config["components"])


def test_staff_tab_is_hidden_until_sign_in(fake: Assistant) -> None:
    from bot.web.chat import build_ui
    from bot.web.staff_ui import STAFF_TAB

    demo = build_ui(Assistant(fake.settings.with_(staff_password=PASSWORD)))
    tabs = [c["props"] for c in demo.config["components"] if c["props"].get("label") == STAFF_TAB]
    assert len(tabs) == 1 and tabs[0]["visible"] is False
    assert any("Staff password" in label for label in _labels(demo))
    assert PASSWORD not in json.dumps(demo.config, ensure_ascii=False, default=str)
    staff_fns = [f for f in demo.fns.values() if getattr(f.fn, "__self__", None).__class__.__name__ == "StaffView"]
    assert staff_fns and all(f.api_visibility == "private" for f in staff_fns)


def test_staff_handlers_refuse_a_session_that_has_not_signed_in(fake: Assistant, _evals_copy: Path) -> None:
    from bot.web.staff_ui import StaffView

    live = Assistant(fake.settings.with_(staff_password=PASSWORD, evals_dir=_evals_copy.parent))
    with gr.Blocks():
        with gr.Tabs():
            view = StaffView(live, FeedbackStore(fake.settings.data_dir), load_corpus(ROOT / "corpus"))
        view.sign_in_box(gr.State({}), None)
    before = _evals_copy.read_bytes()
    for call in (lambda ok: view.run_eval(ok, "all", "all", False),
                 lambda ok: view.filter(ok, [], "all", "all", False),
                 lambda ok: view.lists(ok, {}),
                 lambda ok: view.pick(ok, "chat:1", {}),
                 lambda ok: view.add_case(ok, EN_QUESTION, "figures", False, [OLD_COMPOUNDS], "", "54", [])):
        for ok in (False, None, "yes", 1):
            with pytest.raises(gr.Error):
                call(ok)
    assert _evals_copy.read_bytes() == before
    # signed in: a chat answer becomes a case
    recs = {2: {"question": EN_QUESTION, "answer": "…", "history": [],
                "citations": [{"id": "nankai-2024-plan/2.4.1", "quote": "推动54个老旧小区"}]}}
    question, gold, history, _ = view.pick(True, "chat:2", recs)
    assert question == EN_QUESTION and [v for _, v in gold["choices"]] == [OLD_COMPOUNDS] and history == []
    assert "en-staff-001" in view.add_case(True, question, "figures", False, [OLD_COMPOUNDS], "", "54", history)
    # each problem named, in both languages; the same case twice is refused
    again = view.add_case(True, question + " ", "figures", False, [OLD_COMPOUNDS], "", "54", history)
    assert "已有相同的用例" in again and "already has this case: `en-staff-001`" in again
    other = "How many old compounds are being renovated in Nankai?"
    assert "要点不在任何出处句子中" in (m := view.add_case(True, other, "figures", False, [OLD_COMPOUNDS], "", "77", []))
    assert "occurs in none" in m
    assert "出处句子ID不在计划中" in view.add_case(True, other, "figures", False, [], "x/1.1", "54", [])
    assert "请填写问题" in view.add_case(True, " ", "figures", False, [OLD_COMPOUNDS], "", "54", [])
    assert "must abstain has no gold" in view.add_case(True, other, "offtopic", True, [OLD_COMPOUNDS], "", "", [])
    assert load_cases(_evals_copy)[-1].id == "en-staff-001"
    # the form's button clears the form after a case is added, and keeps it when one is refused
    cleared = view.add_and_clear(True, other, "figures", False, [OLD_COMPOUNDS], "", "54", [{"role": "user",
                                                                                            "content": "x"}], False)
    assert "en-staff-002" in cleared[0] and cleared[1:8] == ("", {"choices": [], "value": [], "__type__": "update"},
                                                              "", "", [], "", "")
    assert load_cases(_evals_copy)[-1].history == []  # "keep the conversation" unticked
    kept = view.add_and_clear(True, other, "figures", False, [OLD_COMPOUNDS], "", "54", [], True)
    assert "已有相同的用例" in kept[0] and all(v == {"__type__": "update"} for v in kept[1:7])
    # the set's cases listed with who added them and when, edited, deleted
    view.add_and_clear(True, "Which old compounds are renovated in 2024?", "figures", False, [OLD_COMPOUNDS], "", "54",
                       [], True, "王科员")
    from bot.web.staff_eval import list_cases

    mine = [c for c in list_cases(_evals_copy) if c["author"] == "王科员"]
    assert [c["id"] for c in mine] == ["en-staff-003"] and mine[0]["at"].startswith("20")
    form = view.start_edit(True, "en-staff-003")
    assert form[0] == "Which old compounds are renovated in 2024?" and form[5] == "en-staff-003"
    saved = view.add_and_clear(True, "Which old compounds are renovated this year?", "figures", False, [OLD_COMPOUNDS],
                               "", "54 | 五十四", [], True, "李科长", "en-staff-003")
    assert "Saved `en-staff-003`" in saved[0] and saved[7] == ""  # no longer editing
    edited = next(c for c in list_cases(_evals_copy) if c["id"] == "en-staff-003")
    assert edited["question"].endswith("this year?") and edited["author"] == "李科长" and edited["facts"] == [["54", "五十四"]]
    bad = view.add_and_clear(True, "Which old compounds?", "figures", False, [OLD_COMPOUNDS], "", "99", [], True, "x",
                             "en-staff-003")
    assert "要点不在任何出处句子中" in bad[0] and bad[7] == "en-staff-003"  # still editing, nothing written
    assert "Deleted `en-staff-003`" in view.remove_case(True, "en-staff-003")[0]
    assert "en-staff-003" not in [c.id for c in load_cases(_evals_copy)]
    with pytest.raises(gr.Error):
        view.remove_case(False, "en-staff-002")
    view.path = _evals_copy.parent / "missing" / "questions.jsonl"
    assert "Could not write" in view.add_case(True, question, "figures", False, [OLD_COMPOUNDS], "", "54", history)


def _queue(client: TestClient, demo: gr.Blocks, fn_name: str, data: list[Any], session: str) -> dict[str, Any]:
    """One event through Gradio's own queue protocol, as a browser (or anyone else) would send it."""
    return queue_event(client, event_index(demo, fn_name), data, session, event_data=None, trigger_id=None)


def test_staff_events_refuse_a_forged_session(fake: Assistant, _evals_copy: Path) -> None:
    """The hidden tab's events are in the page config: calling one directly, even claiming to be signed in,
    is refused (the sign-in is server-side session state); after a real sign-in the same call works."""
    from bot.web.chat import build_ui

    settings = fake.settings.with_(staff_password=PASSWORD, evals_dir=_evals_copy.parent)
    live = sharing_index(fake, settings)
    demo = build_ui(live, FeedbackStore(settings.data_dir), RateLimiter(1000))
    before = _evals_copy.read_bytes()
    add = [True, EN_QUESTION, "figures", False, [], OLD_COMPOUNDS, "54", [], True, "", ""]  # True: the sign-in state
    with TestClient(gr.mount_gradio_app(create_api(live), demo, path="/")) as client:
        refused = _queue(client, demo, "add_and_clear", add, "forger")
        assert refused["success"] is False and "Sign in" in refused["output"]["error"]
        assert _queue(client, demo, "run_eval", [True, "all", "all", False], "forger")["success"] is False
        assert "Wrong password" in _queue(client, demo, "do_sign_in", ["wrong", {}], "forger")["output"]["data"][2]
        assert _queue(client, demo, "add_and_clear", add, "forger")["success"] is False
        assert _evals_copy.read_bytes() == before
        assert "Signed in" in _queue(client, demo, "do_sign_in", [PASSWORD, {}], "staff")["output"]["data"][2]
        added = _queue(client, demo, "add_and_clear", add, "staff")
        assert added["success"] is True and "en-staff-001" in added["output"]["data"][0]
        assert _queue(client, demo, "add_and_clear", add, "forger")["success"] is False  # still another session
    assert load_cases(_evals_copy)[-1].id == "en-staff-001"


# ---------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python app.py` with BOT_STAFF_PASSWORD set and a tmp copy of the eval set (the pattern of test_browser)."""
    folder = tmp_path_factory.mktemp("staff-app")
    (folder / "evals").mkdir()  # 20 Chinese and 20 English cases keep the eval run in the browser short
    lines = EVALS.read_text(encoding="utf-8").splitlines(keepends=True)
    picked = [line for line in lines if '"lang": "zh"' in line][:20]
    picked += [line for line in lines if '"lang": "en"' in line][:20]
    (folder / "evals" / "questions.jsonl").write_text("".join(picked), encoding="utf-8")
    extra = {"BOT_EVALS_DIR": str(folder / "evals"), "BOT_STAFF_PASSWORD": PASSWORD, "BOT_RATE_LIMIT_PER_MINUTE": "600"}
    with launch_app(folder, extra, drop=("BOT_ALLOWED_ORIGINS",)) as app:
        yield app.base, folder / "evals" / "questions.jsonl"


@pytest.mark.browser
@pytest.mark.integration
def test_browser_staff_sign_in_shows_the_evaluation_tab(staff_app: tuple[str, Path]) -> None:
    chromium = find_chromium()
    from playwright.sync_api import expect, sync_playwright

    from bot.web.staff_ui import STAFF_TAB

    base, evals = staff_app
    before = evals.read_bytes()
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(30_000)
        page = ctx.new_page()
        page.goto(base + "/")
        expect(page.get_by_label("Your question")).to_be_visible()
        tab = page.get_by_role("tab", name=STAFF_TAB)
        expect(tab).to_have_count(0)  # not before sign-in
        page.get_by_role("link", name="工作人员 · Staff").click()  # a discreet link, not a box under the footer
        password = page.get_by_label("工作人员密码 · Staff password")
        password.fill("wrong")
        page.get_by_role("button", name="登录 · Sign in").click()
        expect(page.locator("#staff-signin-error")).to_contain_text("Wrong password")
        assert evals.read_bytes() == before

        page.get_by_label("工作人员密码 · Staff password").fill(PASSWORD)
        page.get_by_role("button", name="登录 · Sign in").click()
        expect(page.locator("#staff-message")).to_contain_text("Signed in")
        expect(tab).to_be_visible()

        # an answer in this session's chat becomes an eval case
        page.get_by_role("tab", name="Ask").click()
        box = page.get_by_label("Your question")
        box.fill(EN_QUESTION)
        box.press("Enter")
        expect(page.locator("#chat .message-row.bot-row .cite-card").first).to_be_visible()
        tab.click()
        page.get_by_role("button", name="运行评估 · Run the evaluation").click()
        expect(page.get_by_text("Evaluating").first).to_be_visible()  # the progress bar
        expect(page.locator("#staff-status")).to_contain_text("/ 40 通过 · passed", timeout=180_000)
        cases, table = page.locator("#staff-cases"), page.locator("#staff-metrics")
        expect(cases).to_contain_text(re.compile(r"zh-[a-z]{3}-0\d\d"))  # the table shows the rows in view
        expect(table).to_contain_text("lang: zh")
        page.locator("#staff-lang input").click()
        page.get_by_role("option", name="English · en").click()
        expect(cases).not_to_contain_text(re.compile(r"zh-[a-z]{3}-0\d\d"))
        expect(cases).to_contain_text(re.compile(r"en-[a-z]{3}-0\d\d"))
        expect(table).not_to_contain_text("lang: zh")
        page.locator("#staff-source input").click()
        page.get_by_role("option", name=f"💬 {EN_QUESTION}").click()
        expect(page.locator("#staff-question textarea")).to_have_value(EN_QUESTION)
        page.locator("#staff-gold").get_by_label(OLD_COMPOUNDS, exact=False).check()
        page.locator("#staff-facts textarea").fill("54\n2.58 million | 258万")
        page.get_by_role("button", name="写入评估集 · Add to the eval set").click()
        expect(page.locator("#staff-added")).to_contain_text("en-staff-001")
        last = json.loads(evals.read_text(encoding="utf-8").splitlines()[-1])
        assert last["id"] == "en-staff-001" and last["gold"] == [OLD_COMPOUNDS] and last["lang"] == "en"
        assert evals.read_bytes().startswith(before)

        # signing out hides the tab again; another browser session never saw it
        page.get_by_role("button", name="退出 · Sign out").click()
        expect(tab).to_have_count(0)
        other = ctx.browser.new_context(locale="zh-CN").new_page()  # type: ignore[union-attr]
        other.goto(base + "/")
        expect(other.get_by_label("您的问题")).to_be_visible()
        expect(other.get_by_role("tab", name=STAFF_TAB)).to_have_count(0)
        browser.close()


def test_eval_case_routes_list_edit_delete(fake: Assistant, _evals_copy: Path) -> None:
    client = _api(fake, _evals_copy)
    auth = {"Authorization": f"Bearer {PASSWORD}".encode()}
    body = {"question": EN_QUESTION, "category": "figures", "facts": [["54"]], "gold": [OLD_COMPOUNDS]}
    assert client.post("/api/staff/cases", json=body, headers=auth).status_code == 201
    listed = client.get("/api/staff/cases", headers=auth).json()["cases"]
    assert listed[-1]["id"] == "en-staff-001" and len(listed) == len(load_cases(_evals_copy))
    r = client.put("/api/staff/cases/en-staff-001?author=王科员", json={**body, "facts": [["54"], ["2.58 million"]]},
                   headers=auth)
    assert r.status_code == 200 and r.json()["case"]["facts"] == [["54"], ["2.58 million"]]
    assert client.get("/api/staff/cases", headers=auth).json()["cases"][-1]["author"] == "王科员"
    assert client.put("/api/staff/cases/en-staff-001", json={**body, "facts": [["77"]]}, headers=auth).status_code == 400
    assert client.put("/api/staff/cases/nope", json=body, headers=auth).status_code == 404
    assert client.delete("/api/staff/cases/en-staff-001", headers=auth).json() == {"ok": True, "deleted": "en-staff-001"}
    assert client.delete("/api/staff/cases/en-staff-001", headers=auth).status_code == 404
    assert client.get("/api/staff/cases").status_code == 401
