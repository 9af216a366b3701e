"""The evaluation set: the case schema, reading it, and new cases built by staff, validated against the corpus
and appended atomically (one writer at a time, across threads and processes)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..bilingual import load_renderings
from ..corpus import Corpus
from ..errors import CaseError
from ..text import detect_language
# the judge's own normalisation, so a fact that validates here is one the judge can find
from .judge import normalise

log = logging.getLogger("bot.evals.cases")

CATEGORIES = ("figures", "lists", "places", "timing", "policies", "followup", "traditional", "mixed",
              "colloquial", "typo", "offtopic", "injection", "unanswerable",
              # written from residents' situations (evals/residents.jsonl, evals/heldout.jsonl)
              "paraphrase", "situation", "place", "list", "figure", "yesno", "exclusion", "multipart", "notice",
              "partial")
EVAL_SET = "questions.jsonl"
# The whole evaluation set, file by file with its split: the held-out part was written before any tuning on
# it and is never tuned on; "tune" is everything else.
EVAL_FILES = (("questions.jsonl", "tune"), ("residents.jsonl", "tune"), ("heldout.jsonl", "heldout"))
_WRITE_LOCK = threading.Lock()  # one writer per process; flock on the lock file covers other processes


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    lang: str
    category: str
    history: list[dict[str, str]]
    gold: list[str]
    facts: list[list[str]]
    abstain: bool
    partial: bool = False  # asks what the plan does not give: right when the answer says so (or abstains)
    split: str = "tune"


def parse_case(rec: dict[str, Any], where: str = "", split: str = "tune") -> Case:
    try:
        case = Case(id=str(rec["id"]), question=str(rec["question"]), lang=str(rec["lang"]),
                    category=str(rec["category"]), history=list(rec.get("history") or []),
                    gold=[str(g) for g in rec.get("gold") or []],
                    facts=[[str(v) for v in (f if isinstance(f, list) else [f])] for f in rec.get("facts") or []],
                    abstain=bool(rec.get("abstain", False)), partial=bool(rec.get("partial", False)),
                    split=split)
    except KeyError as exc:
        raise CaseError(f"{where}: missing field {exc}") from exc
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", case.id):  # ids end up in log lines and file names
        raise CaseError(f"{where}: case id {case.id[:80]!r} must be 1-80 letters, digits, '.', '_' or '-'")
    if not case.question.strip():
        raise CaseError(f"{where} {case.id}: empty question")
    if case.lang not in ("zh", "en"):
        raise CaseError(f"{where} {case.id}: lang must be zh or en")
    if case.category not in CATEGORIES:
        raise CaseError(f"{where} {case.id}: unknown category {case.category!r}")
    if case.partial and case.abstain:
        raise CaseError(f"{where} {case.id}: a case is either partial or must abstain, not both")
    if not case.abstain and not case.partial and (not case.gold or not case.facts):
        raise CaseError(f"{where} {case.id}: an answerable case needs gold sentence IDs and facts")
    return case


def case_record(case: Case) -> dict[str, Any]:
    """A case as its file holds it, in the set's own field order (the split comes from the file, not the line)."""
    record = asdict(case)
    record.pop("split")
    if not case.partial:
        record.pop("partial")
    return record


def load_cases(path: Path, split: str | None = None) -> list[Case]:
    split = split or dict(EVAL_FILES).get(path.name, "tune")
    cases: list[Case] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CaseError(f"{path.name} line {n}: not JSON ({exc.msg})") from exc
            cases.append(parse_case(rec, f"{path.name} line {n}", split))
    return cases


def load_eval_set(evals_dir: Path) -> list[Case]:
    """Every case of the evaluation set (the files of EVAL_FILES that exist), each with its split."""
    cases = [c for name, split in EVAL_FILES if (Path(evals_dir) / name).exists()
             for c in load_cases(Path(evals_dir) / name, split)]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseError(f"case id {case.id!r} occurs twice in {evals_dir} — give one of them a new id")
        seen.add(case.id)
    return cases


def eval_set_path(evals_dir: Path) -> Path:
    return Path(evals_dir) / EVAL_SET


# ---------------------------------------------------------------- new cases


def parse_facts(text: str) -> list[list[str]]:
    """Facts as staff type them: one a line, variants separated by | ("54 | 五十四")."""
    facts = [[v.strip() for v in line.split("|") if v.strip()] for line in (text or "").splitlines()]
    return [f for f in facts if f]


def parse_ids(text: str) -> list[str]:
    return [part for part in (text or "").replace(",", " ").replace("，", " ").split() if part]


def next_id(existing: Iterable[str], lang: str) -> str:
    taken = set(existing)
    n = 1
    while f"{lang}-staff-{n:03d}" in taken:
        n += 1
    return f"{lang}-staff-{n:03d}"


def build_case(question: str, category: str, facts: list[list[str]], gold: list[str], *, abstain: bool = False,
               history: list[dict[str, str]] | None = None, case_id: str = "",
               existing_ids: Iterable[str] = ()) -> dict[str, Any]:
    """An eval-set record (the schema of evals/questions.jsonl); the language is detected from the question."""
    question = " ".join((question or "").split())
    lang = detect_language(question) if question else "zh"
    return {"id": case_id.strip() or next_id(existing_ids, lang), "question": question, "lang": lang,
            "category": category, "history": [dict(t) for t in history or []], "gold": [] if abstain else list(gold),
            "facts": [] if abstain else [list(f) for f in facts], "abstain": abstain}


class CaseChecker:
    """Validates a new case against the schema and the corpus: gold IDs exist, every fact is in a gold sentence."""

    def __init__(self, corpus: Corpus, corpus_dir: Path) -> None:
        self.zh = {s.id: s.text for s in corpus.sentences}
        self.en: dict[str, str] = {}
        for doc in corpus.documents:
            self.en.update({sid: r.en for sid, r in load_renderings(corpus_dir, doc.doc_id).items()})

    def check(self, record: Mapping[str, Any]) -> Case:
        """The parsed case, or CaseError naming the problem and the fix."""
        case = parse_case(dict(record), "new case")
        where = f"new case {case.id}"
        if any(not v.strip() for f in case.facts for v in f) or any(not f for f in case.facts):
            raise CaseError(f"{where}: a fact or one of its variants is empty")
        for turn in case.history:
            if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or not turn.get("content"):
                raise CaseError(f"{where}: history turns need a role (user or assistant) and content")
        if case.abstain:
            return case
        unknown = [g for g in case.gold if g not in self.zh]
        if unknown:
            raise CaseError(f"{where}: gold sentence IDs not in the corpus: {', '.join(unknown)} — "
                            "use IDs such as nankai-2024-plan/2.4.1.4 (see /plan)")
        texts = [normalise(t) for g in case.gold for t in (self.zh[g], self.en.get(g, ""))]
        for fact in case.facts:
            if not any(normalise(v) in t for v in fact for t in texts):
                raise CaseError(f"{where}: fact {' | '.join(fact)!r} occurs in none of the gold sentences "
                                "(Chinese or English) — add a variant as the plan words it, or another gold sentence")
        return case


class DuplicateId(CaseError):
    """The eval set already has a case with this id."""


# ---------------------------------------------------------------- atomic, locked writes


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Threads of this process, then other processes (flock on a lock file beside the eval set)."""
    with _WRITE_LOCK:
        fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


def write_atomic(path: Path, data: bytes) -> None:
    """The whole new file to a temp file in the same folder, fsync, then os.replace: all or nothing."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def append_case(path: Path, record: Mapping[str, Any]) -> Case:
    """Add one case to the eval set at ``path`` (schema-checked, id unique); the file is replaced atomically,
    so readers see the old set or the new one, never half a file; on any error the old file stays as it was."""
    path = Path(path)
    case = parse_case(dict(record), path.name)
    line = json.dumps(case_record(case), ensure_ascii=False).encode("utf-8") + b"\n"
    with locked(path):
        old = path.read_bytes() if path.exists() else b""
        if any(c.id == case.id for c in (load_cases(path) if old else [])):
            raise DuplicateId(f"{path.name}: a case with id {case.id!r} already exists — choose another id")
        write_atomic(path, old + (b"\n" if old and not old.endswith(b"\n") else b"") + line)
    log.info("eval set %s: added case %s", path, case.id)
    return case


def add_case(path: Path, checker: CaseChecker, question: str, category: str, facts: list[list[str]],
             gold: list[str], *, abstain: bool = False, history: list[dict[str, str]] | None = None,
             case_id: str = "") -> Case:
    """Build, validate and append a case; a new id is the next free ``<lang>-staff-NNN``."""
    for attempt in range(3):
        existing = [c.id for c in load_cases(path)] if path.exists() else []
        record = build_case(question, category, facts, gold, abstain=abstain, history=history, case_id=case_id,
                            existing_ids=existing)
        checker.check(record)
        try:
            return append_case(path, record)
        except DuplicateId:
            if case_id or attempt == 2:  # a chosen id is the staff's to change; a generated one is retried
                raise
    raise AssertionError("unreachable")
