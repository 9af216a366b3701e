"""Whether a question names a plan item, its figure or its place: the small tests the direct answer is built on."""

from __future__ import annotations

import re

from .items import PlanItem
from .kinds import ACTION_GROUPS
from .retrieve import Query
from .text import compiled, en_tokens, zh_tokens
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
    return any(compiled(rf"(?<![\d.]){re.escape(v.replace(',', ''))}(?![\d.])").search(plain)
               for v in (item.quantity, item.value_en) if v and any(c.isdigit() for c in v))


def mentions(query: Query, item: PlanItem) -> bool:
    """Whether the question says the item's Chinese name or one of its keywords."""
    text = query.text.lower()
    return item.name_zh in query.text or any(w and (w in query.text if not w.isascii() else
                                                    compiled(rf"\b{re.escape(w.lower())}\b").search(text))
                                             for w in item.keywords_zh + item.keywords_en)


def is_place(item: PlanItem) -> bool:
    return item.kind in ("place", "parcel", "road") or bool(_PLACE_NAME.search(item.name_zh))


_WHICH_ZH = re.compile(r"哪(?:些|几|[二三四五六七八九十\d]+)个?(?P<noun>[\u4e00-\u9fff]{1,4})")
_WHICH_EN = re.compile(r"\bwhich\s+(?P<noun>(?:(?!(?:will|are|is|does|do|did|has|have|be|of|in|to|for|the)\b)[a-z\-]+\s*){1,3})",
                       re.I)
_LISTED_BEFORE = re.compile(r"[、和与及][\u4e00-\u9fff]{1,10}$")  # "生物医药和高端装备两大主导产业": the two are named


def unnamed_count(question: str, items: list[PlanItem], texts: dict[str, str]) -> tuple[PlanItem, str] | None:
    """A count the plan gives without naming what it counts ("甘肃结对三县", "4个口袋公园", "54个老旧小区") of the things a
    which-question asks for ("Which counties in Gansu …?", "哪几个县"), with the question's word for them: no list of
    them can be given. A count after its members ("文水路等10条道路工程", "生物医药和高端装备两大主导产业") has them; a
    singular "which park" asks for one thing, not the members of a count."""
    zh, en = _WHICH_ZH.search(question), _WHICH_EN.search(question)
    if not zh and not en:
        return None
    for t in items:
        count = f"{t.quantity or ''}{t.unit or ''}"
        text = texts.get(t.sentence, "")
        at = text.find(t.name_zh[:2]) if count not in text else text.find(count)
        if t.kind != "target" or not t.quantity or t.quantity in ("1", "一") or f"等{count}" in text or \
                at > 0 and _LISTED_BEFORE.search(re.split(r"[，,；;。]", text[:at])[-1]):
            continue
        # things of the kind the plan names answer instead (not the counted thing itself: 口袋公园 of 4个口袋公园)
        named = [i for i in items if i.kind != "target" and not i.quantity and i.name_zh not in t.name_zh]
        if zh:
            import jieba

            noun = zh.group("noun")
            first = next(iter(jieba.cut(noun)), noun)
            counted = t.name_zh.split(count, 1)[-1] if count in t.name_zh else t.name_zh
            if any(first in i.name_zh for i in named):
                continue
            if t.unit and t.unit != "个" and first == t.unit:
                return t, first
            if len(first) > 1 and first in counted:  # (the longest start of the question's noun that the name has)
                return t, next(noun[:k] for k in range(len(noun), 1, -1) if noun[:k] in counted)
        elif en:
            words = en.group("noun").split()
            asked = [w for w in en_tokens(" ".join(words)) if len(w) > 2 and w not in ("new", "key", "main", "nankai")]
            unit = en_tokens(t.unit_en or "")
            if asked and words[-1].lower().endswith("s") and unit and asked[-1] == unit[-1] and \
                    set(asked) <= set(en_tokens(f"{t.name_en} {t.unit_en}")) and \
                    not any(set(asked) <= set(en_tokens(i.name_en)) for i in named):
                return t, " ".join(words)
    return None
