"""The evaluation report for district staff: one self-contained HTML file (inline CSS and SVG).

It references nothing outside itself — no scripts, fonts, images or links to other hosts — and a
Content-Security-Policy meta tag forbids any request the browser might otherwise make. The markup is the
template ``bot/web/templates/report.html`` (read as a file: evals never import the web layer); this module
computes what goes in it.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import jinja2
from markupsafe import Markup

if TYPE_CHECKING:
    from .judge import Outcome
    from .run import Run

Pred = Callable[["Outcome"], bool]

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
TEMPLATE = "report.html"


def _answerable(o: "Outcome") -> bool:
    return not o.case.abstain


# (key, heading, the cases the metric is computed over: "—" is shown when there are none)
COLUMNS: list[tuple[str, str, Pred]] = [
    ("fact_accuracy_zh", "Key facts zh", lambda o: _answerable(o) and o.case.lang == "zh"),
    ("fact_accuracy_en", "Key facts en", lambda o: _answerable(o) and o.case.lang == "en"),
    ("citation_hit_at_1", "Cite hit@1", _answerable),
    ("citation_hit_at_3", "Cite hit@3", _answerable),
    ("mrr", "MRR", _answerable),
    ("abstention_precision", "Abstain precision", lambda o: bool(o.answer.get("abstained"))),
    ("abstention_recall", "Abstain recall", lambda o: o.case.abstain),
    ("pass_rate", "Pass", lambda o: True),
    ("median_answer_chars", "Median answer chars", lambda o: not o.answer.get("abstained")),
    ("median_latency_ms", "Median ms", lambda o: True),
]
LOWER_IS_BETTER = {"median_answer_chars", "median_latency_ms"}
CHART_METRICS = ["fact_accuracy_zh", "fact_accuracy_en", "citation_hit_at_1", "citation_hit_at_3", "mrr", "pass_rate"]
COLORS = ["#1f6feb", "#d4862b", "#6e9e4f", "#9a6fb0", "#8c8c8c", "#c24d4d"]
REASON_KINDS = ["missing fact", "wrong citation", "should have abstained", "abstained wrongly"]


def format_value(key: str, value: Any) -> str:
    """A metric as the report shows it: a percentage, milliseconds, characters, or "—" when not measured."""
    if value is None:
        return "—"
    if key == "median_latency_ms":
        return f"{float(value):.1f}"
    if key == "median_answer_chars":
        return f"{float(value):.0f}"
    return f"{100 * float(value):.1f}%"


def _escaped(value: Any) -> Any:
    """Every ``{{ }}`` of the template, escaped as html.escape does (``&quot;``, ``&#x27;``), the entities the
    report has always used; already-safe markup (the template's own macros) passes as it is."""
    return value if hasattr(value, "__html__") else Markup(escape(str(value)))


_env: jinja2.Environment | None = None


def _template() -> jinja2.Template:
    global _env
    if _env is None:
        _env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=_escaped,
                                  keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return _env.get_template(TEMPLATE)


# ---------------------------------------------------------------- what the template shows


def _metric_group(label: str, group: Pred, summaries: dict[str, dict[str, Any]],
                  runs: dict[str, "Run"]) -> dict[str, Any]:
    """One row per system for a group of cases; the best value of each column is marked."""
    values: dict[str, dict[str, Any]] = {}
    for name, summary in summaries.items():
        outcomes = [o for o in runs[name].outcomes if group(o)]
        values[name] = {key: summary.get(key) if any(pred(o) for o in outcomes) else None
                        for key, _, pred in COLUMNS}
    best: dict[str, Any] = {}
    for key, _, _ in COLUMNS:
        found = [v[key] for v in values.values() if v[key] is not None]
        if found and len(values) > 1:
            best[key] = min(found) if key in LOWER_IS_BETTER else max(found)
    rows = [{"system": name,
             "cells": [{"cls": "na" if v is None else "best" if key in best and v == best[key] else "",
                        "text": format_value(key, v)} for key, v in values[name].items()]}
            for name in summaries]
    return {"label": label, "cases": sum(1 for o in runs[next(iter(summaries))].outcomes if group(o)), "rows": rows}


def _summaries(runs: dict[str, "Run"], result: dict[str, Any], path: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out = {}
    for name in runs:
        node: Any = result.get("systems", {}).get(name) or runs[name].summary()
        for step in path:
            node = node.get(step, {})
        out[name] = node
    return out


def _chart(result: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Grouped bars: each main metric, one bar per system, values 0..1 (coordinates as the SVG writes them)."""
    width, height, left, top, bottom = 760, 300, 40, 36, 48
    plot_w, plot_h = width - left - 10, height - top - bottom
    group_w = plot_w / len(CHART_METRICS)
    bar_w = min(26.0, (group_w - 12) / max(1, len(names)))
    ticks = []
    for tick in range(0, 11, 2):
        y = top + plot_h * (1 - tick / 10)
        ticks.append({"y": f"{y:.1f}", "label_y": f"{y + 4:.1f}", "percent": tick * 10})
    groups = []
    for g, key in enumerate(CHART_METRICS):
        x0 = left + g * group_w + (group_w - bar_w * len(names)) / 2
        bars = []
        for i, name in enumerate(names):
            value = float(result["systems"][name].get(key) or 0.0)
            h = plot_h * max(0.0, min(1.0, value))
            x, y = x0 + i * bar_w, top + plot_h - h
            bars.append({"x": f"{x:.1f}", "y": f"{y:.1f}", "width": f"{bar_w - 2:.1f}", "height": f"{h:.1f}",
                         "color": COLORS[i % len(COLORS)], "title": f"{name} {key}: {value:.3f}",
                         "label_x": f"{x + (bar_w - 2) / 2:.1f}", "label_y": f"{y - 3:.1f}",
                         "percent": round(100 * value)})
        groups.append({"bars": bars, "label": next(h for k, h, _ in COLUMNS if k == key),
                       "label_x": f"{left + g * group_w + group_w / 2:.1f}"})
    legend = [{"x": left + i * 170, "text_x": left + i * 170 + 16, "color": COLORS[i % len(COLORS)], "name": name}
              for i, name in enumerate(names)]
    return {"width": width, "height": height, "left": left, "right": width - 10, "label_y": height - bottom + 16,
            "note_y": height - 8, "ticks": ticks, "groups": groups, "legend": legend}


def _reasons(runs: dict[str, "Run"]) -> list[dict[str, Any]]:
    rows = []
    for name, run in runs.items():
        failed = [o for o in run.outcomes if not o.passed]
        rows.append({"system": name, "failures": len(failed),
                     "counts": [sum(1 for o in failed if o.reason.startswith(k)) for k in REASON_KINDS]})
    return rows


def _case(o: "Outcome", others: dict[str, "Outcome"]) -> dict[str, Any]:
    c = o.case
    cites = [{"id": str(cite.get("id", "")), "label": str(cite.get("label") or ""), "hit": o.hit_rank == rank,
              "quote": str(cite.get("quote") or ""), "quote_en": str(cite["quote_en"]) if cite.get("quote_en") else ""}
             for rank, cite in enumerate(o.answer.get("citations") or [], 1)]
    return {"kind": "pass" if o.passed else "fail", "id": c.id, "lang": c.lang, "category": c.category,
            "question": c.question, "reason": o.reason,
            "history": [{"role": t.get("role", ""), "content": t.get("content", "")} for t in c.history],
            "expected": "abstain (the plan does not answer this)" if c.abstain
            else "an answer citing " + ", ".join(c.gold),
            "facts": "; ".join(" / ".join(alts) for alts in c.facts) or "—",
            "answer": o.answer.get("answer") or "", "abstained": " (abstained)" if o.answer.get("abstained") else "",
            "citations": cites, "passed": o.passed, "latency": f"{o.latency_ms:.1f}",
            "baselines": [{"system": name, "passed": b.passed, "reason": b.reason} for name, b in others.items()]}


# ---------------------------------------------------------------- compared with the previous run and the floors


def comparison(current: dict[str, Any], previous: dict[str, Any] | None,
               floors: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per metric: this run, the previous run, the change, the floor (or ceiling) and whether it holds."""
    floors = floors or {}
    rows = []
    for key, heading, _ in COLUMNS:
        now, before = current.get(key), (previous or {}).get(key)
        floor, ceiling = floors.get(key), floors.get(f"{key}_max")
        delta, cls = "—", ""
        if now is not None and before is not None:
            diff = float(now) - float(before)
            points = diff if key in LOWER_IS_BETTER else 100 * diff
            unit = "" if key in LOWER_IS_BETTER else " pts"
            delta = f"{points:+.1f}{unit}"
            better = diff < 0 if key in LOWER_IS_BETTER else diff > 0
            cls = "" if abs(diff) < 1e-9 else "up" if better else "down"
        holds = None
        if now is not None and floor is not None:
            holds = float(now) >= float(floor)
        elif now is not None and ceiling is not None:
            holds = float(now) <= float(ceiling)
        limit = floor if floor is not None else ceiling
        rows.append({"metric": heading, "now": format_value(key, now), "before": format_value(key, before),
                     "delta": delta, "cls": cls, "floor": "—" if limit is None else
                     ("≤ " if ceiling is not None and floor is None else "≥ ") + format_value(key, limit),
                     "holds": "—" if holds is None else "ok" if holds else "BELOW" if floor is not None else "ABOVE",
                     "bad": holds is False})
    return rows


def summary_texts(cases: int, passes: int, rows: list[dict[str, Any]], previous_label: str,
                  approved: list[dict[str, Any]]) -> tuple[str, str]:
    """The report's opening paragraph, in Chinese and in English."""
    rate = f"{100 * passes / cases:.1f}%" if cases else "—"
    below = [r["metric"] for r in rows if r["bad"]]
    worse = [f"{r['metric']} ({r['delta']})" for r in rows if r["cls"] == "down"]
    better = [f"{r['metric']} ({r['delta']})" for r in rows if r["cls"] == "up"]
    broken = [a for a in approved if a["verdict"] != "ok"]
    zh = f"本次评估共{cases}个用例，通过{passes}个（{rate}）。"
    en = f"This run judged {cases} cases and passed {passes} ({rate})."
    if previous_label:
        zh += (f"与上次（{previous_label}）相比，提高：{'、'.join(better) or '无'}；下降：{'、'.join(worse) or '无'}。")
        en += (f" Compared with the previous run ({previous_label}): better — {', '.join(better) or 'none'}; "
               f"worse — {', '.join(worse) or 'none'}.")
    else:
        zh += "没有可比较的上次评估。"
        en += " There is no earlier run to compare with."
    zh += f"低于底线的指标：{'、'.join(below)}。" if below else "所有指标均达到底线。"
    en += f" Below the floor: {', '.join(below)}." if below else " Every metric meets its floor."
    if approved:
        zh += f"已审核的答复{len(approved)}条，" + (f"其中{len(broken)}条需要重新审核。" if broken else "全部仍然有效。")
        en += (f" Of {len(approved)} approved answers, " + (f"{len(broken)} need approving again." if broken
                                                           else "all still validate."))
    return zh, en


def approved_checks(settings: Any) -> list[dict[str, Any]]:
    """Each staff-approved answer checked against the corpus as it is now ("ok", stale, or the failed check)."""
    from ..approved import audit

    try:
        return audit(settings)
    except Exception:  # noqa: BLE001 — the report goes on without the section
        return []


def render_report(runs: dict[str, "Run"], result: dict[str, Any]) -> str:
    return render_report_with(runs, result)


def render_report_with(runs: dict[str, "Run"], result: dict[str, Any], previous: Any = None,
                       floors: dict[str, Any] | None = None, approved: list[dict[str, Any]] | None = None,
                       run_label: str = "") -> str:
    """The report, with the comparison to ``previous`` (a RunRecord) and ``floors``, and the approved answers."""
    names = list(runs)
    main_run = runs.get("assistant") or runs[names[0]]
    outcomes = main_run.outcomes
    langs = sorted({o.case.lang for o in outcomes})
    cats = sorted({o.case.category for o in outcomes})
    by_id = {name: {o.case.id: o for o in run.outcomes} for name, run in runs.items() if run is not main_run}
    ordered = sorted(outcomes, key=lambda o: o.passed)  # stable: failures first, then set order
    failures = sum(1 for o in outcomes if not o.passed)
    current = (result.get("systems", {}).get(main_run.system) or main_run.summary())
    rows = comparison(current, previous.metrics if previous is not None else None, floors)
    approved = approved or []
    summary_zh, summary_en = summary_texts(len(outcomes), len(outcomes) - failures, rows,
                                           previous.label() if previous is not None else "", approved)
    return _template().render(
        summary_zh=summary_zh, summary_en=summary_en, comparison=rows, run_label=run_label,
        previous_label=previous.label() if previous is not None else "", approved=approved,
        cases=len(outcomes), systems=", ".join(names), stamp=time.strftime("%Y-%m-%d %H:%M"),
        headings=[h for _, h, _ in COLUMNS], reason_kinds=REASON_KINDS,
        overall=[_metric_group("all", lambda o: True, _summaries(runs, result, ()), runs)],
        by_language=[_metric_group(lang, lambda o, lang=lang: o.case.lang == lang,
                                   _summaries(runs, result, ("by_language", lang)), runs) for lang in langs],
        by_category=[_metric_group(cat, lambda o, cat=cat: o.case.category == cat,
                                   _summaries(runs, result, ("by_category", cat)), runs) for cat in cats],
        chart=_chart(result, names), reasons=_reasons(runs), system=main_run.system, failures=failures,
        passes=len(outcomes) - failures,
        case_list=[_case(o, {n: ids[o.case.id] for n, ids in by_id.items() if o.case.id in ids}) for o in ordered])


def write_report(path: Path, runs: dict[str, "Run"], result: dict[str, Any], settings: Any = None,
                 source: str = "cli") -> None:
    """Write the HTML report to ``path`` (parent folders are created): the run is kept (``bot.evals.history``) and
    compared with the previous one and with evals/floors.json; the approved answers are checked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_for(runs, result, settings, source), encoding="utf-8")


def report_for(runs: dict[str, "Run"], result: dict[str, Any], settings: Any = None, source: str = "cli") -> str:
    import json

    from ..config import Settings
    from .history import RunHistory

    settings = settings or Settings.from_env()
    main = runs.get("assistant") or next(iter(runs.values()))
    floors_path = Path(settings.evals_dir) / "floors.json"
    floors = json.loads(floors_path.read_text(encoding="utf-8")).get(main.system) if floors_path.exists() else None
    current = previous = None
    try:
        history = RunHistory.from_settings(settings)
        summary = result.get("systems", {}).get(main.system) or main.summary()
        current = history.add({**summary, "cases": len(main.outcomes)}, settings.embedder, source)
        previous = history.previous(current)
    except Exception:  # noqa: BLE001 — the runs are kept where a database can be had; the report is written anyway
        pass
    return render_report_with(runs, result, previous, floors, approved_checks(settings),
                              current.label() if current is not None else "")
