"""python -m bot index | ask | corpus check | eval | bench | serve"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from .confidence import CALIBRATION_FILE
from .approved import audit
from .build import IndexManager
from .check import corpus_report
from .config import Settings
from .errors import BotError
from .evals.calibrate import calibrate
from .evals.cases import load_cases, load_eval_set
from .evals.gate import check_floors
from .evals.report import write_report
from .evals.run import Run, evaluate
from .service import Assistant


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    manager = IndexManager(settings)
    say = (lambda msg: print(msg, file=sys.stderr))
    if args.prune:  # what nothing serves: old builds, stale leases, orphaned collections on a Chroma server
        removed = manager.prune()
        for kind, names in removed.items():
            print(f"removed {len(names)} {kind}" + "".join(f"\n  {n}" for n in names))
        return 0
    result = manager.build(on_progress=say) if args.rebuild else manager.ensure(on_progress=say)
    if not result.built:
        print(f"index is up to date ({result.manifest.sentences if result.manifest else 0} sentences) — "
              "nothing to do; `--rebuild` forces a new build")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = Assistant(settings).warm_up(on_progress=lambda m: print(m, file=sys.stderr))
    answer = assistant.ask(args.question, lang=args.lang, channel="cli")  # not in the residents' question log
    if args.json:
        _print_json(answer.as_dict())
        return 0
    print(answer.answer)
    for c in answer.citations:
        label = c.label if answer.language == "zh" else c.label_en
        print(f"\n[{c.n}] {label}  ({c.id})\n    {c.quote}")
        if answer.language == "en" and c.quote_en:
            print(f"    {c.quote_en}  (unofficial translation)")
    return 0


def cmd_corpus(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "translate":
        return cmd_translate(args, settings)
    report = corpus_report(settings.corpus_dir)
    report["approved_answers"] = audit(settings)  # stale ones are not served until staff approve them again
    if args.json:
        _print_json(report)
    else:
        for doc in report["documents"]:
            drafts = f" ({doc['english_drafts']} draft)" if doc["english_drafts"] else ""
            print(f"{doc['file']}: {doc['id']} — {doc['kind']}, year {doc['year'] or '?'}, issued "
                  f"{doc['issued'] or '?'}; {doc['paragraphs']} paragraphs, {doc['sentences']} sentences, "
                  f"English coverage {doc['english_coverage']:.2f}{drafts}")
        print(f"years: {', '.join(map(str, report['years'])) or 'none'}")
        print(f"glossary: {report['glossary_terms']} terms; key figures: {report['key_figures']}")
        for a in report["approved_answers"]:
            if a.get("verdict") != "ok":
                print(f"approved answer {a.get('id')} ({a.get('question')}): {a.get('verdict')} — not served until re-approved")
        for problem in report["problems"]:
            print(f"problem: {problem}")
        print("ok" if not report["problems"] else f"{len(report['problems'])} problem(s)")
    return 0 if not report["problems"] else 1


def cmd_translate(args: argparse.Namespace, settings: Settings) -> int:
    from .translate import translate_command  # LangChain chat models: only for this command

    if not args.doc:
        print("error: name the document to translate, e.g. `python -m bot corpus translate nankai-2025-plan`",
              file=sys.stderr)
        return 2
    result = translate_command(settings, args.doc, on_progress=lambda m: print(m, file=sys.stderr))
    print(f"{result.path.name}: {result.drafted} rendering(s) drafted, {result.kept} kept, of {result.total} — "
          "drafts are marked \"status\": \"draft\" for review")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    cases = load_cases(Path(args.set_path)) if args.set_path else load_eval_set(settings.evals_dir)
    runs = evaluate(settings, cases, baselines=args.baselines)
    result = {"cases": len(cases), "systems": {name: run.summary() for name, run in runs.items()}}
    if args.calibrate:
        tuning = Run(system="assistant", outcomes=[o for o in runs["assistant"].outcomes if o.case.split == "tune"])
        print(json.dumps(calibrate(tuning, CALIBRATION_FILE), indent=2))  # never fitted on the held-out part
        return 0
    if args.report:
        write_report(Path(args.report), runs, result)
    if args.json:
        _print_json(result)
    else:
        _print_eval_table(result)
        failures = [o for o in runs["assistant"].outcomes if not o.passed]
        for o in failures:
            print(f"FAIL {o.case.id}: {o.case.question} — {o.reason}\n     -> {(o.answer.get('answer') or '')[:160]}")
    if args.gate:
        return check_floors(settings.evals_dir / "floors.json", runs["assistant"])
    return 0


def _print_eval_table(result: dict[str, Any]) -> None:
    keys = ["fact_accuracy_zh", "fact_accuracy_en", "citation_hit_at_1", "citation_hit_at_3", "mrr",
            "abstention_precision", "abstention_recall", "pass_rate", "median_answer_chars", "median_latency_ms"]
    names = list(result["systems"])

    def show(value: object) -> str:
        return "—" if value is None else str(value)

    print(f"{result['cases']} cases")
    print(f"{'metric':24}" + "".join(f"{n:>14}" for n in names))
    for k in keys:
        print(f"{k:24}" + "".join(f"{show(result['systems'][n][k]):>14}" for n in names))
    by_lang = result["systems"]["assistant"]["by_language"]
    for lang, m in by_lang.items():
        print(f"assistant [{lang}]: hit@1 {m['citation_hit_at_1']} hit@3 {m['citation_hit_at_3']} mrr {m['mrr']} "
              f"abstain P {m['abstention_precision']} R {m['abstention_recall']} median {m['median_latency_ms']} ms")


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from .evals import bench  # LangChain and a Chroma client for the recipe baseline: only for this command

    fig = bench.run(settings, quick=args.quick)  # the BOT_BENCH_* knobs come in through settings
    if args.json:
        _print_json(fig)
    else:
        print(bench.format_table(fig))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .web import serve  # the web layer is loaded only for this command

    serve(settings.with_(host=args.host or settings.host, port=args.port or settings.port))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Nankai 2024 plan assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build or refresh index/")
    p.add_argument("--rebuild", action="store_true", help="build even when the index is up to date")
    p.add_argument("--prune", action="store_true", help="remove builds and Chroma collections nothing serves "
                   "(safe while the app runs)")
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--lang", choices=["auto", "zh", "en"], default="auto")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("corpus", help="corpus tools")
    p.add_argument("action", choices=["check", "translate"], help="check: report; translate DOC: draft English")
    p.add_argument("doc", nargs="?", help="translate: the document's ID or file name")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("eval", help="run the evaluation set")
    p.add_argument("--set", dest="set_path", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", default=None)
    p.add_argument("--baselines", action="store_true")
    p.add_argument("--calibrate", action="store_true", help="print abstention thresholds that fit the set")
    p.add_argument("--gate", action="store_true", help="exit 1 when a metric is below its floor in evals/floors.json")
    p = sub.add_parser("bench", help="latency / throughput / build-time figures")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (CI smoke run)")
    p = sub.add_parser("serve", help="serve the UI and API (same as python app.py)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    return parser


COMMANDS = {"index": cmd_index, "ask": cmd_ask, "corpus": cmd_corpus, "eval": cmd_eval,
            "bench": cmd_bench, "serve": cmd_serve}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return COMMANDS[args.command](args, settings)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
