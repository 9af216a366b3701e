"""The parser on the real plan, and every loader on generated files, good and bad."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bot.errors import DocumentError
from bot.corpus import clean_lines, load_corpus, load_document, split_sentences
from bot.testing import CORPUS

PLAN = CORPUS / "nankai-2024-plan.txt"
SOURCE = CORPUS.parent.parent / "shared" / "corpus-source" / "nankai-2024-plan.txt"


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return load_document(PLAN)


def test_corpus_copy_is_byte_identical_to_the_source() -> None:
    if not SOURCE.exists():
        pytest.skip("../shared/corpus-source is not beside this checkout")
    assert PLAN.read_bytes() == SOURCE.read_bytes()


def test_metadata(plan) -> None:  # type: ignore[no-untyped-def]
    assert plan.title == "南开区2024年国民经济和社会发展计划"
    assert plan.meta["issuer"] == "南开区发展和改革委员会"
    assert plan.meta["date"] == "2024年1月15日" and plan.meta["date_iso"] == "2024-01-15"
    assert "第十八届人民代表大会第五次会议" in plan.meta["notice"]
    assert "[bookmark" not in "".join(plan.clean_lines)


def test_outline(plan) -> None:  # type: ignore[no-untyped-def]
    numbered = [(s.number, s.title) for s in plan.sections if s.number]
    assert numbered[0] == ("一、", "2024年主要预期指标")
    assert numbered[1] == ("二、", "2024年经济社会发展重点任务")
    assert [n for n, _ in numbered[2:]] == ["1.", "2.", "3.", "4.", "5."]


def test_topic_leads_including_the_merged_ones(plan) -> None:  # type: ignore[no-untyped-def]
    topics = {p.id: p.topic for p in plan.paragraphs}
    assert topics["nankai-2024-plan/2.1.2"] == "激活科教创新澎湃动能"
    assert topics["nankai-2024-plan/2.3.2"] == "更大力度提振市场信心"  # merged into 2.3's first paragraph
    assert topics["nankai-2024-plan/2.4.3"] == "减污降碳加速绿色转型"  # merged into 2.4's second paragraph
    assert len([p for p in plan.paragraphs if p.section_path[0] == 2]) == 16
    # "全力创建全国文明城区。" is short but ends its paragraph: not a lead
    assert "全力创建全国文明城区" not in topics.values()


def test_ids_and_labels_of_known_sentences(plan) -> None:  # type: ignore[no-untyped-def]
    sentences = {s.id: s.text for s in plan.sentences}
    assert "建成六马路地块小学、战备楼地块中学" in sentences["nankai-2024-plan/2.1.2.3"]
    assert sentences["nankai-2024-plan/2.4.1.4"].startswith("推动54个老旧小区、258万平方米")
    assert sentences["nankai-2024-plan/1.1.1"].startswith("地区生产总值同比增长4%以上")
    assert sentences["nankai-2024-plan/0.1.2"] == "2024年1月15日"
    para = next(p for p in plan.paragraphs if p.id == "nankai-2024-plan/2.1.2")
    assert para.label == "二、1. 激活科教创新澎湃动能" and para.n == 1


def test_ids_are_stable_when_text_elsewhere_changes(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8").replace("吸引更多高质量项目落户南开。", "吸引更多项目落户南开。")
    edited = tmp_path / "nankai-2024-plan.txt"
    edited.write_text(text, encoding="utf-8")
    a = {s.id: s.text for s in load_document(PLAN).sentences}
    b = {s.id: s.text for s in load_document(edited).sentences}
    assert a.keys() == b.keys()
    assert a["nankai-2024-plan/2.4.1.4"] == b["nankai-2024-plan/2.4.1.4"]


def test_round_trip_sentences_reassemble_the_cleaned_document(plan) -> None:  # type: ignore[no-untyped-def]
    heads = {plan.meta["notice_title"], plan.title}
    heads |= {f"{s.number}{s.title}" for s in plan.sections if s.number}
    body = "".join(line for line in plan.clean_lines if line not in heads)
    assert "".join(s.text for s in plan.sentences) == body


def test_split_keeps_quotes_whole() -> None:
    text = "围绕假日经济，擦亮“‘南’得有你·‘开’心四季”消费品牌。发展工业互联网产业集群；促进合作！"
    assert split_sentences(text) == ["围绕假日经济，擦亮“‘南’得有你·‘开’心四季”消费品牌。", "发展工业互联网产业集群；", "促进合作！"]
    assert split_sentences("他说：“好。走吧！”然后离开。") == ["他说：“好。走吧！”然后离开。"]


def test_clean_lines_drops_debris_and_blank_lines() -> None:
    assert clean_lines("\n\n[bookmark: _GoBack]标题  \n\n\u3000正文。 \n") == ["标题", "正文。"]


# ---------------------------------------------------------------- loaders on generated files

DOC_TEXT = "关于社区服务的说明\n一、总体要求\n提升社区服务水平。新建3个日间照料中心。\n二、重点任务\n1.养老服务\n完善老人家食堂；推进托育服务。\n"


def _docx(path: Path, lines: list[str]) -> None:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def _pdf(path: Path, lines: list[str]) -> None:
    """A minimal one-page PDF with a Helvetica text layer (ASCII only)."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    path.write_bytes(out.encode("latin-1"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "community.txt"
    path.write_bytes(DOC_TEXT.encode(encoding))
    doc = load_document(path)
    assert doc.title == "关于社区服务的说明"
    assert [s.text for s in doc.sentences][:2] == ["提升社区服务水平。", "新建3个日间照料中心。"]
    assert doc.paragraphs[-1].id == "community/2.1.1"


def test_markdown_headings(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text("# 政府工作报告\n\n## 民生\n\n新增就业岗位。办好民心工程。\n\n## 城建\n\n改造道路。\n", encoding="utf-8")
    doc = load_document(path)
    assert [p.id for p in doc.paragraphs] == ["report/1.1.1", "report/1.2.1"]
    assert [s.text for s in doc.paragraphs[0].sentences] == ["新增就业岗位。", "办好民心工程。"]


def test_document_without_outline_still_yields_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("第一段话。还有一句。\n\n第二段话！\n", encoding="utf-8")
    doc = load_document(path)
    assert len(doc.paragraphs) == 2 and len(doc.sentences) == 3
    assert all(p.id.startswith("plain/0.") for p in doc.paragraphs)


def test_docx_loader(tmp_path: Path) -> None:
    path = tmp_path / "notice.docx"
    _docx(path, DOC_TEXT.strip().split("\n"))
    doc = load_document(path)
    assert "新建3个日间照料中心。" in [s.text for s in doc.sentences]


def test_pdf_loader(tmp_path: Path) -> None:
    path = tmp_path / "summary.pdf"
    _pdf(path, ["Community services", "1. Elderly care", "The district will open 3 day care centres.", "More canteens."])
    doc = load_document(path)
    assert any("3 day care centres" in s.text for s in doc.sentences)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"\n  \n", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("broken.docx", b"PK\x03\x04 this is not a zip", ".docx"),
        ("broken.pdf", b"%PDF-1.4\n garbage without objects", ".pdf"),
        ("sheet.xlsx", b"whatever", "unsupported"),
    ],
)
def test_bad_input_names_file_and_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert name in str(info.value) and reason in str(info.value)


def test_bad_documents_are_reported_and_the_rest_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(DOC_TEXT, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    with zipfile.ZipFile(tmp_path / "hollow.docx", "w") as z:
        z.writestr("nothing.txt", "no word document here")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nothing")
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert len(corpus.problems) == 4
    assert all(any(n in p for n in ("empty.txt", "broken.docx", "hollow.docx", "broken.pdf")) for p in corpus.problems)
