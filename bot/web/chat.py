"""The Gradio app at /: a bilingual chat whose answers carry numbered citations and citation cards."""

from __future__ import annotations

import html
import logging
from typing import Any, Callable

import gradio as gr

from ..answer import Answer, Citation
from ..bilingual import Figure
from ..config import MAX_QUESTION_CHARS
from ..errors import IndexNotReady
from ..feedback import FeedbackStore
from ..service import Assistant
from .render import render_template
from .staff_ui import StaffView

log = logging.getLogger("bot.web.chat")

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "system-ui", "sans-serif"]
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


def render(answer: Answer, lang: str) -> str:
    """An answer as HTML for the chat: text with numbered markers, then citation cards (all text escaped)."""
    return render_template("answer.html", answer=answer, lang=lang, t=TEXT[lang])


def citation_card(c: Citation, lang: str) -> str:
    return render_template("citation.html", c=c, lang=lang, t=TEXT[lang])


def figures_html(figures: list[Figure], labels: dict[str, str], lang: str) -> str:
    """The key figures as bilingual cards, each linked to its paragraph in the plan viewer."""
    return render_template("figures.html", figures=figures, labels=labels, lang=lang, t=TEXT[lang])


def notice(text: str) -> str:
    return render_template("notice.html", text=text)


def build_ui(assistant: Assistant, store: FeedbackStore | None = None,
             allow: Callable[[str], float] | None = None) -> gr.Blocks:
    """The chat app. ``store`` keeps 👍/👎 (the same code as POST /api/feedback); ``allow`` is the
    per-client rate limiter (returns 0 when the request may go ahead, else seconds to wait)."""
    store = store or FeedbackStore(assistant.settings.data_dir)
    figures = assistant.figures
    corpus = assistant.corpus
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
                    box = gr.Textbox(label=t["question"], placeholder=t["placeholder"], max_length=MAX_QUESTION_CHARS, lines=1,
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
            question = (question or "").strip()[:MAX_QUESTION_CHARS]
            if not question:
                return "", history, recs
            text = TEXT[ui_lang if ui_lang in TEXT else "zh"]
            wait = allow(request.client.host if request and request.client else "-") if allow else 0.0
            if wait:
                reply = notice(text["busy"])
            elif not assistant.ready:
                reply = notice(text["not_ready"])
            else:
                turns: list[dict[str, str]] = []
                for rec in list(recs.values())[-5:]:
                    turns += [{"role": "user", "content": rec["question"]}, {"role": "assistant", "content": rec["answer"]}]
                try:
                    answer = assistant.ask(question, history=turns)
                except IndexNotReady:  # e.g. the Chroma server is away: say so, keep the chat usable
                    reply = notice(text["not_ready"])
                else:
                    reply = render(answer, ui_lang)
                    recs = {**recs, len(history) + 1: {
                        "question": question, "answer": answer.answer, "history": turns,
                        "citations": [{"id": c.id, "quote": c.quote} for c in answer.citations]}}
            history = history + [{"role": "user", "content": html.escape(question, quote=True)},
                                 {"role": "assistant", "content": reply}]
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


