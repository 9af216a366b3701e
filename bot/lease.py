"""Leases: which builds of an index folder the processes that serve it hold, so that a rebuild by another process
(``python -m bot index --rebuild``, another replica on a shared folder) never sweeps a build still being read.

Each serving process writes ``<index>/leases/<host>-<pid>-<id>.json`` naming the builds it holds (the one it
serves, and the one it replaced until in-flight requests are done), before it reads them; one daemon thread per
process refreshes every lease every ``LEASE_REFRESH_S`` (the file's mtime), and in Chroma-server mode marks each
held collection's heartbeat (see ``bot.vectors.HEARTBEAT_KEY``), which ``index --prune`` on any host respects. A
lease not refreshed for ``LEASE_TTL_S`` belongs to a process that is gone (killed, its host lost): it is ignored
and removed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

log = logging.getLogger("bot.lease")

LEASE_REFRESH_S = 10.0
LEASE_TTL_S = 120.0


class Lease:
    """This process's claim on builds of one index folder (thread-safe; holds are counted)."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = Path(index_dir) / "leases"
        self.id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = self.dir / f"{self.id}.json"
        self._held: dict[str, int] = {}
        self._beats: dict[str, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._warned = False

    def builds(self) -> set[str]:
        with self._lock:
            return set(self._held)

    def hold(self, build: str) -> None:
        """Claim ``build`` now (written before returning), before reading it."""
        with self._lock:
            self._held[build] = self._held.get(build, 0) + 1
        self._write()
        _refresher().add(self)

    def beat(self, build: str, heartbeat: Callable[[], None]) -> None:
        """Call ``heartbeat`` at every refresh while ``build`` is held (the vector store's collection mark)."""
        with self._lock:
            if build in self._held:
                self._beats[build] = heartbeat
        with suppress(Exception):
            heartbeat()

    def release(self, build: str) -> None:
        with self._lock:
            left = self._held.get(build, 0) - 1
            if left > 0:
                self._held[build] = left
            else:
                self._held.pop(build, None)
                self._beats.pop(build, None)
            empty = not self._held
        if empty:
            with suppress(OSError):
                self.path.unlink()
        else:
            self._write()

    def refresh(self) -> None:
        with self._lock:
            empty, beats = not self._held, list(self._beats.values())
        if empty:
            return
        self._write()
        for heartbeat in beats:  # after the file: a hung Chroma server delays nothing else
            try:
                heartbeat()
            except Exception as exc:  # noqa: BLE001 — the next refresh tries again
                log.debug("heartbeat failed: %s", exc)

    def _write(self) -> None:
        with self._lock:
            record = {"builds": sorted(self._held), "host": socket.gethostname(), "pid": os.getpid(),
                      "refreshed_at": time.time()}
            if not record["builds"]:
                return
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
                tmp = self.dir / f".{self.id}.{uuid.uuid4().hex[:6]}.tmp"
                tmp.write_text(json.dumps(record), encoding="utf-8")
                os.replace(tmp, self.path)
            except OSError as exc:  # a read-only index folder: nothing can sweep it either
                if not self._warned:
                    self._warned = True
                    log.warning("cannot write the lease %s (%s); a rebuild elsewhere could sweep what this "
                                "process serves", self.path, exc)


def held_builds(index_dir: Path, ttl_s: float | None = None) -> set[str]:
    """Every build named by a live lease of ``index_dir``; stale leases (and stray temporary files) are removed."""
    ttl = LEASE_TTL_S if ttl_s is None else ttl_s
    folder = Path(index_dir) / "leases"
    held: set[str] = set()
    now = time.time()
    try:
        paths = list(folder.iterdir())
    except OSError:
        return held
    for path in paths:
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        if path.name.endswith(".tmp"):
            if age > ttl:
                with suppress(OSError):
                    path.unlink()
            continue
        if not path.name.endswith(".json"):
            continue
        if age > ttl:
            log.info("removing a stale lease %s (not refreshed for %.0f s)", path.name, age)
            with suppress(OSError):
                path.unlink()
            continue
        try:
            builds = json.loads(path.read_text(encoding="utf-8")).get("builds", [])
        except (OSError, ValueError, AttributeError):
            continue
        held |= {b for b in builds if isinstance(b, str)}
    return held


class _Refresher:
    """One daemon thread per process refreshing every live lease."""

    def __init__(self) -> None:
        self._leases: weakref.WeakSet[Lease] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, lease: Lease) -> None:
        with self._lock:
            self._leases.add(lease)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-refresher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(LEASE_REFRESH_S)
            with self._lock:
                leases = list(self._leases)
            for lease in leases:
                lease.refresh()


_REFRESHER: _Refresher | None = None
_REFRESHER_LOCK = threading.Lock()


def _refresher() -> _Refresher:
    global _REFRESHER
    with _REFRESHER_LOCK:
        if _REFRESHER is None:
            _REFRESHER = _Refresher()
        return _REFRESHER
