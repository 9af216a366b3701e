"""Quotes cut to what answers: the clauses of a long Chinese sentence that carry the question's words, and the
aligned English segments of a rendering that say most of the question (or hold the direct answer's figures and
items), with the full rendering left to the citation card."""

from __future__ import annotations

import re
from typing import Callable

from .index import Unit
from .text import en_tokens

CLAUSE_SPLIT = re.compile(r"(?<=[，,；;。])")
EN_CLAUSE_SPLIT = re.compile(r"(?<=[;:])\s+")  # the renderings separate the plan's tasks with semicolons
# words every question about the plan may carry, stemmed as en_tokens stems them ("this" -> "thi")
EN_GENERIC = {"plan", "nankai", "district", "2024", "year", "thi", "will", "what", "which", "how"}
ASKING = {"set", "give", "list", "name", "includ", "contain", "mention", "say", "lai"}  # ("which targets does it set")
_JOINER = re.compile(r"^(and|as well as|while|but|so as to)\b[\s,]*", re.I)  # a segment's joining word
EN_WHOLE = 200  # characters of a rendering short enough to quote whole when it is the answer (no direct answer)
EN_TOPIC = 60  # characters of a segment short enough to only name its topic
EN_WHOLE_STRETCH = 1.3  # a whole sentence up to this share over the budget is quoted whole rather than cut
EN_QUOTE_BUDGET = 320  # characters of English quote per sentence when only part of it answers


# a clause that opens with one of these leads into the clause after it ("以国家中医药传承创新发展试验区建设为契机，…")
_LEADS_IN = re.compile(r"(以|围绕|依托|聚焦|立足|紧盯|对标|按照|结合|借助|通过|坚持|紧扣|瞄准|随着|为了?)[^，,；;。]*$")


def clauses(sentence: str, tokens: list[str]) -> str:
    """The clauses of a long sentence that carry the question's words, as one contiguous span."""
    parts = CLAUSE_SPLIT.split(sentence)
    if len(sentence) < 70 or len(parts) < 3 or not tokens:
        return sentence
    marks = [i for i, part in enumerate(parts) if any(t in part for t in tokens)]
    if not marks or len(marks) == len(parts):
        return sentence
    last = marks[-1]
    while last + 1 < len(parts) and _LEADS_IN.match(parts[last].rstrip("，,")) and not parts[last].endswith(("。", "；", ";")):
        last += 1  # "以…建设为契机，" has no main clause of its own: the clause it leads into is kept with it
    marks.append(last)
    span = "".join(parts[marks[0] : marks[-1] + 1])
    return span.rstrip("，,") if marks[-1] < len(parts) - 1 else span


def clauses_en(sentence: str, tokens: set[str]) -> str:
    """The English counterpart of ``clauses``: of a long rendering's semicolon-separated tasks, the contiguous
    span from the first to the last that carries the question's words."""
    parts = EN_CLAUSE_SPLIT.split(sentence)
    tokens = tokens - EN_GENERIC
    if len(sentence) < 160 or len(parts) < 3 or not tokens:
        return sentence
    marks = [i for i, part in enumerate(parts) if tokens & set(en_tokens(part))]
    if not marks or len(marks) == len(parts):
        return sentence
    span = " ".join(parts[marks[0] : marks[-1] + 1]).rstrip(";:")
    return voiced(sentence, span)


_SUBJECT = "The district will "
_NOT_A_VERB = re.compile(r"^(to|in|on|by|with|for|of|at|from|while|including|such|focusing|centring|building|"
                         r"based|through|as|so|which|where|when|the|a|an|it|its|they|their|this|these|together|all|"
                         r"both|each|every|\d+%?)\b", re.I)  # (and a figure: "100% of new buildings will meet …")
# (a pronoun too: "… it is a crucial year" keeps the cut that lost its referent, 2024)


def voiced(rendering: str, part: str) -> str:
    """A part of a rendering quoted as a sentence in the rendering's voice: its start as it is; a later task of
    "The district will A, B and C" with its subject ("The district will carry out 10 road projects"), not as a
    bare command; a later part that is no task marked as cut ("… focusing on key areas such as …")."""
    part = part.strip()
    if not part or rendering.startswith(part) or part[:1].isupper():
        return part
    if _NOT_A_VERB.search(part) or re.match(r"(?!bring\b)[a-z]+ing\b", part):  # ("seizing the opportunity …, the district will")
        return "… " + part
    if rendering.startswith("We will "):  # the preamble's voice (我们要): "We will solidly advance the Ten Actions"
        return "We will " + part
    if rendering.startswith(_SUBJECT) or _SUBJECT.lower() in rendering:  # "To optimise …, the district will A, B"
        return _SUBJECT + part
    if re.search(r"\bthe district [a-z]+s\b", rendering, re.I) and re.match(r"[a-z]+s\b", part):
        return "The district " + part  # "…, the district expects A and expects B": "The district expects B"
    return part[:1].upper() + part[1:]  # a rendering that is itself a list of tasks keeps their voice


def sentence_end(text: str) -> str:
    """A quoted span ends as a sentence does, so that spans of several sentences read apart."""
    text = text.strip().rstrip(";,:")
    return text if text.endswith((".", "!", "?", '."', ".'", "…")) or not text else text + "."


def cut_before_verb(rendering: str, part: str) -> str:
    """A quoted opening that stops before the sentence's main verb ("Building on the district's advantages, …") is
    marked as cut, not ended as if it were a sentence."""
    rest = rendering[len(part):] if rendering.startswith(part) else ""
    if rest.strip(" .;,") and not re.search(r"\bwill\b|\bthe district\b", part, re.I) and \
            re.search(r"\bwill\b|\bthe district\b", rest):
        return part.rstrip(" ,;") + " …"
    return part


def _slice(text: str, first: str, last: str) -> str:
    """The part of ``text`` from segment ``first`` to segment ``last``, with the punctuation between them."""
    start = text.find(first)
    end = text.find(last, max(start, 0))
    if start < 0 or end < 0:
        return f"{first} … {last}" if first != last else first
    return text[start:end + len(last)]



def best_first(quote: str, tokens: list[str], weigh: Callable[[str], float]) -> str:
    """A Chinese quote of several sentences with the one that says most of the question (IDF-weighted) first."""
    sentences = [p for p in re.split(r"(?<=。)", quote) if p]
    if len(sentences) < 2:
        return quote
    score = [sum(weigh(t) for t in set(tokens) if t in p) for p in sentences]
    best = max(range(len(sentences)), key=lambda i: (score[i], -i))
    if best == 0:
        return quote
    first = sentences[best].rstrip("。，；,;")
    rest = sentences[:best] + sentences[best + 1:]
    return first + "。" + "".join(rest).rstrip("。")


def says(text: str, words: set[str], weigh: Callable[[str], float]) -> float:
    """How much of the question a piece of English says: the IDF weights of the question's words it has."""
    return sum(weigh(w) for w in words & set(en_tokens(text)))


def english_span(unit: Unit, pairs: list[tuple[str, str]] | None, quote_zh: str, en_words: set[str],
                 weigh: Callable[[str], float], budget: int = 0, focus: list[str] | None = None,
                 tight: bool = False) -> tuple[str, float]:
    """The English of a sentence cut to what answers, with how much of the question it says (IDF-weighted
    question words): the aligned segment that says most — its Chinese kept in the quote, or the question's own
    words — with the segments next to it that say more of it, and the one after it when it only names the
    topic (the items follow it); without segments, the semicolon-separated tasks that carry the words."""
    words = en_words - EN_GENERIC

    def said(text: str) -> float:
        return says(text, words, weigh)

    if not pairs or len(pairs) < 2:
        text = clauses_en(unit.en or "", en_words)
        return text, said(text)
    # the Chinese quote cuts this sentence, or quotes it with others; a rendering of over two budgets (the preamble's
    # 2,000 characters) quoted with others is cut all the same, to what says the question
    focused = quote_zh != unit.zh and not (unit.zh in quote_zh and len(unit.en or "") > 2 * EN_QUOTE_BUDGET)
    if not focus and not focused and len(unit.en or "") <= EN_WHOLE:  # a short rendering that answers is quoted whole
        text = unit.en or ""
        return text, said(text)
    scores = [(2.0 if focused and zh and zh in quote_zh else 0.0) + said(en) for zh, en in pairs]

    def piece(a: int, b: int) -> str:
        text = _JOINER.sub("", _slice(unit.en or "", pairs[a][1], pairs[b][1]).strip(" ;,"))
        return cut_before_verb(unit.en or "", voiced(unit.en or "", text))

    limit = budget or EN_QUOTE_BUDGET
    if max(scores) <= 0 and not focus and len(unit.en or "") > 2 * limit:  # long, and says nothing of the question:
        hi = 0  # its opening within the budget, not 2,000 characters
        while hi + 1 < len(pairs) and sum(len(en) for _, en in pairs[: hi + 2]) <= limit:
            hi += 1
        return piece(0, hi), 0.0
    if max(scores) <= 0:
        return unit.en or "", 0.0
    best = max(range(len(pairs)), key=lambda i: (scores[i], -i))
    lo, hi = best, best
    kept = [i for i, (zh, _) in enumerate(pairs)  # with a lead: its items' clauses; else the quote's clauses
            if zh and (any(f in zh for f in focus) if focus else focused and zh in quote_zh)]
    if kept and tight:  # after a direct answer: its clauses, and the one that says most when it says more
        lo, hi = kept[0], kept[-1]
    elif kept:  # the clauses holding the direct answer's figures or items: all of them, in English
        lo, hi = min(lo, kept[0]), max(hi, kept[-1])
    size = sum(len(en) for _, en in pairs[lo : hi + 1])
    budget = 0 if tight and kept else limit
    while lo > 0 and size + len(pairs[lo - 1][1]) <= budget and (scores[lo - 1] > 0 or (
            lo > 1 and scores[lo - 2] > 0 and size + len(pairs[lo - 1][1]) + len(pairs[lo - 2][1]) <= budget)):
        lo -= 1  # the segments before it that also say what was asked (and one between two that do)
        size += len(pairs[lo][1])
    while hi + 1 < len(pairs) and size + len(pairs[hi + 1][1]) <= budget * (
            EN_WHOLE_STRETCH if lo == 0 and hi + 2 == len(pairs) else 1.0):
        hi += 1  # what follows the topic ("improve its social assistance system") is its content (and the last task
        size += len(pairs[hi][1])  # of a sentence a little over the budget, rather than a sentence cut short)
    topic_last = not kept and lo == best == hi == len(pairs) - 1 and len(pairs[best][1]) < EN_TOPIC
    while topic_last and lo > 0 and size + len(pairs[lo - 1][1]) <= budget:  # a last segment that only names the
        lo -= 1  # topic ("and build a higher-level Safe Nankai"): the tasks before it are how, in the plan's order
        size += len(pairs[lo][1])
    best = lo if topic_last else best
    if not kept and lo < best:  # a quote that is the answer opens with the segment that says most of it
        return f"{sentence_end(piece(best, hi))} {piece(lo, best - 1)}", sum(scores[lo : hi + 1])
    return piece(lo, hi), sum(scores[lo : hi + 1])


def zh_pieces(unit: Unit, pairs: list[tuple[str, str]] | None, en_text: str) -> list[str]:
    """The Chinese of each aligned segment an English quote kept (the whole sentence when it has no segments or
    keeps them all)."""
    if not pairs or len(pairs) < 2:
        return [unit.zh]
    text = en_text.lower()
    kept = [zh for zh, en in pairs if zh and _core(en) and _core(en) in text]
    return kept if kept and len(kept) < len(pairs) else [unit.zh]


def _core(en: str) -> str:  # a segment as a quote prints it: without its joining word, its first words
    return _JOINER.sub("", en.strip(" ;,"))[:40].lower()


def zh_card(text: str, pieces: list[str]) -> str | None:
    """A card's Chinese: ``text`` (its sentences) from the first piece its English says to the last (one stretch,
    as the card highlights it in the paragraph); None when a piece is not in it."""
    at = [(text.find(p), p) for p in pieces]
    if not at or any(start < 0 for start, _ in at):
        return None
    return text[min(start for start, _ in at):max(start + len(p) for start, p in at)]
