"""Running the eval: systems answer the cases, the judge scores them; the live run behind the staff view (one at a
time, with progress) and the tables it shows."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..config import Settings
from ..corpus import load_corpus
from ..service import Assistant
from .cases import Case, load_cases
from .judge import Outcome, breakdown, judge, metrics
from .report import COLUMNS, format_value  # the HTML report's columns and number format, so both tables read alike

ALL = "all"
_EVAL_LOCK = threading.Lock()  # one eval run at a time per process (it takes the CPU for a minute)


class System(Protocol):
    name: str

    def answer(self, case: Case) -> dict[str, Any]: ...


class AssistantSystem:
    """An assistant (already loaded) behind the System protocol; ``_top`` carries its retrieval signals for the
    abstention calibration."""

    name = "assistant"

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def answer(self, case: Case) -> dict[str, Any]:
        answer = self.assistant.ask(case.question, lang="auto", history=case.history, channel="eval")  # not logged
        return {**answer.as_dict(), "_top": answer.top}


@dataclass
class Run:
    system: str
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out = metrics(self.outcomes)
        out["by_language"] = breakdown(self.outcomes, lambda o: o.case.lang)
        out["by_category"] = breakdown(self.outcomes, lambda o: o.case.category)
        out["by_split"] = breakdown(self.outcomes, lambda o: o.case.split)
        return out


def run_system(system: System, cases: list[Case], gold_text: Callable[[str], str]) -> Run:
    run = Run(system=system.name)
    for case in cases:
        t0 = time.perf_counter()
        answer = system.answer(case)
        latency = (time.perf_counter() - t0) * 1000
        run.outcomes.append(judge(case, answer, gold_text, latency))
    return run


def sentence_lookup(settings: Settings) -> Callable[[str], str]:
    texts = {s.id: s.text for s in load_corpus(settings.corpus_dir).sentences}
    return lambda sid: texts.get(sid, "")


def evaluate(settings: Settings, cases: list[Case], baselines: bool = False,
             assistant: Assistant | None = None) -> dict[str, Run]:
    """The assistant (loaded here unless given) on the cases, then the baselines on the same cases if asked."""
    gold_text = sentence_lookup(settings)
    if assistant is None:
        assistant = Assistant(settings).warm_up(on_progress=lambda m: print(m, file=sys.stderr))
    runs = {"assistant": run_system(AssistantSystem(assistant), cases, gold_text)}
    if baselines:
        from .baselines import make_baselines  # LangChain and an in-memory Chroma: only when asked for

        for system in make_baselines(settings, assistant):
            runs[system.name] = run_system(system, cases, gold_text)
    return runs


# ---------------------------------------------------------------- the live run (staff)


class EvalBusy(RuntimeError):
    """Another evaluation is running in this process."""


def run_eval(assistant: Assistant, path: Path,
             on_progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Judge every case of the eval set at ``path`` on the live assistant; ``on_progress(done, total)``."""
    if not _EVAL_LOCK.acquire(blocking=False):
        raise EvalBusy("an evaluation is already running — wait for it to finish")
    try:
        cases = load_cases(path)
        gold_text = sentence_lookup(assistant.settings)
        system = AssistantSystem(assistant)
        outcomes: list[Outcome] = []
        for done, case in enumerate(cases):
            if on_progress:
                on_progress(done, len(cases))
            outcomes += run_system(system, [case], gold_text).outcomes
        if on_progress:
            on_progress(len(cases), len(cases))
        return outcomes
    finally:
        _EVAL_LOCK.release()


def filter_outcomes(outcomes: Iterable[Outcome], lang: str = ALL, category: str = ALL,
                    failures_only: bool = False) -> list[Outcome]:
    return [o for o in outcomes if lang in (ALL, "", None, o.case.lang)
            and category in (ALL, "", None, o.case.category) and not (failures_only and o.passed)]


METRIC_HEADERS = ["group", "cases"] + [heading for _, heading, _ in COLUMNS]
CASE_HEADERS = ["id", "lang", "category", "result", "reason", "question", "answer"]


def metric_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    """The report's metric columns for all the outcomes, then per language and per category."""
    groups = [("all", metrics(outcomes))] if outcomes else []
    groups += [(f"lang: {k}", m) for k, m in breakdown(outcomes, lambda o: o.case.lang).items()]
    groups += [(f"category: {k}", m) for k, m in breakdown(outcomes, lambda o: o.case.category).items()]
    return [[name, m["cases"]] + [format_value(key, m.get(key)) for key, _, _ in COLUMNS] for name, m in groups]


def case_rows(outcomes: list[Outcome], answer_chars: int = 200) -> list[list[Any]]:
    """One row per case, failures first (the order of the eval set otherwise)."""
    ordered = sorted(outcomes, key=lambda o: o.passed)
    return [[o.case.id, o.case.lang, o.case.category, "pass" if o.passed else "FAIL", o.reason, o.case.question,
             (o.answer.get("answer") or "")[:answer_chars]] for o in ordered]
