"""What a yes/no question names that the documents never do ("今年能给我们楼加装电梯吗？" → 电梯): the answer says so
("计划没有提到“电梯”") and gives what the plan does say, instead of answering as if the plan covered it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .index import Unit
from .retrieve import Query
from .text import EN_STOP, en_tokens, one_edit, zh_tokens

_REDUP = re.compile(r"(\w)一\1")
UNMENTIONED_COVERAGE = 0.6  # a best sentence saying this much of the question is about what was asked
_OWN = {"my", "our", "your", "his", "her", "their"}
_NOUN_FLAGS = {"n", "nz", "ns", "nt", "nl", "ng", "eng"}
_VERB_FORM = re.compile(r"(ing|ed|ly|able|ible)$|^(due|find|get|got|make|made|take|took|give|gave|keep|kept|after|"
                        r"before|about|around|into|onto|upon|within|without|through|across|near|really|still|known|"
                        r"shown|given|taken|done|seen|been|gone|has|does|says|wants|starts|needs|gets|right|"
                        # the words that frame a request, not the thing asked about
                        r"scheme|schemes|plans?|support|help|update|updates|news|thing|things|changes?|stuff)$")


def _near(word: str, vocabulary: Mapping[str, int]) -> bool:
    """Whether the documents have a word one letter (character) away: a misspelling of it."""
    if len(word) < 2:
        return False
    for other in vocabulary:
        if len(word) >= 5 and len(other) >= 5 and (other.startswith(word) or word.startswith(other)):
            return True  # diabetic / diabet
        if abs(len(other) - len(word)) > 1 or other[0] != word[0] and other[-1] != word[-1]:
            continue
        if one_edit(word, other):
            return True
    return False


def _unknown(word: str, df_en: Mapping[str, int], plan_text_en: str) -> bool:
    """A word of a compound name the documents never use ("Haiguang Mall" is known; "kid starts" is not a name)."""
    stem = en_tokens(word)[0] if en_tokens(word) else word
    return word not in EN_STOP and not _VERB_FORM.search(word) and not df_en.get(stem) \
        and not re.search(rf"\b{re.escape(word)}", plan_text_en)


def missing_thing(query: Query, coverage: float, found: list[Unit], plan_text: str, plan_text_en: str,
                  df_en: Mapping[str, int]) -> str:
    """The thing a yes/no question names that occurs nowhere in the documents ("加装电梯" → 电梯), when the best
    sentence says little of the question. A thing is a noun (jieba's n, nz, ns, nt; in English a word that is
    not a verb form or adverb), not a misspelling of a word the documents have (地贴 → 地铁, primery → primary),
    so that a question's own verbs ("提到", "trying") and typos are never reported as missing."""
    if coverage >= UNMENTIONED_COVERAGE:
        return ""
    near_zh = {t: 1 for u in found for t in zh_tokens(u.zh)}  # a misspelling is of a word the search found
    near_en = {t: 1 for u in found for t in en_tokens(u.en or "")}
    asked = re.split(r"[，,；;。!！]\s*|\s[-–—]+\s", query.text.strip(" ？?。!！"))[-1]  # the last clause
    if query.lang == "zh":
        import jieba.posseg

        # a verb said twice ("能治一治", "看一看") is no thing, whatever jieba tags its pieces
        redup = [m.span() for m in _REDUP.finditer(asked)]
        words, at = [], 0
        for w in jieba.posseg.cut(asked):
            if not any(a < at + len(w.word) and at < b for a, b in redup):
                words.append(w)
            at += len(w.word)
        unknown = [w.word for w in words if len(w.word) > 1 and w.flag in _NOUN_FLAGS
                   and w.word not in plan_text and w.word not in query.aliases
                   and not _near(w.word, near_zh)]
        return unknown[-1] if unknown else ""
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", asked)
    for i in range(len(words)):
        w = words[i].lower()
        stem = en_tokens(w)[0] if en_tokens(w) else w
        before = words[i - 1].lower() if i else ""
        if before in _OWN:  # "for my kids": the resident's own situation, not the thing asked about
            continue
        if len(w) > 2 and _unknown(w, df_en, plan_text_en) and not _near(stem, near_en):
            nxt = words[i + 1] if i + 1 < len(words) and _unknown(words[i + 1].lower(), df_en, plan_text_en) else ""
            return f"{words[i]} {nxt}".strip()
    return ""
