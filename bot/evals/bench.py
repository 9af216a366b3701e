"""python -m bot bench [--json] [--quick]: latency, throughput, build-time and scale figures in one run.

Everything runs in one process invocation, in temporary folders (the repository's index/ is never
touched), so the ratios between figures hold on a noisy machine:

1. cold build of the plan index (fresh index folder, fresh embedding cache) and a no-op rebuild;
2. in-process, warm: query-embedding latency (the floor) and ``Assistant.ask`` over the eval questions;
3. the plain LangChain recipe (``bot.evals.baselines.LangChainRecipe``) on the same questions;
4. repeated questions: a Zipf(s = 1.1) mix over the eval questions asked of an assistant with its answer cache
   (``zipf_ask_p50_ms``; every other stage runs without the cache, so each ask is computed);
5. ``python app.py`` on 127.0.0.1 with the built index (``bot.evals.load``): the import time of each heavy package,
   cold start to a healthy ``/api/health``, then N concurrent clients x M ``POST /api/ask`` (mixed Chinese /
   English), then N residents x M questions through the Gradio chat's queue (``bot.evals.chatbench``), the server's
   CPU time per request and per question, and its peak RSS;
6. a synthetic corpus (``bot.evals.synthetic``) of >= 20,000 sentences: index build time, then ask p50 on the plan
   questions, alternating question by question with the plan-size index so their ratio sees the same machine load.

Each stage also reports how many cores other processes kept busy meanwhile (``other_load_cores``):
on a shared machine that says which figures to distrust.

Knobs (Settings, from the environment, for CI and debugging): BOT_BENCH_CLIENTS, BOT_BENCH_REQUESTS (per client),
BOT_BENCH_SCALE (sentences), BOT_BENCH_PASSES, BOT_BENCH_SKIP (comma list of http, chat, scale, baseline, staff, zipf),
BOT_BENCH_KEEP=1 (keep the temporary folder and print its path).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..build import IndexManager
from ..config import Settings, cpu_count
from ..corpus import load_corpus
from ..service import Assistant
from .baselines import LangChainRecipe
from .cases import load_cases
from .chatbench import load_mix
from .load import measure_http, mixed_questions
from .probes import import_times, machine_busy_s
from .stats import SCALE_SENTENCES, TARGETS, add_ratios, evaluate_targets, percentile, rounded
from .synthetic import write_synthetic_corpus

__all__ = ["REQUIRED_KEYS", "ROWS", "TARGETS", "format_table", "run"]

QUICK_SCALE_SENTENCES = 2_000
HTTP_CLIENTS = 16
HTTP_REQUESTS = 50  # per client
QUICK_HTTP_REQUESTS = 10
ZIPF_S = 1.1
REF_REPEATS = 3  # asks of each distinct load question for the server-CPU reference (its median kept)
ZIPF_ASKS = 3000
QUICK_ZIPF_ASKS = 400

REQUIRED_KEYS = (
    "embed_query_p50_ms", "ask_p50_ms", "ask_p95_ms", "baseline_ask_p50_ms", "build_cold_s", "build_noop_s",
    "http_clients", "http_requests", "http_errors", "http_rps", "http_p50_ms", "http_p95_ms", "server_rss_mb",
    "cold_start_s", "scale_sentences", "scale_build_s", "scale_ask_p50_ms", "log_cpu_overhead", "staff_query_max_ms",
    "ask_cpu_p50_ms", "server_cpu_ms_per_request", "chat_cpu_ms_per_question", "zipf_ask_p50_ms",
)


@dataclass
class Progress:
    quiet: bool = False

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


# ---------------------------------------------------------------- measuring stages


def measure_build(settings: Settings) -> dict[str, Any]:
    """Cold build (fresh index folder and embedding cache) and a no-op ensure() on the result."""
    t0 = time.perf_counter()
    result = IndexManager(settings).ensure()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    noop = IndexManager(settings).ensure()
    noop_s = time.perf_counter() - t0
    m = result.manifest
    return {"build_cold_s": cold, "build_noop_s": noop_s, "build_noop_rebuilt": noop.built,
            "plan_sentences": m.sentences if m else None, "plan_entries": m.entries if m else None}


def measure_ask(assistant: Any, cases: Sequence[Any], passes: int, warmup: int = 10) -> dict[str, Any]:
    """Embedding floor and ask latency, interleaved per question so machine noise hits both alike."""
    embed = assistant.index.embeddings.embed_query_vector
    for case in list(cases)[:warmup]:
        embed(case.question)
        assistant.ask(case.question, history=case.history)
    embeds: list[float] = []
    asks: list[float] = []
    cpu: list[float] = []  # CPU time of the whole process per ask: the embedder's worker threads count too
    for _ in range(passes):
        for case in cases:
            t0 = time.perf_counter()
            embed(case.question)
            embeds.append(_ms_since(t0))
            c0, t0 = time.process_time(), time.perf_counter()
            assistant.ask(case.question, history=case.history)
            asks.append(_ms_since(t0))
            cpu.append((time.process_time() - c0) * 1000.0)
    return {"embed_query_p50_ms": percentile(embeds, 50), "embed_query_p95_ms": percentile(embeds, 95),
            "ask_p50_ms": percentile(asks, 50), "ask_p95_ms": percentile(asks, 95),
            "ask_max_ms": max(asks) if asks else None, "ask_samples": len(asks),
            "ask_cpu_p50_ms": percentile(cpu, 50), "ask_cpu_mean_ms": sum(cpu) / len(cpu) if cpu else None}


def measure_ask_cpu_ref(assistant: Any, cases: Sequence[Any], clients: int, per_client: int,
                        repeats: int = REF_REPEATS) -> dict[str, Any]:
    """The in-process CPU of the very questions the HTTP and chat load asks (each distinct one asked ``repeats``
    times, its median kept, weighted by how often the load asks it), measured just before the server starts: what
    the server's CPU per request and per chat question are held against, so that the ratios see the same questions
    and about the same machine. (One ask each measured a 4.5-second stage's sampling: 28.8 ms beside an ask CPU
    p50 of 34.3 ms in the same run.)"""
    questions = mixed_questions(cases)
    counts = Counter(load_mix(len(questions), clients, per_client))
    for k in list(counts)[:5]:
        assistant.ask(questions[k].question, history=questions[k].history[-10:])
    total = weight = 0.0
    for k, n in counts.items():
        times = []
        for _ in range(max(1, repeats)):
            c0 = time.process_time()
            assistant.ask(questions[k].question, history=questions[k].history[-10:])
            times.append((time.process_time() - c0) * 1000.0)
        total += statistics.median(times) * n
        weight += n
    return {"ask_cpu_ref_ms": total / weight if weight else None, "ask_cpu_ref_questions": len(counts),
            "ask_cpu_ref_repeats": max(1, repeats)}


def zipf_mix(cases: Sequence[Any], n: int, s: float = ZIPF_S, seed: int = 13) -> list[Any]:
    """``n`` draws from the cases (each question with its history), the k-th most popular drawn with weight
    1 / k^s; which case is how popular is shuffled with ``seed``."""
    rng = random.Random(seed)
    ranked = list(cases)
    rng.shuffle(ranked)
    weights = [1.0 / (k ** s) for k in range(1, len(ranked) + 1)]
    return rng.choices(ranked, weights=weights, k=n)


def measure_zipf(settings: Settings, cases: Sequence[Any], n: int) -> dict[str, Any]:
    """Repeated questions: a Zipf mix asked of a fresh assistant with its answer cache (misses included)."""
    assistant = Assistant(settings).warm_up()
    mix = zipf_mix(cases, n)
    times: list[float] = []
    for case in mix:
        t0 = time.perf_counter()
        assistant.ask(case.question, history=case.history)
        times.append(_ms_since(t0))
    hits = assistant.cache.stats()["hits"]
    assistant.question_log.flush(30)
    return {"zipf_ask_p50_ms": percentile(times, 50), "zipf_ask_p95_ms": percentile(times, 95),
            "zipf_ask_mean_ms": sum(times) / len(times) if times else None, "zipf_asks": len(times),
            "zipf_distinct": len({id(c) for c in mix}), "zipf_hit_rate": hits / max(1, len(times))}


def measure_baseline(settings: Settings, assistant: Assistant, cases: Sequence[Any]) -> dict[str, Any]:
    """The plain LangChain recipe of the eval's baselines, on the same questions and the same embedder."""
    if assistant.index is None:
        raise RuntimeError("the assistant has no index loaded")
    system = LangChainRecipe(settings, assistant.index)
    for case in list(cases)[:5]:
        system.answer(case)
    times = []
    for case in cases:
        t0 = time.perf_counter()
        system.answer(case)
        times.append(_ms_since(t0))
    return {"baseline": f"{LangChainRecipe.__module__}:{LangChainRecipe.name}",
            "baseline_ask_p50_ms": percentile(times, 50), "baseline_ask_p95_ms": percentile(times, 95)}


def measure_scale(settings: Settings, plan: Settings, work: Path, n_sentences: int, cases: Sequence[Any],
                  say: Callable[[str], None]) -> dict[str, Any]:
    """Build the index of a synthetic corpus of ``n_sentences``, then time ask on the plan questions
    against it, alternating with the plan-size index (``plan``, already built) question by question, so
    the ratio of the two p50s holds even when other processes come and go on the machine."""
    corpus = work / "scale-corpus"
    in_plan = len(load_corpus(settings.corpus_dir).sentences)
    written = write_synthetic_corpus(corpus, max(n_sentences - in_plan, 0), settings.corpus_dir)
    scaled = settings.with_(corpus_dir=corpus, index_dir=work / "scale-index", data_dir=work / "scale-data")
    say(f"scale: {written} synthetic + {in_plan} plan sentences; building (embedding dominates)")
    t0 = time.perf_counter()
    result = IndexManager(scaled).build()
    build_s = time.perf_counter() - t0
    big, small = Assistant(scaled).warm_up(), Assistant(plan).warm_up()
    say(f"scale: built in {build_s:.0f}s; asking {len(cases)} questions of both indexes in turn")
    for case in list(cases)[:10]:
        big.ask(case.question, history=case.history)
        small.ask(case.question, history=case.history)
    times: dict[str, list[float]] = {"big": [], "small": []}
    for i, case in enumerate(cases):
        for which in (("big", "small") if i % 2 else ("small", "big")):
            assistant = big if which == "big" else small
            t0 = time.perf_counter()
            assistant.ask(case.question, history=case.history)
            times[which].append(_ms_since(t0))
    m = result.manifest
    return {"scale_sentences": m.sentences if m else None, "scale_entries": m.entries if m else None,
            "scale_build_s": build_s, "scale_ask_p50_ms": percentile(times["big"], 50),
            "scale_ask_p95_ms": percentile(times["big"], 95), "scale_plan_ask_p50_ms": percentile(times["small"], 50),
            "scale_plan_ask_p95_ms": percentile(times["small"], 95)}


# ---------------------------------------------------------------- the run


def run(settings: Settings, quick: bool = False, skip: Sequence[str] | None = None,
        say: Callable[[str], None] | None = None, work: Path | None = None, scale_sentences: int | None = None,
        clients: int | None = None, per_client: int | None = None, passes: int | None = None) -> dict[str, Any]:
    """All stages; a stage that fails leaves its figures None and its error under ``errors``. An argument left
    out (None) is the settings' ``bench_*`` knob, or the bench's default when that is 0 / empty."""
    say = say or Progress()
    skipped = set(settings.bench_skip if skip is None else skip)
    own_work = work is None
    work = work or Path(tempfile.mkdtemp(prefix="bot-bench-"))
    cases = load_cases(settings.evals_dir / "questions.jsonl")
    if quick:
        cases = mixed_questions(cases)[:60]
    passes = passes or settings.bench_passes or (1 if quick else 2)
    scale_sentences = (scale_sentences or settings.bench_scale
                       or (QUICK_SCALE_SENTENCES if quick else SCALE_SENTENCES))
    clients = clients or settings.bench_clients or HTTP_CLIENTS
    per_client = per_client or settings.bench_requests or (QUICK_HTTP_REQUESTS if quick else HTTP_REQUESTS)
    fig: dict[str, Any] = {key: None for key in REQUIRED_KEYS}
    fig.update({"quick": quick, "embedder": settings.embedder, "cpus": cpu_count(), "questions": len(cases),
                "omp": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")},
                "passes": passes, "load_average_start": [round(x, 2) for x in os.getloadavg()], "errors": {}})
    # no answer cache: each ask computed (the Zipf stage measures the cache)
    bench = settings.with_(index_dir=work / "index", data_dir=work / "data", answer_cache=0)
    started = time.perf_counter()

    def stage(name: str, fn: Callable[[], dict[str, Any]]) -> None:
        t0, busy0, own0 = time.perf_counter(), machine_busy_s(), sum(os.times()[:2])
        try:
            fig.update(fn())
        except Exception as exc:  # report and go on: the other figures still count
            fig["errors"][name] = f"{exc.__class__.__name__}: {exc}"
            say(f"{name} failed: {exc}")
        elapsed = time.perf_counter() - t0
        fig.setdefault("stage_seconds", {})[name] = round(elapsed, 1)
        busy1, own = machine_busy_s(), sum(os.times()[:2]) - own0
        if busy0 is not None and busy1 is not None and elapsed > 0:
            # cores kept busy by other processes during the stage (the bench's server counts as ours)
            server = (fig.get("server_cpu_s") or 0.0) if name == "http" else 0.0
            other = max(0.0, (busy1 - busy0) - own - server) / elapsed
            fig.setdefault("other_load_cores", {})[name] = round(other, 2)

    try:
        say(f"working in {work}; cold build of the plan index")
        stage("build", lambda: measure_build(bench))
        holder: dict[str, Any] = {}

        def in_process() -> dict[str, Any]:
            holder["assistant"] = Assistant(bench).warm_up()
            say(f"in-process: {passes} pass(es) over {len(cases)} questions")
            return measure_ask(holder["assistant"], cases, passes)

        stage("ask", in_process)
        if "staff" not in skipped and "assistant" in holder:  # the question log's cost, staff queries (staffbench)
            from .staffbench import staff_stage

            stage("staff", lambda: staff_stage(bench, holder["assistant"], cases, work, quick, say))
        if "baseline" not in skipped and "assistant" in holder:
            say("baseline: the plain LangChain recipe")
            stage("baseline", lambda: measure_baseline(bench, holder["assistant"], cases))
        if "http" not in skipped and "assistant" in holder:
            say("the in-process CPU of the questions the HTTP and chat load asks")
            stage("ask_ref", lambda: measure_ask_cpu_ref(holder["assistant"], cases, clients, per_client))
        holder.clear()  # the server gets the CPUs and memory to itself
        if "zipf" not in skipped:
            n = QUICK_ZIPF_ASKS if quick else ZIPF_ASKS
            say(f"zipf: {n} asks, Zipf(s={ZIPF_S}) over {len(cases)} questions, with the answer cache")
            stage("zipf", lambda: measure_zipf(bench.with_(answer_cache=1024, data_dir=work / "zipf-data"), cases, n))
        if "http" not in skipped:
            stage("imports", lambda: {"import_ms": import_times()})
            say(f"imports (ms, in a fresh interpreter): {fig.get('import_ms')}")
            stage("http", lambda: measure_http(bench, bench.index_dir, work, cases, clients, per_client, say,
                                               chat="chat" not in skipped))
        if "scale" not in skipped:
            stage("scale", lambda: measure_scale(settings, bench, work, scale_sentences, cases, say))
    finally:
        if own_work and not settings.bench_keep:
            shutil.rmtree(work, ignore_errors=True)
    fig["scale_meets_20k"] = bool(fig.get("scale_sentences") and fig["scale_sentences"] >= SCALE_SENTENCES)
    fig["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    fig["total_s"] = time.perf_counter() - started
    add_ratios(fig)
    fig["targets"] = evaluate_targets(fig)
    return {k: rounded(v) for k, v in fig.items()}


# ---------------------------------------------------------------- output

ROWS = [
    ("embedding floor (query) p50", "embed_query_p50_ms", "ms"), ("ask p50 (in-process, warm)", "ask_p50_ms", "ms"),
    ("ask p95", "ask_p95_ms", "ms"), ("LangChain recipe p50", "baseline_ask_p50_ms", "ms"),
    ("cold index build", "build_cold_s", "s"), ("no-op rebuild", "build_noop_s", "s"),
    ("HTTP clients", "http_clients", ""), ("HTTP requests", "http_requests", ""), ("HTTP errors", "http_errors", ""),
    ("HTTP throughput", "http_rps", "req/s"), ("HTTP p50", "http_p50_ms", "ms"), ("HTTP p95", "http_p95_ms", "ms"),
    ("server CPU per request", "server_cpu_ms_per_request", "ms"), ("ask CPU time p50", "ask_cpu_p50_ms", "ms"),
    ("ask CPU time mean", "ask_cpu_mean_ms", "ms"), ("ask CPU, the load's questions", "ask_cpu_ref_ms", "ms"),
    ("chat questions", "chat_questions", ""),
    ("chat errors", "chat_errors", ""), ("chat throughput", "chat_qps", "q/s"), ("chat p50", "chat_p50_ms", "ms"),
    ("chat p95", "chat_p95_ms", "ms"), ("server CPU per chat question", "chat_cpu_ms_per_question", "ms"),
    ("server CPU per request / ask", "server_cpu_over_ask_cpu", "x"),
    ("chat CPU per question / ask", "chat_cpu_over_ask_cpu", "x"),
    ("Zipf mix ask p50 (cached)", "zipf_ask_p50_ms", "ms"), ("Zipf mix hit rate", "zipf_hit_rate", ""),
    ("Zipf p50 / embedding floor", "zipf_p50_over_embed", "x"),
    ("server peak RSS", "server_rss_mb", "MB"), ("cold start to healthy", "cold_start_s", "s"),
    ("scale corpus", "scale_sentences", "sentences"), ("scale index build", "scale_build_s", "s"),
    ("scale ask p50", "scale_ask_p50_ms", "ms"), ("plan ask p50 (alongside scale)", "scale_plan_ask_p50_ms", "ms"),
    ("ask p50 / embedding floor", "ask_p50_over_embed", "x"), ("ask p95 / embedding floor", "ask_p95_over_embed", "x"),
    ("HTTP rps / CPU bound", "http_rps_over_cpu_bound", ""),
    ("HTTP rps / CPU-time bound (info)", "http_rps_over_cpu_time_bound", ""), ("HTTP p95 / ask p50", "http_p95_over_ask_p50", "x"),
    ("scale p50 / plan p50", "scale_p50_over_plan_p50", "x"),
    ("question log CPU overhead", "log_cpu_overhead", ""), ("staff query max (logged questions)", "staff_query_max_ms",
                                                                "ms"),
]


def format_table(fig: dict[str, Any]) -> str:
    def show(v: Any) -> str:
        return "—" if v is None else (f"{v:,.3f}" if isinstance(v, float) and abs(v) < 10 else
                                      f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v))

    lines = [f"{'figure':32}{'value':>14}  unit"]
    lines += [f"{label:32}{show(fig.get(key)):>14}  {unit}" for label, key, unit in ROWS]
    lines.append(f"baseline used: {fig.get('baseline')}; embedder {fig.get('embedder')}; {fig.get('cpus')} CPUs; "
                 f"load average {fig.get('load_average_start')} -> {fig.get('load_average_end')}")
    lines.append(f"other processes kept busy (cores, by stage): {fig.get('other_load_cores')}")
    if fig.get("import_ms"):
        lines.append("import time per heavy package (ms, fresh interpreter, in this order): "
                     + ", ".join(f"{k} {v}" for k, v in fig["import_ms"].items()))
    if fig.get("quick"):
        lines.append(f"--quick: the scale run has {fig.get('scale_sentences')} sentences, not the required 20,000")
    lines.append("")
    lines.append(f"{'target':18}{'value':>12}{'limit':>10}  result  rule")
    for name, t in fig["targets"].items():
        lines.append(f"{name:18}{show(t['value']):>12}{show(t['limit']):>10}  {'PASS' if t['pass'] else 'MISS':6}  {t['rule']}")
    for stage, err in fig.get("errors", {}).items():
        lines.append(f"error in {stage}: {err}")
    return "\n".join(lines)
