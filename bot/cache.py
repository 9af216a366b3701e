"""Repeated questions answered from memory: a bounded LRU of answers and one of query vectors.

Real traffic repeats a few questions very often ("今年有哪些学校建成？"), and the answer to a question depends only on
what retrieval sees of it and on the serving state:

- the question as the pipeline reads it: ``bot.text.normalize`` (NFKC, no control characters, traditional to
  simplified, one space between words) is the first thing retrieval, understanding and approved-answer matching do
  with it, so two questions equal after it get the same answer (only ``Answer.question``, the text as asked, differs:
  a cached answer carries the new asker's own text);
- the ``lang`` asked for (auto / zh / en) and the follow-up context (the earlier question a follow-up is searched
  with; "" for a question on its own);
- the serving state, named by a ``token``: which index, glossary, figures and answerer are loaded (every reload or
  swap to a rebuilt index makes a new one, and a corpus change reaches the server only through those) and which
  approved answers are servable. An entry is served only under the token it was computed with, and a new token
  empties the cache.

``QueryVectors`` caches the embedder's query vectors keyed by the exact text embedded (retrieval embeds the
normalised question), so paraphrases that normalise alike share one vector: exact by construction.

Nothing here decides what is logged: ``Assistant.ask`` records every resident's ask, cached or not, with its own row.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from .text import normalize

__all__ = ["AnswerCache", "QueryVectors", "install_query_vectors"]

DEFAULT_SIZE = 1024


class AnswerCache:
    """Answers by (normalised question, lang, normalised context), at most ``size`` of them, least recently used
    out first. Thread-safe. ``size`` 0 turns it off (``get`` misses, ``put`` keeps nothing)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 0:
            raise ValueError(f"the answer cache size must be 0 or more, not {size}")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._token: Hashable = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def key(question: str, lang: str, context: str = "") -> tuple[str, str, str]:
        return normalize(question), lang, normalize(context) if context else ""

    def get(self, key: tuple[Hashable, ...], token: Hashable) -> Any | None:
        """A private copy of the answer stored under ``key`` for this ``token``, or None. A token other than the
        cache's own empties it (the serving state changed)."""
        if not self.size:
            return None
        with self._lock:
            if token != self._token:
                self._items.clear()
                self._token = token
            answer = self._items.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        return copy.deepcopy(answer)

    def put(self, key: tuple[Hashable, ...], token: Hashable, answer: Any) -> None:
        """Keep a copy of ``answer`` (computed after a ``get`` under the same ``token``) — unless the serving state
        changed while it was computed: then it may belong to the state before, and is dropped."""
        if not self.size:
            return
        kept = copy.deepcopy(answer)
        with self._lock:
            if token != self._token:  # computed under a state the cache has left since its ``get``: not kept
                return
            self._items[key] = kept
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._token = None

    def stats(self) -> dict[str, int]:
        return {"size": self.size, "entries": len(self._items), "hits": self.hits, "misses": self.misses}


class QueryVectors:
    """The embedder's query vectors by the exact text embedded, at most ``size``; thread-safe."""

    def __init__(self, embed: Callable[[str], Any], size: int = DEFAULT_SIZE) -> None:
        self.embed = embed
        self.size = size
        self.hits = 0
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> Any:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
                self.hits += 1
                return vector.copy()
        vector = self.embed(text)
        with self._lock:
            self._items[text] = vector.copy()
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vector


def install_query_vectors(embeddings: Any, size: int = DEFAULT_SIZE) -> QueryVectors | None:
    """Put a ``QueryVectors`` in front of ``embeddings.embed_query_vector`` (once per embeddings object; the
    encoder itself is left alone, so ``embeddings.encoder.encode`` still embeds every time). None when size is 0."""
    if size <= 0:
        return None
    current = getattr(embeddings, "embed_query_vector", None)
    if isinstance(getattr(embeddings, "_query_vectors", None), QueryVectors):
        return embeddings._query_vectors  # type: ignore[no-any-return]
    if current is None:
        return None
    cached = QueryVectors(current, size)
    embeddings.embed_query_vector = cached
    embeddings._query_vectors = cached
    return cached
