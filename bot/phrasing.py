"""How the direct answer words plan items: the plan's own verb for a group of items, whether a group can be counted
(single things of a closed list, not kinds of thing), the plan's own count of a group it names only some of, and its
words of certainty."""

from __future__ import annotations

import re

from .items import GROUP_EN, PlanItem

OTHER = "其他"  # the items' group when the plan's action is none of the named ones
SEP = "·"  # between a listing key's group and the items' own verb
_ENDS_IN_PREPOSITION = re.compile(r"\b(of|for|to|on|in|into|with|from|at)$")


def certainty_note(item: PlanItem) -> str:
    return f" ({item.certainty_en})" if item.certainty_en and item.certainty_en not in (item.measure_en or "") else ""


def plan_total(its: list[PlanItem], items: list[PlanItem], texts: dict[str, str]) -> PlanItem | None:
    """The plan's own count of a group it names only some of — "实施文水路等10条道路工程": a target of the same
    sentence whose count follows the group's names and 等 — or of the thing itself ("新建提升4个口袋公园")."""
    text = texts.get(its[0].sentence, "")
    for t in items:
        if t.kind != "target" or t in its or t.sentence != its[0].sentence or not (t.quantity or "").isdigit() \
                or int(t.quantity or 0) <= len(its):
            continue
        count = f"{t.quantity}{t.unit or ''}"
        if any(f"{i.name_zh}等{count}" in text for i in its) or \
                (len(its) == 1 and its[0].name_zh in t.name_zh and t.action_zh == its[0].action_zh):
            return t
    return None


def plan_noun(total: PlanItem, label: tuple[str, str, str, str], lang: str) -> str:
    """What the plan calls the counted things when its count's name says it plainly ("道路工程", "road projects"),
    else the kind's own word."""
    if lang == "zh":
        noun = total.name_zh.removeprefix(f"{total.quantity}{total.unit or ''}")
        return noun if label[1] in noun and len(noun) <= 6 else label[1]
    words = total.name_en.split()
    return total.name_en if label[2] in total.name_en and len(words) <= 3 and words[0] != "the" else label[3]


def own_verb(group: str, its: list[PlanItem], lang: str) -> str:
    """The plan's action on a group of items: their own verb (a group is keyed by it in each language), else the
    group's word."""
    verb = (its[0].action_zh if lang == "zh" else its[0].action_en) or ""
    if verb:
        return verb
    if group_of(group) != OTHER:
        return group_of(group) if lang == "zh" else GROUP_EN[group_of(group)]
    return "推进" if lang == "zh" else "advance"


def takes_count(verb: str) -> bool:
    """Whether a count can follow the English verb ("complete 2 schools"): a short verb, or one ending in a
    preposition; not one that carries its own object ("help expand and strengthen the platform enterprise")."""
    return len(verb.split()) <= 2 or bool(_ENDS_IN_PREPOSITION.search(verb)) or verb.endswith(",")


def countable(item: PlanItem) -> bool:
    """Whether the plan names one thing ("the primary school on the Liumalu plot", "a fixed emergency shelter", a
    proper name) rather than a kind of thing ("chest pain treatment units"): only things are counted."""
    name = item.name_en or ""
    return bool(name) and (name[0].isupper() or name[0].isdigit() or name.split()[0] in ("the", "a", "an"))


def hedge(its: list[PlanItem], verb: str, lang: str) -> tuple[str, str]:
    """The items' shared word of certainty (尽快 "as soon as possible", 努力 "strive to") where the verb does not
    say it: before the verb, or after the names for an adverb ("… as soon as possible")."""
    words = {(i.certainty_zh if lang == "zh" else i.certainty_en) or "" for i in its}
    word = words.pop() if len(words) == 1 else ""
    if not word or word in verb:
        return "", ""
    if lang == "en" and word.startswith(("as ", "when ")):
        return "", f" {word}"
    return (word, "") if lang == "zh" else (f"{word} ", "")


def group_of(key: str) -> str:
    """The plan's action group of a listing key ("推进·加快")."""
    return key.split(SEP, 1)[0]


def join_en(names: list[str], serial: bool = False) -> str:
    """"A, B and C"; with ``serial``, "A, B, and C" (when a name has its own "and": "bidding and tendering, and …")."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + (", and " if serial and len(names) > 2 else " and ") + names[-1]


def shown_en(item: PlanItem) -> str:
    """An item's English name as an answer prints it: a brand, whose English is a translator's rendering of a
    Chinese name residents see on posters, keeps its Chinese in brackets ("the "Lucky to Have You · Happy All
    Seasons" (‘南’得有你·‘开’心四季) consumption brand")."""
    name = item.name_en or ""
    if item.kind != "brand" or not item.name_zh or item.name_zh in name:
        return name
    quoted = re.search(r'"[^"]+"', name)
    if quoted:
        return f"{name[:quoted.end()]} ({item.name_zh}){name[quoted.end():]}"
    return f"{name} ({item.name_zh})"


GAP = "…"  # in an action_zh, where the item's name goes: "促进…尽早开工" prints "促进符合条件的项目尽早开工"


def fill(action: str, what: str) -> str:
    """The plan's Chinese action on ``what``: the name in its place ("促进…尽早开工"), else after the verb."""
    return action.replace(GAP, what, 1) if GAP in action else f"{action}{what}"


_NOUN_AFTER = re.compile(r"[^…]*…(?P<noun>[\u4e00-\u9fff]{1,4}?)(建设|工程|改造)")


def shown_zh(item: PlanItem) -> str:
    """An item's Chinese name with the noun its action gives it, where the plan names several before one noun
    ("提速奥体中心、汾水道消防站建设进度": 奥体中心 is 奥体中心消防站; 锦园里 is 锦园里积水点)."""
    m = _NOUN_AFTER.match(item.action_zh or "")
    return f"{item.name_zh}{m.group('noun')}" if m and not item.name_zh.endswith(m.group("noun")) else item.name_zh
