"""The vector store: Chroma, embedded (``PersistentClient``) or a server (``BOT_CHROMA_URL``).

Nothing else in the package touches Chroma; callers see ``VectorStore`` and the module's functions.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .embed import BotEmbeddings
from .errors import VectorStoreUnavailable

CHROMA_TIMEOUT_S = 30.0  # a Chroma server that stops answering fails a request after this long (client default: never)
BATCH = 1000


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def connect(chroma_url: str, path: Path | None) -> Any:
    """A Chroma client: the server at ``chroma_url`` when set, else the embedded store in ``path``."""
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
        _bound_http_timeout(client)
        return client
    if path is None:
        raise ValueError("an embedded Chroma store needs a folder")
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def _bound_http_timeout(client: Any) -> None:
    """chromadb's HTTP client waits forever by default: a hung server would hold every request thread."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=min(5.0, CHROMA_TIMEOUT_S))


def unreachable(exc: BaseException) -> bool:
    """A transport failure (refused, reset, timed out), as opposed to a server that answers with an error."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


def check_server(chroma_url: str) -> None:
    """Raise VectorStoreUnavailable now when the server cannot be reached (before minutes of embedding)."""
    client = connect(chroma_url, None)
    with suppress(Exception):
        client.close()


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

    def __init__(self, client: Any, collection: str, embeddings: BotEmbeddings) -> None:
        from langchain_chroma import Chroma

        self.client = client
        self.store = Chroma(collection_name=collection, embedding_function=embeddings, client=client,
                            collection_metadata={"hnsw:space": "cosine"})
        self._collection = self.store._collection  # langchain-chroma exposes no public handle for raw vectors

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

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(entry id, cosine similarity) best first."""
        try:
            result = self._collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        except Exception as exc:
            raise VectorStoreUnavailable(
                f"the vector store does not answer ({exc.__class__.__name__}: {exc}) — "
                "check the Chroma server (BOT_CHROMA_URL) or rebuild with `python -m bot index`") from exc
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
