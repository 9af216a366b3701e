"""Regression gate: every metric of a run against its floor in evals/floors.json.

floors.json maps a system name to ``{metric: floor}``; the run fails when a metric is below its floor.
A key ending in ``_max`` is a ceiling for a lower-is-better metric (``median_answer_chars_max``: the
run fails when the median answer is longer). Latency is never gated: it depends on the machine.
Keys starting with ``_`` are comments.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

from .judge import metrics

if TYPE_CHECKING:
    from .judge import Outcome
    from .run import Run

CEILING = "_max"
SHOW = 40  # failing cases listed per metric


def _answerable(lang: str | None = None) -> Callable[["Outcome"], bool]:
    return lambda o: not o.case.abstain and not o.case.partial and (lang is None or o.case.lang == lang)


# For each metric: the cases it is computed over, and whether one of them counts against it.
CULPRITS: dict[str, tuple[Callable[["Outcome"], bool], Callable[["Outcome"], bool]]] = {
    "fact_accuracy_zh": (_answerable("zh"), lambda o: not o.facts_ok),
    "fact_accuracy_en": (_answerable("en"), lambda o: not o.facts_ok),
    "citation_hit_at_1": (_answerable(), lambda o: o.hit_rank != 1),
    "citation_hit_at_3": (_answerable(), lambda o: o.hit_rank is None or o.hit_rank > 3),
    "mrr": (_answerable(), lambda o: o.hit_rank != 1),
    "abstention_precision": (lambda o: bool(o.answer.get("abstained")),
                             lambda o: not o.case.abstain and not o.case.partial),
    "abstention_recall": (lambda o: o.case.abstain, lambda o: not o.answer.get("abstained")),
    "pass_rate": (lambda o: True, lambda o: not o.passed),
}


def _culprits(metric: str, run: "Run", limit: float) -> list["Outcome"]:
    if metric == "median_answer_chars":
        return sorted((o for o in run.outcomes if not o.answer.get("abstained")
                       and len(o.answer.get("answer") or "") > limit),
                      key=lambda o: -len(o.answer.get("answer") or ""))
    scope, bad = CULPRITS.get(metric, (lambda o: False, lambda o: False))
    return [o for o in run.outcomes if scope(o) and bad(o)]


def _why(metric: str, o: "Outcome") -> str:
    if metric.startswith("citation") or metric == "mrr":
        return f"gold cited at rank {o.hit_rank}" if o.hit_rank else "gold not cited"
    if metric == "median_answer_chars":
        return f"{len(o.answer.get('answer') or '')} characters"
    return o.reason or "passed"


def check_floors(path: Path, run: "Run", out: TextIO | None = None) -> int:
    """Print each gated metric against its floor (or ceiling); 1 when any fails, else 0."""
    out = out or sys.stderr
    try:
        floors = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"gate: cannot read {path} ({exc}) — write floors like "
              '{"assistant": {"fact_accuracy_zh": 0.85}}', file=out)
        return 1
    limits = {k: v for k, v in (floors.get(run.system) or {}).items() if not k.startswith("_")}
    if not limits:
        print(f"gate: {path} has no floors for {run.system!r}", file=out)
        return 1
    measured = metrics(run.outcomes)
    failed = 0
    for key, limit in limits.items():
        ceiling = key.endswith(CEILING)
        metric = key[: -len(CEILING)] if ceiling else key
        if metric not in measured or metric == "median_latency_ms":
            print(f"gate: FAIL {key}: not a gateable metric (known: {', '.join(sorted(measured))})", file=out)
            failed += 1
            continue
        if measured[metric] is None:
            print(f"gate: FAIL {key}: nothing measured (no case in its scope)", file=out)
            failed += 1
            continue
        value = float(measured[metric])
        ok = value <= float(limit) if ceiling else value >= float(limit)
        word = "ceiling" if ceiling else "floor"
        print(f"gate: {'ok  ' if ok else 'FAIL'} {metric} {value:.4g} ({word} {limit})", file=out)
        if not ok:
            failed += 1
            culprits = _culprits(metric, run, float(limit))
            for o in culprits[:SHOW]:
                print(f"        {o.case.id}: {o.case.question} — {_why(metric, o)}", file=out)
            if len(culprits) > SHOW:
                print(f"        … and {len(culprits) - SHOW} more", file=out)
    print(f"gate: {'FAILED — ' + str(failed) + ' metric(s) out of bounds' if failed else 'passed'}", file=out)
    return 1 if failed else 0
