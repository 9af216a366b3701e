"""The web layer without a browser: the plan viewer, the widget, its script, the Gradio rendering and feedback."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.answer import Answer, Citation
from bot.bilingual import load_figures, load_renderings
from bot.config import ROOT, Settings
from bot.corpus import load_corpus
from bot.feedback import FeedbackStore
from bot.web.api import create_api
from bot.web.http import RateLimiter
from bot.web.render import STATIC
from bot.service import Assistant
from bot.web.chat import browser_lang, build_ui, citation_card, figures_html, render
from bot.testing import in_threads, uvicorn_thread

CORPUS = ROOT / "corpus"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("web")
    settings = Settings.from_env(embedder="fake", index_dir=folder / "index", data_dir=folder / "data")
    return TestClient(create_api(Assistant(settings), limiter=RateLimiter(1000)))


@pytest.fixture(scope="module")
def plan_html(web: TestClient) -> str:
    r = web.get("/plan")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    return r.text


def _citation(**changes: object) -> Citation:
    base = dict(n=1, id="nankai-2024-plan/2.1.2", label="二、1. 激活科教创新澎湃动能", label_en="II.1 Innovation, para 1",
                text="前文。建成六马路地块小学。后文。", quote="建成六马路地块小学。", quote_en="Complete the Liumalu school.",
                score=0.9, url="/plan#nankai-2024-plan/2.1.2")
    base.update(changes)
    return Citation(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- /plan


def test_plan_anchors_every_paragraph_by_its_id(plan_html: str) -> None:
    corpus = load_corpus(CORPUS)
    for p in corpus.paragraphs:
        assert plan_html.count(f'id="{p.id}"') == 1, p.id
        assert f'href="#{p.id}"' in plan_html
    for doc in corpus.documents:
        assert doc.title in plan_html
        for s in doc.sections:
            assert f'id="sec-{s.id}"' in plan_html and f'href="#sec-{s.id}"' in plan_html
    assert plan_html.count('class="para"') == len(corpus.paragraphs)


def test_plan_offers_english_renderings_marked_unofficial(plan_html: str) -> None:
    doc = load_corpus(CORPUS).documents[0]
    renderings = load_renderings(CORPUS, doc.doc_id)
    with_english = [p for p in doc.paragraphs if any(s.id in renderings for s in p.sentences)]
    assert plan_html.count('<details class="para-en">') == len(with_english) > 0
    assert plan_html.count("unofficial translation") >= len(with_english)
    first = renderings[doc.paragraphs[3].sentences[0].id].en
    assert first.replace("'", "&#39;").replace('"', "&#34;") in plan_html or first in plan_html
    assert renderings[f"{doc.doc_id}/h2.1"].en in plan_html  # headings too


def test_plan_and_widget_pages_have_no_inline_code_and_no_outside_host(web: TestClient, plan_html: str) -> None:
    for html in (plan_html, web.get("/widget").text, web.get("/widget?lang=en").text):
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script (the CSP forbids it)"
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "a resource from another host"
    assert '<html lang="zh-CN">' in plan_html


def test_plan_text_is_escaped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(f"# 测试\n\n这是一个测试段落{XSS}。\n", encoding="utf-8")
    settings = Settings.from_env(embedder="fake", corpus_dir=corpus, index_dir=tmp_path / "i", data_dir=tmp_path / "d")
    html = TestClient(create_api(Assistant(settings))).get("/plan").text
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# ---------------------------------------------------------------- /widget and /widget.js


def test_widget_page_in_both_languages(web: TestClient) -> None:
    zh, en = web.get("/widget").text, web.get("/widget?lang=en").text
    assert '<html lang="zh-CN">' in zh and 'data-lang="zh"' in zh and "输入您的问题" in zh
    assert '<html lang="en">' in en and 'data-lang="en"' in en and "Type your question" in en
    assert web.get("/widget?lang=<script>").text == zh  # unknown values fall back to Chinese
    for html in (zh, en):
        assert 'role="log"' in html and 'aria-live="polite"' in html and '<label for="w-q"' in html
        assert 'maxlength="500"' in html and 'aria-label=' in html


def test_widget_script_is_small_plain_and_self_contained(web: TestClient) -> None:
    r = web.get("/widget.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    js = r.text
    assert len(r.content) < 6 * 1024, f"widget.js is {len(r.content)} bytes"
    assert "document.currentScript" in js and "new URL(me.src" in js  # the app origin comes from its own src
    assert "data-lang" in js
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "import(" not in js
    assert set(re.findall(r"https?://[^\s\"']+", js)) <= {"http://www.w3.org/2000/svg", "https://HOST/widget.js"}
    assert '"Escape"' in js and "postMessage" in js and "aria-expanded" in js
    assert "e.origin === origin" in js  # only the app's own frame may close the panel


def test_widget_page_script_inserts_text_only(web: TestClient) -> None:
    js = web.get("/web/widget-page.js").text
    assert "textContent" in js
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert set(re.findall(r"""fetch\(["']([^"']+)""", js)) == {"/api/ask", "/api/feedback"}
    assert '"Escape"' in js and "nankai-plan-widget:close" in js


def test_static_assets_and_templates(web: TestClient) -> None:
    assert web.get("/web/site.css").headers["content-type"].startswith("text/css")
    assert "javascript" in web.get("/web/plan.js").headers["content-type"]
    for name in ("plan.html", "widget.html", "../server.py", "nothing.css"):
        r = web.get(f"/web/{name}")
        assert r.status_code == 404, name
    fonts = (STATIC / "site.css").read_text(encoding="utf-8")
    assert all(f in fonts for f in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"))
    for css in STATIC.glob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text and "url(http" not in text and "//fonts." not in text, css.name


# ---------------------------------------------------------------- the Gradio rendering


def test_render_escapes_text_and_numbers_citations() -> None:
    answer = Answer(question=XSS, language="zh", answer=f"建成六马路地块小学 [1]。\n计划原文：{XSS}", abstained=False,
                    mode="extractive", citations=[_citation(text=f"前文{XSS}。建成六马路地块小学。", quote="建成六马路地块小学。")])
    html = render(answer, "zh")
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<sup class="cite-ref">[1]</sup>' in html and "。<br>计划原文" in html
    assert "<mark>建成六马路地块小学。</mark>" in html and "前文&lt;img" in html
    assert "二、1. 激活科教创新澎湃动能" in html and "II.1 Innovation, para 1" in html
    assert 'href="/plan#nankai-2024-plan/2.1.2"' in html and 'target="_blank"' in html
    assert "非官方译文" in html and "<details" in html  # folded for Chinese readers


def test_citation_card_in_english() -> None:
    html = citation_card(_citation(), "en")
    assert html.index("II.1 Innovation") < html.index("二、1.")  # the interface language's label first
    assert "Complete the Liumalu school. <span class=\"unofficial\">(unofficial translation)</span>" in html
    assert 'href="/plan?lang=en#nankai-2024-plan/2.1.2"' in html and "<details" not in html
    assert "<mark>" in html


def test_quote_not_found_shows_the_paragraph_unmarked() -> None:
    html = citation_card(_citation(quote="不在段落里", quote_en=None), "zh")
    assert "<mark>" not in html and "前文。建成六马路地块小学。后文。" in html and "cite-en" not in html


def test_abstained_answer_lists_related_topics() -> None:
    answer = Answer(question="q", language="en", answer="Sorry, the plan does not cover this.", abstained=True,
                    mode="extractive", related=[{"id": "x/2.1.2", "title": "Innovation", "url": "/plan#x/2.1.2"}])
    html = render(answer, "en")
    assert "Related topics" in html and 'href="/plan?lang=en#x/2.1.2"' in html and "cite-card" not in html


def test_key_figures_link_to_existing_paragraphs(plan_html: str) -> None:
    figures = load_figures(CORPUS)
    labels = {p.id: p.label for p in load_corpus(CORPUS).paragraphs}
    for lang in ("zh", "en"):
        html = figures_html(figures, labels, lang)
        assert html.count('<li class="fig">') == len(figures) > 0
        for pid in re.findall(r'href="/plan(?:\?lang=en)?#([^"]+)"', html):
            assert f'id="{pid}"' in plan_html
    zh = figures_html(figures, labels, "zh")
    assert figures[0].measure_zh in zh and figures[0].measure_en in zh and figures[0].value in zh


@pytest.mark.parametrize("header,lang", [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"),
                                         ("en-GB,zh-CN;q=0.5", "en"), ("fr-FR,fr;q=0.9,zh;q=0.5", "zh"),
                                         ("de-DE", "en"), ("", "zh"), (None, "zh"), ("*", "zh")])
def test_interface_language_follows_the_browser(header: str | None, lang: str) -> None:
    assert browser_lang(header) == lang


def test_gradio_app_builds_and_mounts_under_the_api(tmp_path: Path) -> None:
    from bot.web.app import create_app

    settings = Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        csp = page.headers["content-security-policy"]
        assert "http" not in csp and "frame-ancestors 'self'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        theme = client.get("/theme.css")
        assert theme.status_code == 200 and "PingFang SC" in theme.text and "fonts.googleapis" not in theme.text
        assert client.get("/api/nothing").json()["error"]["code"] == "not_found"  # not Gradio's 404
        assert client.get("/plan").status_code == 200 and client.get("/widget.js").status_code == 200
        for _ in range(120):  # the index loads in the background; health says so meanwhile
            health = client.get("/api/health")
            if health.status_code == 200:
                break
            assert health.json()["status"] == "not ready"
            time.sleep(0.5)
        assert health.json()["status"] == "ok"
        assert client.post("/api/ask", json={"question": "今年有哪些学校建成？"}).status_code == 200


# ---------------------------------------------------------------- feedback


def test_feedback_store_is_durable_and_safe_across_threads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = FeedbackStore(data)
    assert store.recent() == [] and store.summary() == {"total": 0, "up": 0, "down": 0}

    def write(k: int) -> None:
        for i in range(5):
            FeedbackStore(data).add(f"q{k}.{i}", "answer", 1 if i % 2 else -1, source="test")

    in_threads(write)
    again = FeedbackStore(data)  # a new process would see the same rows
    assert again.summary() == {"total": 40, "up": 16, "down": 24}
    assert (data / "feedback.sqlite3").is_file()
    with pytest.raises(ValueError):
        again.add("q", "a", 0)


def test_web_chat_answers_several_residents_at_once(fake_settings: Settings) -> None:
    """Gradio answers one call per event at a time unless told otherwise; the chat shares one queue with room
    for several questions, so residents asking together do not wait for each other."""
    import gradio as gr
    from fastapi import FastAPI
    from gradio_client import Client

    assistant = Assistant(fake_settings).warm_up()
    real_ask, lock, both_in = assistant.ask, threading.Lock(), threading.Event()
    flight = {"now": 0, "peak": 0}

    def ask(*args: Any, **kwargs: Any) -> Answer:
        with lock:
            flight["now"] += 1
            flight["peak"] = max(flight["peak"], flight["now"])
            if flight["now"] == 2:
                both_in.set()
        both_in.wait(10)  # answered one at a time, the first question waits here in vain
        try:
            return real_ask(*args, **kwargs)
        finally:
            with lock:
                flight["now"] -= 1

    assistant.ask = ask  # type: ignore[method-assign]
    app = gr.mount_gradio_app(FastAPI(), build_ui(assistant), path="/")
    with uvicorn_thread(app) as base:
        clients = [Client(base + "/", verbose=False) for _ in range(2)]
        jobs = [c.submit(q, [], "zh", api_name="/respond") for c, q in zip(clients, ("今年改造多少个老旧小区？", "今年有哪些学校建成？"))]
        results = [job.result(timeout=60) for job in jobs]
        for c in clients:
            c.close()  # their open connections would hold uvicorn's shutdown
    assert flight["peak"] == 2
    for _, history in results:
        assert len(history) == 2 and "notice" not in str(history[1]["content"])
