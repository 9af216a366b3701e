"""The assistant: loads (or builds) the index once and answers questions for the CLI, API and UI."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
import time
from typing import Any, Callable

from .answer import Answer, ExtractiveAnswerer
from .cache import AnswerCache, install_query_vectors
from .documents import DocumentInfo
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
    return documents, segments


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
        # repeated questions (bot.cache): served from memory under the state they were computed in
        self.cache = AnswerCache(self.settings.answer_cache)
        self._state = 0  # bumped by every reload: the cache's entries belong to one loaded state

    def warm_up(self, on_progress: Callable[[str], None] | None = None) -> "Assistant":
        """Load (or build) the index now; returns the assistant, ready to answer."""
        self.reload(on_progress=on_progress)
        return self

    @property
    def progress(self) -> dict[str, Any] | None:
        """The running build's progress (stage, done, total, started_at, eta_s), or None."""
        return self.manager.progress

    @property
    def ready(self) -> bool:
        return self.index is not None

    def _loaded(self, name: str, load: Callable[[Path], Any]) -> Any:
        """Corpus data loaded once from corpus/ (and again after a reload), for pages that show it."""
        value = getattr(self, name)
        if value is None:
            value = load(self.settings.corpus_dir)
            setattr(self, name, value)
        return value

    @property
    def corpus(self) -> Corpus:
        return self._loaded("_corpus", load_corpus)

    @property
    def items(self) -> list[PlanItem]:
        return self._loaded("_items", load_items)

    @property
    def figures(self) -> list[Figure]:
        return self._loaded("_figures", load_figures)

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
                                      notices=notices, glossary=glossary)
        install_query_vectors(index.embeddings, self.settings.answer_cache)
        state = (index, HybridSearch(index, glossary), answerer, glossary, figures)
        with self._lock:  # requests in flight keep the objects they already hold
            retired = self.index
            self.index, self.search, self.extractive, self.glossary, self._figures = state
            self.status = status
            self._corpus, self._items = corpus, items
            self._state += 1
        self.cache.clear()  # a new index, corpus data or answerer: nothing computed before holds
        if retired is not None and retired is not index:  # closed, and its lease released, once in-flight work is done
            timer = threading.Timer(RETIRE_AFTER_S, lambda: (retired.close(),
                                                             self.manager.lease.release(retired.manifest.build)))
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
            search, extractive, state = self.search, self.extractive, self._state
        if search is None or extractive is None:
            raise IndexNotReady("the index is not loaded yet — try again shortly")
        question = valid_text(question)
        history = [{**turn, "content": valid_text(str(turn.get("content", "")))} for turn in history or []]
        context = previous_question(history) if is_followup(question, history) else ""
        key = None
        token = self._cache_token(state, search, extractive) if self.cache.enabled else None
        if token is not None:
            key = self.cache.key(question, lang, context)
            cached = self.cache.get(key, token)
            if cached is not None and self._store_answers(search):
                cached.question = question  # the asker's own text; everything else is what computing it gives
                now = time.perf_counter()
                return self._served(cached, question, channel, t0, now, now)
        approved = None if context else self.approved.before(question, lang, search.index, extractive)
        retrieval = search.run(question, lang=lang, k=self.settings.top_k + 2, context=context)
        t1 = time.perf_counter()
        answer = (approved.confirm(retrieval) if approved else None) or extractive.run(question, retrieval)
        if self.llm is not None and not answer.abstained and answer.mode != "approved":
            answer = self.llm.run(question, retrieval, answer)
        t2 = time.perf_counter()
        answer.top = dict(retrieval.signals)
        if key is not None and (self.llm is None or answer.mode == "llm"):  # never an LLM fallback: it may pass
            self.cache.put(key, token, answer)
        return self._served(answer, question, channel, t0, t1, t2)

    def _cache_token(self, state: int, search: HybridSearch, extractive: ExtractiveAnswerer) -> Any:
        """The serving state an answer depends on: the loaded state (and the very objects that answer, should
        anyone set them by hand), the LLM, and the approved answers servable now (read at most every few seconds, as
        ``Approved.before`` reads them). None: not known, so no cache for this ask."""
        try:
            self.approved.refresh(search.index, getattr(extractive, "documents", None))
        except Exception:  # noqa: BLE001 — Approved.before says why; unsure of the state, the cache stays out
            return None
        return (state, search, extractive, self.llm, (getattr(self.approved, "_key", None) or (None, None))[1])

    @staticmethod
    def _store_answers(search: HybridSearch) -> bool:
        """Whether a cached answer may be served: a Chroma server must still answer (while it is away, asks fail
        with the 503 that says so, cached or not); an embedded store always does."""
        index = search.index
        if index.manifest.chroma == "embedded":
            return True
        try:
            index.vectors.check()
        except Exception:  # noqa: BLE001 — the ask goes the usual way and meets the error itself
            return False
        return True

    def _served(self, answer: Answer, question: str, channel: str, t0: float, t1: float, t2: float) -> Answer:
        """Timings, and the question log's row (a cached answer is logged like any other, with its own id)."""
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        answer.log_id = self.question_log.record(answer, question, channel, answer.timings_ms["total"],  # type: ignore[attr-defined]
                                                 llm_configured=self.llm is not None)
        return answer

    def follow_rebuilds(self) -> bool:
        """Serve the build CURRENT names when another process swapped in a new one (``python -m bot index
        --rebuild``, a replica sharing the folder); True when it did. A build that will not load is logged once and
        the one serving keeps serving. For the server's loader thread, called every second or so."""
        index, name = self.index, self.manager.current_name()
        if index is None or not name or name in (index.manifest.build, getattr(self, "_unfollowed", None)):
            return False
        if not self._reload_lock.acquire(blocking=False):
            return False  # a reload is running: it reads CURRENT itself
        try:
            if self.index is not index:
                return False
            log.info("a new build %s was swapped in by another process: loading it", name)
            self._reload(False, None)
            return True
        except Exception as exc:  # noqa: BLE001 — the old build keeps serving; said once per build
            self._unfollowed = name
            log.warning("the new build %s could not be loaded (%s: %s); still serving %s", name,
                        exc.__class__.__name__, exc, index.manifest.build)
            return False
        finally:
            self._reload_lock.release()

    def health(self, probe: bool = True) -> dict[str, Any]:
        """``probe``: query the vector store (False: report only what searches met, for a health check that must
        not wait)."""
        index = self.index
        m = index.manifest if index else None
        status = "ok" if index else "not ready"
        vector_store = None
        if index is not None and m is not None:
            try:
                if probe:
                    index.vectors.check()  # this collection answers: not merely the server
                elif index.vectors.breaker.open:
                    raise VectorStoreUnavailable(index.vectors.breaker.reason)
                vector_store = "ok"
            except Exception as exc:  # noqa: BLE001 — reported, never raised
                status = "unavailable"
                vector_store = (f"the Chroma server at {m.chroma} does not answer ({exc}) — start it with "
                                "`chroma run`; answers resume when it is back" if m.chroma != "embedded" else
                                f"the vector store does not answer ({exc})")
        return {
            "status": status,
            "index": self.status,
            "build": m.build if m else None,
            "vector_store": vector_store,
            "documents": m.documents if m else 0,
            "chunks": m.entries if m else 0,
            "sentences": m.sentences if m else 0,
            "embedder": m.embedder if m else self.settings.embedder,
            "chroma": m.chroma if m else None,
            "index_age_s": round(time.time() - m.built_at, 1) if m else None,
            "llm": self.settings.llm or None,
            "progress": self.progress,  # while the first build embeds: done, total, eta_s
        }
