"""Whether a question names a plan item, its figure or its place: the small tests the direct answer is built on."""

from __future__ import annotations

import re

from .items import PlanItem
from .kinds import ACTION_GROUPS
from .retrieve import Query
from .text import en_tokens, zh_tokens
from .understand import Asked

def fits(item: PlanItem, asked: Asked) -> bool:
    """A target item whose value is the kind of figure the question asks for."""
    value = f"{item.quantity or ''}{item.unit or ''}{item.value_en or ''}"
    if not value:
        return False
    if asked.attribute == "area":
        return "平方米" in value or "square" in value
    if asked.attribute in ("share", "growth"):
        return "%" in value or "增长" in (item.measure_zh or "")
    if asked.attribute == "count":
        return "%" not in value and "平方米" not in value
    return True


_PLACE_NAME = re.compile(r"(地块|路|道|街|里|大街|广场|片区|街区|区域|地区|厂区|院区)$")


_WHERE_GENERIC = frozenset({"南开", "南开区", "项目", "今年", "哪里", "哪儿", "在哪", "具体", "新的", "地方", "建设"})


def said_in(text: str, item: PlanItem, zh: bool) -> bool:
    """Whether the question's own words (not their glossary expansions) name the item, or a word of its Chinese name
    ("智能制造产业园在哪里" names 西营门智能制造产业园; "哪里可以健身" does not name the big sports events)."""
    if zh:
        return item.name_zh in text or any(len(t) > 1 and t not in _WHERE_GENERIC and t in item.name_zh
                                           for t in zh_tokens(text))
    return name_share(item, text) > 0.5


def name_share(item: PlanItem, text: str) -> float:
    """The share of the item's own English name words (not their glossary expansions) that a text has."""
    words = {w for w in en_tokens(item.name_en) if len(w) > 2} - {"the", "and", "for"}
    return len(words & set(en_tokens(text))) / len(words) if words else 0.0


def names_item(query: Query, item: PlanItem) -> bool:
    """Whether the question names the item itself (its Chinese name, or most of its English name's words)."""
    return item.name_zh in query.text or name_share(item, query.text) >= 0.5


def other_action(item: PlanItem, action: str | None) -> bool:
    """An item the plan does something else to than the question asks ("要谋划几个新项目" vs 54 compounds renovated)."""
    return bool(action) and item.group in ACTION_GROUPS and item.group != action and action not in (item.action_zh or "")


def says_value(text: str, item: PlanItem) -> bool:
    """Whether the question names the item's own figure ("700,000", "70万"), as a whole number."""
    plain = text.replace(",", "")
    return any(re.search(rf"(?<![\d.]){re.escape(v.replace(',', ''))}(?![\d.])", plain)
               for v in (item.quantity, item.value_en) if v and any(c.isdigit() for c in v))


def mentions(query: Query, item: PlanItem) -> bool:
    """Whether the question says the item's Chinese name or one of its keywords."""
    text = query.text.lower()
    return item.name_zh in query.text or any(w and (w in query.text if not w.isascii() else
                                                    re.search(rf"\b{re.escape(w.lower())}\b", text))
                                             for w in item.keywords_zh + item.keywords_en)


def is_place(item: PlanItem) -> bool:
    return item.kind in ("place", "parcel", "road") or bool(_PLACE_NAME.search(item.name_zh))
