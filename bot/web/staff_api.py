"""/api/staff/* behind BOT_STAFF_PASSWORD: the password check, residents' 👎 feedback, new eval cases (built,
validated against the corpus and appended atomically by ``bot.evals.cases``) and an eval run on the live assistant.

The routes exist only when a password is configured; each one needs ``Authorization: Bearer <password>``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from ..config import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS
from ..corpus import Corpus, load_corpus
from ..errors import CaseError
from ..evals.cases import Case, CaseChecker, add_case, eval_set_path
from ..evals.judge import breakdown, metrics
from ..evals.run import EvalBusy, run_eval
from ..feedback import FeedbackRecord, FeedbackStore
from ..service import Assistant
from .http import error


def check_password(expected: str, given: str | None) -> bool:
    """True only for the configured password (constant-time); always False when none is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def disliked(store: FeedbackStore, limit: int = 100) -> list[FeedbackRecord]:
    """Residents' 👎 items, newest first."""
    return [r for r in store.recent(max(1000, limit * 10)) if r.rating == -1][:limit]


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


class NewCase(BaseModel):
    """POST /api/staff/cases: the case as staff enter it; the language is detected, the id made when empty."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    category: str
    facts: list[list[str]] = Field(default_factory=list, description="each fact a list of variants")
    gold: list[str] = Field(default_factory=list, description="sentence IDs, e.g. nankai-2024-plan/2.4.1.4")
    abstain: bool = False
    history: list[dict[str, str]] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS)
    id: str = Field(default="", max_length=80)


def staff_router(assistant: Assistant, store: FeedbackStore) -> APIRouter:
    """/api/staff/*: each route needs ``Authorization: Bearer <BOT_STAFF_PASSWORD>`` (401 JSON error without)."""
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
