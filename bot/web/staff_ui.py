"""The staff view inside the Gradio app (only with BOT_STAFF_PASSWORD): the Evaluation tab, residents' 👎
feedback and the add-a-case form. The same eval and feedback code serves the /api/staff/* routes."""

from __future__ import annotations

import html
import re
import logging
import time
from typing import Any, Callable

import gradio as gr

from ..config import MAX_QUESTION_CHARS
from ..corpus import Corpus
from ..errors import CaseError
from ..evals.cases import CATEGORIES, CaseChecker, add_case, eval_set_path, parse_facts, parse_ids
from ..evals.judge import Outcome
from ..evals.run import ALL, EvalBusy, filter_outcomes, metric_rows, run_eval
from ..feedback import FeedbackStore
from ..questions import not_logged
from ..service import Assistant
from . import staff_session
from .staff_api import check_password, disliked, quote_sentences
from .staff_eval import (CASE_WIDTHS, METRIC_WIDTHS, SHORT_METRIC_HEADERS, STAFF_CASE_HEADERS, case_error_zh, delete_case,
                         duplicate_of, edit_case, history_note, list_cases, reasked_markdown, report_file,
                         staff_case_rows, stamp)
from .staff_questions import QuestionsView

log = logging.getLogger("bot.web.staff")


def _e(text: str | None) -> str:
    """Text shown inside Gradio Markdown, escaped so that nothing in it is read as markup."""
    return html.escape(text or "", quote=True)


STAFF_TAB = "评估 · Evaluation"
FEEDBACK_HEADERS = ["#", "time", "question", "answer", "comment"]
CASE_LIST_HEADERS = ["id", "lang", "category", "question", "author", "added / edited"]
STAFF_EVENT: dict[str, Any] = {"api_visibility": "private"}
# signing out in the page also ends the cookie session (the server clears the cookie and refuses its token)
SIGN_OUT_JS = "() => { fetch('/staff/sign-out', {method: 'POST', credentials: 'same-origin'}); }"  # not in the API page; each handler checks the sign-in


def _need(signed_in: bool) -> None:
    if signed_in is not True:
        raise gr.Error("请先登录 · Sign in as staff first")


def _table(rows: list[list[Any]], headers: list[str]) -> dict[str, Any]:
    return {"data": rows or [["" for _ in headers]], "headers": headers}


class StaffView:
    """The Evaluation tab, hidden until a correct BOT_STAFF_PASSWORD is entered in this browser session.

    Build it inside ``gr.Tabs()``, then call ``sign_in_box`` where the sign-in should appear. The sign-in
    lives in a per-session gr.State; every handler checks it, so a hidden tab's events do nothing for others."""

    def __init__(self, assistant: Assistant, store: FeedbackStore, corpus: Corpus) -> None:
        self.assistant, self.store, self.corpus = assistant, store, corpus
        self.path = eval_set_path(assistant.settings.evals_dir)
        self.checker = CaseChecker(corpus, assistant.settings.corpus_dir)
        self.texts = {s.id: s.text for s in corpus.sentences}
        with gr.Tab(STAFF_TAB, id="staff", elem_id="staff-tab", visible=False) as self.tab:
            self.ok = gr.State(False)  # inside the tab: gr.Tabs takes each of its children for a tab
            self.outcomes = gr.State([])
            self.history = gr.State([])
            gr.Markdown(f"### 评估集 · Evaluation set (`{_e(self.path.name)}`)")
            self.run = gr.Button("运行评估 · Run the evaluation", variant="primary", elem_id="staff-run")
            self.status = gr.Markdown("", elem_id="staff-status")
            with gr.Row():
                self.f_lang = gr.Dropdown([("全部 · all", ALL), ("中文 · zh", "zh"), ("English · en", "en")], value=ALL,
                                          label="语言 · Language", elem_id="staff-lang")
                self.f_cat = gr.Dropdown([("全部 · all", ALL)] + [(c, c) for c in CATEGORIES], value=ALL,
                                         label="类别 · Category", elem_id="staff-category")
                self.f_fail = gr.Checkbox(False, label="仅看失败 · Failures only", elem_id="staff-failures")
            self.report = gr.DownloadButton("下载评估报告 · Download the report", value=None, size="sm",
                                            elem_id="staff-report", visible=False)
            self.metrics = gr.DataFrame(_table([], SHORT_METRIC_HEADERS), label="指标 · Metrics (over the language and "
                                        "category chosen; failures only changes the cases below, not these)",
                                        interactive=False, wrap=True, elem_id="staff-metrics",
                                        column_widths=METRIC_WIDTHS)
            self.cases = gr.DataFrame(_table([], STAFF_CASE_HEADERS), label="用例 · Cases (failures first)",
                                      interactive=False, wrap=True, elem_id="staff-cases", max_height=600,
                                      column_widths=CASE_WIDTHS)
            with gr.Row():
                self.reask_pick = gr.Dropdown([], label="重新提问 · Ask a case again", elem_id="staff-reask-pick",
                                              scale=3)
                self.reask = gr.Button("重新提问 · Ask again", size="sm", elem_id="staff-reask", scale=1)
            self.reasked = gr.Markdown("", elem_id="staff-reasked")
            gr.Markdown("### 居民的 👎 反馈 · Residents' 👎 feedback")
            self.refresh = gr.Button("刷新 · Refresh", size="sm", elem_id="staff-refresh")
            self.feedback = gr.DataFrame(_table([], FEEDBACK_HEADERS), label="👎", interactive=False, wrap=True,
                                         elem_id="staff-feedback", column_widths=["5%", "13%", "27%", "35%", "20%"])
            gr.Markdown("### 新增评估用例 · Add an eval case")
            self.source = gr.Dropdown([], label="来源 · From a 👎 item or an answer in this session's chat",
                                      elem_id="staff-source")
            self.question = gr.Textbox(label="问题 · Question", max_length=MAX_QUESTION_CHARS, elem_id="staff-question")
            with gr.Row():
                self.category = gr.Dropdown(list(CATEGORIES), value="policies", label="类别 · Category",
                                            elem_id="staff-new-category")
                self.abstain = gr.Checkbox(False, label="应拒答 · Should abstain (the plan does not cover it)")
            self.gold = gr.CheckboxGroup([], label="出处句子 · Gold sentences (from the answer's citations)",
                                         elem_id="staff-gold")
            self.extra = gr.Textbox(label="其他出处句子ID · Other gold sentence IDs (optional), e.g. nankai-2024-plan/2.4.1.4",
                                    elem_id="staff-extra")
            self.facts = gr.Textbox(label="要点 · Expected facts: one a line, variants separated by |", lines=3,
                                    placeholder="54 | 五十四", elem_id="staff-facts")
            self.author = gr.Textbox(label="作者 · Your name (kept with the case)", max_length=100, elem_id="staff-author")
            self.history_note = gr.Markdown("", elem_id="staff-history-note")
            self.keep_history = gr.Checkbox(True, label="包含之前的对话（追问用例）· Keep the conversation before "
                                            "(a follow-up case)", elem_id="staff-keep-history")
            self.add = gr.Button("写入评估集 · Add to the eval set", elem_id="staff-add")
            self.added = gr.Markdown("", elem_id="staff-added")
            gr.Markdown("### 评估用例 · The eval set's cases (edit or delete; who and when)")
            self.editing = gr.State("")
            self.case_list = gr.DataFrame(_table([], CASE_LIST_HEADERS), interactive=False, wrap=True,
                                          elem_id="staff-case-list", max_height=400)
            with gr.Row():
                self.case_pick = gr.Dropdown([], label="用例 · A case", elem_id="staff-case-pick", scale=3)
                self.case_edit = gr.Button("编辑 · Edit", size="sm", elem_id="staff-case-edit", scale=1)
                self.case_delete = gr.Button("删除 · Delete", size="sm", variant="stop", elem_id="staff-case-delete",
                                             scale=1)
        self.questions = QuestionsView(assistant, corpus)  # the "问题 · Questions" tab, beside this one

    # ------------------------------------------------------------ handlers

    def _views(self, outcomes: list[Outcome], lang: str, category: str, failures: bool) -> tuple[dict, dict]:
        """Metrics over the chosen language and category (not over the failures alone: those would all read 0%);
        the cases, failures first, with their expected sentences, the citations by rank and the whole answer."""
        scope = filter_outcomes(outcomes, lang, category, False)
        shown = filter_outcomes(outcomes, lang, category, failures)
        return (_table(metric_rows(scope), SHORT_METRIC_HEADERS),
                _table(staff_case_rows(shown, self.texts), STAFF_CASE_HEADERS))

    def _lists(self, recs: dict) -> tuple[dict, Any]:
        items = disliked(self.store)
        rows = [[r.id, time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created_at)), r.question, r.answer[:300],
                 r.comment] for r in items]
        choices = [(f"👎 #{r.id}: {r.question[:60]}", f"fb:{r.id}") for r in items]
        choices += [(f"💬 {rec['question'][:60]}", f"chat:{k}") for k, rec in (recs or {}).items() if "citations" in rec]
        return _table(rows, FEEDBACK_HEADERS), gr.update(choices=choices, value=None)

    def run_eval(self, signed_in: bool, lang: str, category: str, failures: bool,
                 progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        _need(signed_in)
        if not self.assistant.ready:
            raise gr.Error("索引尚未就绪 · The index is not ready yet")
        try:
            with not_logged():  # the eval's questions are not residents'
                outcomes = run_eval(self.assistant, self.path,
                                    lambda done, total: progress((done, total), desc="评估中 · Evaluating",
                                                                 unit="cases"))
        except (EvalBusy, CaseError) as exc:
            raise gr.Error(str(exc)) from exc
        passed = sum(o.passed for o in outcomes)
        report = report_file(self.assistant.settings, outcomes)
        choices = [(f"{o.case.id} — {o.case.question[:60]}", o.case.id) for o in sorted(outcomes, key=lambda o: o.passed)]
        return (outcomes, *self._views(outcomes, lang, category, failures),
                f"{passed} / {len(outcomes)} 通过 · passed", gr.update(value=report, visible=report is not None),
                gr.update(choices=choices, value=None))

    def ask_again(self, signed_in: bool, case_id: str | None, outcomes: list[Outcome]) -> str:
        """A case asked again on the live assistant (not logged): the whole answer and its citations."""
        _need(signed_in)
        outcome = next((o for o in outcomes or [] if o.case.id == case_id), None)
        if outcome is None:
            raise gr.Error("请先运行评估并选择用例 · Run the evaluation and pick a case first")
        with not_logged():
            answer = self.assistant.ask(outcome.case.question, history=outcome.case.history, channel="staff")
        return reasked_markdown(outcome, answer.as_dict(), self.texts)

    def filter(self, signed_in: bool, outcomes: list[Outcome], lang: str, category: str,
               failures: bool) -> tuple[dict, dict]:
        _need(signed_in)
        return self._views(outcomes or [], lang, category, failures)

    def lists(self, signed_in: bool, recs: dict) -> tuple[dict, Any]:
        _need(signed_in)
        return self._lists(recs)

    def pick(self, signed_in: bool, value: str | None, recs: dict) -> tuple[Any, ...]:
        """Fill the form from a 👎 item (its question asked again for citations) or a chat answer."""
        _need(signed_in)
        kind, _, key = (value or "").partition(":")
        question, citations, history = "", [], []
        if kind == "fb":
            item = next((r for r in disliked(self.store, 1000) if str(r.id) == key), None)
            if item is not None:
                question = item.question
                if self.assistant.ready:
                    citations = [c.as_dict() for c in self.assistant.ask(question).citations]
        elif kind == "chat" and key.isdigit():
            rec = (recs or {}).get(int(key)) or {}
            question, citations, history = rec.get("question", ""), rec.get("citations", []), rec.get("history", [])
        ids = quote_sentences(self.corpus, citations)
        choices = [(f"{sid} — {self.texts.get(sid, '')[:90]}", sid) for sid in ids]
        return question, gr.update(choices=choices, value=[]), history, ""

    def add_case(self, signed_in: bool, question: str, category: str, abstain: bool, gold: list[str] | None,
                 extra: str, facts: str, history: list[dict[str, str]]) -> str:
        _need(signed_in)
        if not (question or "").strip():
            return "⚠️ 请填写问题 · Write the question"
        if abstain and (gold or parse_ids(extra) or parse_facts(facts)):
            return ("⚠️ 应拒答的用例没有出处句子和要点：请取消勾选，或取消“应拒答” · A case that must abstain has no gold "
                    "sentences or facts: untick them (and clear the facts), or untick “Should abstain”")
        same = duplicate_of(self.path, question, history or [])
        if same:
            return f"⚠️ 评估集中已有相同的用例 · The eval set already has this case: `{_e(same)}`"
        try:
            case = add_case(self.path, self.checker, question, category, parse_facts(facts),
                            list(gold or []) + parse_ids(extra), abstain=bool(abstain), history=history or [])
        except CaseError as exc:
            return f"⚠️ {_e(case_error_zh(str(exc)))} · {_e(str(exc))}"
        except OSError as exc:  # the eval set is as it was (append_case writes atomically)
            return f"⚠️ 未能写入 · Could not write {_e(self.path.name)}: {_e(exc.strerror or str(exc))}"
        return f"✅ 已写入 · Added `{_e(case.id)}` ({_e(case.lang)}, {_e(case.category)}) to `{_e(self.path.name)}`"

    def add_and_clear(self, signed_in: bool, question: str, category: str, abstain: bool, gold: list[str] | None,
                      extra: str, facts: str, history: list[dict[str, str]], keep: bool, author: str = "",
                      editing: str = "") -> tuple[Any, ...]:
        """The form's button: the case added — or, after "Edit", saved — then the form cleared; or the problem
        named and the form kept."""
        if editing:
            _need(signed_in)
            try:
                case = edit_case(self.path, self.checker, editing, question, category, parse_facts(facts),
                                 list(gold or []) + parse_ids(extra), bool(abstain), author)
                message = f"✅ 已保存 · Saved `{_e(case.id)}`"
            except CaseError as exc:
                message = f"⚠️ {_e(case_error_zh(str(exc)))} · {_e(str(exc))}"
        else:
            message = self.add_case(signed_in, question, category, abstain, gold, extra, facts,
                                    history if keep else [])
            if message.startswith("✅") and (added := re.search(r"`([^`]+)`", message)):
                stamp(self.path, added.group(1), author)
        keep_form = (gr.update(),) * 6
        if not message.startswith("✅"):
            return (message, *keep_form, editing, *self.case_views())
        return (message, "", gr.update(choices=[], value=[]), "", "", [], "", "", *self.case_views())

    def case_views(self) -> tuple[Any, Any]:
        cases = list_cases(self.path)
        rows = [[c["id"], c["lang"], c["category"], c["question"], c["author"], c["at"][:16].replace("T", " ")]
                for c in cases]
        return (_table(rows, CASE_LIST_HEADERS),
                gr.update(choices=[(f"{c['id']} — {c['question'][:50]}", c["id"]) for c in cases], value=None))

    def list_cases(self, signed_in: bool) -> tuple[Any, Any]:
        _need(signed_in)
        return self.case_views()

    def start_edit(self, signed_in: bool, case_id: str | None) -> tuple[Any, ...]:
        _need(signed_in)
        case = next((c for c in list_cases(self.path) if c["id"] == case_id), None)
        if case is None:
            raise gr.Error("请先选择用例 · Pick a case first")
        choices = [(f"{sid} — {self.texts.get(sid, '')[:90]}", sid) for sid in case["gold"]]
        facts = "\n".join(" | ".join(f) for f in case["facts"])
        return (case["question"], case["category"], case["abstain"], gr.update(choices=choices, value=case["gold"]),
                facts, case["id"], f"正在编辑 · Editing `{_e(case['id'])}` — change the form, then save with the button")

    def remove_case(self, signed_in: bool, case_id: str | None) -> tuple[Any, ...]:
        _need(signed_in)
        if not case_id:
            raise gr.Error("请先选择用例 · Pick a case first")
        done = delete_case(self.path, case_id)
        message = f"已删除 · Deleted `{_e(case_id)}`" if done else f"⚠️ 没有该用例 · No case `{_e(case_id)}`"
        return (message, *self.case_views())

    def pick_with_note(self, signed_in: bool, value: str | None, recs: dict) -> tuple[Any, ...]:
        question, gold, history, added = self.pick(signed_in, value, recs)
        return question, gold, history, added, history_note(history)

    # ------------------------------------------------------------ sign-in and wiring

    def sign_in_box(self, records: gr.State, allow: Callable[[str], float] | None) -> None:
        expected = self.assistant.settings.staff_password
        # the discreet link to the sign-in page (a signed session cookie: a reload keeps the staff signed in)
        with gr.Row(elem_classes="staff-link-row"):
            link = gr.HTML('<a id="staff-link" class="staff-link" href="/staff/sign-in">工作人员 · Staff</a>')
            sign_out = gr.Button("退出 · Sign out", elem_id="staff-sign-out", visible=False, size="sm", scale=0)
        # the in-page sign-in of before, kept for scripts driving the page; not shown to residents
        with gr.Accordion("工作人员 · Staff", open=False, elem_id="staff-signin", visible=False):
            with gr.Row(equal_height=True):
                password = gr.Textbox(label="工作人员密码 · Staff password", type="password", max_length=200,
                                      elem_id="staff-password", scale=3)
                sign_in = gr.Button("登录 · Sign in", elem_id="staff-sign-in", scale=1)
        message = gr.Markdown("", elem_id="staff-message")

        def do_sign_in(given: str, recs: dict, request: gr.Request) -> tuple[Any, ...]:
            host = request.client.host if request and request.client else "-"
            if allow and allow(host):
                result, note = False, "⚠️ 尝试过于频繁，请稍候 · Too many attempts — wait a minute"
            elif check_password(expected, given):
                result, note = True, "已登录 · Signed in"
            else:
                result, note = False, "⚠️ 密码错误 · Wrong password"
                log.warning("staff sign-in refused (wrong password) from %s", host)
            lists = self._lists(recs) if result else (gr.update(), gr.update())
            return (result, gr.update(visible=result), note, "", gr.update(visible=result), *lists,
                    gr.update(visible=result))

        def do_sign_out() -> tuple[Any, ...]:  # and leave none of the staff data in the page
            return (False, gr.update(visible=False), "已退出 · Signed out", gr.update(visible=False), [],
                    *self._views([], ALL, ALL, False), "", _table([], FEEDBACK_HEADERS),
                    gr.update(choices=[], value=None), "", gr.update(visible=False), [], "", "", "", "",
                    gr.update(value=None, visible=False), gr.update(choices=[], value=None), gr.update(visible=True))

        def restore(recs: dict, request: gr.Request) -> tuple[Any, ...]:
            """On page load: the staff session cookie (signed, unexpired, not signed out) signs this page in."""
            token = staff_session.from_cookie_header(request.headers.get("cookie") if request else None)
            if not staff_session.valid(expected, token):
                return (False, *[gr.update()] * 7, gr.update(visible=True))
            return (True, gr.update(visible=True), "已登录 · Signed in", "", gr.update(visible=True),
                    *self._lists(recs), gr.update(visible=True), gr.update(visible=False))

        from gradio.context import Context

        if Context.root_block is not None:
            Context.root_block.load(restore, [records], [self.ok, self.tab, message, password, sign_out, self.feedback,
                                                         self.source, self.questions.tab, link], **STAFF_EVENT,
                                     show_progress="hidden")  # no pending veil (opacity .2) over the page's link

        sign_in_args: dict[str, Any] = {
            "fn": do_sign_in, "inputs": [password, records],
            "outputs": [self.ok, self.tab, message, password, sign_out, self.feedback, self.source,
                        self.questions.tab], **STAFF_EVENT, "show_progress": "hidden"}  # quick: no pending veil
        sign_in.click(**sign_in_args)
        password.submit(**sign_in_args)
        q = self.questions
        sign_out.click(do_sign_out, None, [self.ok, self.tab, message, sign_out, self.outcomes, self.metrics, self.cases,
                                           self.status, self.feedback, self.source, self.added, q.tab, q.items,
                                           q.summary, q.chart, q.message, self.reasked, self.report,
                                           self.reask_pick, link], **STAFF_EVENT,
                       show_progress="hidden").then(None, js=SIGN_OUT_JS)
        q.wire(self.ok, [self.question, self.gold, self.history, self.added])
        filters = [self.f_lang, self.f_cat, self.f_fail]
        self.run.click(self.run_eval, [self.ok, *filters], [self.outcomes, self.metrics, self.cases, self.status,
                                                           self.report, self.reask_pick],
                       concurrency_limit=1, concurrency_id="staff-eval", **STAFF_EVENT)
        for f in filters:
            f.change(self.filter, [self.ok, self.outcomes, *filters], [self.metrics, self.cases], **STAFF_EVENT)
        for trigger in (self.refresh.click, self.tab.select):
            trigger(self.lists, [self.ok, records], [self.feedback, self.source], **STAFF_EVENT)
        self.source.input(self.pick_with_note, [self.ok, self.source, records],
                          [self.question, self.gold, self.history, self.added, self.history_note], **STAFF_EVENT)
        self.add.click(self.add_and_clear, [self.ok, self.question, self.category, self.abstain, self.gold, self.extra,
                                            self.facts, self.history, self.keep_history, self.author, self.editing],
                       [self.added, self.question, self.gold, self.extra, self.facts, self.history,
                        self.history_note, self.editing, self.case_list, self.case_pick], **STAFF_EVENT)
        for trigger in (self.refresh.click, self.tab.select):
            trigger(self.list_cases, [self.ok], [self.case_list, self.case_pick], **STAFF_EVENT)
        self.case_edit.click(self.start_edit, [self.ok, self.case_pick],
                             [self.question, self.category, self.abstain, self.gold, self.facts, self.editing,
                              self.added], **STAFF_EVENT)
        self.case_delete.click(self.remove_case, [self.ok, self.case_pick], [self.added, self.case_list,
                                                                               self.case_pick], **STAFF_EVENT)
        self.reask.click(self.ask_again, [self.ok, self.reask_pick, self.outcomes], self.reasked, **STAFF_EVENT)
