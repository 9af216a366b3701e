"""More documents and years: metadata read from each document (and its sidecar), labels and citations that name the
document, years resolved against the documents' years, target versus result, English reach into documents without
renderings, and drafting renderings with an LLM.

The second and third documents are fixtures written for these tests and NOT REAL (tests/fixtures/documents/: a
"2025 plan" that looks back at 2024, and a "2024 work report" reviewing 2023 and setting the work for 2024, each
saying "测试用虚构文件，非真实文件" in its own text). They are copied into a temporary copy of corpus/, never into the
real one; everything runs on the fake embedder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot import retrieve
from bot.bilingual import Glossary, load_renderings
from bot.check import corpus_report
from bot.cli import main
from bot.confidence import Calibration
from bot.corpus import load_corpus
from bot.documents import (DocumentInfo, coverage_note, covered_years, describe, drafts, glossary_names,
                           label_document, label_topic_en, latest_plan_year, load_infos, year_note, years_text)
from bot.index import corpus_units
from bot.service import Assistant
from bot.testing import CORPUS, fake_assistant
from bot.errors import ConfigError
from bot.testing import fake_settings
from bot.translate import TranslationFailed, Translator, draft_renderings, translate_command

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
PLAN = "nankai-2024-plan"
PLAN_2025 = "nankai-2025-plan"
REPORT = "nankai-2024-work-report"
CONTRACT = {"id", "title", "title_en", "kind", "year", "issued", "sentences", "english_coverage"}


def with_fixtures(target: Path) -> Path:
    """corpus/ copied to ``target`` with the fictional fixture documents (and their sidecars) added."""
    shutil.copytree(CORPUS, target)
    for path in FIXTURES.iterdir():
        if path.suffix in (".txt", ".json"):
            shutil.copy(path, target / path.name)
    return target


class Sure(Calibration):
    """Always confident: the fake embedder's scores are not what bot/calibration.json was fitted on."""

    def confident(self, signals: dict[str, float]) -> bool:
        return True


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An assistant on the plan plus the two fixture documents (fake embedder), built once for this module."""
    folder = tmp_path_factory.mktemp("docs")
    assistant = fake_assistant(folder, corpus_dir=with_fixtures(folder / "corpus"))
    assistant.extractive.calibration = Sure(weights=(), bias=0.0)  # type: ignore[union-attr]
    return assistant


def test_fixtures_say_they_are_not_real() -> None:
    for name in (f"{PLAN_2025}.txt", f"{REPORT}.txt"):
        assert "测试用虚构文件，非真实文件" in (FIXTURES / name).read_text(encoding="utf-8")
    assert not (CORPUS / f"{PLAN_2025}.txt").exists() and not (CORPUS / f"{REPORT}.txt").exists()


# ---------------------------------------------------------------- metadata


def test_metadata_is_read_from_each_document(tmp_path: Path) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    infos, problems = load_infos(load_corpus(corpus_dir), corpus_dir)
    assert problems == []
    assert infos[PLAN] == DocumentInfo(
        id=PLAN, title="南开区2024年国民经济和社会发展计划",
        title_en="Nankai District 2024 National Economic and Social Development Plan", year=2024, kind="plan",
        issued="2024-01-15", issuer="南开区发展和改革委员会", file="nankai-2024-plan.txt")
    plan = infos[PLAN_2025]
    assert (plan.kind, plan.year, plan.issued) == ("plan", 2025, "2025-01-20")
    assert plan.title_en == "Nankai District 2025 National Economic and Social Development Plan"  # no renderings
    report = infos[REPORT]
    assert (report.kind, report.year, report.issued) == ("work report", 2024, "2024-01-10")  # the date line
    assert report.title_en == "Nankai District 2024 Government Work Report"
    assert report.issuer == "南开区人民政府"  # from its sidecar
    assert infos[PLAN].as_dict() == {"id": PLAN, "title": "南开区2024年国民经济和社会发展计划",
                                     "title_en": "Nankai District 2024 National Economic and Social Development Plan",
                                     "year": 2024}


def test_kind_and_year_without_a_notice_and_the_sidecar_overrides(tmp_path: Path) -> None:
    (tmp_path / "circular.txt").write_text("关于做好二〇二五年春节期间安全工作的通知\n各街道：请做好安全检查。\n", encoding="utf-8")
    (tmp_path / "summary.txt").write_text("社区工作情况\n本文为测试用虚构文件，非真实文件。\n", encoding="utf-8")
    (tmp_path / "summary.meta.json").write_text(json.dumps(
        {"kind": "work report", "year": 2023, "issued": "2024年2月1日", "title_en": "Community work in 2023"}),
        encoding="utf-8")
    infos, problems = load_infos(load_corpus(tmp_path), tmp_path)
    assert problems == []
    assert (infos["circular"].kind, infos["circular"].year) == ("notice", 2025)
    assert infos["circular"].title_en.startswith("2025 notice (")  # its Chinese title kept in brackets
    summary = infos["summary"]
    assert (summary.kind, summary.year, summary.issued, summary.title_en) == (
        "work report", 2023, "2024-02-01", "Community work in 2023")


@pytest.mark.parametrize("sidecar, words", [
    ("{not json", "JSON"), ('{"kind": "law"}', "kind"), ('{"year": "2025"}', "year"),
    ('{"issued": "soon"}', "issued"), ('{"colour": "red"}', "unknown key"),
])
def test_a_bad_sidecar_is_reported_and_ignored(corpus_copy: Path, sidecar: str, words: str) -> None:
    (corpus_copy / f"{PLAN}.meta.json").write_text(sidecar, encoding="utf-8")
    report = corpus_report(corpus_copy)
    assert any(f"{PLAN}.meta.json" in p and words in p for p in report["problems"]), report["problems"]
    assert report["documents"][0]["kind"] == "plan" and report["documents"][0]["year"] == 2024


def test_corpus_check_lists_the_documents_with_their_years(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    alone = corpus_report(CORPUS)
    assert [(d["id"], d["kind"], d["year"], d["issued"]) for d in alone["documents"]] == [
        (PLAN, "plan", 2024, "2024-01-15")]
    assert alone["years"] == [2024] and alone["problems"] == []
    corpus_dir = with_fixtures(tmp_path / "corpus")
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus_dir))
    assert main(["corpus", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(CONTRACT <= set(d) for d in report["documents"])
    assert {d["id"]: (d["kind"], d["year"]) for d in report["documents"]} == {
        PLAN: ("plan", 2024), PLAN_2025: ("plan", 2025), REPORT: ("work report", 2024)}
    assert report["years"] == [2024, 2025] and report["problems"] == []
    assert {d["id"]: d["english_coverage"] for d in report["documents"]} == {PLAN: 1.0, PLAN_2025: 0.0, REPORT: 0.0}
    assert main(["corpus", "check"]) == 0
    text = capsys.readouterr().out
    assert "nankai-2025-plan — plan, year 2025, issued 2025-01-20" in text and "years: 2024, 2025" in text


# ---------------------------------------------------------------- naming documents


def test_the_plan_alone_keeps_its_labels() -> None:
    corpus = load_corpus(CORPUS)
    units = {u.paragraph_id: u for u in corpus_units(corpus, CORPUS)}
    assert all(units[p.id].label == p.label for p in corpus.paragraphs)
    assert units[f"{PLAN}/2.1.2"].label == "二、1. 激活科教创新澎湃动能"
    assert units[f"{PLAN}/2.1.2"].label_en.startswith("II.1 ") and " · " not in units[f"{PLAN}/2.1.2"].label_en


def test_labels_name_the_document_when_several_are_loaded(tmp_path: Path) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    units = {u.paragraph_id: u for u in corpus_units(load_corpus(corpus_dir), corpus_dir)}
    assert units[f"{PLAN}/2.1.2"].label == "2024年计划 · 二、1. 激活科教创新澎湃动能"
    assert units[f"{PLAN}/2.1.2"].label_en.startswith("2024 plan · II.1 ")
    assert units[f"{PLAN_2025}/2.1.1"].label == "2025年计划 · 二、1. 推进老旧小区改造"
    assert units[f"{PLAN_2025}/2.1.1"].label_en == "2025 plan · II.1 推进老旧小区改造, para 1"
    # the report's first part reviews another year than the report's: its label says so (the issue's
    # "一、 2023年工作回顾" named neither the document nor, for its topics, the year)
    assert units[f"{REPORT}/1.1"].label == "2024年工作报告 · 一、 2023年工作回顾"
    assert units[f"{REPORT}/1.1.1"].label == "2024年工作报告 · 一、2023年工作回顾 · 1. 老旧小区改造成效明显"
    assert units[f"{REPORT}/1.1.1"].label_en == "2024 work report · I.1 [2023] 老旧小区改造成效明显, para 1"
    assert units[f"{REPORT}/2.1.1"].label == "2024年工作报告 · 二、1. 持续推进城市更新"
    assert label_document(units[f"{REPORT}/2.1.1"].label).kind == "work report"
    assert units[f"{REPORT}/2.1.1"].en is None  # no rendering: the answerer says so
    assert label_topic_en(units[f"{REPORT}/1.1.1"].label_en) == "老旧小区改造成效明显"
    assert label_topic_en(units[f"{PLAN}/2.1.2"].label_en) == label_topic_en(
        next(u for u in corpus_units(load_corpus(CORPUS), CORPUS) if u.paragraph_id == f"{PLAN}/2.1.2").label_en)


def test_describe_names_one_document_by_title_and_several_by_year_and_kind() -> None:
    plan = DocumentInfo(PLAN, "南开区2024年国民经济和社会发展计划",
                        "Nankai District 2024 National Economic and Social Development Plan", 2024, "plan")
    report = DocumentInfo(REPORT, "南开区2024年政府工作报告", "Nankai District 2024 Government Work Report", 2024,
                          "work report")
    plan_2025 = DocumentInfo(PLAN_2025, "南开区2025年国民经济和社会发展计划", "…", 2025, "plan")
    assert describe([plan], "zh") == "《南开区2024年国民经济和社会发展计划》"
    assert describe([plan], "en") == "the Nankai District 2024 National Economic and Social Development Plan"
    assert describe([plan, report], "zh") == "2024年计划和2024年工作报告"
    assert describe([plan, report], "en") == "the 2024 plan and the 2024 work report"
    assert describe([plan, plan_2025, report], "en") == "the 2024 plan, the 2025 plan, and the 2024 work report"
    assert latest_plan_year([plan, plan_2025, report]) == 2025 and latest_plan_year([report]) == 2024
    assert covered_years([plan, plan_2025, report]) == (2024, 2025)
    assert years_text([2025, 2024], "zh") == "2024年、2025年" and years_text([2024, 2025], "en") == "2024 and 2025"
    assert year_note((2025,), "relative", "zh") == "（按2025年）" and year_note((2025,), "asked", "zh") == ""
    assert "2025" in year_note((2025,), "default", "en") and year_note((), "", "en") == ""
    assert coverage_note((2026,), (2024, 2025), "zh") == "已载入的文件不涉及2026年，涉及的年份是2024年、2025年。"
    assert coverage_note((2023,), (2024,), "en") == "The loaded documents do not cover 2023; they cover 2024."


def test_glossary_names_give_english_for_a_chinese_only_sentence() -> None:
    names = dict(glossary_names("启动36个老旧小区、180万平方米提升改造项目，新建提升6个口袋公园。", Glossary.load(CORPUS)))
    assert names["老旧小区"] == "old residential compounds" and names["口袋公园"] == "pocket parks"


# ---------------------------------------------------------------- years and ranking


def _years_of(assistant: Assistant, unit_id: str) -> tuple[int, ...]:
    search = assistant.search
    return search.years.unit_years[assistant.index.position[unit_id]]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def with_report(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The plan and the 2024 work report only (the issue's case): 今年 is 2024."""
    folder = tmp_path_factory.mktemp("report")
    corpus_dir = with_fixtures(folder / "corpus")
    for path in corpus_dir.glob(f"{PLAN_2025}*"):
        path.unlink()
    return fake_assistant(folder, corpus_dir=corpus_dir)


def test_this_year_ranks_the_plans_target_above_a_review_of_the_year_before(with_report: Assistant) -> None:
    r = with_report.search.run("今年老旧小区改造多少个？", k=8)  # type: ignore[union-attr]
    assert (r.years, r.year_source, r.plan_year, r.covered_years) == ((2024,), "relative", 2024, (2023, 2024))
    ranked = [h.unit.id for h in r.hits]
    review = [u for u in ranked if _years_of(with_report, u) == (2023,)]  # "一、2023年工作回顾"
    assert review and ranked.index(f"{PLAN}/2.4.1.4") < ranked.index(review[0])
    assert _years_of(with_report, ranked[0]) == (2024,)
    r = with_report.search.run("2023年老旧小区改造完成了多少？", k=8)  # type: ignore[union-attr]
    assert r.hits[0].unit.doc_id == REPORT and _years_of(with_report, r.hits[0].unit.id) == (2023,)


def test_this_year_means_the_latest_plan_year_and_other_years_rank_lower(multi: Assistant) -> None:
    r = multi.search.run("今年老旧小区改造多少个？", k=8)  # type: ignore[union-attr]
    assert (r.years, r.year_source, r.plan_year) == ((2025,), "relative", 2025)
    ranked = [h.unit.id for h in r.hits if "老旧小区" in h.unit.zh]
    assert all(_years_of(multi, uid) == (2025,) for uid in ranked[:2])
    # the 2025 target ranks above the 2024 plan's target, the 2023 review and the 2025 plan's look back at 2024
    assert ranked.index(f"{PLAN_2025}/2.1.1.2") < min(ranked.index(u) for u in ranked if _years_of(multi, u) != (2025,))
    assert r.signals["other_year"] == 0.0 and r.uncovered_years == ()


@pytest.mark.parametrize("question, years, source", [
    ("2024年老旧小区改造多少个？", (2024,), "asked"),
    ("二〇二四年老旧小区改造多少个？", (2024,), "asked"),
    ("去年老旧小区改造多少个？", (2024,), "relative"),
    ("How many old residential compounds were renovated last year?", (2024,), "relative"),
    ("How many old residential compounds this year?", (2025,), "relative"),
])
def test_years_named_or_meant_are_resolved_against_the_documents(multi: Assistant, question: str,
                                                                 years: tuple[int, ...], source: str) -> None:
    r = multi.search.run(question, k=8)  # type: ignore[union-attr]
    assert (r.years, r.year_source) == (years, source)
    top = next(h for h in r.hits if "老旧小区" in h.unit.zh)
    assert _years_of(multi, top.unit.id) == years


@pytest.mark.parametrize("question", ["明年老旧小区改造多少个？", "2022年GDP是多少？", "What is the GDP target next year?"])
def test_a_year_no_document_covers_is_flagged(multi: Assistant, question: str) -> None:
    r = multi.search.run(question, k=8)  # type: ignore[union-attr]
    assert r.uncovered_years and r.signals["other_year"] == 1.0
    assert r.covered_years == (2023, 2024, 2025)  # what the answer names instead: the report reviews 2023


def test_a_question_naming_no_year_prefers_the_latest_plan_year(multi: Assistant) -> None:
    r = multi.search.run("老旧小区改造多少个？", k=8)  # type: ignore[union-attr]
    assert (r.years, r.year_source) == ((2025,), "default") and r.uncovered_years == ()
    assert _years_of(multi, r.hits[0].unit.id) == (2025,)


@pytest.mark.parametrize("question", ["2024年老旧小区改造完成了吗？",
                                      "Did the old residential compounds renovation get completed in 2024?"])
def test_target_versus_result_pairs_the_plan_and_a_later_look_back(multi: Assistant, question: str) -> None:
    r = multi.search.run(question, k=8)  # type: ignore[union-attr]
    assert r.target_result is not None
    target, result = r.target_result
    assert target.unit.id == f"{PLAN}/2.4.1.4"  # 推动54个老旧小区…提升改造项目提速施工 (the 2024 target)
    assert result.unit.id == f"{PLAN_2025}/0.2.2"  # 2024年，……完成54个老旧小区提升改造 (the 2025 plan's look back)
    assert [h.unit.id for h in r.hits[:2]] == [result.unit.id, target.unit.id] and target.score == result.score
    assert r.years == (2024,)


def test_no_pair_without_a_target_for_that_year(multi: Assistant, with_report: Assistant) -> None:
    assert multi.search.run("2023年老旧小区改造完成了吗？", k=8).target_result is None  # type: ignore[union-attr]
    assert with_report.search.run("2024年老旧小区改造完成了吗？", k=8).target_result is None  # type: ignore[union-attr]


def test_target_versus_result_answer_cites_both(multi: Assistant) -> None:
    answer = multi.ask("2024年老旧小区改造完成了吗？")
    assert [c.document.id for c in answer.citations[:2]] == [PLAN, PLAN_2025]  # type: ignore[union-attr]
    first = answer.answer.split("\n")[0]
    assert first == "2024年的目标见2024年计划 [1]，完成情况见2025年计划的回顾 [2]。", answer.answer
    assert "54个老旧小区" in answer.answer and not answer.partial
    en = multi.ask("Did the old residential compounds renovation get completed in 2024?")
    assert [c.document.id for c in en.citations[:2]] == [PLAN, PLAN_2025]  # type: ignore[union-attr]
    assert en.answer.startswith("The 2024 target is in the 2024 plan [1]; what was done is in the 2025 plan's"), en.answer
    assert "No English rendering of this passage exists yet" in en.answer  # the 2025 fixture has no renderings
    assert "老旧小区 = old residential compounds" in en.answer  # with the glossary's names for what it quotes


def test_answers_name_the_documents_when_several_are_loaded(multi: Assistant) -> None:
    zh = multi.ask("2025年老旧小区改造多少个？")
    assert "2025年" in zh.answer and "计划原文" not in zh.answer  # several documents: not "the plan"
    abstained = multi.ask("南开区今年的足球联赛什么时候开始？")
    if abstained.abstained:
        assert "已载入的" in abstained.answer and "2025年计划" in abstained.answer, abstained.answer
    covered = multi.ask("2022年老旧小区改造多少个？")
    assert "已载入的文件不涉及2022年" in covered.answer and "2023年、2024年、2025年" in covered.answer, covered.answer
    meant = multi.ask("今年老旧小区改造多少个？")
    assert "按2025年" in meant.answer, meant.answer


def test_one_document_keeps_its_answers_plain(tmp_path: Path) -> None:
    alone = fake_assistant(tmp_path)
    alone.extractive.calibration = Sure(weights=(), bias=0.0)  # type: ignore[union-attr]
    answer = alone.ask("今年老旧小区改造多少个？")
    assert "按2024年" not in answer.answer and "已载入" not in answer.answer
    assert answer.answer.startswith("2024年"), answer.answer


def test_the_plan_alone_ranks_as_before(fake_assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one document every sentence is about 2024: year preference never reorders the plan's sentences."""
    questions = ["今年老旧小区改造多少个？", "2024年有哪些学校建成？", "Which schools open this year?", "2023年GDP是多少？",
                 "老旧小区改造多少个？", "今年老旧小区改造完成了吗？"]
    def ranking(q: str) -> list[tuple[str, float]]:
        return [(h.unit.id, h.score) for h in fake_assistant.search.run(q).hits]  # type: ignore[union-attr]

    before = {q: ranking(q) for q in questions}
    monkeypatch.setattr(retrieve, "OTHER_YEAR_WEIGHT", 1.0)
    monkeypatch.setattr(retrieve, "DEFAULT_YEAR_WEIGHT", 1.0)
    after = {q: ranking(q) for q in questions}
    assert before == after
    r = fake_assistant.search.run("今年老旧小区改造多少个？")  # type: ignore[union-attr]
    assert (r.years, r.plan_year, r.covered_years, r.target_result) == ((2024,), 2024, (2024,), None)


# ---------------------------------------------------------------- citations and English reach


def test_citations_name_the_document_and_year_in_both_languages(multi: Assistant) -> None:
    zh = multi.ask("2025年老旧小区改造多少个？")
    cite = next(c for c in zh.citations if c.document and c.document.id == PLAN_2025)
    assert cite.as_dict()["document"] == {"id": PLAN_2025, "title": "南开区2025年国民经济和社会发展计划",
                                          "title_en": "Nankai District 2025 National Economic and Social "
                                                      "Development Plan", "year": 2025}
    assert cite.label.startswith("2025年计划 · ") and cite.label_en.startswith("2025 plan · ")
    en = multi.ask("How many old residential compounds will be renovated in 2025?")
    assert en.language == "en"
    cite = en.citations[0]
    assert cite.document is not None and cite.document.year == 2025 and cite.document.id in (PLAN_2025, REPORT)
    assert cite.label_en.startswith(("2025 plan · ", "2024 work report · "))
    assert cite.quote_en is None  # no English rendering yet: the answerer says so


@pytest.mark.parametrize("question, doc_id", [
    ("How many old residential compounds will be renovated in 2025?", PLAN_2025),
    ("Which schools will be completed in 2025?", PLAN_2025),
    ("How many old residential compounds were renovated in 2023?", REPORT),
])
def test_english_questions_reach_documents_without_renderings(multi: Assistant, question: str, doc_id: str) -> None:
    r = multi.search.run(question, k=8)  # type: ignore[union-attr]
    assert r.query.lang == "en"
    assert any(h.unit.doc_id == doc_id and h.unit.en is None for h in r.hits[:3]), [h.unit.id for h in r.hits]


def test_api_lists_the_documents(multi: Assistant) -> None:
    from bot.web.api import create_api

    body = TestClient(create_api(multi)).get("/api/documents").json()
    assert all(CONTRACT <= set(d) for d in body["documents"])
    assert {d["id"]: d["year"] for d in body["documents"]} == {PLAN: 2024, PLAN_2025: 2025, REPORT: 2024}
    assert body["years"] == [2024, 2025]


# ---------------------------------------------------------------- drafting renderings


class Failing(FakeListChatModel):
    def _call(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.i >= 2:
            raise ConnectionError("endpoint went away")
        return super()._call(*args, **kwargs)


def test_translate_drafts_every_sentence_for_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    replies = [f"English draft number {n}." for n in range(100)]
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("BOT_LLM", "openai:fake-model")
    monkeypatch.setattr("bot.translate.chat_model_from_settings",
                        lambda settings: (FakeListChatModel(responses=replies), settings.llm))
    assert main(["corpus", "translate", PLAN_2025]) == 0
    assert "drafted" in capsys.readouterr().out
    path = corpus_dir / f"{PLAN_2025}.en.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    doc = next(d for d in load_corpus(corpus_dir).documents if d.doc_id == PLAN_2025)
    assert {r["id"] for r in records} >= {s.id for s in doc.sentences} | {f"{PLAN_2025}/title", f"{PLAN_2025}/h1"}
    assert all(r["status"] == "draft" and r["model"] == "openai:fake-model" and r["en"] for r in records)
    assert all(r["zh"] == s.text for s in doc.sentences for r in records if r["id"] == s.id)
    assert load_renderings(corpus_dir, PLAN_2025)[f"{PLAN_2025}/2.1.1.2"].en.startswith("English draft")
    assert corpus_report(corpus_dir)["problems"] == []
    assert drafts(corpus_dir, PLAN_2025)[f"{PLAN_2025}/2.1.1.2"] == "openai:fake-model" and drafts(corpus_dir, PLAN) == {}
    assert next(d for d in corpus_report(corpus_dir)["documents"] if d["id"] == PLAN_2025)["english_drafts"] == 14
    # run again: a reviewed record is kept, nothing is drafted again
    reviewed = [{**r, "en": "Reviewed.", "status": None} if r["id"] == f"{PLAN_2025}/1.1.1" else r for r in records]
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False) + "\n"
                            for r in reviewed), encoding="utf-8")
    again = translate_command(corpus_settings(corpus_dir), PLAN_2025, chat_model=FakeListChatModel(responses=["x"]))
    assert (again.drafted, again.kept) == (0, len(records))
    assert load_renderings(corpus_dir, PLAN_2025)[f"{PLAN_2025}/1.1.1"].en == "Reviewed."


def corpus_settings(corpus_dir: Path):  # type: ignore[no-untyped-def]
    return fake_settings(corpus_dir.parent, corpus_dir=corpus_dir)


def test_translate_prompt_carries_the_glossary_and_flags_lost_numbers(tmp_path: Path) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    doc = next(d for d in load_corpus(corpus_dir).documents if d.doc_id == REPORT)
    translator = Translator(FakeListChatModel(responses=["Translation: “The district renovated many compounds.”"]),
                            Glossary.load(corpus_dir), name="fake")
    prompt = translator.messages("完成54个老旧小区提升改造。")[1].content
    assert "老旧小区 = old residential compounds" in prompt
    result = draft_renderings(doc, corpus_dir, translator)
    records = {r["id"]: r for r in map(json.loads, result.path.read_text(encoding="utf-8").splitlines())}
    record = records[f"{REPORT}/1.1.1.2"]
    assert record["en"] == "The district renovated many compounds."  # the wrapper and quotes are cut
    assert record["check"] == "numbers not in the English: 40, 200, 4"  # figures the draft lost, for the reviewer


def test_translate_stops_on_an_endpoint_error_and_keeps_the_drafts(tmp_path: Path) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    doc = next(d for d in load_corpus(corpus_dir).documents if d.doc_id == REPORT)
    with pytest.raises(TranslationFailed, match="run the command again"):
        draft_renderings(doc, corpus_dir, Translator(Failing(responses=["One.", "Two.", "Three."]), name="fake"))
    saved = (corpus_dir / f"{REPORT}.en.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(saved) == 2
    done = draft_renderings(doc, corpus_dir, Translator(FakeListChatModel(responses=["More."]), name="fake"))
    assert done.kept == 2 and done.drafted == done.total - 2


def test_translate_without_an_llm_says_so_and_exits_2(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus_copy))
    monkeypatch.delenv("BOT_LLM", raising=False)
    assert main(["corpus", "translate", PLAN]) == 2
    assert "BOT_LLM" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        translate_command(corpus_settings(corpus_copy), PLAN)


def test_translate_finds_a_document_by_id_or_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    corpus_dir = with_fixtures(tmp_path / "corpus")
    settings = corpus_settings(corpus_dir)
    by_file = translate_command(settings, f"corpus/{REPORT}.txt", chat_model=FakeListChatModel(responses=["Draft."]))
    assert by_file.path.name == f"{REPORT}.en.jsonl" and by_file.drafted == by_file.total
    monkeypatch.setenv("BOT_CORPUS_DIR", str(corpus_dir))
    assert main(["corpus", "translate", "no-such-plan"]) == 2
    assert "no-such-plan" in capsys.readouterr().err


def test_what_a_year_plans_comes_from_that_years_plan(with_report: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 2024 work report also sets the work for 2024, in vaguer words: the plan states the year's targets."""
    question = "我住的老楼破得不行，今年到底改多少个小区啊"
    ranked = [h.unit.id for h in with_report.search.run(question, k=8).hits]  # type: ignore[union-attr]
    assert ranked.index(f"{PLAN}/2.4.1.4") < ranked.index(f"{REPORT}/2.1.1.1")
    monkeypatch.setattr(retrieve, "PLAN_WEIGHT", 1.0)
    without = [h.unit.id for h in with_report.search.run(question, k=8).hits]  # type: ignore[union-attr]
    assert without != ranked  # the preference made the difference
    # a question about the report itself is not steered to the plan
    r = with_report.search.run("政府工作报告对今年老旧小区改造怎么安排？", k=8)  # type: ignore[union-attr]
    assert r.hits[0].unit.doc_id == REPORT


def test_chinese_only_sentences_are_lifted_by_the_measured_cross_lingual_gap() -> None:
    """An English question is closer to English passages than to Chinese ones of the same meaning: the gap is
    measured on the rendered sentences found in both languages and added to the sentences without a rendering."""
    search = SimpleNamespace(zh_only=np.array([False, False, False, True, True]))
    zh = np.array([0.80, 0.80, 0.76, 0.75, 0.0], dtype=np.float32)
    en = np.array([0.90, 0.88, 0.86, 0.0, 0.0], dtype=np.float32)
    dense = np.maximum(zh, en)
    retrieve.HybridSearch._lift_chinese_only(search, dense, zh, en)  # type: ignore[arg-type]
    assert dense[3] == pytest.approx(0.85) and dense[4] == 0.0 and list(dense[:3]) == pytest.approx([0.9, 0.88, 0.86])
    few = np.maximum(zh, en)
    one_pair = np.array([0.9, 0, 0, 0, 0], dtype=np.float32)
    retrieve.HybridSearch._lift_chinese_only(search, few, zh, one_pair)  # type: ignore[arg-type]
    assert few[3] == pytest.approx(0.75)  # too few pairs to measure a gap: left as it is


def test_a_follow_up_keeps_the_year_of_the_question_before(multi: Assistant) -> None:
    r = multi.search.run("那口袋公园呢？", k=8, context="2025年老旧小区改造多少个？")  # type: ignore[union-attr]
    assert r.years == (2025,)
    r = multi.search.run("那2024年呢？", k=8, context="2025年老旧小区改造多少个？")  # type: ignore[union-attr]
    assert r.years == (2024,)


def test_another_years_sentence_stays_when_it_is_the_one_that_answers(multi: Assistant) -> None:
    """Only the 2024 plan names Changhong Park (长虹公园): asked about "this year" (2025), it is still found first,
    and the answer can tell from hit_years that it is about 2024."""
    r = multi.search.run("今年长虹公园什么时候开放？", k=8)  # type: ignore[union-attr]
    ranked = [h.unit.id for h in r.hits]
    park = ranked.index(f"{PLAN}/2.4.3.6")  # 完成长虹公园品质提升一期工程并向市民开放
    assert r.years == (2025,) and all(r.hit_years[u] != (2025,) for u in ranked[:park + 1])
    assert r.hit_years[f"{PLAN}/2.4.3.6"] == (2024,)


def test_a_number_is_no_year_unless_it_is_one() -> None:
    from bot.documents import name_years, years_in

    assert years_in("建成天津中学新校区，新增学位2000个。") == []
    assert years_in("2024年，全区完成54个老旧小区改造；二〇二五年启动36个。") == [2024, 2025]
    assert name_years("nankai-2024-plan") == [2024]
