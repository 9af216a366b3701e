"""Load documents and parse them into sections, paragraphs and sentences with stable IDs.

IDs come from a document's outline, not from a hash: the paragraph ``nankai-2024-plan/2.1.2`` is
the 2nd paragraph of part 二、 subsection 1.; its sentences are ``.../2.1.2.1``, ``.../2.1.2.2``, ...
Front matter (the notice, the preamble) lives in section ``0``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocumentError

SUPPORTED = (".txt", ".md", ".docx", ".pdf")

_DEBRIS = re.compile(r"\[bookmark:[^\]]*\]")
_PART = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_SUB = re.compile(r"^(\d{1,2})[.．、]\s*(\S.*)$")
_MD_HEADING = re.compile(r"^(#{1,3})\s+(.+)$")
_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_ENDERS = "。！？；!?;"
_OPEN = "“‘「『《（(【"
_CLOSE = "”’」』》）)】"
_LEAD_MAX = 12




@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    paragraph_id: str
    n: int


@dataclass(frozen=True)
class Paragraph:
    id: str
    doc_id: str
    text: str
    sentences: tuple[Sentence, ...]
    section_path: tuple[int, ...]
    topic: str  # the topic lead sentence (without 。) or the nearest heading
    label: str
    n: int  # ordinal within its topic, for the ¶ of the label


@dataclass(frozen=True)
class Section:
    id: str
    path: tuple[int, ...]
    number: str  # "二、", "1.", "" for front matter
    title: str


@dataclass
class Document:
    doc_id: str
    path: Path
    title: str
    meta: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    clean_lines: list[str] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]

    def section(self, path: tuple[int, ...]) -> Section | None:
        return next((s for s in self.sections if s.path == path), None)


@dataclass
class Corpus:
    documents: list[Document]
    problems: list[str]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for d in self.documents for p in d.paragraphs]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for d in self.documents for s in d.sentences]

    def paragraph(self, pid: str) -> Paragraph:
        return self._by_id()[pid]

    def _by_id(self) -> dict[str, Paragraph]:
        cache = getattr(self, "_pcache", None)
        if cache is None:
            cache = {p.id: p for p in self.paragraphs}
            self._pcache = cache
        return cache


# ---------------------------------------------------------------- reading files


def read_text(path: Path) -> str:
    """Read a .txt/.md file as UTF-8 (with or without BOM) or GB18030; reject binary data."""
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(f"{path.name}: the file is empty — add text or remove it from corpus/")
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{path.name}: binary data in a text file — save it as UTF-8 text")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
        if controls > max(2, len(text) // 100):
            raise DocumentError(f"{path.name}: binary data in a text file — save it as UTF-8 text")
        return text
    raise DocumentError(f"{path.name}: not UTF-8 or GB18030 text — re-save it as UTF-8")


def read_docx(path: Path) -> str:
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"{path.name}: not a readable .docx ({type(exc).__name__}) — re-save it from Word") from exc
    except Exception as exc:  # zipfile.BadZipFile, lxml errors
        raise DocumentError(f"{path.name}: corrupted .docx ({type(exc).__name__}) — re-save it from Word") from exc
    text = "\n".join(p.text for p in document.paragraphs)
    if not text.strip():
        raise DocumentError(f"{path.name}: the .docx holds no text")
    return text


def read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, OSError, KeyError) as exc:
        raise DocumentError(f"{path.name}: corrupted .pdf ({type(exc).__name__}) — export it again") from exc
    if not "".join(pages).strip():
        raise DocumentError(f"{path.name}: the .pdf has no text layer (scanned?) — add a text version")
    return _unwrap_pdf_lines("\n".join(pages))


def _unwrap_pdf_lines(text: str) -> str:
    """PDF text wraps paragraphs at the page width: join lines that do not end a sentence."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if out and not _is_heading(out[-1]) and not _is_heading(line) and out[-1][-1] not in _ENDERS + "：:":
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


READERS = {".txt": read_text, ".md": read_text, ".docx": read_docx, ".pdf": read_pdf}


# ---------------------------------------------------------------- parsing


def clean_lines(text: str) -> list[str]:
    """Drop extraction debris, surrounding spaces and blank lines; keep everything else verbatim."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    lines = (_DEBRIS.sub("", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def split_sentences(text: str) -> list[str]:
    """Split after 。！？； (and ASCII !?;) outside quotes and brackets; keep the punctuation."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _ENDERS and depth == 0:
            j = i + 1
            while j < len(text) and text[j] in _CLOSE:
                j += 1
            parts.append(text[start:j])
            start = j
    if start < len(text):
        parts.append(text[start:])
    merged: list[str] = []
    for part in parts:  # a stray closing quote or space never stands alone
        if merged and not part.strip(" ”’」』》）)】"):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def is_lead(sentence: str) -> bool:
    """A topic lead: a short clause with no internal punctuation, ending in 。 (激活科教创新澎湃动能。)."""
    body = sentence[:-1]
    return (
        sentence.endswith("。")
        and 4 <= len(body) <= _LEAD_MAX
        and not any(ch in body for ch in "，、：:；“”《》（）,()0123456789%")
    )


def _is_heading(line: str) -> bool:
    if _MD_HEADING.match(line):
        return True
    if _PART.match(line) and len(line) <= 40 and not line.endswith("。"):
        return True
    m = _SUB.match(line)
    return bool(m) and len(line) <= 40 and line[-1] not in _ENDERS and "。" not in line


def doc_id_for(path: Path) -> str:
    name = path.name
    for suffix in SUPPORTED:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    slug = re.sub(r"[^\w\-]+", "-", name, flags=re.UNICODE).strip("-").lower()
    return slug or "document"


def _front_matter(lines: list[str]) -> tuple[str, dict[str, str], int]:
    """Find the plan-style notice before the body: title, issuing body, date. Returns body start."""
    meta: dict[str, str] = {}
    first_heading = next((i for i, line in enumerate(lines) if _is_heading(line)), len(lines))
    head = lines[:first_heading]
    title = ""
    body_start = 0
    if head and head[0].endswith("的通知") and "关于" in head[0]:
        notice_title = head[0]
        meta["notice_title"] = notice_title
        meta["issuer"] = notice_title.split("关于", 1)[0]
        quoted = re.search(r"《([^》]+)》", " ".join(head))
        named = quoted.group(1) if quoted else re.sub(r"^.*关于印发(.+)的通知$", r"\1", notice_title)
        for i, line in enumerate(head):
            if _DATE.match(line):
                y, mo, d = _DATE.match(line).groups()  # type: ignore[union-attr]
                meta["date"] = line
                meta["date_iso"] = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
            if line.startswith(("（", "(")) and line.endswith(("）", ")")) and len(line) <= 12:
                meta["disclosure"] = line.strip("（）()")
            if line == named and i > 0:
                title = named
                body_start = i + 1
        # The notice paragraph: addressees and body, then the date and disclosure lines as sentences.
        meta["notice"] = "".join(head[1:body_start - 1 if title else len(head)])
    if not title:
        candidate = lines[0] if lines else ""
        if candidate and len(candidate) <= 60 and candidate[-1] not in _ENDERS and not _is_heading(candidate):
            title = _MD_HEADING.sub(r"\2", candidate)
            body_start = 1
    return title, meta, body_start


class _Builder:
    """Walks cleaned lines once, opening sections at headings and cutting paragraphs at topic leads."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.path: tuple[int, ...] = (0,)
        self.count: dict[tuple[int, ...], int] = {}
        self.heading = doc.title
        self.parts = 0
        self.subs = 0

    def open_section(self, path: tuple[int, ...], number: str, title: str) -> None:
        self.path = path
        self.heading = title
        sid = f"{self.doc.doc_id}/{'.'.join(map(str, path))}"
        self.doc.sections.append(Section(id=sid, path=path, number=number, title=title))

    def heading_line(self, line: str) -> None:
        md = _MD_HEADING.match(line)
        part = _PART.match(line)
        sub = _SUB.match(line)
        if (md and len(md.group(1)) == 1) or (part and not md):
            self.parts += 1
            self.subs = 0
            number = f"{part.group(1)}、" if part and not md else ""
            title = part.group(2) if part and not md else md.group(2)  # type: ignore[union-attr]
            self.open_section((self.parts,), number, title)
        else:
            if self.parts == 0:
                self.parts = 1
                self.open_section((1,), "", self.doc.title or "正文")
            self.subs += 1
            number = f"{sub.group(1)}." if sub and not md else ""
            title = sub.group(2) if sub and not md else md.group(2)  # type: ignore[union-attr]
            self.open_section((self.parts, self.subs), number, title)

    def paragraph(self, sentences: list[str], topic: str) -> None:
        n = self.count.get(self.path, 0) + 1
        self.count[self.path] = n
        pid = f"{self.doc.doc_id}/{'.'.join(map(str, self.path))}.{n}"
        label = self._label(topic)
        sents = tuple(Sentence(id=f"{pid}.{k}", text=s, paragraph_id=pid, n=k) for k, s in enumerate(sentences, 1))
        self.doc.paragraphs.append(
            Paragraph(id=pid, doc_id=self.doc.doc_id, text="".join(sentences), sentences=sents,
                      section_path=self.path, topic=topic, label=label, n=1 if topic != self.heading else n)
        )

    def _label(self, topic: str) -> str:
        parts = []
        for depth in range(1, len(self.path) + 1):
            sec = self.doc.section(self.path[:depth])
            if sec and sec.number:
                parts.append(sec.number)
        prefix = "".join(parts)
        name = topic.rstrip("。")
        return f"{prefix} {name}".strip()

    def body_line(self, line: str) -> None:
        sentences = split_sentences(line)
        # A line opening with a topic lead holds one topic per lead: the .docx extraction merged
        # some leads ("更大力度提振市场信心。") into the middle of the previous paragraph.
        if len(sentences) > 1 and is_lead(sentences[0]):
            cuts = [0] + [i for i in range(1, len(sentences) - 1) if is_lead(sentences[i])] + [len(sentences)]
            for a, b in zip(cuts, cuts[1:]):
                self.paragraph(sentences[a:b], sentences[a].rstrip("。"))
        else:
            self.paragraph(sentences, self.heading)


def parse(text: str, path: Path, doc_id: str | None = None) -> Document:
    """Parse cleaned text into a Document; works with or without the plan's outline."""
    lines = clean_lines(text)
    if not lines:
        raise DocumentError(f"{path.name}: no text after cleaning")
    doc = Document(doc_id=doc_id or doc_id_for(path), path=path, title="", clean_lines=lines)
    doc.title, doc.meta, start = _front_matter(lines)
    builder = _Builder(doc)
    if doc.meta.get("notice"):
        doc.sections.append(Section(id=f"{doc.doc_id}/0", path=(0,), number="", title="通知"))
        builder.heading = "通知"
        head = lines[1:start - 1 if doc.title else start]
        text = "".join(line for line in head if not _DATE.match(line) and not line.startswith(("（", "(")))
        tail = [line for line in head if _DATE.match(line) or line.startswith(("（", "("))]
        builder.paragraph(split_sentences(text) + tail, "通知")
        builder.heading = "前言"
    for line in lines[start:]:
        if _is_heading(line):
            builder.heading_line(line)
        else:
            builder.body_line(line)
    if not doc.paragraphs:
        raise DocumentError(f"{path.name}: no paragraphs found (only headings?)")
    return doc


def load_document(path: Path) -> Document:
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise DocumentError(f"{path.name}: unsupported file type {suffix or '(none)'} — use one of {', '.join(SUPPORTED)}")
    try:
        text = reader(path)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot be read ({exc.strerror or exc}) — check its permissions") from exc
    return parse(text, path)


def is_source(path: Path) -> bool:
    """Source documents in corpus/: not the English renderings, glossary, figures or READMEs."""
    name = path.name.lower()
    return (
        path.is_file()
        and not name.startswith((".", "readme", "glossary", "figures"))
        and ".en." not in name
        and not name.endswith((".jsonl", ".json", ".tsv", ".csv"))
    )


def load_corpus(corpus_dir: Path) -> Corpus:
    """Load every document in corpus_dir; a bad one is reported in problems and skipped."""
    if not corpus_dir.is_dir():
        raise DocumentError(f"{corpus_dir} is missing — set BOT_CORPUS_DIR to the folder holding the plan")
    documents: list[Document] = []
    problems: list[str] = []
    seen: set[str] = set()
    for path in sorted(p for p in corpus_dir.iterdir() if is_source(p)):
        try:
            doc = load_document(path)
        except DocumentError as exc:
            problems.append(str(exc))
            continue
        if doc.doc_id in seen:
            problems.append(f"{path.name}: another document already has the ID {doc.doc_id!r} — rename one file")
            continue
        seen.add(doc.doc_id)
        documents.append(doc)
    return Corpus(documents=documents, problems=problems)
