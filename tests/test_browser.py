"""The app as residents meet it: Playwright drives Debian's Chromium against `python app.py`.

One server process for the module (first start builds the index in a tmp folder), a test "portal" page
on another port that embeds the widget, and a request log per browser context: no request may leave
the app's own host (the portal page itself excepted). Under CI=true a missing Chromium or axe-core is a
failure, not a skip (.ci/browser-deps installs both). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.bilingual import load_figures
from bot.config import ROOT
from bot.feedback import FeedbackStore
from bot.testing import free_port, running_app

SHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
XSS = "<img src=x onerror=alert(1)>"
WIDGET_TITLE_ZH = "南开区2024年发展计划问答"


def _missing(what: str) -> None:
    message = f"{what} is missing — run `bash .ci/browser-deps` (apt-get install chromium fonts-noto-cjk; npm ci)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class App:
    base: str
    data_dir: Path
    portal: str
    log: Path


@dataclass
class Requests:
    """Every URL a browser context asked for."""

    urls: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # console messages about the Content-Security-Policy

    def outside(self, *allowed_prefixes: str, exact: tuple[str, ...] = ()) -> list[str]:
        return [u for u in self.urls if u not in exact and not u.startswith(("data:", "blob:", "about:"))
                and not any(u == p or u.startswith(p + "/") for p in allowed_prefixes)]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if not path:
        _missing("Chromium")
    return str(path)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """`python app.py` on a free port, its index and data in a tmp folder, the test portal allowed to frame it."""
    folder = tmp_path_factory.mktemp("app")
    port, portal_port = free_port(), free_port()
    base, portal_origin = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{portal_port}"
    portal_html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
                   f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>南开区人民政府 · 门户</title>'
                   f'</head><body style="font-family:sans-serif;margin:24px"><h1>南开区人民政府</h1>'
                   f'<p>这是一个测试门户页面，嵌入了发展计划问答小组件。</p>'
                   f'<script src="{base}/widget.js" data-lang="zh" async></script></body></html>').encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = portal_html if self.path.split("?")[0] in ("/", "/en") else b"not found"
            if self.path.startswith("/en"):
                body = body.replace(b'data-lang="zh"', b'data-lang="en"')
            self.send_response(200 if body != b"not found" else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    portal = ThreadingHTTPServer(("127.0.0.1", portal_port), Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()

    try:
        with running_app(folder, {"BOT_ALLOWED_ORIGINS": portal_origin, "BOT_RATE_LIMIT_PER_MINUTE": "600"},
                         port=port) as (base, log):
            yield App(base=base, data_dir=folder / "data", portal=f"{portal_origin}/", log=log)
    finally:
        portal.shutdown()


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
    made: list[tuple[object, Requests]] = []

    def make(locale: str = "zh-CN", width: int = 1280, height: int = 900, **kwargs: object):  # type: ignore[no-untyped-def]
        mobile = width < 600
        ctx = browser.new_context(locale=locale, viewport={"width": width, "height": height},  # type: ignore[attr-defined]
                                  is_mobile=mobile, has_touch=mobile, **kwargs)
        ctx.set_default_timeout(30_000)
        log = Requests()
        ctx.on("request", lambda r: log.urls.append(r.url))
        ctx.on("console", lambda m: log.refused.append(m.text) if "Content Security Policy" in m.text else None)
        made.append((ctx, log))
        return ctx, log

    yield make
    for ctx, log in made:
        ctx.close()  # type: ignore[attr-defined]
        assert log.outside(app.base, exact=(app.portal, app.portal + "en")) == [], "a request left the app's host"
        assert log.refused == [], "the page broke its own Content-Security-Policy"


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


def _ask_gradio(page, label: str, question: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    before = page.locator("#chat .message-row.bot-row").count()
    box = page.get_by_label(label)
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#chat .message-row.bot-row")).to_have_count(before + 1)
    return page.locator("#chat .message-row.bot-row").last


# ---------------------------------------------------------------- the Gradio app


@pytest.mark.browser
@pytest.mark.integration
def test_gradio_chinese_question_cites_and_links_to_the_highlighted_paragraph(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN")
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.base + "/")
    expect(page.get_by_role("radio", name="中文")).to_be_checked()
    answer = _ask_gradio(page, "您的问题", "今年有哪些学校建成？")
    expect(answer.locator(".answer")).to_contain_text("[1]")
    card = answer.locator(".cite-card").first
    expect(card).to_contain_text("二、1.")  # the Chinese label
    expect(card.locator(".cite-label-2")).to_contain_text("II.1")  # and the English one
    expect(card.locator("mark")).to_contain_text("六马路地块小学")  # the quote, highlighted in its paragraph
    expect(card.locator(".cite-en-box")).to_contain_text("非官方译文", use_inner_text=False)
    link = card.get_by_role("link", name=re.compile("在计划原文中查看"))
    assert link.get_attribute("href") == "/plan#nankai-2024-plan/2.1.2"
    page.wait_for_timeout(300)
    _shot(page, "app-1280")
    with ctx.expect_page() as opened:
        link.click()
    plan = opened.value
    plan.wait_for_load_state()
    target = plan.locator('[id="nankai-2024-plan/2.1.2"]')
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    expect(target).to_be_in_viewport()
    assert plan.evaluate("() => document.querySelector(':target') && document.querySelector(':target').id") == \
        "nankai-2024-plan/2.1.2"
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 248, 220)"
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_gradio_switches_to_english_asks_in_english_and_stores_feedback(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(app.base + "/")
    expect(page.get_by_label("您的问题")).to_be_visible()
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_label("Your question")).to_be_visible()
    expect(page.get_by_role("tab", name="Key figures")).to_be_visible()
    expect(page.get_by_role("button", name="Ask", exact=True)).to_be_visible()
    answer = _ask_gradio(page, "Your question", "Which schools open this year?")
    expect(answer.locator(".answer")).to_contain_text("[1]")
    card = answer.locator(".cite-card").first
    expect(card.locator(".cite-label")).to_contain_text("II.1")
    expect(card.locator(".cite-en")).to_contain_text("(unofficial translation)")
    expect(card.locator(".cite-en")).to_contain_text("Liumalu")
    assert card.get_by_role("link").get_attribute("href") == "/plan?lang=en#nankai-2024-plan/2.1.2"

    answer.get_by_role("button", name=re.compile("^(赞|Like)$")).click()  # Gradio's own label, in the browser's locale
    rows: list[tuple[str, int, str]] = []
    for _ in range(40):  # the same store as POST /api/feedback, read from disk
        rows = [(r.question, r.rating, r.source) for r in FeedbackStore(app.data_dir).recent()]
        if rows:
            break
        time.sleep(0.25)
    assert ("Which schools open this year?", 1, "ui") in rows

    page.get_by_role("tab", name="Key figures").click()
    figures = page.locator(".figures .fig")
    expect(figures).to_have_count(len(load_figures(ROOT / "corpus")))
    expect(figures.first).to_contain_text("GDP")
    expect(figures.first).to_contain_text("地区生产总值")
    plan_html = page.request.get(app.base + "/plan").text()
    for href in figures.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("/plan?lang=en#") and f'id="{href.split("#", 1)[1]}"' in plan_html


@pytest.mark.browser
@pytest.mark.integration
def test_gradio_language_defaults_to_the_browsers_and_works_at_375px(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="en-US", width=375, height=812)
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.base + "/")
    expect(page.get_by_role("radio", name="English")).to_be_checked()
    expect(page.get_by_label("Your question")).to_be_visible()
    answer = _ask_gradio(page, "Your question", "How many old residential compounds will be renovated?")
    expect(answer.locator(".answer")).to_contain_text("54")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    send = page.get_by_role("button", name="Ask", exact=True).bounding_box()
    assert send and send["height"] >= 44 and send["width"] >= 44  # a thumb-sized tap target
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    _shot(page, "app-375")
    xss = _ask_gradio(page, "Your question", XSS)
    expect(page.locator("#chat .message-row.user-row").last).to_contain_text(XSS)
    expect(xss).to_be_visible()
    assert page.locator("#chat img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []


# ---------------------------------------------------------------- the plan viewer


@pytest.mark.browser
@pytest.mark.integration
def test_plan_viewer_highlights_the_hash_target_and_shows_english_on_demand(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(app.base + "/plan#nankai-2024-plan/2.4.1")
    target = page.locator('[id="nankai-2024-plan/2.4.1"]')
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    expect(target).to_be_in_viewport()
    english = target.locator("details.para-en")
    expect(english).not_to_have_attribute("open", "")
    english.locator("summary").click()
    expect(english.locator("p")).to_contain_text("old residential compounds")
    expect(english.locator("summary")).to_contain_text("unofficial translation")
    page.get_by_role("button", name=re.compile("Show English")).click()
    assert page.locator("details.para-en:not([open])").count() == 0
    page.goto(app.base + "/plan#nankai-2024-plan/2.1.2")  # a hash change moves the highlight
    expect(page.locator('[id="nankai-2024-plan/2.1.2"]')).to_have_class(re.compile(r"\bis-target\b"))
    expect(target).not_to_have_class(re.compile(r"\bis-target\b"))


# ---------------------------------------------------------------- the portal widget


@pytest.mark.browser
@pytest.mark.integration
def test_widget_in_a_portal_page_opens_answers_with_citations_and_closes_with_esc(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, log = open_context(locale="zh-CN")
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.portal)
    button = page.get_by_role("button", name="打开南开区2024年发展计划问答")
    expect(button).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Tab")  # keyboard only: Tab to the button, Enter to open
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("dialog", name=WIDGET_TITLE_ZH)
    expect(panel).to_be_visible()
    frame = page.frame_locator(f'iframe[title="{WIDGET_TITLE_ZH}"]')
    box = frame.get_by_label("输入您的问题")
    expect(box).to_be_focused()
    page.keyboard.type("今年改造多少个老旧小区？")
    page.keyboard.press("Enter")
    answer = frame.locator(".msg.bot").last
    expect(answer.locator(".cite").first).to_be_visible()
    expect(answer.locator(".answer")).to_contain_text("54")
    expect(answer.locator(".answer")).to_contain_text("[1]")
    link = answer.locator(".cite a").first
    assert link.get_attribute("href") == "/plan#nankai-2024-plan/2.4.1" and link.get_attribute("target") == "_blank"
    page.wait_for_timeout(200)
    _shot(page, "widget-1280")

    box.press("Escape")  # Esc inside the iframe closes the panel (postMessage to the portal page)
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(panel).to_be_visible()
    frame.get_by_role("button", name=re.compile("关闭问答")).click()
    expect(panel).to_be_hidden()
    assert any(u.startswith(app.base + "/widget.js") for u in log.urls)
    assert any(u.startswith(app.base + "/api/ask") for u in log.urls)
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_widget_is_full_screen_on_a_phone_and_shows_markup_as_text(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", width=375, height=812)
    page = ctx.new_page()
    dialogs = _no_dialogs(page)
    page.goto(app.portal)
    page.get_by_role("button", name="打开南开区2024年发展计划问答").click()
    panel = page.get_by_role("dialog", name=WIDGET_TITLE_ZH)
    expect(panel).to_be_visible()
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 812}
    frame = page.frame_locator(f'iframe[title="{WIDGET_TITLE_ZH}"]')
    box = frame.get_by_label("输入您的问题")
    box.fill(XSS)
    box.press("Enter")
    expect(frame.locator(".msg.user").last).to_have_text(XSS)
    expect(frame.locator(".msg.bot:not(.wait)").last.locator(".answer")).to_be_visible()
    assert frame.locator("#w-log img").count() == 0
    box.fill("今年有哪些学校建成？")
    box.press("Enter")
    expect(frame.locator(".msg.bot").last.locator(".cite").first).to_be_visible()
    page.wait_for_timeout(200)
    _shot(page, "widget-375")
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.browser
@pytest.mark.integration
def test_widget_in_english(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="en-US")
    page = ctx.new_page()
    page.goto(app.portal + "en")
    page.get_by_role("button", name="Open the Nankai 2024 plan assistant").click()
    frame = page.frame_locator('iframe[title="Nankai 2024 plan assistant"]')
    frame.get_by_role("button", name="Which schools open this year?").click()
    answer = frame.locator(".msg.bot").last
    expect(answer.locator(".cite-en").first).to_contain_text("(unofficial translation)")
    assert answer.locator(".cite a").first.get_attribute("href") == "/plan?lang=en#nankai-2024-plan/2.1.2"
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".fb-done")).to_have_text("Thank you")


# ---------------------------------------------------------------- accessibility and screenshots


def _axe(page) -> list[dict]:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        _missing("axe-core (node_modules/axe-core)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.browser
@pytest.mark.integration
def test_axe_finds_no_serious_violation_on_widget_and_plan(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    ctx, _ = open_context(locale="zh-CN", bypass_csp=True)  # axe is injected as an inline script
    page = ctx.new_page()
    for lang, question in (("zh", "今年有哪些学校建成？"), ("en", "How many pocket parks will be built or upgraded?")):
        page.goto(f"{app.base}/widget?lang={lang}")
        page.locator("#w-q").fill(question)
        page.locator("#w-q").press("Enter")
        expect(page.locator(".msg.bot .cite").first).to_be_visible()
        assert _axe(page) == [], f"/widget?lang={lang}"
    page.goto(app.base + "/plan?lang=en#nankai-2024-plan/2.1.2")
    expect(page.locator("details.para-en[open]").first).to_be_visible()
    assert _axe(page) == [], "/plan"


@pytest.mark.browser
@pytest.mark.integration
def test_plan_screenshots(open_context, app: App) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    for width, height in ((1280, 900), (375, 812)):
        ctx, _ = open_context(locale="zh-CN", width=width, height=height)
        page = ctx.new_page()
        page.goto(app.base + "/plan#nankai-2024-plan/2.1.2")
        expect(page.locator('[id="nankai-2024-plan/2.1.2"]')).to_be_in_viewport()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        _shot(page, f"plan-{width}")


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
