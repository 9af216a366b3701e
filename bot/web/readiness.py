"""What the page says while the index is not ready: building (n of m passages, and when it will be done), waiting
for the vector store, or failed — in the page's language.

The build's progress comes from ``assistant.progress`` when the service offers it (an object or dict with
``done``, ``total`` and ``started_at`` or ``elapsed_s``, optionally ``eta_s`` and ``stage``); until then from the
loader's own log lines ("index: embedding 218 passages with …"), which give the total but not the count done."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

LOADER_LOGGER = "bot.web"  # bot/web/app.py logs the build's on_progress messages here as "index: <message>"
_PASSAGES = re.compile(r"embedding (\d+) passages")


@dataclass(frozen=True)
class State:
    kind: str  # "ready" | "building" | "waiting" | "failed"
    done: int | None = None
    total: int | None = None
    eta_s: float | None = None
    detail: str = ""


class _LoaderLog(logging.Handler):
    """The last build message the index loader logged, and when the build started."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.last = ""
        self.total: int | None = None
        self.started = time.time()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a bad log call is not ours to break
            return
        if message.startswith("index: "):
            self.last = message.removeprefix("index: ")
            m = _PASSAGES.search(self.last)
            if m:
                self.total = int(m.group(1))


_watch: _LoaderLog | None = None
_watch_lock = threading.Lock()


def watch_loader() -> _LoaderLog:
    """Listen to the loader's log lines (once per process)."""
    global _watch
    with _watch_lock:
        if _watch is None:
            _watch = _LoaderLog()
            logging.getLogger(LOADER_LOGGER).addHandler(_watch)
        return _watch


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def state(assistant: Any) -> State:
    if assistant.ready:
        return State("ready")
    status = str(getattr(assistant, "status", "") or "")
    if status.startswith("failed"):
        return State("failed", detail=status)
    if status.startswith("waiting for the vector store"):
        return State("waiting", detail=status)
    progress = getattr(assistant, "progress", None)
    progress = progress() if callable(progress) else progress
    if progress:
        done, total = _get(progress, "done"), _get(progress, "total")
        eta = _get(progress, "eta_s")
        if eta is None and done and total:
            started = _get(progress, "started_at")
            elapsed = _get(progress, "elapsed_s") or (time.time() - started if started else None)
            eta = elapsed / done * (total - done) if elapsed else None
        return State("building", done, total, eta, str(_get(progress, "stage") or ""))
    watch = _watch
    return State("building", None, watch.total if watch else None, None, watch.last if watch else "")


def _duration(seconds: float, lang: str) -> str:
    seconds = max(5, int(seconds))
    if seconds < 120:
        return f"{seconds}秒" if lang == "zh" else f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes}分钟" if lang == "zh" else f"{minutes} min"


def message(s: State, lang: str) -> str:
    """One sentence for the resident, in ``lang``."""
    zh = lang != "en"
    if s.kind == "ready":
        return ""
    if s.kind == "failed":
        return ("索引未能加载，暂时无法回答。请联系网站管理员（服务器日志中有原因）。" if zh else
                "The index could not be loaded, so no answers for now. Please tell the site's administrator "
                "(the server log has the reason).")
    if s.kind == "waiting":
        return ("正在等待向量数据库（Chroma 服务器）连接；连接上后即可提问，无需刷新页面。" if zh else
                "Waiting for the vector store (the Chroma server); you can ask as soon as it answers — no need to "
                "reload the page.")
    if s.done is not None and s.total:
        eta = f"，预计约{_duration(s.eta_s, 'zh')}后可以提问" if zh and s.eta_s is not None else ""
        eta_en = f"; ready in about {_duration(s.eta_s, 'en')}" if not zh and s.eta_s is not None else ""
        return (f"正在建立索引（首次启动时需要）：已处理 {s.done} / {s.total} 段{eta}。" if zh else
                f"Building the index (needed on first start): {s.done} of {s.total} passages done{eta_en}.")
    if s.total:
        return (f"正在建立索引（首次启动时需要）：正在处理 {s.total} 段文字，通常需要一到三分钟。" if zh else
                f"Building the index (needed on first start): processing {s.total} passages, usually one to "
                "three minutes.")
    return ("正在准备索引（首次启动时可能需要一到三分钟），准备好后即可提问。" if zh else
            "Preparing the index (on first start this can take one to three minutes); you can ask once it is ready.")
