"""The staff view's "问题 · Questions" tab: what residents ask (a chart of questions per day, counts by language,
channel and status), the unanswered queue and any filtered list (newest first, with counts, CSV download), the top
questions with near-duplicates grouped, the paragraphs cited most and never — and, from a listed question, the
approved-answer editor (prefilled with the question and the assistant's best citations) or a new eval case.

Every handler checks the session's sign-in; the same functions as /api/staff/* (``bot.insight``,
``bot.approved``) do the work."""

from __future__ import annotations

import html
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from ..approved import ApprovedAnswerError, Draft
from ..corpus import Corpus
from ..errors import BotError, CaseError
from ..evals.cases import add_case, parse_facts, parse_ids
from ..insight import FilterError, Filters, grouped, to_csv
from ..questions import not_logged
from ..service import Assistant
from ..text import numbers_in
from .render import render_template
from .staff_api import answers_listing, question_stats, quote_sentences, validator_for

QUESTIONS_TAB = "问题 · Questions"
STATUS_CHOICES = [("未答复 · unanswered (abstained, partial, 👎, low confidence)", "unanswered"), ("全部 · all", "all"),
                  ("已回答 · answered", "answered"), ("部分 · partial", "partial"), ("拒答 · abstained", "abstained"),
                  ("已审核 · approved", "approved"), ("LLM 回退 · llm-fallback", "llm-fallback")]
LANG_CHOICES = [("全部 · all", "all"), ("中文 · zh", "zh"), ("English · en", "en")]
CHANNEL_CHOICES = [("全部 · all", "all"), ("API", "api"), ("网页对话 · chat", "chat"), ("门户挂件 · widget", "widget")]
LIST_HEADERS = ["last asked", "count", "lang", "channel", "status", "question", "cited", "👍/👎", "comments"]
TOP_HEADERS = ["count", "lang", "question", "also asked as"]
ANSWER_HEADERS = ["id", "status", "servable", "version", "updated", "author", "question", "citations"]
EVENT: dict[str, Any] = {"api_visibility": "private"}
_CSV_DIR: list[Path] = []


def _need(signed_in: bool) -> None:
    if signed_in is not True:
        raise gr.Error("请先登录 · Sign in as staff first")


def _table(rows: list[list[Any]], headers: list[str]) -> dict[str, Any]:
    return {"data": rows or [["" for _ in headers]], "headers": headers}


def chart_html(per_day: list[dict[str, Any]], facets: list[tuple[str, dict[str, int]]]) -> str:
    width, height, left, right, top, base = 760, 180, 8, 752, 24, 156
    peak = max((d["count"] for d in per_day), default=0)
    step = min(36.0, (right - left) / max(1, len(per_day)))  # a few days: narrow bars, not one wall of blue
    bars = [{"day": d["day"], "count": d["count"], "x": f"{left + i * step + 0.5:.1f}", "w": f"{max(1.0, step - 2):.1f}",
             "h": f"{(base - top) * d['count'] / peak:.1f}" if peak else "0",
             "y": f"{base - (base - top) * d['count'] / peak:.1f}" if peak else str(base)}
            for i, d in enumerate(per_day)]
    return render_template("staff_chart.html", bars=bars, width=width, height=height, left=left, right=right,
                           base=base, peak=peak, first=per_day[0]["day"] if per_day else "",
                           last=per_day[-1]["day"] if per_day else "",
                           facets=[(title, list(counts.items())) for title, counts in facets])


def _csv_file(text: str, status: str) -> str:
    if not _CSV_DIR:
        _CSV_DIR.append(Path(tempfile.mkdtemp(prefix="bot-staff-csv-")))
    path = _CSV_DIR[0] / f"questions-{status}-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


class QuestionsView:
    """Build inside ``gr.Tabs()`` (hidden until sign-in); ``wire`` after the Evaluation tab exists."""

    def __init__(self, assistant: Assistant, corpus: Corpus) -> None:
        self.assistant, self.corpus = assistant, corpus
        self.texts = {s.id: s.text for s in corpus.sentences}
        with gr.Tab(QUESTIONS_TAB, id="staff-questions", elem_id="staff-questions-tab", visible=False) as self.tab:
            self.items = gr.State([])
            with gr.Row():
                self.f_status = gr.Dropdown(STATUS_CHOICES, value="unanswered", label="状态 · Status",
                                            elem_id="q-status", scale=3)
                self.f_lang = gr.Dropdown(LANG_CHOICES, value="all", label="语言 · Language", elem_id="q-lang")
                self.f_channel = gr.Dropdown(CHANNEL_CHOICES, value="all", label="渠道 · Channel", elem_id="q-channel")
            with gr.Row():
                self.f_since = gr.Textbox(label="从 · Since (YYYY-MM-DD)", elem_id="q-since")
                self.f_until = gr.Textbox(label="到 · Until (YYYY-MM-DD)", elem_id="q-until")
                self.f_q = gr.Textbox(label="搜索 · Search the questions", elem_id="q-search")
            with gr.Row():
                self.refresh = gr.Button("刷新 · Refresh", elem_id="q-refresh", size="sm")
                self.download = gr.DownloadButton("导出 CSV · Download CSV", value=None, elem_id="q-csv", size="sm")
            self.summary = gr.Markdown("", elem_id="q-summary")
            self.chart = gr.HTML("", elem_id="q-chart-box")
            self.list = gr.DataFrame(_table([], LIST_HEADERS), label="问题 · Questions (newest first)",
                                     interactive=False, wrap=True, elem_id="q-list", max_height=520,
                                     column_widths=["12%", "6%", "5%", "7%", "9%", "28%", "12%", "6%", "15%"])
            gr.Markdown("### 问得最多 · Top questions (near-duplicates grouped)")
            self.top = gr.DataFrame(_table([], TOP_HEADERS), interactive=False, wrap=True, elem_id="q-top",
                                    max_height=400)
            self.cited = gr.Markdown("", elem_id="q-cited")
            gr.Markdown("### 审核答复 · Approve an answer")
            self.pick = gr.Dropdown([], label="列表中的问题 · A question from the list above", elem_id="q-pick")
            with gr.Row():
                self.to_editor = gr.Button("编写审核答复 · Write an approved answer", elem_id="q-to-editor")
                self.to_case = gr.Button("写成评估用例 · Make it an eval case", elem_id="q-to-case")
            self.e_question = gr.Textbox(label="问题 · Question", elem_id="a-question")
            with gr.Row():
                self.e_zh = gr.Textbox(label="中文答复 · Answer in Chinese", lines=3, elem_id="a-zh")
                self.e_en = gr.Textbox(label="英文答复 · Answer in English", lines=3, elem_id="a-en")
            self.e_cites = gr.CheckboxGroup([], label="引用的句子 · Cited sentences (the assistant's best)",
                                            elem_id="a-cites")
            self.e_extra = gr.Textbox(label="其他句子ID · Other sentence IDs, e.g. nankai-2024-plan/2.4.1.4",
                                      elem_id="a-extra")
            with gr.Row():
                self.e_author = gr.Textbox(label="审核人 · Your name", elem_id="a-author")
                self.e_note = gr.Textbox(label="备注 · Note", elem_id="a-note")
            with gr.Row():
                self.e_case = gr.Checkbox(False, label="同时写入评估集 · Also add it to the eval set", elem_id="a-case")
                self.e_facts = gr.Textbox(label="要点（评估用）· Expected facts for the eval case, one a line",
                                          elem_id="a-facts")
            self.approve = gr.Button("批准 · Approve", variant="primary", elem_id="a-approve")
            self.message = gr.Markdown("", elem_id="a-message")
            gr.Markdown("### 已审核的答复 · Approved answers")
            self.answers = gr.DataFrame(_table([], ANSWER_HEADERS), interactive=False, wrap=True, elem_id="a-list")
            with gr.Row():
                self.retire_pick = gr.Dropdown([], label="停用 · Retire an answer", elem_id="a-retire-pick")
                self.retire = gr.Button("停用 · Retire", elem_id="a-retire", size="sm")

    # ------------------------------------------------------------ handlers

    def load(self, signed_in: bool, status: str, lang: str, channel: str, since: str, until: str,
             q: str) -> tuple[Any, ...]:
        _need(signed_in)
        try:
            filters = Filters.parse(status, lang, channel, since, until, q, limit=200)
        except FilterError as exc:
            raise gr.Error(f"筛选条件有误 · Check the filters: {exc}") from exc
        listed = grouped(self.assistant.question_log, filters)
        out = question_stats(self.assistant, Filters(**{**filters.__dict__, "status": "all"}))
        items = listed["questions"]
        rows = [[it["last_asked"][:16].replace("T", " "), it["count"], it["language"], it["channel"], it["status"]
                 + (" · low" if it["low_confidence"] else ""), it["text"], " ".join(it["cited"][:3]),
                 f"{it['ratings']['up']}/{it['ratings']['down']}", " | ".join(it["comments"])] for it in items]
        top = [[g["count"], g["language"], g["text"], " | ".join(f"{v['text']} ({v['count']})" for v in g["variants"])]
               for g in out["top"]]
        summary = (f"**{listed['asked']}** 次提问 · questions asked, **{listed['total']}** 个不同的问题 · distinct "
                   f"(状态 · status: {status}); 全部 · in all: {out['asked']}, 未答复 · unanswered: "
                   f"{out['unanswered']['asked']} ({out['unanswered']['distinct']} distinct), "
                   f"👍 {out['ratings']['up']} · 👎 {out['ratings']['down']}")
        facets = [("语言 · Language:", out["by_language"]), ("渠道 · Channel:", out["by_channel"]),
                  ("状态 · Status:", out["by_status"])]
        most = ", ".join(f"`{c['id']}` ({c['count']})" for c in out["cited_most"][:10]) or "—"
        never = ", ".join(f"`{pid}`" for pid in out["never_cited"]["ids"][:30])
        cited = (f"**引用最多的段落 · Cited most:** {most}\n\n**从未引用 · Never cited** "
                 f"({out['never_cited']['count']}): {never or '—'}")
        choices = [(f"{it['text'][:70]} ({it['count']}×, {it['status']})", str(i)) for i, it in enumerate(items)]
        return (summary, chart_html(out["per_day"], facets), _table(rows, LIST_HEADERS), _table(top, TOP_HEADERS),
                html.escape(cited, quote=False), gr.update(choices=choices, value=None),
                _csv_file(to_csv(items), status), items, *self._answers())

    def _answers(self) -> tuple[Any, Any]:
        listing = answers_listing(self.assistant) if self.assistant.index is not None else []
        rows = [[a["id"], a["status"] + (" · stale" if a["stale"] else ""), "yes" if a["servable"] else "no",
                 a["version"], a["updated_at"][:16].replace("T", " "), a["author"], a["question"],
                 " ".join(a["citations"])] for a in listing]
        choices = [(f"{a['question'][:60]} (v{a['version']})", a["id"]) for a in listing if a["status"] == "active"]
        return _table(rows, ANSWER_HEADERS), gr.update(choices=choices, value=None)

    def _picked(self, value: str | None, items: list[dict[str, Any]]) -> tuple[str, list[str]]:
        """The picked question and the sentences the assistant cites for it now (asked again, not logged)."""
        if value is None or not str(value).isdigit() or int(value) >= len(items or []):
            raise gr.Error("请先在列表中选择问题 · Pick a question from the list first")
        question = items[int(value)]["text"]
        ids: list[str] = []
        if self.assistant.ready:
            with not_logged():
                answer = self.assistant.ask(question, channel="staff")
            if not answer.abstained:
                ids = [sid for c in answer.citations for sid in c.sentence_ids] or quote_sentences(
                    self.corpus, [c.as_dict() for c in answer.citations])
        return question, ids

    def edit(self, signed_in: bool, value: str | None, items: list[dict[str, Any]]) -> tuple[Any, ...]:
        _need(signed_in)
        question, ids = self._picked(value, items)
        choices = [(f"{sid} — {self.texts.get(sid, '')[:90]}", sid) for sid in ids]
        numbers = [n for sid in ids for n in numbers_in(self.texts.get(sid, ""))][:3]
        return (question, "", "", gr.update(choices=choices, value=ids), "", "\n".join(numbers),
                "已填入问题和助手的引用，请撰写答复 · Question and the assistant's citations filled in: write the answer")

    def case_form(self, signed_in: bool, value: str | None, items: list[dict[str, Any]]) -> tuple[Any, ...]:
        """Fill the Evaluation tab's add-a-case form from the picked question."""
        _need(signed_in)
        question, ids = self._picked(value, items)
        choices = [(f"{sid} — {self.texts.get(sid, '')[:90]}", sid) for sid in ids]
        return (question, gr.update(choices=choices, value=ids), [],
                "已填入评估表单（评估标签页）· Filled in the eval-case form (Evaluation tab)")

    def do_approve(self, signed_in: bool, question: str, zh: str, en: str, cites: list[str] | None, extra: str,
                   author: str, note: str, also_case: bool, facts: str) -> tuple[Any, ...]:
        _need(signed_in)
        draft = Draft(question=question or "", answer_zh=zh or None, answer_en=en or None,
                      citations=list(cites or []) + parse_ids(extra), author=author or "", note=note or "")
        try:
            validator = validator_for(self.assistant)
            if also_case:  # both checked before either is written
                validator.check(draft)
            record = self.assistant.approved.store.create(draft, validator)
        except ApprovedAnswerError as exc:
            return (f"⚠️ 未能批准 · Not approved: {html.escape(str(exc), quote=False)}", *self._answers())
        except BotError as exc:
            return (f"⚠️ {html.escape(str(exc), quote=False)}", *self._answers())
        self.assistant.approved.refresh(self.assistant.index, getattr(self.assistant.extractive, "documents", None),
                                        force=True)
        message = f"✅ 已批准 · Approved `{record.id}` (v{record.version})"
        if also_case:
            try:
                from ..evals.cases import CaseChecker, eval_set_path

                case = add_case(eval_set_path(self.assistant.settings.evals_dir),
                                CaseChecker(self.corpus, self.assistant.settings.corpus_dir), record.question,
                                "paraphrase", parse_facts(facts), record.citations)
                message += f"; 评估用例 · eval case `{case.id}`"
            except (CaseError, OSError) as exc:
                message += f"; ⚠️ 评估用例未写入 · eval case not written: {html.escape(str(exc), quote=False)}"
        return (message, *self._answers())

    def do_retire(self, signed_in: bool, answer_id: str | None, author: str) -> tuple[Any, ...]:
        _need(signed_in)
        if not answer_id:
            raise gr.Error("请选择要停用的答复 · Pick an answer to retire")
        try:
            self.assistant.approved.store.retire(answer_id, author or "", "retired in the staff view")
        except BotError as exc:
            return (f"⚠️ {html.escape(str(exc), quote=False)}", *self._answers())
        self.assistant.approved.refresh(self.assistant.index, force=True)
        return (f"已停用 · Retired `{answer_id}`", *self._answers())

    # ------------------------------------------------------------ wiring

    def wire(self, ok: gr.State, case_outputs: list[Any]) -> None:
        """``case_outputs``: the eval form's question, gold sentences, history and message components."""
        filters = [self.f_status, self.f_lang, self.f_channel, self.f_since, self.f_until, self.f_q]
        outputs = [self.summary, self.chart, self.list, self.top, self.cited, self.pick, self.download, self.items,
                   self.answers, self.retire_pick]
        for trigger in (self.refresh.click, self.tab.select, self.f_status.input, self.f_lang.input,
                        self.f_channel.input, self.f_q.submit, self.f_since.submit, self.f_until.submit):
            trigger(self.load, [ok, *filters], outputs, **EVENT)
        self.to_editor.click(self.edit, [ok, self.pick, self.items],
                             [self.e_question, self.e_zh, self.e_en, self.e_cites, self.e_extra, self.e_facts,
                              self.message], **EVENT)
        self.to_case.click(self.case_form, [ok, self.pick, self.items], case_outputs, **EVENT)
        self.approve.click(self.do_approve, [ok, self.e_question, self.e_zh, self.e_en, self.e_cites, self.e_extra,
                                             self.e_author, self.e_note, self.e_case, self.e_facts],
                           [self.message, self.answers, self.retire_pick], **EVENT)
        self.retire.click(self.do_retire, [ok, self.retire_pick, self.e_author],
                          [self.message, self.answers, self.retire_pick], **EVENT)
