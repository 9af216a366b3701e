"""Answers: extractive (default), grounded LLM (optional), abstention and follow-up questions."""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

from .bilingual import Figure
from .index import Index, Unit
from .retrieve import Hit, Query, Retrieval
from .text import en_tokens, numbers_in, zh_tokens

log = logging.getLogger("bot.answer")

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
FEATURES = ("dense", "dense_z", "coverage", "known", "grams", "rare", "procedural", "injection", "other_year", "zh")
MAX_SENTENCES = 3
CLAUSE_SPLIT = re.compile(r"(?<=[，,])")
EN_CLAUSE_SPLIT = re.compile(r"(?<=[;:])\s+")  # the renderings separate the plan's tasks with semicolons
# words every question about the plan may carry, stemmed as en_tokens stems them ("this" -> "thi")
EN_GENERIC = {"plan", "nankai", "district", "2024", "year", "thi", "will", "what", "which", "how"}

_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|以及|和)|呢[？?]?$")
_FOLLOWUP_EN = re.compile(r"^(and|what about|how about|also|and what about|same for|then)\b", re.I)
_QUANTITY = re.compile(r"多少|(?<!哪)几个|(?<!哪)几[条家处所项宗]|多大|比例|百分|增长|目标|指标|how (many|much)|what percent|"
                       r"percentage|target|figure|number of|growth|rate", re.I)
_SERVICE = re.compile(r"户口|户籍|落户|投诉|举报|社保卡|申请|补贴|救助金|低保|身份证|办证|办理|证明|维权|"
                      r"hukou|household registration|complain|complaint|apply|application|benefit|subsid|"
                      r"allowance|welfare|id card|permit|certificate|report a", re.I)


@dataclass
class Citation:
    n: int
    id: str
    label: str
    label_en: str
    text: str
    quote: str
    quote_en: str | None
    score: float
    url: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Answer:
    question: str
    language: str
    answer: str
    abstained: bool
    mode: str
    citations: list[Citation] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    top: dict[str, float] = field(default_factory=dict)  # the best hit's signals, for calibration

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "language": self.language, "answer": self.answer,
            "abstained": self.abstained, "mode": self.mode,
            "citations": [c.as_dict() for c in self.citations], "related": self.related,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def is_followup(question: str, history: list[dict[str, str]]) -> bool:
    if not any(turn.get("role") == "user" for turn in history):
        return False
    q = question.strip()
    if _FOLLOWUP_ZH.search(q) or _FOLLOWUP_EN.search(q):
        return True
    return len(zh_tokens(q)) + len(en_tokens(q)) <= 1


def previous_question(history: list[dict[str, str]]) -> str:
    """The last user turn that was itself a full question (follow-ups chain back to it)."""
    users = [t.get("content", "") for t in history if t.get("role") == "user"]
    context: list[str] = []
    for text in reversed(users):
        context.insert(0, text)
        if not is_followup(text, [{"role": "user", "content": "x"}]):
            break
    return " ".join(context)


@dataclass(frozen=True)
class Calibration:
    """Logistic model over the retrieval signals: P(the plan answers this question).

    Fitted on the eval set by ``python -m bot eval --calibrate`` (one model, no per-question rules).
    """

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Calibration":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=tuple(float(data["weights"].get(f, 0.0)) for f in FEATURES), bias=float(data["bias"]),
                   threshold=float(data.get("threshold", 0.5)))

    def probability(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(w * signals.get(f, 0.0) for w, f in zip(self.weights, FEATURES))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def confident(self, signals: dict[str, float]) -> bool:
        return bool(signals) and self.probability(signals) >= self.threshold


def fit_calibration(rows: list[tuple[dict[str, float], bool]], steps: int = 4000, lr: float = 0.5,
                    l2: float = 1e-3) -> dict[str, Any]:
    """Fit the logistic model (answerable = 1) by gradient descent; pick the threshold with best accuracy."""
    import numpy as np

    x = np.array([[r[0].get(f, 0.0) for f in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([1.0 if r[1] else 0.0 for r in rows])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mean) / std
    w = np.zeros(xs.shape[1])
    b = 0.0
    balance = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        g = (p - y) * balance
        w -= lr * (xs.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    weights = w / std
    bias = b - float((w * mean / std).sum())
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    best = max((float(((probs >= t) == (y == 1)).mean()), -abs(t - 0.5), t) for t in np.linspace(0.2, 0.8, 61))
    return {"weights": dict(zip(FEATURES, map(float, weights))), "bias": float(bias),
            "threshold": round(float(best[2]), 3), "train_accuracy": round(best[0], 4), "cases": len(rows)}


def _clauses(sentence: str, tokens: list[str]) -> str:
    """The clauses of a long sentence that carry the question's words, as one contiguous span."""
    parts = CLAUSE_SPLIT.split(sentence)
    if len(sentence) < 70 or len(parts) < 3 or not tokens:
        return sentence
    marks = [i for i, part in enumerate(parts) if any(t in part for t in tokens)]
    if not marks or len(marks) == len(parts):
        return sentence
    span = "".join(parts[marks[0] : marks[-1] + 1])
    return span.rstrip("，,") if marks[-1] < len(parts) - 1 else span


def _clauses_en(sentence: str, tokens: set[str]) -> str:
    """The English counterpart of ``_clauses``: of a long rendering's semicolon-separated tasks, the contiguous
    span from the first to the last that carries the question's words."""
    parts = EN_CLAUSE_SPLIT.split(sentence)
    tokens = tokens - EN_GENERIC
    if len(sentence) < 160 or len(parts) < 3 or not tokens:
        return sentence
    marks = [i for i, part in enumerate(parts) if tokens & set(en_tokens(part))]
    if not marks or len(marks) == len(parts):
        return sentence
    span = " ".join(parts[marks[0] : marks[-1] + 1]).rstrip(";:")
    return span[:1].upper() + span[1:]


def select(retrieval: Retrieval) -> list[Hit]:
    """The sentences that answer: the best one, and others nearly as good that add matching words."""
    hits = retrieval.hits
    if not hits:
        return []
    top = hits[0]
    chosen = [top]
    if is_lead_unit(top.unit):  # a topic lead says little: answer with what its paragraph says
        return _paragraph_support(top, retrieval) or [top]
    for hit in hits[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        same_topic = hit.unit.paragraph_id == top.unit.paragraph_id and not is_lead_unit(hit.unit)
        if same_topic and hit.score >= (0.5 if hit.coverage > 0 else 0.65) * top.score:
            chosen.append(hit)  # more of the same paragraph: lists and policies span sentences
        elif hit.score >= 0.75 * top.score and hit.coverage >= max(0.34, 0.8 * top.coverage) and hit.dense >= top.dense - 0.04:
            chosen.append(hit)
    return chosen


def _runs(hits: list[Hit]) -> list[list[Hit]]:
    """Sentences of one paragraph in order, grouped where at most one sentence lies between them."""
    runs: list[list[Hit]] = []
    for hit in hits:
        if runs and hit.unit.n - runs[-1][-1].unit.n <= 2:
            runs[-1].append(hit)
        else:
            runs.append([hit])
    return runs


def is_lead_unit(unit: Unit) -> bool:
    return unit.n == 1 and unit.zh.rstrip("。") == unit.topic


def _paragraph_support(lead: Hit, retrieval: Retrieval, limit: int = 4) -> list[Hit]:
    """The sentences of a lead's paragraph that share words with the question or the lead."""
    index_units = retrieval.paragraph_units.get(lead.unit.paragraph_id, [])
    words = [t for t in zh_tokens(lead.unit.zh)]
    scored: list[tuple[float, Unit]] = []
    for unit in index_units:
        if unit.id == lead.unit.id:
            continue
        share = retrieval.coverage_of(unit) + sum(1 for w in words if w in unit.zh) / max(1, len(words))
        scored.append((share, unit))
    best = sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])[:limit] or scored[:1]
    return [Hit(unit=u, score=lead.score * 0.9, dense=lead.dense, bm25_zh=0.0, bm25_en=0.0, coverage=share)
            for share, u in sorted(best, key=lambda s: s[1].n)]


def _figure_for(query: Query, hits: list[Hit], figures: dict[str, list[Figure]]) -> tuple[Figure, Hit] | None:
    if not _QUANTITY.search(query.text):
        return None
    best: tuple[int, Figure, Hit] | None = None
    words = query.text.lower()
    for hit in hits[:1]:
        for fig in figures.get(hit.unit.id, []):
            keys = sum(1 for k in fig.keywords_zh + fig.keywords_en if k.lower() in words)
            score = keys + sum(1 for t in query.zh_tokens if t in fig.measure_zh)
            score += sum(1 for t in query.en_tokens if t in " ".join(en_tokens(fig.measure_en)))
            if keys and (best is None or score > best[0]):
                best = (score, fig, hit)
    return (best[1], best[2]) if best else None


class ExtractiveAnswerer:
    """Builds a cited answer from the plan's own sentences, in the question's language."""

    def __init__(self, index: Index, figures: list[Figure], calibration: Calibration | None = None) -> None:
        self.index = index
        self.calibration = calibration or Calibration.load()
        self.figures: dict[str, list[Figure]] = {}
        for fig in figures:
            self.figures.setdefault(fig.sentence_id, []).append(fig)

    def run(self, question: str, retrieval: Retrieval) -> Answer:
        query = retrieval.query
        lang = query.lang
        if not retrieval.hits or not self.calibration.confident(retrieval.signals):
            return self.abstain(question, retrieval)
        chosen = select(retrieval)
        citations = self._citations(chosen, query)
        parts: list[str] = []
        figure = _figure_for(query, chosen, self.figures)
        if figure:
            fig, hit = figure
            cite = citations[0]  # the figure comes from the best sentence, which the first citation quotes
            if fig.value not in cite.quote:
                cite.quote = hit.unit.zh
            n = cite.n
            parts.append(f"{fig.measure_zh}：{fig.value} [{n}]。" if lang == "zh"
                         else f"{fig.measure_en[:1].upper()}{fig.measure_en[1:]}: {fig.value_en} [{n}].")
        if lang == "zh":
            body = "".join(f"{c.quote.rstrip('。；;，,')} [{c.n}]。" for c in citations)
            parts.append(("计划提出：" if not figure else "计划原文：") + body)
        else:
            body = " ".join(f"{(c.quote_en or c.quote).rstrip(' .;')} [{c.n}]." for c in citations)
            parts.append(("The plan says: " if not figure else "In the plan's words: ") + body)
        return Answer(question=question, language=lang, answer="\n".join(parts), abstained=False,
                      mode="extractive", citations=citations)

    def _citations(self, chosen: list[Hit], query: Query) -> list[Citation]:
        tokens = list(dict.fromkeys(query.zh_tokens))
        by_para: dict[str, list[Hit]] = {}
        for hit in chosen:
            by_para.setdefault(hit.unit.paragraph_id, []).append(hit)
        citations: list[Citation] = []
        for pid, hits in by_para.items():
            units = self.index.paragraphs[pid]
            for run in sorted(_runs(sorted(hits, key=lambda h: h.unit.n)), key=lambda r: -max(h.score for h in r)):
                span = [u for u in units if run[0].unit.n <= u.n <= run[-1].unit.n]
                quote = "".join(u.zh for u in span)
                if len(span) == 1 and query.lang == "zh":
                    quote = _clauses(quote, tokens)
                en = [u.en for u in span if u.en]
                if query.lang == "en":
                    en = [_clauses_en(text, set(query.en_tokens)) for text in en]
                citations.append(Citation(
                    n=len(citations) + 1, id=pid, label=span[0].label, label_en=span[0].label_en,
                    text=self.index.paragraph_text(pid), quote=quote,
                    quote_en=" ".join(en) if len(en) == len(span) else None,
                    score=round(max(h.score for h in run), 4), url=f"/plan#{pid}"))
        return citations

    def related(self, retrieval: Retrieval, lang: str, n: int = 3) -> list[dict[str, str]]:
        seen: list[dict[str, str]] = []
        ids: set[str] = set()
        for hit in retrieval.hits:
            pid = hit.unit.paragraph_id
            if pid in ids or hit.unit.topic in {"通知", "前言"}:
                continue
            ids.add(pid)
            title = hit.unit.label_en.split(" ", 1)[-1].rsplit(", para", 1)[0] if lang == "en" else hit.unit.topic
            seen.append({"id": pid, "title": title, "url": f"/plan#{pid}"})
            if len(seen) == n:
                break
        return seen

    def abstain(self, question: str, retrieval: Retrieval) -> Answer:
        lang = retrieval.query.lang
        related = self.related(retrieval, lang)
        service = bool(_SERVICE.search(retrieval.query.text))
        if lang == "zh":
            text = "抱歉，《南开区2024年国民经济和社会发展计划》没有涉及这个问题，我无法据此回答。"
            if service:
                text += "个人事务和办事咨询（户籍、投诉、补贴等）请拨打12345政务服务便民热线。"
            if related:
                text += "计划涉及的相关主题有：" + "；".join(r["title"] for r in related) + "。"
        else:
            text = "Sorry, the Nankai District 2024 development plan does not cover this, so I cannot answer it from the plan."
            if service:
                text += (" For personal matters and public services (household registration, complaints, benefits), "
                         "call the 12345 government service hotline.")
            if related:
                text += " Related topics the plan does cover: " + "; ".join(r["title"] for r in related) + "."
        return Answer(question=question, language=lang, answer=text, abstained=True, mode="extractive",
                      related=related)


def unsupported_numbers(answer: Answer) -> list[str]:
    """Numbers in the answer that occur in none of its citations' quotes or renderings.

    An abstention quotes nothing: the only numbers it carries are the plan's title and the hotline.
    """
    if answer.abstained:
        return []
    text = re.sub(r"\[\d+\]", " ", answer.answer)
    sources = " ".join(f"{c.quote} {c.quote_en or ''}" for c in answer.citations)
    allowed = set(numbers_in(sources))
    return [n for n in numbers_in(text) if n not in allowed and n != "12345"]
