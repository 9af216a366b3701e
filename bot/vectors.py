"""The vector store: Chroma, embedded (``PersistentClient``) or a server (``BOT_CHROMA_URL``).

Nothing else in the package touches Chroma; callers see ``VectorStore`` and the module's functions.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .embed import BotEmbeddings
from .errors import VectorStoreUnavailable

CHROMA_TIMEOUT_S = 5.0  # the longest a request waits for a Chroma server that stopped answering (client default: never)
BUILD_TIMEOUT_S = 120.0  # a build's writes (1,000 vectors a call) may take longer
COOL_DOWN_S = 2.0  # after a failure, searches fail at once for this long, then one call tries again
BATCH = 1000
HEARTBEAT_KEY = "bot_heartbeat"  # collection metadata: when a process last served (or built) it, for --prune
BUILD_COLLECTION = re.compile(r"^plan-\d{8}-\d{6}-[0-9a-f]{6}$")  # the collections builds make (build.collection_name)


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def connect(chroma_url: str, path: Path | None, timeout_s: float | None = None) -> Any:
    """A Chroma client: the server at ``chroma_url`` when set (each call bounded by ``timeout_s``, default
    ``CHROMA_TIMEOUT_S``), else the embedded store in ``path``."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # before chromadb's first import sets up telemetry
    import chromadb

    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        try:
            client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                         ssl=url.scheme == "https", settings=_chroma_settings())
        except Exception as exc:
            raise VectorStoreUnavailable(f"the Chroma server at {chroma_url} does not answer ({exc}) — "
                                         "start it with `chroma run` or unset BOT_CHROMA_URL") from exc
        _bound_http_timeout(client, CHROMA_TIMEOUT_S if timeout_s is None else timeout_s)
        return client
    if path is None:
        raise ValueError("an embedded Chroma store needs a folder")
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def _bound_http_timeout(client: Any, timeout_s: float) -> None:
    """chromadb's HTTP client waits forever by default: a hung server would hold every request thread."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))


def unreachable(exc: BaseException) -> bool:
    """A transport failure (refused, reset, timed out), as opposed to a server that answers with an error."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


def check_server(chroma_url: str) -> None:
    """Raise VectorStoreUnavailable now when the server cannot be reached (before minutes of embedding)."""
    client = connect(chroma_url, None)
    with suppress(Exception):
        client.close()


def build_collections(chroma_url: str) -> dict[str, float]:
    """The collections builds made on the server, each with its last heartbeat (0 when it has none)."""
    found: dict[str, float] = {}
    for collection in connect(chroma_url, None).list_collections():
        if BUILD_COLLECTION.match(collection.name):
            value = (collection.metadata or {}).get(HEARTBEAT_KEY, 0)
            found[collection.name] = float(value) if isinstance(value, (int, float)) else 0.0
    return found


def drop_collection(chroma_url: str, collection: str) -> None:
    """Delete a collection on the server; a no-op in embedded mode (the build folder holds it) or when gone."""
    if not chroma_url:
        return
    try:
        connect(chroma_url, None).delete_collection(collection)
    except Exception:  # already gone, or the server is away: nothing to clean
        pass


class VectorStore:
    """Dense search over the unit passages, through LangChain's Chroma vector store."""

    def __init__(self, client: Any, collection: str, embeddings: BotEmbeddings, new: bool = False) -> None:
        from langchain_chroma import Chroma

        self.client = client
        self.name = collection
        metadata: dict[str, Any] = {"hnsw:space": "cosine"}
        if new:  # a build: the first heartbeat, so that --prune elsewhere leaves it alone until it is served
            metadata[HEARTBEAT_KEY] = time.time()
        self.store = Chroma(collection_name=collection, embedding_function=embeddings, client=client,
                            collection_metadata=metadata)
        self._collection = self.store._collection  # langchain-chroma exposes no public handle for raw vectors
        self.breaker = Breaker()

    @classmethod
    def open(cls, chroma_url: str, path: Path | None, collection: str, embeddings: BotEmbeddings) -> "VectorStore":
        return cls(connect(chroma_url, path), collection, embeddings)

    def add(self, ids: list[str], texts: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        for start in range(0, len(ids), BATCH):
            stop = start + BATCH
            self._collection.upsert(ids=ids[start:stop], documents=texts[start:stop],
                                    embeddings=vectors[start:stop], metadatas=metadatas[start:stop])

    def count(self) -> int:
        return int(self._collection.count())

    def probe(self) -> None:
        """One stored vector queried back: damage that only shows on search is found at load time, not per request."""
        got = self._collection.get(limit=1, include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None or len(vectors) == 0:
            raise RuntimeError("the collection holds no vector")
        self._collection.query(query_embeddings=[vectors[0]], n_results=1, include=["distances"])

    def ping(self) -> None:
        """Raise when the store does not answer (a server's heartbeat; embedded stores always answer)."""
        self.client.heartbeat()

    def check(self) -> None:
        """Raise VectorStoreUnavailable unless this collection answers (it may have been deleted while the server
        still answers); fails at once while searches are failing."""
        self.breaker.before()
        try:
            self._collection.count()
        except Exception as exc:
            raise self.breaker.failure(exc) from exc
        self.breaker.success()

    def heartbeat(self) -> None:
        """Mark the collection as served now (server mode), for ``python -m bot index --prune`` on other hosts."""
        self._collection.modify(metadata={HEARTBEAT_KEY: time.time()})

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(entry id, cosine similarity) best first. While the store is failing, fails at once (``Breaker``)."""
        self.breaker.before()
        try:
            result = self._collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        except Exception as exc:
            raise self.breaker.failure(exc) from exc
        self.breaker.success()
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [1.0] * len(ids)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances)]

    @property
    def closed(self) -> bool:
        return bool(getattr(self.client, "_closed", False))

    def close(self) -> None:
        """Release the client (its SQLite files and HNSW segments in embedded mode)."""
        with suppress(Exception):
            self.client.close()


class Breaker:
    """Fail fast while the store is known to be failing: after a failure every call fails at once for
    ``COOL_DOWN_S``; then one call tries again (the others keep failing fast) and its outcome closes the breaker or
    opens it again. A hung server thus holds at most the calls already waiting, each for at most CHROMA_TIMEOUT_S."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failed_at: float | None = None
        self.reason = ""
        self._trying = False

    @property
    def open(self) -> bool:
        return self.failed_at is not None

    def before(self) -> None:
        with self._lock:
            if self.failed_at is None:
                return
            if not self._trying and time.monotonic() - self.failed_at >= COOL_DOWN_S:
                self._trying = True  # this call is the one that tries again
                return
            reason = self.reason
        raise VectorStoreUnavailable(reason)

    def success(self) -> None:
        with self._lock:
            self.failed_at, self._trying = None, False

    def failure(self, exc: BaseException) -> VectorStoreUnavailable:
        """Open the breaker; returns the error to raise."""
        reason = (f"the vector store does not answer ({exc.__class__.__name__}: {str(exc)[:300]}) — "
                  "check the Chroma server (BOT_CHROMA_URL) or rebuild with `python -m bot index`")
        with self._lock:
            self.failed_at, self.reason, self._trying = time.monotonic(), reason, False
        return VectorStoreUnavailable(reason)
