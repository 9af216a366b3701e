"""The bench's chat stage: the Gradio chat at / driven through its real protocol, as the browser speaks it, by a
light client (httpx; gradio_client was the bottleneck before): ``POST /gradio_api/queue/join`` with the event's
inputs, then the server-sent events of ``GET /gradio_api/queue/data`` until ``process_completed``.

N clients, each a resident in sessions of ``PER_SESSION`` questions (a session is one ``session_hash``: its chat
history grows and travels with each question, its records stay on the server, as in the page); the caller reads
the server's CPU time around ``drive_chat`` for ``chat_cpu_ms_per_question``."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

import httpx

from .probes import process_cpu_s
from .stats import percentile

PER_SESSION = 3  # questions a resident asks in one page visit
CHAT_TIMEOUT_S = 60.0
WARMUP = 4
ASK_EVENT = "respond"  # the chat's ask event (Enter in the box), by its API name


class ChatProtocolError(RuntimeError):
    pass


def load_mix(n_questions: int, clients: int, per_client: int) -> list[int]:
    """Which question (index into the mixed Chinese / English list) each request of a load asks: client i's j-th
    request asks question (7 i + j) mod n. The /api/ask load and the chat ask the same ones."""
    return [(i * 7 + j) % n_questions for i in range(clients) for j in range(per_client)]


def ask_event(config: dict[str, Any]) -> dict[str, Any]:
    """From the app's /config: the ask event's fn_index, its trigger (the question box), inputs and outputs."""
    for dep in config.get("dependencies", []):
        if dep.get("api_name") == ASK_EVENT and dep.get("targets"):
            return {"fn_index": dep["id"], "trigger_id": dep["targets"][0][0], "inputs": dep["inputs"],
                    "outputs": dep["outputs"]}
    raise ChatProtocolError(f"the app's /config has no {ASK_EVENT!r} event")


async def one_question(http: httpx.AsyncClient, base: str, event: dict[str, Any], session: str, question: str,
                       history: list[Any], ui_lang: str) -> list[Any]:
    """One question through the queue: the event's output values (box, chat history, records, hint)."""
    body = {"data": [question, history, None, ui_lang], "event_data": None, "fn_index": event["fn_index"],
            "trigger_id": event["trigger_id"], "session_hash": session}
    r = await http.post(f"{base}/gradio_api/queue/join", json=body)
    if r.status_code != 200:
        raise ChatProtocolError(f"queue/join answered {r.status_code}: {r.text[:200]}")
    event_id = r.json().get("event_id")
    async with http.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        if stream.status_code != 200:
            raise ChatProtocolError(f"queue/data answered {stream.status_code}")
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed" and message.get("event_id") in (None, event_id):
                if not message.get("success"):
                    raise ChatProtocolError(f"the event failed: {str(message.get('output'))[:200]}")
                return list(message["output"]["data"])
            if message.get("msg") in ("close_stream", "unexpected_error"):
                break
    raise ChatProtocolError("the stream ended before the answer")


async def drive_chat(base: str, questions: Sequence[Any], clients: int, per_client: int,
                     per_session: int = PER_SESSION, pid: int | None = None) -> dict[str, Any]:
    """``clients`` residents asking ``per_client`` questions each (eval cases, Chinese and English mixed, the page's
    language that of the question), ``per_session`` per page visit. With the server's ``pid``, its CPU time per
    question (``chat_cpu_ms_per_question``), after a warm-up that is not counted (Gradio imports matplotlib on the
    first event, jieba its tagger on some first questions)."""
    mix = load_mix(len(questions), clients, per_client)  # the questions of the /api/ask load, in the same order
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=2 * clients, max_keepalive_connections=2 * clients)
    async with httpx.AsyncClient(timeout=CHAT_TIMEOUT_S, limits=limits) as http:
        config = (await http.get(f"{base}/config")).json()
        event = ask_event(config)

        async def resident(i: int) -> None:
            history: list[Any] = []
            session = ""
            for j in range(per_client):
                if j % per_session == 0:
                    session, history = secrets.token_hex(6), []
                case = questions[mix[i * per_client + j]]
                t0 = time.perf_counter()
                try:
                    out = await one_question(http, base, event, session, case.question, history,
                                             "zh" if case.lang == "zh" else "en")
                    history = out[1]
                    if not history or len(history) % 2:
                        errors["no answer"] = errors.get("no answer", 0) + 1
                except Exception as exc:  # noqa: BLE001 — counted, the other residents go on
                    errors[exc.__class__.__name__] = errors.get(exc.__class__.__name__, 0) + 1
                latencies.append((time.perf_counter() - t0) * 1000.0)

        for k, case in enumerate(questions[:WARMUP]):  # first-call imports: not counted
            await one_question(http, base, event, f"warm-up-{k}", case.question, [], "zh")
        cpu0 = process_cpu_s(pid) if pid else None
        t0 = time.perf_counter()
        await asyncio.gather(*(resident(i) for i in range(clients)))
        elapsed = time.perf_counter() - t0
        cpu1 = process_cpu_s(pid) if pid else None
    total = len(latencies)
    cpu = {}
    if cpu0 is not None and cpu1 is not None and total:
        cpu = {"chat_cpu_ms_per_question": (cpu1 - cpu0) * 1000.0 / total, "chat_cpu_cores_used": (cpu1 - cpu0) / elapsed}
    return {"chat_clients": clients, "chat_questions": total, "chat_errors": sum(errors.values()),
            "chat_error_kinds": errors, "chat_elapsed_s": elapsed, "chat_qps": total / elapsed if elapsed else None,
            "chat_p50_ms": percentile(latencies, 50), "chat_p95_ms": percentile(latencies, 95),
            "chat_per_session": per_session, **cpu}
