"""A real `chroma run` for tests: on a free port and its own data folder, so that it can be stopped, hung
(SIGSTOP) and brought back on the same port. Shared by tests/test_faults.py, test_outages.py and test_rebuilds.py."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from bot.testing import free_port

T = TypeVar("T")


def until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class ChromaServer:
    """A real `chroma run` on a fixed port and data folder, so that it can be stopped, hung and brought back."""

    def __init__(self, path: Path) -> None:
        exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        if not Path(exe).exists():
            pytest.fail("the `chroma` command is missing — pip install chromadb")
        self.exe, self.path, self.port = exe, path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited with {self.proc.returncode}")
            try:
                return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        until(up, 60, "chroma run to answer")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)  # in case a test left it paused
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None

    def pause(self) -> None:
        """SIGSTOP: the server still accepts connections but never answers."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)
