"""Run the evaluation set: key-fact accuracy, citation hit@1/@3, MRR, abstention, length, latency."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from .config import Settings

CATEGORIES = ("figures", "lists", "places", "timing", "policies", "followup", "traditional", "mixed",
              "colloquial", "typo", "offtopic", "injection", "unanswerable")


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    lang: str
    category: str
    history: list[dict[str, str]]
    gold: list[str]
    facts: list[list[str]]
    abstain: bool


class CaseError(ValueError):
    """An eval case that does not fit the schema; the message names the case and the field."""


def parse_case(rec: dict[str, Any], where: str = "") -> Case:
    try:
        case = Case(id=str(rec["id"]), question=str(rec["question"]), lang=str(rec["lang"]),
                    category=str(rec["category"]), history=list(rec.get("history") or []),
                    gold=[str(g) for g in rec.get("gold") or []],
                    facts=[[str(v) for v in (f if isinstance(f, list) else [f])] for f in rec.get("facts") or []],
                    abstain=bool(rec.get("abstain", False)))
    except KeyError as exc:
        raise CaseError(f"{where}: missing field {exc}") from exc
    if not case.question.strip():
        raise CaseError(f"{where} {case.id}: empty question")
    if case.lang not in ("zh", "en"):
        raise CaseError(f"{where} {case.id}: lang must be zh or en")
    if case.category not in CATEGORIES:
        raise CaseError(f"{where} {case.id}: unknown category {case.category!r}")
    if not case.abstain and (not case.gold or not case.facts):
        raise CaseError(f"{where} {case.id}: an answerable case needs gold sentence IDs and facts")
    return case


def load_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CaseError(f"{path.name} line {n}: not JSON ({exc.msg})") from exc
            cases.append(parse_case(rec, f"{path.name} line {n}"))
    return cases


class System(Protocol):
    name: str

    def answer(self, case: Case) -> dict[str, Any]: ...


@dataclass
class Outcome:
    case: Case
    answer: dict[str, Any]
    latency_ms: float
    facts_ok: bool
    missing: list[str]
    hit_rank: int | None  # 1-based rank of the first citation that quotes a gold sentence
    passed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.case.id, "question": self.case.question, "lang": self.case.lang,
                "category": self.case.category, "abstain_expected": self.case.abstain,
                "abstained": self.answer.get("abstained"), "answer": self.answer.get("answer"),
                "citations": [{"id": c["id"], "quote": c.get("quote")} for c in self.answer.get("citations", [])],
                "gold": self.case.gold, "facts": self.case.facts, "passed": self.passed, "reason": self.reason,
                "latency_ms": round(self.latency_ms, 2)}


def _norm(text: str) -> str:
    return " ".join(text.lower().replace(",", "").split())


def judge(case: Case, answer: dict[str, Any], gold_text: Callable[[str], str], latency_ms: float) -> Outcome:
    abstained = bool(answer.get("abstained"))
    text = _norm(answer.get("answer") or "")
    missing = [f[0] for f in case.facts if not any(_norm(v) in text for v in f)]
    hit_rank = None
    for rank, cite in enumerate(answer.get("citations") or [], 1):
        quote = cite.get("quote") or ""
        for gid in case.gold:
            sentence = gold_text(gid)
            pid = gid.rsplit(".", 1)[0]
            if cite.get("id") == pid and sentence and (quote in sentence or sentence in quote or
                                                      _overlap(quote, sentence)):
                hit_rank = rank
                break
        if hit_rank:
            break
    if case.abstain:
        passed, reason = abstained, "" if abstained else "should have abstained"
    elif abstained:
        passed, reason = False, "abstained wrongly"
    elif missing:
        passed, reason = False, "missing fact: " + ", ".join(missing)
    elif hit_rank is None:
        passed, reason = False, "wrong citation"
    else:
        passed, reason = True, ""
    return Outcome(case, answer, latency_ms, not missing and not abstained, missing, hit_rank, passed, reason)


def _overlap(a: str, b: str) -> bool:
    """A clause quoted from a sentence counts: at least 12 shared characters in a row."""
    if len(a) < 12:
        return False
    return any(a[i : i + 12] in b for i in range(0, len(a) - 11, 4))


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if not o.case.abstain]
    should = [o for o in outcomes if o.case.abstain]
    did = [o for o in outcomes if o.answer.get("abstained")]

    def share(items: list[Outcome], pred: Callable[[Outcome], bool]) -> float | None:
        """The fraction of items for which pred holds; None when nothing was measured."""
        return round(sum(1 for o in items if pred(o)) / len(items), 4) if items else None

    lengths = [len(o.answer.get("answer") or "") for o in outcomes if not o.answer.get("abstained")]
    return {
        "cases": len(outcomes),
        "fact_accuracy_zh": share([o for o in answerable if o.case.lang == "zh"], lambda o: o.facts_ok),
        "fact_accuracy_en": share([o for o in answerable if o.case.lang == "en"], lambda o: o.facts_ok),
        "citation_hit_at_1": share(answerable, lambda o: o.hit_rank == 1),
        "citation_hit_at_3": share(answerable, lambda o: o.hit_rank is not None and o.hit_rank <= 3),
        "mrr": round(sum(1 / o.hit_rank for o in answerable if o.hit_rank) / len(answerable), 4) if answerable else None,
        "abstention_precision": share(did, lambda o: o.case.abstain),
        "abstention_recall": share(should, lambda o: bool(o.answer.get("abstained"))),
        "pass_rate": share(outcomes, lambda o: o.passed),
        "median_answer_chars": statistics.median(lengths) if lengths else 0,
        "median_latency_ms": round(statistics.median(o.latency_ms for o in outcomes), 2) if outcomes else 0.0,
    }


def breakdown(outcomes: list[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o), []).append(o)
    return {k: metrics(v) for k, v in sorted(groups.items())}


class AssistantSystem:
    name = "assistant"

    def __init__(self, settings: Settings) -> None:
        from .service import Assistant

        self.assistant = Assistant(settings, on_progress=lambda m: print(m, file=sys.stderr))

    def answer(self, case: Case) -> dict[str, Any]:
        answer = self.assistant.ask(case.question, lang="auto", history=case.history)
        return {**answer.as_dict(), "_top": answer.top}


@dataclass
class Run:
    system: str
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out = metrics(self.outcomes)
        out["by_language"] = breakdown(self.outcomes, lambda o: o.case.lang)
        out["by_category"] = breakdown(self.outcomes, lambda o: o.case.category)
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
    from .corpus import load_corpus

    texts = {s.id: s.text for s in load_corpus(settings.corpus_dir).sentences}
    return lambda sid: texts.get(sid, "")


def evaluate(settings: Settings, cases: list[Case], baselines: bool = False) -> dict[str, Run]:
    gold_text = sentence_lookup(settings)
    assistant = AssistantSystem(settings)
    runs = {"assistant": run_system(assistant, cases, gold_text)}
    if baselines:
        from .baselines import make_baselines

        for system in make_baselines(settings, assistant.assistant):
            runs[system.name] = run_system(system, cases, gold_text)
    return runs


def cross_validate(rows: list[tuple[dict[str, float], bool]], folds: int = 5) -> dict[str, float]:
    """Abstention precision / recall of the model on cases it was not fitted on (k-fold)."""
    from .answer import Calibration, FEATURES, fit_calibration

    tp = fp = fn = 0
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        fitted = fit_calibration(train)
        model = Calibration(weights=tuple(fitted["weights"][f] for f in FEATURES), bias=fitted["bias"],
                            threshold=fitted["threshold"])
        for i, (signals, answerable) in enumerate(rows):
            if i % folds == k:
                abstains = not model.confident(signals)
                tp += abstains and not answerable
                fp += abstains and answerable
                fn += (not abstains) and not answerable
    return {"folds": folds, "abstention_precision": round(tp / max(1, tp + fp), 4),
            "abstention_recall": round(tp / max(1, tp + fn), 4)}


def calibrate(run: Run, path: Path) -> dict[str, Any]:
    """Fit the abstention model on this run's retrieval signals and write it next to the code."""
    from .answer import fit_calibration

    rows = [(o.answer.get("_top") or {}, not o.case.abstain) for o in run.outcomes]
    fitted = fit_calibration(rows)
    fitted["cross_validation"] = cross_validate(rows)
    path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
    return fitted


def main(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.set_path) if args.set_path else settings.evals_dir / "questions.jsonl"
    cases = load_cases(path)
    runs = evaluate(settings, cases, baselines=args.baselines)
    result = {"cases": len(cases), "systems": {name: run.summary() for name, run in runs.items()}}
    if args.calibrate:
        from .answer import CALIBRATION_FILE

        print(json.dumps(calibrate(runs["assistant"], CALIBRATION_FILE), indent=2))
        return 0
    if args.report:
        from .report import write_report

        write_report(Path(args.report), runs, result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_table(result)
        failures = [o for o in runs["assistant"].outcomes if not o.passed]
        for o in failures:
            print(f"FAIL {o.case.id}: {o.case.question} — {o.reason}\n     -> {(o.answer.get('answer') or '')[:160]}")
    if getattr(args, "gate", False):
        from .gate import check_floors

        return check_floors(settings.evals_dir / "floors.json", runs["assistant"])
    return 0


def _fmt(value: object) -> str:
    return "—" if value is None else str(value)


def _print_table(result: dict[str, Any]) -> None:
    keys = ["fact_accuracy_zh", "fact_accuracy_en", "citation_hit_at_1", "citation_hit_at_3", "mrr",
            "abstention_precision", "abstention_recall", "pass_rate", "median_answer_chars", "median_latency_ms"]
    names = list(result["systems"])
    print(f"{result['cases']} cases")
    print(f"{'metric':24}" + "".join(f"{n:>14}" for n in names))
    for k in keys:
        print(f"{k:24}" + "".join(f"{_fmt(result['systems'][n][k]):>14}" for n in names))
    by_lang = result["systems"]["assistant"]["by_language"]
    for lang, m in by_lang.items():
        print(f"assistant [{lang}]: hit@1 {m['citation_hit_at_1']} hit@3 {m['citation_hit_at_3']} mrr {m['mrr']} "
              f"abstain P {m['abstention_precision']} R {m['abstention_recall']} median {m['median_latency_ms']} ms")
