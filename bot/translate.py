"""`python -m bot corpus translate DOC`: draft English renderings of a document with the configured LLM (BOT_LLM).

One record per sentence (and per title and heading) goes into ``corpus/<doc>.en.jsonl``, marked
``"status": "draft"`` with the model's name, for staff to review: a reviewed record drops the status. Records that
already render the document's current text are kept, so a run that stops half-way (an endpoint error) continues
where it stopped when run again, and reviewed renderings are never overwritten; a record whose Chinese no longer
matches the document is drafted again. A draft whose English lacks a number of the Chinese carries a ``check``
note. The prompt asks for the project's style: names in pinyin or their accepted English name followed by the
Chinese in parentheses, the glossary's English for the terms it lists, every figure kept.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from .bilingual import Glossary, read_jsonl, renderings_path
from .config import Settings
from .corpus import Corpus, Document, load_corpus
from .documents import glossary_names
from .errors import BotError, ConfigError
from .text import has_cjk, numbers_in

DRAFT = "draft"
SYSTEM = (
    "You translate one sentence (or heading) of a Chinese local-government document of Nankai District, Tianjin, "
    "into English for residents. Rules: 1. Reply with the English translation only — no notes, no quotes, no "
    "Chinese sentence. 2. Keep every number, unit and date. 3. Render proper names (projects, places, schools, "
    "programmes) in pinyin or their accepted English name followed by the Chinese in parentheses, e.g. \"the "
    "primary school on the Liumalu plot (六马路地块小学)\". 4. Use the glossary's English for the terms it lists. "
    "5. Plain, formal British English, in the future tense for plans (\"the district will …\").")
_WRAP = re.compile(r'^\s*(?:english|translation)\s*[:：]\s*', re.I)


class TranslationFailed(BotError):
    """The LLM failed or gave no usable English part-way through; what was drafted so far is saved."""

    code = "translation_failed"


@dataclass(frozen=True)
class Drafted:
    path: Path
    drafted: int  # records drafted in this run
    kept: int  # records that already rendered the current text
    total: int


def texts_of(doc: Document) -> list[tuple[str, str]]:
    """(rendering ID, Chinese) of everything a document's renderings hold: title, notice title, headings, sentences."""
    out: list[tuple[str, str]] = []
    if doc.title:
        out.append((f"{doc.doc_id}/title", doc.title))
    if doc.meta.get("notice_title"):
        out.append((f"{doc.doc_id}/notice-title", doc.meta["notice_title"]))
    out += [(f"{doc.doc_id}/h{'.'.join(map(str, s.path))}", s.title) for s in doc.sections if s.path != (0,)]
    out += [(s.id, s.text) for s in doc.sentences]
    return out


def find_document(corpus: Corpus, ref: str) -> Document:
    """A document by its ID, its file name or its path."""
    name = Path(ref).name
    for doc in corpus.documents:
        if name in (doc.doc_id, doc.path.name, doc.path.stem):
            return doc
    known = ", ".join(d.doc_id for d in corpus.documents) or "none"
    raise BotError(f"no document {ref!r} in the corpus — use one of: {known}")


class Translator:
    """One chat model, one sentence per call, the glossary's terms for that sentence in the prompt."""

    def __init__(self, chat_model: BaseChatModel, glossary: Glossary | None = None, name: str = "llm") -> None:
        self.chat_model = chat_model
        self.glossary = glossary
        self.name = name

    def messages(self, zh: str) -> list[Any]:
        names = glossary_names(zh, self.glossary) if self.glossary else []
        terms = "\n".join(f"{a} = {b}" for a, b in names)
        prompt = (f"Glossary:\n{terms}\n\n" if terms else "") + f"Chinese:\n{zh}"
        return [SystemMessage(content=SYSTEM), HumanMessage(content=prompt)]

    def run(self, zh: str) -> str:
        """The English of one Chinese text; ValueError when the reply is no English text."""
        reply = self.chat_model.invoke(self.messages(zh))
        text = _WRAP.sub("", str(reply.text).strip()).strip().strip('"“”').strip()
        text = " ".join(text.split())
        if not text or not re.search(r"[A-Za-z]", text) or (has_cjk(text) and not re.search(r"[A-Za-z]{3,}", text)):
            raise ValueError(f"the reply is not an English text: {text[:60]!r}")
        return text


def chat_model_from_settings(settings: Settings) -> tuple[BaseChatModel, str]:
    """The configured chat model and its name; ConfigError (exit 2) when no LLM is configured."""
    if not settings.llm:
        raise ConfigError("no LLM is configured, so no renderings can be drafted — set BOT_LLM (e.g. "
                          "'ollama:qwen2.5:7b', or 'openai:<model>' with BOT_LLM_BASE_URL) and run again")
    from .llm import LLMAnswerer  # the same providers as the answer mode

    return LLMAnswerer.from_settings(settings).chat_model, settings.llm


def draft_renderings(doc: Document, corpus_dir: Path, translator: Translator,
                     on_progress: Callable[[str], None] | None = None, save_every: int = 10) -> Drafted:
    """Draft what ``<doc>.en.jsonl`` lacks (or renders an older text of). The file is written every ``save_every``
    drafts and when an error stops the run (TranslationFailed then says how far it got)."""
    path = renderings_path(corpus_dir, doc.doc_id)
    existing = {str(r.get("id")): r for r in read_jsonl(path)}
    wanted = texts_of(doc)
    records: dict[str, dict[str, Any]] = {rid: r for rid, r in existing.items()}  # never drop what staff wrote
    order = [rid for rid, _ in wanted] + [rid for rid in existing if rid not in dict(wanted)]

    def save() -> None:
        _write(path, [records[rid] for rid in order if rid in records])

    kept = drafted = 0
    for n, (rid, zh) in enumerate(wanted, 1):
        old = existing.get(rid)
        if old is not None and old.get("zh") == zh and str(old.get("en", "")).strip():
            kept += 1
            continue
        try:
            en = translator.run(zh)
        except Exception as exc:  # noqa: BLE001 — any endpoint failure stops the run; the drafts so far are kept
            save()
            raise TranslationFailed(f"the LLM failed on {rid} ({type(exc).__name__}: {exc}) — {drafted} record(s) "
                                    f"drafted and saved to {path.name}; run the command again to continue") from exc
        record: dict[str, Any] = {"id": rid, "zh": zh, "en": en, "status": DRAFT, "model": translator.name}
        missing = [x for x in numbers_in(zh) if x not in numbers_in(en)]
        if missing:
            record["check"] = f"numbers not in the English: {', '.join(missing)}"
        records[rid] = record
        drafted += 1
        if drafted % save_every == 0:
            save()
            if on_progress:
                on_progress(f"{n}/{len(wanted)} drafted or kept")
    save()
    return Drafted(path=path, drafted=drafted, kept=kept, total=len(wanted))


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


def translate_command(settings: Settings, ref: str, on_progress: Callable[[str], None] | None = None,
                      chat_model: BaseChatModel | None = None) -> Drafted:
    """What ``python -m bot corpus translate DOC`` does (``chat_model`` stands in for BOT_LLM in tests)."""
    corpus = load_corpus(settings.corpus_dir)
    doc = find_document(corpus, ref)
    if chat_model is None:
        chat_model, name = chat_model_from_settings(settings)
    else:
        name = settings.llm or type(chat_model).__name__
    glossary = Glossary.load(settings.corpus_dir)
    return draft_renderings(doc, settings.corpus_dir, Translator(chat_model, glossary, name), on_progress)
