"""The bench's HTTP stage: ``python app.py`` with the built index, cold start to a healthy ``/api/health``, then N
concurrent clients x M ``POST /api/ask`` (Chinese and English alternating), the server's CPU time and peak RSS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from ..config import Settings
from ..testing import launch_app
from .chatbench import drive_chat, load_mix
from .probes import RssSampler, process_cpu_s, read_rss_mb
from .stats import percentile

HTTP_PHASE_TIMEOUT_S = 300.0
HEALTH_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 60.0
HTTP_WARMUP = 4


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def mixed_questions(cases: Sequence[Any]) -> list[Any]:
    """The eval cases alternating Chinese and English."""
    zh = [c for c in cases if c.lang == "zh"]
    en = [c for c in cases if c.lang != "zh"]
    out: list[Any] = []
    for i in range(max(len(zh), len(en))):
        out += ([zh[i]] if i < len(zh) else []) + ([en[i]] if i < len(en) else [])
    return out


async def drive(base_url: str, cases: Sequence[Any], clients: int, per_client: int,
                timeout_s: float = HTTP_PHASE_TIMEOUT_S, pid: int | None = None) -> dict[str, Any]:
    """``clients`` concurrent tasks, each sending ``per_client`` POST /api/ask in turn; bounded by timeout_s. With the
    server's ``pid``, its CPU time per request after the warm-up (``server_cpu_ms_per_request``)."""
    questions = mixed_questions(cases)
    mix = load_mix(len(questions), clients, per_client)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(i: int, http: httpx.AsyncClient) -> None:
        for j in range(per_client):
            if time.monotonic() > deadline:
                return
            case = questions[mix[i * per_client + j]]
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
        cpu0 = process_cpu_s(pid) if pid else None
        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(client(i, http)) for i in range(clients)]
        done, pending = await asyncio.wait(tasks, timeout=timeout_s + REQUEST_TIMEOUT_S)
        for task in pending:
            task.cancel()
        elapsed = time.perf_counter() - t0
        cpu1 = process_cpu_s(pid) if pid else None
    total = len(latencies)
    cpu: dict[str, Any] = {}
    if cpu0 is not None and cpu1 is not None and total:
        cpu = {"server_cpu_ms_per_request": (cpu1 - cpu0) * 1000.0 / total,
               "server_cpu_cores_used": (cpu1 - cpu0) / elapsed if elapsed > 0 else None}
    return {**cpu, "http_clients": clients, "http_requests": total, "http_requests_planned": clients * per_client,
            "http_errors": sum(errors.values()),
            "http_error_kinds": errors, "http_timed_out": bool(pending) or time.monotonic() > deadline,
            "http_elapsed_s": elapsed, "http_rps": total / elapsed if elapsed > 0 else None,
            "http_p50_ms": percentile(latencies, 50), "http_p95_ms": percentile(latencies, 95)}


def server_env(settings: Settings, index_dir: Path, data_dir: Path) -> dict[str, str]:
    """What the bench's server gets beyond ``bot.testing.app_env``: the bench's own index, corpus and embedder,
    the vector store and LLM of these settings, no rate limit to speak of and no answer cache (the Zipf stage
    measures that in-process)."""
    env = {"BOT_INDEX_DIR": str(index_dir), "BOT_DATA_DIR": str(data_dir), "BOT_CORPUS_DIR": str(settings.corpus_dir),
           "BOT_EMBEDDER": settings.embedder, "BOT_RATE_LIMIT_PER_MINUTE": "1000000",
           "BOT_ANSWER_CACHE": "0"}  # every request computed: the figures are the server's cost of an answer
    if settings.chroma_url:  # the index was built in that Chroma server: the server must read it there too
        env["BOT_CHROMA_URL"] = settings.chroma_url
    if settings.llm:
        env["BOT_LLM"] = settings.llm
    return env


def wait_for_chat(base: str, started_s: float) -> float | None:
    """Seconds from launch until the chat's page config answers (the server builds the chat after the index);
    None when it never does."""
    t0 = time.perf_counter()
    try:
        r = httpx.get(f"{base}/config", timeout=HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return None
    return started_s + time.perf_counter() - t0 if r.status_code == 200 else None


def measure_http(settings: Settings, index_dir: Path, work: Path, cases: Sequence[Any], clients: int,
                 per_client: int, say: Callable[[str], None], chat: bool = True) -> dict[str, Any]:
    """Start app.py on a free port with the built index; cold start, POST /api/ask under load, then (``chat``) the
    Gradio chat through its queue (``bot.evals.chatbench``), RSS; always stop it."""
    out: dict[str, Any] = {"http_clients": clients}
    samplers: list[RssSampler] = []

    def watch(proc: Any) -> None:  # from the moment the server starts: its peak RSS may come early
        samplers.append(RssSampler(proc.pid))
        samplers[0].start()

    try:
        with launch_app(work, env_extra=server_env(settings, index_dir, work / "server-data"),
                        timeout_s=HEALTH_TIMEOUT_S, on_start=watch) as app:
            pid = app.proc.pid
            try:
                out["cold_start_s"] = app.started_s
                out["server_rss_idle_mb"] = read_rss_mb(pid)[0]
                out["ui_ready_s"] = wait_for_chat(app.base, app.started_s)  # Gradio is imported after health
                say(f"server healthy after {out['cold_start_s']:.1f}s, the chat after {out['ui_ready_s']:.1f}s; "
                    f"{clients} clients x {per_client} requests")
                out.update(asyncio.run(drive(app.base, cases, clients, per_client, pid=pid)))
                if chat:
                    say(f"chat: {clients} residents x {per_client} questions through the Gradio queue")
                    out.update(asyncio.run(drive_chat(app.base, mixed_questions(cases), clients, per_client, pid=pid)))
            finally:  # while the server still runs
                out["server_rss_mb"] = samplers[0].stop()
                out["server_cpu_s"] = process_cpu_s(pid)
    finally:
        for sampler in samplers:  # also when the server never became healthy
            sampler.stop()
    return out
