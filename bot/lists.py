"""The list answer: the plan items of the kind asked for, grouped by the plan's own actions (新开工 / 建成 / 完成 /
推进 / 谋划) and each item's own verb, counted where the plan counts them, in the question's language —
"2024年计划建成2所学校：…；另新开工3所学校" / "In 2024 the plan will complete 2 schools: …; it also plans to …".
"""

from __future__ import annotations

import re

import jieba

from .items import KIND_LABEL, PlanItem
from .kinds import WH, CONCRETE, DONE, KIND_WORDS, Lead, asked_action, asked_kind, excluded, excluded_first, focus, \
    hedged, item_score, shares_question
from .phrasing import GAP, SEP, certainty_note, countable, fill, group_of, hedge, join_en, own_verb, plan_noun, plan_total, \
    shown_en, takes_count
from .retrieve import Query
from .text import en_tokens, zh_tokens
from .understand import Asked


def listing(asked: Asked, query: Query, items: list[PlanItem], cite: dict[str, int], lang: str,
            plan_year: int, texts: dict[str, str], plan_items: list[PlanItem] | None = None, top: str = "",
            texts_en: dict[str, str] | None = None) -> Lead | None:
    """The list answer: the items of the kind asked, grouped by the plan's actions (the action asked first, by name;
    the others counted after it), counted where the plan counts them or names a closed list."""
    kind = asked_kind(query.text)
    every = [i for i in items if i.kind != "target" and not excluded(i, asked)]
    # "特色促消费活动围绕哪些经济": the holiday, night-time and first-store economy, not the events the kind word names
    heads = headed(every, query.text) if (asked.is_list or asked.kind == "how_many") and kind else []
    narrowed = False
    if heads:
        pool, kind = heads, None
    elif kind:
        noun = KIND_LABEL.get(kind)  # and the items the plan's own verb frame calls by the kind's noun ("全速推进西营门
        # 智能制造产业园、天拖智创谷项目进度": two carriers the plan advances as projects)
        of_kind = [i for i in every if i.kind == kind or (noun and _says_noun(i.action_zh or "", noun, at_gap=True))]
        pool = _qualified(of_kind, query.text, kind)
        narrowed = len(pool) < len(of_kind)
        # of several sentences, one whose items the question names not at all is no answer when another's it names
        # ("elderly care facilities": the day care centres, not the chest pain units of the next sentence)
        best = {sid: max(item_score(i, query) + _verb_fit(i, query) for i in pool if i.sentence == sid)
                for sid in {i.sentence for i in pool}}
        most = max(best.values(), default=0.0)
        if len(best) > 1 and most >= 2:  # (never the best hit's sentence)
            pool = [i for i in pool if best[i.sentence] > max(0.0, most / 2) or i.sentence == top]
    elif asked.is_list:  # "which … / what are …" without a kind word: concrete items the question names clearly
        pool = [i for i in every if i.kind in CONCRETE]
        most = max((item_score(i, query) for i in pool), default=0.0)
        pool = [i for i in pool if item_score(i, query) >= max(3.0, most - 1.0)]
        if len(pool) < 2:
            return None
    else:
        return None
    gone = excluded_first([i for i in items if i.kind != "target" and excluded(i, asked)], query, asked, texts,
                          texts_en or {}) if asked.exclusions else []
    if gone and shares_question(gone[0], query, asked, texts, texts_en or {}):  # "除了奥体中心，还有哪些大场馆？": the
        # others are those of the excluded item's sentence, or of one that also says the question's words, not the
        # other fire station of a sentence that only shares the excluded name
        pool = [i for i in pool if i.sentence == gone[0].sentence or shares_question(i, query, asked, texts, texts_en or {})]
    if not pool:
        return None
    # and what the plan lists with them under the same verb ("聚力引育航运金融、航运科技、航运智库等")
    frames = {(i.sentence, i.action_zh) for i in pool if i.action_zh and not narrowed}  # (not "middle schools")
    pool = pool + [i for i in every if i not in pool and (i.sentence, i.action_zh) in frames and i.action_zh]

    def framed(its: list[PlanItem]) -> list[PlanItem]:  # with the items the plan names under the same verb
        frame = {(i.sentence, i.action_zh) for i in its}
        return [i for i in every if (i.sentence, i.action_zh) in frame] if narrowed else its

    cited = {i.sentence for i in items}

    def whole(its: list[PlanItem]) -> bool:  # no item of the same kind and verb elsewhere in the plan (a count of the
        # clusters of three cited sentences is no count of the four the plan develops)
        return not any(i.kind == its[0].kind and i.action_zh == its[0].action_zh and i.sentence not in cited
                       for i in plan_items or [])  # (those of the cited sentences left out were left out on purpose)

    def opened(its: list[PlanItem]) -> bool:  # an open list, or part of one ("完成二马路复建中学、…等工程": the middle school)
        return is_open(framed(its), texts)

    # the plan's order: by sentence, then where each name stands in it ("西营门片区、天拖片区")
    where = {sid: n for n, sid in enumerate(dict.fromkeys(i.sentence for i in pool))}
    pool.sort(key=lambda i: (where[i.sentence], _at(texts.get(i.sentence, ""), i.name_zh)))
    groups: dict[str, list[PlanItem]] = {}
    for item in pool:  # by the plan's action group and, within it, each item's own verb ("加快…建设" / "提升…")
        own = item.action_zh if lang == "zh" else item.action_en
        groups.setdefault(f"{item.group}{SEP}{own or ''}", []).append(item)
    first = asked_action(query.text)
    # the action asked first, then the groups the question names best ("platform companies": the platforms before
    # the other companies of the sentence), then the plan's order
    fit = {g: max(item_score(i, query) for i in groups[g]) + _verb_fit(groups[g][0], query) for g in groups}
    # (and groups that name things — "the Institute of Biomedical Engineering …" — before kinds of thing: "universities
    # and research institutes in the district" answers "which research institutes" by repeating it)
    which = bool(_WHICH_ONES.search(query.text))  # (only when it asks which ones: "有啥政策" asks what is done)
    order = sorted(groups, key=lambda g: (group_of(g) != first, which and not any(countable(i) for i in groups[g]),
                                          -fit[g], list(groups).index(g)))
    label = KIND_LABEL.get(kind or "", None)
    # the action asked ("which schools open") is answered by name; the plan's other actions on the same kind of
    # item are counted after it ("; it also finishes 2 and starts 3")
    family = DONE if first in DONE else {first}  # residents say "finished" and "completed" for 建成 and 完成 alike
    kinds = {group_of(g) for g in groups}
    named = [g for g in order if group_of(g) in family] if first in kinds and len(kinds) > 1 and label and \
        not narrowed else order  # (a qualified list names them all: "哪些中学" are few)
    year = plan_year
    single = len({cite[i.sentence] for i in pool}) == 1
    totals = {g: plan_total(groups[g], items, texts) for g in groups}  # the plan's own count of each group
    # a group is counted when the plan counts it, or when it names single things of a closed list (not kinds of
    # thing, not "A、B等") and the verb can take the count
    counts = {g: bool(label) and (totals[g] is not None or (
        len(groups[g]) > 1 and not opened(groups[g]) and all(countable(i) for i in groups[g]) and whole(groups[g])
        and (lang == "zh" or takes_count(own_verb(g, groups[g], lang))))) for g in groups}

    def counted(g: str) -> str:
        total = totals[g]
        return total.quantity or "" if total else str(len(groups[g]))

    rest = [g for g in order if g not in named and counts[g]]
    # the counted groups cite their sentences too when the list has several ("另稳步推进2个项目 [2]")
    rest_marks = "" if single else "".join(f" [{c}]" for c in dict.fromkeys(cite[i.sentence] for g in rest
                                                                            for i in groups[g]))
    # the quote keeps the clauses of the items named (the groups only counted stay in the card)
    keep = focus([i for g in named for i in groups[g]]) + [t.quantity for t in totals.values() if t and t.quantity]
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
                if _says_noun(verb, label):  # "稳步推进…城市更新项目" says the noun itself
                    chunks.append(f"{fill(verb, names)}（{len(its)}{label[0]}）{marks}")
                else:
                    chunks.append(fill(verb, f"{count}（{names}）") + marks if GAP in verb else
                                  f"{verb}{count}：{names}{marks}")
            else:  # names, not counted: one item, kinds of thing, or an open list ("8358所老院区、原中电科46所等")
                chunks.append(fill(verb, f"{names}{'等' if opened(its) else ''}") + marks)
        if rest and label:
            chunks.append("另" + "、".join(fill(own_verb(g, groups[g], "zh"), f"{counted(g)}{label[0]}"
                                                f"{'' if _says_noun(own_verb(g, groups[g], 'zh'), label) else label[1]}")
                                           for g in rest) + rest_marks)
        chunks = _distinct(chunks, share=1.0, lang="zh")  # a task told for each of its items is told once
        end = f" [{cite[pool[0].sentence]}]" if single else ""
        return Lead(f"{year}年计划" + "；".join(chunks) + end + "。", kind="list", focus=keep, derived=derived,
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
        elif opened(its):  # an open list: "plots such as …", no count
            such = f"{open_noun(framed(its), texts, label)} such as " if label and "such as" not in verb and \
                all(i.kind == kind for i in its) and \
                takes_count(verb) else ""
            chunks.append(f"{verb} {such}{names}{'' if such or 'such as' in verb else ', among others'}{after}"
                          f"{marks}")
        else:  # one item, or kinds of thing ("speed up the building of chest pain treatment units and …")
            chunks.append(f"{verb} {names}{after}{marks}")
    chunks = _distinct(chunks)
    # chunks that list names with their own "and" are kept apart by semicolons
    apart = len(chunks) > 2 or any(" and " in c for c in chunks)
    body = "; ".join(chunks[:-1]) + ("; and " if apart else " and ") + chunks[-1] if len(chunks) > 1 else chunks[0]
    if rest and label:
        body += "; it also plans to " + join_en(
            [f"{own_verb(g, groups[g], 'en')} {counted(g)} other {label[2] if counted(g) == '1' else label[3]}"
             for g in rest]) + rest_marks
    end = f" [{cite[pool[0].sentence]}]" if single else ""
    return Lead(f"In {year} the plan will {body}{end}.", kind="list", focus=keep, derived=derived,
                hedged=hedged([i for g in named for i in groups[g]]))

def _distinct(chunks: list[str], share: float = 0.8, lang: str = "en") -> list[str]:
    """The chunks less those whose words another, longer chunk nearly all says: two items of one task ("support
    universities … in deepening cooperation with chain leaders" and "support deeper cooperation with chain leaders by
    universities …"; "支持驻区高校院所、科技企业强化…合作" told for each of its two items) are one task told once."""
    tokens = zh_tokens if lang == "zh" else en_tokens
    words = [set(tokens(re.sub(r"\[\d+\]", "", c))) for c in chunks]
    keep = [c for n, (c, w) in enumerate(zip(chunks, words))
            if not w or not any(m != n and (len(words[m]), m) > (len(w), n) and len(w & words[m]) >= share * len(w)
                                for m in range(len(chunks)))]
    return keep or chunks


def is_open(its: list[PlanItem], texts: dict[str, str]) -> bool:
    """Whether the plan names these items as an open list ("A、B等"): they are examples, not a count."""
    return any(f"{i.name_zh}等" in texts.get(i.sentence, "") for i in its)


def _verb_fit(item: PlanItem, query: Query) -> int:
    """How many of the question's words the item's own verb says ("help expand … the platform enterprise")."""
    verb_en = set(en_tokens(item.action_en or ""))
    return sum(1 for t in set(query.en_tokens) if len(t) > 2 and t in verb_en) + \
        sum(1 for t in set(query.zh_tokens) if len(t) > 1 and t in (item.action_zh or ""))


# what the plan calls an open list's things, by the word after its 等 ("…扩建等工程": projects, not schools)
_NOUN_AFTER_DENG = {"工程": "projects", "项目": "projects", **{zh: en for _, zh, _, en in KIND_LABEL.values()}}


_WHICH_ONES = re.compile(r"哪些|哪几|哪[家所条座个项处]|\bwhich\b", re.I)


def open_noun(its: list[PlanItem], texts: dict[str, str], label: tuple[str, str, str, str]) -> str:
    """The English noun of an open list: the plan's own word after "A、B等" when it names one, else the kind's."""
    text = texts.get(its[-1].sentence, "")
    at = text.find(f"{its[-1].name_zh}等")
    after = text[at + len(its[-1].name_zh) + 1:] if at >= 0 else ""
    return next((en for zh, en in _NOUN_AFTER_DENG.items() if after.startswith(zh)), label[3])


def _at(text: str, name: str) -> int:
    at = text.find(name)
    return at if at >= 0 else len(text)


def _says_noun(verb: str, label: tuple[str, str, str, str], at_gap: bool = False) -> bool:
    """Whether the verb's frame names the kind's noun after the gap ("稳步推进…城市更新项目"); ``at_gap``: right after it,
    of the names themselves ("全速推进…项目进度")."""
    after = verb.split(GAP, 1)[1] if GAP in verb else None
    return after is not None and (after.startswith(label[1]) if at_gap else label[1] in after)


# the kinds whose question words may name a sort of them ("any middle schools", "哪些小学"): the items of that sort
_SORTS: dict[str, list[re.Pattern[str]]] = {
    "school": [re.compile(p, re.I) for p in (r"中学|初中|middle schools?|secondary schools?", r"小学|primary schools?",
                                             r"高中|high schools?", r"幼儿园|kindergartens?")],
}


def _qualified(pool: list[PlanItem], text: str, kind: str) -> list[PlanItem]:
    """Items of the sort of the kind the question asks for ("any middle schools", "哪些中学"): those whose names say
    it, when some but not all do."""
    words = [m for k, p in KIND_WORDS if k == kind for m in p.finditer(text)]
    wh = list(WH.finditer(text))
    if not words or not wh or kind not in _SORTS:
        return pool
    # the kind word the question asks for: the one nearest its question word ("my kid starts primary school soon -
    # any new schools opening?" asks for schools, not for primary schools)
    word = min(words, key=lambda m: min(abs(m.start() - w.end()) for w in wh))
    near = text[max(0, word.start() - 12): word.end() + 1]
    sorts = [p for p in _SORTS[kind] if p.search(near)]
    said = [i for i in pool if any(p.search(f"{i.name_zh} {i.name_en}") for p in sorts)]
    return said if 0 < len(said) < len(pool) else pool


_HEAD_ZH = re.compile(r"(?:哪些|哪几种|哪几类|哪种|哪类|几种|几类)([\u4e00-\u9fff]{2})")
# English names its head noun last ("which elderly care facilities"): "which kinds of X" says it outright, and
# "which economies" when the cited items' names end in it ("the night-time economy")
_NOT_HEADS = {"areas", "area", "parts", "part", "places", "place", "ones", "one", "things", "ways", "sites"}  # asked
# of where things are, not of a kind of thing ("which areas have urban renewal projects": the areas, as places)
_HEAD_EN = re.compile(r"\b(?:which|what|how many) (?:(?:kinds?|types?|sorts?) of ([a-z-]+)|([a-z-]+)(?= (?:will|are|is|do|does|"
                      r"did|has|have|can|could|should|would|get|gets)\b|\s*[?,.]|$))", re.I)  # (a one-word noun)


def headed(items: list[PlanItem], text: str) -> list[PlanItem]:
    """The items whose name is a kind of the noun the question asks for ("哪些经济" → 假日经济, "which kinds of
    economy" → the night-time economy)."""
    zh = _HEAD_ZH.search(text)
    if zh and any(p.match(text, zh.start(1)) for _, p in KIND_WORDS):  # "哪些学校": the kind answers, 小学 and 中学 alike
        return []
    if zh:
        words = jieba.lcut(text[zh.start(1):])  # the whole word ("产业园"), and none that only modifies a kind noun
        head, after = words[0], zh.start(1) + len(words[0])  # ("哪些产业园项目" asks for projects)
        if len(head) < 2 or any(p.search(head) or p.match(text, after) for _, p in KIND_WORDS):  # ("消防站": a kind)
            return []
        return [i for i in items if i.name_zh.endswith(head) and len(i.name_zh) > len(head)]
    en = _HEAD_EN.search(text)
    group = (1 if en.group(1) else 2) if en else 0
    if en is None or any(p.match(text, en.start(group)) for _, p in KIND_WORDS) or en.group(group).lower() in _NOT_HEADS:
        return []
    noun = en_tokens(en.group(group))
    if not noun:
        return []
    heads = [en_tokens(re.sub(r"\([^)]*\)", "", i.name_en or "")) for i in items]
    return [i for i, h in zip(items, heads) if len(h) > 1 and h[-1] == noun[-1]]


_TARGET = re.compile(r"目标|指标|\b(targets?|goals?)\b", re.I)


def targets(query: Query, items: list[PlanItem], cite: dict[str, int], lang: str, plan_year: int,
            texts: dict[str, str]) -> Lead | None:
    """The plan's targets the question names ("水质和空气质量的目标"), every one of them with its value, and the
    targets the plan sets under the same verb ("水质达标率和优良水体比例保持100%"); None for a single target (the
    figure answers it)."""
    if not _TARGET.search(query.text):
        return None
    valued = [i for i in items if i.kind == "target" and i.action_zh and i.quantity]
    frames = {(i.sentence, i.action_zh) for i in valued if item_score(i, query) >= 2}
    pool = [i for i in valued if (i.sentence, i.action_zh) in frames]
    if len(pool) < 2:
        return None
    pool.sort(key=lambda i: (i.sentence, _at(texts.get(i.sentence, ""), i.name_zh)))
    groups: dict[tuple[str, str], list[PlanItem]] = {}
    for item in pool:
        groups.setdefault((item.sentence, item.action_zh or ""), []).append(item)
    single = len({cite[i.sentence] for i in pool}) == 1
    marks = {key: "" if single else f" [{cite[key[0]]}]" for key in groups}
    end = f" [{cite[pool[0].sentence]}]" if single else ""
    if lang == "zh":
        body = "，".join(fill(key[1], "、".join(i.name_zh for i in its)) + marks[key] for key, its in groups.items())
        return Lead(f"{plan_year}年计划{body}{end}。", kind="list", focus=focus(pool), hedged=hedged(pool))
    if not all(i.value_en_text() in (i.action_en or "") for i in pool):  # "expect" says no figure: each target's
        # value first, then what it measures, as a figure is told
        chunks = ["; ".join(f"{i.value_en_text()} — {i.measure_en or i.name_en}{certainty_note(i)}" for i in its) +
                  marks[key] for key, its in groups.items()]
        return Lead(f"In the {plan_year} plan: " + "; ".join(chunks) + f"{end}.", kind="list", focus=focus(pool),
                    hedged=hedged(pool))
    chunks = [f"{its[0].action_en} {join_en([shown_en(i) for i in its])}{marks[key]}" for key, its in groups.items()]
    apart = len(chunks) > 2 or any(" and " in c for c in chunks)  # chunks with their own "and" apart by semicolons
    body = "; ".join(chunks[:-1]) + "; and " + chunks[-1] if apart and len(chunks) > 1 else join_en(chunks)
    return Lead(f"In {plan_year} the plan will {body}{end}.", kind="list", focus=focus(pool), hedged=hedged(pool))
