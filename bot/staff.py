"""Staff tools behind BOT_STAFF_PASSWORD: the password check, the eval run with progress, filters over its
outcomes, residents' 👎 feedback, and new eval cases built from an answer, validated and written atomically.

The metrics are bot.evaluate's; this module only runs them on the live assistant and arranges the results.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from .bilingual import load_renderings
from .corpus import Corpus, load_corpus
# _norm is the judge's own normalisation, so a fact that validates here is one the judge can find
from .evaluate import (AssistantSystem, Case, CaseError, Outcome, _norm, breakdown, load_cases, metrics, parse_case,
                       run_system, sentence_lookup)
from .feedback import FeedbackRecord, FeedbackStore
from .report import COLUMNS, _fmt  # the HTML report's columns and number format, so both tables read alike
from .text import detect_language

if TYPE_CHECKING:
    from .service import Assistant

log = logging.getLogger("bot.staff")

EVAL_SET = "questions.jsonl"
ALL = "all"
_WRITE_LOCK = threading.Lock()  # one writer per process; flock on the lock file covers other processes
_EVAL_LOCK = threading.Lock()  # one eval run at a time per process (it takes the CPU for a minute)


def check_password(expected: str, given: str | None) -> bool:
    """True only for the configured password (constant-time); always False when none is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def eval_set_path(evals_dir: Path) -> Path:
    return Path(evals_dir) / EVAL_SET


# ---------------------------------------------------------------- running the eval


class EvalBusy(RuntimeError):
    """Another evaluation is running in this process."""


class LiveSystem(AssistantSystem):
    """bot.evaluate's assistant system on the already loaded assistant (no second index load)."""

    def __init__(self, assistant: "Assistant") -> None:
        self.assistant = assistant


def run_eval(assistant: "Assistant", path: Path,
             on_progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Judge every case of the eval set at ``path`` on the live assistant; ``on_progress(done, total)``."""
    if not _EVAL_LOCK.acquire(blocking=False):
        raise EvalBusy("an evaluation is already running — wait for it to finish")
    try:
        cases = load_cases(path)
        gold_text = sentence_lookup(assistant.settings)
        system = LiveSystem(assistant)
        outcomes: list[Outcome] = []
        for done, case in enumerate(cases):
            if on_progress:
                on_progress(done, len(cases))
            outcomes += run_system(system, [case], gold_text).outcomes
        if on_progress:
            on_progress(len(cases), len(cases))
        return outcomes
    finally:
        _EVAL_LOCK.release()


def filter_outcomes(outcomes: Iterable[Outcome], lang: str = ALL, category: str = ALL,
                    failures_only: bool = False) -> list[Outcome]:
    return [o for o in outcomes if lang in (ALL, "", None, o.case.lang)
            and category in (ALL, "", None, o.case.category) and not (failures_only and o.passed)]


METRIC_HEADERS = ["group", "cases"] + [heading for _, heading, _ in COLUMNS]
CASE_HEADERS = ["id", "lang", "category", "result", "reason", "question", "answer"]


def metric_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    """The report's metric columns for all the outcomes, then per language and per category."""
    groups = [("all", metrics(outcomes))] if outcomes else []
    groups += [(f"lang: {k}", m) for k, m in breakdown(outcomes, lambda o: o.case.lang).items()]
    groups += [(f"category: {k}", m) for k, m in breakdown(outcomes, lambda o: o.case.category).items()]
    return [[name, m["cases"]] + [_fmt(key, m.get(key)) for key, _, _ in COLUMNS] for name, m in groups]


def case_rows(outcomes: list[Outcome], answer_chars: int = 200) -> list[list[Any]]:
    """One row per case, failures first (the order of the eval set otherwise)."""
    ordered = sorted(outcomes, key=lambda o: o.passed)
    return [[o.case.id, o.case.lang, o.case.category, "pass" if o.passed else "FAIL", o.reason, o.case.question,
             (o.answer.get("answer") or "")[:answer_chars]] for o in ordered]


# ---------------------------------------------------------------- feedback


def disliked(store: FeedbackStore, limit: int = 100) -> list[FeedbackRecord]:
    """Residents' 👎 items, newest first."""
    return [r for r in store.recent(max(1000, limit * 10)) if r.rating == -1][:limit]


# ---------------------------------------------------------------- new cases


def quote_sentences(corpus: Corpus, citations: Iterable[Mapping[str, Any]]) -> list[str]:
    """The sentence IDs a list of citations quotes: the sentences of each cited paragraph its quote overlaps."""
    found: list[str] = []
    for cite in citations:
        try:
            para = corpus.paragraph(str(cite.get("id")))
        except KeyError:
            continue
        quote = str(cite.get("quote") or "")
        at = para.text.find(quote) if quote else -1
        start = 0
        for s in para.sentences:
            end = start + len(s.text)
            if at >= 0:
                inside = start < at + len(quote) and at < end
            else:
                inside = bool(quote) and (quote in s.text or s.text in quote)
            if inside and s.id not in found:
                found.append(s.id)
            start = end
    return found


def parse_facts(text: str) -> list[list[str]]:
    """Facts as staff type them: one a line, variants separated by | ("54 | 五十四")."""
    facts = [[v.strip() for v in line.split("|") if v.strip()] for line in (text or "").splitlines()]
    return [f for f in facts if f]


def parse_ids(text: str) -> list[str]:
    return [part for part in (text or "").replace(",", " ").replace("，", " ").split() if part]


def next_id(existing: Iterable[str], lang: str) -> str:
    taken = set(existing)
    n = 1
    while f"{lang}-staff-{n:03d}" in taken:
        n += 1
    return f"{lang}-staff-{n:03d}"


def build_case(question: str, category: str, facts: list[list[str]], gold: list[str], *, abstain: bool = False,
               history: list[dict[str, str]] | None = None, case_id: str = "",
               existing_ids: Iterable[str] = ()) -> dict[str, Any]:
    """An eval-set record (the schema of evals/questions.jsonl); the language is detected from the question."""
    question = " ".join((question or "").split())
    lang = detect_language(question) if question else "zh"
    return {"id": case_id.strip() or next_id(existing_ids, lang), "question": question, "lang": lang,
            "category": category, "history": [dict(t) for t in history or []], "gold": [] if abstain else list(gold),
            "facts": [] if abstain else [list(f) for f in facts], "abstain": abstain}


class CaseChecker:
    """Validates a new case against the schema and the corpus: gold IDs exist, every fact is in a gold sentence."""

    def __init__(self, corpus: Corpus, corpus_dir: Path) -> None:
        self.zh = {s.id: s.text for s in corpus.sentences}
        self.en: dict[str, str] = {}
        for doc in corpus.documents:
            self.en.update({sid: r.en for sid, r in load_renderings(corpus_dir, doc.doc_id).items()})

    def check(self, record: Mapping[str, Any]) -> Case:
        """The parsed case, or CaseError naming the problem and the fix."""
        case = parse_case(dict(record), "new case")
        where = f"new case {case.id}"
        if any(not v.strip() for f in case.facts for v in f) or any(not f for f in case.facts):
            raise CaseError(f"{where}: a fact or one of its variants is empty")
        for turn in case.history:
            if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or not turn.get("content"):
                raise CaseError(f"{where}: history turns need a role (user or assistant) and content")
        if case.abstain:
            return case
        unknown = [g for g in case.gold if g not in self.zh]
        if unknown:
            raise CaseError(f"{where}: gold sentence IDs not in the corpus: {', '.join(unknown)} — "
                            "use IDs such as nankai-2024-plan/2.4.1.4 (see /plan)")
        texts = [_norm(t) for g in case.gold for t in (self.zh[g], self.en.get(g, ""))]
        for fact in case.facts:
            if not any(_norm(v) in t for v in fact for t in texts):
                raise CaseError(f"{where}: fact {' | '.join(fact)!r} occurs in none of the gold sentences "
                                "(Chinese or English) — add a variant as the plan words it, or another gold sentence")
        return case


class DuplicateId(CaseError):
    """The eval set already has a case with this id."""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Threads of this process, then other processes (flock on a lock file beside the eval set)."""
    with _WRITE_LOCK:
        fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


def _write_atomic(path: Path, data: bytes) -> None:
    """The whole new file to a temp file in the same folder, fsync, then os.replace: all or nothing."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def append_case(path: Path, record: Mapping[str, Any]) -> Case:
    """Add one case to the eval set at ``path`` (schema-checked, id unique); the file is replaced atomically,
    so readers see the old set or the new one, never half a file; on any error the old file stays as it was."""
    path = Path(path)
    case = parse_case(dict(record), path.name)
    line = json.dumps(asdict(case), ensure_ascii=False).encode("utf-8") + b"\n"  # the set's own field order
    with _locked(path):
        old = path.read_bytes() if path.exists() else b""
        if any(c.id == case.id for c in (load_cases(path) if old else [])):
            raise DuplicateId(f"{path.name}: a case with id {case.id!r} already exists — choose another id")
        _write_atomic(path, old + (b"\n" if old and not old.endswith(b"\n") else b"") + line)
    log.info("eval set %s: added case %s", path, case.id)
    return case


def add_case(path: Path, checker: CaseChecker, question: str, category: str, facts: list[list[str]],
             gold: list[str], *, abstain: bool = False, history: list[dict[str, str]] | None = None,
             case_id: str = "") -> Case:
    """Build, validate and append a case; a new id is the next free ``<lang>-staff-NNN``."""
    for attempt in range(3):
        existing = [c.id for c in load_cases(path)] if path.exists() else []
        record = build_case(question, category, facts, gold, abstain=abstain, history=history, case_id=case_id,
                            existing_ids=existing)
        checker.check(record)
        try:
            return append_case(path, record)
        except DuplicateId:
            if case_id or attempt == 2:  # a chosen id is the staff's to change; a generated one is retried
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- HTTP routes (mounted only with a password)


class NewCase(BaseModel):
    """POST /api/staff/cases: the case as staff enter it; the language is detected, the id made when empty."""

    question: str = Field(min_length=1, max_length=500)
    category: str
    facts: list[list[str]] = Field(default_factory=list, description="each fact a list of variants")
    gold: list[str] = Field(default_factory=list, description="sentence IDs, e.g. nankai-2024-plan/2.4.1.4")
    abstain: bool = False
    history: list[dict[str, str]] = Field(default_factory=list, max_length=10)
    id: str = Field(default="", max_length=80)


def staff_router(assistant: "Assistant", store: FeedbackStore) -> APIRouter:
    """/api/staff/*: each route needs ``Authorization: Bearer <BOT_STAFF_PASSWORD>`` (401 JSON error without)."""
    from .server import error  # the app's error body; imported here because the server imports this module

    settings = assistant.settings
    router = APIRouter(prefix="/api/staff", include_in_schema=False)
    checkers: list[CaseChecker] = []  # loaded with the corpus on the first new case

    def refused(request: Request) -> JSONResponse | None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        with suppress(UnicodeError):  # HTTP headers arrive as latin-1; a non-ASCII password is sent as UTF-8
            given = given.encode("latin-1").decode("utf-8")
        if scheme.lower() == "bearer" and check_password(settings.staff_password, given.strip()):
            return None
        return error(401, "unauthorized", "staff only — send Authorization: Bearer <BOT_STAFF_PASSWORD>",
                     {"WWW-Authenticate": "Bearer"})

    @router.get("/feedback")
    def feedback(request: Request, limit: int = 100) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        items = [asdict(r) for r in disliked(store, max(1, min(limit, 1000)))]
        return JSONResponse({"feedback": items})

    def add(body: NewCase) -> Case:
        if not checkers:
            checkers.append(CaseChecker(load_corpus(settings.corpus_dir), settings.corpus_dir))
        return add_case(eval_set_path(settings.evals_dir), checkers[0], body.question, body.category, body.facts,
                        body.gold, abstain=body.abstain, history=body.history, case_id=body.id)

    @router.post("/cases", status_code=201)
    async def cases(request: Request) -> JSONResponse:
        if (no := refused(request)) is not None:  # before the body is even read
            return no
        try:
            body = NewCase.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return error(400, "bad_request", f"{where or 'body'}: {first.get('msg', 'invalid')}")
        try:
            case = await run_in_threadpool(add, body)
        except CaseError as exc:
            return error(400, "bad_case", str(exc))
        return JSONResponse({"ok": True, "case": asdict(case)}, status_code=201)

    @router.post("/eval")
    def run(request: Request) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        if assistant.index is None:
            return error(503, "index_not_ready", "the index is not ready yet — try again shortly")
        try:
            outcomes = run_eval(assistant, eval_set_path(settings.evals_dir))
        except EvalBusy as exc:
            return error(409, "busy", str(exc))
        except CaseError as exc:
            return error(500, "bad_eval_set", str(exc))
        summary = {**metrics(outcomes), "by_language": breakdown(outcomes, lambda o: o.case.lang),
                   "by_category": breakdown(outcomes, lambda o: o.case.category)}
        return JSONResponse({"metrics": summary, "failures": [o.as_dict() for o in outcomes if not o.passed]})

    return router


__all__ = ["ALL", "CaseChecker", "EvalBusy", "add_case", "append_case", "build_case", "case_rows",
           "check_password", "disliked", "filter_outcomes", "metric_rows", "parse_facts", "parse_ids",
           "quote_sentences", "run_eval", "staff_router"]
