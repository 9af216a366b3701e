"""/api/staff/* behind BOT_STAFF_PASSWORD: the password check, residents' 👎 feedback, new eval cases (built,
validated against the corpus and appended atomically by ``bot.evals.cases``), an eval run on the live assistant,
the question log (``bot.insight``: grouped questions, the unanswered queue, statistics, CSV) and staff-approved
answers (``bot.approved``: create, edit, retire, with versions).

The routes exist only when a password is configured; each one needs ``Authorization: Bearer <password>``.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPBearer
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from ..config import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS
from ..corpus import Corpus, load_corpus
from ..approved import ApprovedAnswerError, ApprovedAnswerNotFound, Draft, Validator
from ..errors import BotError, CaseError
from ..evals.cases import Case, CaseChecker, add_case, eval_set_path
from ..evals.judge import breakdown, metrics
from ..evals.run import EvalBusy, run_eval
from ..feedback import FeedbackRecord, FeedbackStore
from ..insight import FilterError, Filters, grouped, stats, to_csv
from ..questions import not_logged
from ..service import Assistant
from . import staff_session
from .http import error
from .render import render_template


def check_password(expected: str, given: str | None) -> bool:
    """True only for the configured password (constant-time); always False when none is configured."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def disliked(store: FeedbackStore, limit: int = 100) -> list[FeedbackRecord]:
    """Residents' 👎 items, newest first."""
    return store.recent(limit, rating=-1)


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


class AnswerBody(BaseModel):
    """POST / PUT /api/staff/answers: an answer staff approve (validated like an LLM answer)."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question it answers")
    answer_zh: str | None = Field(default=None, description="the answer in Chinese (or null)")
    answer_en: str | None = Field(default=None, description="the answer in English (or null)")
    citations: list[str] = Field(default_factory=list, description="plan sentence IDs, e.g. nankai-2024-plan/2.4.1.4")
    author: str = Field(default="", description="the staff member's name (free text)")
    note: str = Field(default="", description="why it was approved or changed")

    def draft(self) -> Draft:
        return Draft(question=self.question, answer_zh=self.answer_zh, answer_en=self.answer_en,
                     citations=list(self.citations), author=self.author, note=self.note)


def validator_for(assistant: Assistant) -> Validator:
    """What approved answers are checked against: the sentences of the index being served."""
    index, extractive = assistant.index, assistant.extractive
    if index is None:
        raise BotError("the index is not ready yet — try again shortly")
    return Validator.from_index(index, getattr(extractive, "documents", None))


def answers_listing(assistant: Assistant, include_retired: bool = True) -> list[dict[str, Any]]:
    """Every approved answer, newest change first, each marked stale when a cited sentence changed since."""
    validator = validator_for(assistant) if assistant.index is not None else None
    out = []
    for record in assistant.approved.store.all(include_retired=include_retired):
        if validator is not None:
            record.stale = validator.stale(record.fingerprints)
        out.append(record.as_dict())
    return out


def question_stats(assistant: Assistant, filters: Filters) -> dict[str, Any]:
    index = assistant.index
    paragraphs = list(index.paragraphs) if index is not None else []
    return stats(assistant.question_log, filters, paragraphs, index.embeddings if index is not None else None)


def staff_router(assistant: Assistant, store: FeedbackStore) -> APIRouter:
    """/api/staff/*: each route needs ``Authorization: Bearer <BOT_STAFF_PASSWORD>`` (401 JSON error without)."""
    settings = assistant.settings
    # in the OpenAPI docs (only when a password is configured), each route marked as needing it
    bearer = HTTPBearer(auto_error=False, scheme_name="staffPassword",
                        description="Authorization: Bearer <BOT_STAFF_PASSWORD> — every /api/staff route needs it")
    router = APIRouter(prefix="/api/staff", tags=["staff (needs BOT_STAFF_PASSWORD)"], dependencies=[Depends(bearer)],
                       responses={401: {"description": "no or wrong staff password"}})
    answer_schema = {"requestBody": {"required": True, "content": {"application/json": {
        "schema": AnswerBody.model_json_schema()}}}}
    case_schema = {"requestBody": {"required": True, "content": {"application/json": {
        "schema": NewCase.model_json_schema()}}}}
    checkers: list[CaseChecker] = []  # loaded with the corpus on the first new case

    def refused(request: Request) -> JSONResponse | None:
        backoff, client = request.app.state.staff_backoff, request.client.host if request.client else "-"
        if wait := backoff.check(client):  # after wrong passwords: not even checked until the backoff has passed
            return backoff.too_soon(wait)
        if staff_session.valid(settings.staff_password, staff_session.from_cookie_header(request.headers.get("cookie"))):
            return None  # a signed-in staff member's browser (the signed session cookie)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        with suppress(UnicodeError):  # HTTP headers arrive as latin-1; a non-ASCII password is sent as UTF-8
            given = given.encode("latin-1").decode("utf-8")
        if scheme.lower() == "bearer" and check_password(settings.staff_password, given.strip()):
            backoff.succeeded(client)
            return None
        if scheme.lower() == "bearer" and given.strip():
            backoff.failed(client)  # a guess: exponential backoff per client and overall (bot.web.http)
        return error(401, "unauthorized", "staff only — send Authorization: Bearer <BOT_STAFF_PASSWORD>",
                     {"WWW-Authenticate": "Bearer"})

    @router.get("/feedback", summary="Residents' 👎 feedback, newest first")
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

    @router.post("/cases", status_code=201, openapi_extra=case_schema,
                 summary="Add an eval case (validated against the corpus, appended atomically)")
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

    @router.get("/cases", summary="The eval set's cases, with who added or edited each and when")
    def list_eval_cases(request: Request) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        from .staff_eval import list_cases

        return JSONResponse({"cases": list_cases(eval_set_path(settings.evals_dir))})

    @router.put("/cases/{case_id}", openapi_extra=case_schema, summary="Edit an eval case (validated like a new one)")
    async def edit_eval_case(request: Request, case_id: str, author: str = "") -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        from .staff_eval import edit_case

        try:
            body = NewCase.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            return error(400, "bad_request", f"{'.'.join(str(x) for x in first.get('loc', ())) or 'body'}: "
                                             f"{first.get('msg', 'invalid')}")
        if not checkers:
            checkers.append(CaseChecker(load_corpus(settings.corpus_dir), settings.corpus_dir))
        try:
            case = await run_in_threadpool(edit_case, eval_set_path(settings.evals_dir), checkers[0], case_id,
                                           body.question, body.category, body.facts, body.gold, body.abstain, author)
        except CaseError as exc:
            return error(404 if "no case" in str(exc) else 400, "bad_case", str(exc))
        return JSONResponse({"ok": True, "case": asdict(case)})

    @router.delete("/cases/{case_id}", summary="Delete an eval case")
    def delete_eval_case(request: Request, case_id: str) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        from .staff_eval import delete_case

        if not delete_case(eval_set_path(settings.evals_dir), case_id):
            return error(404, "not_found", f"no case {case_id!r} in the eval set")
        return JSONResponse({"ok": True, "deleted": case_id})

    @router.post("/eval", summary="Run the evaluation set on the live assistant")
    def run(request: Request) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        if assistant.index is None:
            return error(503, "index_not_ready", "the index is not ready yet — try again shortly")
        try:
            with not_logged():  # the eval's questions are not residents'
                outcomes = run_eval(assistant, eval_set_path(settings.evals_dir))
        except EvalBusy as exc:
            return error(409, "busy", str(exc))
        except CaseError as exc:
            return error(500, "bad_eval_set", str(exc))
        summary = {**metrics(outcomes), "by_language": breakdown(outcomes, lambda o: o.case.lang),
                   "by_category": breakdown(outcomes, lambda o: o.case.category)}
        return JSONResponse({"metrics": summary, "failures": [o.as_dict() for o in outcomes if not o.passed]})

    # ------------------------------------------------------------ the question log

    @router.get("/questions", summary="Logged questions grouped by normalised text (masked); format=csv")
    def questions(request: Request, status: str = "all", lang: str = "", channel: str = "", since: str = "",
                  until: str = "", q: str = "", limit: int = 100, order: str = "recent",
                  format: str = "json") -> Response:
        """Questions grouped by normalised text (personal data already masked); ``format=csv`` for a download."""
        if (no := refused(request)) is not None:
            return no
        try:
            filters = Filters.parse(status, lang, channel, since, until, q, limit)
        except FilterError as exc:
            return error(400, "bad_request", str(exc))
        result = grouped(assistant.question_log, filters, order="count" if order == "count" else "recent")
        if format == "csv":
            name = f"questions-{filters.status}-{time.strftime('%Y%m%d-%H%M')}.csv"
            return Response(to_csv(result["questions"]), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return JSONResponse(result)

    @router.get("/stats", summary="Questions per day, by language, channel and status; top; cited most and never")
    def question_statistics(request: Request, status: str = "all", lang: str = "", channel: str = "",
                            since: str = "", until: str = "") -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        try:
            filters = Filters.parse(status, lang, channel, since, until)
        except FilterError as exc:
            return error(400, "bad_request", str(exc))
        return JSONResponse(question_stats(assistant, filters))

    # ------------------------------------------------------------ approved answers

    async def answer_body(request: Request) -> AnswerBody | JSONResponse:
        try:
            return AnswerBody.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return error(400, "bad_request", f"{where or 'body'}: {first.get('msg', 'invalid')}")

    def saved(record: Any, status_code: int) -> JSONResponse:
        if assistant.index is not None:  # this replica serves it at once; the others within their refresh
            assistant.approved.refresh(assistant.index, getattr(assistant.extractive, "documents", None), force=True)
        return JSONResponse(record.as_dict(), status_code=status_code)

    @router.get("/answers", summary="Staff-approved answers (stale ones marked)")
    def answers(request: Request, include_retired: bool = True) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        return JSONResponse({"answers": answers_listing(assistant, include_retired)})

    @router.post("/answers", status_code=201, openapi_extra=answer_schema,
                 summary="Approve an answer (400 names the problem: unknown sentence ID, figure in no cited quote)")
    async def new_answer(request: Request) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        body = await answer_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            record = await run_in_threadpool(lambda: assistant.approved.store.create(body.draft(),
                                                                                     validator_for(assistant)))
        except ApprovedAnswerError as exc:
            return error(400, "bad_answer", str(exc))
        return await run_in_threadpool(saved, record, 201)

    @router.get("/answers/{answer_id}", summary="One approved answer with its versions")
    def one_answer(request: Request, answer_id: str) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        try:
            record = assistant.approved.store.get(answer_id)
        except ApprovedAnswerNotFound as exc:
            return error(404, "not_found", str(exc))
        if assistant.index is not None:
            record.stale = validator_for(assistant).stale(record.fingerprints)
        return JSONResponse(record.as_dict())

    @router.put("/answers/{answer_id}", openapi_extra=answer_schema,
                summary="Edit an approved answer: a new version, approved again")
    async def edit_answer(request: Request, answer_id: str) -> JSONResponse:
        if (no := refused(request)) is not None:
            return no
        body = await answer_body(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            record = await run_in_threadpool(lambda: assistant.approved.store.update(
                answer_id, body.draft(), validator_for(assistant)))
        except ApprovedAnswerNotFound as exc:
            return error(404, "not_found", str(exc))
        except ApprovedAnswerError as exc:
            return error(400, "bad_answer", str(exc))
        return await run_in_threadpool(saved, record, 200)

    @router.delete("/answers/{answer_id}", summary="Retire an approved answer (its versions stay)")
    async def retire_answer(request: Request, answer_id: str, author: str = "", note: str = "") -> JSONResponse:
        """Retire (never delete: the versions stay); ``author`` and ``note`` as query parameters or a JSON body."""
        if (no := refused(request)) is not None:
            return no
        raw = await request.body()
        if raw.strip():
            try:
                extra = json.loads(raw)
                author, note = str(extra.get("author") or author), str(extra.get("note") or note)
            except (ValueError, AttributeError):
                return error(400, "bad_request", "body: give JSON {\"author\": ..., \"note\": ...} or nothing")
        try:
            record = await run_in_threadpool(assistant.approved.store.retire, answer_id, author, note)
        except ApprovedAnswerNotFound as exc:
            return error(404, "not_found", str(exc))
        except ApprovedAnswerError as exc:
            return error(400, "bad_answer", str(exc))
        return await run_in_threadpool(saved, record, 200)

    return router


def staff_pages(settings: Any) -> APIRouter:
    """The sign-in page behind the discreet "工作人员 · Staff" link (only with BOT_STAFF_PASSWORD): /staff/sign-in
    sets the signed session cookie (``staff_session``), /staff/sign-out ends it."""
    router = APIRouter(include_in_schema=False)

    @router.get("/staff/sign-in")
    def sign_in_page(wrong: int = 0, wait: int = 0) -> HTMLResponse:
        return HTMLResponse(render_template("staff_signin.html", wrong=bool(wrong), wait=max(0, wait)),
                            headers={"Cache-Control": "no-store"})

    @router.post("/staff/sign-in")
    async def sign_in(request: Request) -> Response:
        """The form's password: a signed session cookie and back to the app, or the page again saying why."""
        backoff = getattr(request.app.state, "staff_backoff", None)
        client = request.client.host if request.client else "-"
        if backoff is not None and (wait := backoff.check(client)):
            return RedirectResponse(f"/staff/sign-in?wait={max(1, int(wait))}", status_code=303)
        if not check_password(settings.staff_password, staff_session.form_password(await request.body())):
            if backoff is not None:
                backoff.failed(client)
            return RedirectResponse("/staff/sign-in?wrong=1", status_code=303)
        if backoff is not None:
            backoff.succeeded(client)
        secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
        return RedirectResponse("/", status_code=303, headers={
            "Set-Cookie": staff_session.cookie_header(staff_session.issue(settings.staff_password), secure),
            "Cache-Control": "no-store"})

    @router.api_route("/staff/sign-out", methods=["GET", "POST"])
    def sign_out(request: Request) -> Response:
        """Ends the session (the cookie cleared, its token refused from now on) and goes back to the app."""
        staff_session.revoke(staff_session.from_cookie_header(request.headers.get("cookie")))
        secure = request.url.scheme == "https"
        headers = {"Set-Cookie": staff_session.cleared_cookie_header(secure), "Cache-Control": "no-store"}
        if request.method == "POST":
            return Response(status_code=204, headers=headers)
        return RedirectResponse("/", status_code=303, headers=headers)

    return router
