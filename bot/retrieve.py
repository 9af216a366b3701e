"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens + BM25 over English, fused by reciprocal rank."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .bilingual import Glossary
from .index import Idf, Index, Unit
from .text import detect_language, en_tokens, has_cjk, normalize, zh_tokens

RRF_K = 10
WEIGHTS = {"dense": 1.0, "bm25_zh": 1.0, "bm25_en": 1.0}


@dataclass
class Query:
    """A question made ready for search: normalised, its language, tokens and glossary expansions."""

    raw: str
    text: str
    lang: str
    zh_terms: list[str]
    en_terms: list[str]
    zh_tokens: list[str]
    en_tokens: list[str]
    term_tokens: dict[str, list[str]] = field(default_factory=dict)  # zh term -> English words that named it

    @property
    def content_tokens(self) -> list[str]:
        return self.zh_tokens if self.lang == "zh" else self.en_tokens


def prepare(question: str, glossary: Glossary, lang: str = "auto") -> Query:
    text = normalize(question)
    language = detect_language(text) if lang == "auto" else lang
    matches = glossary.english_matches(text)
    zh_terms = list(matches)
    en_terms = glossary.en_for_chinese(text) if has_cjk(text) else []
    zh_toks = zh_tokens(text) if has_cjk(text) else []
    for term in zh_terms:
        zh_toks += [t for t in zh_tokens(term) if t not in zh_toks]
    en_toks = en_tokens(text)
    if language == "zh":  # the English side of a Chinese question comes from the glossary
        for term in en_terms:
            en_toks += [t for t in en_tokens(term) if t not in en_toks]
    return Query(raw=question, text=text, lang=language, zh_terms=zh_terms, en_terms=en_terms,
                 zh_tokens=zh_toks, en_tokens=en_toks,
                 term_tokens={zh: en_tokens(" ".join(words)) for zh, words in matches.items()})


@dataclass
class Hit:
    unit: Unit
    score: float  # fused reciprocal-rank score
    dense: float  # best cosine of the unit's passages
    bm25_zh: float
    bm25_en: float
    coverage: float = 0.0  # share of the question's content tokens found in the sentence


@dataclass
class Retrieval:
    query: Query
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def _ranks(scores: np.ndarray) -> dict[int, int]:
    order = np.argsort(-scores, kind="stable")
    return {int(i): r for r, i in enumerate(order) if scores[i] > 0}


def coverage(query: Query, unit: Unit, idf: "Idf") -> float:
    """IDF-weighted share of the question's own-language words that the sentence contains.

    For English questions a word also counts when the glossary maps it to Chinese in the sentence,
    so Chinese-only documents can be matched from English.
    """
    if query.lang == "zh" and query.zh_tokens:
        weights = {t: idf.zh(t) for t in dict.fromkeys(query.zh_tokens)}
        found = sum(w for t, w in weights.items() if t in unit.zh)
        return found / sum(weights.values())
    if not query.en_tokens:
        return 0.0
    own = set(en_tokens(unit.en or ""))
    for zh in query.zh_terms:
        if zh in unit.zh:
            own.update(query.term_tokens.get(zh, ()))
    weights = {t: idf.en(t) for t in dict.fromkeys(query.en_tokens)}
    return sum(w for t, w in weights.items() if t in own) / sum(weights.values())


class HybridSearch:
    """The retrieval step: one query embedding, three ranked lists, reciprocal-rank fusion."""

    def __init__(self, index: Index, glossary: Glossary, dense_k: int = 40) -> None:
        self.index = index
        self.glossary = glossary
        self.dense_k = min(dense_k, max(1, index.manifest.entries))

    def run(self, question: str, lang: str = "auto", k: int = 8, context: str = "") -> Retrieval:
        """Search for a question; ``context`` (an earlier turn) is searched with it, at lower weight."""
        t0 = time.perf_counter()
        query = prepare(question, self.glossary, lang)
        full = prepare(f"{context} {question}", self.glossary, query.lang) if context else query
        n = len(self.index.units)
        vector = self.index.embeddings.embed_query_vector(full.text)
        t1 = time.perf_counter()
        dense = np.zeros(n, dtype=np.float32)
        for entry_id, similarity in self.index.vectors.search(vector, self.dense_k):
            pos = self.index.position.get(entry_id.rsplit("|", 1)[0])
            if pos is not None and similarity > dense[pos]:
                dense[pos] = similarity
        t2 = time.perf_counter()
        zh = self.index.bm25_scores("zh", full.zh_tokens + query.zh_tokens)
        en = self.index.bm25_scores("en", full.en_tokens + query.en_tokens)
        fused = np.zeros(n, dtype=np.float64)
        for name, scores in (("dense", dense), ("bm25_zh", zh), ("bm25_en", en)):
            for pos, rank in _ranks(scores).items():
                fused[pos] += WEIGHTS[name] / (RRF_K + rank + 1)
        order = [int(i) for i in np.argsort(-fused, kind="stable")[:k] if fused[i] > 0]
        hits = [Hit(unit=self.index.units[i], score=float(fused[i]), dense=float(dense[i]),
                    bm25_zh=float(zh[i]), bm25_en=float(en[i])) for i in order]
        for hit in hits:
            hit.coverage = coverage(query, hit.unit, self.index.idf)
        t3 = time.perf_counter()
        timings = {"embed": (t1 - t0) * 1000, "dense": (t2 - t1) * 1000, "sparse": (t3 - t2) * 1000}
        return Retrieval(query=query, hits=hits, timings_ms=timings)


class PlanRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever: Documents carry the sentence and its scores."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    k: int = 6
    lang: str = "auto"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        result = self.search.run(query, lang=self.lang, k=self.k)
        return [
            LCDocument(page_content=h.unit.zh, id=h.unit.id,
                       metadata={"id": h.unit.id, "paragraph_id": h.unit.paragraph_id, "en": h.unit.en or "",
                                 "label": h.unit.label, "label_en": h.unit.label_en, "score": h.score,
                                 "dense": h.dense, "coverage": h.coverage})
            for h in result.hits
        ]
