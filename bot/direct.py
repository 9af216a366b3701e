"""The direct answer: one or two sentences that answer in the question's own terms — the items asked for grouped by
the plan's actions and counted, the figure with its unit and what it counts, the date, or a plain yes — naming the
plan year; or, when the plan gives something near but not the thing asked, a plain statement of what it lacks.

It is composed from the plan items (``corpus/items.jsonl``) of the sentences the answerer chose, so every name and
figure in it comes from a cited sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .items import GROUP_EN, KIND_LABEL, PlanItem
from .phrasing import SEP, certainty_note, countable, group_of, hedge, join_en, own_verb, \
    GAP, fill, plan_noun, plan_total, shown_en, takes_count
from .retrieve import Query
from .text import en_tokens, zh_tokens
from .understand import Asked

# question words naming a kind of item (how residents say it), in both languages
KIND_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("school", re.compile(r"学校|小学|中学|高中|幼儿园|上学|入学|读书|学位|school|kindergarten|pupil|classroom", re.I)),
    ("hospital", re.compile(r"医院|诊所|卫生院|看病|就医|hospital|clinic|medical cent", re.I)),
    ("park", re.compile(r"公园|绿地|遛|散步|park\b|parks\b|green space|garden", re.I)),
    ("road", re.compile(r"道路|马路|修路|路段|堵车|通行|\broads?\b|street works|traffic", re.I)),
    ("metro", re.compile(r"地铁|轨道交通|\bmetro\b|subway|underground|\blines?\b", re.I)),
    ("company", re.compile(r"企业|公司|厂|\bcompan|\bfirms?\b|enterprises?\b|business(es)?\b", re.I)),
    ("event", re.compile(r"活动|节日|展会|博览会|比赛|演出|events?\b|festivals?|expos?\b|fairs?\b|shows?\b", re.I)),
    ("housing", re.compile(r"小区|住房|房子|楼房|老房|housing|homes?\b|flats?\b|apartments?|compounds?|estates?", re.I)),
    ("parcel", re.compile(r"地块|土地|plots?\b|land parcels?|\bland\b", re.I)),
    ("cluster", re.compile(r"产业集群|产业链|clusters?\b|industry chains?", re.I)),
    ("brand", re.compile(r"品牌|\bbrands?\b", re.I)),
    ("institution", re.compile(r"研究院|研究所|院所|科研机构|institutes?\b|institutions?\b", re.I)),
    ("facility", re.compile(r"设施|场馆|中心|站|facilit|venues?|stations?|centres?|centers?", re.I)),
    ("project", re.compile(r"项目|工程|projects?\b|schemes?\b|works\b", re.I)),
]
# a question's own verb for what happens to an item, mapped to the plan's action groups
ACTION_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("新开工", re.compile(r"开工|动工|开建|新建|start(s|ed)? (construction|building|work)|break(s)? ground|begin", re.I)),
    ("建成", re.compile(r"建成|建好|完工|竣工|投用|开学|开放|\bopens?\b|\bopening\b|\bcompleted?\b|\bfinished\b|ready", re.I)),
    ("完成", re.compile(r"完成|\bfinish", re.I)),
    ("改造", re.compile(r"改造|翻新|升级|renovat|upgrad|refurbish", re.I)),
    ("谋划", re.compile(r"谋划|规划中|筹备|planned|in the pipeline|being planned", re.I)),
]
DONE = frozenset({"建成", "完成"})  # the plan's two words for a finished project
_DATE = re.compile(r"尽快|尽早|适时|年内|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月(底|末|份|前)?|年底|年内|上半年|下半年|第[一二三四]季度|\d{4}年底")
_DATE_EN = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
                      r"December) \d{4}\b|as soon as possible|\bas early as possible|when the time is right|\bby the end of (the year|20\d\d)\b|\bwithin the year\b|\bfirst half\b|"
                      r"\bsecond half\b|\bquarter\b", re.I)
_MONEY = re.compile(r"\d[\d.,]*\s*(亿|万)?元|yuan|RMB", re.I)
_PEOPLE = re.compile(r"人口|常住|population", re.I)


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
HEDGES = frozenset({"预计", "适时", "适时推动", "争创", "申创", "争取", "努力", "力争", "探索"})


def hedged(items: list[PlanItem]) -> bool:
    return any(i.certainty_zh in HEDGES for i in items if i.certainty_zh)


def _low(text: str) -> str:
    return text.lower()


_WH = re.compile(r"哪些|哪几|哪个|哪所|哪条|哪家|几[个所条家座处项]|多少|\b(which|what|how many|any)\b", re.I)


_HELP = re.compile(r"(有什么|有啥|有哪些|什么)(支持|帮助|扶持|政策|措施|举措|优惠|服务|补贴|说法)|"
                   r"\b(what|which|any) (support|help|measures|policies|steps|benefits|assistance)\b", re.I)


@lru_cache(maxsize=256)  # asked once per ask by the answerer and again by each lead tried
def asked_kind(text: str, strict: bool = False) -> str | None:
    """The kind of item asked for: the kind word nearest the question word ("Which plots in the Tiankai park …" asks
    for plots, "公园旁边有哪些学校" for schools), else (not ``strict``) the first kind word by the list's order."""
    found = [(kind, m) for kind, pattern in KIND_WORDS for m in pattern.finditer(text)]
    if not found or _HELP.search(text):  # "外贸企业有什么支持": the companies are who is helped, not what is asked
        return None
    wh = list(_WH.finditer(text))
    if not wh:
        return None if strict else found[0][0]

    def distance(m: re.Match[str]) -> int:
        after = min((m.start() - w.end() for w in wh if m.start() >= w.end()), default=10**6)
        if m.group(0).isascii():  # English names its thing after the question word
            return after
        before = min((w.start() - m.end() for w in wh if m.end() <= w.start()), default=10**6)
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
    for word in item.keywords_zh + item.keywords_en:
        if word and _low(word) in text:
            score += 2.0
    if item.name_zh in query.text:
        score += 3.0
    name_zh = set(zh_tokens(item.name_zh)) | set(zh_tokens(item.measure_zh or ""))
    score += sum(1.0 for t in set(query.zh_tokens) if t in name_zh)
    name_en = set(en_tokens(f"{item.name_en} {item.measure_en or ''}"))
    score += sum(1.0 for t in set(query.en_tokens) if t in name_en and len(t) > 2)
    return score


def _excluded(item: PlanItem, asked: Asked) -> bool:
    for x in asked.exclusions:
        xl = _low(x)
        names = [item.name_zh, _low(item.name_en), *item.keywords_zh, *map(_low, item.keywords_en)]
        if any(xl in n or (len(n) >= 2 and n in xl) for n in names if n):
            return True
        if set(en_tokens(x)) & set(en_tokens(item.name_en)) - {"the", "school", "park", "road", "district"}:
            return True
    return False


def _fits(item: PlanItem, asked: Asked) -> bool:
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


# a question that asks for two figures at once: "X and Y", "… and how many …", "X和Y分别"
_TWO_ASKS = re.compile(r"分别|各(是|有|为)|(和|与|以及|及)[^，,？?]{1,20}(多少|几)|多少[^，,？?]{0,20}(和|与|以及)|"
                       r"\band (how many|how much|what|for)\b|\b(both|respectively|each)\b", re.I)
# the thing a how-many question counts: "how many households", "多少户"
_COUNTED = re.compile(r"how many (?P<noun>[a-z\-]+)|(多少|几)(?P<zh>户|人|个|所|家|条|处|项|宗|座|名|平方米)", re.I)
CONCRETE = frozenset({"project", "school", "hospital", "park", "road", "metro", "parcel", "cluster", "carrier",
                      "company", "institution", "place", "facility", "housing", "event", "brand"})
_PLACE_NAME = re.compile(r"(地块|路|道|街|里|大街|广场|片区|街区|区域|地区|厂区|院区)$")


def _names(query: Query, item: PlanItem) -> bool:
    """Whether the question names the item itself (its Chinese name, or most of its English name's words)."""
    if item.name_zh in query.text:
        return True
    words = {w for w in en_tokens(item.name_en) if len(w) > 2} - {"the", "and", "for"}
    return bool(words) and len(words & set(en_tokens(query.text))) >= 0.5 * len(words)  # its own words only


def _is_place(item: PlanItem) -> bool:
    return item.kind in ("place", "parcel", "road") or bool(_PLACE_NAME.search(item.name_zh))


def _focus(items: list[PlanItem]) -> list[str]:
    return [w for i in items for w in (i.name_zh, i.quantity) if w]


class DirectAnswer:
    """Composes the lead of an answer from the plan items of the chosen sentences."""

    def __init__(self, items: list[PlanItem], plan_year: int = 2024, texts: dict[str, str] | None = None) -> None:
        self.plan_year = plan_year
        self.texts = texts or {}  # sentence id -> its Chinese, to read the plan's "A、B等N个" counts
        self.covered: tuple[int, ...] = ()  # the years the loaded documents cover (several: a year is "other" only
        # when none covers it)
        self.by_sentence: dict[str, list[PlanItem]] = {}
        for item in items:
            self.by_sentence.setdefault(item.sentence, []).append(item)

    def items_in(self, sentence_ids: list[str]) -> list[PlanItem]:
        return [item for sid in sentence_ids for item in self.by_sentence.get(sid, [])]

    # ------------------------------------------------------------ what the plan does not give

    def gap(self, asked: Asked, query: Query, quotes: str, subject: str, lang: str) -> str | None:
        """A sentence saying what the plan lacks, or None when it gives what was asked."""
        year = self.plan_year
        other = [y for y in asked.years if (y not in self.covered if len(self.covered) > 1 else y != year)]
        zh = lang == "zh"
        about = subject or ("这方面" if zh else "this")
        if other:
            y = other[0]
            return (f"计划是{year}年的计划，没有给出{y}年的情况；以下是{year}年计划的内容。" if zh else
                    f"The plan covers {year} and does not give {about} for {y}; here is what it plans for {year}.")
        if asked.attribute == "money" and not _MONEY.search(quotes):
            return (f"计划没有列出{about}的投资金额或资金数额。" if zh else
                    f"The plan does not give an amount of money for {about}.")
        if asked.attribute == "population" and not _PEOPLE.search(quotes):
            return "计划没有给出人口数字。" if zh else "The plan does not give population figures."
        if asked.attribute == "date" and asked.kind in ("when",) and not (_DATE.search(quotes) or _DATE_EN.search(quotes)):
            return (f"计划没有给出{about}的具体日期，只说在{year}年内推进。" if zh else
                    f"The plan does not set a date for {about}; it is part of the {year} plan.")
        if asked.result:
            return (f"计划只列出{year}年的目标和任务，没有给出完成结果。" if zh else
                    f"The plan sets targets for {year}; it does not report whether they were met.")
        return None

    # ------------------------------------------------------------ figures

    def figure(self, asked: Asked, query: Query, items: list[PlanItem], cite: dict[str, int],
               lang: str) -> Lead | None:
        candidates = [i for i in items if (i.quantity or i.value_en) and _fits(i, asked)]
        if not candidates:
            return None
        kind = asked_kind(query.text)
        label = KIND_LABEL.get(kind or "")

        counted = _COUNTED.search(query.text)
        noun = (counted.group("noun") or counted.group("zh") or "").lower() if counted else ""

        def score(item: PlanItem) -> float:  # the question's kind of thing ("几条马路") in what the figure counts
            named = label and (label[1] in (item.measure_zh or "") or label[3] in (item.measure_en or "").lower()
                               or (item.unit == label[0] and kind not in ("project", "programme", "policy")))
            what = f"{item.unit or ''} {item.unit_en or ''} {item.measure_zh or ''} {item.measure_en or ''}".lower()
            asked_noun = bool(noun) and (noun in what or noun.rstrip("s") in what)
            return item_score(item, query) + (2.0 if named else 0.0) + (3.0 if asked_noun else 0.0)

        scored = sorted(((score(i), n, i) for n, i in enumerate(candidates)), key=lambda s: (-s[0], s[1]))
        best = scored[0][0]
        if best <= 0 and len(candidates) > 1:
            return None
        top = scored[0][2]
        if asked.parts or _TWO_ASKS.search(query.text):
            chosen = [i for s, _, i in scored if s >= 1.0][:2] or [top]
        else:  # the figure asked for, and another figure of the same sentence about the same thing
            chosen = [top] + [i for s, _, i in scored[1:2] if i.sentence == top.sentence and s >= max(1.0, best - 1.0)]
        year = self.plan_year
        if lang == "zh":
            parts = [f"{self._measure_zh(i)}为{i.value_zh()} [{cite[i.sentence]}]" for i in chosen]
            return Lead(f"{year}年计划中，" + "；".join(parts) + "。", kind="figure", focus=_focus(chosen))
        parts = [f"{i.measure_en or i.name_en}{certainty_note(i)}: {i.value_en_text()} [{cite[i.sentence]}]"
                 for i in chosen]
        return Lead(f"In the {year} plan, " + "; ".join(parts) + ".", kind="figure", focus=_focus(chosen))

    @staticmethod
    def _measure_zh(item: PlanItem) -> str:
        measure = item.measure_zh or item.name_zh
        certainty = f"（{item.certainty_zh}）" if item.certainty_zh and item.certainty_zh not in measure else ""
        return f"{measure}{certainty}"

    # ------------------------------------------------------------ lists

    def listing(self, asked: Asked, query: Query, items: list[PlanItem], cite: dict[str, int],
                lang: str) -> Lead | None:
        kind = asked_kind(query.text)
        pool = [i for i in items if i.kind != "target" and not _excluded(i, asked)]
        if kind:
            pool = [i for i in pool if i.kind == kind]
        elif asked.is_list:  # "which … / what are …" without a kind word: concrete items the question names clearly
            pool = [i for i in pool if i.kind in CONCRETE]
            top = max((item_score(i, query) for i in pool), default=0.0)
            pool = [i for i in pool if item_score(i, query) >= max(3.0, top - 1.0)]
            if len(pool) < 2:
                return None
        else:
            return None
        if not pool:
            return None
        groups: dict[str, list[PlanItem]] = {}
        for item in pool:  # by the plan's action group and, within it, each item's own verb ("加快…建设" / "提升…")
            own = item.action_zh if lang == "zh" else item.action_en
            groups.setdefault(f"{item.group}{SEP}{own or ''}", []).append(item)
        first = asked_action(query.text)
        order = sorted(groups, key=lambda g: (group_of(g) != first, list(groups).index(g)))
        label = KIND_LABEL.get(kind or "", None)
        # the action asked ("which schools open") is answered by name; the plan's other actions on the same kind of
        # item are counted after it ("; it also finishes 2 and starts 3")
        family = DONE if first in DONE else {first}  # residents say "finished" and "completed" for 建成 and 完成 alike
        kinds = {group_of(g) for g in groups}
        named = [g for g in order if group_of(g) in family] if first in kinds and len(kinds) > 1 and label else order
        year = self.plan_year
        single = len({cite[i.sentence] for i in pool}) == 1
        totals = {g: plan_total(groups[g], items, self.texts) for g in groups}  # the plan's own count of each group
        # a group is counted when the plan counts it, or when it names single things of a closed list (not kinds of
        # thing, not "A、B等") and the verb can take the count
        counts = {g: bool(label) and (totals[g] is not None or (
            len(groups[g]) > 1 and not self._open(groups[g]) and all(countable(i) for i in groups[g])
            and (lang == "zh" or takes_count(own_verb(g, groups[g], lang))))) for g in groups}

        def counted(g: str) -> str:
            total = totals[g]
            return total.quantity or "" if total else str(len(groups[g]))

        rest = [g for g in order if g not in named and counts[g]]
        # the quote keeps the clauses of the items named (the groups only counted stay in the card)
        focus = _focus([i for g in named for i in groups[g]]) + [t.quantity for t in totals.values() if t and t.quantity]
        derived = {str(len(g)) for g in groups.values()}
        if lang == "zh":
            chunks = []
            for n, g in enumerate(named):
                its = groups[g]
                verb = own_verb(g, its, "zh")
                verb = hedge(its, verb, "zh")[0] + verb
                total = totals[g]
                marks = "" if single else "".join(f" [{c}]" for c in dict.fromkeys(cite[i.sentence] for i in its))
                names = "、".join(i.name_zh for i in its)
                if total and label and len(its) == 1 and its[0].name_zh in total.name_zh:  # "4个口袋公园": the thing
                    chunks.append(fill(verb, f"{total.quantity}{total.unit or label[0]}{its[0].name_zh}") + marks)
                elif total and label:  # "实施10条道路工程，包括文水路": the count's own verb
                    count = f"{total.quantity}{total.unit or label[0]}{plan_noun(total, label, 'zh')}"
                    chunks.append(fill(total.action_zh or verb, count) + f"，包括{names}{marks}")  # "推动3宗土地出让，包括…"
                elif counts[g]:  # the kind's noun once, on the first count ("建成2所学校：…；新开工3所：…")
                    noun = "" if any(counts[h] for h in named[:n]) else label[1]
                    count = f"{len(its)}{label[0]}{noun}"
                    chunks.append(fill(verb, f"{count}（{names}）") + marks if GAP in verb else
                                  f"{verb}{count}：{names}{marks}")
                else:  # names, not counted: one item, kinds of thing, or an open list ("8358所老院区、原中电科46所等")
                    chunks.append(fill(verb, f"{names}{'等' if self._open(its) else ''}") + marks)
            if rest and label:
                chunks.append("另" + "、".join(fill(own_verb(g, groups[g], "zh"), f"{counted(g)}{label[0]}{label[1]}")
                                               for g in rest))
            end = f" [{cite[pool[0].sentence]}]" if single else ""
            return Lead(f"{year}年计划" + "；".join(chunks) + end + "。", kind="list", focus=focus, derived=derived,
                        hedged=hedged([i for g in named for i in groups[g]]))
        chunks = []
        for g in named:
            its = groups[g]
            verb = own_verb(g, its, "en")
            before, after = hedge(its, verb, "en")
            verb = before + verb
            total = totals[g]
            marks = "" if single else "".join(f" [{c}]" for c in dict.fromkeys(cite[i.sentence] for i in its))
            names = join_en([shown_en(i) for i in its])
            if total and label and len(its) == 1 and its[0].name_zh in total.name_zh:  # "4 pocket parks": the thing
                chunks.append(f"{verb} {total.quantity} {its[0].name_en}{after}{marks}")
            elif total and label:  # "carry out 10 road projects, including …": the count's own verb
                count = f"{total.quantity} {plan_noun(total, label, 'en')}"
                chunks.append(f"{before}{total.action_en or verb} {count}{after}, including {names}{marks}")
            elif counts[g]:
                chunks.append(f"{verb} {len(its)} {label[3]}{after}: {names}{marks}")
            elif self._open(its):  # an open list: "plots such as …", no count
                such = f"{label[3]} such as " if label and "such as" not in verb and takes_count(verb) else ""
                chunks.append(f"{verb} {such}{names}{'' if such or 'such as' in verb else ', among others'}{after}"
                              f"{marks}")
            else:  # one item, or kinds of thing ("speed up the building of chest pain treatment units and …")
                chunks.append(f"{verb} {names}{after}{marks}")
        # chunks that list names with their own "and" are kept apart by semicolons
        apart = len(chunks) > 2 or any(" and " in c for c in chunks)
        body = "; ".join(chunks[:-1]) + ("; and " if apart else " and ") + chunks[-1] if len(chunks) > 1 else chunks[0]
        if rest and label:
            body += "; it also plans to " + join_en(
                [f"{own_verb(g, groups[g], 'en')} {counted(g)} other {label[2] if counted(g) == '1' else label[3]}"
                 for g in rest])
        end = f" [{cite[pool[0].sentence]}]" if single else ""
        return Lead(f"In {year} the plan will {body}{end}.", kind="list", focus=focus, derived=derived,
                    hedged=hedged([i for g in named for i in groups[g]]))

    def _open(self, its: list[PlanItem]) -> bool:
        """Whether the plan names these items as an open list ("A、B等"): they are examples, not a count."""
        return any(f"{i.name_zh}等" in self.texts.get(i.sentence, "") for i in its)

    # ------------------------------------------------------------ the whole lead

    def run(self, asked: Asked, query: Query, sentence_ids: list[str], cite: dict[str, int], quotes: str,
            lang: str, unmentioned: str = "", listed: bool = False) -> Lead | None:
        """The direct answer for the chosen sentences (None: the quote itself is the best answer)."""
        items = self.items_in(sentence_ids)
        single = self._single(query, items)
        subject = (single.name_zh if lang == "zh" else single.name_en) if single else self._subject(query, items, lang)
        zh = lang == "zh"
        gap = self.gap(asked, query, quotes, subject, lang)
        if gap is None and unmentioned:
            gap = (f"计划没有提到“{unmentioned}”；以下是相关内容。" if zh else
                   f"The plan does not mention {unmentioned}; here is what it says on the subject.")
        lead: Lead | None = None
        if gap is None and asked.kind == "where" and not any(_is_place(i) for i in items):
            gap = (f"计划没有给出{subject or '具体'}的具体位置。" if zh else
                   f"The plan does not say where {subject or 'this'} will be.")
        # "除了文水路，另外那几条路都是哪些？" asks for names, not the count: the list (or what it lacks) comes first
        figure_wanted = asked.wants_figure and asked.attribute not in ("money", "population") and \
            not (asked.is_list and asked.exclusions)
        if figure_wanted:
            lead = self.figure(asked, query, items, cite, lang)
            asked_noun = asked_kind(query.text)
            if lead is None and gap is None and asked.kind in ("how_many", "how_much"):
                if (single is not None and not single.quantity and asked_noun in (None, single.kind)) or \
                        asked.attribute in ("share", "growth", "area"):
                    gap = (f"计划没有给出{subject or '这方面'}的具体数字。" if zh else
                           f"The plan does not give a figure for {subject or 'this'}.")
        if lead is None and asked.kind == "when" and single is not None and gap is None:
            # "when does X start?": the plan's word of time for X (尽快, 适时), or that it sets none for X
            timed = bool(_DATE.search(single.certainty_zh or "") or _DATE_EN.search(single.certainty_en or ""))
            lead = self.statement(single, cite, lang, items)
            if lead is not None and not timed:
                gap = (f"计划没有给出{subject}的具体时间，只说在{self.plan_year}年内推进。" if zh else
                       f"The plan does not set a date for {subject}; it is part of the {self.plan_year} plan.")
        kind = asked_kind(query.text)
        if lead is None and asked.kind == "whether" and single is not None:
            lead = self.statement(single, cite, lang, items)
            if lead is not None:
                lead.named = _names(query, single)
        if lead is None and (asked.is_list or asked.kind == "whether" or (asked.kind == "how_many" and gap is None)
                             or asked.attribute == "name"):  # "what is the consumption brand called": the items
            lead = self.listing(asked, query, items, cite, lang)
            excluded = [i for i in items if i.kind != "target" and _excluded(i, asked)]
            if excluded and [i for i in items if i.sentence == excluded[0].sentence and i.kind == excluded[0].kind
                             and not _excluded(i, asked)]:
                excluded = []  # the excluded item's sentence names others of its kind: they answer, not "no other"
            if lead is None and asked.exclusions and asked.is_list and gap is None and not listed and (excluded or self.listing(
                    Asked(kind=asked.kind, attribute=asked.attribute), query, items, cite, lang)):
                kind = asked_kind(query.text) or (excluded[0].kind if excluded and excluded[0].kind in KIND_LABEL
                                                  else None)
                label = KIND_LABEL[kind][1] if kind else "项目"
                gap = (f"除{asked.exclusions[0]}外，计划没有点名其他{label}。" if zh else
                       f"Besides {asked.exclusions[0]}, the plan names no other {KIND_LABEL[kind][3] if kind else 'items'}.")
                lead = self.figure(Asked(kind="how_many", attribute="count"), query, items, cite, lang)
        asked_years = {str(y) for y in asked.years}
        if gap:
            return Lead(gap + ((" " if lang == "en" else "") + lead.text if lead else ""), partial=True, kind="gap",
                        focus=lead.focus if lead else [], derived=(lead.derived if lead else set()) | asked_years)
        if lead and asked.kind == "whether" and not lead.hedged:
            lead = Lead(("是的。" if lang == "zh" else "Yes. ") + lead.text, kind=lead.kind, focus=lead.focus,
                        named=lead.named, derived=lead.derived)
        return lead

    def statement(self, item: PlanItem, cite: dict[str, int], lang: str,
                  items: list[PlanItem] | None = None) -> Lead | None:
        """What the plan does with one item, in its own words: "2024年计划启动首批区级品牌高中建设"; with the plan's
        count when it names the item as one of several ("实施10条道路工程，包括文水路"). None for an item the plan
        takes no action on (a date, an anniversary): its quote answers."""
        if not item.action_zh and not item.action_en:
            return None
        n = cite[item.sentence]
        total = plan_total([item], items or [], self.texts)
        counted = total is not None and item.name_zh in total.name_zh  # "54个老旧小区": the item is what is counted
        action = item.action_zh or ""
        certainty = item.certainty_zh if item.certainty_zh and item.certainty_zh not in action else ""
        focus = _focus([item]) + ([total.quantity] if total and total.quantity else [])
        if lang == "zh":
            if total is not None and not counted:  # "完成39个积水点改造，包括金庄花园": the count in its own phrase
                body = f"{fill(total.action_zh or action, total.name_zh)}，包括{item.name_zh}"
            else:
                body = fill(action, item.name_zh if total is None else f"{total.quantity}{total.unit or ''}{item.name_zh}")
            return Lead(f"{self.plan_year}年计划{certainty}{body} [{n}]。", kind="statement", focus=focus,
                        hedged=hedged([item]))
        verb = item.action_en or GROUP_EN.get(item.group, "advance")
        name = shown_en(item)
        if total is not None and not counted:
            verb = total.action_en or verb
            noun = plan_noun(total, KIND_LABEL.get(item.kind, KIND_LABEL["project"]), "en")
            name = f"{total.quantity} {noun}, including {name}"
        elif counted and total is not None:
            name = f"{total.quantity} {name}"
        elif item.kind == "target" and item.quantity and item.quantity.isdigit() and item.quantity not in name:
            name = f"{item.quantity} {name}"  # a target says its count: "support 12 key industrial chains of Tianjin"
        if verb.split()[-1].lower() == name.split()[0].lower():  # "finish the expansion" + "expansion of …"
            name = name.split(" ", 1)[1] if " " in name else name
            name = re.sub(r"^of\s+", "of ", name)
            verb = verb + "" if name.startswith("of ") else verb
        before, after = hedge([item], verb, "en")
        text = f"In {self.plan_year} the plan will {before}{verb} {name}{after} [{n}]."
        return Lead(text, kind="statement", focus=focus, hedged=hedged([item]))

    @staticmethod
    def _single(query: Query, items: list[PlanItem]) -> PlanItem | None:
        """The one item the question is clearly about (well ahead of every other), if there is one."""
        scored = sorted(((item_score(i, query), n, i) for n, i in enumerate(items)), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0] + 1):
            return scored[0][2]
        return None

    @staticmethod
    def _subject(query: Query, items: list[PlanItem], lang: str) -> str:
        scored = sorted(((item_score(i, query), n, i) for n, i in enumerate(items)), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] >= 2:
            item = scored[0][2]
            return item.name_zh if lang == "zh" else item.name_en
        return ""
