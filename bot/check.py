"""`python -m bot corpus check`: what the corpus holds — each document with its kind, year and issue date, the
years covered — and every problem found in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bilingual import Glossary, load_figures, load_renderings, renderings_path
from .corpus import load_corpus
from .documents import covered_years, english_status, load_infos
from .errors import DataFileError

HEADING_SUFFIXES = ("/title", "/notice-title")


def _heading_ids(doc) -> set[str]:  # type: ignore[no-untyped-def]
    ids = {f"{doc.doc_id}{s}" for s in HEADING_SUFFIXES}
    ids |= {f"{doc.doc_id}/h{'.'.join(map(str, s.path))}" for s in doc.sections if s.path != (0,)}
    return ids


def corpus_report(corpus_dir: Path) -> dict[str, Any]:
    corpus = load_corpus(corpus_dir)
    problems = list(corpus.problems)
    infos, meta_problems = load_infos(corpus, corpus_dir)
    problems += meta_problems
    documents: list[dict[str, Any]] = []
    sentence_text: dict[str, str] = {}
    rendering_text: dict[str, str] = {}
    for doc in corpus.documents:
        try:
            renderings = load_renderings(corpus_dir, doc.doc_id)
        except DataFileError as exc:
            problems.append(str(exc))
            renderings = {}
        sentences = doc.sentences
        sentence_text.update({s.id: s.text for s in sentences})
        rendered = [s for s in sentences if s.id in renderings and renderings[s.id].en.strip()]
        if renderings:
            known = {s.id: s.text for s in sentences}
            headings = _heading_ids(doc)
            name = renderings_path(corpus_dir, doc.doc_id).name
            for s in sentences:
                if s.id not in renderings or not renderings[s.id].en.strip():
                    problems.append(f"{name}: no English rendering for {s.id} ({s.text[:20]}…)")
                elif renderings[s.id].zh != s.text:
                    problems.append(f"{name}: {s.id} renders a different Chinese text than the document has — realign it")
            for rid in renderings:
                if rid not in known and rid not in headings:
                    problems.append(f"{name}: rendering {rid} points to no sentence — remove it or fix its ID")
            rendering_text.update({rid: r.en for rid, r in renderings.items()})
        documents.append({
            **infos[doc.doc_id].record(), "doc_id": doc.doc_id, "meta": doc.meta,
            "sections": len(doc.sections), "paragraphs": len(doc.paragraphs), "sentences": len(sentences),
            "english_coverage": round(len(rendered) / len(sentences), 4) if sentences else 0.0,
            "english_drafts": english_status(corpus_dir, doc)[1],
        })
    glossary_terms = 0
    try:
        glossary_terms = len(Glossary.load(corpus_dir))
    except DataFileError as exc:
        problems.append(str(exc))
    figures = []
    try:
        figures = load_figures(corpus_dir)
    except DataFileError as exc:
        problems.append(str(exc))
    for fig in figures:
        text = sentence_text.get(fig.sentence_id)
        if text is None:
            problems.append(f"figures.jsonl: {fig.id} cites {fig.sentence_id}, which does not exist")
        elif fig.value not in text:
            problems.append(f"figures.jsonl: {fig.id} value {fig.value!r} does not occur in {fig.sentence_id}")
        elif fig.sentence_id in rendering_text and fig.value_en not in rendering_text[fig.sentence_id]:
            problems.append(f"figures.jsonl: {fig.id} value_en {fig.value_en!r} is not in the English of {fig.sentence_id}")
    return {
        "corpus_dir": str(corpus_dir),
        "documents": documents,
        "years": list(covered_years(infos.values())),
        "paragraphs": sum(d["paragraphs"] for d in documents),
        "sentences": sum(d["sentences"] for d in documents),
        "english_coverage": round(sum(d["english_coverage"] * d["sentences"] for d in documents)
                                  / max(1, sum(d["sentences"] for d in documents)), 4),
        "glossary_terms": glossary_terms,
        "key_figures": len(figures),
        "problems": problems,
    }
