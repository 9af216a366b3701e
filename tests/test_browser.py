"""The app as residents meet it: Playwright drives Debian's Chromium against `python app.py`.

One server process for the module (first start builds the index in a tmp folder, from the repository's embedding
cache when there is one), two test "portal" pages on other ports that embed the widget — one allowed by
BOT_ALLOWED_ORIGINS, one refused — and a request log per browser context: no request may leave the app's own host
(the portal pages excepted). Phones are 375 × 812, desktops 1280 × 900. axe-core checks every page and tab in both
languages, before and after an answer. Under CI=true a missing Chromium or axe-core is a failure, not a skip
(.ci/browser-deps installs both).

Screenshots go to $BOT_SCREENSHOTS_DIR, by default a folder in the system's tmp (never a tracked file); refresh
docs/screenshots on purpose with `BOT_SCREENSHOTS_DIR=docs/screenshots python -m pytest tests/test_browser.py`.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import ROOT
from bot.feedback import FeedbackStore
from bot.items import load_items
from bot.testing import CHROMIUM_ARGS, SHOTS, find_chromium, free_port, missing, running_app

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
XSS = "<img src=x onerror=alert(1)>"
WIDGET_TITLE_ZH = "南开区2024年发展计划问答"
WIDGET_BUTTON_ZH = "问问发展计划：南开区2024年发展计划问答"  # the visible label first, then what it opens
PASSWORD = "staff-口令"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
ASK = {"zh": ("您的问题", "提问"), "en": ("Your question", "Ask")}
FIGURES_TAB = {"zh": "主要指标和项目", "en": "Key figures and projects"}


@dataclass
class App:
    base: str
    data_dir: Path
    portal: str  # allowed to frame /widget
    refused: str  # not in BOT_ALLOWED_ORIGINS
    log: Path


@dataclass
class Requests:
    """Every URL a browser context asked for, and what its pages said on the console."""

    urls: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # console messages about the Content-Security-Policy
    console: list[tuple[str, str]] = field(default_factory=list)

    def outside(self, *allowed_prefixes: str, exact: tuple[str, ...] = ()) -> list[str]:
        return [u for u in self.urls if u not in exact and not u.startswith(("data:", "blob:", "about:"))
                and not any(u == p or u.startswith(p + "/") for p in allowed_prefixes)]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def _portal(app_base: str) -> type[BaseHTTPRequestHandler]:
    def page(lang: str) -> bytes:
        return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>南开区人民政府 · 门户</title>'
                f'</head><body style="font-family:sans-serif;margin:24px"><h1>南开区人民政府</h1>'
                f'<p>这是一个测试门户页面，嵌入了发展计划问答小组件。</p>'
                f'<p><a href="#news" class="portal-link">新闻</a> <a href="#services" class="portal-link">办事</a></p>'
                f'<script src="{app_base}/widget.js" data-lang="{lang}" async></script></body></html>').encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            body = page("en") if path == "/en" else page("zh") if path == "/" else b"not found"
            self.send_response(200 if body != b"not found" else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Portal


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """`python app.py` on a free port, its index and data in a tmp folder, one test portal allowed to frame it and
    one not, the staff view on."""
    folder = tmp_path_factory.mktemp("app")
    cache = ROOT / "index" / "embed-cache.sqlite"  # vectors by text hash: the first build then takes seconds
    if cache.is_file():
        (folder / "index").mkdir(parents=True, exist_ok=True)
        shutil.copy(cache, folder / "index" / cache.name)
    port, allowed_port, refused_port = free_port(), free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    portals = [ThreadingHTTPServer(("127.0.0.1", p), _portal(base)) for p in (allowed_port, refused_port)]
    for server in portals:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"BOT_ALLOWED_ORIGINS": f"http://127.0.0.1:{allowed_port}", "BOT_RATE_LIMIT_PER_MINUTE": "600",
           "BOT_STAFF_PASSWORD": PASSWORD}
    try:
        with running_app(folder, env, port=port) as (base, log):
            yield App(base=base, data_dir=folder / "data", portal=f"http://127.0.0.1:{allowed_port}/",
                      refused=f"http://127.0.0.1:{refused_port}/", log=log)
    finally:
        for server in portals:
            server.shutdown()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # two shared cores: give each check time, not just the default 5 s
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_context(browser, app: App):  # type: ignore[no-untyped-def]
    """Make browser contexts that log every request; each test checks none left the app's host."""
    made: list[tuple[object, Requests, bool]] = []

    def make(locale: str = "zh-CN", width: int = 1280, height: int = 900, framing_refused: bool = False,
             **kwargs: object):  # type: ignore[no-untyped-def]
        mobile = width < 600
        ctx = browser.new_context(locale=locale, viewport={"width": width, "height": height},  # type: ignore[attr-defined]
                                  is_mobile=mobile, has_touch=mobile, **kwargs)
        ctx.set_default_timeout(30_000)
        log = Requests()
        ctx.on("request", lambda r: log.urls.append(r.url))
        ctx.on("console", lambda m: (log.console.append((m.type, m.text)),
                                     log.refused.append(m.text) if "Content Security Policy" in m.text else None))
        made.append((ctx, log, framing_refused))
        return ctx, log

    yield make
    for ctx, log, framing_refused in made:
        ctx.close()  # type: ignore[attr-defined]
        portals = (app.portal, app.portal + "en", app.refused, app.refused + "en")
        assert log.outside(app.base, exact=portals) == [], "a request left the app's host"
        expected = [m for m in log.refused if framing_refused and "frame-ancestors" in m]
        assert [m for m in log.refused if m not in expected] == [], "the page broke its own Content-Security-Policy"


def _shot(page, name: str, full_page: bool = False) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _no_dialogs(page) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


def _open_chat(page, app: App, lang: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(app.base + "/")
    expect(page.get_by_label(ASK[lang][0], exact=True)).to_be_visible()
    # Gradio's own page loader ("加载中..." / "Loading...") stays over the rendered page, translucent, for up to
    # ~1.5 s on a loaded machine after the question box shows: the page is ready when it has gone
    page.wait_for_function("() => ![...document.querySelectorAll('.wrap.translucent:not(.hide)')]"
                           ".some(w => w.offsetParent !== null)", timeout=20_000, polling=100)
    expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "en" else "zh-CN")


def _choose_english(page) -> None:  # type: ignore[no-untyped-def]
    """Choose the English radio. On a loaded machine Gradio may re-render the radio group while the click lands
    (Playwright's check() then says "Clicking the checkbox did not change its state"): click again, then it must be
    checked."""
    from playwright.sync_api import expect

    radio = page.get_by_role("radio", name="English")
    for _ in range(3):
        radio.click()
        try:
            expect(radio).to_be_checked(timeout=5_000)
            return
        except AssertionError:
            continue
    expect(radio).to_be_checked()


def _ask_gradio(page, label: str, question: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    before = page.locator("#chat .message-row.bot-row").count()
    box = page.get_by_label(label, exact=True)
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .message-row.bot-row")).to_have_count(before + 1)
    answer = page.locator("#chat .message-row.bot-row").last
    expect(answer).to_have_attribute("data-shown", "1")  # chat.js has brought it into view
    page.wait_for_timeout(150)
    return answer


IN_VIEW = """(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top + 20 <= innerHeight; }"""
# points inside an element whose topmost element is something else: a label, button or bar floating over its text
COVERED = """(el) => { const r = el.getBoundingClientRect(); const out = [];
  for (const fx of [0.03, 0.5, 0.97]) for (const fy of [0.15, 0.5, 0.85]) {
    const x = r.left + r.width * fx, y = r.top + r.height * fy;
    if (y < 0 || y >= innerHeight || x < 0 || x >= innerWidth) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit) && !hit.contains(el)) out.push((hit.className || hit.tagName) + '');
  } return out; }"""


def _uncovered(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    for node in page.locator(selector).all():
        if node.is_visible():
            assert node.evaluate(COVERED) == [], f"something lies over the text of {selector}"


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        missing("axe-core (node_modules/axe-core)")
    # the page as it settles: Gradio veils an event's outputs (opacity .2) while it runs, which a loaded machine can
    # leave on screen when the check starts; a veil that never lifts is checked as it is
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => !document.querySelector('.pending, [data-testid=\"status-tracker\"] .progress-text')",
                               timeout=10_000, polling=100)
    except PlaywrightTimeout:
        pass
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def _axe_h1(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The moderate rules the issue named: a page needs its h1 (axe's page-has-heading-one)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['page-has-heading-one', 'html-has-lang'], "
                           "resultTypes: ['violations']})")
    return [v["id"] for v in result["violations"] if v["id"] in ("page-has-heading-one", "html-has-lang")]


def _rows(data_dir: Path, question: str) -> list[tuple[int, str]]:
    return [(r.rating, r.comment) for r in FeedbackStore(data_dir).recent(200) if r.question == question]


# ---------------------------------------------------------------- the chat at /


@pytest.mark.browser
@pytest.mark.integration
def test_gradio_chinese_answer_direct_first_and_its_link_highlights_the_cited_sentence(open_context,  # type: ignore[no-untyped-def]
                                                                                       app: App) -> None:
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN")
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    _open_chat(page, app, "zh")
    expect(page.get_by_role("radio", name="中文")).to_be_checked()
    expect(page.get_by_role("heading", level=1)).to_contain_text("南开区2024年国民经济和社会发展计划")
    answer = _ask_gradio(page, "您的问题", "今年有哪些学校建成？")
    direct = answer.locator(".answer.direct")
    expect(direct).to_contain_text("2所学校")
    expect(direct).to_contain_text("六马路地块小学")
    expect(answer.locator(".support")).to_contain_text("计划原文")  # the quote, set apart below the direct answer
    assert direct.evaluate("e => getComputedStyle(e).backgroundColor") != answer.locator(".support").evaluate(
        "e => getComputedStyle(e).backgroundColor")
    assert direct.evaluate(IN_VIEW)
    card = answer.locator(".cite-card").first
    expect(card).to_contain_text("二、1.")  # the Chinese label
    expect(card.locator(".cite-label-2")).to_contain_text("II.1")  # and the English one
    expect(card.locator(".cite-quote mark")).to_contain_text("六马路地块小学")  # the quote, highlighted
    expect(card.locator(".cite-en-box")).to_contain_text("非官方译文", use_inner_text=False)
    link = card.get_by_role("link", name=re.compile("在计划原文中查看"))
    href = link.get_attribute("href") or ""
    assert re.fullmatch(r"/plan\?s=nankai-2024-plan/2\.1\.2\.\d+(,[^#]+)?#nankai-2024-plan/2\.1\.2", href), href
    # the screen reader's name for the answer is its text, not its HTML
    label = answer.locator("[aria-label]").first.get_attribute("aria-label") or ""
    assert label.startswith("回答：2024年") and "<" not in label and "class=" not in label
    _shot(page, "app-1280")
    with ctx.expect_page() as opened:
        link.click()
    plan = opened.value
    plan.wait_for_load_state()
    target = plan.locator('[id="nankai-2024-plan/2.1.2"]')
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    sentence = plan.locator(".s.is-cited").first
    expect(sentence).to_contain_text("六马路地块小学")
    plan.wait_for_timeout(300)
    box, bar = sentence.bounding_box(), plan.locator(".bar").bounding_box()
    assert box and bar and bar["y"] + bar["height"] <= box["y"] < 900, "the cited sentence is below the sticky bar"
    _shot(plan, "plan-from-citation-1280")
    assert sentence.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 241, 184)"  # strongly
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 252, 240)"  # the paragraph lightly
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_gradio_in_english_one_rating_per_answer_and_a_comment_after_thumbs_down(open_context,  # type: ignore[no-untyped-def]
                                                                                  app: App) -> None:
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN")
    page = ctx.new_page()
    _open_chat(page, app, "zh")
    _choose_english(page)
    expect(page.get_by_label("Your question", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("tab", name="Key figures and projects")).to_be_visible()
    expect(page.get_by_role("button", name="Ask", exact=True)).to_be_visible()
    question = "Which schools open this year?"
    answer = _ask_gradio(page, "Your question", question)
    expect(answer.locator(".answer.direct")).to_contain_text("Liumalu")
    card = answer.locator(".cite-card").first
    expect(card.locator(".cite-label")).to_contain_text("II.1")
    expect(card.locator(".cite-en").first).to_contain_text("(unofficial translation)")
    expect(card.locator(".cite-en").first).to_contain_text("Liumalu")
    full = card.locator("details.cite-full-en")
    if full.count():  # the full rendering, one tap away
        expect(full.locator("p")).to_be_hidden()
        full.locator("summary").click()
        expect(full.locator("p")).to_be_visible()
    assert (card.get_by_role("link").last.get_attribute("href") or "").startswith("/plan?lang=en&s=")

    like = answer.get_by_role("button", name=re.compile("^(赞|Like)$"))  # Gradio's own label, in the browser's locale
    dislike = answer.get_by_role("button", name=re.compile("^(踩|Dislike)$"))
    for _ in range(5):  # a flood of clicks is one row
        like.click()
        dislike.click()
    comment = page.locator("#fb-comment textarea")
    expect(comment).to_be_visible()
    comment.fill("It did not say when the Tiantuo school opens")
    page.locator("#fb-send").click()
    expect(comment).to_be_hidden()
    rows: list[tuple[int, str]] = []
    for _ in range(60):  # the same store as POST /api/feedback, read from disk
        rows = _rows(app.data_dir, question)
        if rows and rows[0][1]:
            break
        time.sleep(0.25)
    assert rows == [(-1, "It did not say when the Tiantuo school opens")]


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_figures_and_projects_search_filter_and_link_in_the_pages_language(open_context, app: App,  # type: ignore[no-untyped-def]
                                                                               lang: str) -> None:
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN" if lang == "zh" else "en-US", **PHONE)
    page = ctx.new_page()
    _open_chat(page, app, lang)
    page.get_by_role("tab", name=FIGURES_TAB[lang]).click()
    items = page.locator("#items-view .item")
    expect(items).to_have_count(len(load_items(ROOT / "corpus")))
    expect(items.first).to_have_class(re.compile(r"\bis-target\b"))  # targets with their values first
    expect(items.first.locator(".item-value")).to_be_visible()
    _shot(page, f"figures-375-{lang}")
    search = page.locator("#items-q textarea, #items-q input").first
    search.fill("公园" if lang == "zh" else "park")  # typed by an IME or pasted: still searched
    expect(page.locator("#items-view .items-count")).to_contain_text("4 / " if lang == "zh" else "Showing ")
    expect(items.first).to_contain_text("口袋公园" if lang == "zh" else "pocket park")
    search.fill("")
    page.locator("#items-kind label", has_text="学校和医院" if lang == "zh" else "Schools and hospitals").click()
    expect(items).to_have_count(8)
    expect(page.locator("#items-view")).to_contain_text("六马路地块小学")
    for href in page.locator("#items-view a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("/plan?lang=en&s=" if lang == "en" else "/plan?s="), href
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("lang,question", [("zh", "地区生产总值增长目标是多少？"), ("en", "What is the GDP growth target?")])
def test_phone_shows_the_answer_in_one_page_scroll_with_nothing_over_its_text(open_context, app: App,  # type: ignore[no-untyped-def]
                                                                             lang: str, question: str) -> None:
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN" if lang == "zh" else "en-US", **PHONE)
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    _open_chat(page, app, lang)
    expect(page.get_by_role("radio", name="中文" if lang == "zh" else "English")).to_be_checked()
    _uncovered(page, "#chat .placeholder-content, #chat .placeholder")  # the welcome text: no label over it
    _shot(page, f"app-375-{lang}-before")
    answer = _ask_gradio(page, ASK[lang][0], question)
    direct = answer.locator(".answer.direct")
    expect(direct).to_contain_text("4%")
    assert direct.evaluate(IN_VIEW), "the answer's first line is on screen"
    first_card = answer.locator(".cite-card").first
    bottom = first_card.evaluate("e => e.getBoundingClientRect().bottom")
    assert bottom <= 812, f"a short answer and its first citation fit one screen (card ends at {bottom:.0f})"
    wrap = page.locator("#chat .panel-wrap, #chat .bubble-wrap").first
    assert wrap.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), "no scroll box inside the page's scroll"
    assert page.locator("#chat .scroll-down-button-container button:visible").count() == 0
    for selector in ("#chat .user-q", "#chat .answer.direct", "#chat .support", "#chat .cite-card"):
        _uncovered(page, selector)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    send = page.get_by_role("button", name=ASK[lang][1], exact=True).bounding_box()
    assert send and send["height"] >= 44 and send["width"] >= 44  # a thumb-sized tap target
    _shot(page, f"app-375-{lang}-after")
    if lang == "en":
        _shot(page, "app-375")
    with ctx.expect_page() as opened:  # the citation's link: the cited sentence on screen in the plan viewer
        first_card.get_by_role("link").last.click()
    plan = opened.value
    plan.wait_for_load_state()
    expect(plan.locator(".s.is-cited").first if lang == "zh" else plan.locator(".s-en.is-cited").first).to_be_in_viewport()
    plan.wait_for_timeout(300)
    _shot(plan, f"plan-from-citation-375-{lang}")
    plan.close()
    # markup and Markdown a resident types show as typed, never as links or images
    typed = f"[click here](https://evil.example) {XSS}"
    _ask_gradio(page, ASK[lang][0], typed)
    expect(page.locator("#chat .message-row.user-row").last).to_contain_text(typed)
    assert page.locator("#chat .user-q a, #chat img").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_desktop_shows_the_answers_first_line_after_each_question(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = open_context(locale="en-US", **DESKTOP)
    page = ctx.new_page()
    _open_chat(page, app, "en")
    for question in ("Which schools open this year?", "How many pocket parks will be built or upgraded?",
                     "What is the GDP growth target?"):
        answer = _ask_gradio(page, "Your question", question)
        direct = answer.locator(".answer.direct")
        assert direct.evaluate(IN_VIEW), question
        wrap = page.locator("#chat .panel-wrap, #chat .bubble-wrap").first
        assert direct.evaluate("(e, w) => { const r = e.getBoundingClientRect(), b = w.getBoundingClientRect();"
                               " return r.top >= b.top && r.top + 20 <= b.bottom; }", wrap.element_handle())
        _uncovered(page, "#chat .answer.direct")


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_question_box_counts_near_the_limit_and_says_what_is_wrong(open_context, app: App, lang: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN" if lang == "zh" else "en-US", **PHONE)
    page = ctx.new_page()
    _open_chat(page, app, lang)
    label, send = ASK[lang]
    box = page.get_by_label(label, exact=True)
    page.get_by_role("button", name=send, exact=True).click()  # empty
    expect(page.locator("#ask-hint [role=alert]")).to_contain_text("请先输入您的问题" if lang == "zh" else
                                                                    "Please type your question first")
    counter = page.locator("#ask-count")
    box.fill("学" * 450)
    expect(counter).to_be_visible()
    expect(counter).to_contain_text("450 / 500")
    long = "学" * 520
    box.fill(long)
    expect(counter).to_contain_text("超出 20 字" if lang == "zh" else "20 characters over the limit")
    box.press("Enter")
    expect(page.locator("#ask-hint [role=alert]")).to_contain_text("520")
    assert box.input_value() == long  # kept to be shortened, never cut
    assert page.locator("#chat .message-row").count() == 0  # and not sent
    box.fill("学" * 10)
    expect(counter).to_be_hidden()


@pytest.mark.browser
@pytest.mark.integration
def test_while_the_index_builds_the_page_says_how_far_it_is_in_its_language(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """First start: the index is being built. The page says so with the real state (n of m passages, when it will
    be ready) in the page's language, a question gets the same answer, and the notice goes once the index is ready."""
    import gradio as gr
    from playwright.sync_api import expect

    from bot.config import Settings
    from bot.service import Assistant
    from bot.testing import uvicorn_thread
    from bot.web.api import create_api
    from bot.web.chat import HEAD, build_ui, theme
    from bot.web.render import STATIC

    cold = Assistant(Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    cold.manager.progress = {"stage": "embedding", "done": 54, "total": 218, "started_at": time.time() - 30,
                             "eta_s": None}  # as IndexManager reports it while the first build embeds
    app = gr.mount_gradio_app(create_api(cold), build_ui(cold), path="/", theme=theme(), css_paths=[STATIC / "app.css"],
                              head=HEAD, ssr_mode=False)
    with uvicorn_thread(app) as base:
        ctx = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)  # type: ignore[attr-defined]
        page = ctx.new_page()
        page.goto(base + "/")
        banner = page.locator("#ready-banner [role=status]")
        expect(banner).to_contain_text("已处理 54 / 218 段")
        expect(banner).to_contain_text("预计约")
        assert _axe(page) == [], "/ while the index builds"
        _choose_english(page)
        expect(banner).to_contain_text("54 of 218 passages done; ready in about")
        answer = _ask_gradio(page, "Your question", "Which schools open this year?")
        expect(answer).to_contain_text("Building the index")
        expect(answer).not_to_contain_text("索引")
        cold.warm_up()  # the build is done
        expect(banner).to_have_count(0, timeout=30_000)
        answer = _ask_gradio(page, "Your question", "Which schools open this year?")
        expect(answer.locator(".answer.direct")).to_be_visible()
        ctx.close()


# ---------------------------------------------------------------- accessibility (axe-core)


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("lang,question", [("zh", "今年有哪些学校建成？"), ("en", "How many pocket parks will be built or upgraded?")])
def test_axe_finds_no_serious_violation_on_the_chat_and_key_figures(open_context, app: App,  # type: ignore[no-untyped-def]
                                                                     lang: str, question: str) -> None:
    ctx, _ = open_context(locale="zh-CN" if lang == "zh" else "en-US", bypass_csp=True)  # axe is an inline script
    page = ctx.new_page()
    _open_chat(page, app, lang)
    assert _axe(page) == [], f"/ ({lang}) before an answer"
    assert _axe_h1(page) == []
    _ask_gradio(page, ASK[lang][0], question)
    page.get_by_role("button", name=re.compile("^(踩|Dislike)$")).last.click()  # and the comment box it opens
    page.locator("#fb-comment textarea").wait_for()
    assert _axe(page) == [], f"/ ({lang}) after an answer"
    page.get_by_role("tab", name=FIGURES_TAB[lang]).click()
    page.locator("#items-view .item").first.wait_for()
    assert _axe(page) == [], f"/ ({lang}) Key figures and projects"


@pytest.mark.browser
@pytest.mark.integration
def test_axe_finds_no_serious_violation_on_the_staff_tab(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", bypass_csp=True)
    page = ctx.new_page()
    _open_chat(page, app, "zh")
    page.get_by_role("link", name="工作人员 · Staff").click()  # the sign-in page, then back to the chat
    assert _axe(page) == [] and _axe_h1(page) == [], "/staff/sign-in"
    page.get_by_label("工作人员密码 · Staff password").fill(PASSWORD)
    page.get_by_role("button", name="登录 · Sign in").click()
    tab = page.get_by_role("tab", name="评估 · Evaluation")
    expect(tab).to_be_visible()
    assert _axe(page) == [], "/ signed in"
    tab.click()
    expect(page.locator("#staff-run")).to_be_visible()
    assert _axe(page) == [], "/ staff tab 评估 · Evaluation"
    others = [n for n in page.get_by_role("tab").all_inner_texts()
              if n.strip() not in ("问答", "主要指标和项目", "评估 · Evaluation")]
    for name in others:  # every other staff tab (the question log, approved answers, …)
        page.get_by_role("tab", name=name.strip()).click()
        page.wait_for_timeout(800)
        assert _axe(page) == [], f"/ staff tab {name.strip()}"


@pytest.mark.browser
@pytest.mark.integration
def test_axe_finds_no_serious_violation_on_widget_and_plan(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", bypass_csp=True)  # axe is injected as an inline script
    page = ctx.new_page()
    for lang, question in (("zh", "今年有哪些学校建成？"), ("en", "How many pocket parks will be built or upgraded?")):
        page.goto(f"{app.base}/widget?lang={lang}")
        assert _axe(page) == [], f"/widget?lang={lang} before an answer"
        page.locator("#w-q").fill(question)
        page.locator("#w-q").press("Enter")
        expect(page.locator(".msg.bot .cite").first).to_be_visible()
        page.get_by_role("button", name="没有帮助" if lang == "zh" else "Not helpful").click()
        expect(page.locator(".fb-comment textarea")).to_be_focused()
        assert _axe(page) == [], f"/widget?lang={lang} after an answer"
    for url in ("/plan", "/plan?lang=en", "/plan?s=nankai-2024-plan/2.1.2.3#nankai-2024-plan/2.1.2"):
        page.goto(app.base + url)
        expect(page.locator("h1")).to_have_count(1)
        assert _axe(page) == [] and _axe_h1(page) == [], url
    page.locator("#toggle-ids").click()
    page.locator("#plan-q").fill("口袋公园")
    expect(page.locator("#plan-found")).to_contain_text("找到")
    assert _axe(page) == [], "/plan while searching, sentence IDs shown"


@pytest.mark.browser
@pytest.mark.integration
def test_axe_finds_no_serious_violation_on_the_eval_report(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.evals.cases import load_cases
    from bot.evals.report import write_report
    from bot.evals.run import AssistantSystem, run_system, sentence_lookup
    from bot.testing import fake_assistant

    assistant = fake_assistant(tmp_path / "fake")  # a small run on the fake encoder: the report's layout is the point
    picked = [c for c in load_cases(ROOT / "evals" / "questions.jsonl") if c.lang == "zh"][:4]
    picked += [c for c in load_cases(ROOT / "evals" / "questions.jsonl") if c.lang == "en"][:4]
    runs = {"assistant": run_system(AssistantSystem(assistant), picked, sentence_lookup(assistant.settings))}
    report = tmp_path / "report.html"
    write_report(report, runs, {"cases": len(picked), "systems": {"assistant": runs["assistant"].summary()}})
    for width in (1280, 375):
        ctx = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600, bypass_csp=True)  # type: ignore[attr-defined]
        page = ctx.new_page()
        page.goto(report.as_uri())
        assert _axe(page) == [], f"the eval report at {width} px"
        ctx.close()


# ---------------------------------------------------------------- the plan viewer


@pytest.mark.browser
@pytest.mark.integration
def test_plan_viewer_highlights_sentences_searches_and_shows_ids(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, log = open_context(locale="zh-CN", **PHONE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app.base + "/plan?s=nankai-2024-plan/2.4.1.4#nankai-2024-plan/2.4.1")
    target = page.locator('[id="nankai-2024-plan/2.4.1"]')
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    sentence = page.locator('[id="nankai-2024-plan/2.4.1.4"]')
    expect(sentence).to_have_class(re.compile(r"\bis-cited\b"))
    expect(sentence).to_be_in_viewport()
    assert page.locator(".s.is-cited").count() == 1  # the sentence, not the whole paragraph
    _shot(page, "plan-375")
    english = target.locator("details.para-en")
    expect(english).not_to_have_attribute("open", "")
    english.locator("summary").click()
    expect(english.locator("p")).to_contain_text("old residential compounds")
    expect(english.locator(".s-en.is-cited")).to_have_count(1)  # its English too
    page.get_by_role("button", name="显示英文译文").click()
    assert page.locator("details.para-en:not([open])").count() == 0
    ids = page.get_by_role("button", name="句子编号")
    ids.click()
    expect(ids).to_have_attribute("aria-pressed", "true")
    assert sentence.evaluate("e => getComputedStyle(e, '::before').content") == '"2.4.1.4"'
    page.locator("#plan-q").fill("口袋公园")
    expect(page.locator("#plan-found")).to_have_text(re.compile(r"找到 \d+ 段"))
    shown = page.locator(".para:not([hidden])")
    assert 1 <= shown.count() < page.locator(".para").count()
    expect(shown.first).to_contain_text("口袋公园")
    page.locator("#plan-q").fill("")
    expect(page.locator(".para[hidden]")).to_have_count(0)
    page.goto(app.base + "/plan#nankai-2024-plan/2.1.2.3")  # a sentence's own anchor
    expect(page.locator('[id="nankai-2024-plan/2.1.2.3"]')).to_have_class(re.compile(r"\bis-cited\b"))
    expect(page.locator('[id="nankai-2024-plan/2.1.2"]')).to_have_class(re.compile(r"\bis-target\b"))
    page.goto(app.base + "/plan#%E0%A4%A")  # a malformed hash is no error
    page.wait_for_timeout(300)
    assert errors == []


@pytest.mark.browser
@pytest.mark.integration
def test_plan_viewer_in_english_from_an_english_citation(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    for size, name in ((DESKTOP, "plan-1280"), (PHONE, "plan-375-en")):
        ctx, _ = open_context(locale="en-US", **size)
        page = ctx.new_page()
        page.goto(app.base + "/plan?lang=en&s=nankai-2024-plan/2.1.2.3#nankai-2024-plan/2.1.2")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("nav.outline")).to_contain_text("II. Key Tasks")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Nankai District 2024")
        cited = page.locator(".s-en.is-cited")
        expect(cited).to_be_in_viewport()
        box, bar = cited.bounding_box(), page.locator(".bar").bounding_box()
        if size is DESKTOP:  # the bar is sticky on a desktop: the sentence sits below it
            assert box and bar and box["y"] >= bar["y"] + bar["height"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= size["width"]
        _shot(page, name)


# ---------------------------------------------------------------- the portal widget


TRAPPED = """() => { const a = document.activeElement; return !a || a === document.body || !!a.closest('dialog'); }"""


@pytest.mark.browser
@pytest.mark.integration
def test_widget_in_a_portal_page_is_a_modal_dialog_and_focus_moves_to_the_answer(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, log = open_context(locale="zh-CN")
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.portal)
    button = page.get_by_role("button", name=WIDGET_BUTTON_ZH)
    expect(button).to_contain_text("问问发展计划")  # the visible label is in the accessible name
    expect(button).to_have_attribute("aria-expanded", "false")
    for _ in range(3):  # keyboard only: Tab past the portal's links to the button, Enter to open
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("dialog", name=WIDGET_TITLE_ZH)
    expect(panel).to_be_visible()
    assert panel.evaluate("e => e.matches(':modal')")
    frame = page.frame_locator(f'iframe[title="{WIDGET_TITLE_ZH}"]')
    box = frame.get_by_label("输入您的问题")
    expect(box).to_be_focused()
    page.keyboard.type("今年改造多少个老旧小区？")
    page.keyboard.press("Enter")
    answer = frame.locator(".msg.bot").last
    expect(answer.locator(".cite").first).to_be_visible()
    expect(answer.locator(".answer.direct")).to_contain_text("54")
    expect(answer.locator(".answer.direct")).to_contain_text("[1]")
    expect(answer).to_be_focused()  # focus on the new answer: Tab goes on to its citation links
    _shot(page, "widget-1280")
    link = answer.locator(".cite a").first
    for _ in range(4):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    expect(link).to_be_focused()
    href = link.get_attribute("href") or ""  # the cited sentences are named once the API gives sentence_ids
    assert re.fullmatch(r"/plan(\?s=nankai-2024-plan/2\.4\.1\.\d+[^#]*)?#nankai-2024-plan/2\.4\.1", href), href
    assert link.get_attribute("target") == "_blank"
    for _ in range(12):  # Tab never reaches the portal's links behind the panel
        page.keyboard.press("Tab")
        assert page.evaluate(TRAPPED), "focus left the panel"
    box.focus()
    box.press("Escape")  # Esc inside the iframe closes the panel (postMessage to the portal page)
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(panel).to_be_visible()
    frame.get_by_role("button", name=re.compile("关闭问答")).click()
    expect(panel).to_be_hidden()
    button.click()
    expect(panel).to_be_visible()
    page.mouse.click(100, 300)  # outside the panel
    expect(panel).to_be_hidden()
    page.evaluate("() => window.nankaiPlanWidget.open()")  # the page's own API
    expect(panel).to_be_visible()
    page.evaluate("() => window.nankaiPlanWidget.close()")
    expect(panel).to_be_hidden()
    assert any(u.startswith(app.base + "/widget.js") for u in log.urls)
    assert any(u.startswith(app.base + "/api/ask") for u in log.urls)
    assert [m for kind, m in log.console if kind in ("warning", "error")] == []  # no postMessage origin warning
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("width", [375, 1280])
def test_widget_on_a_refused_portal_fails_safe(open_context, app: App, width: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", width=width, height=812, framing_refused=True)
    page = ctx.new_page()
    page.goto(app.refused)
    button = page.get_by_role("button", name=WIDGET_BUTTON_ZH)
    button.click()
    panel = page.get_by_role("dialog", name=WIDGET_TITLE_ZH)
    expect(panel).to_be_visible()
    message = panel.get_by_role("alert")
    expect(message).to_contain_text("问答暂时无法在本页面打开", timeout=30_000)
    close = panel.get_by_role("button", name="关闭")
    expect(close).to_be_focused()
    assert panel.get_by_role("link", name=re.compile("在新窗口中打开")).get_attribute("href").endswith("/widget?lang=zh")
    for _ in range(6):  # focus stays in the panel
        page.keyboard.press("Tab")
        assert page.evaluate(TRAPPED), "focus left the panel"
    _shot(page, f"widget-refused-{width}")
    close.click()  # by mouse
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    expect(close).to_be_visible()
    page.keyboard.press("Escape")  # and by Esc
    expect(panel).to_be_hidden()
    origin = app.refused.rstrip("/")
    logged = [line for line in app.log.read_text(encoding="utf-8").splitlines() if "/widget was framed by" in line]
    assert [line for line in logged if origin in line][:1] and len([x for x in logged if origin in x]) == 1


@pytest.mark.browser
@pytest.mark.integration
def test_widget_is_full_screen_on_a_phone_and_shows_markup_as_text(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", **PHONE)
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.portal)
    page.get_by_role("button", name=WIDGET_BUTTON_ZH).click()
    panel = page.get_by_role("dialog", name=WIDGET_TITLE_ZH)
    expect(panel).to_be_visible()
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 812}
    frame = page.frame_locator(f'iframe[title="{WIDGET_TITLE_ZH}"]')
    box = frame.get_by_label("输入您的问题")
    expect(box).to_be_focused()
    box.fill(XSS)
    box.press("Enter")
    expect(frame.locator(".msg.user").last).to_have_text(XSS)
    expect(frame.locator(".msg.bot:not(.wait)").last.locator(".answer")).to_be_visible()
    assert frame.locator("#w-log img").count() == 0
    box.fill("")
    box.press("Enter")
    expect(frame.locator("#w-hint")).to_have_text("请先输入您的问题。")
    long = "学" * 520
    box.fill(long)
    expect(frame.locator("#w-count")).to_contain_text("超出20字")
    box.press("Enter")
    expect(frame.locator("#w-hint")).to_contain_text("现在是520个字")
    assert box.input_value() == long and frame.locator(".msg.user").count() == 1  # kept, not sent, not cut
    box.fill("今年有哪些学校建成？")
    box.press("Enter")
    answer = frame.locator(".msg.bot").last
    expect(answer.locator(".cite").first).to_be_visible()
    expect(answer.locator(".answer.direct")).to_be_in_viewport()  # the answer's first line, not its last
    page.wait_for_timeout(200)
    _shot(page, "widget-375")
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate(TRAPPED), "focus left the full-screen panel"
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_widget_in_english_a_thumbs_down_carries_its_comment(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="en-US")
    page = ctx.new_page()
    page.goto(app.portal + "en")
    page.get_by_role("button", name=re.compile("^Ask the plan")).click()
    frame = page.frame_locator('iframe[title="Nankai 2024 plan assistant"]')
    frame.get_by_role("button", name="Which schools open this year?").click()
    answer = frame.locator(".msg.bot").last
    expect(answer.locator(".cite-en").first).to_contain_text("(unofficial translation)")
    assert (answer.locator(".cite a").first.get_attribute("href") or "").startswith("/plan?lang=en")
    answer.get_by_role("button", name="Not helpful", exact=True).click()
    comment = answer.locator(".fb-comment textarea")
    expect(comment).to_be_focused()
    comment.fill("No opening dates")
    answer.get_by_role("button", name="Send", exact=True).click()
    expect(answer.locator(".fb-done")).to_have_text("Thank you")
    assert _rows(app.data_dir, "Which schools open this year?")[:1] == [(-1, "No opening dates")]


@pytest.mark.browser
@pytest.mark.integration
def test_pages_answer_head(app: App) -> None:
    for path in ("/widget", "/widget?lang=en", "/widget.js", "/plan", "/web/site.css"):
        request = urllib.request.Request(app.base + path, method="HEAD")
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 200 and r.read() == b"", path


# ---------------------------------------------------------------- answers of each kind, at 375 px


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.parametrize("lang,kind,question,expected", [
    ("zh", "list", "今年有哪些学校建成？", "所"), ("en", "list", "Which schools open this year?", "school"),
    ("zh", "figure", "今年改造多少个老旧小区？", "54"), ("en", "figure", "How many old residential compounds will be renovated?", "54"),
    ("zh", "partial", "今年地铁什么时候通车？", "计划"), ("en", "partial", "When will the metro line open this year?", "plan"),
])
def test_screenshots_of_a_list_a_figure_and_a_partial_answer(open_context, app: App, lang: str, kind: str,  # type: ignore[no-untyped-def]
                                                             question: str, expected: str) -> None:
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN" if lang == "zh" else "en-US", **PHONE)
    page = ctx.new_page()
    _open_chat(page, app, lang)
    answer = _ask_gradio(page, ASK[lang][0], question)
    direct = answer.locator(".answer.direct")
    expect(direct).to_contain_text(expected)
    assert direct.evaluate(IN_VIEW)
    if kind == "partial":
        expect(answer.locator(".reply")).to_have_class(re.compile(r"\bis-partial\b"))
    _uncovered(page, "#chat .answer.direct")
    _shot(page, f"answer-{kind}-375-{lang}")


# ---------------------------------------------------------------- API docs


@pytest.mark.browser
@pytest.mark.integration
def test_openapi_docs_render_from_the_app_alone(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, log = open_context(locale="en-US")
    page = ctx.new_page()
    page.goto(app.base + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/api/ask")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/feedback")).to_be_visible()
    assert any(u.endswith("/openapi.json") for u in log.urls)

