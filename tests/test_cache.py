"""The answer cache (bot.cache): a cached answer is the answer computing it gives, for every eval case and for
questions that normalise alike; it is logged like any other; it goes when the index is reloaded or swapped, when
approved answers change and when the LLM changes; it is bounded; query vectors are cached by the exact text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.approved import Draft, Validator
from bot.cache import AnswerCache, QueryVectors, install_query_vectors
from bot.config import ROOT
from bot.evals.cases import load_eval_set
from bot.service import Assistant

CASES = load_eval_set(ROOT / "evals")
OLD_COMPOUNDS = "nankai-2024-plan/2.4.1.4"
EN_QUESTION = "How many old residential compounds will be renovated?"


def _plain(answer: Any) -> dict[str, Any]:
    out = answer.as_dict()
    out.pop("timings_ms")
    return {**out, "top": dict(answer.top)}


def _sharing(assistant: Assistant, data: Path, **settings: Any) -> Assistant:
    """Another assistant on the same loaded index and answerer (its own settings, cache and question log)."""
    other = Assistant(assistant.settings.with_(data_dir=data, **settings))
    other.index, other.search, other.extractive = assistant.index, assistant.search, assistant.extractive
    return other


def _same_for_every_case(assistant: Assistant, tmp_path: Path, without_cache: bool = True) -> None:
    """Each case asked twice of a cached assistant: the second answer, from the cache, equals the answer of an
    assistant without a cache (``without_cache``; else the first answer, computed on the cache's miss)."""
    uncached = _sharing(assistant, tmp_path / "plain", answer_cache=0)
    cached = _sharing(assistant, tmp_path / "cached")
    assert not uncached.cache.enabled and cached.cache.enabled
    differ = []
    for case in CASES:
        computed = cached.ask(case.question, history=case.history, channel="eval")
        want = _plain(uncached.ask(case.question, history=case.history, channel="eval") if without_cache else computed)
        hits = cached.cache.hits
        got = cached.ask(case.question, history=case.history, channel="eval")
        assert cached.cache.hits == hits + 1, case.id  # the second ask was served from the cache
        if _plain(got) != want:
            differ.append(case.id)
    assert differ == [], differ
    assert len(CASES) > 400


def test_cached_answers_equal_uncached_ones_for_every_eval_case(fake_assistant: Assistant, tmp_path: Path) -> None:
    _same_for_every_case(fake_assistant, tmp_path)


def test_cached_answers_equal_uncached_ones_for_every_eval_case_real_model(assistant: Assistant,
                                                                           tmp_path: Path) -> None:
    _same_for_every_case(assistant, tmp_path, without_cache=False)


@pytest.mark.parametrize("asked, variant", [
    ("今年有哪些学校建成？", "今年有哪些學校建成?"),  # traditional characters, a half-width question mark
    ("今年改造多少个老旧小区？", "  今年改造多少个老旧小区？  "),
    ("Which schools open this year?", "Which  schools open this year？"),  # two spaces, a full-width mark
    ("How many old residential compounds will be renovated?", "Ｈｏｗ many old residential compounds will be renovated?"),
])
def test_questions_that_normalise_alike_get_the_answer_computing_them_gives(fake_assistant: Assistant, tmp_path: Path,
                                                                           asked: str, variant: str) -> None:
    uncached = _sharing(fake_assistant, tmp_path / "plain", answer_cache=0)
    cached = _sharing(fake_assistant, tmp_path / "cached")
    cached.ask(asked, channel="eval")
    got = cached.ask(variant, channel="eval")
    assert cached.cache.hits == 1
    assert got.question == variant  # the asker's own text
    assert _plain(got) == _plain(uncached.ask(variant, channel="eval"))


def test_follow_up_context_and_language_are_part_of_the_key(fake_assistant: Assistant, tmp_path: Path) -> None:
    cached = _sharing(fake_assistant, tmp_path)
    uncached = _sharing(fake_assistant, tmp_path / "plain", answer_cache=0)
    history = [{"role": "user", "content": "今年有哪些学校建成？"}, {"role": "assistant", "content": "…"}]
    other = [{"role": "user", "content": "今年改造多少个老旧小区？"}, {"role": "assistant", "content": "…"}]
    for lang, turns in [("auto", []), ("auto", history), ("auto", other), ("en", history), ("en", [])]:
        got = cached.ask("那中学呢？", lang=lang, history=turns, channel="eval")
        assert _plain(got) == _plain(uncached.ask("那中学呢？", lang=lang, history=turns, channel="eval")), (lang, turns)
    assert cached.cache.hits == 0 and len(cached.cache) == 5


def test_a_cached_answer_is_logged_with_its_own_row(fake_assistant: Assistant, tmp_path: Path) -> None:
    cached = _sharing(fake_assistant, tmp_path)
    answers = [cached.ask("今年有哪些学校建成？", channel=channel) for channel in ("api", "chat", "widget", "api")]
    assert cached.cache.hits == 3
    ids = [a.log_id for a in answers]
    assert all(ids) and len(set(ids)) == 4
    assert cached.question_log.flush(10)
    with cached.question_log.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, channel, status FROM questions ORDER BY id").all()
    assert sorted(r[0] for r in rows) == sorted(ids)
    assert sorted(r[1] for r in rows) == ["api", "api", "chat", "widget"]
    assert len({r[2] for r in rows}) == 1


def test_a_reload_empties_the_cache(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = Assistant(fake_assistant.settings.with_(data_dir=tmp_path)).warm_up()
    live.ask("今年有哪些学校建成？", channel="eval")
    assert len(live.cache) == 1
    live.reload()  # what a swap to a rebuilt index (or a build another process swapped in) goes through
    assert len(live.cache) == 0
    live.ask("今年有哪些学校建成？", channel="eval")
    assert live.cache.hits == 0


def test_an_approved_answer_replaces_the_cached_one(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = _sharing(fake_assistant, tmp_path)
    before = live.ask(EN_QUESTION, channel="eval")
    assert before.mode == "extractive" and live.ask(EN_QUESTION, channel="eval").mode == "extractive"
    validator = Validator.from_index(live.index, live.extractive.documents)
    record = live.approved.store.create(Draft(
        question=EN_QUESTION, answer_zh="今年推动54个老旧小区提升改造，面积258万平方米 [1]。",
        answer_en="54 old residential compounds (2.58 million square metres) are to be renovated [1].",
        citations=[OLD_COMPOUNDS], author="王科员", note=""), validator)
    live.approved.refresh(live.index, live.extractive.documents, force=True)  # as the staff routes do
    served = live.ask(EN_QUESTION, channel="eval")
    assert served.mode == "approved" and served.approved["id"] == record.id
    live.approved.store.retire(record.id, "王科员")
    live.approved.refresh(live.index, force=True)
    assert _plain(live.ask(EN_QUESTION, channel="eval")) == _plain(before)


def test_another_llm_is_another_state(fake_assistant: Assistant, tmp_path: Path) -> None:
    live = _sharing(fake_assistant, tmp_path)
    live.ask("今年有哪些学校建成？", channel="eval")
    live.llm = object()  # a different LLM (tests swap it by hand): nothing cached before it is served
    assert live.cache.get(live.cache.key("今年有哪些学校建成？", "auto"), live._cache_token(
        live._state, live.search, live.extractive)) is None


def test_the_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    cache = AnswerCache(2)
    token = ("state", 1)
    for q in ("a", "b"):
        assert cache.get(cache.key(q, "auto"), token) is None
        cache.put(cache.key(q, "auto"), token, {"q": q})
    assert cache.get(cache.key("a", "auto"), token) == {"q": "a"}  # a is now the most recent
    cache.put(cache.key("c", "auto"), token, {"q": "c"})
    assert len(cache) == 2 and cache.get(cache.key("b", "auto"), token) is None
    got = cache.get(cache.key("a", "auto"), token)
    got["q"] = "changed by a caller"
    assert cache.get(cache.key("a", "auto"), token) == {"q": "a"}  # callers get copies
    assert cache.get(cache.key("a", "auto"), ("state", 2)) is None and len(cache) == 0  # a new state empties it
    cache.put(cache.key("a", "auto"), token, {"q": "stale"})  # computed under the state left since
    assert cache.get(cache.key("a", "auto"), ("state", 2)) is None
    off = AnswerCache(0)
    off.put(off.key("a", "auto"), token, {"q": "a"})
    assert not off.enabled and off.get(off.key("a", "auto"), token) is None
    with pytest.raises(ValueError):
        AnswerCache(-1)


def test_query_vectors_are_cached_by_the_exact_text() -> None:
    calls: list[str] = []

    class Embeddings:
        def embed_query_vector(self, text: str) -> np.ndarray:
            calls.append(text)
            return np.full(3, float(len(text)), dtype=np.float32)

    embeddings = Embeddings()
    cached = install_query_vectors(embeddings, size=2)
    assert isinstance(cached, QueryVectors) and install_query_vectors(embeddings, size=2) is cached
    first = embeddings.embed_query_vector("今年有哪些学校建成?")
    first[:] = 0  # a caller's copy
    assert embeddings.embed_query_vector("今年有哪些学校建成?").tolist() == [10.0] * 3
    embeddings.embed_query_vector("今年有哪些学校建成？")  # another text: embedded
    assert calls == ["今年有哪些学校建成?", "今年有哪些学校建成？"]
    assert install_query_vectors(Embeddings(), size=0) is None
