"""The Gradio app at /: a bilingual chat whose answers carry numbered citations and citation cards."""

from __future__ import annotations

import html
import logging
import re
import time
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from .answer import Answer, Citation
from .bilingual import Figure, load_figures
from .corpus import Corpus, load_corpus
from .evaluate import CATEGORIES, CaseError, Outcome
from .feedback import FeedbackStore
from .index import IndexError_
from .service import Assistant
from .staff import (ALL, CASE_HEADERS, METRIC_HEADERS, CaseChecker, EvalBusy, add_case, case_rows, check_password,
                    disliked, eval_set_path, filter_outcomes, metric_rows, parse_facts, parse_ids, quote_sentences,
                    run_eval)

log = logging.getLogger("bot.ui")

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "system-ui", "sans-serif"]
CSS_PATH = Path(__file__).with_name("static") / "app.css"
EXAMPLES = ["今年有哪些学校建成？", "今年改造多少个老旧小区？", "地区生产总值增长目标是多少？",
            "Which schools open this year?", "How many pocket parks will be built or upgraded?",
            "What is the GDP growth target?"]
LANGS = [("中文", "zh"), ("English", "en")]
ASK_CONCURRENCY = 8  # chat questions answered at once (each embeds on one core; the rest is Python and I/O)
# After an answer arrives, show its beginning (the chat would otherwise stay scrolled to its last card).
SHOW_ANSWER = """() => { setTimeout(() => {
  const rows = document.querySelectorAll('#chat .message-row.user-row'); const last = rows[rows.length - 1];
  const wrap = last && last.closest('.bubble-wrap, .panel-wrap'); if (wrap) wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
}, 120); }"""

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 南开区2024年国民经济和社会发展计划 · 问答",
        "intro": "**您好！** 请用中文或英文提问。回答摘自计划原文，并注明出处段落；英文为非官方译文。",
        "tab_chat": "问答", "tab_figures": "主要指标", "chat": "对话", "question": "您的问题",
        "placeholder": "例如：今年改造多少个老旧小区？", "send": "提问",
        "examples": "**示例问题**", "unofficial": "非官方译文", "open": "在计划原文中查看",
        "sources": "出处", "en_rendering": "英文译文",
        "figures_intro": "计划中的主要量化目标。点击出处可查看原文段落。",
        "footer": "[阅读计划全文](/plan) · 回答仅依据计划原文，个人事务请拨打12345政务服务便民热线。",
        "busy": "请求过于频繁，请稍候一分钟再试。", "not_ready": "索引正在准备中，请稍候几秒再试。",
        "thanks": "感谢您的反馈！", "related": "相关主题",
    },
    "en": {
        "title": "## Nankai District 2024 Development Plan · Q&A",
        "intro": "**Hello!** Ask in English or Chinese. Answers quote the plan and cite its paragraphs; "
                 "English renderings are unofficial translations.",
        "tab_chat": "Ask", "tab_figures": "Key figures", "chat": "Conversation", "question": "Your question",
        "placeholder": "e.g. Which schools open this year?", "send": "Ask",
        "examples": "**Example questions**", "unofficial": "unofficial translation", "open": "View in the plan",
        "sources": "Sources", "en_rendering": "English",
        "figures_intro": "The plan's quantitative targets. Follow a source link to read the paragraph.",
        "footer": "[Read the whole plan](/plan?lang=en) · Answers come from the plan only; for personal matters "
                  "call the 12345 government service hotline.",
        "busy": "Too many requests — please wait a minute and try again.",
        "not_ready": "The index is still being prepared — please try again in a few seconds.",
        "thanks": "Thank you for your feedback!", "related": "Related topics",
    },
}


def theme() -> gr.themes.Base:
    """System fonts only: no web font is fetched from another host."""
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=FONTS,
                          font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])


def css_path() -> Path:
    return CSS_PATH


# Gradio scopes custom CSS inside its container; the page gutter on phones sits outside it.
HEAD = "<style>@media (max-width: 600px) { .gradio-container .main.app { padding: 12px 10px !important; } }</style>"


def browser_lang(accept_language: str | None) -> str:
    """The interface language for a browser: the first of Chinese or English it lists; English for a browser
    that lists neither (a visitor is likelier to read English); Chinese, the plan's language, when unknown."""
    tags = [part.split(";")[0].strip().lower() for part in (accept_language or "").split(",") if part.strip()]
    for tag in tags:
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en" if tags and tags != ["*"] else "zh"


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def plan_url(url: str, lang: str) -> str:
    return url.replace("/plan#", "/plan?lang=en#", 1) if lang == "en" else url


def _highlight(text: str, quote: str) -> str:
    """The paragraph with the quote inside <mark> (escaped); the whole paragraph when not found."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return _e(text)
    return f"{_e(text[:at])}<mark>{_e(quote)}</mark>{_e(text[at + len(quote):])}"


def citation_card(c: Citation, lang: str) -> str:
    t = TEXT[lang]
    first, second = (c.label, c.label_en) if lang == "zh" else (c.label_en, c.label)
    english = ""
    if c.quote_en:
        english = (f'<p class="cite-en" lang="en">{_e(c.quote_en)} '
                   f'<span class="unofficial">({_e(t["unofficial"])})</span></p>')
        if lang == "zh":  # folded for Chinese readers, open for English ones
            english = f'<details class="cite-en-box"><summary>{_e(t["en_rendering"])}</summary>{english}</details>'
    return (f'<div class="cite-card"><p class="cite-head"><span class="cite-n">[{c.n}]</span> '
            f'<span class="cite-label">{_e(first)}</span> <span class="cite-label-2">{_e(second)}</span></p>'
            f'<p class="cite-text" lang="zh">{_highlight(c.text, c.quote)}</p>{english}'
            f'<p class="cite-link"><a href="{_e(plan_url(c.url, lang))}" target="_blank" rel="noopener">'
            f'{_e(t["open"])} ↗</a></p></div>')


def render(answer: Answer, lang: str) -> str:
    """An answer as HTML for the chat: text with numbered markers, then citation cards (all text escaped)."""
    body = re.sub(r"\[(\d{1,2})\]", r'<sup class="cite-ref">[\1]</sup>', _e(answer.answer)).replace("\n", "<br>")
    parts = [f'<p class="answer" lang="{answer.language}">{body}</p>']
    if answer.citations:
        parts.append(f'<p class="cite-title">{_e(TEXT[lang]["sources"])}</p>')
        parts.extend(citation_card(c, lang) for c in answer.citations)
    if answer.related:
        links = " · ".join(f'<a href="{_e(plan_url(r["url"], lang))}" target="_blank" rel="noopener">{_e(r["title"])}</a>'
                           for r in answer.related)
        parts.append(f'<p class="related">{_e(TEXT[lang]["related"])}: {links}</p>')
    return "".join(parts)


def figures_html(figures: list[Figure], labels: dict[str, str], lang: str) -> str:
    """The key figures as bilingual cards, each linked to its paragraph in the plan viewer."""
    other = "en" if lang == "zh" else "zh"
    items = []
    for f in figures:
        pid = f.sentence_id.rsplit(".", 1)[0]
        value = {"zh": f.value, "en": f.value_en}
        measure = {"zh": f.measure_zh, "en": f.measure_en}
        second = "" if value[other] == value[lang] else f' <span class="second" lang="{other}">{_e(value[other])}</span>'
        items.append(
            f'<li class="fig"><p class="fig-value"><strong lang="{lang}">{_e(value[lang])}</strong>{second}</p>'
            f'<p class="fig-measure" lang="{lang}">{_e(measure[lang])}</p>'
            f'<p class="second" lang="{other}">{_e(measure[other])}</p>'
            f'<p class="fig-link"><a href="{_e(plan_url("/plan#" + pid, lang))}" target="_blank" rel="noopener">'
            f'¶ {_e(labels.get(pid, pid))}</a></p></li>'
        )
    return (f'<div class="figures"><p>{_e(TEXT[lang]["figures_intro"])}</p>'
            f'<ul class="fig-list">{"".join(items)}</ul></div>')


def build_ui(assistant: Assistant, store: FeedbackStore | None = None,
             allow: Callable[[str], float] | None = None) -> gr.Blocks:
    """The chat app. ``store`` keeps 👍/👎 (the same code as POST /api/feedback); ``allow`` is the
    per-client rate limiter (returns 0 when the request may go ahead, else seconds to wait)."""
    store = store or FeedbackStore(assistant.settings.data_dir)
    figures = load_figures(assistant.settings.corpus_dir)
    corpus = load_corpus(assistant.settings.corpus_dir)
    labels = {p.id: p.label for p in corpus.paragraphs}
    t = TEXT["zh"]

    with gr.Blocks(title="南开区2024年发展计划问答 · Nankai 2024 Plan Assistant", analytics_enabled=False) as demo:
        records = gr.State({})  # chat message index -> {"question", "answer"} for feedback and follow-ups
        with gr.Row(elem_classes="topbar"):
            title = gr.Markdown(t["title"], elem_classes="title")
            lang = gr.Radio(LANGS, value="zh", label="Language · 语言", elem_id="lang-switch", scale=0, min_width=200)
        with gr.Tabs():
            with gr.Tab(t["tab_chat"], id="chat") as tab_chat:
                chat = gr.Chatbot(label=t["chat"], elem_id="chat", height="68vh", min_height=360, layout="panel",
                                  placeholder=t["intro"], latex_delimiters=[], autoscroll=False, buttons=["copy"],
                                  feedback_options=("Like", "Dislike"), group_consecutive_messages=False)
                with gr.Row(equal_height=True, elem_classes="ask-row"):
                    box = gr.Textbox(label=t["question"], placeholder=t["placeholder"], max_length=500, lines=1,
                                     elem_id="question", scale=5, autofocus=False)
                    send = gr.Button(t["send"], variant="primary", elem_id="send", scale=1, min_width=88)
                examples_title = gr.Markdown(t["examples"])
                with gr.Row(elem_classes="examples"):
                    example_buttons = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
            with gr.Tab(t["tab_figures"], id="figures", elem_id="figures-tab") as tab_figures:
                figures_view = gr.HTML(figures_html(figures, labels, "zh"))
            staff = StaffView(assistant, store, corpus) if assistant.settings.staff_password else None
        footer = gr.Markdown(t["footer"], elem_classes="footer")
        if staff is not None:  # no staff UI at all without BOT_STAFF_PASSWORD
            staff.sign_in_box(records, allow)

        def respond(question: str, history: list[dict], recs: dict, ui_lang: str,
                    request: gr.Request) -> tuple[str, list[dict], dict]:
            question = (question or "").strip()[:500]
            if not question:
                return "", history, recs
            text = TEXT[ui_lang if ui_lang in TEXT else "zh"]
            wait = allow(request.client.host if request and request.client else "-") if allow else 0.0
            if wait:
                reply = f'<p class="notice">{_e(text["busy"])}</p>'
            elif assistant.index is None:
                reply = f'<p class="notice">{_e(text["not_ready"])}</p>'
            else:
                turns: list[dict[str, str]] = []
                for rec in list(recs.values())[-5:]:
                    turns += [{"role": "user", "content": rec["question"]}, {"role": "assistant", "content": rec["answer"]}]
                try:
                    answer = assistant.ask(question, history=turns)
                except IndexError_:  # e.g. the Chroma server is away: say so, keep the chat usable
                    reply = f'<p class="notice">{_e(text["not_ready"])}</p>'
                else:
                    reply = render(answer, ui_lang)
                    recs = {**recs, len(history) + 1: {
                        "question": question, "answer": answer.answer, "history": turns,
                        "citations": [{"id": c.id, "quote": c.quote} for c in answer.citations]}}
            history = history + [{"role": "user", "content": _e(question)}, {"role": "assistant", "content": reply}]
            return "", history, recs

        def on_like(data: gr.LikeData, recs: dict, ui_lang: str) -> None:
            rec = recs.get(data.index if isinstance(data.index, int) else data.index[0])
            if rec is None or data.liked not in (True, False, "Like", "Dislike"):
                return
            rating = 1 if data.liked in (True, "Like") else -1
            store.add(rec["question"], rec["answer"], rating, source="ui")
            gr.Info(TEXT.get(ui_lang, TEXT["zh"])["thanks"])

        def switch(ui_lang: str) -> list[Any]:
            s = TEXT[ui_lang if ui_lang in TEXT else "zh"]
            return [s["title"], gr.update(label=s["tab_chat"]), gr.update(label=s["tab_figures"]),
                    gr.update(label=s["chat"], placeholder=s["intro"]), gr.update(label=s["question"], placeholder=s["placeholder"]),
                    s["send"], s["examples"], figures_html(figures, labels, ui_lang), s["footer"]]

        def default_lang(request: gr.Request) -> str:
            return browser_lang(request.headers.get("accept-language") if request else None)

        # one queue for every way of asking, several questions at a time: Gradio's default of one per event
        # left a core idle and made 16 users wait ~1 s each
        ask_args: dict[str, Any] = {"fn": respond, "inputs": [box, chat, records, lang], "outputs": [box, chat, records],
                                    "concurrency_limit": ASK_CONCURRENCY, "concurrency_id": "ask"}
        box.submit(**ask_args).then(None, js=SHOW_ANSWER)
        send.click(**ask_args).then(None, js=SHOW_ANSWER)
        for button in example_buttons:
            button.click(lambda q=button.value: q, None, box).then(**ask_args).then(None, js=SHOW_ANSWER)
        chat.clear(lambda: {}, None, records)
        chat.like(on_like, [records, lang], None)
        lang.change(switch, lang, [title, tab_chat, tab_figures, chat, box, send, examples_title,
                                   figures_view, footer])
        demo.load(default_lang, None, lang)
    return demo


# ---------------------------------------------------------------- the staff view (only with BOT_STAFF_PASSWORD)

STAFF_TAB = "评估 · Evaluation"
FEEDBACK_HEADERS = ["#", "time", "question", "answer", "comment"]
STAFF_EVENT: dict[str, Any] = {"api_visibility": "private"}  # not in the API page; each handler checks the sign-in


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
            self.metrics = gr.DataFrame(_table([], METRIC_HEADERS), label="指标 · Metrics", interactive=False,
                                        elem_id="staff-metrics")
            self.cases = gr.DataFrame(_table([], CASE_HEADERS), label="用例 · Cases (failures first)", interactive=False,
                                      wrap=True, elem_id="staff-cases", max_height=600,
                                      column_widths=["9%", "5%", "8%", "6%", "17%", "25%", "30%"])
            gr.Markdown("### 居民的 👎 反馈 · Residents' 👎 feedback")
            self.refresh = gr.Button("刷新 · Refresh", size="sm", elem_id="staff-refresh")
            self.feedback = gr.DataFrame(_table([], FEEDBACK_HEADERS), label="👎", interactive=False, wrap=True,
                                         elem_id="staff-feedback", column_widths=["5%", "13%", "27%", "35%", "20%"])
            gr.Markdown("### 新增评估用例 · Add an eval case")
            self.source = gr.Dropdown([], label="来源 · From a 👎 item or an answer in this session's chat",
                                      elem_id="staff-source")
            self.question = gr.Textbox(label="问题 · Question", max_length=500, elem_id="staff-question")
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
            self.add = gr.Button("写入评估集 · Add to the eval set", elem_id="staff-add")
            self.added = gr.Markdown("", elem_id="staff-added")

    # ------------------------------------------------------------ handlers

    def _views(self, outcomes: list[Outcome], lang: str, category: str, failures: bool) -> tuple[dict, dict]:
        shown = filter_outcomes(outcomes, lang, category, failures)
        return _table(metric_rows(shown), METRIC_HEADERS), _table(case_rows(shown), CASE_HEADERS)

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
        if self.assistant.index is None:
            raise gr.Error("索引尚未就绪 · The index is not ready yet")
        try:
            outcomes = run_eval(self.assistant, self.path,
                                lambda done, total: progress((done, total), desc="评估中 · Evaluating", unit="cases"))
        except (EvalBusy, CaseError) as exc:
            raise gr.Error(str(exc)) from exc
        passed = sum(o.passed for o in outcomes)
        return (outcomes, *self._views(outcomes, lang, category, failures),
                f"{passed} / {len(outcomes)} 通过 · passed")

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
                if self.assistant.index is not None:
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
        try:
            case = add_case(self.path, self.checker, question, category, parse_facts(facts),
                            list(gold or []) + parse_ids(extra), abstain=bool(abstain), history=history or [])
        except CaseError as exc:
            return f"⚠️ {_e(str(exc))}"
        except OSError as exc:  # the eval set is as it was (append_case writes atomically)
            return f"⚠️ 未能写入 · Could not write {_e(self.path.name)}: {_e(exc.strerror or str(exc))}"
        return f"✅ 已写入 · Added `{_e(case.id)}` ({_e(case.lang)}, {_e(case.category)}) to `{_e(self.path.name)}`"

    # ------------------------------------------------------------ sign-in and wiring

    def sign_in_box(self, records: gr.State, allow: Callable[[str], float] | None) -> None:
        expected = self.assistant.settings.staff_password
        with gr.Accordion("工作人员 · Staff", open=False, elem_id="staff-signin"):
            with gr.Row(equal_height=True):
                password = gr.Textbox(label="工作人员密码 · Staff password", type="password", max_length=200,
                                      elem_id="staff-password", scale=3)
                sign_in = gr.Button("登录 · Sign in", elem_id="staff-sign-in", scale=1)
                sign_out = gr.Button("退出 · Sign out", elem_id="staff-sign-out", visible=False, scale=1)
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
            return (result, gr.update(visible=result), note, "", gr.update(visible=result), *lists)

        def do_sign_out() -> tuple[Any, ...]:  # and leave none of the staff data in the page
            return (False, gr.update(visible=False), "已退出 · Signed out", gr.update(visible=False), [],
                    *self._views([], ALL, ALL, False), "", _table([], FEEDBACK_HEADERS),
                    gr.update(choices=[], value=None), "")

        sign_in_args: dict[str, Any] = {
            "fn": do_sign_in, "inputs": [password, records],
            "outputs": [self.ok, self.tab, message, password, sign_out, self.feedback, self.source], **STAFF_EVENT}
        sign_in.click(**sign_in_args)
        password.submit(**sign_in_args)
        sign_out.click(do_sign_out, None, [self.ok, self.tab, message, sign_out, self.outcomes, self.metrics, self.cases,
                                           self.status, self.feedback, self.source, self.added], **STAFF_EVENT)
        filters = [self.f_lang, self.f_cat, self.f_fail]
        self.run.click(self.run_eval, [self.ok, *filters], [self.outcomes, self.metrics, self.cases, self.status],
                       concurrency_limit=1, concurrency_id="staff-eval", **STAFF_EVENT)
        for f in filters:
            f.change(self.filter, [self.ok, self.outcomes, *filters], [self.metrics, self.cases], **STAFF_EVENT)
        for trigger in (self.refresh.click, self.tab.select):
            trigger(self.lists, [self.ok, records], [self.feedback, self.source], **STAFF_EVENT)
        self.source.input(self.pick, [self.ok, self.source, records],
                          [self.question, self.gold, self.history, self.added], **STAFF_EVENT)
        self.add.click(self.add_case, [self.ok, self.question, self.category, self.abstain, self.gold, self.extra,
                                       self.facts, self.history], self.added, **STAFF_EVENT)
