"""The bilingual data: renderings aligned to every sentence, glossary, key figures, the eval set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.bilingual import Glossary, load_figures, load_renderings
from bot.check import corpus_report
from bot.corpus import load_corpus
from bot.evals.cases import load_cases
from bot.config import ROOT
from bot.testing import CORPUS


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def renderings():  # type: ignore[no-untyped-def]
    return load_renderings(CORPUS, "nankai-2024-plan")


def test_every_sentence_has_its_rendering_and_every_rendering_a_sentence(corpus, renderings) -> None:  # type: ignore[no-untyped-def]
    doc = corpus.documents[0]
    sentence_ids = {s.id for s in doc.sentences}
    heading_ids = {f"{doc.doc_id}/title", f"{doc.doc_id}/notice-title"}
    heading_ids |= {f"{doc.doc_id}/h{'.'.join(map(str, s.path))}" for s in doc.sections if s.path != (0,)}
    missing = [sid for sid in sentence_ids if sid not in renderings or not renderings[sid].en.strip()]
    orphans = [rid for rid in renderings if rid not in sentence_ids | heading_ids]
    assert not missing, f"sentences without English: {missing}"
    assert not orphans, f"renderings pointing to no sentence: {orphans}"
    for s in doc.sentences:
        assert renderings[s.id].zh == s.text, s.id


def test_renderings_keep_figures_and_names(renderings) -> None:  # type: ignore[no-untyped-def]
    schools = renderings["nankai-2024-plan/2.1.2.3"].en
    assert "Liumalu" in schools and "(六马路地块小学)" in schools and "(战备楼地块中学)" in schools
    compounds = renderings["nankai-2024-plan/2.4.1.4"].en
    assert "54" in compounds and "2.58 million square metres" in compounds
    for r in renderings.values():  # every digit-written number survives translation
        for number in re.findall(r"\d+", r.zh):
            if number not in {"258", "50", "70"}:  # written as 2.58 million, 500,000, 700,000
                assert number in r.en.replace(",", ""), (r.id, number)


def test_glossary_size_and_terms_occur_in_the_plan() -> None:
    glossary = Glossary.load(CORPUS)
    text = (CORPUS / "nankai-2024-plan.txt").read_text(encoding="utf-8")
    assert len(glossary) >= 200
    assert all(t.zh in text for t in glossary.terms)
    assert glossary.by_zh["老旧小区"].preferred_en.startswith("old residential")
    assert "口袋公园" in glossary.zh_for_english("Are there new pocket parks?")
    assert "waterlogging" in " ".join(glossary.en_for_chinese("积水点改造")).lower()


def test_key_figures_occur_in_their_sentences(corpus, renderings) -> None:  # type: ignore[no-untyped-def]
    figures = load_figures(CORPUS)
    sentences = {s.id: s.text for s in corpus.sentences}
    assert len(figures) >= 30
    for fig in figures:
        assert fig.value in sentences[fig.sentence_id], fig.id
        assert fig.value_en in renderings[fig.sentence_id].en, fig.id
    values = {f.value for f in figures}
    assert {"4%以上", "54个", "258万平方米", "39个", "40家"} <= values


def test_corpus_check_reports_the_plan_clean() -> None:
    report = corpus_report(CORPUS)
    assert report["problems"] == []
    assert report["english_coverage"] == 1.0
    assert report["glossary_terms"] >= 200 and report["key_figures"] >= 30


def test_corpus_check_reports_a_missing_rendering(corpus_copy) -> None:  # type: ignore[no-untyped-def]
    path = corpus_copy / "nankai-2024-plan.en.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if '"nankai-2024-plan/2.4.1.4"' not in line) + "\n", encoding="utf-8")
    (corpus_copy / "empty.txt").write_bytes(b"")
    report = corpus_report(corpus_copy)
    assert any("2.4.1.4" in p for p in report["problems"])
    assert any("empty.txt" in p for p in report["problems"])
    assert report["english_coverage"] < 1.0


def test_eval_set_is_valid(corpus, renderings) -> None:  # type: ignore[no-untyped-def]
    cases = load_cases(ROOT / "evals" / "questions.jsonl")
    sentences = {s.id: s.text for s in corpus.sentences}
    assert len(cases) >= 180
    assert len({c.id for c in cases}) == len(cases)
    zh = sum(c.lang == "zh" for c in cases)
    assert abs(zh - (len(cases) - zh)) <= len(cases) * 0.1
    assert sum(c.abstain for c in cases) >= 15
    for case in cases:
        for gid in case.gold:
            assert gid in sentences, (case.id, gid)
        for fact in case.facts:
            sources = " ".join(sentences[g] + " " + renderings[g].en for g in case.gold).lower()
            assert any(v.lower() in sources for v in fact), (case.id, fact)


def test_the_glossary_is_read_once_per_version_of_its_file(tmp_path: Path) -> None:
    """The index load and the answerer both load the glossary: the same file gives the same object (its patterns
    compiled once); an edited file is read again."""
    (tmp_path / "glossary.jsonl").write_text('{"zh": "南开区", "en": ["Nankai District"]}\n', encoding="utf-8")
    first = Glossary.load(tmp_path)
    assert Glossary.load(tmp_path) is first
    (tmp_path / "glossary.jsonl").write_text('{"zh": "南开区", "en": ["Nankai District"]}\n'
                                             '{"zh": "天开园", "en": ["Tiankai Park"]}\n', encoding="utf-8")
    again = Glossary.load(tmp_path)
    assert again is not first and len(again) == 2
