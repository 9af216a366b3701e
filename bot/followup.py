"""Follow-up questions ("那中学呢？", "and parks?"): searched together with the question they follow."""

from __future__ import annotations

import re

from .text import en_tokens, zh_tokens

_FOLLOWUP_ZH = re.compile(r"^(那|那么|还有|另外|再|以及|和)|呢[？?]?$")
_FOLLOWUP_EN = re.compile(r"^(and|what about|how about|also|and what about|same for|then)\b", re.I)


def is_followup(question: str, history: list[dict[str, str]]) -> bool:
    if not any(turn.get("role") == "user" for turn in history):
        return False
    q = question.strip()
    if _FOLLOWUP_ZH.search(q) or _FOLLOWUP_EN.search(q):
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
