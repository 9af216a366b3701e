"""Which of the found sentences answer: the best one and those nearly as good beside it, a topic lead's paragraph,
and the runs of one paragraph's sentences that are quoted together."""

from __future__ import annotations

from .index import Unit
from .retrieve import Hit, Retrieval
from .text import zh_tokens

MAX_SENTENCES = 3


def select(retrieval: Retrieval) -> list[Hit]:
    """The sentences that answer: the best one, and others nearly as good that add matching words."""
    hits = retrieval.hits
    if not hits:
        return []
    top = hits[0]
    chosen = [top]
    if is_lead_unit(top.unit):  # a topic lead says little: answer with what its paragraph says
        return paragraph_support(top, retrieval) or [top]
    for hit in hits[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        same_topic = hit.unit.paragraph_id == top.unit.paragraph_id and not is_lead_unit(hit.unit)
        if same_topic and hit.score >= (0.5 if hit.coverage > 0 else 0.65) * top.score:
            chosen.append(hit)  # more of the same paragraph: lists and policies span sentences
        elif hit.score >= 0.75 * top.score and hit.coverage >= max(0.34, 0.8 * top.coverage) and hit.dense >= top.dense - 0.04:
            chosen.append(hit)
    return chosen


def runs(hits: list[Hit]) -> list[list[Hit]]:
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


def paragraph_support(lead: Hit, retrieval: Retrieval, limit: int = 4) -> list[Hit]:
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
