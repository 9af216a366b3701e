"""Answers: extractive (default), grounded LLM (optional), abstention and follow-up questions."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from .bilingual import Figure
from .index import Index, Unit
from .retrieve import Hit, Query, Retrieval
from .text import en_tokens, numbers_in, zh_tokens

log = logging.getLogger("bot.answer")

# Calibrated on evals/questions.jsonl (python -m bot eval --calibrate): answer when the best
# sentence is close enough in meaning (dense) or shares enough of the question's words (coverage).
MIN_DENSE = 0.86
MIN_COVERAGE = 0.5
MIN_DENSE_WITH_COVERAGE = 0.80
MAX_SENTENCES = 3
CLAUSE_SPLIT = re.compile(r"(?<=[，,])")

_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|以及|和)|呢[？?]?$")
_FOLLOWUP_EN = re.compile(r"^(and|what about|how about|also|and what about|same for|then)\b", re.I)
_QUANTITY = re.compile(r"多少|几个|几[条家处所项宗]|多大|比例|百分|增长|目标|指标|how (many|much)|what percent|"
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


def confident(hit: Hit | None) -> bool:
    if hit is None:
        return False
    if hit.dense >= MIN_DENSE:
        return True
    return hit.coverage >= MIN_COVERAGE and hit.dense >= MIN_DENSE_WITH_COVERAGE


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


def select(retrieval: Retrieval) -> list[Hit]:
    """The sentences that answer: the best one, and others nearly as good that add matching words."""
    hits = retrieval.hits
    if not hits:
        return []
    top = hits[0]
    chosen = [top]
    for hit in hits[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if hit.score >= 0.75 * top.score and hit.coverage >= max(0.34, 0.8 * top.coverage) and hit.dense >= top.dense - 0.04:
            chosen.append(hit)
    return chosen


def _figure_for(query: Query, hits: list[Hit], figures: dict[str, list[Figure]]) -> tuple[Figure, Hit] | None:
    if not _QUANTITY.search(query.text):
        return None
    best: tuple[int, Figure, Hit] | None = None
    words = query.text.lower()
    for hit in hits:
        for fig in figures.get(hit.unit.id, []):
            keys = fig.keywords_zh + fig.keywords_en
            score = sum(1 for k in keys if k.lower() in words)
            score += sum(1 for t in query.zh_tokens if t in fig.measure_zh)
            score += sum(1 for t in query.en_tokens if t in " ".join(en_tokens(fig.measure_en)))
            if score and (best is None or score > best[0]):
                best = (score, fig, hit)
    return (best[1], best[2]) if best else None


class ExtractiveAnswerer:
    """Builds a cited answer from the plan's own sentences, in the question's language."""

    def __init__(self, index: Index, figures: list[Figure]) -> None:
        self.index = index
        self.figures: dict[str, list[Figure]] = {}
        for fig in figures:
            self.figures.setdefault(fig.sentence_id, []).append(fig)

    def run(self, question: str, retrieval: Retrieval) -> Answer:
        query = retrieval.query
        lang = query.lang
        if not confident(retrieval.top):
            return self.abstain(question, retrieval)
        chosen = select(retrieval)
        citations = self._citations(chosen, query)
        parts: list[str] = []
        figure = _figure_for(query, chosen, self.figures)
        if figure:
            fig, hit = figure
            cite = next(c for c in citations if c.id == hit.unit.paragraph_id)
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
            hits.sort(key=lambda h: h.unit.n)
            units = self.index.paragraphs[pid]
            first, last = hits[0].unit.n, hits[-1].unit.n
            span = [u for u in units if first <= u.n <= last]
            if len(span) > len(hits) + 1:  # far apart: cite the best sentence alone
                span = [max(hits, key=lambda h: h.score).unit]
            quote = "".join(u.zh for u in span)
            if len(span) == 1:
                quote = _clauses(quote, tokens) if query.lang == "zh" else quote
            en = [u.en for u in span if u.en]
            citations.append(Citation(
                n=len(citations) + 1, id=pid, label=span[0].label, label_en=span[0].label_en,
                text=self.index.paragraph_text(pid), quote=quote,
                quote_en=" ".join(en) if len(en) == len(span) else None,
                score=round(max(h.score for h in hits), 4), url=f"/plan#{pid}"))
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


def numbers_supported(answer: Answer) -> list[str]:
    """Numbers in the answer that occur in none of its citations' quotes or renderings."""
    text = re.sub(r"\[\d+\]", " ", answer.answer)
    sources = " ".join(f"{c.quote} {c.quote_en or ''}" for c in answer.citations)
    allowed = set(numbers_in(sources))
    return [n for n in numbers_in(text) if n not in allowed and n != "12345"]
