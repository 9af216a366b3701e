"""The plan's own lists: "燃气、消防、危化品、建筑施工、道路交通等重点行业领域" names five sectors, and its English
rendering lists the same five after "such as". A question asking which ones ("哪些行业", "which sectors") is answered
with the list itself — "2024年计划列出的重点行业领域：燃气、消防、危化品、建筑施工、道路交通 [1]。" — read from the
sentence, not from a table: what counts as an item and where the list ends comes from the Chinese punctuation (、 and
等), and the English items are the same number of items after the rendering's "such as" / "including".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .kinds import Lead
from .index import Unit
from .phrasing import join_en
from .retrieve import Query
from .text import en_tokens
from .understand import Asked

# items joined by 、 (two or more separators), then an optional 等 + the head noun that names them
_ITEM = r"[^，,；;。：:、（）()“”\"等]{1,16}"
_ZH_LIST = re.compile(rf"(?P<list>{_ITEM}(?:、{_ITEM}){{1,}})(?P<etc>等(?P<head>[^，,；;。、（）()]{{0,16}}))?")
_SIBLING = re.compile(rf"(?:和|及|以及|与)(?P<list>{_ITEM}(?:、{_ITEM})+)等(?P<head>[^，,；;。、（）()]{{1,16}})")
_MANNER = frozenset({"整体", "全面", "集中", "统一", "系统", "常态化", "分类", "精细化"})  # nouns used as adverbs
_NOT_NAMING = ("v", "p", "d", "c", "u", "r", "m", "q", "a")  # parts of speech that end a head noun
# the plan's verbs and adverbs that open a clause ahead of its first item ("着力引育概念认证" → 概念认证)
_OPENING = re.compile(r"^(?:着力|聚力|大力|全力|积极|持续|继续|深入|加快|加速|全面|重点|新开工|开工|建设|引育|引进|培育|"
                      r"开展|加强|推进|推动|实施|围绕|聚焦|包括|支持|引导|鼓励|打造|提升|深化|完善|做好|抓好|优化|强化|"
                      r"壮大|用好|促进|落实|盘活|实现|对接|拓展|覆盖|面向|针对|突出|增加|依托|联合|深挖|整合|借助|谋划|"
                      r"提速|启动|完成|建成|协同|发挥|瞄准|服务|加紧|创建|以|在|对|将|把|从|向|为)+")
_EN_OPEN = re.compile(r"\b(?:such as|including|namely|in areas such as|in fields such as)\s+", re.I)
_EN_PREP = {"in", "of", "for", "with", "on", "at", "from"}  # "people in difficulty": the head keeps its preposition


@dataclass(frozen=True)
class Enumeration:
    """One list in a sentence: its items in Chinese, the noun that names them (may be ""), and the clause it is in."""

    items: tuple[str, ...]
    head: str
    clause: str


_CJK_HEAD = re.compile(r"[\u4e00-\u9fff]+")


def zh_lists(sentence: str) -> list[Enumeration]:
    """The lists of three or more items that a Chinese sentence names with 、, and of two that it closes with 等 and
    the noun naming them ("用好中国医学科学院医工所、天大医工院等资源")."""
    found: list[Enumeration] = []
    clauses = re.split(r"[，,；;。]", sentence)
    for clause in clauses:
        joined = 0  # where a sibling list joined to the one before it ends (it is no list of its own)
        for m in _ZH_LIST.finditer(clause):
            if m.start() < joined:
                continue
            items = [i.strip() for i in m.group("list").split("、")]
            items[0] = _trim_opening(items[0])
            items = [i for i in items if i]
            if len(items) < 2:
                continue
            head = _head(m.group("head") or "")
            if len(items) < 3 and (len(head) < 2 or not _CJK_HEAD.fullmatch(head) or clause[:m.start()].endswith("、")):
                continue  # (two items need a noun naming them, and must not be the tail of a longer list)
            # "北京、长三角、珠三角等先进地区和西北、东北等互补地区": a second list of the same kind of thing joined to it
            more = _SIBLING.match(clause, m.end("head") - len(m.group("head") or "") + len(head)) if head else None
            if more and len(head) >= 2 and _head(more.group("head")).endswith(head[-2:]):
                items += [i.strip() for i in more.group("list").split("、")]
                head, joined = head[-2:], more.end()
            found.append(Enumeration(tuple(items), head, clause))
    return found


def _words(text: str) -> list[tuple[str, str]]:
    import jieba.posseg  # loaded on first use: most answers name no list

    return [(w.word, w.flag) for w in jieba.posseg.cut(text)]


def _trim_opening(item: str) -> str:
    """The first item without the verbs that open its clause ("开展燃气" → 燃气)."""
    return _OPENING.sub("", item) or item


def _head(text: str) -> str:
    """The noun after 等 that names the items ("重点行业领域排查整治" → 重点行业领域)."""
    out = []
    for word, flag in _words(text):
        if (flag.startswith(_NOT_NAMING) or word in _MANNER) and out:  # "载体整体打造": 整体 says how, not what
            break
        out.append(word)
    return "".join(out)


_ACTION_NOUN = re.compile(r"(ment|tion|sion|ing|ance|ence)$", re.I)  # the development / renovation / building of …


def en_items(segment: str, count: int) -> tuple[str, tuple[str, ...]] | None:
    """(the head words, ``count`` items) of the list an English segment opens with "such as" / "including"."""
    m = _EN_OPEN.search(segment)
    if not m:
        return None
    before = segment[: m.start()].rstrip(" ,").split()
    # "fields of science such as" keeps its three words; "the development of sites such as" lists sites
    three = len(before) >= 3 and before[-2].lower() in _EN_PREP and not _ACTION_NOUN.search(before[-3])
    head = " ".join(before[-3:] if three else before[-1:] if before and before[-2:-1] and
                    before[-2].lower() in _EN_PREP else before[-2:])
    parts = re.split(r",\s+", segment[m.end():])
    if len(parts) < count - 1:
        return None
    pair = re.split(r"\s+and\s+", parts[count - 2], maxsplit=1)
    if len(parts) >= count and re.match(r"(?:and|or)\s+\S+(\s+\S+){0,2}$", parts[count - 1].split(", ")[0]) \
            and len(pair) == 2:  # "A, B and C, and D": a serial comma before a short last item, not a new clause
        items = parts[:count]
    elif len(pair) == 2:  # "A, B, C and D": the last two share a piece
        items = parts[: count - 2] + pair
    elif len(parts) >= count:  # "A, B, and C"
        items = parts[:count]
    else:
        return None
    items = [re.sub(r"^(?:and|or)\s+", "", p).strip() for p in items]
    closed = [p for p in items[:-1] if p.endswith(")")]
    if closed and "(" in items[-1]:  # the others end with their Chinese name: so does the last
        items[-1] = items[-1][: items[-1].index(")") + 1]
    else:
        longest = max(len(p.split()) for p in items[:-1])
        items[-1] = " ".join(items[-1].split()[: longest + 1]).rstrip(".;:")
    return head, tuple(items)


def relevance_zh(enum: Enumeration, tokens: list[str]) -> int:
    """How many of the question's Chinese words the list's clause or head says."""
    return sum(1 for t in _maximal(tokens) if t in enum.clause)


def _maximal(tokens: list[str]) -> set[str]:
    """The question's words of two or more characters that are not part of a longer one (知识产权, not 产权)."""
    words = {t for t in tokens if len(t) > 1}
    return {t for t in words if not any(t != o and t in o for o in words)}


def relevance_en(segment: str, words: set[str]) -> int:
    return len(words & set(en_tokens(segment)))


def without(items: tuple[str, ...], excluded: tuple[str, ...]) -> tuple[str, ...]:
    """The items minus those a question excludes ("除了燃气" / "other than gas")."""
    if not excluded:
        return items
    ex = [e.lower() for e in excluded]

    def names(item: str, e: str) -> bool:  # "gas" names "gas"; "Changhong Park west" names "the Changhong Park west area"
        words = set(en_tokens(e))
        return e in item or item in e or bool(words) and words <= set(en_tokens(item))

    return tuple(i for i in items if not any(names(i.lower(), e) for e in ex))


def list_lead(asked: Asked, query: Query, units: list[Unit], segments: dict[str, list[tuple[str, str]]],
              cite: dict[str, int], year: int) -> Lead | None:
    """The direct answer to a "which ones" question from the list in the cited sentences that says most of the
    question: "2024年计划列出的重点行业领域：燃气、消防、危化品、建筑施工、道路交通 [1]。" / "For 2024 the plan lists
    key sectors: gas, fire safety, … [1]." None when no cited sentence has a list the question is about."""
    if not (asked.is_list or asked.exclusions):  # "besides X, what …" asks for the others too
        return None
    zh = query.lang == "zh"
    words = set(query.en_tokens) - {"plan", "nankai", "district", "year", "will"}
    best: tuple[int, Unit, Enumeration, tuple[str, tuple[str, ...]] | None] | None = None
    for unit in units:
        for enum in zh_lists(unit.zh):
            # the question's words in the noun naming the list count twice: "which sectors" and "key sectors"
            found = None
            if zh:
                head = sum(1 for t in _maximal(query.zh_tokens) if t in enum.head)
                score = 2 * head + relevance_zh(enum, query.zh_tokens)
            else:
                seg = _segment(enum, segments.get(unit.id, []))
                found = en_items(seg, len(enum.items)) if seg else None
                score = 2 * relevance_en(found[0], words) + relevance_en(seg, words) if found else 0
            # (a list of a lower-ranked sentence needs more of the question: "What kind of open economy" shares only
            # "economy" with the shipping economy's list, the best-ranked sentence is the open economy itself)
            if score >= (2 if cite.get(unit.id) == 1 else 4) and (best is None or score > best[0]):
                best = (score, unit, enum, found)
    if best is None:
        return None
    _, unit, enum, found = best
    n = cite[unit.id]
    if zh:
        items = without(enum.items, asked.exclusions)
        if not items:
            return None
        named = f"列出的{enum.head}" if enum.head else "列出"
        return Lead(f"{year}年计划{named}：{'、'.join(items)}等 [{n}]。", kind="list", focus=list(items))  # 等: open
    if found is None:
        return None
    head, en = found
    kept = [e for z, e in zip(enum.items, en) if z in without(enum.items, asked.exclusions)
            and e in without(en, asked.exclusions)]
    if not kept:
        return None
    listed = join_en(kept, serial=any(" and " in k for k in kept))  # "bidding and tendering, and government procurement"
    return Lead(f"For {year} the plan lists {head or 'these'}, such as {listed} [{n}].", kind="list",  # an open list
                focus=list(enum.items))


def _segment(enum: Enumeration, pairs: list[tuple[str, str]]) -> str:
    """The English segment aligned to the Chinese span that holds the list."""
    return next((en for zh, en in pairs if enum.items[-1] in zh or enum.items[0] in zh), "")
