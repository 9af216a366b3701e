"""The extractive answer: the supporting sentences in the question's language, opened by a direct answer in the
question's own terms (``bot.direct``), numbered citations, and a clear abstention when the plan does not cover it."""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from .bilingual import Figure, Glossary
from .confidence import Calibration
from .direct import DirectAnswer
from .kinds import KIND_WORDS_OF, Lead, asked_kind, item_score, named_beside_kind
from .documents import DocumentInfo, glossary_names, label_topic_en
from .enumerations import list_lead
from .framing import NO_RENDERING, declined, lead_in, target_and_result
from .framing import notes as framing_notes
from .index import Index
from .items import PlanItem
from .notice import NoticeFacts, about_document, beside_the_notice
from .quotes import ASKING, EN_GENERIC, EN_QUOTE_BUDGET, best_first, clauses, english_span, sentence_end, says, \
    zh_card, zh_pieces
from .retrieve import Hit, Query, Retrieval
from .selection import MAX_SENTENCES, runs, select
from .text import en_tokens, numbers_in, spelled_numbers, zh_tokens
from .understand import understand
from .unmentioned import UNMENTIONED_COVERAGE, missing_thing

log = logging.getLogger("bot.answer")

_QUANTITY = re.compile(r"多少|(?<!哪)几个|(?<!哪)几[条家处所项宗]|多大|比例|百分|增长|目标|指标|how (many|much)|what percent|"
                       r"percentage|target|figure|number of|growth|rate", re.I)
KIND_GATHER_WITHIN, KIND_GATHER_SHARE = 8, 0.5  # of the top hits, where more sentences naming the kind asked may come from
KIND_FIRST_WITHIN, KIND_FIRST_SHARE = 4, 0.8  # of the top hits, how far down and how close a kind's sentence may be
KIND_WORD_INSIDE_SHARE = 0.7  # how close, when the top one has the kind's word only inside other names ("Park west area")
_PRO_FORM = re.compile(r"\b(which|what|the|those|these) ones\b|\bwhich of them\b|哪些呢|哪几个呢", re.I)  # no noun
GAP_COVERAGE = 0.25  # the least the best sentence must say of a question for "the plan does not give …" over it
KEYWORD_SAYS = 3.0  # what one of an item's keywords in the question weighs, beside the IDF of the words it shares
EN_SENTENCE_SHARE = 0.35  # of what the run's best sentence says of the question, that another must say to be quoted
EN_SAYS_MORE = 1.5  # how much more of the question a sentence beside the direct answer's must say to be quoted too
ZH_QUOTE_LONG = 150  # a Chinese quote longer than this, after a direct answer, keeps only the clauses it names
EN_QUOTE_BUDGET_AFTER_FIGURE = 160  # less English quote when the direct answer already gives the figure
LEADS_THAT_ANSWER = {"figure", "list", "statement"}  # direct answers that carry the figure or the items themselves
MAX_TERMS, MAX_QUOTED = 4, 2  # glossary names for a passage with no English; citations quoted (all get a card)
# places a question may name that another government's plan would cover
_PLACE_ZH = re.compile(r"[\u4e00-\u9fff]{2}(区|县)")
_PLACE_EN = re.compile(r"\b[A-Z][a-z]+ (District|County)\b")
Segments = dict[str, list[tuple[str, str]]]  # sentence id -> (zh span, en span) clause pairs


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
    document: DocumentInfo | None = None
    text_en: str | None = None  # the English rendering of the quoted sentences in full
    sentence_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "document"}
        out["document"] = self.document.as_dict() if self.document else None
        return out


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
    partial: bool = False  # the plan does not give what was asked; the answer says so and gives what it does say
    direct: str = ""  # the answer's first part: the direct answer (the rest is the supporting quotes)
    derived: set[str] = field(default_factory=set)  # numbers the direct answer derives (counts, the year asked)
    approved: dict[str, str] | None = None  # mode "approved": {"id", "updated_at"} of the staff-approved answer

    def as_dict(self) -> dict[str, Any]:
        out = {
            "question": self.question, "language": self.language, "answer": self.answer,
            "abstained": self.abstained, "partial": self.partial, "mode": self.mode,
            "citations": [c.as_dict() for c in self.citations], "related": self.related,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.approved is not None:
            out["approved"] = dict(self.approved)
        return out


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

    def __init__(self, index: Index, figures: list[Figure], items: list[PlanItem] | None = None,
                 documents: dict[str, DocumentInfo] | None = None, segments: Segments | None = None,
                 notices: list[NoticeFacts] | None = None, calibration: Calibration | None = None,
                 glossary: Glossary | None = None) -> None:
        self.index = index
        self.glossary = glossary
        self.calibration = calibration or Calibration.load()
        self.figures: dict[str, list[Figure]] = {}
        for fig in figures:
            self.figures.setdefault(fig.sentence_id, []).append(fig)
        self.documents = documents or {}
        years = [d.year for d in self.documents.values() if d.year]
        self.plan_year = max(years) if years else 2024
        self.direct = DirectAnswer(items or [], self.plan_year, texts={u.id: u.zh for u in index.units},
                                   texts_en={u.id: u.en for u in index.units if u.en})
        self.segments = segments or {}
        self.notices = [n for n in notices or [] if n.paragraph_id in index.paragraphs]
        self._plan_text = "".join(u.zh for u in index.units) + "".join(d.title for d in self.documents.values())
        self._plan_text_en = " ".join([u.en or "" for u in index.units] +  # and what its statements print of its items
                                      [f"{i.action_en or ''} {i.name_en}" for i in items or []]).lower()
        # each sentence's English with its terms' glossary names ("Shimao City" for 世贸城), where a name is looked for
        self._names_en = [f"{u.en or ''} {' '.join(glossary.en_names_for_chinese(u.zh)) if glossary else ''}".lower()
                          for u in index.units]
        self._plan_lower = f"{self._plan_text} {self._plan_text_en}".lower()  # where a look-alike must not occur
        self._title_words = {w for d in self.documents.values() for w in zh_tokens(d.title) + en_tokens(d.title_en)}

    def run(self, question: str, retrieval: Retrieval) -> Answer:
        query = retrieval.query
        if retrieval.context and _PRO_FORM.search(query.text) and asked_kind(query.text) is None and (
                kind := asked_kind(retrieval.context)):  # "and which ones start construction?" after "Which schools
            said = KIND_WORDS_OF[kind].search(retrieval.context)  # …": the earlier question's kind word is asked for
            query = dataclasses.replace(query, text=f"{query.text} ({said.group(0) if said else kind})")
        lang = query.lang
        if self.notices and about_document(query.text):
            return self._notice(question, lang, query.text)
        look_alike = self.glossary.look_alike(query.text, self._plan_lower) if self.glossary else ""  # ("food safety")
        if not retrieval.hits or not self.calibration.confident(retrieval.signals):
            return self.abstain(question, retrieval, missing=look_alike)
        asked = understand(query.text, retrieval.plan_year)
        top = retrieval.hits[0].unit
        if top.topic == "通知" and any(h.unit.topic != "通知" for h in retrieval.hits) and beside_the_notice(
                query.text, set(query.zh_tokens) | set(query.en_tokens), set(zh_tokens(top.zh)) |
                set(en_tokens(top.en or "")), self._title_words):  # ("Please implement it …" answers nothing)
            retrieval = dataclasses.replace(retrieval, hits=[h for h in retrieval.hits if h.unit.topic != "通知"])
        elsewhere = self._other_place(query.text)
        if elsewhere:
            return self.abstain(question, retrieval, elsewhere=elsewhere)
        pair = retrieval.target_result
        if not pair:
            retrieval = self._kind_first(retrieval, asked_kind(query.text, strict=True))
        chosen = list(pair) if pair else self._gather(select(retrieval), retrieval, asked_kind(
            query.text, strict=True) if asked.is_list and not asked.wants_figure else None)
        citations = self._citations(chosen, query)
        year = self._year(citations, retrieval)
        direct = self._direct_for(year, retrieval.covered_years)
        notes = framing_notes(retrieval.years, retrieval.year_source, retrieval.uncovered_years,
                              retrieval.covered_years, len(self.documents) > 1, lang)
        cite = {sid: c.n for c in citations for sid in c.sentence_ids}
        sentence_ids = [sid for c in citations for sid in c.sentence_ids]
        evidence = " ".join(f"{c.quote} {c.text_en or ''}" for c in citations)
        coverage = retrieval.signals.get("coverage", 0.0)
        unmentioned = missing_thing(query, coverage, [h.unit for h in retrieval.hits[:3]], self._plan_text,
                                    self._plan_text_en, self.index.idf.df_en, self._names_en,
                                    names_only=asked.kind != "whether")  # "What is planned for the Greater Bay Area?"
        unmentioned = unmentioned or look_alike  # "food safety" is not the plan's food security
        if unmentioned and asked.kind != "whether" and coverage < UNMENTIONED_COVERAGE:
            return self.abstain(question, retrieval, missing=unmentioned)  # a name the plan never uses, and nothing
        # else of the question said well: whatever was found is about something else
        units = [self.index.units[self.index.position[sid]] for sid in sentence_ids if sid in self.index.position]
        # the plan's own list: needed first only to keep "besides X, which others?" from "no other"
        listed = list_lead(asked, query, units, self.segments, cite, year) if asked.exclusions else None
        lead: Lead | None = None
        if pair:
            ids = [c.sentence_ids for c in citations]
            n_target = next(c.n for c, s in zip(citations, ids) if pair[0].unit.id in s)
            n_result = next(c.n for c, s in zip(citations, ids) if pair[1].unit.id in s)
            lead = Lead(target_and_result((n_target, self.documents.get(pair[0].unit.doc_id)),
                                          (n_result, self.documents.get(pair[1].unit.doc_id)), year, lang),
                        kind="pair")
        if lead is None:  # "besides X, which others?" is not told "no other" when a cited sentence lists others
            lead = direct.run(asked, query, sentence_ids, cite, evidence, lang, unmentioned=unmentioned,
                              listed=listed is not None, top=retrieval.hits[0].unit.id)
        if lead is None:
            lead = listed if asked.exclusions else list_lead(asked, query, units, self.segments, cite, year)
        if lead is None:
            lead = self._figure_lead(query, chosen, citations, year)
        if lead is not None and unmentioned:  # the question's own number in "does not mention Line 4" is no figure
            lead.derived |= set(numbers_in(unmentioned))
        if lead is not None and lead.kind == "gap" and not lead.focus and not unmentioned and coverage < GAP_COVERAGE:
            return self.abstain(question, retrieval)  # what the plan lacks, alone, over a sentence saying little of it
        if lead is not None and lead.focus:
            # a figure, a statement or the items asked for answer it: quote only their clauses (a yes/no question on a
            # topic is answered by one item or list as evidence, not whole: its quote keeps the question's other words)
            tight = lead.kind == "figure" or lead.kind in ("statement", "list") and (asked.kind != "whether"
                                                                                     or lead.named)
            budget = EN_QUOTE_BUDGET_AFTER_FIGURE if lead.kind == "figure" or tight else EN_QUOTE_BUDGET
            citations = self._citations(chosen, query, focus=lead.focus, budget=budget, tight=tight)
        elif lead is not None and lead.kind == "gap":  # what the plan lacks, then the part of it nearest the question
            citations = self._citations(chosen[:1], query, budget=EN_QUOTE_BUDGET_AFTER_FIGURE)
        words = (set(query.en_tokens) - EN_GENERIC) | set(query.zh_terms)  # what the question says, in either language
        answer = self._compose(question, lang, lead, citations, words, year, notes, order=query.zh_tokens)
        if unsupported_numbers(answer) and lead is not None:  # never serve a figure no quote carries
            log.warning("direct answer dropped (unsupported numbers %s): %s", unsupported_numbers(answer), lead.text)
            answer = self._compose(question, lang, None, self._citations(chosen, query), words, year, notes,
                                   order=query.zh_tokens)
        return answer

    def _kind_first(self, retrieval: Retrieval, kind: str | None) -> Retrieval:
        """A question asking for a kind of item ("any new parks?") is answered first by a sentence nearly as good as
        the top one that names items of that kind, when the top one names none but has the kind's word."""
        hits = retrieval.hits  # (a top sentence whose item the question names clearly stands: "liaison services")
        if not kind or not hits or self._names_kind(hits[0], kind) or named_beside_kind(
                self.direct.by_sentence.get(hits[0].unit.id, []), retrieval.query, kind):
            return retrieval
        # a top sentence that has the kind's word inside other names ("Tiankai Park core area") gives way; one
        # reached by the question's other words stands, unless it says less of the question ("带娃…几个公园")
        worded = bool(KIND_WORDS_OF[kind].search(f"{hits[0].unit.zh} {hits[0].unit.en or ''}"))
        for n, hit in enumerate(hits[1:KIND_FIRST_WITHIN], start=1):
            if hit.score >= (KIND_WORD_INSIDE_SHARE if worded else KIND_FIRST_SHARE) * hits[0].score \
                    and self._names_kind(hit, kind) \
                    and (worded or hit.coverage > hits[0].coverage) \
                    and hit.unit.paragraph_id != hits[0].unit.paragraph_id:  # within a paragraph the run answers
                return dataclasses.replace(retrieval, hits=[hit] + hits[:n] + hits[n + 1:])
        return retrieval

    def _gather(self, chosen: list[Hit], retrieval: Retrieval, kind: str | None) -> list[Hit]:
        """A question asking for a kind of item ("哪些称号", "which titles") is answered by every well-ranked sentence
        that names items of that kind, not only the sentences that say most of the question's other words."""
        if not kind or not chosen or not any(self._names_kind(h, kind) for h in chosen):
            return chosen
        query = retrieval.query

        def named(hit: Hit) -> bool:  # an item of the kind that the question's words name ("称号" is a title's keyword)
            return any(i.kind == kind and item_score(i, query) >= 2 for i in self.direct.by_sentence.get(hit.unit.id, []))

        more = [h for h in retrieval.hits[:KIND_GATHER_WITHIN] if h not in chosen and named(h)
                and h.score >= KIND_GATHER_SHARE * chosen[0].score]
        return chosen + more[:MAX_SENTENCES + 2 - len(chosen)]

    def _names_kind(self, hit: Hit, kind: str) -> bool:
        return any(i.kind == kind for i in self.direct.by_sentence.get(hit.unit.id, []))

    def _year(self, citations: list[Citation], retrieval: Retrieval) -> int:
        """The plan year an answer speaks of: its first citation's, when that is a plan; else what 今年 means."""
        doc = citations[0].document if citations else None
        return doc.year if doc and doc.kind == "plan" and doc.year else retrieval.plan_year

    def _direct_for(self, year: int, covered: tuple[int, ...]) -> DirectAnswer:
        """The direct-answer composer for a plan year (a copy when several documents are loaded)."""
        if year == self.direct.plan_year and len(covered) <= 1:
            return self.direct
        other = copy.copy(self.direct)
        other.plan_year, other.covered = year, covered
        return other

    def _notice(self, question: str, lang: str, text: str) -> Answer:
        """A question about the document itself, answered from its notice (the latest document's by default)."""
        year_of = {n.doc_id: (self.documents[n.doc_id].year or 0) if n.doc_id in self.documents else 0
                   for n in self.notices}
        facts = max(self.notices, key=lambda n: (n.title in text or n.title_en.lower() in text.lower(), year_of[n.doc_id]))
        units = self.index.paragraphs[facts.paragraph_id]
        values = [facts.value(k, "zh") for k in facts.asked(text)]  # the quote: the notice's sentences asked about
        units = [u for u in units if any(v and v in u.zh for v in values)] or units  # (all: none named)
        en = [u.en for u in units if u.en]
        citation = Citation(n=1, id=facts.paragraph_id, label=units[0].label, label_en=units[0].label_en,
                            text=self.index.paragraph_text(facts.paragraph_id), quote="".join(u.zh for u in units),
                            quote_en=" ".join(en) if len(en) == len(units) else None, score=1.0,
                            url=f"/plan#{facts.paragraph_id}", document=self.documents.get(facts.doc_id),
                            text_en=" ".join(en) if len(en) == len(units) else None,
                            sentence_ids=[u.id for u in units])
        lead = Lead(facts.lead(text, lang, 1), kind="notice")
        other = [y for y in understand(text, self.plan_year).years if y not in year_of.values()]
        if other:  # "2025年的计划什么时候发布？": no document of that year is loaded; the one there is, said as such
            lead = Lead((f"已载入的文件中没有{other[0]}年的计划；以下是《{facts.title}》的情况。" if lang == "zh" else
                         f"No {other[0]} plan is loaded; here is what the {facts.title_en} says. ") + lead.text,
                        kind="notice", partial=True)
        return self._compose(question, lang, lead, [citation])

    def _other_place(self, text: str) -> str:
        """A district (or county, city) the question names that the documents never mention: their plan is not it."""
        names = [m.group(0) for m in _PLACE_EN.finditer(text)]
        if _PLACE_ZH.search(text):  # a place name (jieba's "ns") ending in 区 / 县
            import jieba.posseg

            names += [w.word for w in jieba.posseg.cut(text) if w.flag == "ns" and w.word.endswith(("区", "县"))]
        return next((n for n in names if n not in self._plan_text and n.lower() not in self._plan_text_en), "")

    def _figure_lead(self, query: Query, chosen: list[Hit], citations: list[Citation], year: int) -> Lead | None:
        figure = _figure_for(query, chosen, self.figures)
        if not figure:
            return None
        fig, hit = figure
        n = next((c.n for c in citations if hit.unit.id in c.sentence_ids), citations[0].n)
        if query.lang == "zh":
            return Lead(f"{year}年计划{fig.measure_zh}：{fig.value} [{n}]。", kind="figure", focus=[fig.value])
        return Lead(f"For {year} the plan sets {fig.measure_en}: {fig.value_en} [{n}].", kind="figure",
                    focus=[fig.value])

    def _compose(self, question: str, lang: str, lead: Lead | None, citations: list[Citation],
                 terms: set[str] | None = None, year: int | None = None, notes: str = "",
                 order: list[str] | None = None) -> Answer:
        year = year or self.plan_year
        several = len(self.documents) > 1
        quoted = citations[:MAX_QUOTED]
        if lead is not None and lead.kind in LEADS_THAT_ANSWER:  # the direct answer gave it: quote what it cites
            marked = {int(n) for n in re.findall(r"\[(\d+)\]", lead.text)}
            quoted = ([c for c in citations if c.n in marked] or citations[:1])[:MAX_QUOTED]  # [3] alone: quote [3]
        if lang == "en" and terms is not None and len(quoted) > 1 and not (lead and lead.kind == "pair"):
            # a second quote only when it says more (a target and its result are both quoted)
            def says(c: Citation) -> set[str]:
                return {t for t in terms if t in c.quote or t in set(en_tokens(c.quote_en or ""))}

            first = says(quoted[0])
            quoted = [quoted[0]] + [c for c in quoted[1:] if says(c) - first]
        if lang == "zh":
            first = (lambda q: best_first(q, order, self.index.idf.zh)) if order and not lead else (lambda q: q)
            body = "".join(f"{first(c.quote).rstrip('。；;，,')} [{c.n}]。" for c in quoted)  # the answering one first
            opening = lead_in((c.document for c in quoted), several, year, lang)
            text = f"{lead.text}\n{'原文' if several else '计划原文'}：{body}" if lead else f"{opening}{body}"
            text = f"{notes}{text}" if notes else text
        else:
            body = " ".join(f"{(c.quote_en or c.quote).rstrip(' .;,')} [{c.n}]." for c in quoted)
            untranslated = [c for c in quoted if c.quote_en is None]
            if untranslated:  # a document without renderings: its Chinese is quoted, with the glossary's names
                body += " " + NO_RENDERING["en"]
                names = [f"{zh} = {en}" for c in untranslated
                         for zh, en in (glossary_names(c.quote, self.glossary) if self.glossary else [])]
                if names:
                    body += " Terms: " + "; ".join(dict.fromkeys(names[:MAX_TERMS])) + "."
            if lead:
                text = f"{lead.text}\nIn {'their' if several else 'the plan' + chr(39) + 's'} words: {body}"
            elif body.startswith("The district will ") and not several:  # the rendering's voice, as an answer
                text = f"In {year} the district will {body[len('The district will '):]}"
            else:
                text = lead_in((c.document for c in quoted), several, year, lang) + body
            text = f"{notes} {text}" if notes else text
        return Answer(question=question, language=lang, answer=text, abstained=False, mode="extractive",
                      citations=citations, partial=bool(lead and lead.partial),
                      direct=lead.text if lead else text, derived=set(lead.derived) if lead else set())

    def _citations(self, chosen: list[Hit], query: Query, focus: list[str] | None = None,
                   budget: int | None = None, tight: bool = False) -> list[Citation]:
        tokens = list(dict.fromkeys(query.zh_tokens + (focus or [])))
        by_para: dict[str, list[Hit]] = {}
        for hit in chosen:
            by_para.setdefault(hit.unit.paragraph_id, []).append(hit)
        citations: list[Citation] = []
        for pid, hits in by_para.items():
            units = self.index.paragraphs[pid]
            for run in sorted(runs(sorted(hits, key=lambda h: h.unit.n)), key=lambda r: -max(h.score for h in r)):
                span = [u for u in units if run[0].unit.n <= u.n <= run[-1].unit.n]
                quote = "".join(u.zh for u in span)
                if query.lang == "zh" or focus:  # (a long span after a direct answer: the clauses of what it names)
                    quote = clauses(quote, tokens)
                    if focus and len(quote) > ZH_QUOTE_LONG:
                        quote = clauses(quote, list(focus))
                full_en = [u.en for u in span if u.en]
                en = full_en
                if query.lang == "en" and len(full_en) == len(span):
                    words = set(query.en_tokens) - EN_GENERIC
                    holds = [tight and bool(focus) and any(f in u.zh for f in focus or []) for u in span]
                    parts = [english_span(u, self.segments.get(u.id), quote, set(query.en_tokens), self.index.idf.en,
                                          budget or EN_QUOTE_BUDGET, focus, tight=any(holds)) for u in span]
                    if len(span) == 1 and words and not focus and words - ASKING <= set(en_tokens(span[0].label_en)):
                        parts = [(span[0].en or "", 1.0)]  # its heading is what was asked ("the main targets"): whole
                    shown = list(span)
                    if any(holds):  # after a direct answer: its sentences, and any that says more of the question
                        top = max(said for (_, said), h in zip(parts, holds) if h)
                        keep = [h or p[1] > EN_SAYS_MORE * top for p, h in zip(parts, holds)]
                        shown = [u for u, k in zip(shown, keep) if k]
                        parts = [p for p, k in zip(parts, keep) if k]
                        holds = [h for h, k in zip(holds, keep) if k]
                    # sentences of the run that say nothing of the question stay in the card, not in the answer
                    most = max((s for _, s in parts), default=0.0)  # (one saying a small share of what the best
                    said = [(u, text) for u, (text, s), h in zip(shown, parts, holds)  # one says stays in the card;
                            if h or s > 0 and s >= EN_SENTENCE_SHARE * most] or \
                        [(u, text) for u, (text, _) in zip(shown, parts)]
                    kept = [text for _, text in said]
                    if said:  # the card's Chinese: what the English quotes, clause by clause
                        quote = zh_card("".join(u.zh for u in span), [p for u, text in said for p in zh_pieces(
                            u, self.segments.get(u.id), text)]) or quote
                    if not any(holds):  # a quote that is the answer: the sentence that says most of it first
                        asked = query.text.lower()  # (and the residents' words for its items: "social workers …")
                        named = [sum(KEYWORD_SAYS for i in self.direct.by_sentence.get(u.id, []) for k in i.keywords_en
                                     if k.lower() in asked) for u, _ in said]
                        found = {h.unit.id: h.score for h in run}
                        best = max(range(len(kept)), key=lambda i: (found.get(said[i][0].id, 0.0),
                                                                    says(kept[i], words, self.index.idf.en) + named[i],
                                                                    -i))
                        kept = [kept[best]] + kept[:best] + kept[best + 1:]
                    en = [sentence_end(t) for t in kept]
                citations.append(Citation(
                    n=len(citations) + 1, id=pid, label=span[0].label, label_en=span[0].label_en,
                    text=self.index.paragraph_text(pid), quote=quote,
                    quote_en=" ".join(en) if len(full_en) == len(span) else None,
                    score=round(max(h.score for h in run), 4), url=f"/plan#{pid}",
                    document=self.documents.get(span[0].doc_id),
                    text_en=" ".join(full_en) if len(full_en) == len(span) else None,
                    sentence_ids=[u.id for u in span]))
        return citations

    def related(self, retrieval: Retrieval, lang: str, n: int = 3) -> list[dict[str, str]]:
        seen: list[dict[str, str]] = []
        ids: set[str] = set()
        for hit in retrieval.hits:
            pid = hit.unit.paragraph_id
            if pid in ids or hit.unit.topic in {"通知", "前言"}:
                continue
            ids.add(pid)
            title = label_topic_en(hit.unit.label_en) if lang == "en" else hit.unit.topic
            seen.append({"id": pid, "title": title, "url": f"/plan#{pid}"})
            if len(seen) == n:
                break
        return seen

    def abstain(self, question: str, retrieval: Retrieval, elsewhere: str = "", missing: str = "") -> Answer:
        lang = retrieval.query.lang
        if elsewhere:
            titles = "、".join(f"《{d.title}》" for d in self.documents.values()) or "南开区的计划"
            titles_en = "; ".join(d.title_en for d in self.documents.values()) or "Nankai District's plan"
            text = (f"抱歉，{elsewhere}不在{titles}的范围内：这里只能回答南开区的计划。" if lang == "zh" else
                    f"Sorry, {elsewhere} is not covered: this assistant answers from {titles_en} only.")
            return Answer(question=question, language=lang, answer=text, abstained=True, mode="extractive")
        related = self.related(retrieval, lang)
        notes = framing_notes(retrieval.years, retrieval.year_source, retrieval.uncovered_years,
                              retrieval.covered_years, len(self.documents) > 1, lang)
        text = declined(self.documents.values(), lang, retrieval.query.text, missing, notes,
                        [r["title"] for r in related])
        return Answer(question=question, language=lang, answer=text, abstained=True, mode="extractive",
                      related=related)


def unsupported_numbers(answer: Answer) -> list[str]:
    """Numbers in the answer that occur in none of its citations' quotes, renderings or document titles.

    An abstention quotes nothing: the only numbers it carries are the plan's title and the hotline.
    """
    if answer.abstained:
        return []
    text = re.sub(r"\[\d+\]", " ", answer.answer)
    sources = " ".join(f"{c.quote} {c.quote_en or ''} {c.document.title if c.document else ''} "
                       f"{c.document.year if c.document else ''}" for c in answer.citations)
    allowed = set(numbers_in(sources)) | set(spelled_numbers(sources))  # "three paired counties" gives 3
    allowed |= answer.derived
    return [n for n in numbers_in(text) if n not in allowed and n != "12345"]
