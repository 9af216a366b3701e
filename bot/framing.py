"""How an answer names what it rests on: the lead-in before a quote, the opening of an abstention, the year it
used, the years the documents cover, a target set against its result, and the note on a passage that has no English
rendering yet. With one document loaded the answers read as they always did ("2024年计划提出：", "For 2024 the plan
says:"); with several they name the documents cited ("2025年计划提出：", "According to the 2025 plan and the 2024 work
report:") and abstentions name every document loaded."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .documents import DocumentInfo, coverage_note, describe, the, year_note

_SERVICE = re.compile(r"户口|户籍|落户|投诉|举报|社保卡|申请|补贴|救助金|低保|身份证|办证|办理|证明|维权|"
                      r"hukou|household registration|complain|complaint|apply|application|benefit|subsid|"
                      r"allowance|welfare|id card|permit|certificate|report a", re.I)
NO_RENDERING = {"zh": "", "en": "No English rendering of this passage exists yet: the Chinese original is quoted."}


def lead_in(cited: Iterable[DocumentInfo | None], several: bool, year: int, lang: str) -> str:
    """What comes before the quoted sentences when there is no direct answer."""
    docs = [d for d in dict.fromkeys(cited) if d is not None]
    if several and docs:
        return f"{describe(docs, 'zh')}提出：" if lang == "zh" else f"According to {describe(docs, 'en')}: "
    return f"{year}年计划提出：" if lang == "zh" else f"For {year} the plan says: "


def abstention(documents: Iterable[DocumentInfo], lang: str) -> str:
    """An abstention's opening sentence, naming the document(s) that do not cover the question."""
    docs = list(documents)
    if len(docs) > 1:
        return (f"抱歉，已载入的{describe(docs, 'zh')}都没有涉及这个问题，我无法据此回答。" if lang == "zh" else
                f"Sorry, none of the loaded documents ({describe(docs, 'en')}) covers this, so I cannot answer it "
                "from them.")
    if lang == "zh":
        return f"抱歉，{describe(docs, 'zh') if docs else '《南开区2024年国民经济和社会发展计划》'}没有涉及这个问题，我无法据此回答。"
    name = describe(docs, "en") if docs else "the Nankai District 2024 National Economic and Social Development Plan"
    return f"Sorry, {name} does not cover this, so I cannot answer it from the plan."


def notes(years: tuple[int, ...], source: str, uncovered: tuple[int, ...], covered: tuple[int, ...],
          several: bool, lang: str) -> str:
    """The year the answer used when the question only meant it (今年, last year, no year) and, for a year no
    document covers, the years they do cover — said only when the documents cover more than one year (a lone plan's
    answers name its year already)."""
    if not several:
        return ""
    if uncovered:
        return coverage_note(uncovered, covered, lang)
    return year_note(years, source, lang)


def target_and_result(target: tuple[int, DocumentInfo | None], result: tuple[int, DocumentInfo | None], year: int,
                      lang: str) -> str:
    """The direct answer to "was it done?" when a plan's target and a later document's look back are both cited."""
    (nt, dt), (nr, dr) = target, result
    if lang == "zh":
        where_t = dt.short_name("zh") if dt else "计划"
        where_r = dr.short_name("zh") if dr else "后来的文件"
        return f"{year}年的目标见{where_t} [{nt}]，完成情况见{where_r}的回顾 [{nr}]。"
    where_t = the(dt.short_name("en")) if dt else "the plan"
    where_r = the(dr.short_name("en")) if dr else "a later document"
    return f"The {year} target is in {where_t} [{nt}]; what was done is in {where_r}'s look back [{nr}]."


def declined(documents: Iterable[DocumentInfo], lang: str, question: str, missing: str, year_notes: str,
             related: list[str]) -> str:
    """The whole text of an abstention: its opening, what the question names that the documents never do, the
    year notes, the 12345 hotline for a personal matter, and the topics nearest the question that they do cover."""
    text = abstention(documents, lang)
    service = bool(_SERVICE.search(question))
    if lang == "zh":
        text += f"计划中没有提到“{missing}”。" if missing else ""
        text += year_notes
        if service:
            text += "个人事务和办事咨询（户籍、投诉、补贴等）请拨打12345政务服务便民热线。"
        if related:
            text += "计划涉及的相关主题有：" + "；".join(related) + "。"
        return text
    text += f" It never mentions “{missing}”." if missing else ""
    text += f" {year_notes}" if year_notes else ""
    if service:
        text += (" For personal matters and public services (household registration, complaints, benefits), "
                 "call the 12345 government service hotline.")
    if related:
        text += " Related topics the plan does cover: " + "; ".join(related) + "."
    return text
