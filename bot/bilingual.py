"""English renderings aligned to Chinese sentence IDs, the bilingual glossary and the key figures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError
from .text import EN_STOP, add_words

GLOSSARY_FILE = "glossary.jsonl"
FIGURES_FILE = "figures.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a .jsonl data file in corpus/ ([] when it is missing); DataFileError names a bad line."""
    records: list[dict] = []
    if not path.exists():
        return records
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{path.name} line {n}: not valid JSON ({exc.msg}) — fix or delete the line") from exc
        if not isinstance(record, dict):
            raise DataFileError(f"{path.name} line {n}: expected a JSON object")
        records.append(record)
    return records


@dataclass(frozen=True)
class Rendering:
    id: str
    zh: str
    en: str
    segments: tuple[tuple[str, str], ...] = ()  # clause-aligned (zh span, en span) pairs, when the file has them


def renderings_path(corpus_dir: Path, doc_id: str) -> Path:
    return corpus_dir / f"{doc_id}.en.jsonl"


def load_renderings(corpus_dir: Path, doc_id: str) -> dict[str, Rendering]:
    """English renderings of one document, by sentence or heading ID ({} when it has none)."""
    out: dict[str, Rendering] = {}
    path = renderings_path(corpus_dir, doc_id)
    for n, rec in enumerate(read_jsonl(path), 1):
        if not {"id", "zh", "en"} <= rec.keys():
            raise DataFileError(f"{path.name} record {n}: needs the keys id, zh and en")
        segments = tuple((str(seg.get("zh", "")), str(seg.get("en", ""))) for seg in rec.get("segments") or ()
                         if isinstance(seg, dict))
        out[rec["id"]] = Rendering(id=rec["id"], zh=rec["zh"], en=rec["en"], segments=segments)
    return out


def _unhyphen(text: str) -> str:
    """A hyphen between letters read as a space, offsets kept: "energy-saving" and "energy saving" are one name."""
    return re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)


@dataclass(frozen=True)
class Term:
    zh: str
    en: tuple[str, ...]
    kind: str
    zh_variants: tuple[str, ...] = ()  # everyday words residents use for it (外卖 for 新就业形态)
    look_alikes: tuple[str, ...] = ()  # names that look like it but name another thing ("food safety", 粮食安全)

    @property
    def preferred_en(self) -> str:
        return self.en[0]


_LOADED: dict[tuple[str, int, int], "Glossary"] = {}


class Glossary:
    """Key terms both ways; used to expand questions across languages and to teach jieba names."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self.by_zh = {t.zh: t for t in terms}
        named = {(_unhyphen(v.lower()), t.zh) for t in terms for v in t.en if v.strip() and v.lower() not in EN_STOP}
        # a name of several words in the plural is said in the singular too ("car parks": "a car park near me")
        named |= {(re.sub(r"(?<=[^s])s$", "", v), zh) for v, zh in named if " " in v and re.search(r"[a-z]{3}[^s]s$", v)}
        variants = sorted(named, key=lambda p: -len(p[0]))
        self._en_to_zh: dict[str, list[str]] = {}
        for variant, zh in variants:
            self._en_to_zh.setdefault(variant, []).append(zh)
        alternation = "|".join(re.escape(v) for v in self._en_to_zh)
        self._en_re = re.compile(rf"(?<![a-z0-9])(?:{alternation})(?:e?s)?(?![a-z0-9])") if alternation else None
        self._zh_sorted = sorted(self.by_zh, key=len, reverse=True)
        self._zh_variants: dict[str, list[str]] = {}
        for t in terms:
            for v in t.zh_variants:
                self._zh_variants.setdefault(v, []).append(t.zh)
        self._variants_sorted = sorted(self._zh_variants, key=len, reverse=True)
        # each look-alike (longest first) with the pattern that finds it and the term's own names, said in a question
        self._look_alikes = [(name, re.compile(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])") if name.isascii() else None,
                              re.compile("|".join(rf"(?<![a-z]){re.escape(e.lower())}" for e in t.en)), t)
                             for t in terms for name in sorted(t.look_alikes, key=len, reverse=True)]

    @classmethod
    def load(cls, corpus_dir: Path) -> "Glossary":
        """The glossary file's terms, with jieba taught its names. The same file unchanged (path, size, mtime) gives
        the same Glossary: the index load and the answerer both load it, and its patterns take a while to compile."""
        path = corpus_dir / GLOSSARY_FILE
        try:
            st = path.stat()
            key: tuple[str, int, int] | None = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        except OSError:
            key = None
        if key is not None and key in _LOADED:
            return _LOADED[key]
        glossary = cls._read(path)
        if key is not None:
            _LOADED.clear()  # (one corpus at a time in a process; tests load many)
            _LOADED[key] = glossary
        return glossary

    @classmethod
    def _read(cls, path: Path) -> "Glossary":
        terms: list[Term] = []
        for n, rec in enumerate(read_jsonl(path), 1):
            en = rec.get("en")
            if isinstance(en, str):
                en = [en]
            if not rec.get("zh") or not en:
                raise DataFileError(f"{path.name} record {n}: needs 'zh' and a non-empty 'en'")
            terms.append(Term(zh=str(rec["zh"]), en=tuple(str(e) for e in en), kind=str(rec.get("kind", "term")),
                              zh_variants=tuple(str(v) for v in rec.get("zh_variants") or ()),
                              look_alikes=tuple(str(v) for v in rec.get("look_alikes") or ())))
        glossary = cls(terms)
        add_words(t.zh for t in terms)
        add_words(v for t in terms for v in t.zh_variants)
        return glossary

    def __len__(self) -> int:
        return len(self.terms)

    def english_matches(self, text: str) -> dict[str, list[str]]:
        """Chinese terms whose English variants occur in a text, with the matched English words."""
        found: dict[str, list[str]] = {}
        if self._en_re is None:
            return found
        lower = text.lower()
        for m in self._en_re.finditer(_unhyphen(lower)):  # "energy-saving" is "energy saving"
            key = m.group(0)
            for term in self._en_to_zh.get(key) or self._en_to_zh.get(re.sub(r"e?s$", "", key)) or []:
                found.setdefault(term, []).append(lower[m.start():m.end()])
        return found

    def zh_for_english(self, text: str) -> list[str]:
        """Chinese terms whose English variants occur in an English text (longest match first)."""
        return list(self.english_matches(text))

    def look_alike(self, text: str, documents_lower: str) -> str:
        """A name in a question that looks like a term's but names something else, which the documents (their text
        in lower case) never name: "food safety" beside 粮食安全 (food security), 小巨人 beside 专精特新 ("" when none,
        or when the question also says one of the term's own names). A look-alike expands to nothing: it is
        reported, not searched for."""
        lower = text.lower()
        for name, pattern, own, term in self._look_alikes:
            if not (pattern.search(lower) if pattern else name in text) or name.lower() in documents_lower:
                continue
            rest = pattern.sub(" ", lower) if pattern else text.replace(name, " ")  # (胸痛 inside 胸痛中心 is not the term)
            if term.zh not in rest and not own.search(rest) and not any(v in rest for v in term.zh_variants):
                return name
        return ""

    def variant_matches(self, text: str) -> dict[str, list[str]]:
        """Everyday Chinese words in a text that stand for glossary terms: {variant: [term, ...]}."""
        found: dict[str, list[str]] = {}
        rest = text
        for variant in self._variants_sorted:
            if variant in rest:
                found[variant] = self._zh_variants[variant]
                rest = rest.replace(variant, " ")
        return found

    def terms_in(self, text: str) -> list[Term]:
        """The glossary terms found in a Chinese text (longest first, no overlaps)."""
        found: list[Term] = []
        rest = text
        for zh in self._zh_sorted:
            if zh in rest:
                found.append(self.by_zh[zh])
                rest = rest.replace(zh, " ")
        return found

    def en_names_for_chinese(self, text: str) -> list[str]:
        """Every English name (preferred and variants) of the Chinese terms found in a Chinese text."""
        return [name for term in self.terms_in(text) for name in term.en]

    def en_for_chinese(self, text: str) -> list[str]:
        """Preferred English for the Chinese terms found in a Chinese text (longest first, no overlaps)."""
        return [term.preferred_en for term in self.terms_in(text)]


@dataclass(frozen=True)
class Figure:
    id: str
    sentence_id: str
    value: str
    value_en: str
    unit: str
    measure_zh: str
    measure_en: str
    keywords_zh: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()


def load_figures(corpus_dir: Path) -> list[Figure]:
    path = corpus_dir / FIGURES_FILE
    out: list[Figure] = []
    for n, rec in enumerate(read_jsonl(path), 1):
        try:
            out.append(Figure(id=rec["id"], sentence_id=rec["sentence"], value=rec["value"], value_en=rec["value_en"],
                              unit=rec.get("unit", ""), measure_zh=rec["measure_zh"], measure_en=rec["measure_en"],
                              keywords_zh=tuple(rec.get("keywords_zh", ())),
                              keywords_en=tuple(rec.get("keywords_en", ()))))
        except KeyError as exc:
            raise DataFileError(f"{path.name} record {n}: missing key {exc} — see corpus/README.md") from exc
    return out

