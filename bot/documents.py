"""What each document is: ID, title (zh/en), kind, year, issue date — read from the document itself, with an
optional sidecar ``<doc>.meta.json`` beside it — and how citations, labels and answers name documents and years.

Read from the document: the title (the notice's 《…》 or the first line), the kind from the title (…计划 → plan,
…报告 → work report, …通知 → notice, anything else → other), the year from the title (2025年 or 二〇二五年), else
the file name, else the issue date; the issue date from the notice's date line or a date among the first lines.
A sidecar overrides any of ``title``, ``title_en``, ``kind``, ``year``, ``issued`` (YYYY-MM-DD), ``issuer``:

    corpus/nankai-2024-work-report.meta.json  {"title_en": "Nankai District 2024 Government Work Report"}

When more than one document is loaded, every citation label starts with the document's short name
("2025年计划 · 二、1. …", "2025 plan · II.1 …"); the search reads the documents' years and kinds back from those
labels (``label_document``), so it needs nothing beyond the index.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bilingual import Glossary, read_jsonl, renderings_path
from .corpus import Corpus, Document, Paragraph, Section
from .errors import DataFileError

KINDS = ("plan", "work report", "notice", "other")
KIND_ZH = {"plan": "计划", "work report": "工作报告", "notice": "通知", "other": "文件"}
KIND_EN = {"plan": "plan", "work report": "work report", "notice": "notice", "other": "document"}
SIDECAR_KEYS = ("title", "title_en", "kind", "year", "issued", "issuer")
SEP = " · "  # between a label's document name, part and topic

_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
           "七": "7", "八": "8", "九": "9"}
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?=\s*年)")  # "2024年", not "2000个"
_NAME_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")  # a file name or ID: "nankai-2024-plan"
_YEAR_HANZI = re.compile(r"([一二][〇零○一二三四五六七八九]{3})年")
_DATE = re.compile(r"(?<!\d)(19\d\d|20\d\d)年(\d{1,2})月(\d{1,2})日")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SHORT = re.compile(r"^(\d{4})年(计划|工作报告|通知|文件)$")
# the parts of a title rendered in English ("南开区2025年国民经济和社会发展计划")
_TITLE = re.compile(r"^(?P<place>天津市南开区|南开区)?(?P<gov>人民政府)?(?P<year>\d{4})年(?P<rest>.+)$")
_PLACES = {"天津市南开区": "Nankai District, Tianjin", "南开区": "Nankai District"}
_PHRASES = {"国民经济和社会发展计划": "National Economic and Social Development Plan",
            "国民经济和社会发展计划执行情况": "Report on the Implementation of the National Economic and Social "
                                              "Development Plan",
            "政府工作报告": "Government Work Report", "工作报告": "Work Report", "工作总结": "Work Summary",
            "民生实事项目": "Projects for the People's Wellbeing", "重点项目": "Key Projects"}


@dataclass(frozen=True)
class DocumentInfo:
    """One loaded document as citations, answers and ``GET /api/documents`` name it."""

    id: str
    title: str
    title_en: str
    year: int | None
    kind: str = "other"  # plan | work report | notice | other
    issued: str | None = None  # YYYY-MM-DD
    issuer: str = ""
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        """What a citation carries (the API contract): id, title, title_en, year."""
        return {"id": self.id, "title": self.title, "title_en": self.title_en, "year": self.year}

    def record(self) -> dict[str, Any]:
        """Everything known about the document, for ``corpus check --json`` and ``GET /api/documents``."""
        return {**self.as_dict(), "kind": self.kind, "issued": self.issued, "issuer": self.issuer, "file": self.file}

    def short_name(self, lang: str) -> str:
        """"2025年计划" / "2025 plan" — the title when the year is unknown or the kind is other."""
        if self.year is None or self.kind == "other":
            return f"《{self.title}》" if lang == "zh" else self.title_en
        return f"{self.year}年{KIND_ZH[self.kind]}" if lang == "zh" else f"{self.year} {KIND_EN[self.kind]}"

    def full_name(self, lang: str) -> str:
        """"《南开区2024年国民经济和社会发展计划》" / "the Nankai District 2024 … Plan"."""
        return f"《{self.title}》" if lang == "zh" else f"the {self.title_en}"


# ---------------------------------------------------------------- reading a document's metadata


def _hanzi_years(text: str) -> list[int]:
    return [int("".join(_DIGITS[c] for c in m.group(1))) for m in _YEAR_HANZI.finditer(text)]


def years_in(text: str) -> list[int]:
    """The years a Chinese text names: 2024年, 二〇二五年 (in order, once each; "2000个" is no year)."""
    return list(dict.fromkeys([int(y) for y in _YEAR.findall(text)] + _hanzi_years(text)))


def name_years(name: str) -> list[int]:
    """The years in a file name or document ID ("nankai-2024-plan" → [2024])."""
    return [int(y) for y in _NAME_YEAR.findall(name)]


def kind_of(title: str) -> str:
    """plan | work report | notice | other, from a title."""
    if "报告" in title:
        return "work report"
    if title.endswith(("通知", "公告", "通告")):
        return "notice"
    if re.search(r"计划|规划|纲要", title):
        return "plan"
    return "other"


def english_title(title: str, kind: str, year: int | None) -> str:
    """An English title built from the Chinese one's parts (place, year, the kind of document); a title with
    parts it does not know keeps its Chinese in parentheses: "2024 document (南开区2024年…清单)"."""
    m = _TITLE.match(title)
    if m and m.group("rest") in _PHRASES:
        place = _PLACES.get(m.group("place") or "", "")
        gov = " People's Government" if m.group("gov") else ""
        return " ".join(p for p in (f"{place}{gov}".strip(), m.group("year"), _PHRASES[m.group("rest")]) if p)
    described = " ".join(p for p in (str(year) if year else "", KIND_EN[kind]) if p)
    return f"{described[:1].upper()}{described[1:]} ({title})"


def sidecar_path(doc: Document) -> Path:
    """``<file stem>.meta.json`` beside the document (``<doc id>.meta.json`` also counts)."""
    folder = doc.path.parent
    name = doc.path.name
    stem = name[: -len(doc.path.suffix)] if doc.path.suffix else name
    for candidate in (folder / f"{stem}.meta.json", folder / f"{doc.doc_id}.meta.json"):
        if candidate.exists():
            return candidate
    return folder / f"{stem}.meta.json"


def _iso(value: str) -> str | None:
    m = _ISO.match(value) or _DATE.search(value)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def read_sidecar(doc: Document) -> dict[str, Any]:
    """The checked contents of a document's sidecar ({} when it has none); DataFileError names what is wrong."""
    path = sidecar_path(doc)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"{path.name}: not readable JSON ({exc}) — fix it or delete it") from exc
    if not isinstance(data, dict):
        raise DataFileError(f"{path.name}: expected a JSON object such as {{\"kind\": \"plan\", \"year\": 2025}}")
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    if unknown:
        raise DataFileError(f"{path.name}: unknown key(s) {', '.join(unknown)} — use {', '.join(SIDECAR_KEYS)}")
    if "kind" in data and data["kind"] not in KINDS:
        raise DataFileError(f"{path.name}: kind {data['kind']!r} is not one of {', '.join(KINDS)}")
    if "year" in data and not (isinstance(data["year"], int) and 1900 <= data["year"] <= 2100):
        raise DataFileError(f"{path.name}: year {data['year']!r} is not a year such as 2025")
    if "issued" in data:
        iso = _iso(str(data["issued"]))
        if iso is None:
            raise DataFileError(f"{path.name}: issued {data['issued']!r} is not a date such as 2025-01-20")
        data["issued"] = iso
    for key in ("title", "title_en", "issuer"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            raise DataFileError(f"{path.name}: {key} must be non-empty text")
    return data


def _issued(doc: Document) -> str | None:
    if doc.meta.get("date_iso"):
        return doc.meta["date_iso"]
    for line in doc.clean_lines[:8]:
        m = _DATE.search(line)
        if m:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def read_info(doc: Document, title_en: str | None = None, sidecar: Mapping[str, Any] | None = None) -> DocumentInfo:
    """A document's metadata: the sidecar's values, else what the document says (``title_en``: its rendered
    title, when the renderings have one)."""
    side = dict(sidecar or {})
    title = side.get("title") or doc.title or doc.doc_id
    kind = side.get("kind") or kind_of(title)
    issued = side.get("issued") or _issued(doc)
    found = years_in(title) or name_years(doc.doc_id) or ([int(issued[:4])] if issued else [])
    year = side.get("year") or (found[0] if found else None)
    english = side.get("title_en") or title_en or english_title(title, kind, year)
    return DocumentInfo(id=doc.doc_id, title=title, title_en=english, year=year, kind=kind, issued=issued,
                        issuer=side.get("issuer") or doc.meta.get("issuer", ""), file=doc.path.name)


def load_infos(corpus: Corpus, corpus_dir: Path) -> tuple[dict[str, DocumentInfo], list[str]]:
    """Every document's metadata by ID, and the problems found (a bad sidecar is reported and ignored)."""
    infos: dict[str, DocumentInfo] = {}
    problems: list[str] = []
    for doc in corpus.documents:
        try:
            sidecar = read_sidecar(doc)
        except DataFileError as exc:
            problems.append(str(exc))
            sidecar = {}
        title_en = _rendered_title(corpus_dir, doc.doc_id)
        infos[doc.doc_id] = read_info(doc, title_en, sidecar)
    return infos, problems


def _rendered_title(corpus_dir: Path, doc_id: str) -> str | None:
    try:
        records = read_jsonl(renderings_path(corpus_dir, doc_id))
    except DataFileError:
        return None
    return next((str(r["en"]) for r in records if r.get("id") == f"{doc_id}/title" and r.get("en")), None)


def english_status(corpus_dir: Path, doc: Document) -> tuple[float, int]:
    """(share of sentences with an English rendering, how many of those are drafts awaiting review)."""
    try:
        records = {str(r.get("id")): r for r in read_jsonl(renderings_path(corpus_dir, doc.doc_id))}
    except DataFileError:
        records = {}
    sentences = doc.sentences
    rendered = [records[s.id] for s in sentences if s.id in records and str(records[s.id].get("en", "")).strip()]
    drafts = sum(1 for r in rendered if r.get("status") == "draft")
    return (round(len(rendered) / len(sentences), 4) if sentences else 0.0), drafts


def document_records(corpus: Corpus, corpus_dir: Path) -> list[dict[str, Any]]:
    """The documents as ``corpus check --json`` and ``GET /api/documents`` list them."""
    infos, _ = load_infos(corpus, corpus_dir)
    out = []
    for doc in corpus.documents:
        coverage, drafts = english_status(corpus_dir, doc)
        out.append({**infos[doc.doc_id].record(), "sentences": len(doc.sentences), "english_coverage": coverage,
                    "english_drafts": drafts})
    return out


# ---------------------------------------------------------------- naming documents and years


def describe(documents: Iterable[DocumentInfo], lang: str) -> str:
    """The document(s) an answer or abstention rests on: one by its full title, several by short names.

    One:     "《南开区2024年国民经济和社会发展计划》" / "the Nankai District 2024 National Economic and Social
             Development Plan". Several: "2024年计划和2024年工作报告" / "the 2024 plan and the 2024 work report".
    """
    docs = list(dict.fromkeys(documents))
    if not docs:
        return "已载入的文件" if lang == "zh" else "the loaded documents"
    if len(docs) == 1:
        return docs[0].full_name(lang)
    names = [d.short_name(lang) if lang == "zh" else the(d.short_name(lang)) for d in docs]
    if lang == "zh":
        return "、".join(names[:-1]) + "和" + names[-1]
    return (", ".join(names[:-1]) + (", and " if len(names) > 2 else " and ") + names[-1])


def the(name: str) -> str:
    """"2024 plan" → "the 2024 plan"."""
    return name if name.lower().startswith("the ") else f"the {name}"


def latest_plan_year(documents: Iterable[DocumentInfo], default: int = 2024) -> int:
    """The year "今年 / this year" means: the latest plan year loaded (else the latest document year)."""
    docs = list(documents)
    plans = [d.year for d in docs if d.kind == "plan" and d.year]
    years = plans or [d.year for d in docs if d.year]
    return max(years) if years else default


def covered_years(documents: Iterable[DocumentInfo]) -> tuple[int, ...]:
    return tuple(sorted({d.year for d in documents if d.year}))


def years_text(years: Iterable[int], lang: str) -> str:
    """"2024年、2025年" / "2024 and 2025"."""
    ys = sorted(set(years))
    if lang == "zh":
        return "、".join(f"{y}年" for y in ys)
    words = [str(y) for y in ys]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def year_note(years: Iterable[int], source: str, lang: str) -> str:
    """What an answer says about the year it used (``Retrieval.years`` and ``year_source``): nothing when the
    question named it; "（按2025年）"-style notes when it was meant (今年 / last year) or assumed (no year named)."""
    ys = years_text(years, lang) if years else ""
    if not ys or source not in ("relative", "default"):
        return ""
    if source == "relative":
        return f"（按{ys}）" if lang == "zh" else f"(taken as {ys})"
    return f"（问题未说明年份，按最新计划年份{ys}回答）" if lang == "zh" else f"(no year given: answering for {ys}, the latest plan year)"


def coverage_note(uncovered: Iterable[int], covered: Iterable[int], lang: str) -> str:
    """For a year no document covers (``Retrieval.uncovered_years``): which years the documents do cover."""
    asked, have = years_text(uncovered, lang), years_text(covered, lang)
    if not asked:
        return ""
    if lang == "zh":
        return f"已载入的文件不涉及{asked}" + (f"，涉及的年份是{have}。" if have else "。")
    return f"The loaded documents do not cover {asked}" + (f"; they cover {have}." if have else ".")


def drafts(corpus_dir: Path, doc_id: str) -> dict[str, str]:
    """The draft renderings of a document awaiting review (``corpus translate``): {rendering ID: model}."""
    try:
        records = read_jsonl(renderings_path(corpus_dir, doc_id))
    except DataFileError:
        return {}
    return {str(r["id"]): str(r.get("model", "")) for r in records if r.get("status") == "draft" and "id" in r}


def glossary_names(text: str, glossary: Glossary) -> list[tuple[str, str]]:
    """(Chinese term, preferred English) for the glossary terms in a Chinese text, longest first and without
    overlaps — English names for a sentence that has no English rendering."""
    found: list[tuple[str, str]] = []
    rest = text
    for zh in sorted(glossary.by_zh, key=len, reverse=True):
        if zh in rest:
            found.append((zh, glossary.by_zh[zh].preferred_en))
            rest = rest.replace(zh, " ")
    return found


# ---------------------------------------------------------------- labels that name the document


def short_names(infos: Mapping[str, DocumentInfo], lang: str) -> dict[str, str]:
    """Each document's short name; documents that would share one are named by their titles."""
    names = {doc_id: info.short_name(lang) for doc_id, info in infos.items()}
    shared = {n for n in names.values() if list(names.values()).count(n) > 1}
    return {doc_id: (infos[doc_id].full_name("zh") if lang == "zh" else infos[doc_id].title_en) if n in shared else n
            for doc_id, n in names.items()}


def year_part(doc: Document, para: Paragraph, info: DocumentInfo) -> Section | None:
    """The part a paragraph belongs to when that part's heading names a year other than the document's
    ("二、2025年工作安排" in the 2024 work report) and the paragraph's own label does not show it: a work report
    reviews one year and plans the next under headings of the same names."""
    if len(para.section_path) < 2:
        return None
    part = doc.section(para.section_path[:1])
    years = years_in(part.title) if part else []
    return part if part and years and years[0] != info.year else None


def name_label(label: str, part: Section | None = None, name: str = "") -> str:
    """A citation label with the part's title and the document's name when they are needed:
    "二、1. 持续推进城市更新" → "2024年工作报告 · 二、2025年工作安排 · 1. 持续推进城市更新"."""
    if part is not None and label.startswith(part.number):
        label = f"{part.number}{part.title}{SEP}{label[len(part.number):].strip()}"
    return f"{name}{SEP}{label}" if name else label


def name_label_en(label: str, part: str = "", name: str = "") -> str:
    """The English counterpart: "II.1 Topic, para 1" → "2024 work report · II.1 [2025] Topic, para 1" (``part``:
    the part heading's rendering, or its year)."""
    if part:
        number, _, rest = label.partition(" ")
        label = f"{number} [{part}] {rest}"
    return f"{name}{SEP}{label}" if name else label


def label_topic_en(label_en: str) -> str:
    """The topic of an English label, without the document's name, the numbering or the paragraph:
    "2024 plan · II.1 [2025] Topic, para 1" → "Topic" (for lists of related topics)."""
    rest = label_en.rsplit(SEP, 1)[-1]
    rest = rest.split(" ", 1)[-1] if re.match(r"^[IVXLC]+(\.\d+)?\s", rest) else rest
    rest = re.sub(r"^\[[^\]]*\]\s*", "", rest)
    return rest.rsplit(", para", 1)[0]


@dataclass(frozen=True)
class LabelDocument:
    """What a citation label says about its document: its year and kind (None when it names none)."""

    year: int | None
    kind: str | None


def label_document(label: str) -> LabelDocument:
    """Read back the document a label names (``name_label``): "2025年计划 · …" → (2025, plan); "《title》 · …" →
    the title's year and kind; a label without a document name → (None, None)."""
    head, sep, _ = label.partition(SEP)
    if not sep:
        return LabelDocument(None, None)
    m = _SHORT.match(head)
    if m:
        kind = next(k for k, v in KIND_ZH.items() if v == m.group(2))
        return LabelDocument(int(m.group(1)), kind)
    if head.startswith("《") and head.endswith("》"):
        years = years_in(head)
        return LabelDocument(years[0] if years else None, kind_of(head[1:-1]))
    return LabelDocument(None, None)


def label_years(label: str) -> list[int]:
    """The years a label's headings name, after its document name."""
    head, sep, rest = label.partition(SEP)
    named = label_document(label)
    return years_in(rest if sep and (named.year or named.kind) else label)
