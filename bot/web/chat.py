"""The Gradio app at /: a bilingual chat whose answers open with the direct answer and carry numbered citations and
citation cards, a "Key figures and projects" tab, and (with BOT_STAFF_PASSWORD) the staff tab.

Phone first: on narrow screens the conversation is part of the page (no scroll box inside the page's scroll);
static/chat.js scrolls each new answer's first line into view, gives screen readers the messages as plain text,
counts characters near the limit and keeps <html lang> in step with the interface language."""

from __future__ import annotations

import inspect
import logging
import typing
from typing import Any, Callable

import gradio as gr

from ..answer import Answer, Citation
from ..config import MAX_COMMENT_CHARS, MAX_QUESTION_CHARS
from ..errors import IndexNotReady
from ..feedback import FeedbackStore
from ..service import Assistant
from . import readiness
from .catalog import ALL, Catalog
from .render import render_template
from .staff_ui import StaffView
from .ui_text import EXAMPLES, LANGS, TEXT, text

log = logging.getLogger("bot.web.chat")

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "system-ui", "sans-serif"]
# chat questions answered at once, as many as the API's (each embeds on one core; the rest is Python and I/O): at 8,
# the questions waiting in Gradio's queue were each sent a new estimate whenever one started or finished, which cost
# more CPU per question (~1-3 ms at 16 residents) than threads taking turns do
ASK_CONCURRENCY = 32
QUIET: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}  # page plumbing, not the API
SHOW_ANSWER = "() => { if (window.nankaiChat) window.nankaiChat.showAnswer(); }"
SET_LANG = "(lang) => { if (window.nankaiChat) window.nankaiChat.setLang(lang); return lang; }"
SWITCH_LANG = "(lang, q, k) => { if (window.nankaiChat) window.nankaiChat.setLang(lang); return [lang, q, k]; }"
FOCUS_COMMENT = "() => { if (window.nankaiChat) window.nankaiChat.focusComment(); }"

# Brand blue #1d4e89 on white is 8.6 : 1; the dark blue #163b68 on the pale #e7eef8 is 9.7 : 1 (WCAG AA is 4.5).
BRAND, BRAND_DARK, PALE = "#1d4e89", "#163b68", "#e7eef8"


def theme() -> gr.themes.Base:
    """System fonts only (no web font is fetched from another host), colours that pass WCAG AA contrast."""
    base = gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=FONTS,
                          font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"])
    light = {
        "button_primary_background_fill": BRAND, "button_primary_background_fill_hover": BRAND_DARK,
        "button_primary_text_color": "#ffffff", "button_primary_text_color_hover": "#ffffff",
        "button_primary_border_color": BRAND,
        "block_title_text_color": BRAND_DARK, "block_title_background_fill": PALE,
        "block_label_text_color": BRAND_DARK, "block_label_background_fill": PALE,
        "checkbox_label_background_fill_selected": BRAND, "checkbox_label_text_color_selected": "#ffffff",
        "checkbox_label_border_color_selected": BRAND,
        "link_text_color": BRAND, "link_text_color_hover": BRAND_DARK, "link_text_color_visited": "#5b3a8c",
        "body_text_color_subdued": "#4a5563", "input_placeholder_color": "#5f6b7a", "color_accent": BRAND,
    }
    dark = {f"{k}_dark": v for k, v in light.items() if not k.startswith(("link_", "body_", "input_", "color_"))}
    return base.set(**light, **dark)


# Gradio scopes custom CSS inside its container; the page gutter on phones sits outside it. chat.js is ours.
HEAD = ('<style>@media (max-width: 600px) { .gradio-container .main.app { padding: 12px 10px !important; } }</style>'
        f'<meta name="nankai-question-limit" content="{MAX_QUESTION_CHARS}"><meta name="color-scheme" content="light">'
        '<script src="/web/chat.js" defer></script>')


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
    """An answer as HTML for the chat: the direct answer, the supporting quotes with numbered markers, then the
    citation cards (all text escaped)."""
    return render_template("answer.html", answer=answer, lang=lang, t=text(lang))


def citation_card(c: Citation, lang: str) -> str:
    return render_template("citation.html", c=c, lang=lang, t=text(lang))


def user_message(question: str) -> str:
    """A resident's question as the chat shows it: exactly as typed (no HTML, no Markdown, no autolinks)."""
    return render_template("question.html", question=question)


def notice(message: str, kind: str = "notice") -> str:
    return render_template("notice.html", text=message, kind=kind)


def hint(message: str) -> str:
    return render_template("hint.html", text=message) if message else ""


def status_note(message: str) -> str:
    return render_template("status.html", text=message)


def banner(assistant: Assistant, lang: str) -> dict[str, Any]:
    message = readiness.message(readiness.state(assistant), lang)
    return gr.update(value=render_template("banner.html", text=message) if message else "", visible=bool(message))


def too_long(question: str, lang: str) -> str:
    n = len(question)
    return text(lang)["too_long"].format(limit=MAX_QUESTION_CHARS, n=n, over=n - MAX_QUESTION_CHARS)


class Ratings:
    """One rating per answer per session: the first is stored, a change replaces it (``FeedbackStore.replace``
    when the store has it), the same rating again is ignored; every write counts in the client's rate limit."""

    def __init__(self, store: FeedbackStore, allow: Callable[[str], float] | None, log: Any = None) -> None:
        self.store, self.allow, self.log = store, allow, log  # log: the question log, which takes the rating too

    def limited(self, request: gr.Request | None) -> bool:
        host = request.client.host if request and request.client else "-"
        return bool(self.allow(host)) if self.allow else False

    def rate(self, rec: dict, rating: int, comment: str = "") -> dict:
        """The record with its feedback stored (``rec["feedback"] = {"id", "rating", "comment"}``)."""
        old = rec.get("feedback")
        replace = getattr(self.store, "replace", None)
        if old and replace is not None:
            replace(old["id"], rating, comment)
            row = old["id"]
        else:  # first rating (or a store without replace: the change is a new row, still one per change)
            row = self.store.add(rec["question"], rec["answer"], rating, comment, source="ui",
                                 question_id=rec.get("log_id"))
        if self.log is not None and rec.get("log_id"):
            self.log.rate(rec["log_id"], rating, comment)
        return {**rec, "feedback": {"id": row, "rating": rating, "comment": comment}}


def build_ui(assistant: Assistant, store: FeedbackStore | None = None,
             allow: Callable[[str], float] | None = None) -> gr.Blocks:
    """The chat app. ``store`` keeps 👍/👎 (the same code as POST /api/feedback); ``allow`` is the
    per-client rate limiter (returns 0 when the request may go ahead, else seconds to wait)."""
    store = store or FeedbackStore(assistant.settings.data_dir)
    ratings = Ratings(store, allow, assistant.question_log)
    readiness.watch_loader()
    catalogs: list[Catalog] = []

    def catalog() -> Catalog:
        if not catalogs:
            catalogs.append(Catalog(assistant.items, assistant.corpus, assistant.settings.corpus_dir))
        return catalogs[0]

    t = TEXT["zh"]
    with gr.Blocks(title="南开区2024年发展计划问答 · Nankai 2024 Plan Assistant", analytics_enabled=False) as demo:
        records = gr.State({})  # chat message index -> {"question", "answer", "feedback", …} for feedback, follow-ups
        rated = gr.State(None)  # the message index whose 👎 may get a comment
        with gr.Row(elem_classes="topbar"):
            title = gr.Markdown(t["title"], elem_classes="title", elem_id="page-title")
            lang = gr.Radio(LANGS, value="zh", label="Language · 语言", elem_id="lang-switch", scale=0, min_width=200)
        status = gr.HTML(visible=False, elem_id="ready-banner")
        timer = gr.Timer(2.0, active=True)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab(t["tab_chat"], id="chat", elem_id="chat-tab") as tab_chat:
                chat = gr.Chatbot(label=t["chat"], show_label=False, elem_id="chat", height="68vh", min_height=360,
                                  layout="panel", placeholder=t["intro"], latex_delimiters=[], autoscroll=False,
                                  buttons=["copy"], feedback_options=("Like", "Dislike"),
                                  group_consecutive_messages=False)
                with gr.Group(visible=False, elem_id="fb-box") as fb_box:
                    fb_comment = gr.Textbox(label=t["comment"], placeholder=t["comment_placeholder"], lines=2,
                                            max_length=MAX_COMMENT_CHARS, elem_id="fb-comment")
                    with gr.Row():
                        fb_send = gr.Button(t["comment_send"], size="sm", elem_id="fb-send")
                        fb_skip = gr.Button(t["comment_skip"], size="sm", variant="secondary", elem_id="fb-skip")
                fb_status = gr.HTML("", elem_id="fb-status")  # thanks for a rating, said where it happened
                with gr.Row(equal_height=True, elem_classes="ask-row"):
                    box = gr.Textbox(label=t["question"], placeholder=t["placeholder"], lines=1, elem_id="question",
                                     scale=5, autofocus=False)  # no maxlength: an over-long question is told so
                    send = gr.Button(t["send"], variant="primary", elem_id="send", scale=1, min_width=88)
                ask_hint = gr.HTML("", elem_id="ask-hint")
                examples_title = gr.Markdown(t["examples"])
                with gr.Row(elem_classes="examples"):
                    example_buttons = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
            with gr.Tab(t["tab_figures"], id="figures", elem_id="figures-tab") as tab_figures:
                items_intro = gr.Markdown(t["figures_intro"])
                with gr.Row(elem_classes="items-filters"):
                    items_q = gr.Textbox(label=t["items_search"], placeholder=t["items_placeholder"], lines=1,
                                         max_length=100, elem_id="items-q", scale=2)
                    items_kind = gr.Radio(catalog().choices("zh"), value=ALL, label=t["items_kind"],
                                          elem_id="items-kind", scale=3)
                items_view = gr.HTML(catalog().render("zh"), elem_id="items-view")
            staff = StaffView(assistant, store, assistant.corpus) if assistant.settings.staff_password else None
        footer = gr.Markdown(t["footer"], elem_classes="footer")
        if staff is not None:  # no staff UI at all without BOT_STAFF_PASSWORD
            staff.sign_in_box(records, allow)

        def answer_turn(question: str, n_history: int, recs: dict, ui_lang: str,
                        request: gr.Request) -> tuple[str, list[dict], dict, str]:
            """The box's new text, the messages the question adds to the chat (none when it is not asked), the
            records and the hint."""
            s = text(ui_lang)
            typed = question or ""
            question = typed.strip()
            if not question:
                return typed, [], recs, hint(s["empty"])
            if len(question) > MAX_QUESTION_CHARS:  # never cut: say so and keep the text for editing
                return typed, [], recs, hint(too_long(question, ui_lang))
            wait = allow(request.client.host if request and request.client else "-") if allow else 0.0
            if wait:
                reply = notice(s["busy"])
            elif not assistant.ready:
                reply = notice(readiness.message(readiness.state(assistant), ui_lang))
            else:
                turns: list[dict[str, str]] = []
                for rec in list(recs.values())[-5:]:
                    turns += [{"role": "user", "content": rec["question"]}, {"role": "assistant", "content": rec["answer"]}]
                try:
                    answer = assistant.ask(question, history=turns, channel="chat")
                    assistant.question_log.wait(answer.log_id)  # shown once its (masked) log row is durable
                except IndexNotReady:  # e.g. the Chroma server is away: say so, keep the chat usable
                    reply = notice(readiness.message(readiness.state(assistant), ui_lang))
                else:
                    reply = render(answer, ui_lang)
                    recs = {**recs, n_history + 1: {
                        "question": question, "answer": answer.answer, "history": turns, "log_id": answer.log_id,
                        "citations": [{"id": c.id, "quote": c.quote} for c in answer.citations]}}
            return "", [{"role": "user", "content": user_message(question)},
                        {"role": "assistant", "content": reply}], recs, ""

        def respond(question: Any, history: list[dict] | None, recs: dict, ui_lang: Any,
                    request: gr.Request) -> tuple[Any, list[dict], dict, Any]:
            """The ask event. Its values are converted here, in this worker thread, by the components' own
            preprocess and postprocess (the event has ``preprocess=False, postprocess=False``): Gradio would hand
            each of them to a worker thread of its own. ``history`` comes as Gradio validated it (the chat's
            messages as its data model dumps them, which is also what its postprocess makes of them again), so
            only the new messages are postprocessed; the browser gets the same values either way."""
            typed, added, recs, note = answer_turn(box.preprocess(question), len(history or []), recs,
                                                   lang.preprocess(ui_lang), request)
            history = list(history or [])
            if added:
                history += chat.postprocess(added).model_dump()
            return box.postprocess(typed), history, recs, ask_hint.postprocess(note)

        # Gradio reads the ask event's function's type hints and signature on every question (to find its
        # gr.Request): the hints given as objects, not as this module's postponed strings, need no evaluating each
        # time, and the signature is read once (~8 µs a question; inspect.signature answers __signature__ as it is)
        respond.__annotations__ = typing.get_type_hints(respond)
        respond.__signature__ = inspect.signature(respond)  # type: ignore[attr-defined]

        def on_like(data: gr.LikeData, recs: dict, ui_lang: str, request: gr.Request) -> tuple[Any, ...]:
            key = data.index if isinstance(data.index, int) else data.index[0]
            rec = recs.get(key)
            unchanged = (recs, gr.update(), gr.update(), gr.update(), gr.update())
            if rec is None or data.liked not in (True, False, "Like", "Dislike"):
                return unchanged  # not an answer, or a rating taken back: the stored one stays
            rating = 1 if data.liked in (True, "Like") else -1
            if (rec.get("feedback") or {}).get("rating") == rating:
                return unchanged  # the same rating again: one per answer
            if ratings.limited(request):
                return (*unchanged[:4], status_note(text(ui_lang)["fb_busy"]))
            recs = {**recs, key: ratings.rate(rec, rating)}
            asks = rating == -1
            return (recs, gr.update(visible=asks), key if asks else None, gr.update(value=""),
                    status_note(text(ui_lang)["thanks"]))

        def on_comment(comment: str, key: int | None, recs: dict, ui_lang: str,
                       request: gr.Request) -> tuple[Any, ...]:
            rec = recs.get(key) if key is not None else None
            comment = (comment or "").strip()[:MAX_COMMENT_CHARS]
            if rec is None or not comment or (rec.get("feedback") or {}).get("rating") != -1:
                return recs, gr.update(visible=False), None, "", gr.update()
            if ratings.limited(request):
                return recs, gr.update(), key, comment, status_note(text(ui_lang)["fb_busy"])
            recs = {**recs, key: ratings.rate(rec, -1, comment)}
            return recs, gr.update(visible=False), None, "", status_note(text(ui_lang)["thanks_comment"])

        def switch(ui_lang: str, query: str, kind: str) -> list[Any]:
            s = text(ui_lang)
            return [s["title"], gr.update(label=s["tab_chat"]), gr.update(label=s["tab_figures"]),
                    gr.update(label=s["chat"], placeholder=s["intro"]),
                    gr.update(label=s["question"], placeholder=s["placeholder"]),
                    s["send"], s["examples"], s["figures_intro"],
                    gr.update(label=s["items_search"], placeholder=s["items_placeholder"]),
                    gr.update(label=s["items_kind"], choices=catalog().choices(ui_lang)),
                    catalog().render(ui_lang, query or "", kind or ALL), s["footer"],
                    gr.update(label=s["comment"], placeholder=s["comment_placeholder"]),
                    s["comment_send"], s["comment_skip"], banner(assistant, ui_lang), ""]

        def poll(ui_lang: str) -> tuple[Any, Any]:
            return banner(assistant, ui_lang), gr.Timer(active=not assistant.ready)

        def default_lang(request: gr.Request) -> str:
            asked = dict(request.query_params).get("lang") if request else None  # /?lang=en from /plan or a link
            if asked in ("zh", "en"):
                return asked
            return browser_lang(request.headers.get("accept-language") if request else None)

        # one queue for every way of asking, several questions at a time: Gradio's default of one per event
        # left a core idle and made 16 users wait ~1 s each
        ask_args: dict[str, Any] = {"fn": respond, "inputs": [box, chat, records, lang],
                                    "outputs": [box, chat, records, ask_hint], "preprocess": False,
                                    "postprocess": False,  # done in respond's own thread
                                    "concurrency_limit": ASK_CONCURRENCY, "concurrency_id": "ask"}
        box.submit(**ask_args).then(None, js=SHOW_ANSWER)
        send.click(**ask_args).then(None, js=SHOW_ANSWER)
        for button in example_buttons:
            button.click(lambda q=button.value: q, None, box, **QUIET).then(**ask_args).then(None, js=SHOW_ANSWER)
        chat.clear(lambda: ({}, gr.update(visible=False), None), None, [records, fb_box, rated], **QUIET)
        chat.like(on_like, [records, lang], [records, fb_box, rated, fb_comment, fb_status],
                  **QUIET).then(None, js=FOCUS_COMMENT)
        comment_args: dict[str, Any] = {"fn": on_comment, "inputs": [fb_comment, rated, records, lang],
                                        "outputs": [records, fb_box, rated, fb_comment, fb_status], **QUIET}
        fb_send.click(**comment_args)
        fb_comment.submit(**comment_args)
        fb_skip.click(lambda: (gr.update(visible=False), None, ""), None, [fb_box, rated, fb_comment], **QUIET)
        for trigger in (items_q.change, items_kind.change):  # .change: .input misses text typed by an IME
            trigger(lambda q, k, ui_lang: catalog().render(ui_lang, q or "", k or ALL), [items_q, items_kind, lang],
                    items_view, trigger_mode="always_last", concurrency_limit=None, **QUIET)
        lang.change(switch, [lang, items_q, items_kind],
                    [title, tab_chat, tab_figures, chat, box, send, examples_title, items_intro, items_q, items_kind,
                     items_view, footer, fb_comment, fb_send, fb_skip, status, ask_hint], js=SWITCH_LANG, **QUIET)
        timer.tick(poll, lang, [status, timer], concurrency_limit=None, **QUIET)
        demo.load(default_lang, None, lang, **QUIET).then(None, lang, None, js=SET_LANG).then(
            poll, lang, [status, timer], **QUIET)
    return demo
