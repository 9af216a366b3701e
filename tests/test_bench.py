"""bench: the pure helpers (stats, probes), the synthetic corpus, and smoke runs (no timing assertions)."""

from __future__ import annotations

import math
from typing import Any
from pathlib import Path

import pytest

from bot.config import ROOT, Settings
from bot.corpus import load_corpus, split_sentences
from bot.evals import bench, load, probes, stats
from bot.evals.cases import load_cases
from bot.evals.synthetic import write_synthetic_corpus


# ---------------------------------------------------------------- percentiles


def test_percentile_interpolates_like_numpy() -> None:
    numpy = pytest.importorskip("numpy")
    values = [12.0, 3.5, 7.0, 100.0, 1.0, 9.25, 40.0]
    for p in (0, 5, 25, 50, 75, 90, 95, 99, 100):
        assert stats.percentile(values, p) == pytest.approx(float(numpy.percentile(values, p)))


def test_percentile_edges() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([4.0], 95) == 4.0
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.percentile(iter([3, 1, 2]), 100) == 3.0
    with pytest.raises(ValueError):
        stats.percentile([1.0], 101)


# ---------------------------------------------------------------- ratios and targets


def _figures(**changes: object) -> dict:
    fig = {"embed_query_p50_ms": 10.0, "ask_p50_ms": 15.0, "ask_p95_ms": 25.0, "http_rps": 100.0,
           "http_p95_ms": 150.0, "http_errors": 0, "server_rss_mb": 500.0, "build_noop_s": 0.2,
           "scale_ask_p50_ms": 18.0, "scale_sentences": 20_109, "cpus": 2, "ask_cpu_p50_ms": 14.0,
           "ask_cpu_mean_ms": 16.0, "server_cpu_ms_per_request": 17.0, "chat_cpu_ms_per_question": 19.0,
           "cold_start_s": 2.0, "zipf_ask_p50_ms": 0.5, "log_cpu_overhead": 0.02, "staff_query_max_ms": 400.0}
    fig.update(changes)
    return fig


def test_ratios() -> None:
    fig = stats.add_ratios(_figures())
    assert fig["ask_p50_over_embed"] == pytest.approx(1.5)
    assert fig["ask_p95_over_embed"] == pytest.approx(2.5)
    assert fig["cpu_bound_rps"] == pytest.approx(2 * 1000 / 15.0)
    assert fig["http_rps_over_cpu_bound"] == pytest.approx(100.0 / (2000 / 15.0))
    assert fig["http_p95_over_ask_p50"] == pytest.approx(10.0)
    assert fig["scale_p50_over_plan_p50"] == pytest.approx(1.2)
    assert fig["server_cpu_over_ask_cpu"] == pytest.approx(17.0 / 16.0)  # means against means
    assert fig["chat_cpu_over_ask_cpu"] == pytest.approx(19.0 / 16.0)
    assert fig["zipf_p50_over_embed"] == pytest.approx(0.05)


def test_server_cpu_falls_back_to_the_ask_cpu_p50() -> None:
    fig = stats.add_ratios(_figures(ask_cpu_mean_ms=None))
    assert fig["server_cpu_over_ask_cpu"] == pytest.approx(17.0 / 14.0)


def test_server_cpu_prefers_the_load_questions_measured_alongside() -> None:
    fig = stats.add_ratios(_figures(ask_cpu_ref_ms=17.0))
    assert fig["server_cpu_over_ask_cpu"] == pytest.approx(1.0)
    assert fig["chat_cpu_over_ask_cpu"] == pytest.approx(19.0 / 17.0)


def test_the_load_mix_is_what_the_clients_ask() -> None:
    assert load.load_mix(5, 2, 3) == [0, 1, 2, 2, 3, 4]


def test_cpu_time_bound_is_informational() -> None:
    fig = stats.add_ratios(_figures(ask_cpu_p50_ms=25.0))
    assert fig["cpu_time_bound_rps"] == pytest.approx(80.0)
    assert fig["http_rps_over_cpu_time_bound"] == pytest.approx(1.25)
    assert "cpu_time" not in " ".join(t["figure"] for t in stats.evaluate_targets(fig).values())


def test_scale_ratio_prefers_the_plan_p50_measured_alongside() -> None:
    fig = stats.add_ratios(_figures(scale_plan_ask_p50_ms=12.0))
    assert fig["scale_p50_over_plan_p50"] == pytest.approx(1.5)


def test_ratios_with_missing_figures_are_none() -> None:
    fig = stats.add_ratios(_figures(http_rps=None, embed_query_p50_ms=0.0, scale_ask_p50_ms=None))
    assert fig["http_rps_over_cpu_bound"] is None
    assert fig["ask_p50_over_embed"] is None  # never a division by zero
    assert fig["scale_p50_over_plan_p50"] is None


def test_all_targets_pass_on_good_figures() -> None:
    targets = stats.evaluate_targets(stats.add_ratios(_figures()))
    assert set(targets) == {t[0] for t in stats.TARGETS}
    assert all(t["pass"] for t in targets.values()), targets


@pytest.mark.parametrize("change, target", [
    ({"ask_p50_ms": 20.1}, "ask_p50"),
    ({"ask_p95_ms": 30.5}, "ask_p95"),
    ({"http_errors": 1}, "http_errors"),
    ({"http_rps": 70.0}, "http_throughput"),  # 70 / 133.3 < 0.6
    ({"http_p95_ms": 301.0}, "http_p95"),
    ({"server_rss_mb": 700.5}, "server_rss"),
    ({"build_noop_s": 1.01}, "build_noop"),
    ({"scale_ask_p50_ms": 22.6}, "scale_p50"),
    ({"scale_sentences": 2_000}, "scale_size"),
    ({"server_rss_mb": None}, "server_rss"),  # a missing figure is a miss, not a pass
    ({"server_cpu_ms_per_request": 17.7}, "server_cpu"),  # 17.7 / 16 > 1.1
    ({"chat_cpu_ms_per_question": 19.3}, "chat_cpu"),  # 19.3 / 16 > 1.2
    ({"cold_start_s": 2.6}, "cold_start"),
    ({"zipf_ask_p50_ms": 3.1}, "zipf_p50"),  # 3.1 / 10 > 0.3
    ({"log_cpu_overhead": 0.051}, "log_cpu"),
    ({"staff_query_max_ms": 1000.5}, "staff_query"),
])
def test_each_target_misses_alone(change: dict, target: str) -> None:
    targets = stats.evaluate_targets(stats.add_ratios(_figures(**change)))
    assert [name for name, t in targets.items() if not t["pass"]] == [target]


def test_limits_are_inclusive() -> None:
    targets = stats.evaluate_targets(stats.add_ratios(_figures(ask_p50_ms=20.0, build_noop_s=1.0,
                                                                server_rss_mb=700.0)))
    assert targets["ask_p50"]["pass"] and targets["build_noop"]["pass"] and targets["server_rss"]["pass"]


# ---------------------------------------------------------------- synthetic corpus


@pytest.mark.parametrize("n", [1, 7, 450])
def test_synthetic_corpus_has_exactly_n_parseable_sentences(tmp_path: Path, n: int) -> None:
    written = write_synthetic_corpus(tmp_path / "c", n, ROOT / "corpus", per_document=120)
    assert written == n
    corpus = load_corpus(tmp_path / "c")
    assert corpus.problems == []
    synthetic = [s for d in corpus.documents if d.doc_id.startswith("synthetic-") for s in d.sentences]
    assert len(synthetic) == n
    ids = [s.id for s in corpus.sentences] + [p.id for p in corpus.paragraphs]
    assert len(ids) == len(set(ids))
    # the real plan is still there, unchanged
    assert "nankai-2024-plan" in {d.doc_id for d in corpus.documents}
    assert (tmp_path / "c" / "glossary.jsonl").read_bytes() == (ROOT / "corpus" / "glossary.jsonl").read_bytes()


def test_synthetic_sentences_are_varied_and_plan_like(tmp_path: Path) -> None:
    write_synthetic_corpus(tmp_path / "c", 600, ROOT / "corpus", per_document=200)
    corpus = load_corpus(tmp_path / "c")
    docs = [d for d in corpus.documents if d.doc_id.startswith("synthetic-")]
    texts = [s.text for d in docs for s in d.sentences]
    body = [t for t in texts if "，" in t]
    assert len(set(body)) == len(body)  # no sentence repeated
    assert len(body) > len(texts) // 2
    assert all(split_sentences(t) == [t] for t in texts)  # one sentence each, as the parser sees it
    assert all(len(d.sections) >= 2 for d in docs)  # an outline of 一、 parts and 1. subsections
    assert any(p.topic != d.title for d in docs for p in d.paragraphs)  # topic leads were recognised
    assert any(ch.isdigit() for t in body for ch in t)


def test_synthetic_corpus_is_deterministic(tmp_path: Path) -> None:
    write_synthetic_corpus(tmp_path / "a", 50, ROOT / "corpus", seed=7)
    write_synthetic_corpus(tmp_path / "b", 50, ROOT / "corpus", seed=7)
    for path in sorted((tmp_path / "a").glob("synthetic-*.txt")):
        assert path.read_text(encoding="utf-8") == (tmp_path / "b" / path.name).read_text(encoding="utf-8")


def test_zipf_mix_repeats_a_few_questions_often() -> None:
    cases = load_cases(ROOT / "evals" / "questions.jsonl")
    mix = bench.zipf_mix(cases, 3000)
    counts = sorted((sum(1 for c in mix if c is case) for case in cases), reverse=True)
    assert sum(counts) == 3000 and counts[0] > 10 * counts[len(counts) // 2]
    assert bench.zipf_mix(cases, 50) == bench.zipf_mix(cases, 50)  # deterministic


def test_mixed_questions_alternate_languages() -> None:
    cases = load.mixed_questions(load_cases(ROOT / "evals" / "questions.jsonl"))
    assert [c.lang for c in cases[:6]] == ["zh", "en"] * 3


def test_read_rss_of_this_process() -> None:
    import os

    rss, hwm = probes.read_rss_mb(os.getpid())
    if rss is None:
        pytest.skip("no /proc on this system")
    assert rss > 0 and hwm is not None and hwm >= rss * 0.5


def test_table_shows_every_target() -> None:
    fig = stats.add_ratios(_figures(http_rps=None))
    fig["targets"] = stats.evaluate_targets(fig)
    text = bench.format_table(fig)
    for name in fig["targets"]:
        assert name in text
    assert "MISS" in text and "PASS" in text


# ---------------------------------------------------------------- smoke runs


def _numbers(fig: dict, keys: list[str]) -> None:
    for key in keys:
        value = fig[key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
        assert math.isfinite(value) and value >= 0, (key, value)


@pytest.mark.slow
def test_quick_run_in_process(tmp_path: Path) -> None:
    settings = Settings.from_env(embedder="fake", index_dir=tmp_path / "unused", data_dir=tmp_path / "data")
    fig = bench.run(settings, quick=True, skip=("http",), work=tmp_path / "work", scale_sentences=600,
                    say=lambda _msg: None)
    assert fig["errors"] == {}
    _numbers(fig, ["embed_query_p50_ms", "ask_p50_ms", "ask_p95_ms", "baseline_ask_p50_ms", "build_cold_s",
                   "build_noop_s", "scale_sentences", "scale_build_s", "scale_ask_p50_ms", "scale_plan_ask_p50_ms", "ask_cpu_p50_ms",
                   "ask_p50_over_embed", "ask_p95_over_embed", "scale_p50_over_plan_p50"])
    assert fig["build_noop_rebuilt"] is False
    _numbers(fig, ["zipf_ask_p50_ms", "zipf_hit_rate", "zipf_p50_over_embed", "ask_cpu_mean_ms"])
    assert fig.get("ask_cpu_ref_ms") is None  # measured only for an HTTP stage
    assert fig["zipf_asks"] == bench.QUICK_ZIPF_ASKS and 0 < fig["zipf_hit_rate"] < 1
    assert fig["zipf_distinct"] < fig["zipf_asks"] / 2  # the mix repeats the popular questions
    assert fig["scale_sentences"] == 600 and fig["scale_meets_20k"] is False
    assert fig["baseline"]
    for key in bench.REQUIRED_KEYS:
        assert key in fig
    assert set(fig["targets"]) == {t[0] for t in stats.TARGETS}
    assert not (tmp_path / "unused").exists()  # the configured index is never touched


@pytest.mark.slow
@pytest.mark.integration
def test_quick_run_http(tmp_path: Path) -> None:
    settings = Settings.from_env(embedder="fake", index_dir=tmp_path / "unused", data_dir=tmp_path / "data")
    fig = bench.run(settings, quick=True, skip=("scale", "baseline"), work=tmp_path / "work", clients=3,
                    per_client=4, say=lambda _msg: None)
    assert fig["errors"] == {}, fig["errors"]
    _numbers(fig, ["http_rps", "http_p50_ms", "http_p95_ms", "server_rss_mb", "cold_start_s", "server_cpu_ms_per_request",
                   "chat_cpu_ms_per_question", "chat_qps", "chat_p50_ms", "chat_p95_ms", "server_cpu_over_ask_cpu",
                   "chat_cpu_over_ask_cpu"])
    assert fig["http_requests"] == 12 and fig["http_clients"] == 3
    assert fig["http_errors"] == 0, fig["http_error_kinds"]
    assert fig["chat_questions"] == 12 and fig["chat_errors"] == 0, fig["chat_error_kinds"]
    _numbers(fig, ["ask_cpu_ref_ms"])
    assert fig["import_ms"]["gradio"] > 0 and "bot.web.app" in fig["import_ms"]
    assert "import time per heavy package" in bench.format_table(fig)


def test_the_chat_queue_keeps_no_monitoring_summary() -> None:
    """What the chat-path profile removed: Gradio's per-event summary of every recorded event (a pandas DataFrame of
    up to 10,000 rows after each question) for a monitoring dashboard this app does not offer."""
    from types import SimpleNamespace

    from bot.web.app import without_monitoring

    computed: list[int] = []
    queue = SimpleNamespace(ANALYTICS_MAX_EVENTS=10_000, cached_event_analytics_summary={"functions": {}},
                            compute_analytics_summary=lambda records: computed.append(len(records)))
    without_monitoring(SimpleNamespace(_queue=queue))
    assert queue.compute_analytics_summary([{"function": "respond"}] * 500) == {"functions": {}}
    assert computed == [] and queue.ANALYTICS_MAX_EVENTS == 100
    without_monitoring(SimpleNamespace())  # a Gradio without that queue: nothing to do


def test_chat_sessions_keep_their_state_without_a_deep_link_copy() -> None:
    """The other removal: Gradio's per-session copy of every block's configuration, for deep links (refused here)."""
    import gradio as gr
    from gradio import state_holder

    from bot.web.app import without_deep_link_state

    with gr.Blocks() as demo:
        records = gr.State({})
        box = gr.Textbox()
    without_deep_link_state()
    without_deep_link_state()  # once is enough; twice changes nothing
    holder = state_holder.StateHolder()
    holder.set_blocks(demo)
    session = holder["a-session"]
    assert session.config_values == {}
    assert session[records._id] == {}  # the State's initial value, as before
    session[records._id] = {"1": {"question": "q"}}
    assert session[records._id] == {"1": {"question": "q"}} and records._id in session._state_ttl
    session[box._id] = gr.Textbox(value="x")
    assert session[box._id].value == "x" and session.config_values == {}
    assert holder["another"][records._id] == {}  # sessions apart


def test_the_queue_summary_runs_inline_and_other_work_still_in_a_worker_thread() -> None:
    """Gradio's queue handed its (now constant) summary to a worker thread after every event: it runs in place."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from gradio import queueing

    from bot.web.app import without_monitoring

    queue = SimpleNamespace(ANALYTICS_MAX_EVENTS=10_000, cached_event_analytics_summary={"functions": {}},
                            compute_analytics_summary=lambda records: None)
    without_monitoring(SimpleNamespace(_queue=queue))
    without_monitoring(SimpleNamespace(_queue=queue))  # twice: one wrapper, not two

    async def threads() -> tuple[Any, str, str]:
        summary = await queueing.run_sync(queue.compute_analytics_summary, [{"function": "respond"}])
        here = await queueing.run_sync(lambda: threading.current_thread().name)
        inline = await queueing.run_sync(queue.compute_analytics_summary, [])
        return summary, here, inline

    summary, elsewhere, inline = asyncio.run(threads())
    assert summary == inline == {"functions": {}}
    assert elsewhere != threading.current_thread().name  # anything else still goes to a worker thread
    assert getattr(queueing.run_sync, "inline_aware", False)
    assert not getattr(queueing.run_sync.__closure__[0].cell_contents, "inline_aware", False)  # type: ignore[index]


def test_gradio_login_check_runs_on_the_event_loop_with_the_same_answers() -> None:
    """A question's two requests each ran Gradio's sync login check in FastAPI's thread pool: it is a coroutine
    now, on every route that had it, and still refuses when a Gradio login is on."""
    import inspect

    import gradio as gr
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from starlette.routing import Mount

    from bot.web.app import inline_login_check

    with gr.Blocks() as demo:
        gr.Textbox()
    app = gr.mount_gradio_app(FastAPI(), demo, path="/")
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount))
    assert inline_login_check(gradio_app) > 10
    assert inline_login_check(gradio_app) == 0  # already done
    with TestClient(app) as client:
        assert client.get("/config").status_code == 200
        assert client.post("/gradio_api/queue/join", json={}).status_code == 422  # past the check, to the body
        checks = {(ctx.path, sub.call.__name__, inspect.iscoroutinefunction(sub.call))
                  for route in gradio_app.router.routes for ctx in getattr(route, "_effective_candidates", [])
                  if getattr(ctx, "dependant", None) is not None and ctx.path.endswith(("/queue/join", "/queue/data"))
                  for sub in ctx.dependant.dependencies if sub.call.__name__ == "login_check"}
        assert checks == {("/gradio_api/queue/join", "login_check", True),
                          ("/gradio_api/queue/data", "login_check", True)}
        gradio_app.auth = {"someone": "secret"}  # a Gradio login: the same refusal as Gradio's own check
        try:
            r = client.post("/gradio_api/queue/join", json={})
            assert r.status_code == 401 and r.json()["detail"]["error"] == "Not authenticated"
            assert client.get("/config").status_code == 401
        finally:
            gradio_app.auth = None


def test_the_server_cpu_reference_keeps_each_questions_median_of_several_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """One ask per question sampled a stage, not the questions (28.8 ms beside an ask CPU p50 of 34.3 ms in one
    run): each distinct load question is asked three times and its median kept, so one slow or fast ask moves
    nothing. The clock here gives 10, 1000 and 12 ms to a question's three asks; the reference is 12 ms."""
    from types import SimpleNamespace

    cases = [SimpleNamespace(question="q1", history=[], lang="zh"), SimpleNamespace(question="q2", history=[], lang="en")]
    asked: list[str] = []
    durations = iter([10.0, 1000.0, 12.0] * 10)
    clock = {"now": 0.0, "open": False}

    def process_time() -> float:  # each ask reads the clock twice: its start, then its end, a duration later
        if clock["open"]:
            clock["now"] += next(durations) / 1000.0
        clock["open"] = not clock["open"]
        return clock["now"]

    monkeypatch.setattr(bench.time, "process_time", process_time)
    fig = bench.measure_ask_cpu_ref(SimpleNamespace(ask=lambda q, history: asked.append(q)), cases, clients=2,
                                    per_client=1)
    assert fig["ask_cpu_ref_repeats"] == 3 and fig["ask_cpu_ref_questions"] == 2
    assert fig["ask_cpu_ref_ms"] == pytest.approx(12.0) and len(asked) == 2 + 2 * 3, (fig, asked)
