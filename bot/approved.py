"""Staff-approved answers: written by district staff in Chinese and/or English, citing plan sentence IDs, validated
like an LLM answer (every cited ID exists, every figure occurs in a cited quote), stored with every version (staff
name as free text, time, note), editable and retirable — and served, ``"mode": "approved"``, to a new question that
means the same (``bot.approved_match``) in the question's language.

An approved answer keeps a fingerprint of each sentence it cites; when the corpus changes so that one changes or
disappears, the answer is stale and is not served until staff approve it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, func, select

from .config import MAX_ANSWER_CHARS, MAX_COMMENT_CHARS, MAX_QUESTION_CHARS, Settings
from .errors import BotError
from .questions import mask, new_id
from .storage import Database, create_tables
from .text import numbers_in

log = logging.getLogger("bot.approved")

ACTIVE, RETIRED = "active", "retired"
MAX_AUTHOR_CHARS = 100


class ApprovedAnswerError(BotError, ValueError):
    """A staff answer that cannot be approved; the message names the field and the problem."""

    code = "bad_answer"


class ApprovedAnswerNotFound(BotError, KeyError):
    code = "not_found"
    status = 404

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such approved answer"


metadata = MetaData()
answers = Table(
    "approved_answers", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("status", String(8), nullable=False),  # active | retired
    Column("version", Integer, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer_zh", Text, nullable=True),
    Column("answer_en", Text, nullable=True),
    Column("citations", Text, nullable=False),  # sentence IDs, JSON
    Column("fingerprints", Text, nullable=False),  # sentence ID -> hash of its text and rendering, JSON
    Column("author", String(MAX_AUTHOR_CHARS), nullable=False),
    Column("note", Text, nullable=False, default=""),
)
versions = Table(
    "approved_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("status", String(8), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer_zh", Text, nullable=True),
    Column("answer_en", Text, nullable=True),
    Column("citations", Text, nullable=False),
    Column("author", String(MAX_AUTHOR_CHARS), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_approved_versions_answer", "answer_id", "version", unique=True),
)
MIGRATIONS = [create_tables(metadata, "approved_answers", "approved_versions")]


@dataclass(frozen=True)
class Draft:
    """What staff submit (the body of POST / PUT /api/staff/answers)."""

    question: str
    answer_zh: str | None
    answer_en: str | None
    citations: list[str]
    author: str
    note: str = ""


@dataclass
class ApprovedAnswer:
    id: str
    created_at: float
    updated_at: float
    status: str
    version: int
    question: str
    answer_zh: str | None
    answer_en: str | None
    citations: list[str]
    fingerprints: dict[str, str]
    author: str
    note: str
    stale: list[str] = field(default_factory=list)  # cited sentences that changed or disappeared since approval
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def servable(self) -> bool:
        return self.status == ACTIVE and not self.stale

    def text(self, lang: str) -> str | None:
        return self.answer_zh if lang == "zh" else self.answer_en

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "answer_zh": self.answer_zh, "answer_en": self.answer_en,
                "citations": list(self.citations), "author": self.author, "note": self.note, "status": self.status,
                "version": self.version, "stale": list(self.stale), "servable": self.servable,
                "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
                **({"versions": self.history} if self.history else {})}


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts))


# ---------------------------------------------------------------- validation against the corpus

_MARKER = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class Sentence:
    id: str
    paragraph_id: str
    doc_id: str
    zh: str
    en: str | None


class Validator:
    """The plan's sentences (Chinese, English rendering) by ID: what an approved answer may cite."""

    def __init__(self, sentences: Iterable[Sentence], titles: Mapping[str, str] | None = None) -> None:
        self.sentences = {s.id: s for s in sentences}
        self.paragraph_ids = {s.paragraph_id for s in self.sentences.values()}
        self.titles = dict(titles or {})

    @classmethod
    def from_index(cls, index: Any, documents: Mapping[str, Any] | None = None) -> "Validator":
        titles = {k: f"{d.title} {d.title_en}" for k, d in (documents or {}).items()}
        return cls((Sentence(u.id, u.paragraph_id, u.doc_id, u.zh, u.en) for u in index.units), titles)

    @classmethod
    def from_corpus(cls, corpus: Any, corpus_dir: Any) -> "Validator":
        """From the corpus files (``corpus check``, the eval report: no index needed)."""
        from .bilingual import load_renderings

        sentences, titles = [], {}
        for doc in corpus.documents:
            renderings = load_renderings(corpus_dir, doc.doc_id)
            title = renderings.get(f"{doc.doc_id}/title")
            titles[doc.doc_id] = f"{doc.title} {title.en if title else ''}"
            sentences += [Sentence(s.id, s.paragraph_id, doc.doc_id, s.text,
                                   renderings[s.id].en if s.id in renderings else None) for s in doc.sentences]
        return cls(sentences, titles)

    def audit(self, record: "ApprovedAnswer") -> str:
        """"ok", or what is wrong with a stored answer now: stale sentences, or the check it no longer passes."""
        stale = self.stale(record.fingerprints)
        if stale:
            return f"stale: {', '.join(stale)} changed or gone since it was approved — approve it again"
        try:
            self.check(Draft(record.question, record.answer_zh, record.answer_en, list(record.citations),
                             record.author, record.note))
        except ApprovedAnswerError as exc:
            return str(exc)
        return "ok"

    def fingerprint(self, sid: str) -> str:
        s = self.sentences[sid]
        return hashlib.sha256(f"{s.zh}\x1f{s.en or ''}".encode()).hexdigest()[:16]

    def stale(self, fingerprints: Mapping[str, str]) -> list[str]:
        return [sid for sid, fp in fingerprints.items() if sid not in self.sentences or self.fingerprint(sid) != fp]

    def groups(self, sids: list[str]) -> list[list[str]]:
        """The cited sentences grouped by paragraph (first citation first): one numbered citation each."""
        order: dict[str, list[str]] = {}
        for sid in sids:
            order.setdefault(self.sentences[sid].paragraph_id, []).append(sid)
        return list(order.values())

    def check(self, draft: Draft) -> Draft:
        """The draft, trimmed, or ApprovedAnswerError naming the field and the problem."""
        def bad(message: str) -> ApprovedAnswerError:
            return ApprovedAnswerError(message)

        question = " ".join((draft.question or "").split())
        if not 1 <= len(question) <= MAX_QUESTION_CHARS:
            raise bad(f"question: give the question, 1 to {MAX_QUESTION_CHARS} characters")
        texts = {lang: (value or "").strip() or None for lang, value in (("zh", draft.answer_zh),
                                                                         ("en", draft.answer_en))}
        if not any(texts.values()):
            raise bad("answer_zh / answer_en: write the answer in Chinese, in English, or in both")
        for lang, value in texts.items():
            if value and len(value) > MAX_ANSWER_CHARS:
                raise bad(f"answer_{lang}: at most {MAX_ANSWER_CHARS} characters")
        sids = list(dict.fromkeys(str(s).strip() for s in draft.citations or [] if str(s).strip()))
        if not sids:
            raise bad("citations: cite at least one plan sentence ID, e.g. nankai-2024-plan/2.4.1.4 (see /plan)")
        paragraphs = [s for s in sids if s not in self.sentences and s in self.paragraph_ids]
        if paragraphs:
            raise bad(f"citations: {', '.join(paragraphs)} is a paragraph — cite its sentences "
                      f"({paragraphs[0]}.1, {paragraphs[0]}.2, …; see /plan)")
        unknown = [s for s in sids if s not in self.sentences]
        if unknown:
            raise bad(f"citations: not in the corpus: {', '.join(unknown)} — use sentence IDs such as "
                      "nankai-2024-plan/2.4.1.4 (see /plan)")
        author = (draft.author or "").strip()
        if not 1 <= len(author) <= MAX_AUTHOR_CHARS:
            raise bad(f"author: give your name (free text, up to {MAX_AUTHOR_CHARS} characters)")
        note = (draft.note or "").strip()
        if len(note) > MAX_COMMENT_CHARS:
            raise bad(f"note: at most {MAX_COMMENT_CHARS} characters")
        n_citations = len(self.groups(sids))
        cited = [self.sentences[s] for s in sids]
        sources = " ".join(f"{s.zh} {s.en or ''} {self.titles.get(s.doc_id, '')}" for s in cited)
        found = set(numbers_in(sources))
        for lang, value in texts.items():
            if not value:
                continue
            for m in _MARKER.finditer(value):
                if not 1 <= int(m.group(1)) <= n_citations:
                    raise bad(f"answer_{lang}: [{m.group(1)}] refers to no citation — the cited sentences make "
                              f"{n_citations} citation(s), one per paragraph, numbered in the order given")
            missing = [n for n in numbers_in(_MARKER.sub(" ", value)) if n not in found]
            if missing:
                raise bad(f"answer_{lang}: the figure {missing[0]} occurs in no cited quote "
                          f"({', '.join(sids)}) — correct it, or cite the sentence that gives it")
        return Draft(question=question, answer_zh=texts["zh"], answer_en=texts["en"], citations=sids,
                     author=author, note=note)


# ---------------------------------------------------------------- the store (with versions)


def _record(row: Any) -> ApprovedAnswer:
    m = row._mapping
    return ApprovedAnswer(id=m["id"], created_at=m["created_at"], updated_at=m["updated_at"], status=m["status"],
                          version=m["version"], question=m["question"], answer_zh=m["answer_zh"],
                          answer_en=m["answer_en"], citations=json.loads(m["citations"]),
                          fingerprints=json.loads(m["fingerprints"]), author=m["author"], note=m["note"])


class ApprovedStore:
    """The approved answers of one database (``approved.sqlite3`` under the data folder, or BOT_DATABASE_URL)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def from_settings(cls, settings: Settings) -> "ApprovedStore":
        return cls(Database.open(settings.data_dir, "approved", settings.database_url))

    def exists(self) -> bool:
        return self.db.exists()

    def _ready(self) -> None:
        self.db.migrate("approved", metadata, MIGRATIONS)

    def _values(self, draft: Draft, validator: Validator) -> dict[str, Any]:
        t = self.db.text
        return {"question": t(mask(draft.question)), "answer_zh": t(draft.answer_zh) if draft.answer_zh else None,
                "answer_en": t(draft.answer_en) if draft.answer_en else None,
                "citations": json.dumps(draft.citations),
                "fingerprints": json.dumps({s: validator.fingerprint(s) for s in draft.citations}),
                "author": t(draft.author), "note": t(draft.note)}

    def _version(self, conn: Any, answer_id: str, version: int, status: str, values: dict[str, Any],
                 now: float) -> None:
        conn.execute(versions.insert().values(answer_id=answer_id, version=version, created_at=now, status=status,
                                              **{k: values[k] for k in ("question", "answer_zh", "answer_en",
                                                                        "citations", "author", "note")}))

    def create(self, draft: Draft, validator: Validator) -> ApprovedAnswer:
        draft = validator.check(draft)
        self._ready()
        now, answer_id = time.time(), new_id()
        values = self._values(draft, validator)
        with self.db.write() as conn:
            conn.execute(answers.insert().values(id=answer_id, created_at=now, updated_at=now, status=ACTIVE,
                                                 version=1, **values))
            self._version(conn, answer_id, 1, ACTIVE, values, now)
        return self.get(answer_id)

    def update(self, answer_id: str, draft: Draft, validator: Validator) -> ApprovedAnswer:
        """A new version (approved again: it is served again even if it was stale or retired)."""
        draft = validator.check(draft)
        return self._change(answer_id, ACTIVE, self._values(draft, validator))

    def retire(self, answer_id: str, author: str, note: str = "") -> ApprovedAnswer:
        if not (author or "").strip():
            raise ApprovedAnswerError("author: give your name (free text)")
        return self._change(answer_id, RETIRED, {"author": self.db.text(author.strip()[:MAX_AUTHOR_CHARS]),
                                                 "note": self.db.text((note or "").strip()[:MAX_COMMENT_CHARS])})

    def _change(self, answer_id: str, status: str, values: dict[str, Any]) -> ApprovedAnswer:
        self._ready()
        now = time.time()
        with self.db.write() as conn:
            row = conn.execute(select(answers).where(answers.c.id == answer_id).with_for_update()).first()
            if row is None:
                raise ApprovedAnswerNotFound(f"no approved answer {answer_id!r}")
            version = int(row._mapping["version"]) + 1
            conn.execute(answers.update().where(answers.c.id == answer_id)
                         .values(status=status, version=version, updated_at=now, **values))
            self._version(conn, answer_id, version, status, {**dict(row._mapping), **values}, now)
        return self.get(answer_id)

    def get(self, answer_id: str) -> ApprovedAnswer:
        self._ready()
        with self.db.read() as conn:
            row = conn.execute(select(answers).where(answers.c.id == answer_id)).first()
            if row is None:
                raise ApprovedAnswerNotFound(f"no approved answer {answer_id!r}")
            history = conn.execute(select(versions).where(versions.c.answer_id == answer_id)
                                   .order_by(versions.c.version.desc())).all()
        record = _record(row)
        record.history = [{"version": h.version, "status": h.status, "author": h.author, "note": h.note,
                           "at": iso(h.created_at), "question": h.question, "answer_zh": h.answer_zh,
                           "answer_en": h.answer_en, "citations": json.loads(h.citations)} for h in history]
        return record

    def all(self, include_retired: bool = True) -> list[ApprovedAnswer]:
        if not self.exists():
            return []
        self._ready()
        query = select(answers).order_by(answers.c.updated_at.desc())
        if not include_retired:
            query = query.where(answers.c.status == ACTIVE)
        with self.db.read() as conn:
            return [_record(r) for r in conn.execute(query).all()]

    def generation(self) -> tuple[int, float, int]:
        """Changes whenever an answer is added, edited or retired (by this replica or another)."""
        if not self.exists():
            return (0, 0.0, 0)
        self._ready()
        with self.db.read() as conn:
            n, last, total = conn.execute(select(func.count(), func.coalesce(func.max(answers.c.updated_at), 0.0),
                                                 func.coalesce(func.sum(answers.c.version), 0))).one()
        return int(n), float(last), int(total)


def audit(settings: Settings) -> list[dict[str, Any]]:
    """Every active approved answer checked against the corpus files as they are now: ``verdict`` is "ok", "stale:
    …" (a cited sentence changed or disappeared: not served until approved again) or the check it fails. For
    ``corpus check`` and the eval report; [] when there are none (or no database can be reached)."""
    from .corpus import load_corpus

    try:
        records = ApprovedStore.from_settings(settings).all(include_retired=False)
    except BotError:
        return []
    if not records:
        return []
    validator = Validator.from_corpus(load_corpus(settings.corpus_dir), settings.corpus_dir)
    return [{"id": r.id, "question": r.question, "version": r.version, "author": r.author,
             "updated": time.strftime("%Y-%m-%d", time.localtime(r.updated_at)), "citations": ", ".join(r.citations),
             "verdict": validator.audit(r)} for r in records]


# ---------------------------------------------------------------- serving

class Approved:
    """What ``Assistant.ask`` consults before retrieval: the servable answers of the store, re-read when the store
    changes (checked at most every ``refresh_s``) or the index changes (staleness is judged against it)."""

    def __init__(self, store: ApprovedStore, refresh_s: float = 2.0) -> None:
        from .approved_match import Matcher

        self.store = store
        self.refresh_s = refresh_s
        self.matcher = Matcher()
        self._checked = 0.0
        self._key: tuple[Any, ...] | None = None
        self._lock = threading.Lock()
        self.validator: Validator | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Approved":
        return cls(ApprovedStore.from_settings(settings))

    def refresh(self, index: Any, documents: Mapping[str, Any] | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_s and self._key and self._key[0] is index:
            return
        with self._lock:
            self._checked = now
            try:
                generation = self.store.generation()
            except BotError:  # the database is away: keep serving what was loaded
                return
            key = (index, generation)
            if not force and self._key is not None and self._key[0] is index and self._key[1] == generation:
                return
            validator = Validator.from_index(index, documents)
            records = self.store.all(include_retired=False) if generation[0] else []
            for record in records:
                record.stale = validator.stale(record.fingerprints)
            self.matcher.load([r for r in records if r.servable], index.embeddings)
            self.validator, self._key = validator, key

    def before(self, question: str, lang: str, index: Any, extractive: Any) -> "Pending | None":
        """Before retrieval: the approved questions close enough in meaning to ``question`` (None when there are
        none — the usual case, which costs no embedding). Never raises: answering goes on without them."""
        from .approved_match import language_of

        try:
            self.refresh(index, getattr(extractive, "documents", None))
            if not self.matcher.phrasings:
                return None
            language = language_of(question, lang)
            ranked = self.matcher.candidates(question, index.embeddings, language)
        except Exception:  # noqa: BLE001 — an approved answer is a bonus; the assistant still answers
            log.exception("approved answers: lookup failed")
            return None
        return Pending(self, question, language, ranked, index, extractive) if ranked else None


@dataclass
class Pending:
    approved: Approved
    question: str
    language: str
    ranked: list[Any]
    index: Any
    extractive: Any

    def confirm(self, retrieval: Any) -> Any:
        """After retrieval: the approved ``Answer`` when the question's own retrieval agrees with the answer's
        citations, else None."""
        record = self.approved.matcher.decide(self.ranked, retrieval.hits)
        return None if record is None else build_answer(record, self.question, self.language, self.index,
                                                         self.extractive)


def build_answer(record: ApprovedAnswer, question: str, lang: str, index: Any, extractive: Any) -> Any:
    from .answer import Answer, Citation

    validator = Validator.from_index(index)
    documents = getattr(extractive, "documents", {}) or {}
    cites = []
    for n, group in enumerate(validator.groups([s for s in record.citations if s in validator.sentences]), 1):
        units = [u for u in index.paragraphs[validator.sentences[group[0]].paragraph_id] if u.id in group]
        en = [u.en for u in units if u.en]
        pid = units[0].paragraph_id
        cites.append(Citation(n=n, id=pid, label=units[0].label, label_en=units[0].label_en,
                              text=index.paragraph_text(pid), quote="".join(u.zh for u in units),
                              quote_en=" ".join(en) if len(en) == len(units) else None, score=1.0,
                              url=f"/plan#{pid}", document=documents.get(units[0].doc_id),
                              text_en=" ".join(en) if len(en) == len(units) else None,
                              sentence_ids=[u.id for u in units]))
    text = record.text(lang) or ""
    if not _MARKER.search(text):
        text = f"{text.rstrip()} " + "".join(f"[{c.n}]" for c in cites)
    answer = Answer(question=question, language=lang, answer=text, abstained=False, mode="approved",
                    citations=cites, direct=text)
    answer.approved = {"id": record.id, "updated_at": iso(record.updated_at), "version": str(record.version)}
    return answer
