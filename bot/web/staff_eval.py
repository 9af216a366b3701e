"""What the Evaluation tab shows beyond the eval's own tables (``bot.evals.run``): the cases with their expected
sentences (and text), the citations by rank and the whole answer; a case asked again; the add-a-case form's
checks and messages in both languages; the downloadable report (the run kept and compared, ``bot.evals.report``)."""

from __future__ import annotations

import html
import tempfile
import time
from pathlib import Path
from typing import Any

from ..evals.cases import load_cases
from ..evals.judge import Outcome, normalise
from ..evals.report import COLUMNS

SHORT_METRIC_HEADERS = ["group", "cases", "facts zh", "facts en", "hit@1", "hit@3", "MRR", "abst. P", "abst. R",
                        "pass", "med. chars", "med. ms"]
assert len(SHORT_METRIC_HEADERS) == 2 + len(COLUMNS)
METRIC_WIDTHS = ["15%", "8%"] + ["7.7%"] * len(COLUMNS)  # fits the page at 1280 px; headings wrap between words
CASE_WIDTHS = ["9%", "5.5%", "9.5%", "8.5%", "11%", "13%", "16%", "11%", "16.5%"]  # each heading's longest word fits
STAFF_CASE_HEADERS = ["id", "lang", "category", "result", "reason", "question", "expected (gold sentences)",
                      "citations, by rank", "answer (whole)"]
_REPORTS: list[Path] = []


def staff_case_rows(outcomes: list[Outcome], texts: dict[str, str]) -> list[list[Any]]:
    """One row per case, failures first: what was expected (each gold sentence with its text), what was cited (rank,
    paragraph, ✓ where a gold sentence is quoted) and the whole answer."""
    rows = []
    for o in sorted(outcomes, key=lambda o: o.passed):
        expected = "abstain · 应拒答" if o.case.abstain else "\n".join(f"{g}: {texts.get(g, '?')}" for g in o.case.gold)
        cites = "\n".join(f"{rank}. {c.get('id')}{' ✓' if rank == o.hit_rank else ''}"
                          for rank, c in enumerate(o.answer.get("citations") or [], 1)) or "—"
        answer = (o.answer.get("answer") or "") + (" (abstained)" if o.answer.get("abstained") else "")
        rows.append([o.case.id, o.case.lang, o.case.category, "pass" if o.passed else "FAIL", o.reason,
                     o.case.question, expected, cites, answer])
    return rows


def reasked_markdown(outcome: Outcome, answer: dict[str, Any], texts: dict[str, str]) -> str:
    e = lambda t: html.escape(str(t or ""), quote=False)  # noqa: E731
    lines = [f"**{e(outcome.case.id)}** — {e(outcome.case.question)}", "",
             f"**答复 · Answer ({e(answer.get('mode'))}{', abstained' if answer.get('abstained') else ''}):**",
             "", e(answer.get("answer")), "", "**引用 · Citations:**"]
    gold = set(outcome.case.gold)
    for c in answer.get("citations") or []:
        hit = " ✓" if gold & set(c.get("sentence_ids") or []) else ""
        lines.append(f"{c.get('n')}. `{e(c.get('id'))}`{hit} — {e(c.get('quote'))}")
    if outcome.case.gold:
        lines += ["", "**应引用 · Expected:** " + "; ".join(f"`{e(g)}` {e(texts.get(g, ''))}" for g in outcome.case.gold)]
    return "\n".join(lines)


def duplicate_of(path: Path, question: str, history: list[dict[str, str]]) -> str | None:
    """The id of a case in the set with the same question (normalised) and the same conversation before, if any."""
    if not path.exists():
        return None
    key = (normalise(" ".join((question or "").split())), [(t.get("role"), t.get("content")) for t in history])
    for case in load_cases(path):
        if (normalise(case.question), [(t.get("role"), t.get("content")) for t in case.history]) == key:
            return case.id
    return None


def history_note(history: list[dict[str, str]]) -> str:
    if not history:
        return ""
    turns = " / ".join(f"{t.get('role')}: {str(t.get('content'))[:60]}" for t in history[-4:])
    return f"对话上下文 · Conversation before this question ({len(history)} turns): {html.escape(turns, quote=False)}"


_ZH = [("empty question", "问题为空"), ("unknown category", "类别不存在"), ("lang must be", "语言只能是 zh 或 en"),
       ("needs gold sentence IDs and facts", "可回答的用例需要出处句子和要点"),
       ("gold sentence IDs not in the corpus", "出处句子ID不在计划中"),
       ("occurs in none of the gold sentences", "要点不在任何出处句子中"),
       ("a fact or one of its variants is empty", "要点或其变体为空"), ("history turns need", "对话上下文格式不对"),
       ("already exists", "该ID已存在"), ("partial or must abstain", "用例不能既是部分回答又应拒答")]


def case_error_zh(message: str) -> str:
    """The Chinese for a CaseError (the English message names the detail)."""
    return next((zh for key, zh in _ZH if key in message), "用例有误")


def report_file(settings: Any, outcomes: list[Outcome]) -> str | None:
    """The staff run's HTML report (the run kept and compared with the previous one and the floors), as a file."""
    from ..evals.judge import breakdown, metrics
    from ..evals.report import report_for
    from ..evals.run import Run

    if not outcomes:
        return None
    run = Run(system="assistant", outcomes=list(outcomes))
    summary = {**metrics(outcomes), "by_language": breakdown(outcomes, lambda o: o.case.lang),
               "by_category": breakdown(outcomes, lambda o: o.case.category)}
    page = report_for({"assistant": run}, {"cases": len(outcomes), "systems": {"assistant": summary}}, settings,
                      source="staff")
    if not _REPORTS:
        _REPORTS.append(Path(tempfile.mkdtemp(prefix="bot-staff-report-")))
    path = _REPORTS[0] / f"eval-report-{time.strftime('%Y%m%d-%H%M%S')}.html"
    path.write_text(page, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- eval cases: listed, edited, deleted (with author, time)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


def list_cases(path: Path) -> list[dict[str, Any]]:
    """Every case of the set file as stored, with who added or last edited it and when (staff cases; "" else)."""
    import json

    out = []
    for line in _lines(path):
        rec = json.loads(line)
        out.append({"id": rec.get("id"), "lang": rec.get("lang"), "category": rec.get("category"),
                    "question": rec.get("question"), "gold": rec.get("gold") or [], "facts": rec.get("facts") or [],
                    "abstain": bool(rec.get("abstain")), "history": rec.get("history") or [],
                    "author": rec.get("author", ""), "at": rec.get("edited_at") or rec.get("added_at") or ""})
    return out


def _rewrite(path: Path, change: Any) -> Any:
    """Under the eval set's lock, ``change(records)`` -> (records, result); the file replaced atomically."""
    import json

    from ..evals.cases import locked, write_atomic

    with locked(path):
        records = [json.loads(line) for line in _lines(path)]
        records, result = change(records)
        write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))
    return result


def stamp(path: Path, case_id: str, author: str, edited: bool = False) -> None:
    """Record who added (or edited) a case and when, in its line of the set."""
    def change(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], None]:
        for rec in records:
            if rec.get("id") == case_id:
                rec["author"] = (author or "").strip()[:100]
                rec["edited_at" if edited else "added_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return records, None
    _rewrite(path, change)


def edit_case(path: Path, checker: Any, case_id: str, question: str, category: str, facts: list[list[str]],
              gold: list[str], abstain: bool, author: str) -> Any:
    """The case replaced by its edited version (validated like a new one; its conversation before is kept)."""
    from ..errors import CaseError
    from ..evals.cases import build_case, case_record

    old = next((c for c in list_cases(path) if c["id"] == case_id), None)
    if old is None:
        raise CaseError(f"no case {case_id!r} in {path.name}")
    record = build_case(question, category, facts, gold, abstain=abstain, history=old["history"], case_id=case_id)
    case = checker.check(record)

    def change(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
        out = []
        for rec in records:
            if rec.get("id") == case_id:
                rec = {**case_record(case), **{k: rec[k] for k in ("added_at",) if k in rec},
                       "author": (author or "").strip()[:100], "edited_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            out.append(rec)
        return out, case
    return _rewrite(path, change)


def delete_case(path: Path, case_id: str) -> bool:
    def change(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        kept = [r for r in records if r.get("id") != case_id]
        return kept, len(kept) < len(records)
    return bool(_rewrite(path, change))
