"""The judge: one answer against its case (key facts, the citation rank of a gold sentence, abstention), and the
metrics over many outcomes."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cases import Case


@dataclass
class Outcome:
    case: "Case"
    answer: dict[str, Any]
    latency_ms: float
    facts_ok: bool
    missing: list[str]
    hit_rank: int | None  # 1-based rank of the first citation that quotes a gold sentence
    passed: bool
    reason: str
    direct: bool = False  # every key fact within the answer's first DIRECT_CHARS characters

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.case.id, "question": self.case.question, "lang": self.case.lang,
                "category": self.case.category, "abstain_expected": self.case.abstain,
                "abstained": self.answer.get("abstained"), "answer": self.answer.get("answer"),
                "citations": [{"id": c["id"], "quote": c.get("quote")} for c in self.answer.get("citations", [])],
                "gold": self.case.gold, "facts": self.case.facts, "passed": self.passed, "reason": self.reason,
                "latency_ms": round(self.latency_ms, 2)}


DIRECT_CHARS = {"zh": 80, "en": 200}  # where a phone shows the answer's first lines


def answerable(o: "Outcome") -> bool:
    """A case with key facts to find (not one that must abstain or that asks what the plan does not give)."""
    return not o.case.abstain and not o.case.partial


def normalise(text: str) -> str:
    """Lower case, no thousands commas, single spaces: how facts are matched against an answer."""
    return " ".join(text.lower().replace(",", "").split())


def judge(case: "Case", answer: dict[str, Any], gold_text: Callable[[str], str], latency_ms: float) -> Outcome:
    abstained = bool(answer.get("abstained"))
    raw = answer.get("answer") or ""
    text = normalise(raw)
    missing = [f[0] for f in case.facts if not any(normalise(v) in text for v in f)]
    head = normalise(raw[: DIRECT_CHARS.get(case.lang, 200)])
    direct = bool(case.facts) and not abstained and all(any(normalise(v) in head for v in f) for f in case.facts)
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
    elif case.partial:  # right when it says what the plan lacks (or abstains), wrong when it answers another figure
        passed = abstained or bool(answer.get("partial"))
        reason = "" if passed else "answered as if the plan gave what was asked (should say what it lacks)"
    elif abstained:
        passed, reason = False, "abstained wrongly"
    elif missing:
        passed, reason = False, "missing fact: " + ", ".join(missing)
    elif hit_rank is None:
        passed, reason = False, "wrong citation"
    else:
        passed, reason = True, ""
    return Outcome(case, answer, latency_ms, not missing and not abstained, missing, hit_rank, passed, reason,
                   direct)


def _overlap(a: str, b: str) -> bool:
    """A clause quoted from a sentence counts: at least 12 shared characters in a row."""
    if len(a) < 12:
        return False
    return any(a[i : i + 12] in b for i in range(0, len(a) - 11, 4))


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    partial = [o for o in outcomes if o.case.partial]
    answerable = [o for o in outcomes if not o.case.abstain and not o.case.partial]
    should = [o for o in outcomes if o.case.abstain]
    did = [o for o in outcomes if o.answer.get("abstained")]

    def share(items: list[Outcome], pred: Callable[[Outcome], bool]) -> float | None:
        """The fraction of items for which pred holds; None when nothing was measured."""
        return round(sum(1 for o in items if pred(o)) / len(items), 4) if items else None

    lengths = {lang: [len(o.answer.get("answer") or "") for o in outcomes
                      if not o.answer.get("abstained") and (lang == "all" or o.case.lang == lang)]
               for lang in ("all", "zh", "en")}
    return {
        "cases": len(outcomes),
        "fact_accuracy_zh": share([o for o in answerable if o.case.lang == "zh"], lambda o: o.facts_ok),
        "fact_accuracy_en": share([o for o in answerable if o.case.lang == "en"], lambda o: o.facts_ok),
        "citation_hit_at_1": share(answerable, lambda o: o.hit_rank == 1),
        "citation_hit_at_3": share(answerable, lambda o: o.hit_rank is not None and o.hit_rank <= 3),
        "mrr": round(sum(1 / o.hit_rank for o in answerable if o.hit_rank) / len(answerable), 4) if answerable else None,
        "abstention_precision": share(did, lambda o: o.case.abstain or o.case.partial),
        "abstention_recall": share(should, lambda o: bool(o.answer.get("abstained"))),
        "pass_rate": share(outcomes, lambda o: o.passed),
        "median_answer_chars": statistics.median(lengths["all"]) if lengths["all"] else 0,
        "median_answer_chars_zh": statistics.median(lengths["zh"]) if lengths["zh"] else None,
        "median_answer_chars_en": statistics.median(lengths["en"]) if lengths["en"] else None,
        "direct_answer_rate_zh": share([o for o in answerable if o.case.lang == "zh"], lambda o: o.direct),
        "direct_answer_rate_en": share([o for o in answerable if o.case.lang == "en"], lambda o: o.direct),
        "partial_accuracy": share(partial, lambda o: o.passed),
        "median_latency_ms": round(statistics.median(o.latency_ms for o in outcomes), 2) if outcomes else 0.0,
    }


def breakdown(outcomes: list[Outcome], key: Callable[[Outcome], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(key(o), []).append(o)
    return {k: metrics(v) for k, v in sorted(groups.items())}
