"""The staff HTML report opened in Debian's Chromium: it renders, and asks no host for anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.evals.report import write_report
from bot.testing import CHROMIUM_ARGS, SHOTS, find_chromium
from test_eval_tools import cases, runs  # noqa: F401  # pyflakes: ignore (fixtures: a small real run with baselines)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_report_renders_in_chromium_without_outside_requests(runs: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    chromium = find_chromium()
    from playwright.sync_api import sync_playwright

    report = tmp_path / "report.html"
    write_report(report, runs, {"cases": len(runs["assistant"].outcomes),
                                "systems": {name: run.summary() for name, run in runs.items()}})
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for width, name in ((1280, "report-1280"), (375, "report-375")):
            ctx = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600)
            ctx.on("request", lambda r: requests.append(r.url))
            page = ctx.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            assert page.locator("table").count() >= 3
            assert page.locator("svg").count() >= 1
            assert "<img src=x onerror=alert(1)>" in page.inner_text("body")  # shown as text
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
            ctx.close()
        browser.close()
    assert dialogs == [], "a script ran from the report's content"
    assert [u for u in requests if u != report.as_uri() and not u.startswith("data:")] == []
