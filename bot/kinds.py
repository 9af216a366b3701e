"""What a question asks for in plan items — the kind of thing (schools, parks, plots …), the plan's action on it
(starts, completes, renovates), how clearly it names an item — and the lead an answer opens with.

Shared by the direct answer (``bot.direct``) and the list composer (``bot.lists``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .items import PlanItem
from .retrieve import Query
from .text import compiled, en_token_set, en_tokens, has_cjk, zh_token_set, zh_tokens, zh_tokens_of
from .understand import Asked

# question words naming a kind of item (how residents say it), in both languages
KIND_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("school", re.compile(r"学校|小学|中学|高中|幼儿园|上学|入学|读书|学位|school|kindergarten|pupil|classroom", re.I)),
    ("hospital", re.compile(r"医院|诊所|卫生院|看病|就医|hospital|clinic|medical cent", re.I)),
    ("park", re.compile(r"公园|绿地|遛|散步|(?<!car )(?<!industrial )(?<!science )(?<!tech )parks?\b|green space|garden",
                        re.I)),  # (a car park is parking; an industrial park is no park)
    ("road", re.compile(r"道路|马路|修路|路段|堵车|通行|\broads?\b|street works|traffic", re.I)),
    ("metro", re.compile(r"地铁|轨道交通|\bmetro\b|subway|underground|\blines?\b", re.I)),
    ("place", re.compile(r"商圈|商业区|business districts?|shopping (areas?|districts?)|\bstreets?\b(?! works)|"
                         r"哪个区|哪些区|哪个城市|哪些城市|哪些省|哪些地区|哪个地区|哪几个地区|[去到跑]哪些地方|"
                         r"\b(which|what) (\w+ ){0,2}(districts?|cit(y|ies)|provinces?|regions?|count(y|ies))\b", re.I)),  # "Which Beijing district …": a place elsewhere
    ("company", re.compile(r"企业|公司|厂|\bcompan|\bfirms?\b|enterprises?\b|business(es)?\b(?! districts?)", re.I)),
    ("event", re.compile(r"活动|节日|展会|博览会|比赛|演出|events?\b|festivals?|expos?\b|fairs?\b|shows?\b", re.I)),
    ("housing", re.compile(r"小区|住房|房子|楼房|老房|housing|homes?\b|flats?\b|apartments?|compounds?|estates?", re.I)),
    ("parcel", re.compile(r"地块|土地|plots?\b|land parcels?|\bland\b", re.I)),
    ("cluster", re.compile(r"产业集群|产业链|clusters?\b|industry chains?", re.I)),
    ("brand", re.compile(r"品牌|\bbrands?\b", re.I)),
    ("title", re.compile(r"称号|荣誉|titles?\b|honou?rs\b|accolades?", re.I)),  # the titles the district campaigns for
    ("institution", re.compile(r"研究院|研究所|院所|科研机构|institutes?\b|institutions?\b|organi[sz]ations?\b", re.I)),
    ("facility", re.compile(r"设施|场馆|中心|站|facilit|venues?|stations?|centres?|centers?", re.I)),
    ("project", re.compile(r"项目|工程|projects?\b|schemes?\b|works\b", re.I)),
]
# a question's own verb for what happens to an item, mapped to the plan's action groups
ACTION_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("新开工", re.compile(r"开工|动工|开建|新建|start(s|ed)? (construction|building|work)|break(s)? ground|begin", re.I)),
    ("建成", re.compile(r"建成|建好|完工|竣工|投用|开学|开放|\bopens?\b|\bopening\b|\bcompleted?\b|\bfinished\b|ready", re.I)),
    ("完成", re.compile(r"完成|[改修做弄干]完|\bfinish", re.I)),
    ("改造", re.compile(r"改造|翻新|升级|renovat|upgrad|refurbish", re.I)),
    ("谋划", re.compile(r"谋划|规划中|筹备|planned|in the pipeline|being planned", re.I)),
    ("举办", re.compile(r"举办|主办|承办|[会要]办(?!理|事|公|证|法|好)|\bhost(s|ed|ing)?\b", re.I)),  # 会办博览会吗
    # residents say land is sold; the plan transfers its use rights (出让), and says so in its answer
    ("出让", re.compile(r"出让|卖地|土地(出售|拍卖)|\b(sold|sell(s|ing)?|sales?|auction(s|ed)?)\b|land transfers?", re.I)),
]
KIND_WORDS_OF = dict(KIND_WORDS)
ACTION_WORDS_OF = dict(ACTION_WORDS)
ACTION_GROUPS = frozenset(group for group, _ in ACTION_WORDS)  # the plan's specific actions a question can name
DONE = frozenset({"建成", "完成"})  # the plan's two words for a finished project

@dataclass
class Lead:
    """The direct answer's text (with [n] markers) and whether it says the plan lacks what was asked."""

    text: str
    partial: bool = False
    kind: str = "clause"  # figure | list | clause | gap | statement | pair (a target and its result)
    focus: list[str] = field(default_factory=list)  # Chinese words the supporting quotes must keep
    derived: set[str] = field(default_factory=set)  # numbers not quoted but derived: counts of listed items,
    # the year a question asked about
    named: bool = False  # a statement about the very item the question names (a yes/no answered by it alone)
    hedged: bool = False  # the plan's words for it are not a commitment (预计, 适时, 争创, 努力 …): no plain "yes"


# the plan's words of certainty that do not commit it ("expect", "when the time is right", "strive to become"): a
# yes/no question is answered with what the plan says, not a plain "yes"
HEDGES = frozenset({"预计", "适时", "适时推动", "争创", "申创", "争取", "努力", "力争", "探索", "鼓励"})  # (鼓励: the
# plan encourages companies to go overseas; it cannot promise that they will)


# an action that campaigns for a title or an outcome ("积极申创", "全力创建全国文明城区" "go all out to win the title")
_STRIVES = re.compile("|".join(sorted(HEDGES, key=len, reverse=True)) + r"|(积极|全力)创建|加快好转")  # (推动…加快好转: a push)


def hedged(items: list[PlanItem]) -> bool:
    """Whether the plan's words for these items do not commit it to the outcome: no plain yes."""
    return any(_STRIVES.search(f"{i.certainty_zh or ''} {i.action_zh or ''}") for i in items)


def _low(text: str) -> str:
    return text.lower()


WH = re.compile(r"哪些|哪几|哪个|哪所|哪条|哪家|几[个所条家座处项]|多少|\b(which|what|how many|any)\b", re.I)


_HELP = re.compile(r"(有什么|有啥|有哪些|什么)(支持|帮助|扶持|政策|措施|举措|优惠|服务|补贴|说法)|"
                   r"\b(what|which|any) (support|help|measures|policies|steps|benefits|assistance)\b", re.I)


_HEAD_NOUN = re.compile(r"[\u4e00-\u9fff]{2}(?<!是什)")  # a noun right after the question word: "哪些权益"


@lru_cache(maxsize=256)  # asked once per ask by the answerer and again by each lead tried
def asked_kind(text: str, strict: bool = False) -> str | None:
    """The kind of item asked for: the kind word nearest the question word ("Which plots in the Tiankai park …" asks
    for plots, "公园旁边有哪些学校" for schools), else (not ``strict``) the first kind word by the list's order."""
    found = [(kind, m) for kind, pattern in KIND_WORDS for m in pattern.finditer(text)]
    if not found or _HELP.search(text):  # "外贸企业有什么支持": the companies are who is helped, not what is asked
        return None
    wh = list(WH.finditer(text))
    if not wh:
        return None if strict else found[0][0]
    # and each kind word after the question word that a match holding the question word hid ("Which shopping districts":
    # "shopping districts", not only "Which … districts", which asks for a place elsewhere)
    found += [(kind, m) for kind, pattern in KIND_WORDS for w in wh if (m := pattern.search(text, w.end()))
              and m.start() > w.end() and all(m.span() != f.span() for _, f in found)]

    def distance(m: re.Match[str]) -> int:
        if m.group(0).endswith("地方") and any(m.start() <= w.start() and w.end() <= m.end() for w in wh):
            return 0  # "去哪些地方": places gone to, the kind's own words holding the question word
        after = min((m.start() - w.end() for w in wh if m.start() >= w.end()), default=10**6)
        if m.group(0).isascii():  # English names its thing after the question word
            return after
        # "民营企业的哪些权益" asks for rights: a kind word that only owns the thing after the question word is no answer
        before = min((w.start() - m.end() for w in wh if m.end() <= w.start()
                      and not ("的" in text[m.end():w.start()] and _HEAD_NOUN.match(text, w.end()))), default=10**6)
        # Chinese names it right after (有哪些新学校) or right before (学校都有哪些); "投资项目的资金渠道有哪些"
        # asks for channels, and the projects further back only qualify them
        return min(after if after <= 4 else 10**6, before + 1 if before <= 2 else 10**6)
    best = min(found, key=lambda f: distance(f[1]))
    if strict:  # the kind word right at the question word: "any new parks", "哪些学校"
        return best[0] if distance(best[1]) <= 12 else None
    return best[0] if distance(best[1]) < 10**6 or best[1].group(0).isascii() else None


def asked_action(text: str) -> str | None:
    for group, pattern in ACTION_WORDS:
        if pattern.search(text):
            return group
    return None


def item_score(item: PlanItem, query: Query) -> float:
    """How clearly the question is about this item: its keywords, its name, its words."""
    text = _low(query.text)
    score = 0.0
    for word in item.keywords_zh + item.keywords_en:  # Latin letters as a whole word or phrase ("AI" is not in
        if word and (compiled(rf"(?<![a-z0-9]){re.escape(_low(word))}(?:e?s)?(?![a-z0-9])").search(text)  # "chain", nor
                     if word.isascii() else word in text):  # "IP" in "ship"; or its plural)
            score += 2.0
    if item.name_zh in query.text:
        score += 3.0
    name_zh = zh_token_set(item.name_zh) | zh_token_set(item.measure_zh or "")
    score += sum(1.0 for t in set(query.zh_tokens) if t in name_zh)
    name_en = en_token_set(f"{item.name_en} {item.measure_en or ''}")
    score += sum(1.0 for t in set(query.en_tokens) if t in name_en and len(t) > 2)
    return score


def named_beside_kind(items: list[PlanItem], query: Query, kind: str) -> bool:
    """Whether the question names one of ``items`` clearly by words other than its kind word: "liaison services" in
    "How many companies will get liaison services?", not "districts" in "Which shopping districts …"."""
    text = KIND_WORDS_OF[kind].sub(" ", query.text)
    rest = replace(query, text=text, en_tokens=en_tokens(text), zh_tokens=zh_tokens(text))
    return any(item_score(i, rest) >= 2.0 for i in items)


def item_scores(items: list[PlanItem], query: Query) -> list[float]:
    """Each item's item_score, but none for an item that the question reaches only through words lying inside a
    longer keyword of another item ("乱停车有人管吗": 停车 inside 乱停车, illegal parking, is no parking space; "illegal
    parking" holds "parking")."""
    text = _low(query.text)
    keys = [[_low(w) for w in i.keywords_zh + i.keywords_en if w and _low(w) in text] for i in items]  # said in it
    # what of the question's own text reaches each item: its keywords said, and the words of its Chinese name
    said = [k + [t for t in zh_tokens_of(i.name_zh) if len(t) > 1 and t in text] for k, i in zip(keys, items)]

    def shadowed(n: int) -> bool:
        return bool(said[n]) and any(m != n and any(all(w in k and len(k) > len(w) for w in said[n]) for k in keys[m])
                                     for m in range(len(items)))

    return [0.0 if shadowed(n) else item_score(i, query) for n, i in enumerate(items)]


_PEOPLE_NOUN = re.compile(r"(household|famil|home|people|resident|person|人|户|名)", re.I)


def counts_other(item: PlanItem, noun: str) -> bool:
    """A count of households or people is no count of the projects that benefit them ("how many projects …" is not
    answered by "more than 50,000 households — benefiting from the … projects")."""
    return (item.unit in ("户", "人") or item.unit_en in ("households", "people")) and not _PEOPLE_NOUN.match(noun)


# "how many national high-tech enterprises will there be?": the words that say what is counted, up to the verb
_COUNTED_PHRASE = re.compile(r"\bhow many (?P<p>[a-z][a-z'\- ]*?)(?=\s+(?:will|are|is|does|do|did|can|could|would|"
                             r"should|has|have|were|was|in|to|there|for|by|on|at|get|gets|be)\b|\s*[?.!,]|\s*$)", re.I)
_COUNT_GENERIC = frozenset({"new", "more", "other", "differ", "big", "main", "key", "major", "total", "exactli",
                            "realli", "actual", "of", "the", "and", "in", "to"})


_COLLECTIVE = frozenset({"batches", "batch", "round", "rounds", "批", "轮"})  # a unit that counts groups, not things


def uncounted(text: str, item: PlanItem, vocabulary: set[str]) -> str:
    """The question's counted phrase when a word of it is one the plan uses elsewhere and not one of what ``item``
    counts: the figure counts something else ("national high-tech enterprises" answered by the 40 SMEs, "projects
    under construction" by the 54 compounds). A word the plan never uses (a misspelling, a thing it lacks) is left
    to other checks."""
    m = _COUNTED_PHRASE.search(text)
    if not m:
        return ""
    words = [w for w in en_tokens(m.group("p")) if w not in _COUNT_GENERIC]
    if not words:
        return ""
    if (item.unit_en or "") in _COLLECTIVE and not set(words) & set(en_tokens(item.unit_en or "")):
        return m.group("p").strip()  # "How many projects are planned?": three batches count no projects
    said = set(en_tokens(" ".join([item.name_en or "", item.measure_en or "", item.unit_en or "",
                                   *item.keywords_en])))
    return m.group("p").strip() if any(w in vocabulary and w not in said for w in words) else ""


_COUNTED_ZH = re.compile(r"(?:多少|几)[个项家所条]?([\u4e00-\u9fff]{2,8}?)(?:[？?吗呢]|$)")


def uncounted_zh(text: str, item: PlanItem) -> str:
    """The thing a Chinese how-many question counts when the figure counts groups of something (三批: "多少个储备项目")."""
    m = _COUNTED_ZH.search(text)
    if not m or item.unit not in _COLLECTIVE or item.unit in text:
        return ""
    return m.group(1)


_ACTION_GENERIC = frozenset({"做好", "推动", "推进", "加快", "持续", "进一步", "支持", "开展", "实施", "提升", "加强"})


_AFTER_WH = re.compile(r"(?:有什么|有啥|什么|哪些)([\u4e00-\u9fff]{2,4})|\b(?:what|which|any)\s+([a-z]+)", re.I)


def asks_its_action(item: PlanItem, query: Query, text: str) -> bool:
    """"低保户有什么帮扶？" names one item and a word of what the plan does with it (做好…关爱帮扶): it asks that, not
    which other items the plan lists beside it (as "哪些专业服务机构" does: "…等专业服务机构" in its sentence ``text``)."""
    head = _AFTER_WH.search(query.text)  # the noun the question word asks for ("有什么帮扶", "what support")
    said = set(zh_tokens(head.group(1) or "")[:1]) | set(en_tokens(head.group(2) or "")[:1]) if head else set()
    action = set(zh_tokens((item.action_zh or "").replace("…", " "))) | set(en_tokens(item.action_en or ""))
    name = set(zh_tokens(item.name_zh)) | set(en_tokens(item.name_en or ""))
    return bool({w for w in said & action - name - _ACTION_GENERIC if len(w) > 1 and f"等{w}" not in text})


def excluded(item: PlanItem, asked: Asked) -> bool:
    for x in asked.exclusions:
        xl = _low(x)
        names = [item.name_zh, _low(item.name_en), *item.keywords_zh, *map(_low, item.keywords_en)]
        if any(xl in n or (len(n) >= 2 and n in xl) for n in names if n):
            return True
        if set(en_tokens(x)) & set(en_tokens(item.name_en)) - {"the", "school", "park", "road", "district"}:
            return True
    return False



def shares_question(item: PlanItem, query: Query, asked: Asked, texts: dict[str, str],
                    texts_en: dict[str, str]) -> int:
    """How many of the question's words beside its exclusions the item's sentence shares (Chinese bigrams, English
    words): "大场馆" shares 大场 with 用好奥体中心等大场大馆资源, nothing with 提速奥体中心、汾水道消防站建设进度."""
    rest = query.text
    for x in asked.exclusions:
        rest = rest.replace(x, " ")
    zh = {rest[k:k + 2] for k in range(len(rest) - 1) if has_cjk(rest[k]) and has_cjk(rest[k + 1])}
    text = texts.get(item.sentence, "")
    return sum(g in text for g in zh) + len(set(en_tokens(rest)) & en_token_set(texts_en.get(item.sentence, "")))


def excluded_first(left_out: list[PlanItem], query: Query, asked: Asked, texts: dict[str, str],
                   texts_en: dict[str, str]) -> list[PlanItem]:
    """The items an exclusion names, the one the question is about first (see ``shares_question``)."""
    return sorted(left_out, key=lambda i: -shares_question(i, query, asked, texts, texts_en))


CONCRETE = frozenset({"project", "school", "hospital", "park", "road", "metro", "parcel", "cluster", "carrier",
                      "company", "institution", "place", "facility", "housing", "event", "brand"})

def focus(items: list[PlanItem]) -> list[str]:
    return [w for i in items for w in (i.name_zh, i.quantity) if w]


_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_HOW_MANY_ASKED = re.compile(r"\b(two|three|four|[234])\s+(?:[\w-]+\s+){0,2}(?:targets|figures|numbers|goals)\b", re.I)
_PLURAL_FIGURES = re.compile(r"\b(targets|figures|numbers|goals)\b", re.I)


def figures_asked(text: str) -> int | None:
    """How many figures a question asks for when it asks for several: "the two floor-area targets" 2, "What are the
    floor area targets …" 0 (every one); None when it asks for one."""
    if not _PLURAL_FIGURES.search(text):
        return None
    many = _HOW_MANY_ASKED.search(text)
    return _COUNT_WORDS.get(many.group(1).lower(), 0) if many else 0
