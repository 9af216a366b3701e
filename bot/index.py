"""The index as data: units (sentences with what a citation needs), BM25 over zh and en, IDF, the manifest and
the vectors' collection — and the folder layout that holds one build.

A build folder describes itself (``manifest.json``) and ``Index.load(folder, ...)`` reloads it from the folder
alone; ``bot.build`` writes builds aside and swaps them in.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from .bilingual import Glossary, load_renderings
from .corpus import Corpus, Document, Paragraph
from .embed import BotEmbeddings
from .errors import IndexNotReady, VectorStoreUnavailable
from .items import PlanItem
from .text import en_tokens, zh_tokens
from .vectors import VectorStore, unreachable

FORMAT_VERSION = 15  # 15: "have" / "has" / "had" stopped (they matched only the brand "Lucky to Have You"); 14: more chat words stopped ("getting", "can't", "a lot"); 13: a possessive is its word ("district's"); 12: economy/economic stem together
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
ENTRY_SEP = "|"
LONG_EN = 1000  # characters of English (and of Chinese, below) past which a sentence is also embedded in pieces
LONG_ZH = 300
_EN_BREAK = re.compile(r"(?<=[.;])\s+")
_ZH_BREAK = re.compile(r"(?<=[。；])")


@dataclass(frozen=True)
class Unit:
    """One retrievable sentence with what an answer needs to cite it."""

    id: str
    doc_id: str
    paragraph_id: str
    n: int
    zh: str
    en: str | None
    topic: str
    label: str
    label_en: str
    keywords: str = ""  # its plan items' keywords, both languages: residents' words for the things it names


# ---------------------------------------------------------------- units from the corpus


def corpus_hash(corpus_dir: Path) -> str:
    digest = hashlib.sha256(f"format={FORMAT_VERSION}".encode())
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(corpus_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _label_en(doc: Document, para: Paragraph, renderings: dict, part_en: str = "", name: str = "") -> str:
    """"II.1 Topic, para 1"; with several documents loaded it names the document ("2025 plan · II.1 …"), and a
    part whose heading names another year than the document's shows that year ("II.1 [2025] …")."""
    from .documents import name_label_en

    path = para.section_path
    if path == (0,):
        return name_label_en("Notice" if para.topic == "通知" else "Preamble", "", name)
    parts = [ROMAN[path[0]] if path[0] < len(ROMAN) else str(path[0])]
    if len(path) > 1:
        parts[0] += f".{path[1]}"
    lead = renderings.get(f"{para.id}.1")
    if para.sentences and para.topic == para.sentences[0].text.rstrip("。") and lead:
        topic = lead.en.rstrip(". ")
    else:
        heading = renderings.get(f"{doc.doc_id}/h{'.'.join(map(str, path))}")
        topic = heading.en if heading else para.topic
    return name_label_en(f"{parts[0]} {topic}, para {para.n}", part_en, name)


def corpus_units(corpus: Corpus, corpus_dir: Path) -> list[Unit]:
    """The sentences as units. The plan alone keeps its labels ("二、1. 激活科教创新澎湃动能"); with several
    documents loaded each label starts with its document's short name ("2024年计划 · 二、1. …")."""
    from .documents import load_infos, name_label, short_names, year_part, years_in

    infos, _ = load_infos(corpus, corpus_dir)
    several = len(corpus.documents) > 1
    names_zh = short_names(infos, "zh") if several else {}
    names_en = short_names(infos, "en") if several else {}
    units: list[Unit] = []
    for doc in corpus.documents:
        renderings = load_renderings(corpus_dir, doc.doc_id)
        for para in doc.paragraphs:
            part = year_part(doc, para, infos[doc.doc_id])
            part_heading = renderings.get(f"{doc.doc_id}/h{part.path[0]}") if part else None
            part_en = (part_heading.en if part_heading else str(years_in(part.title)[0])) if part else ""
            label = name_label(para.label, part, names_zh.get(doc.doc_id, ""))
            label_en = _label_en(doc, para, renderings, part_en, names_en.get(doc.doc_id, ""))
            for s in para.sentences:
                r = renderings.get(s.id)
                units.append(Unit(id=s.id, doc_id=doc.doc_id, paragraph_id=para.id, n=s.n, zh=s.text,
                                  en=r.en if r else None, topic=para.topic, label=label, label_en=label_en))
    return units


Keywords = dict[str, tuple[list[str], list[str]]]  # sentence id -> its plan items' keywords (zh, en)


def item_keywords(items: list[PlanItem]) -> Keywords:
    """The words residents use for each sentence's plan items ("助餐", "seniors' meals"), by sentence."""
    out: Keywords = {}
    for item in items:
        zh, en = out.setdefault(item.sentence, ([], []))
        zh.extend(w for w in item.keywords_zh if w not in zh)
        en.extend(w for w in item.keywords_en if w not in en)
    return out


def _with_new_words(tokens: list[str], extra: list[str]) -> list[str]:
    """The sentence's tokens and, once each, the keyword tokens it does not have: keywords add a resident's words
    for a thing, not weight to the words the sentence already says."""
    have = set(tokens)
    return tokens + [t for t in dict.fromkeys(extra) if t not in have]


def _zh_doc_tokens(unit: Unit, keywords: Keywords | None = None) -> list[str]:
    extra = [t for w in (keywords or {}).get(unit.id, ([], []))[0] for t in zh_tokens(w)]
    return _with_new_words(zh_tokens(unit.zh), extra) or ["∅"]


def _en_doc_tokens(unit: Unit, glossary: Glossary, keywords: Keywords | None = None) -> list[str]:
    # The rendering and every English name of the glossary terms in the sentence: residents' English words
    # reach a sentence whose rendering chose another name, and Chinese-only documents stay reachable at all.
    extra = [t for w in (keywords or {}).get(unit.id, ([], []))[1] for t in en_tokens(w)]
    text = f"{unit.en or ''} {' '.join(glossary.en_names_for_chinese(unit.zh))}"
    return _with_new_words(en_tokens(text), extra) or ["∅"]


def _chunks(text: str, size: int, split: re.Pattern[str], joiner: str = "") -> list[str]:
    """A long text in consecutive pieces of about ``size`` characters, cut where ``split`` matches (the parts of a
    piece joined again with ``joiner``, the space the English break consumed)."""
    pieces, current = [], ""
    for part in split.split(text):
        if current and len(current) + len(part) > size:
            pieces.append(current)
            current = ""
        current = f"{current}{joiner}{part}" if current else part
    return pieces + [current] if current else pieces


def _passage_texts(unit: Unit) -> list[tuple[str, str]]:
    """(suffix, text) pairs embedded for one unit: the Chinese with its topic, and the English; a sentence too long
    for one embedding to hold all it says (the preamble's 24 tasks) also as pieces ("en.1", …), so that a question
    about one of its tasks finds it."""
    out = [("zh", f"{unit.topic}：{unit.zh}" if unit.topic and not unit.zh.startswith(unit.topic) else unit.zh)]
    if len(unit.zh) > LONG_ZH:
        out += [(f"zh.{i}", piece) for i, piece in enumerate(_chunks(unit.zh, LONG_ZH // 2, _ZH_BREAK), 1)]
    if unit.en:
        out.append(("en", unit.en))
        if len(unit.en) > LONG_EN:
            out += [(f"en.{i}", piece) for i, piece in enumerate(_chunks(unit.en, LONG_EN // 2, _EN_BREAK, " "), 1)]
    return out


def entry_language(entry: str) -> str:
    """The language ("zh" or "en") of an ``entry_id``'s passage, whole or a piece of it."""
    return entry.rsplit(ENTRY_SEP, 1)[-1].split(".")[0]


def entry_id(unit_id: str, lang: str) -> str:
    """The vector store's id for one embedded passage of a unit (its Chinese or its English)."""
    return f"{unit_id}{ENTRY_SEP}{lang}"


def unit_of_entry(entry: str) -> str:
    """The unit id an ``entry_id`` was made from."""
    return entry.rsplit(ENTRY_SEP, 1)[0]


def passages(units: list[Unit]) -> list[tuple[str, str, dict[str, Any]]]:
    """(entry id, text, metadata) of every passage embedded for ``units``."""
    return [(entry_id(u.id, suffix), text, {"unit": i, "lang": suffix})
            for i, u in enumerate(units) for suffix, text in _passage_texts(u)]


@dataclass(frozen=True)
class Layout:
    """The files of one build folder, named once: ``Layout.of(folder)``."""

    folder: Path
    manifest: Path
    units: Path
    df: Path
    bm25_zh: Path
    bm25_en: Path
    chroma: Path

    @classmethod
    def of(cls, folder: Path) -> "Layout":
        names = {"manifest": "manifest.json", "units": "units.json", "df": "df.json", "bm25_zh": "bm25_zh",
                 "bm25_en": "bm25_en", "chroma": "chroma"}
        return cls(folder=folder, **{key: folder / name for key, name in names.items()})


# ---------------------------------------------------------------- the loaded index


@dataclass
class Manifest:
    format_version: int
    corpus_hash: str
    embedder: str
    chroma: str  # "embedded" or the server URL
    collection: str
    build: str
    built_at: float
    documents: int
    sentences: int
    entries: int
    build_seconds: float
    embedded: int  # passages embedded in this build (the rest came from the cache)


class Idf:
    """Inverse document frequencies of zh and en tokens over the sentences (unknown words weigh most)."""

    def __init__(self, n: int, df_zh: dict[str, int], df_en: dict[str, int]) -> None:
        self.n = max(n, 1)
        self.df_zh = df_zh
        self.df_en = df_en

    @classmethod
    def from_units(cls, units: list["Unit"], glossary: Glossary) -> "Idf":
        df_zh: dict[str, int] = {}
        df_en: dict[str, int] = {}
        for u in units:
            for t in set(_zh_doc_tokens(u)):
                df_zh[t] = df_zh.get(t, 0) + 1
            for t in set(_en_doc_tokens(u, glossary)):
                df_en[t] = df_en.get(t, 0) + 1
        return cls(len(units), df_zh, df_en)

    def _idf(self, df: int) -> float:
        return float(np.log(1.0 + self.n / (1.0 + df)))

    def zh(self, token: str) -> float:
        return self._idf(self.df_zh.get(token, 0))

    def en(self, token: str) -> float:
        return self._idf(self.df_en.get(token, 0))


class Index:
    """A loaded build: units, BM25 indexes, IDF and the vector store."""

    def __init__(self, folder: Path, manifest: Manifest, units: list[Unit], bm25_zh: bm25s.BM25,
                 bm25_en: bm25s.BM25, vectors: VectorStore, embeddings: BotEmbeddings, idf: Idf) -> None:
        self.folder = folder
        self.manifest = manifest
        self.units = units
        self.position = {u.id: i for i, u in enumerate(units)}
        self.bm25_zh = bm25_zh
        self.bm25_en = bm25_en
        self.vectors = vectors
        self.embeddings = embeddings
        self.idf = idf
        self.paragraphs: dict[str, list[Unit]] = {}
        for u in units:
            self.paragraphs.setdefault(u.paragraph_id, []).append(u)

    # -- writing and reading a build folder
    @staticmethod
    def save_tables(layout: Layout, units: list[Unit], glossary: Glossary, keywords: Keywords | None = None) -> Idf:
        """Write the units, both BM25 indexes (over each sentence and its items' keywords) and the document
        frequencies of a new build; returns the IDF."""
        _bm25([_zh_doc_tokens(u, keywords) for u in units]).save(str(layout.bm25_zh), show_progress=False)
        _bm25([_en_doc_tokens(u, glossary, keywords) for u in units]).save(str(layout.bm25_en), show_progress=False)
        units = [replace(u, keywords=" ".join(w for side in (keywords or {}).get(u.id, ([], [])) for w in side))
                 for u in units]
        layout.units.write_text(json.dumps([asdict(u) for u in units], ensure_ascii=False), encoding="utf-8")
        idf = Idf.from_units(units, glossary)
        layout.df.write_text(json.dumps({"zh": idf.df_zh, "en": idf.df_en}, ensure_ascii=False), encoding="utf-8")
        return idf

    @staticmethod
    def save_manifest(layout: Layout, manifest: Manifest) -> None:
        layout.manifest.write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")

    @staticmethod
    def read_manifest(folder: Path) -> Manifest | None:
        try:
            return Manifest(**json.loads(Layout.of(folder).manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def load(cls, folder: Path, embeddings: BotEmbeddings, chroma_url: str = "") -> "Index":
        """The build in ``folder``, checked: raises IndexNotReady (damaged, with the fix) or
        VectorStoreUnavailable (the Chroma server does not answer)."""
        layout = Layout.of(folder)
        manifest = cls.read_manifest(folder)
        if manifest is None:
            raise IndexNotReady(f"{layout.manifest} is missing or unreadable — run `python -m bot index --rebuild`")
        try:
            units = [Unit(**u) for u in json.loads(layout.units.read_text(encoding="utf-8"))]
            bm25_zh = bm25s.BM25.load(str(layout.bm25_zh), show_progress=False, verbosity=0)
            bm25_en = bm25s.BM25.load(str(layout.bm25_en), show_progress=False, verbosity=0)
            df = json.loads(layout.df.read_text(encoding="utf-8"))
            idf = Idf(len(units), df["zh"], df["en"])
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexNotReady(f"{folder} is damaged ({exc.__class__.__name__}) — "
                                "run `python -m bot index --rebuild`") from exc
        if len(units) != manifest.sentences:
            raise IndexNotReady(f"{folder} is damaged (units do not match the manifest) — "
                                "run `python -m bot index --rebuild`")
        try:
            store = VectorStore.open(chroma_url, layout.chroma, manifest.collection, embeddings)
            count = store.count()
            if count == manifest.entries:
                store.probe()
        except VectorStoreUnavailable:
            raise
        except Exception as exc:
            if chroma_url and unreachable(exc):
                raise VectorStoreUnavailable(f"the Chroma server at {chroma_url} does not answer "
                                             f"({exc.__class__.__name__}: {exc}) — start it with `chroma run` "
                                             "or unset BOT_CHROMA_URL") from exc
            raise IndexNotReady(f"{layout.chroma} is damaged ({exc.__class__.__name__}) — "
                                "run `python -m bot index --rebuild`") from exc
        if count != manifest.entries:
            raise IndexNotReady(f"the vector store holds {count} of {manifest.entries} vectors — "
                                "run `python -m bot index --rebuild`")
        return cls(folder, manifest, units, bm25_zh, bm25_en, store, embeddings, idf)

    # -- serving
    def ping(self) -> None:
        """Raise when the vector store does not answer."""
        self.vectors.ping()

    def close(self) -> None:
        """Release the vector store's client. Chroma counts the clients of one folder, so an index loaded again
        from the same folder keeps working."""
        self.vectors.close()

    def paragraph_text(self, paragraph_id: str) -> str:
        return "".join(u.zh for u in self.paragraphs.get(paragraph_id, []))

    def bm25_scores(self, which: str, tokens: list[str]) -> np.ndarray:
        model = self.bm25_zh if which == "zh" else self.bm25_en
        known = [t for t in tokens if t in model.vocab_dict]
        if not known:
            return np.zeros(len(self.units), dtype=np.float32)
        return np.asarray(model.get_scores(known), dtype=np.float32)


def _bm25(token_lists: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(token_lists, show_progress=False)
    return model
