"""The evaluation report for district staff: one self-contained HTML file (inline CSS and SVG).

It references nothing outside itself — no scripts, fonts, images or links to other hosts — and a
Content-Security-Policy meta tag forbids any request the browser might otherwise make.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .evaluate import Outcome, Run

Pred = Callable[["Outcome"], bool]


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

CSS = """
body{margin:0;padding:12px;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","PingFang SC",
"Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",Roboto,Helvetica,Arial,sans-serif;
color:#1d2329;background:#fff}
main{max-width:1100px;margin:0 auto}
h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #d0d7de}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:13px;min-width:100%}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:right;white-space:nowrap}
th{background:#f3f5f7}td.l,th.l{text-align:left}
tr.group td{border-top:2px solid #8c959f}
.best{font-weight:700}
.na{color:#8c959f}
svg{width:100%;min-width:560px;height:auto;max-width:760px;display:block}
details{border:1px solid #d0d7de;border-radius:6px;margin:6px 0;padding:4px 8px}
details.fail{border-left:5px solid #c24d4d}details.pass{border-left:5px solid #6e9e4f}
summary{cursor:pointer;overflow-wrap:anywhere}
.badge{display:inline-block;font-size:12px;font-weight:700;padding:0 6px;border-radius:4px;color:#fff}
.badge.fail{background:#c24d4d}.badge.pass{background:#6e9e4f}
.meta{color:#57606a;font-size:13px}
.reason{color:#a0332f;font-weight:600}
.answer{white-space:pre-wrap;background:#f6f8fa;padding:6px;border-radius:4px;overflow-wrap:anywhere}
dl{margin:.3em 0}dt{font-weight:600;margin-top:.4em}dd{margin:0 0 0 1em;overflow-wrap:anywhere}
ol{padding-left:1.6em}li{overflow-wrap:anywhere}
.hit{color:#2f7a32;font-weight:700}
"""


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "median_latency_ms":
        return f"{float(value):.1f}"
    if key == "median_answer_chars":
        return f"{float(value):.0f}"
    return f"{100 * float(value):.1f}%"


def _metric_rows(label: str, group: Callable[["Outcome"], bool], summaries: dict[str, dict[str, Any]],
                 runs: dict[str, "Run"]) -> str:
    """One row per system for a group of cases; the best value of each column is bold."""
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
    rows = []
    n = sum(1 for o in runs[next(iter(summaries))].outcomes if group(o))
    for i, name in enumerate(summaries):
        cells = "".join(
            f'<td class="{"na" if v is None else "best" if key in best and v == best[key] else ""}">'
            f"{escape(_fmt(key, v))}</td>"
            for key, v in values[name].items())
        span = f'rowspan="{len(summaries)}"'
        head = f'<td class="l" {span}>{escape(label)}</td><td {span}>{n}</td>' if i == 0 else ""
        rows.append(f'<tr class="{"group" if i == 0 else ""}">{head}<td class="l">{escape(name)}</td>{cells}</tr>')
    return "".join(rows)


def _table(first: str, blocks: list[str]) -> str:
    heads = "".join(f"<th>{escape(h)}</th>" for _, h, _ in COLUMNS)
    return (f'<div class="scroll"><table><thead><tr><th class="l">{escape(first)}</th><th>cases</th>'
            f'<th class="l">system</th>{heads}</tr></thead><tbody>{"".join(blocks)}</tbody></table></div>')


def _summaries(runs: dict[str, "Run"], result: dict[str, Any], path: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    out = {}
    for name in runs:
        node: Any = result.get("systems", {}).get(name) or runs[name].summary()
        for step in path:
            node = node.get(step, {})
        out[name] = node
    return out


def _bar_chart(result: dict[str, Any], names: list[str]) -> str:
    """Grouped bars: each main metric, one bar per system, values 0..1."""
    width, height, left, top, bottom = 760, 300, 40, 36, 48
    plot_w, plot_h = width - left - 10, height - top - bottom
    group_w = plot_w / len(CHART_METRICS)
    bar_w = min(26.0, (group_w - 12) / max(1, len(names)))
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Main metrics by system">']
    for tick in range(0, 11, 2):
        y = top + plot_h * (1 - tick / 10)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e1e4e8"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#57606a">'
                     f"{tick * 10}%</text>")
    for g, key in enumerate(CHART_METRICS):
        x0 = left + g * group_w + (group_w - bar_w * len(names)) / 2
        for i, name in enumerate(names):
            value = float(result["systems"][name].get(key) or 0.0)
            h = plot_h * max(0.0, min(1.0, value))
            x, y = x0 + i * bar_w, top + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[i % len(COLORS)]}"><title>{escape(name)} {escape(key)}: '
                         f"{value:.3f}</title></rect>"
                         f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y - 3:.1f}" font-size="9" text-anchor="middle" '
                         f'fill="#1d2329">{round(100 * value)}</text>')
        label = next(h for k, h, _ in COLUMNS if k == key)
        parts.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" font-size="12" '
                     f'text-anchor="middle" fill="#1d2329">{escape(label)}</text>')
    for i, name in enumerate(names):  # legend
        x = left + i * 170
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{COLORS[i % len(COLORS)]}"/>'
                     f'<text x="{x + 16}" y="18" font-size="12" fill="#1d2329">{escape(name)}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="#57606a">'
                 "Percent of cases; bar labels are percentages.</text></svg>")
    return "".join(parts)


def _reason_table(runs: dict[str, "Run"]) -> str:
    heads = "".join(f"<th>{escape(k)}</th>" for k in REASON_KINDS)
    rows = []
    for name, run in runs.items():
        failed = [o for o in run.outcomes if not o.passed]
        counts = "".join(f"<td>{sum(1 for o in failed if o.reason.startswith(k))}</td>" for k in REASON_KINDS)
        rows.append(f'<tr><td class="l">{escape(name)}</td><td>{len(failed)}</td>{counts}</tr>')
    return (f'<div class="scroll"><table><thead><tr><th class="l">system</th><th>failures</th>{heads}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _case(o: "Outcome", others: dict[str, "Outcome"]) -> str:
    kind = "pass" if o.passed else "fail"
    c = o.case
    reason = f' — <span class="reason">{escape(o.reason)}</span>' if o.reason else ""
    summary = (f'<summary><span class="badge {kind}">{kind.upper()}</span> <b>{escape(c.id)}</b> '
               f'<span class="meta">[{escape(c.lang)} · {escape(c.category)}]</span> {escape(c.question)}{reason}'
               "</summary>")
    facts = "; ".join(" / ".join(alts) for alts in c.facts) or "—"
    expected = "abstain (the plan does not answer this)" if c.abstain else "an answer citing " + ", ".join(c.gold)
    history = "".join(f"<dd>{escape(t.get('role', ''))}: {escape(t.get('content', ''))}</dd>" for t in c.history)
    answer = o.answer.get("answer") or ""
    abstained = " (abstained)" if o.answer.get("abstained") else ""
    cites = []
    for rank, cite in enumerate(o.answer.get("citations") or [], 1):
        hit = ' <span class="hit">✓ gold</span>' if o.hit_rank == rank else ""
        english = f'<br><span class="meta">{escape(str(cite["quote_en"]))}</span>' if cite.get("quote_en") else ""
        cites.append(f"<li><b>{escape(str(cite.get('id', '')))}</b> {escape(str(cite.get('label') or ''))}{hit}"
                     f"<br>{escape(str(cite.get('quote') or ''))}{english}</li>")
    baselines = "".join(f"<dd>{escape(name)}: {'pass' if b.passed else 'fail — ' + escape(b.reason)}</dd>"
                        for name, b in others.items())
    return (f'<details class="{kind}">{summary}<dl>'
            + (f"<dt>Conversation before</dt>{history}" if history else "")
            + f"<dt>Expected</dt><dd>{escape(expected)}</dd>"
            f"<dt>Expected facts</dt><dd>{escape(facts)}</dd>"
            f"<dt>Answer{escape(abstained)}</dt><dd><div class=\"answer\">{escape(answer) or '—'}</div></dd>"
            f"<dt>Citations</dt><dd>{'<ol>' + ''.join(cites) + '</ol>' if cites else '—'}</dd>"
            f"<dt>Result</dt><dd>{'pass' if o.passed else 'fail — ' + escape(o.reason)} "
            f'<span class="meta">({o.latency_ms:.1f} ms)</span></dd>'
            + (f"<dt>Baselines on this case</dt>{baselines}" if baselines else "")
            + "</dl></details>")


def render(runs: dict[str, "Run"], result: dict[str, Any]) -> str:
    names = list(runs)
    main_run = runs.get("assistant") or runs[names[0]]
    outcomes = main_run.outcomes
    langs = sorted({o.case.lang for o in outcomes})
    cats = sorted({o.case.category for o in outcomes})
    overall = _table("set", [_metric_rows("all", lambda o: True, _summaries(runs, result, ()), runs)])
    by_lang = _table("language", [_metric_rows(lang, lambda o, lang=lang: o.case.lang == lang,
                                               _summaries(runs, result, ("by_language", lang)), runs)
                                  for lang in langs])
    by_cat = _table("category", [_metric_rows(cat, lambda o, cat=cat: o.case.category == cat,
                                              _summaries(runs, result, ("by_category", cat)), runs)
                                 for cat in cats])
    by_id = {name: {o.case.id: o for o in run.outcomes} for name, run in runs.items() if run is not main_run}
    ordered = sorted(outcomes, key=lambda o: o.passed)  # stable: failures first, then set order
    failures = sum(1 for o in outcomes if not o.passed)
    cases = "".join(_case(o, {n: ids[o.case.id] for n, ids in by_id.items() if o.case.id in ids}) for o in ordered)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Evaluation report — Nankai 2024 plan assistant</title>
<style>{CSS}</style></head>
<body><main>
<h1>Evaluation report · 评测报告</h1>
<p class="meta">{len(outcomes)} cases · systems: {escape(", ".join(names))} · generated {escape(stamp)}.
Key facts: share of answerable questions whose answer contains every expected fact. Cite hit@k: a gold
sentence is quoted by one of the first k citations. “—”: no case of that kind in the group.</p>
<h2>Overall</h2>{overall}
<h2>Main metrics</h2><div class="scroll">{_bar_chart(result, names)}</div>
<h2>By language</h2>{by_lang}
<h2>By category</h2>{by_cat}
<h2>Why cases fail</h2>{_reason_table(runs)}
<h2>Every case — {escape(main_run.system)} ({failures} failures first, then {len(outcomes) - failures} passes)</h2>
{cases}
</main></body></html>
"""


def write_report(path: Path, runs: dict[str, "Run"], result: dict[str, Any]) -> None:
    """Write the HTML report to ``path`` (parent folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(runs, result), encoding="utf-8")
