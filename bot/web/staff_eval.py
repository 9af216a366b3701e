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
METRIC_WIDTHS = ["17%", "6%"] + ["7.7%"] * len(COLUMNS)  # fits 1280 px without wrapping a heading mid-word
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
