"""Hybrid retrieval: dense (Chroma) + BM25 over jieba tokens + BM25 over English, fused by reciprocal rank."""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field, replace
from typing import Callable

import jieba
import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .bilingual import Glossary
from .followup import refers_back
from .index import Idf, Index, Unit, entry_language, unit_of_entry
from .text import corrections, detect_language, en_token_set, en_tokens, en_tokens_of, has_cjk, hyphen_parts, \
    normalize, taught, zh_tokens, zh_tokens_of
from .understand import Asked, understand
from .years import YearIndex

RRF_K = 10
DENSE_STANDOUT = 0.035  # a best dense similarity this far above the median one is a dense ranking to trust fully
DENSE_TRUST_MIN = 0.1
FOLLOWUP_OWN = (0.5, 1.0, 1.0)  # a follow-up's own search: pointing back / naming 2+ words / naming one word
FOLLOWUP_FULL = 0.5  # the search of a follow-up together with its context
MAX_EMBED_CHARS = 200
# How-to, personal and schedule questions: the plan states intentions, not procedures or timetables.
PROCEDURAL = re.compile(r"(怎么|如何)[^，,。？?]{0,8}?(申请|办理|迁|投诉|报名|登记)|怎么办(?!法)|"
                        r"(准备|需要|带|提交)(哪些|什么|啥)(材料|证件|手续|资料)|几点|开放时间|营业时间|哪天|"
                        r"电话|地址|推荐|哪家(?!企业|公司|单位|机构)|好吃|好玩|\bhow (do|can|should) i\b|\bwhere (do|can) i\b|opening hours|what date|what time|"
                        r"phone number|address of|recommend|suggest", re.I)
# Attempts to steer the assistant instead of asking about the plan.
INJECTION = re.compile(r"忽略|无视|别管|系统(通知|提示|指令)|管理员|提示词|密钥|后台|越狱|扮演|改为|"
                       r"ignore (all|any|previous|your|the)|disregard|system prompt|override|jailbreak|api key|"
                       r"pretend|you are now|act as|developer mode|instructions", re.I)
WEIGHTS = {"dense": 1.0, "bm25_zh": 1.0, "bm25_en": 1.0}
# An English question's Chinese words come only from the glossary (a few broad terms: 投资, 人才), so its Chinese
# list votes with less weight than the English one made from its own words.
LANG_WEIGHTS = {"zh": WEIGHTS, "en": {"dense": 1.0, "bm25_zh": 0.5, "bm25_en": 1.0}}
# Fused score added, among the best COVERAGE_DEPTH, per unit of coverage (the IDF-weighted share of the question's
# own words a sentence says): the three lists agree on the topic, coverage tells which sentence says what was asked.
COVERAGE_WEIGHT = {"zh": 0.05, "en": 0.1}
COVERAGE_DEPTH = 20
NEAR_TIE = 0.97  # the second hit within 3% of the first …
COVERAGE_LEAD = 0.5  # … and saying half the question more: it goes first
OTHER_YEAR_WEIGHT = 0.5  # a sentence about another year than the one asked keeps this share of its fused score
DEFAULT_YEAR_WEIGHT = 0.8  # the same for a question naming no year, against the latest plan year (several loaded)
# the same for documents that are not plans, when the year asked (or assumed) has its plan loaded and the question asks
# what is planned (not a result, naming no report or notice): the plan states the year's targets
PLAN_WEIGHT = 0.8
CROSS_DEPTH = 4  # an English question searches this many times deeper when some sentences have no rendering
MIN_GAP_PAIRS = 3  # rendered sentences found in both languages needed to measure the cross-lingual gap
PREFER_DEPTH = 30  # how many of the best-ranked sentences a year (or plan) preference reorders
COVERAGE_MARGIN = 0.05  # a disfavoured sentence saying this much more of the question than any favoured one stays
PAIR_DEPTH = 20  # how deep a target-versus-result question looks for the plan's target and the report's result
OTHER_KINDS = re.compile(r"报告|通知|公告|通告|\breports?\b|\bnotices?\b|\bcirculars?\b|\bannouncements?\b", re.I)


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
    years: tuple[int, ...] = ()  # the year(s) the ranking preferred: asked (2023, 二〇二五年, 去年) or the default
    year_source: str = ""  # "asked" (named), "relative" (今年 / last year …), "default" (none named) or ""
    plan_year: int = 2024  # what 今年 / this year means: the latest plan year loaded
    covered_years: tuple[int, ...] = ()  # the years the loaded documents are about
    target_result: "tuple[Hit, Hit] | None" = None  # (the plan's target, a later report's result), also hits[:2]
    hit_years: dict[str, tuple[int, ...]] = field(default_factory=dict)  # hit unit id -> the years it is about
    context: str = ""  # a follow-up's earlier question

    def coverage_of(self, unit: Unit) -> float:
        return coverage(self.query, unit, self.idf) if self.idf else 0.0

    @property
    def uncovered_years(self) -> tuple[int, ...]:
        """Years the question asks about that no loaded document covers (the answer names the covered ones)."""
        return tuple(y for y in self.years if self.year_source != "default" and y not in self.covered_years)


def _ranked(scores: np.ndarray) -> np.ndarray:
    """Positions with a positive score, best first (ties keep corpus order); vectorised, since a
    Python loop over every sentence was the cost that grew with the corpus."""
    found = np.flatnonzero(scores > 0)
    return found[np.argsort(-scores[found], kind="stable")]


def _own_tokens(query: Query) -> list[tuple[str, str]]:
    """(side, token) pairs of what the question itself says: Chinese words and English words."""
    return _own_tokens_of(query.text, taught())


@lru_cache(maxsize=1024)
def _own_tokens_of(text: str, taught: int) -> list[tuple[str, str]]:  # (read only: shared by every sentence scored)
    zh = [("zh", t) for t in dict.fromkeys(zh_tokens_of(text)) if has_cjk(t)] if has_cjk(text) else []
    en = [("en", t) for t in dict.fromkeys(en_tokens_of(text))]
    return zh + en


def coverage(query: Query, unit: Unit, idf: "Idf", keywords: bool = False) -> float:
    """IDF-weighted share of the question's own words that the sentence (or its rendering; with ``keywords``, also
    its items' keywords: residents' words for what it names) contains.

    An English word also counts when the glossary maps it to Chinese that the sentence contains,
    so Chinese-only documents can be matched from English.
    """
    tokens = _own_tokens(query)
    if not tokens:
        return 0.0
    said = unit.keywords if keywords else ""  # the keywords denote the sentence's items
    en_side = en_token_set(f"{unit.en or ''} {said}")
    termed = {t for zh in query.zh_terms if zh in unit.zh for t in query.term_tokens.get(zh, ())}
    total = found = 0.0
    for side, tok in tokens:
        weight = idf.zh(tok) if side == "zh" else idf.en(tok)
        total += weight
        if side == "zh":
            hit = tok in unit.zh or tok in said or any(term in unit.zh for term in query.aliases.get(tok, ()))
        else:
            hit = tok in en_side or tok in termed or tok in unit.zh.lower()
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
    en_side = en_token_set(unit.en or "")
    termed = {t for zh in query.zh_terms if zh in unit.zh for t in query.term_tokens.get(zh, ())}
    found = 0
    for side, tok in weighed:
        if side == "zh":
            found += tok in unit.zh or any(term in unit.zh for term in query.aliases.get(tok, ()))
        else:
            found += tok in en_side or tok in termed or tok in unit.zh.lower()
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


def _dense_trust(dense: np.ndarray) -> float:
    """How far the dense ranking can be trusted for one question: by how much its best sentence stands out from the
    median one. A short question ("要出台什么方案？") is about as close to every sentence (a best 0.01 above the
    median, against 0.035 for a typical question), and its dense order is noise beside the words it shares."""
    found = dense[dense > 0]
    if found.size < 2:
        return 1.0
    return float(np.clip((found.max() - np.median(found)) / DENSE_STANDOUT, DENSE_TRUST_MIN, 1.0))


class HybridSearch:
    """The retrieval step: one query embedding, three ranked lists, reciprocal-rank fusion."""

    def __init__(self, index: Index, glossary: Glossary, dense_k: int = 40) -> None:
        self.index = index
        self.glossary = glossary
        self.dense_k = min(dense_k, max(1, index.manifest.entries))
        self.years = YearIndex(index.units)
        self.zh_only = np.array([not u.en for u in index.units], dtype=bool)  # sentences without a rendering
        self.words = {w for u in index.units for w in jieba.lcut(u.zh)}  # the plan's words, names kept whole

    def _lists(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense (best cosine per sentence), BM25-zh and BM25-en scores for one query."""
        dense = np.zeros(len(self.index.units), dtype=np.float32)
        # The embedder's cost grows with length; a question's meaning is in its first few hundred characters.
        vector = self.index.embeddings.embed_query_vector(query.text[:MAX_EMBED_CHARS])
        cross = query.lang == "en" and bool(self.zh_only.any())
        k = min(self.dense_k * CROSS_DEPTH, max(1, self.index.manifest.entries)) if cross else self.dense_k
        by_lang = {"zh": np.zeros_like(dense), "en": np.zeros_like(dense)} if cross else {}
        for entry_id, similarity in self.index.vectors.search(vector, k):
            pos = self.index.position.get(unit_of_entry(entry_id))
            if pos is not None and similarity > dense[pos]:
                dense[pos] = similarity
            if pos is not None and cross:
                side = by_lang.get(entry_language(entry_id))
                if side is not None:
                    side[pos] = max(side[pos], similarity)
        if cross:
            self._lift_chinese_only(dense, by_lang["zh"], by_lang["en"])
            keep = np.argsort(-dense, kind="stable")[: self.dense_k]  # as many as a search of dense_k finds, so that
            dense[np.setdiff1d(np.arange(dense.size), keep)] = 0.0  # the dense signals keep their calibrated spread
        zh = self.index.bm25_scores("zh", query.zh_tokens)
        en = self.index.bm25_scores("en", query.en_tokens)
        return dense, zh, en

    def _lift_chinese_only(self, dense: np.ndarray, zh_sim: np.ndarray, en_sim: np.ndarray) -> None:
        """An English question is closer to English passages than to Chinese ones of the same meaning, so sentences
        without a rendering would always trail the rendered ones. The gap is measured on this very question over
        the rendered sentences found in both languages (median of English minus Chinese similarity) and added to
        the Chinese-only sentences' similarity."""
        both = (zh_sim > 0) & (en_sim > 0)
        if int(both.sum()) < MIN_GAP_PAIRS:
            return
        gap = float(np.median(en_sim[both] - zh_sim[both]))
        lift = self.zh_only & (zh_sim > 0)
        dense[lift] = zh_sim[lift] + max(gap, 0.0)

    def _ready(self, query: Query) -> Query:
        """Misspelt English words also as the documents' word one letter away, a hyphenated one also as its words; an
        everyday Chinese word the glossary reads as a plan term (马路 -> 道路) searched as that term, not matched inside
        a name (六马路)."""
        df = self.index.idf.df_en
        query.en_tokens += list(dict.fromkeys(t for t in corrections(query.en_tokens, df) + hyphen_parts(query.en_tokens, df)
                                              if t not in query.en_tokens))
        whole = {t for t in query.aliases if not any(t != v and t in v for v in query.aliases)}  # 过日子, not 日子
        query.zh_tokens = [t for t in query.zh_tokens if t not in whole or t in self.words]
        return query

    def run(self, question: str, lang: str = "auto", k: int = 8, context: str = "") -> Retrieval:
        """Search for a question. A follow-up (``context`` = the earlier question) is searched twice,
        alone and with the earlier question, and the two rankings are fused: its own words decide
        the topic ("What about old compounds?"), the context fills in what it leaves out ("那中学呢？")."""
        query = self._ready(prepare(question, self.glossary, lang))
        searches = [(query, 1.0)]
        if context:
            full = self._ready(prepare(f"{question} {context}", self.glossary, query.lang))
            own = len(dict.fromkeys(query.zh_tokens)) + len(dict.fromkeys(en_tokens(query.text)))
            if refers_back(question) or own == 0:  # "What will that land be used for?": the context names the topic
                searches = [(query, FOLLOWUP_OWN[0]), (full, 1.0)]
            else:  # "and parks?": its own words name the topic, the context keeps the frame (the year, the action)
                searches = [(query, FOLLOWUP_OWN[1] if own >= 2 else FOLLOWUP_OWN[2]), (full, FOLLOWUP_FULL)]
        n = len(self.index.units)
        fused = np.zeros(n, dtype=np.float64)
        best_dense = np.zeros(n, dtype=np.float32)
        best_zh = np.zeros(n, dtype=np.float32)
        best_en = np.zeros(n, dtype=np.float32)
        for q, weight in searches:
            dense, zh, en = self._lists(q)
            for name, scores in (("dense", dense), ("bm25_zh", zh), ("bm25_en", en)):
                ranked = _ranked(scores)
                trust = _dense_trust(dense) if name == "dense" and len(searches) == 1 else 1.0  # (a follow-up: its context decides)
                fused[ranked] += weight * trust * LANG_WEIGHTS.get(query.lang, WEIGHTS)[name] / (
                    RRF_K + np.arange(1, ranked.size + 1))
            best_dense, best_zh, best_en = np.maximum(best_dense, dense), np.maximum(best_zh, zh), np.maximum(best_en, en)
        lift = COVERAGE_WEIGHT.get(query.lang, 0.0)
        for i in _ranked(fused)[:COVERAGE_DEPTH] if lift else ():
            fused[i] += lift * coverage(query, self.index.units[i], self.index.idf)
        own = understand(query.text, self.years.plan_year)
        asked_for = own
        if context and not own.years:  # a follow-up naming no year keeps the earlier question's
            earlier = understand(searches[-1][0].text, self.years.plan_year)
            asked_for = replace(own, years=earlier.years, relative_year=earlier.relative_year)
        wanted, year_source = self._year_preference(query, fused, asked_for)
        plans_asked = bool(wanted) and not asked_for.result
        if plans_asked and not OTHER_KINDS.search(searches[-1][0].text):
            self._prefer(query, fused, self.years.plan_masks(wanted), PLAN_WEIGHT)

        def hit_at(i: int) -> Hit:
            return Hit(unit=self.index.units[i], score=float(fused[i]), dense=float(best_dense[i]),
                       bm25_zh=float(best_zh[i]), bm25_en=float(best_en[i]))

        ranked_all = _ranked(fused)
        order = [int(i) for i in ranked_all[:k]]
        hits = [hit_at(i) for i in order]
        for hit in hits:
            hit.coverage = coverage(query, hit.unit, self.index.idf)
        if len(hits) > 1 and hits[1].score >= NEAR_TIE * hits[0].score and \
                hits[1].coverage >= hits[0].coverage + COVERAGE_LEAD:  # a near tie: the one that has the question's words
            hits[0], hits[1] = hits[1], hits[0]  # ("要抢抓哪些投资促进机遇？": 抢抓…投资促进机遇, not "the key role of investment")
        pair = self._target_result(query, asked_for.years, [int(i) for i in ranked_all[:PAIR_DEPTH]], hit_at) \
            if asked_for.result else None
        if pair is not None:
            hits = list(pair[::-1]) + [h for h in hits if h.unit.id not in {p.unit.id for p in pair}][: max(0, k - 2)]
        found = best_dense[best_dense > 0]
        spread = float(found.std()) if found.size > 1 else 0.0
        top = hits[0] if hits else None
        # the best hit's closeness in meaning (a hit found by BM25 alone takes the best dense score)
        top_dense = (top.dense or float(found.max())) if top and found.size else 0.0
        asked = searches[-1][0]  # with a follow-up, judge the question together with its context
        signals = {
            "dense": top_dense,
            "dense_z": (top_dense - float(found.mean())) / spread if spread > 0 else 0.0,
            # whether the plan answers: the best sentence's words, and its items' keywords (what residents call them)
            "coverage": max(coverage(q, top.unit, self.index.idf, keywords=True)
                            for q in ((query,) if asked is query else (query, asked))) if top else 0.0,
            "known": known_share(asked, self.index.idf),
            "grams": gram_overlap(asked, top.unit) if top else 0.0,
            "rare": max((rare_hit(asked, h.unit, self.index.idf) for h in hits[:3]), default=0.0),
            "procedural": 1.0 if PROCEDURAL.search(query.text) else 0.0,
            "injection": 1.0 if INJECTION.search(query.text) else 0.0,
            "other_year": 1.0 if any(y not in self.years.covered for y in own.years) else 0.0,
            "zh": 1.0 if query.lang == "zh" else 0.0,
        }
        return Retrieval(query=query, hits=hits, signals=signals,
                         paragraph_units=self.index.paragraphs, idf=self.index.idf, years=wanted,
                         year_source=year_source, plan_year=self.years.plan_year, covered_years=self.years.covered,
                         target_result=pair, hit_years={h.unit.id: self.years.of(h.unit) for h in hits},
                         context=context)

    def _year_preference(self, query: Query, fused: np.ndarray, asked: Asked) -> tuple[tuple[int, ...], str]:
        """Rank sentences about the year asked above those about other years; a question naming no year prefers,
        more gently, the latest plan year (when the documents cover several years). Returns (years, source)."""
        if asked.years:
            self._prefer(query, fused, self.years.year_masks(asked.years), OTHER_YEAR_WEIGHT)
            return asked.years, "relative" if asked.relative_year else "asked"
        if len(self.years.covered) > 1 and not asked.result:
            default = (self.years.plan_year,)
            if self._prefer(query, fused, self.years.year_masks(default), DEFAULT_YEAR_WEIGHT):
                return default, "default"
        return (), ""

    def _prefer(self, query: Query, fused: np.ndarray, masks: tuple[np.ndarray, np.ndarray] | None,
                weight: float) -> bool:
        """Scale down, among the best-ranked candidates, the disfavoured sentences (``masks[1]``: another year,
        another document) that say no more of the question than the best favoured one (``masks[0]``) does: a
        sentence about another year stays where it is when it is the one that answers ("今年长虹公园…" when only
        last year's plan names the park). Returns whether a favoured candidate was found."""
        if masks is None:
            return False
        favoured, other = masks
        units, idf = self.index.units, self.index.idf
        candidates = [int(i) for i in _ranked(fused)[:PREFER_DEPTH]]
        best = max((coverage(query, units[i], idf) for i in candidates if favoured[i]), default=None)
        if best is None:
            return False
        demoted = [i for i in candidates if other[i] and coverage(query, units[i], idf) <= best + COVERAGE_MARGIN]
        fused[demoted] *= weight
        return True

    def _target_result(self, query: Query, years: tuple[int, ...], order: list[int],
                       hit_at: Callable[[int], Hit]) -> tuple[Hit, Hit] | None:
        """For "2024年老旧小区改造完成了吗？": the best-ranked result for the year asked (a later document's look back
        at it; with no year asked, the best-ranked result's own year) and the
        best-ranked plan target for that year, both sharing words with the question. Both get the better score of
        the two, so that an answer cites them together."""
        units = self.index.units
        relevant = [i for i in order if coverage(query, units[i], self.index.idf) > 0]
        result = next((i for i in relevant for y in (years or self.years.unit_years[i])
                       if self.years.is_result(units[i], y)), None)
        if result is None:
            return None
        year = next(y for y in (years or self.years.unit_years[result]) if self.years.is_result(units[result], y))
        target = next((i for i in relevant if i != result and self.years.is_target(units[i], year)), None)
        if target is None:
            return None
        target_hit, result_hit = hit_at(target), hit_at(result)
        target_hit.score = result_hit.score = max(target_hit.score, result_hit.score)  # one answer: cite both
        for hit in (target_hit, result_hit):
            hit.coverage = coverage(query, hit.unit, self.index.idf)
        return target_hit, result_hit


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
