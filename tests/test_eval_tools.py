"""Baselines, the HTML report and the regression gate, on a handful of real cases."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.config import ROOT
from bot.evals.baselines import make_baselines
from bot.evals.cases import Case, load_cases
from bot.evals.gate import check_floors
from bot.evals.judge import judge
from bot.evals.report import write_report
from bot.evals.run import AssistantSystem, Run, run_system, sentence_lookup

PICK = ["zh-fig-001", "zh-fig-006", "en-fig-001", "en-pol-001", "zh-off-001", "en-fup-001"]
XSS = "<img src=x onerror=alert(1)>"
CITATION_KEYS = {"n", "id", "label", "text", "quote", "url"}


def _xss_outcome(gold_text: Any) -> Any:
    case = Case(id="zz-xss-001", question=XSS, lang="en", category="injection", history=[],
                gold=["nankai-2024-plan/2.4.1.4"], facts=[["54"]], abstain=False)
    answer = {"question": XSS, "language": "en", "answer": "<script>alert(2)</script>", "abstained": False,
              "mode": "extractive", "citations": [{"n": 1, "id": "x", "label": "<b>label</b>", "text": "t",
                                                   "quote": "<i>q</i>", "url": "https://evil.example/x"}]}
    return judge(case, answer, gold_text, 1.0)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    by_id = {c.id: c for c in load_cases(ROOT / "evals" / "questions.jsonl")}
    return [by_id[i] for i in PICK]


@pytest.fixture(scope="module")
def runs(assistant: Any, cases: list[Case]) -> dict[str, Run]:
    gold_text = sentence_lookup(assistant.settings)
    out = {"assistant": run_system(AssistantSystem(assistant), cases, gold_text)}  # the session's assistant
    out["assistant"].outcomes.append(_xss_outcome(gold_text))
    for system in make_baselines(assistant.settings, assistant):
        out[system.name] = run_system(system, cases, gold_text)
    return out


@pytest.mark.slow
def test_baselines_answer_like_the_assistant(runs: dict[str, Run], assistant: Any) -> None:
    assert list(runs) == ["assistant", "langchain_recipe", "bm25_only", "dense_only"]
    paragraphs = assistant.index.paragraphs
    for name in ("langchain_recipe", "bm25_only", "dense_only"):
        run = runs[name]
        for o in run.outcomes:
            a = o.answer
            assert a["question"] == o.case.question and a["language"] == o.case.lang
            assert a["abstained"] is False and a["mode"] == "baseline"
            assert isinstance(a["answer"], str) and a["answer"]
            assert 1 <= len(a["citations"]) <= 4
            for n, cite in enumerate(a["citations"], 1):
                assert CITATION_KEYS <= set(cite) and cite["n"] == n
                assert cite["id"] in paragraphs  # a paragraph ID, as the judge expects
                assert cite["quote"] and cite["url"] == f"/plan#{cite['id']}"
        summary = run.summary()
        assert 0.0 <= summary["citation_hit_at_1"] <= 1.0 and summary["by_language"] and summary["by_category"]
        # the easy figure question is found by every baseline
        first = next(o for o in run.outcomes if o.case.id == "zh-fig-001")
        assert first.hit_rank is not None, name
    for o in runs["langchain_recipe"].outcomes:  # the top chunk, in Chinese, is the answer
        assert o.answer["answer"] == o.answer["citations"][0]["quote"]
        assert len(o.answer["answer"]) <= 500
    for name in ("bm25_only", "dense_only"):  # English questions get the English rendering
        english = next(o for o in runs[name].outcomes if o.case.id == "en-fig-001")
        assert english.answer["answer"] == english.answer["citations"][0]["quote_en"]


class _Attrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action", "data")]


@pytest.mark.slow
def test_report_is_self_contained_and_lists_failures_first(runs: dict[str, Run], tmp_path: Path) -> None:
    result = {"cases": len(runs["assistant"].outcomes), "systems": {n: r.summary() for n, r in runs.items()}}
    path = tmp_path / "out" / "report.html"
    write_report(path, runs, result)
    html = path.read_text(encoding="utf-8")
    for heading in ("Overall", "By language", "By category", "Every case"):
        assert heading in html
    assert html.count("<table") >= 3 and "<svg" in html and "<rect" in html
    for name in runs:
        assert name in html
    assert "PingFang SC" in html and "Microsoft YaHei" in html and "Noto Sans CJK SC" in html
    # every assistant case, failures first
    kinds = re.findall(r'<details class="(fail|pass)">', html)
    assert len(kinds) == len(runs["assistant"].outcomes)
    assert "pass" in kinds and "fail" in kinds
    assert kinds == sorted(kinds)  # "fail" < "pass"
    assert "missing fact: 54" in html
    # escaped text, nothing fetched from elsewhere
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and XSS not in html
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    parser = _Attrs()
    parser.feed(html)
    assert not [u for u in parser.urls if u.startswith(("http:", "https:", "//"))]
    assert not [u for u in parser.urls if u and not u.startswith(("#", "data:"))]
    assert not [t for t, _ in parser.tags if t in ("script", "link", "img", "iframe", "object", "embed")]
    assert "@import" not in html and "@font-face" not in html and "url(" not in html


def _floors(tmp_path: Path, value: float) -> Path:
    keys = ["fact_accuracy_zh", "fact_accuracy_en", "citation_hit_at_1", "citation_hit_at_3", "mrr",
            "abstention_precision", "abstention_recall", "pass_rate"]
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"_doc": "test", "assistant": {k: value for k in keys}}), encoding="utf-8")
    return path


@pytest.mark.slow
def test_gate_passes_at_zero_and_fails_at_one(runs: dict[str, Run], tmp_path: Path) -> None:
    out = io.StringIO()
    assert check_floors(_floors(tmp_path, 0.0), runs["assistant"], out) == 0
    assert "FAIL" not in out.getvalue() and "gate: passed" in out.getvalue()
    out = io.StringIO()
    assert check_floors(_floors(tmp_path, 1.0), runs["assistant"], out) == 1
    text = out.getvalue()
    assert "FAIL fact_accuracy_en" in text and "FAIL pass_rate" in text
    assert "zz-xss-001" in text  # the failing case is named under its metric
    assert "FAILED" in text


@pytest.mark.slow
def test_gate_ceiling_and_bad_floors(runs: dict[str, Run], tmp_path: Path) -> None:
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"assistant": {"median_answer_chars_max": 1}}), encoding="utf-8")
    out = io.StringIO()
    assert check_floors(path, runs["assistant"], out) == 1
    assert "FAIL median_answer_chars" in out.getvalue() and "characters" in out.getvalue()
    path.write_text(json.dumps({"assistant": {"median_latency_ms_max": 10, "no_such_metric": 0.5}}), encoding="utf-8")
    out = io.StringIO()
    assert check_floors(path, runs["assistant"], out) == 1
    assert "no_such_metric" in out.getvalue() and "median_latency_ms" in out.getvalue()
    assert check_floors(tmp_path / "missing.json", runs["assistant"], io.StringIO()) == 1


def test_repository_floors_are_well_formed() -> None:
    floors = json.loads((ROOT / "evals" / "floors.json").read_text(encoding="utf-8"))
    gated = {k: v for k, v in floors["assistant"].items() if not k.startswith("_")}
    assert gated and "median_latency_ms" not in gated and "median_latency_ms_max" not in gated
    for key, value in gated.items():
        assert isinstance(value, (int, float))
        if not key.endswith("_max"):
            assert 0.0 <= value <= 1.0, key
