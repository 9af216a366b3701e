"""Bench figures of the staff loop: what writing the question log costs the ask path (``log_cpu_overhead``, CPU
time of the whole process, the writer thread included) and how long each staff query takes over a generated log of
100,000 questions (``staff_query_ms``)."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..insight import Filters, grouped, stats, to_csv, warmed
from ..questions import QuestionLog, new_id, normalised, not_logged
from ..storage import Database

LOG_ROWS = 100_000


def measure_log_overhead(assistant: Any, questions: Sequence[str], rounds: int = 6, block: int = 30) -> dict[str, Any]:
    """Blocks of asks without and with the log, alternating; each logged block ends when its rows are committed, so
    the writer thread's CPU is counted in its block. ``log_cpu_overhead`` = median over rounds of
    (CPU with the log / CPU without) - 1."""
    log: QuestionLog = assistant.question_log
    qs = list(questions)
    for q in qs[:5]:
        assistant.ask(q, channel="bench")
    ratios, on_ms, off_ms = [], [], []
    k = 0
    for _ in range(rounds):
        batch = [qs[(k + i) % len(qs)] for i in range(block)]
        k += block
        c0 = time.process_time()
        with not_logged():
            for q in batch:
                assistant.ask(q, channel="api")
        off = time.process_time() - c0
        c0 = time.process_time()
        for q in batch:
            assistant.ask(q, channel="api")
        log.flush(30)
        on = time.process_time() - c0
        ratios.append(on / off if off else 1.0)
        on_ms.append(1000 * on / block)
        off_ms.append(1000 * off / block)
    return {"log_cpu_overhead": round(statistics.median(ratios) - 1.0, 4),
            "log_cpu_ms_per_ask": round(statistics.median(on_ms) - statistics.median(off_ms), 3),
            "log_ask_cpu_ms": round(statistics.median(off_ms), 2), "log_rounds": rounds, "log_block": block}


def generate_log(log: QuestionLog, questions: Sequence[str], paragraphs: Sequence[str], rows: int = LOG_ROWS,
                 days: int = 90, seed: int = 7) -> int:
    """``rows`` logged questions over ``days``: the questions (and numbered variants, so most texts repeat and
    some are rare), random channels, statuses, ratings and citations."""
    rng = random.Random(seed)
    now = time.time()
    statuses = ["answered"] * 14 + ["partial"] * 2 + ["abstained"] * 3 + ["approved"]
    written, batch = 0, []
    for n in range(rows):
        base = questions[int(rng.paretovariate(1.2)) % len(questions)]
        text = base if rng.random() < 0.8 else f"{base} {rng.randint(1, 5000)}"
        at = now - rng.random() * days * 86400
        status = rng.choice(statuses)
        cited = [] if status == "abstained" else rng.sample(list(paragraphs), k=min(len(paragraphs), rng.randint(1, 3)))
        batch.append({"id": new_id(at) + f"{n:06x}"[-6:], "created_at": at,
                      "day": time.strftime("%Y-%m-%d", time.localtime(at)), "channel": rng.choice(["api", "chat",
                                                                                                 "widget"]),
                      "language": "en" if text.isascii() else "zh", "status": status, "text": text,
                      "norm": normalised(text), "cited": json.dumps(cited), "latency_ms": rng.uniform(10, 80),
                      "confidence": rng.random(), "low_confidence": int(rng.random() < 0.05),
                      "rating": rng.choice([None] * 18 + [1, -1]), "comment": "", "approved_id": None})
        if len(batch) == 5000:
            written += log.insert_rows(batch)
            batch = []
    if batch:
        written += log.insert_rows(batch)
    return written


def measure_staff_queries(settings: Settings, work: Path, questions: Sequence[str], paragraphs: Sequence[str],
                          embeddings: Any = None, rows: int = LOG_ROWS,
                          say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every staff query over a generated log of ``rows`` questions (SQLite under ``work`` unless the settings
    name a database): milliseconds each, and the slowest."""
    db = Database.open(work, "bench-questions", settings.database_url)
    log = QuestionLog(db)
    t0 = time.perf_counter()
    generate_log(log, questions, paragraphs, rows)
    if say:
        say(f"staff: {rows:,} logged questions generated in {time.perf_counter() - t0:.0f} s")
    queries: dict[str, Callable[[], Any]] = {
        "questions_recent": lambda: grouped(log, Filters.parse("all", limit=100)),
        "questions_top": lambda: grouped(log, Filters.parse("all", limit=100), order="count"),
        "unanswered_queue": lambda: grouped(log, Filters.parse("unanswered", limit=100)),
        "filtered": lambda: grouped(log, Filters.parse("abstained", "zh", "chat", since="2000-01-01", q="学校")),
        "stats": lambda: stats(log, Filters.parse(), list(paragraphs), embeddings),
        "stats_en_widget": lambda: stats(log, Filters.parse(lang="en", channel="widget"), list(paragraphs),
                                         embeddings),
        "csv_1000": lambda: to_csv(grouped(log, Filters.parse("unanswered", limit=1000))["questions"]),
    }
    times: dict[str, float] = {}
    for name, query in queries.items():
        query()  # warm (the first stats view also embeds what it groups, partly in the background)
        warmed()
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            query()
            samples.append((time.perf_counter() - t0) * 1000)
        times[name] = round(statistics.median(samples), 1)
    return {"staff_log_rows": rows, "staff_query_ms": times, "staff_query_max_ms": max(times.values())}


QUICK_LOG_ROWS = 5_000


def staff_stage(settings: Settings, assistant: Any, cases: Sequence[Any], work: Path, quick: bool,
                say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The bench's "staff" stage: ``log_cpu_overhead`` on the eval questions, then the staff queries over a
    generated log (100,000 questions; 5,000 with --quick)."""
    questions = [c.question for c in cases]
    figures = measure_log_overhead(assistant, questions, rounds=4 if quick else 8, block=20 if quick else 40)
    folder = work / "staff"
    folder.mkdir(parents=True, exist_ok=True)
    figures.update(measure_staff_queries(settings, folder, questions, list(assistant.index.paragraphs),
                                         assistant.index.embeddings, QUICK_LOG_ROWS if quick else LOG_ROWS, say))
    return figures
