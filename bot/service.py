"""The assistant: loads (or builds) the index once and answers questions for the CLI, API and UI."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from .answer import Answer, ExtractiveAnswerer, is_followup, previous_question
from .bilingual import Glossary, load_figures
from .config import Settings
from .index import Index, IndexManager
from .retrieve import HybridSearch

log = logging.getLogger("bot.service")


class Assistant:
    """One per process. ``ask`` is thread-safe; ``reload`` swaps in a rebuilt index atomically."""

    def __init__(self, settings: Settings | None = None, *, build: bool = True,
                 on_progress: Callable[[str], None] | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.manager = IndexManager(self.settings)
        self.status = "not loaded"
        self.index: Index | None = None
        self._lock = threading.Lock()
        self.llm = None
        if build:
            self.reload(on_progress=on_progress)

    def reload(self, rebuild: bool = False, on_progress: Callable[[str], None] | None = None) -> None:
        if rebuild:
            self.manager.build(on_progress=on_progress)
        index, status = self.manager.load_or_build(on_progress=on_progress)
        glossary = Glossary.load(self.settings.corpus_dir)
        figures = load_figures(self.settings.corpus_dir)
        state = (index, HybridSearch(index, glossary), ExtractiveAnswerer(index, figures), glossary, figures)
        with self._lock:  # requests in flight keep the objects they already hold
            self.index, self.search, self.extractive, self.glossary, self.figures = state
            self.status = status
        if self.settings.llm and self.llm is None:
            from .llm import LLMAnswerer

            self.llm = LLMAnswerer.from_settings(self.settings)

    def ask(self, question: str, lang: str = "auto", history: list[dict[str, str]] | None = None) -> Answer:
        t0 = time.perf_counter()
        with self._lock:
            search, extractive = self.search, self.extractive
        history = history or []
        context = previous_question(history) if is_followup(question, history) else ""
        retrieval = search.run(question, lang=lang, k=self.settings.top_k + 2, context=context)
        t1 = time.perf_counter()
        answer = extractive.run(question, retrieval)
        if self.llm is not None and not answer.abstained:
            answer = self.llm.run(question, retrieval, answer)
        t2 = time.perf_counter()
        answer.top = dict(retrieval.signals)
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        return answer

    def health(self) -> dict[str, Any]:
        m = self.index.manifest if self.index else None
        return {
            "status": "ok" if self.index else "not ready",
            "index": self.status,
            "documents": m.documents if m else 0,
            "chunks": m.entries if m else 0,
            "sentences": m.sentences if m else 0,
            "embedder": m.embedder if m else self.settings.embedder,
            "chroma": m.chroma if m else None,
            "index_age_s": round(time.time() - m.built_at, 1) if m else None,
            "llm": self.settings.llm or None,
        }
