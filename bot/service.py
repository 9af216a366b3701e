"""The assistant: loads (or builds) the index once and answers questions for the CLI, API and UI."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
import time
from typing import Any, Callable

from .answer import Answer, DocumentInfo, ExtractiveAnswerer
from .bilingual import Figure, Glossary, load_figures, load_renderings
from .config import Settings
from .followup import is_followup, previous_question
from .corpus import Corpus, load_corpus
from .build import IndexManager
from .errors import IndexNotReady, VectorStoreUnavailable
from .index import Index
from .items import PlanItem, load_items
from .notice import NoticeFacts
from .retrieve import HybridSearch

log = logging.getLogger("bot.service")

RETIRE_AFTER_S = 60.0  # a replaced index is closed this long after the swap: requests in flight still hold it


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (JSON allows "\\ud800"; UTF-8 cannot hold it) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")  # pairs join, lone ones go
    return text


_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _documents(corpus: Corpus, corpus_dir: Path) -> tuple[dict[str, DocumentInfo], dict[str, list[tuple[str, str]]]]:
    """Each document's metadata (``bot.documents.DocumentInfo``: id, title (zh/en), kind, year, issue date — read
    from the document and its optional ``<doc>.meta.json``), and the clause-aligned English segments of its
    sentences."""
    from .documents import load_infos

    documents, _ = load_infos(corpus, corpus_dir)  # a bad sidecar is ignored here; `corpus check` reports it
    segments: dict[str, list[tuple[str, str]]] = {}
    for doc in corpus.documents:
        renderings = load_renderings(corpus_dir, doc.doc_id)
        segments.update({rid: list(r.segments) for rid, r in renderings.items() if r.segments})
    return documents, segments  # type: ignore[return-value]  # bot.documents.DocumentInfo has answer's fields


class Assistant:
    """One per process. ``warm_up`` (or ``reload``) loads the index — building it when missing or stale — and
    ``ask`` is thread-safe; ``reload`` swaps in a rebuilt index atomically. Constructing one is cheap."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.manager = IndexManager(self.settings)
        self.status = "not loaded"
        self.index: Index | None = None
        self.search: HybridSearch | None = None
        self.extractive: ExtractiveAnswerer | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()  # one reload at a time; requests keep being served meanwhile
        self.llm = None
        self._corpus: Corpus | None = None
        self._figures: list[Figure] | None = None
        self._items: list[PlanItem] | None = None
        from .approved import Approved
        from .questions import QuestionLog

        # residents' questions, masked, written by a batch thread (BOT_QUESTION_LOG); staff-approved answers
        self.question_log = QuestionLog.from_settings(self.settings)
        self.approved = Approved.from_settings(self.settings)

    def warm_up(self, on_progress: Callable[[str], None] | None = None) -> "Assistant":
        """Load (or build) the index now; returns the assistant, ready to answer."""
        self.reload(on_progress=on_progress)
        return self

    @property
    def ready(self) -> bool:
        return self.index is not None

    @property
    def corpus(self) -> Corpus:
        """The parsed corpus (loaded once, again after a reload), for pages that show the plan."""
        corpus = self._corpus
        if corpus is None:
            corpus = self._corpus = load_corpus(self.settings.corpus_dir)
        return corpus

    @property
    def items(self) -> list[PlanItem]:
        """The plan items of corpus/items.jsonl (loaded once, again after a reload)."""
        items = self._items
        if items is None:
            items = self._items = load_items(self.settings.corpus_dir)
        return items

    @property
    def figures(self) -> list[Figure]:
        """The key figures of corpus/figures.jsonl (loaded once, again after a reload)."""
        figures = self._figures
        if figures is None:
            figures = self._figures = load_figures(self.settings.corpus_dir)
        return figures

    def reload(self, rebuild: bool = False, on_progress: Callable[[str], None] | None = None) -> None:
        with self._reload_lock:
            self._reload(rebuild, on_progress)

    def load_until_ready(self, on_progress: Callable[[str], None] | None = None, max_wait_s: float = 5.0,
                         stop: threading.Event | None = None) -> None:
        """``reload``, retried while the vector store cannot be reached (a Chroma server that is down at start-up);
        health reports the wait. Any other failure is raised. For the server's background loader thread."""
        wait = 0.5
        stop = stop or threading.Event()
        while True:
            try:
                self.reload(on_progress=on_progress)
                return
            except VectorStoreUnavailable as exc:
                self.status = f"waiting for the vector store: {exc}"
                log.warning("%s (retrying in %.1f s)", exc, wait)
            if stop.wait(wait):
                return
            wait = min(wait * 2, max_wait_s)

    def _reload(self, rebuild: bool, on_progress: Callable[[str], None] | None) -> None:
        if rebuild:
            self.manager.build(on_progress=on_progress)
        index, status = self.manager.load_or_build(on_progress=on_progress)
        glossary = Glossary.load(self.settings.corpus_dir)
        figures = load_figures(self.settings.corpus_dir)
        items = load_items(self.settings.corpus_dir)
        corpus = load_corpus(self.settings.corpus_dir)
        documents, segments = _documents(corpus, self.settings.corpus_dir)
        notices = [n for doc in corpus.documents
                   if (n := NoticeFacts.of(doc, load_renderings(self.settings.corpus_dir, doc.doc_id)))]
        answerer = ExtractiveAnswerer(index, figures, items=items, documents=documents, segments=segments,
                                      notices=notices)
        state = (index, HybridSearch(index, glossary), answerer, glossary, figures)
        with self._lock:  # requests in flight keep the objects they already hold
            retired = self.index
            self.index, self.search, self.extractive, self.glossary, self._figures = state
            self.status = status
            self._corpus, self._items = corpus, items
        if retired is not None and retired is not index:
            timer = threading.Timer(RETIRE_AFTER_S, retired.close)
            timer.daemon = True
            timer.start()
        if self.settings.llm and self.llm is None:
            from .llm import LLMAnswerer

            self.llm = LLMAnswerer.from_settings(self.settings)

    def ask(self, question: str, lang: str = "auto", history: list[dict[str, str]] | None = None,
            channel: str = "api") -> Answer:
        """``channel`` (api / chat / widget) is recorded in the question log; any other channel is not logged."""
        t0 = time.perf_counter()
        with self._lock:
            search, extractive = self.search, self.extractive
        if search is None or extractive is None:
            raise IndexNotReady("the index is not loaded yet — try again shortly")
        question = valid_text(question)
        history = [{**turn, "content": valid_text(str(turn.get("content", "")))} for turn in history or []]
        context = previous_question(history) if is_followup(question, history) else ""
        approved = None if context else self.approved.before(question, lang, search.index, extractive)
        retrieval = search.run(question, lang=lang, k=self.settings.top_k + 2, context=context)
        t1 = time.perf_counter()
        answer = (approved.confirm(retrieval) if approved else None) or extractive.run(question, retrieval)
        if self.llm is not None and not answer.abstained and answer.mode != "approved":
            answer = self.llm.run(question, retrieval, answer)
        t2 = time.perf_counter()
        answer.top = dict(retrieval.signals)
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        answer.log_id = self.question_log.record(answer, question, channel, answer.timings_ms["total"],  # type: ignore[attr-defined]
                                                 llm_configured=self.llm is not None)
        return answer

    def health(self) -> dict[str, Any]:
        index = self.index
        m = index.manifest if index else None
        status = "ok" if index else "not ready"
        vector_store = None
        if index is not None and m is not None and m.chroma != "embedded":
            try:
                index.ping()
                vector_store = "ok"
            except Exception as exc:  # noqa: BLE001 — reported, never raised
                status = "unavailable"
                vector_store = (f"the Chroma server at {m.chroma} does not answer ({exc.__class__.__name__}) — "
                                "start it with `chroma run`; answers resume when it is back")
        return {
            "status": status,
            "index": self.status,
            "vector_store": vector_store,
            "documents": m.documents if m else 0,
            "chunks": m.entries if m else 0,
            "sentences": m.sentences if m else 0,
            "embedder": m.embedder if m else self.settings.embedder,
            "chroma": m.chroma if m else None,
            "index_age_s": round(time.time() - m.built_at, 1) if m else None,
            "llm": self.settings.llm or None,
        }
