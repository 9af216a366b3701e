"""python -m bot bench [--json] [--quick]: latency, throughput, build-time and scale figures in one run.

Everything runs in one process invocation, in temporary folders (the repository's index/ is never
touched), so the ratios between figures hold on a noisy machine:

1. cold build of the plan index (fresh index folder, fresh embedding cache) and a no-op rebuild;
2. in-process, warm: query-embedding latency (the floor) and ``Assistant.ask`` over the eval questions;
3. the plain LangChain recipe (``bot.baselines``, or a minimal in-bench copy) on the same questions;
4. ``python app.py`` on 127.0.0.1 with the built index: cold start to a healthy ``/api/health``, then
   N concurrent clients x M ``POST /api/ask`` (mixed Chinese / English), the server's peak RSS;
5. a synthetic corpus of >= 20,000 sentences: index build time, then ask p50 on the plan questions,
   alternating question by question with the plan-size index so their ratio sees the same machine load.

Each stage also reports how many cores other processes kept busy meanwhile (``other_load_cores``):
on a shared machine that says which figures to distrust.

Knobs (environment, for CI and debugging): BOT_BENCH_CLIENTS, BOT_BENCH_REQUESTS (per client),
BOT_BENCH_SCALE (sentences), BOT_BENCH_PASSES, BOT_BENCH_SKIP (comma list of http, scale, baseline),
BOT_BENCH_KEEP=1 (keep the temporary folder and print its path).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import ROOT, Settings, cpu_count

SCALE_SENTENCES = 20_000
QUICK_SCALE_SENTENCES = 2_000
HTTP_CLIENTS = 16
HTTP_REQUESTS = 50  # per client
QUICK_HTTP_REQUESTS = 10
HTTP_PHASE_TIMEOUT_S = 300.0
HEALTH_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 60.0
HTTP_WARMUP = 4

# The targets: (name, figure, comparison, limit, rule as shown to people).
TARGETS: list[tuple[str, str, str, float, str]] = [
    ("ask_p50", "ask_p50_over_embed", "<=", 2.0, "ask p50 <= 2 x embedding floor"),
    ("ask_p95", "ask_p95_over_embed", "<=", 3.0, "ask p95 <= 3 x embedding floor"),
    ("http_errors", "http_errors", "<=", 0, "zero errors under concurrent clients"),
    ("http_throughput", "http_rps_over_cpu_bound", ">=", 0.6, "rps >= 60% of cores x 1000 / ask p50"),
    ("http_p95", "http_p95_over_ask_p50", "<=", 20.0, "HTTP p95 <= 20 x in-process ask p50"),
    ("server_rss", "server_rss_mb", "<=", 700.0, "server peak RSS <= 700 MB"),
    ("build_noop", "build_noop_s", "<=", 1.0, "no-op rebuild <= 1 s"),
    ("scale_p50", "scale_p50_over_plan_p50", "<=", 1.5, "ask p50 at scale <= 1.5 x plan-size p50"),
    ("scale_size", "scale_sentences", ">=", SCALE_SENTENCES, "scale corpus >= 20,000 sentences"),
]

REQUIRED_KEYS = (
    "embed_query_p50_ms", "ask_p50_ms", "ask_p95_ms", "baseline_ask_p50_ms", "build_cold_s", "build_noop_s",
    "http_clients", "http_requests", "http_errors", "http_rps", "http_p50_ms", "http_p95_ms", "server_rss_mb",
    "cold_start_s", "scale_sentences", "scale_build_s", "scale_ask_p50_ms",
)


# ---------------------------------------------------------------- pure helpers


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between ranks (numpy's default); None if empty."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is outside 0..100")
    data = sorted(float(v) for v in values)
    if not data:
        return None
    rank = (len(data) - 1) * p / 100.0
    lo = int(rank)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (rank - lo)


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def add_ratios(fig: dict[str, Any], cpus: int | None = None) -> dict[str, Any]:
    """Add the issue's ratios (None where a figure is missing) and the CPU-bound throughput."""
    cpus = cpus or int(fig.get("cpus") or cpu_count())
    ask = fig.get("ask_p50_ms")
    cpu_bound = _div(cpus * 1000.0, ask)
    fig["cpu_bound_rps"] = cpu_bound
    fig["ask_p50_over_embed"] = _div(ask, fig.get("embed_query_p50_ms"))
    fig["ask_p95_over_embed"] = _div(fig.get("ask_p95_ms"), fig.get("embed_query_p50_ms"))
    fig["http_rps_over_cpu_bound"] = _div(fig.get("http_rps"), cpu_bound)
    # not a target: the ceiling from the CPU time an ask really costs; it matches the bound above while a
    # question is embedded on one core, and shows the gap if an ask ever spreads over several again
    fig["cpu_time_bound_rps"] = _div(cpus * 1000.0, fig.get("ask_cpu_p50_ms"))
    fig["http_rps_over_cpu_time_bound"] = _div(fig.get("http_rps"), fig["cpu_time_bound_rps"])
    fig["http_p95_over_ask_p50"] = _div(fig.get("http_p95_ms"), ask)
    # against the plan-size p50 measured alongside the scale run when there is one (same machine load)
    fig["scale_p50_over_plan_p50"] = _div(fig.get("scale_ask_p50_ms"), fig.get("scale_plan_ask_p50_ms") or ask)
    return fig


def evaluate_targets(fig: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with its figure, limit and pass (a missing figure fails)."""
    out: dict[str, dict[str, Any]] = {}
    for name, key, op, limit, rule in TARGETS:
        value = fig.get(key)
        ok = value is not None and (value <= limit if op == "<=" else value >= limit)
        out[name] = {"pass": bool(ok), "value": _round(value), "limit": limit, "figure": key, "rule": rule}
    return out


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3 if abs(value) < 100 else 1)
    return value


# ---------------------------------------------------------------- synthetic corpus

SUBDISTRICTS = ["长虹街", "鼓楼街", "兴南街", "广开街", "万兴街", "学府街", "向阳路街", "嘉陵道街", "王顶堤街",
                "水上公园街", "体育中心街", "华苑街"]
PLACES = ["南开大学片区", "天津大学片区", "鞍山西道", "白堤路", "红旗路", "黄河道", "长江道", "复康路", "卫津路",
          "西湖道", "密云路", "咸阳路", "航天道", "时代奥城", "大悦城商圈", "天拖地块", "六马路地块", "水上公园"]
PROJECTS = ["科技园", "创新中心", "产业园", "社区服务中心", "养老服务驿站", "口袋公园", "菜市场", "停车场",
            "文化中心", "体育公园", "卫生服务中心", "幼儿园", "小学", "中学", "人才公寓", "孵化器"]
_STRIP = str.maketrans("", "", "“‘「『《（(【”’」』》）)】\"'")
_CLAUSE_SPLIT = re.compile(r"[，,；;：:。！？!?]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LEAD_BAD = re.compile(r"[，、：:；“”《》（）,()0-9%]")


def _clause_pool(sentences: Sequence[str]) -> tuple[list[str], list[str]]:
    """(clauses 4..30 characters, short clauses usable as topic leads) from the plan's sentences."""
    clauses: list[str] = []
    leads: list[str] = []
    for sentence in sentences:
        for clause in _CLAUSE_SPLIT.split(sentence.translate(_STRIP)):
            clause = clause.strip()
            if not 4 <= len(clause) <= 30 or re.match(r"^([一二三四五六七八九十]+、|\d)", clause):
                continue
            clauses.append(clause)
            if 4 <= len(clause) <= 12 and not _LEAD_BAD.search(clause):
                leads.append(clause)
    if len(clauses) < 10 or len(leads) < 3:
        raise ValueError("the corpus has too few sentences to recombine into a synthetic corpus")
    return sorted(set(clauses)), sorted(set(leads))


class SyntheticText:
    """Realistic Chinese plan-like text: clauses of real sentences recombined, numbers and names varied."""

    def __init__(self, sentences: Sequence[str], seed: int = 2024) -> None:
        self.clauses, self.leads = _clause_pool(sentences)
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def _vary(self, clause: str) -> str:
        rng = self.rng
        clause = _NUMBER.sub(lambda m: str(rng.randint(2, 980)) if "." not in m.group()
                             else f"{rng.uniform(0.5, 99):.1f}", clause)
        return clause

    def sentence(self) -> str:
        rng = self.rng
        for _ in range(50):
            parts = [self._vary(c) for c in rng.sample(self.clauses, rng.choice((2, 2, 3)))]
            roll = rng.random()
            if roll < 0.35:
                parts[0] = f"{rng.choice(SUBDISTRICTS)}{parts[0]}"
            elif roll < 0.6:
                parts.insert(rng.randint(1, len(parts)), f"推进{rng.choice(PLACES)}{rng.choice(PROJECTS)}建设")
            elif roll < 0.75:
                parts.append(f"全年完成{rng.randint(3, 950)}{rng.choice(['个', '项', '处', '万平方米', '亿元'])}")
            text = "，".join(parts) + "。"
            if text not in self.seen:
                self.seen.add(text)
                return text
        raise RuntimeError("could not make a new synthetic sentence — the clause pool is too small")

    def lead(self) -> str:
        return self._vary(self.rng.choice(self.leads)) + "。"

    def heading(self) -> str:
        text = self.rng.choice(self.clauses)
        return f"{self.rng.choice(PLACES)}{text}"[:30]


def write_synthetic_corpus(target: Path, n_sentences: int, source_dir: Path, seed: int = 2024,
                           per_document: int = 200) -> int:
    """Copy the real corpus into ``target`` and add synthetic .txt documents holding exactly
    ``n_sentences`` sentences (as bot.corpus parses them), under an outline of 一、/1. headings with
    topic leads. Returns the number of synthetic sentences written."""
    from .corpus import load_corpus

    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_dir.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
    gen = SyntheticText([s.text for s in load_corpus(source_dir).sentences], seed=seed)
    rng = gen.rng
    written = 0
    doc = 0
    numerals = "一二三四五六七八九"
    while written < n_sentences:
        doc += 1
        budget = min(per_document, n_sentences - written)
        lines = [f"南开区{rng.choice(SUBDISTRICTS)}2024年重点工作安排第{doc}册"]
        part = 0
        while budget > 0:
            part += 1
            lines.append(f"{numerals[(part - 1) % 9]}、{gen.heading()}")
            for sub in range(1, rng.randint(3, 5) + 1):
                if budget <= 0:
                    break
                lines.append(f"{sub}.{gen.heading()}")
                for _ in range(rng.randint(2, 4)):
                    if budget <= 0:
                        break
                    # a paragraph: a topic lead, then 2..6 sentences (the lead counts as a sentence)
                    take = min(budget, rng.randint(3, 7))
                    body = [gen.sentence() for _ in range(max(take - 1, 1))]
                    sentences = [gen.lead()] + body if take >= 3 else body[:take]
                    lines.append("".join(sentences))
                    budget -= len(sentences)
                    written += len(sentences)
        (target / f"synthetic-{doc:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


# ---------------------------------------------------------------- measuring stages


@dataclass
class Progress:
    quiet: bool = False

    def __call__(self, msg: str) -> None:
        if not self.quiet:
            print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def measure_build(settings: Settings) -> dict[str, Any]:
    """Cold build (fresh index folder and embedding cache) and a no-op ensure() on the result."""
    from .index import IndexManager

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
            "ask_cpu_p50_ms": percentile(cpu, 50)}


class _RecipeFallback:
    """The plain LangChain recipe, used when bot.baselines is not available: 500/100 character chunks,
    an in-memory Chroma with the same embeddings, similarity_search(k=4)."""

    name = "langchain_recipe"

    def __init__(self, settings: Settings, embeddings: Any) -> None:
        import uuid

        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from .corpus import load_corpus

        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=100)
        texts = ["\n".join(d.clean_lines) for d in load_corpus(settings.corpus_dir).documents]
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(collection_name=f"bench-recipe-{uuid.uuid4().hex}", client=client,
                            embedding_function=embeddings)
        self.store.add_documents(splitter.create_documents(texts))

    def answer(self, case: Any) -> dict[str, Any]:
        docs = self.store.similarity_search(case.question, k=4)
        return {"answer": docs[0].page_content if docs else "", "citations": [d.page_content for d in docs]}


def make_recipe(settings: Settings, assistant: Any) -> tuple[Any, str]:
    """bot.baselines' langchain_recipe when present, else the in-bench fallback; with a note saying which."""
    try:
        from .baselines import make_baselines

        systems = {s.name: s for s in make_baselines(settings, assistant)}
        if "langchain_recipe" in systems:
            return systems["langchain_recipe"], "bot.baselines:langchain_recipe"
        note = "bot.baselines has no langchain_recipe"
    except ImportError:
        note = "bot.baselines missing"
    except Exception as exc:  # the module is being edited: measure the recipe anyway
        note = f"bot.baselines failed ({exc.__class__.__name__}: {exc})"
    return _RecipeFallback(settings, assistant.index.embeddings), f"bench fallback recipe ({note})"


def measure_baseline(settings: Settings, assistant: Any, cases: Sequence[Any]) -> dict[str, Any]:
    system, which = make_recipe(settings, assistant)
    for case in list(cases)[:5]:
        system.answer(case)
    times = []
    for case in cases:
        t0 = time.perf_counter()
        system.answer(case)
        times.append(_ms_since(t0))
    return {"baseline": which, "baseline_ask_p50_ms": percentile(times, 50),
            "baseline_ask_p95_ms": percentile(times, 95)}


# ---------------------------------------------------------------- the server under load


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_rss_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of a process in MB from /proc; None where unavailable."""
    values: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return values.get("VmRSS"), values.get("VmHWM")


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (/proc/<pid>/stat); None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_s() -> float | None:
    """CPU seconds all cores have spent busy since boot (/proc/stat), to tell other people's load from ours."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class RssSampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak = 0.0
        self.hwm = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every_s)

    def sample(self) -> None:
        rss, hwm = read_rss_mb(self.pid)
        self.peak = max(self.peak, rss or 0.0)
        self.hwm = max(self.hwm, hwm or 0.0)

    def stop(self) -> float | None:
        self.sample()
        self._stop_event.set()
        best = max(self.peak, self.hwm)
        return best or None


def mixed_questions(cases: Sequence[Any]) -> list[Any]:
    """The eval cases alternating Chinese and English."""
    zh = [c for c in cases if c.lang == "zh"]
    en = [c for c in cases if c.lang != "zh"]
    out: list[Any] = []
    for i in range(max(len(zh), len(en))):
        out += ([zh[i]] if i < len(zh) else []) + ([en[i]] if i < len(en) else [])
    return out


async def drive(base_url: str, cases: Sequence[Any], clients: int, per_client: int,
                timeout_s: float = HTTP_PHASE_TIMEOUT_S) -> dict[str, Any]:
    """``clients`` concurrent tasks, each sending ``per_client`` POST /api/ask in turn; bounded by timeout_s."""
    import httpx

    questions = mixed_questions(cases)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(i: int, http: httpx.AsyncClient) -> None:
        for j in range(per_client):
            if time.monotonic() > deadline:
                return
            case = questions[(i * 7 + j) % len(questions)]
            body = {"question": case.question, "lang": "auto", "history": case.history[-10:]}
            t0 = time.perf_counter()
            try:
                r = await http.post(f"{base_url}/api/ask", json=body)
                if r.status_code != 200:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except Exception as exc:  # a refused / reset / timed-out request is an error, not a crash
                errors[exc.__class__.__name__] = errors.get(exc.__class__.__name__, 0) + 1
            latencies.append(_ms_since(t0))

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        for case in questions[:HTTP_WARMUP]:  # first requests pay lazy imports; not counted
            await http.post(f"{base_url}/api/ask", json={"question": case.question})
        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(client(i, http)) for i in range(clients)]
        done, pending = await asyncio.wait(tasks, timeout=timeout_s + REQUEST_TIMEOUT_S)
        for task in pending:
            task.cancel()
        elapsed = time.perf_counter() - t0
    total = len(latencies)
    return {"http_clients": clients, "http_requests": total, "http_requests_planned": clients * per_client,
            "http_errors": sum(errors.values()),
            "http_error_kinds": errors, "http_timed_out": bool(pending) or time.monotonic() > deadline,
            "http_elapsed_s": elapsed, "http_rps": total / elapsed if elapsed > 0 else None,
            "http_p50_ms": percentile(latencies, 50), "http_p95_ms": percentile(latencies, 95)}


def server_env(settings: Settings, index_dir: Path, data_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"BOT_HOST": "127.0.0.1", "BOT_PORT": str(port), "BOT_INDEX_DIR": str(index_dir),
                "BOT_DATA_DIR": str(data_dir), "BOT_CORPUS_DIR": str(settings.corpus_dir),
                "BOT_EMBEDDER": settings.embedder, "BOT_RATE_LIMIT_PER_MINUTE": "1000000",
                "PYTHONUNBUFFERED": "1"})
    return env


def measure_http(settings: Settings, index_dir: Path, work: Path, cases: Sequence[Any], clients: int,
                 per_client: int, say: Callable[[str], None]) -> dict[str, Any]:
    """Start app.py on a free port with the built index; cold start, load, RSS; always stop it."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = work / "server.log"
    out: dict[str, Any] = {"http_clients": clients}
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                env=server_env(settings, index_dir, work / "server-data", port))
        sampler = RssSampler(proc.pid)
        sampler.start()
        try:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with code {proc.returncode} before it was healthy: "
                                       + _tail(log_path))
                if time.perf_counter() - t0 > HEALTH_TIMEOUT_S:
                    raise RuntimeError(f"no healthy /api/health after {HEALTH_TIMEOUT_S:.0f}s: " + _tail(log_path))
                try:
                    if httpx.get(f"{base}/api/health", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            out["cold_start_s"] = time.perf_counter() - t0
            out["server_rss_idle_mb"] = read_rss_mb(proc.pid)[0]
            say(f"server healthy after {out['cold_start_s']:.1f}s; {clients} clients x {per_client} requests")
            cpu0 = process_cpu_s(proc.pid)
            out.update(asyncio.run(drive(base, cases, clients, per_client)))
            cpu1 = process_cpu_s(proc.pid)
            if cpu0 is not None and cpu1 is not None and out.get("http_requests"):
                out["server_cpu_ms_per_request"] = (cpu1 - cpu0) * 1000.0 / out["http_requests"]
                out["server_cpu_cores_used"] = (cpu1 - cpu0) / out["http_elapsed_s"]
        finally:
            out["server_rss_mb"] = sampler.stop()
            out["server_cpu_s"] = process_cpu_s(proc.pid)
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
    return out


def _tail(path: Path, n: int = 600) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-n:].strip()
    except OSError:
        return "(no server log)"


# ---------------------------------------------------------------- scale


def measure_scale(settings: Settings, plan: Settings, work: Path, n_sentences: int, cases: Sequence[Any],
                  say: Callable[[str], None]) -> dict[str, Any]:
    """Build the index of a synthetic corpus of ``n_sentences``, then time ask on the plan questions
    against it, alternating with the plan-size index (``plan``, already built) question by question, so
    the ratio of the two p50s holds even when other processes come and go on the machine."""
    from .corpus import load_corpus
    from .index import IndexManager
    from .service import Assistant

    corpus = work / "scale-corpus"
    in_plan = len(load_corpus(settings.corpus_dir).sentences)
    written = write_synthetic_corpus(corpus, max(n_sentences - in_plan, 0), settings.corpus_dir)
    scaled = settings.with_(corpus_dir=corpus, index_dir=work / "scale-index", data_dir=work / "scale-data")
    say(f"scale: {written} synthetic + {in_plan} plan sentences; building (embedding dominates)")
    t0 = time.perf_counter()
    result = IndexManager(scaled).build()
    build_s = time.perf_counter() - t0
    big, small = Assistant(scaled), Assistant(plan)
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


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def run(settings: Settings, quick: bool = False, skip: Sequence[str] = (), say: Callable[[str], None] | None = None,
        work: Path | None = None, scale_sentences: int | None = None, clients: int | None = None,
        per_client: int | None = None, passes: int | None = None) -> dict[str, Any]:
    """All stages; a stage that fails leaves its figures None and its error under ``errors``."""
    from .evaluate import load_cases
    from .service import Assistant

    say = say or Progress()
    skip = set(skip)
    own_work = work is None
    work = work or Path(tempfile.mkdtemp(prefix="bot-bench-"))
    cases = load_cases(settings.evals_dir / "questions.jsonl")
    if quick:
        cases = mixed_questions(cases)[:60]
    passes = passes or (1 if quick else 2)
    scale_sentences = scale_sentences or (QUICK_SCALE_SENTENCES if quick else SCALE_SENTENCES)
    clients = clients or HTTP_CLIENTS
    per_client = per_client or (QUICK_HTTP_REQUESTS if quick else HTTP_REQUESTS)
    fig: dict[str, Any] = {key: None for key in REQUIRED_KEYS}
    fig.update({"quick": quick, "embedder": settings.embedder, "cpus": cpu_count(), "questions": len(cases),
                "omp": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT")},
                "passes": passes, "load_average_start": [round(x, 2) for x in os.getloadavg()], "errors": {}})
    bench = settings.with_(index_dir=work / "index", data_dir=work / "data")
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
            holder["assistant"] = Assistant(bench)
            say(f"in-process: {passes} pass(es) over {len(cases)} questions")
            return measure_ask(holder["assistant"], cases, passes)

        stage("ask", in_process)
        if "baseline" not in skip and "assistant" in holder:
            say("baseline: the plain LangChain recipe")
            stage("baseline", lambda: measure_baseline(bench, holder["assistant"], cases))
        holder.clear()  # the server gets the CPUs and memory to itself
        if "http" not in skip:
            stage("http", lambda: measure_http(bench, bench.index_dir, work, cases, clients, per_client, say))
        if "scale" not in skip:
            stage("scale", lambda: measure_scale(settings, bench, work, scale_sentences, cases, say))
    finally:
        if own_work and os.environ.get("BOT_BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
    fig["scale_meets_20k"] = bool(fig.get("scale_sentences") and fig["scale_sentences"] >= SCALE_SENTENCES)
    fig["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    fig["total_s"] = time.perf_counter() - started
    add_ratios(fig)
    fig["targets"] = evaluate_targets(fig)
    return {k: _round(v) for k, v in fig.items()}


# ---------------------------------------------------------------- output

ROWS = [
    ("embedding floor (query) p50", "embed_query_p50_ms", "ms"), ("ask p50 (in-process, warm)", "ask_p50_ms", "ms"),
    ("ask p95", "ask_p95_ms", "ms"), ("LangChain recipe p50", "baseline_ask_p50_ms", "ms"),
    ("cold index build", "build_cold_s", "s"), ("no-op rebuild", "build_noop_s", "s"),
    ("HTTP clients", "http_clients", ""), ("HTTP requests", "http_requests", ""), ("HTTP errors", "http_errors", ""),
    ("HTTP throughput", "http_rps", "req/s"), ("HTTP p50", "http_p50_ms", "ms"), ("HTTP p95", "http_p95_ms", "ms"),
    ("server CPU per request", "server_cpu_ms_per_request", "ms"), ("ask CPU time p50", "ask_cpu_p50_ms", "ms"),
    ("server peak RSS", "server_rss_mb", "MB"), ("cold start to healthy", "cold_start_s", "s"),
    ("scale corpus", "scale_sentences", "sentences"), ("scale index build", "scale_build_s", "s"),
    ("scale ask p50", "scale_ask_p50_ms", "ms"), ("plan ask p50 (alongside scale)", "scale_plan_ask_p50_ms", "ms"),
    ("ask p50 / embedding floor", "ask_p50_over_embed", "x"), ("ask p95 / embedding floor", "ask_p95_over_embed", "x"),
    ("HTTP rps / CPU bound", "http_rps_over_cpu_bound", ""),
    ("HTTP rps / CPU-time bound (info)", "http_rps_over_cpu_time_bound", ""), ("HTTP p95 / ask p50", "http_p95_over_ask_p50", "x"),
    ("scale p50 / plan p50", "scale_p50_over_plan_p50", "x"),
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
    if fig.get("quick"):
        lines.append(f"--quick: the scale run has {fig.get('scale_sentences')} sentences, not the required 20,000")
    lines.append("")
    lines.append(f"{'target':18}{'value':>12}{'limit':>10}  result  rule")
    for name, t in fig["targets"].items():
        lines.append(f"{name:18}{show(t['value']):>12}{show(t['limit']):>10}  {'PASS' if t['pass'] else 'MISS':6}  {t['rule']}")
    for stage, err in fig.get("errors", {}).items():
        lines.append(f"error in {stage}: {err}")
    return "\n".join(lines)


def main(args: argparse.Namespace, settings: Settings) -> int:
    skip = [s.strip() for s in os.environ.get("BOT_BENCH_SKIP", "").split(",") if s.strip()]
    fig = run(settings, quick=bool(getattr(args, "quick", False)), skip=skip,
              scale_sentences=_env_int("BOT_BENCH_SCALE", 0) or None, clients=_env_int("BOT_BENCH_CLIENTS", 0) or None,
              per_client=_env_int("BOT_BENCH_REQUESTS", 0) or None, passes=_env_int("BOT_BENCH_PASSES", 0) or None)
    if getattr(args, "json", False):
        print(json.dumps(fig, ensure_ascii=False, indent=2))
    else:
        print(format_table(fig))
    return 0
