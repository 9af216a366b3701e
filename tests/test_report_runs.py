"""Eval runs are kept (time, version, embedder); the report opens with a summary in Chinese and English, compares
the run with the previous one and with the floors, and lists each approved answer and whether it still validates
(a stale one says so)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.approved import Validator, audit
from bot.config import ROOT
from bot.evals.cases import load_cases
from bot.evals.history import RunHistory
from bot.evals.report import write_report
from bot.evals.run import evaluate
from bot.service import Assistant

from test_approved import EN_QUESTION, _draft


def test_runs_are_kept_and_compared(fake_assistant: Assistant, tmp_path: Path) -> None:
    settings = fake_assistant.settings.with_(data_dir=tmp_path / "data", evals_dir=tmp_path / "evals")
    (tmp_path / "evals").mkdir()
    shutil.copy(ROOT / "evals" / "floors.json", tmp_path / "evals" / "floors.json")
    cases = [c for c in load_cases(ROOT / "evals" / "questions.jsonl")][:12]
    live = Assistant(settings)
    live.index, live.search, live.extractive = fake_assistant.index, fake_assistant.search, fake_assistant.extractive
    record = live.approved.store.create(_draft(), Validator.from_index(live.index))
    runs = evaluate(settings, cases, assistant=live)
    result = {"cases": len(cases), "systems": {n: r.summary() for n, r in runs.items()}}
    write_report(tmp_path / "first.html", runs, result, settings)
    first = (tmp_path / "first.html").read_text(encoding="utf-8")
    assert "没有可比较的上次评估" in first and "There is no earlier run to compare with" in first
    assert f"本次评估共{len(cases)}个用例" in first and f"This run judged {len(cases)} cases" in first
    runs = evaluate(settings, cases[:8], assistant=live)
    result = {"cases": 8, "systems": {n: r.summary() for n, r in runs.items()}}
    write_report(tmp_path / "second.html", runs, result, settings)
    second = (tmp_path / "second.html").read_text(encoding="utf-8")
    kept = RunHistory.from_settings(settings).recent()
    assert [r.cases for r in kept] == [8, len(cases)] and kept[0].embedder == "fake" and kept[0].version
    assert "与上次（" in second and "Compared with the previous run (" in second
    floor = json.loads((ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))["assistant"]["fact_accuracy_zh"]
    assert 'id="comparison"' in second and f"≥ {100 * floor:.1f}%" in second  # the floors
    assert 'id="approved"' in second and EN_QUESTION in second and ">ok<" in second
    assert "all still validate" in second
    assert [a["verdict"] for a in audit(settings)] == ["ok"] and audit(settings)[0]["id"] == record.id


def test_a_stale_approved_answer_is_reported(tmp_path: Path, corpus_copy: Path, fake_assistant: Assistant) -> None:
    settings = fake_assistant.settings.with_(data_dir=tmp_path / "data", corpus_dir=corpus_copy)
    live = Assistant(settings)
    live.index, live.search, live.extractive = fake_assistant.index, fake_assistant.search, fake_assistant.extractive
    live.approved.store.create(_draft(), Validator.from_index(live.index))
    plan = corpus_copy / "nankai-2024-plan.txt"
    plan.write_text(plan.read_text(encoding="utf-8").replace("推动54个老旧小区", "推动56个老旧小区"), encoding="utf-8")
    verdicts = audit(settings)
    assert len(verdicts) == 1 and verdicts[0]["verdict"].startswith("stale: nankai-2024-plan/2.4.1.4")
    assert json.dumps(verdicts, ensure_ascii=False)
