"""Follow-up questions ("那中学呢？", "and parks?"): searched together with the question they follow."""

from __future__ import annotations

import re

from .text import en_tokens, zh_tokens

_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|以及|和)|呢[？?]?$")
_FOLLOWUP_EN = re.compile(r"^(ok(ay)?,? )?(and|what about|how about|also|and what about|same for|then)\b|\btoo[?？.]?$", re.I)
# words that point back to what the earlier question named: the follow-up needs it to make sense
_ANAPHORA = re.compile(r"^(这些|那些|这块|那块|上述|它们)|(?<!\w)(that|those|these) (land|plots?|parcels?|schools?|projects?|"
                       r"parks?|roads?|places?|ones?|sites?|areas?|compounds?|money|funds?)\b|"
                       r"\b(does|do|did|will|would|is|are) (that|it|they|this) (help|mean|cost|cover|include)\b|"
                       r"\b(which|the|what) ones\b|的呢[？?]?$|的有哪些|的是哪些", re.I)


def refers_back(question: str) -> bool:
    """Whether a question points back to an earlier one ("What will that land be used for?", "这些地拿来干什么？")."""
    return bool(_ANAPHORA.search(question))


def is_followup(question: str, history: list[dict[str, str]]) -> bool:
    if not any(turn.get("role") == "user" for turn in history):
        return False
    q = question.strip()
    if _FOLLOWUP_ZH.search(q) or _FOLLOWUP_EN.search(q) or refers_back(q):
        return True
    return len(zh_tokens(q)) + len(en_tokens(q)) <= 1


def previous_question(history: list[dict[str, str]]) -> str:
    """The last user turn that was itself a full question (follow-ups chain back to it)."""
    users = [t.get("content", "") for t in history if t.get("role") == "user"]
    context: list[str] = []
    for text in reversed(users):
        context.insert(0, text)
        if not is_followup(text, [{"role": "user", "content": "x"}]):
            break
    return " ".join(context)
