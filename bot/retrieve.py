"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens + BM25 over English, fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .bilingual import Glossary
from .index import Idf, Index, Unit, unit_of_entry
from .text import detect_language, en_tokens, has_cjk, normalize, zh_tokens

RRF_K = 10
MAX_EMBED_CHARS = 200
# How-to, personal and schedule questions: the plan states intentions, not procedures or timetables.
PROCEDURAL = re.compile(r"怎么(申请|办|迁|投诉|报名)|如何(申请|办理|投诉|报名)|需要什么材料|几点|开放时间|营业时间|哪天|"
                        r"电话|地址|推荐|哪家|好吃|好玩|\bhow (do|can|should) i\b|\bwhere (do|can) i\b|opening hours|what date|what time|"
                        r"phone number|address of|recommend|suggest", re.I)
# Attempts to steer the assistant instead of asking about the plan.
INJECTION = re.compile(r"忽略|无视|别管|系统(通知|提示|指令)|管理员|提示词|密钥|后台|越狱|扮演|改为|"
                       r"ignore (all|any|previous|your|the)|disregard|system prompt|override|jailbreak|api key|"
                       r"pretend|you are now|act as|developer mode|instructions", re.I)
YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
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
    aliases: dict[str, list[str]] = field(default_factory=dict)  # everyday zh token -> glossary terms


def prepare(question: str, glossary: Glossary, lang: str = "auto") -> Query:
    text = normalize(question)
    language = detect_language(text) if lang == "auto" else lang
    matches = glossary.english_matches(text)
    zh_terms = list(matches)
    variants = glossary.variant_matches(text) if has_cjk(text) else {}
    aliases: dict[str, list[str]] = {}
    for variant, terms in variants.items():
        for tok in zh_tokens(variant) or [variant]:
            aliases.setdefault(tok, []).extend(terms)
        zh_terms += [t for t in terms if t not in zh_terms]
    en_terms = glossary.en_for_chinese(text + " " + " ".join(zh_terms)) if has_cjk(text) else []
    zh_toks = zh_tokens(text) if has_cjk(text) else []
    for term in zh_terms:
        zh_toks += [t for t in zh_tokens(term) if t not in zh_toks]
    en_toks = en_tokens(text)
    if language == "zh":  # the English side of a Chinese question comes from the glossary
        for term in en_terms:
            en_toks += [t for t in en_tokens(term) if t not in en_toks]
    return Query(raw=question, text=text, lang=language, zh_terms=zh_terms, en_terms=en_terms,
                 zh_tokens=zh_toks, en_tokens=en_toks,
                 term_tokens={zh: en_tokens(" ".join(words)) for zh, words in matches.items()},
                 aliases=aliases)


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
    signals: dict[str, float] = field(default_factory=dict)  # evidence for answering at all
    paragraph_units: dict[str, list[Unit]] = field(default_factory=dict)
    idf: "Idf | None" = None

    def coverage_of(self, unit: Unit) -> float:
        return coverage(self.query, unit, self.idf) if self.idf else 0.0


def _ranked(scores: np.ndarray) -> np.ndarray:
    """Positions with a positive score, best first (ties keep corpus order); vectorised, since a
    Python loop over every sentence was the cost that grew with the corpus."""
    found = np.flatnonzero(scores > 0)
    return found[np.argsort(-scores[found], kind="stable")]


def _own_tokens(query: Query) -> list[tuple[str, str]]:
    """(side, token) pairs of what the question itself says: Chinese words and English words."""
    zh = [("zh", t) for t in dict.fromkeys(zh_tokens(query.text)) if has_cjk(t)] if has_cjk(query.text) else []
    en = [("en", t) for t in dict.fromkeys(en_tokens(query.text))]
    return zh + en


def coverage(query: Query, unit: Unit, idf: "Idf") -> float:
    """IDF-weighted share of the question's own words that the sentence (or its rendering) contains.

    An English word also counts when the glossary maps it to Chinese that the sentence contains,
    so Chinese-only documents can be matched from English.
    """
    tokens = _own_tokens(query)
    if not tokens:
        return 0.0
    en_side = set(en_tokens(unit.en or ""))
    for zh in query.zh_terms:
        if zh in unit.zh:
            en_side.update(query.term_tokens.get(zh, ()))
    total = found = 0.0
    for side, tok in tokens:
        weight = idf.zh(tok) if side == "zh" else idf.en(tok)
        total += weight
        if side == "zh":
            hit = tok in unit.zh or any(term in unit.zh for term in query.aliases.get(tok, ()))
        else:
            hit = tok in en_side or tok in unit.zh.lower()
        if hit:
            found += weight
    return found / total


def rare_hit(query: Query, unit: Unit, idf: "Idf", n: int = 2) -> float:
    """Share of the question's n most specific words (highest IDF) that the sentence contains:
    "the capital of Australia" fails on "australia", whatever else matches."""
    tokens = _own_tokens(query)
    if not tokens:
        return 0.0
    weighed = sorted(tokens, key=lambda st: -(idf.zh(st[1]) if st[0] == "zh" else idf.en(st[1])))[:n]
    en_side = set(en_tokens(unit.en or ""))
    for zh in query.zh_terms:
        if zh in unit.zh:
            en_side.update(query.term_tokens.get(zh, ()))
    found = 0
    for side, tok in weighed:
        if side == "zh":
            found += tok in unit.zh or any(term in unit.zh for term in query.aliases.get(tok, ()))
        else:
            found += tok in en_side or tok in unit.zh.lower()
    return found / len(weighed)


def _grams(text: str) -> set[str]:
    text = text.lower()
    cjk = "".join(ch for ch in text if has_cjk(ch))
    words = " ".join(en_tokens(text))
    return {cjk[i : i + 2] for i in range(len(cjk) - 1)} | {words[i : i + 3] for i in range(len(words) - 2)
                                                             if " " not in words[i : i + 3]}


def gram_overlap(query: Query, unit: Unit) -> float:
    """Share of the question's character bigrams (Chinese) / trigrams (English) found in the sentence:
    robust to typos and unknown words where whole-word matching fails."""
    grams = _grams(query.text) - _STOP_GRAMS
    if not grams:
        return 0.0
    target = _grams(unit.zh + " " + (unit.en or ""))
    return len(grams & target) / len(grams)


_STOP_GRAMS = frozenset({"哪些", "什么", "多少", "今年", "南开", "开区", "有哪", "是什", "怎么", "请问", "计划"})


def known_share(query: Query, idf: "Idf") -> float:
    """IDF-weighted share of the question's own words that occur anywhere in the corpus."""
    tokens = _own_tokens(query)
    if not tokens:
        return 0.0
    total = known = 0.0
    for side, tok in tokens:
        weight = idf.zh(tok) if side == "zh" else idf.en(tok)
        total += weight
        if tok in (idf.df_zh if side == "zh" else idf.df_en) or (side == "zh" and tok in query.aliases):
            known += weight
    return known / total


class HybridSearch:
    """The retrieval step: one query embedding, three ranked lists, reciprocal-rank fusion."""

    def __init__(self, index: Index, glossary: Glossary, dense_k: int = 40) -> None:
        self.index = index
        self.glossary = glossary
        self.dense_k = min(dense_k, max(1, index.manifest.entries))

    def _lists(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense (best cosine per sentence), BM25-zh and BM25-en scores for one query."""
        dense = np.zeros(len(self.index.units), dtype=np.float32)
        # The embedder's cost grows with length; a question's meaning is in its first few hundred characters.
        vector = self.index.embeddings.embed_query_vector(query.text[:MAX_EMBED_CHARS])
        for entry_id, similarity in self.index.vectors.search(vector, self.dense_k):
            pos = self.index.position.get(unit_of_entry(entry_id))
            if pos is not None and similarity > dense[pos]:
                dense[pos] = similarity
        zh = self.index.bm25_scores("zh", query.zh_tokens)
        en = self.index.bm25_scores("en", query.en_tokens)
        return dense, zh, en

    def run(self, question: str, lang: str = "auto", k: int = 8, context: str = "") -> Retrieval:
        """Search for a question. A follow-up (``context`` = the earlier question) is searched twice,
        alone and with the earlier question, and the two rankings are fused: its own words decide
        the topic ("What about old compounds?"), the context fills in what it leaves out ("那中学呢？")."""
        query = prepare(question, self.glossary, lang)
        searches = [(query, 1.0)]
        if context:
            full = prepare(f"{question} {context}", self.glossary, query.lang)
            own = len(dict.fromkeys(query.zh_tokens)) + len(dict.fromkeys(en_tokens(query.text)))
            searches = [(query, 1.0 if own >= 2 else 0.5), (full, 1.0)]
        n = len(self.index.units)
        fused = np.zeros(n, dtype=np.float64)
        best_dense = np.zeros(n, dtype=np.float32)
        best_zh = np.zeros(n, dtype=np.float32)
        best_en = np.zeros(n, dtype=np.float32)
        for q, weight in searches:
            dense, zh, en = self._lists(q)
            for name, scores in (("dense", dense), ("bm25_zh", zh), ("bm25_en", en)):
                ranked = _ranked(scores)
                fused[ranked] += weight * WEIGHTS[name] / (RRF_K + np.arange(1, ranked.size + 1))
            best_dense, best_zh, best_en = np.maximum(best_dense, dense), np.maximum(best_zh, zh), np.maximum(best_en, en)
        order = [int(i) for i in _ranked(fused)[:k]]
        hits = [Hit(unit=self.index.units[i], score=float(fused[i]), dense=float(best_dense[i]),
                    bm25_zh=float(best_zh[i]), bm25_en=float(best_en[i])) for i in order]
        for hit in hits:
            hit.coverage = coverage(query, hit.unit, self.index.idf)
        found = best_dense[best_dense > 0]
        spread = float(found.std()) if found.size > 1 else 0.0
        top = hits[0] if hits else None
        # the best hit's closeness in meaning (a hit found by BM25 alone takes the best dense score)
        top_dense = (top.dense or float(found.max())) if top and found.size else 0.0
        asked = searches[-1][0]  # with a follow-up, judge the question together with its context
        signals = {
            "dense": top_dense,
            "dense_z": (top_dense - float(found.mean())) / spread if spread > 0 else 0.0,
            "coverage": max(top.coverage, coverage(asked, top.unit, self.index.idf)) if top else 0.0,
            "known": known_share(asked, self.index.idf),
            "grams": gram_overlap(asked, top.unit) if top else 0.0,
            "rare": max((rare_hit(asked, h.unit, self.index.idf) for h in hits[:3]), default=0.0),
            "procedural": 1.0 if PROCEDURAL.search(query.text) else 0.0,
            "injection": 1.0 if INJECTION.search(query.text) else 0.0,
            "other_year": 1.0 if any(y != "2024" for y in YEAR.findall(query.text)) else 0.0,
            "zh": 1.0 if query.lang == "zh" else 0.0,
        }
        return Retrieval(query=query, hits=hits, signals=signals,
                         paragraph_units=self.index.paragraphs, idf=self.index.idf)


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
