"""The direct answer: one or two sentences that answer in the question's own terms — the items asked for grouped by
the plan's actions and counted, the figure with its unit and what it counts, the date, or a plain yes — naming the
plan year; or, when the plan gives something near but not the thing asked, a plain statement of what it lacks.

It is composed from the plan items (``corpus/items.jsonl``) of the sentences the answerer chose, so every name and
figure in it comes from a cited sentence.
"""

from __future__ import annotations

import dataclasses
import re

from .claims import OWN, asks_judgement, unsaid_claims
from .items import GROUP_EN, KIND_LABEL, PlanItem
from .kinds import ACTION_WORDS_OF, DONE, CONCRETE, KIND_WORDS_OF, Lead, asked_action, asked_kind, excluded, excluded_first, focus, \
    asks_its_action, counts_other, figures_asked, hedged, item_score, item_scores, uncounted, uncounted_zh
from .lists import headed, listing, targets
from .naming import fits, is_place, mentions, names_item, other_action, said_in, says_value, unnamed_count
from .phrasing import certainty_note, fill, hedge, plan_noun, plan_total, shown_en, shown_zh
from .retrieve import Query
from .text import en_tokens
from .understand import Asked
from .unmentioned import FRAMED as _FRAMED, a_thing_zh, asker_frame, asks_about_own, new_unsaid, own_case, unsaid_things

_DATE = re.compile(r"尽快|尽早|适时|年内|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}月(底|末|份|前)?|年底|年内|上半年|下半年|第[一二三四]季度|\d{4}年底")
_DATE_EN = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
                      r"December) \d{4}\b|as soon as possible|\bas early as possible|when the time is right|\bby the end of (the year|20\d\d)\b|\bwithin the year\b|\bfirst half\b|"
                      r"\bsecond half\b|\bquarter\b", re.I)
_NOT_TASKS = ("policy", "event")  # what the plan refers to (the 14th Five-Year Plan, a plenary session), not its tasks
_YEARS_LONG = re.compile(r"[两二三四五六七八九十\d]+年(行动|计划|规划)|\b(two|three|four|five|\d+)-year\b", re.I)


def _task_of_year(item: PlanItem | None) -> bool:
    """Whether an item is a task of the plan's year: not a policy or event it refers to, nor an action of several
    years ("安全生产治本攻坚三年行动", whose end no date of the year gives)."""
    return item is None or item.kind not in _NOT_TASKS and not _YEARS_LONG.search(f"{item.name_zh} {item.name_en}")

_MONEY = re.compile(r"\d[\d.,]*\s*(亿|万)?元|\byuan\b|\bRMB\b", re.I)  # (not the "yuan" of Jinyuanli)
_NUMBERED = re.compile(r"\d|[一二三四五六七八九十]期|\bPhase\b", re.I)  # "Line 4", "凌奥花园一期", "Phase I"
# how many there are now ("How many state-owned companies does the district have?", "南开现在有多少消防站？"): the plan
# counts what it does in its year (3 companies reformed, 2 stations built), never what the district has in all
_STOCK = re.compile(r"\bhow many\b[^?]*\b(does|do)\s+(nankai|the district|it|we|tianjin)\s+(have|own|run)\b|"
                    r"\bhow many\b[^?]*\bare there\b(?! going to| to be)|(现在|目前|现有)[^？?]{0,8}(多少|几)", re.I)
_PEOPLE = re.compile(r"人口|常住|population", re.I)


# a question that asks for two figures at once: "X and Y", "… and how many …", "X和Y分别"
_TWO_ASKS = re.compile(r"分别|各(是|有|为)|(和|与|以及|及)[^，,？?]{1,20}(多少|几)|多少[^，,？?]{0,20}(和|与|以及)|"
                       r"(多少|几)[^，,？?]{0,20}[、，,][^？?]{0,20}(多少|几)|"  # "出让几宗土地、盘活几宗土地"
                       r"\band (how many|how much|what|for)\b|\b(both|respectively|each)\b", re.I)
# the thing a how-many question counts: "how many households", "多少户"
_COUNTED = re.compile(r"how many (?P<noun>[a-z\-]+)|(多少|几)(?P<zh>户|人|个|所|家|条|处|项|宗|座|名|平方米)", re.I)
# a yes/no question about the effort itself ("在争创…吗", "Is Nankai applying to be …"): the plan's effort word answers
# it yes; about the outcome ("Will the district win …") it does not
_ASKS_EFFORT = re.compile(r"争创|申创|创建|申报|争取|努力|力争|探索|适时|预计|\b(apply|applying|strive|striving|"
                          r"campaign\w*|bid\w*|try|trying|aim\w*|explor\w+|expect\w*|plan\w*)\b", re.I)
_AREA_UNIT = re.compile(r"平方米|公顷|亩|square|hectare", re.I)
# a question asking whether something is certain or required: the plan plans, encourages, works to attract — no "yes"
_ASKS_CERTAIN = re.compile(r"一定|必须|肯定|保证|确定|\b(definitely|certainly|must|guaranteed?|for sure|required)\b", re.I)
# … or whether all are ("Will all government services …"): yes only when the plan says all of them ("100%")
_ASKS_ALL, _SAYS_ALL = (re.compile(r"所有的?|全部|(?<!是)都(?=会|能|要|可以|将|得|有)|每(个|一个|家|所|项)|\b(all|every)\b", re.I),
                        re.compile(r"100%|全部|所有|\b(all|every)\b", re.I))
# "X是K吗" / "Is X one of the K": the copula before the kind word asks whether X is of that kind
_IS_A = re.compile(r"(是|属于|算|列为|列入)(不是)?[^，,。？?]{0,12}$|\b(is|are)\b.*\b(an?|one of|among|part of|counted as|"
                   r"listed as)\s+(\S+\s+){0,4}$", re.I)
_ASKS_END = re.compile(r"[^，,。？?]{0,4}(吗|么|嘛)")  # "…是产业集群吗": the kind word ends the question


_A_BATCH = re.compile(r"首批|一批")  # an item named as a batch ("首批区级品牌高中"): no member of it is named
_WHICH_PLACES = re.compile(r"\bwhich\b|哪些|哪几", re.I)  # "which areas / streets …" asks for a list of places


_TAX = re.compile(r"税|\btax(es|ation)?\b", re.I)
_PRICE = re.compile(r"房价|均价|价格|租金|票价|收费标准|\bprices?\b|\brents?\b|\bfares?\b|\bfees?\b", re.I)  # a price asked


_MONTH = re.compile(r"月|\b(january|february|march|april|may|june|july|august|september|october|november|december)\b", re.I)


def _outcome_line(outcome: str, zh: bool) -> str:
    """What the plan does not say, before what it does: an outcome in the question's word, or that it gives no month."""
    if re.search(OWN, f"南开{outcome}", re.I):  # "南开自己有12条产业链吗？" (a look-behind: the claim word alone)
        return "计划没有说是南开自己的。" if zh else "The plan does not say they are Nankai's own; here is what it does say. "
    if _MONTH.search(outcome):  # "Will the marathon be held in May?"
        return "计划没有给出具体月份。" if zh else "The plan does not give a month; here is what it does say. "
    return f"计划没有说会“{outcome}”。" if zh else f"The plan does not say “{outcome}”; here is what it does say. "


class DirectAnswer:
    """Composes the lead of an answer from the plan items of the chosen sentences."""

    def __init__(self, items: list[PlanItem], plan_year: int = 2024, texts: dict[str, str] | None = None,
                 texts_en: dict[str, str] | None = None) -> None:
        self.plan_year = plan_year
        self.texts = texts or {}  # sentence id -> its Chinese, to read the plan's "A、B等N个" counts
        self.texts_en = texts_en or {}  # sentence id -> its English rendering
        self.vocabulary_en = {w for t in self.texts_en.values() for w in en_tokens(t)}
        self.plan_zh = "".join(self.texts.values())
        self.covered: tuple[int, ...] = ()  # the years the documents cover (a year is "other" when none covers it)
        self.items = items  # every item of the plan (a count derived from names must not leave one out)
        self.by_sentence: dict[str, list[PlanItem]] = {}
        for item in items:
            self.by_sentence.setdefault(item.sentence, []).append(item)

    def items_in(self, sentence_ids: list[str]) -> list[PlanItem]:
        return [item for sid in sentence_ids for item in self.by_sentence.get(sid, [])]

    # ------------------------------------------------------------ what the plan does not give

    def _undated(self, about: str, task: bool, zh: bool, noun: str) -> str:
        """The plan sets no date for ``about``; one of its year's tasks is "part of the plan", a policy it refers to is not."""
        tail = (f"，只说在{self.plan_year}年内推进" if zh else f"; it is part of the {self.plan_year} plan") if task else ""
        return f"计划没有给出{about}的具体{noun}{tail}。" if zh else f"The plan does not set a date for {about}{tail}."

    def gap(self, asked: Asked, query: Query, quotes: str, subject: str, lang: str, task: bool = True) -> str | None:
        """A sentence saying what the plan lacks, or None when it gives what was asked (``task``: one of its year's tasks,
        not a policy or event it refers to, such as the 14th Five-Year Plan)."""
        year = self.plan_year
        other = [y for y in asked.years if (y not in self.covered if len(self.covered) > 1 else y != year)]
        zh = lang == "zh"
        about = subject or ("这方面" if zh else "this")
        if other:
            y = other[0]
            return (f"计划是{year}年的计划，没有给出{y}年的情况；以下是{year}年计划的内容。" if zh else
                    f"The plan covers {year} and does not give {about} for {y}; here is what it plans for {year}.")
        if asked.attribute == "money" and not _MONEY.search(quotes) and _PRICE.search(query.text):
            return ("计划没有给出价格或收费标准（如房价、租金、票价）。" if zh else
                    "The plan does not give prices, rents or fees.")
        if asked.attribute == "money" and not _MONEY.search(quotes) and _TAX.search(query.text):
            return "计划没有给出税收数字。" if zh else "The plan does not give tax figures."  # (not "investment amounts")
        if asked.attribute == "money" and not _MONEY.search(quotes):
            return (f"计划没有列出{about}的投资金额或资金数额。" if zh else
                    f"The plan does not give an amount of money for {about}.")
        if asked.attribute == "population" and not _PEOPLE.search(quotes):
            return "计划没有给出人口数字。" if zh else "The plan does not give population figures."
        if asked.attribute == "date" and asked.kind in ("when",) and not (_DATE.search(quotes) or _DATE_EN.search(quotes)):
            return self._undated(about, task, zh, "日期")
        if asked.result:
            return (f"计划只列出{year}年的目标和任务，没有给出完成结果。" if zh else
                    f"The plan sets targets for {year}; it does not report whether they were met.")
        return None

    # ------------------------------------------------------------ figures

    def figure(self, asked: Asked, query: Query, items: list[PlanItem], cite: dict[str, int],
               lang: str) -> Lead | None:
        # the plan's own figures: a count only derived from names ("奥体中心、汾水道" → 2) is not one, the list counts it
        candidates = [i for i in items if i.quantity and fits(i, asked)]
        if not candidates:
            return None
        kind = asked_kind(query.text)
        label = KIND_LABEL.get(kind or "")

        # the action asked, when the question asks one thing ("… start construction and … be completed" asks two)
        action = None if asked.parts or _TWO_ASKS.search(query.text) else asked_action(query.text)
        counted = _COUNTED.search(query.text)
        noun = (counted.group("noun") or counted.group("zh") or "").lower() if counted else ""

        def counts_noun(item: PlanItem) -> bool:  # what the figure counts is what "多少户" / "how many households" asks
            what = f"{item.unit or ''} {item.unit_en or ''} {item.measure_zh or ''} {item.measure_en or ''}".lower()
            return bool(noun) and (noun in what or noun.rstrip("s") in what) and not counts_other(item, noun)

        some_count_it = any(counts_noun(i) for i in candidates)

        def score(item: PlanItem) -> float:  # the question's kind of thing ("几条马路") in what the figure counts
            named = label and (label[1] in (item.measure_zh or "") or label[3] in (item.measure_en or "").lower()
                               or (item.unit == label[0] and kind not in ("project", "programme", "policy")))
            asked_noun = counts_noun(item)
            return item_score(item, query) + (2.0 if named else 0.0) + (3.0 if asked_noun else 0.0) + \
                (3.0 if says_value(query.text, item) else 0.0) - (10.0 if other_action(item, action) else 0.0) + \
                (3.0 if action and action in (item.action_zh or "") else 0.0) - \
                (10.0 if some_count_it and not asked_noun or noun and counts_other(item, noun) else 0.0)
        # ("惠及多少户": the households, not the 54 compounds; "how many projects": not the households they benefit)
        # "… reach 700,000 square metres?": that figure; "要谋划几个新项目": not a count of what is renovated

        scored = sorted(((score(i), n, i) for n, i in enumerate(candidates)), key=lambda s: (-s[0], s[1]))
        best = scored[0][0]
        if best < 0 or (best <= 0 and len(candidates) > 1):  # a figure of another action is no answer
            return None
        top = scored[0][2]
        twin = next((i for s, _, i in scored[1:] if i.sentence == top.sentence and i.value_zh() == top.value_zh()
                     and i.measure_zh and s >= best - 1.0), None)
        if twin is not None and not top.measure_zh:  # the same figure, with what it counts ("中央环保督察轮次"), not a
            top = twin  # name that holds the number ("第三轮中央环保督察为第三轮")
        if asked.parts or _TWO_ASKS.search(query.text):
            chosen = [i for s, _, i in scored if s >= 1.0][:2] or [top]
        elif (several := figures_asked(query.text)) is not None:  # "What are the floor area targets …": every one
            chosen = [top] + [i for s, _, i in scored[1:] if i.sentence == top.sentence and s >= 1.0
                              and i.value_zh() != top.value_zh()]
            if asked.attribute == "area":  # of the area asked: not the 54 compounds beside the 2.58 million m²
                chosen = [i for i in chosen if _AREA_UNIT.search(f"{i.unit or ''} {i.unit_en or ''}")] or chosen
            chosen = chosen[:several or len(chosen)]  # "the two floor-area targets": two of them
            text = self.texts.get(top.sentence, "")  # in the plan's order (the start, then the completion)
            chosen.sort(key=lambda i: text.find(i.quantity or "") if (i.quantity or "") in text else len(text))
        else:  # the figure asked for, and another figure of the same sentence about the same thing
            chosen = [top] + [i for s, _, i in scored[1:2] if i.sentence == top.sentence and s >= max(1.0, best - 1.0)
                              and i.value_zh() != top.value_zh()]  # not the same "3 counties" twice
        year = self.plan_year
        other = uncounted(query.text, top, self.vocabulary_en) if lang == "en" else uncounted_zh(query.text, top)
        if lang == "zh":
            parts = [f"{self._measure_zh(i)}为{i.value_zh()} [{cite[i.sentence]}]" for i in chosen]
            if other:  # "南开有多少个储备项目？": three batches count no projects
                return Lead(f"计划没有给出{other}的数字。{year}年计划中，" + "；".join(parts) + "。", kind="gap", partial=True,
                            focus=focus(chosen))
            return Lead(f"{year}年计划中，" + "；".join(parts) + "。", kind="figure", focus=focus(chosen),
                        hedged=hedged(chosen))
        # the figure first, then what it counts: on a phone the number asked for is the first thing read
        parts = [f"{i.value_en_text()} — {i.measure_en or i.name_en}{certainty_note(i)} [{cite[i.sentence]}]"
                 for i in chosen]
        if other:  # the nearest figure, labelled, after what the plan does not give
            return Lead(f"The plan does not give a figure for {other}. In the {year} plan: " + "; ".join(parts) + ".",
                        kind="gap", partial=True, focus=focus(chosen))
        return Lead(f"In the {year} plan: " + "; ".join(parts) + ".", kind="figure", focus=focus(chosen),
                    hedged=hedged(chosen))  # "预计 50万平方米" is expected, not a plain yes

    @staticmethod
    def _measure_zh(item: PlanItem) -> str:
        measure = item.measure_zh or item.name_zh
        certainty = f"（{item.certainty_zh}）" if item.certainty_zh and item.certainty_zh not in measure else ""
        return f"{measure}{certainty}"

    # ------------------------------------------------------------ the whole lead

    def run(self, asked: Asked, query: Query, sentence_ids: list[str], cite: dict[str, int], quotes: str,
            lang: str, unmentioned: str = "", listed: bool = False, top: str = "") -> Lead | None:
        """The direct answer for the chosen sentences (``top``: the best-ranked one; None: the quote itself is the
        best answer)."""
        items = self.items_in(sentence_ids)
        single = self._single(query, [i for i in items if not excluded(i, asked)])  # ("除了金庄花园" names no single)
        subject = (single.name_zh if lang == "zh" else single.name_en) if single else self._subject(query, items, lang)
        zh = lang == "zh"
        gap = None if _NUMBERED.search(unmentioned) else self.gap(  # (a phase or line it does not number first)
            asked, query, quotes, shown_zh(single) if zh and single else subject, lang, task=_task_of_year(single))
        gap = gap or own_case(query.text, asked.kind == "whether", lang, self.plan_year)  # "my pension", "help me"
        if gap is None and unmentioned:
            gap = (f"计划没有提到“{unmentioned}”；以下是相关内容。" if zh else
                   f"The plan does not mention {unmentioned}; here is what it says on the subject.")
        lead: Lead | None = None
        if gap is None and asked.kind == "where" and not any(is_place(i) for i in items):
            # the item's name only when the question names it ("哪里可以健身" is not asking where the big events are)
            where = subject if any((i.name_zh if zh else i.name_en) == subject and said_in(query.text, i, zh)
                                   for i in items) else ""
            gap = ((f"计划没有给出{where}的具体位置。" if where else "计划没有给出具体位置。") if zh else
                   f"The plan does not say where {where} will be." if where else "The plan does not give a location.")
        # "除了文水路，另外那几条路都是哪些？" asks for names, not the count: the list (or what it lacks) comes first
        figure_wanted = asked.wants_figure and asked.attribute not in ("money", "population") and \
            not (asked.is_list and asked.exclusions)
        if figure_wanted:
            lead = self.figure(asked, query, items, cite, lang)
            asked_noun = asked_kind(query.text)
            if lead is None and gap is None and asked.kind in ("how_many", "how_much"):
                if (single is not None and not single.quantity and asked_noun in (None, single.kind)
                        and len(headed(items, query.text)) < 2) or asked.attribute in ("share", "growth", "area"):
                    gap = (f"计划没有给出{subject or '这方面'}的具体数字。" if zh else
                           f"The plan does not give a figure for {subject or 'this'}.")
        if lead is None and asked.kind == "when" and single is not None and gap is None:
            # "when does X start?": the plan's word of time for X (尽快, 适时), or that it sets none for X
            timed = bool(_DATE.search(single.certainty_zh or "") or _DATE_EN.search(single.certainty_en or ""))
            lead = self.statement(single, cite, lang, items)
            if lead is not None and not timed:  # (a policy the plan refers to is no task of its year)
                gap = self._undated(shown_zh(single) if zh else subject, _task_of_year(single), zh, "时间")
        kind = asked_kind(query.text)
        other = self._other_kind(query, items) if asked.kind == "whether" and lead is None else None
        if other is not None:  # "生物医药是产业集群吗？": the plan names it, not as one of that kind — what it says, no yes
            lead = self.statement(other, cite, lang, items)
            if lead is not None:
                lead.hedged = True
        if lead is None and gap is None and asked.is_list and (count := unnamed_count(query.text, items, self.texts)):
            lead = self.statement(count[0], cite, lang, items)  # "甘肃哪几个县": three counties, none named
            gap = f"计划没有点名具体是哪些{count[1]}。" if zh else f"The plan does not name the {count[1]}."
        if lead is None and single is not None and (asked.kind == "whether" or asked.is_list and kind is None and
                                                    asks_its_action(single, query, self.texts.get(single.sentence, ""))):
            lead = self.statement(single, cite, lang, items)
            if lead is not None:
                lead.named = names_item(query, single)
        if lead is None and gap is None and asked.is_list and single is not None and _A_BATCH.match(single.name_zh):
            lead = self.statement(single, cite, lang, items)  # "哪些高中是品牌高中？": a batch the plan names no member of
            gap = "计划没有点名具体是哪些。" if zh else "The plan does not name which ones."
        if lead is None and gap is None and asked.kind == "where" and _WHICH_PLACES.search(query.text):
            asked = dataclasses.replace(asked, kind="which")  # "which areas have renewal projects": a list of them
        if lead is None and (asked.is_list or asked.kind == "whether" or (asked.kind == "how_many" and gap is None)
                             or asked.attribute == "name"):  # "what is the consumption brand called": the items
            lead = listing(asked, query, items, cite, lang, self.plan_year, self.texts, self.items, top=top,
                           texts_en=self.texts_en)
            if lead is not None and asked.kind == "how_many" and gap is None and any(  # "引进多少个项目": 引进一批
                    i.name_zh in lead.focus and _A_BATCH.search(f"{i.action_zh or ''}{i.name_zh}") for i in items):
                gap = "计划没有给出具体数字。" if zh else "The plan does not give a figure."
            left_out = excluded_first([i for i in items if i.kind != "target" and excluded(i, asked)], query, asked,
                                      self.texts, self.texts_en)
            if left_out and [i for i in items if i.sentence == left_out[0].sentence and i.kind == left_out[0].kind
                             and not excluded(i, asked)]:
                left_out = []  # the excluded item's sentence names others of its kind: they answer, not "no other"
            if lead is None and asked.exclusions and asked.is_list and gap is None and not listed and (left_out or listing(
                    Asked(kind=asked.kind, attribute=asked.attribute), query, items, cite, lang, self.plan_year,
                    self.texts)):
                kind = asked_kind(query.text) or (left_out[0].kind if left_out and left_out[0].kind in KIND_LABEL
                                                  else None)
                label = KIND_LABEL[kind][1] if kind else "项目"
                gap = (f"除{asked.exclusions[0]}外，计划没有点名其他{label}。" if zh else
                       f"Besides {asked.exclusions[0]}, the plan names no other {KIND_LABEL[kind][3] if kind else 'items'}.")
                lead = self.figure(Asked(kind="how_many", attribute="count"), query,  # (the excluded one's count)
                                   [i for i in items if not left_out or i.sentence == left_out[0].sentence], cite, lang)
        if lead is None and gap is None and asked.kind in ("what", "which"):  # "水质和空气质量的目标是什么"
            lead = targets(query, items, cite, lang, self.plan_year, self.texts)
        if lead is None and gap is None and asked.kind == "whether" and (  # "会有免费演出吗？" with no item to state
                outcome := self._outcome(query, sentence_ids, lang, unsaid_claims(query.text, ""), [])):
            gap = _outcome_line(outcome, zh).strip()
        if lead is None and gap is None and asked.kind == "whether" and asker_frame(query.text, []) == "others":
            gap = _FRAMED["others"][lang].format(year=self.plan_year).strip()  # ("Will more pharmaceutical companies
            # come to Nankai?" with no item to state: what others do is not the plan's, whatever it quotes)
        asked_years = {str(y) for y in asked.years}
        if gap is None and asked.kind == "how_many" and _STOCK.search(query.text):  # "How many fire stations are there?"
            gap = (f"计划没有给出现有的总数；以下是{self.plan_year}年计划的相关安排。" if zh else
                   f"The plan does not say how many there are in all; here is what it plans for {self.plan_year}.")
        if gap:
            return Lead(gap + ((" " if lang == "en" else "") + lead.text if lead else ""), partial=True, kind="gap",
                        focus=lead.focus if lead else [], derived=(lead.derived if lead else set()) | asked_years)
        if lead and asked.kind == "whether":
            lead = self._whether(query, sentence_ids, items, lang, lead)
        return lead

    def _whether(self, query: Query, sentence_ids: list[str], items: list[PlanItem], lang: str, lead: Lead) -> Lead:
        """A yes/no question's lead: "Yes." when the plan says it all; else what it does not say (the asker's own
        home or firm, an outcome, a judgement of how things are now) before what it does say; else the statement."""
        zh = lang == "zh"
        claims, new, things = self._unsaid(query, sentence_ids, items, lang, lead)
        theirs = asks_about_own(query, items, lead.focus)
        frame = asker_frame(query.text, [i for i in items if i.name_zh in lead.focus])
        every = not _ASKS_ALL.search(query.text) or _SAYS_ALL.search(lead.text)  # ("新建建筑都要是绿色建筑吗": 100%)
        if not frame and (not lead.hedged or _ASKS_EFFORT.search(query.text)) and not _ASKS_CERTAIN.search(query.text) and every and \
                not self._other_act(query, items, lead) and not claims and not new and not things and \
                not self._other_kind_named(query, items, lead) and not theirs:
            return Lead(("是的。" if zh else "Yes. ") + lead.text, kind=lead.kind, focus=lead.focus,
                        named=lead.named, derived=lead.derived)
        if frame == "still":  # "Will I still need to repeat tests?": the plan's task, no "yes" to the burden
            return lead
        if frame == "others":  # "Will foreign companies invest more in Nankai?": what the district does to bring them
            said = _FRAMED[frame][lang].format(year=self.plan_year)
        elif theirs:  # "Is my company part of the 12 chains?", "我们小区会改造吗？": the plan names no one's own home or firm
            said = _FRAMED["theirs"][lang].format(year=self.plan_year)
        elif outcome := self._outcome(query, sentence_ids, lang, claims, new):
            # "Will parking get cheaper?" over adding parking spaces: say the plan does not say it, then what it says
            said = _FRAMED["now"][lang].format(year=self.plan_year) if asks_judgement(query.text) else (
                _outcome_line(outcome, zh))
        elif absent := next((t for t in things if (t not in self.plan_zh and a_thing_zh(t) if zh else  # (国庆, not 晚上)
                                                   t[:1].isupper() and not set(en_tokens(t)) & self.vocabulary_en)), ""):
            said = f"计划没有提到“{absent}”；" if zh else f"The plan does not mention “{absent}”; here is what it does say. "
        elif frame:  # "我能报名天津马拉松吗？", "南开有地方病吗？"
            said = _FRAMED[frame][lang].format(year=self.plan_year)
        else:
            return lead
        return Lead(said + lead.text, partial=True, kind=lead.kind, focus=lead.focus, named=lead.named,
                    derived=lead.derived)

    def _outcome(self, query: Query, sentence_ids: list[str], lang: str, claims: list[str], new: list[str]) -> str:
        """The first unsaid outcome (cheaper, 下降, free, sold) that none of the answer's sentences says either, else
        "new", in the question's own word ("cheaper", not the "cheap" matched)."""
        unsaid = set(unsaid_claims(query.text, " ".join(
            (self.texts if lang == "zh" else self.texts_en).get(s, "") for s in sentence_ids)))
        claim = next((c for c in claims if c in unsaid), "") or next(iter(new), "")
        whole = re.search(rf"\w*{re.escape(claim)}\w*", query.text) if claim and claim.isascii() else None
        return whole.group(0) if whole else claim

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
        keep = focus([item]) + ([total.quantity] if total and total.quantity else [])
        if lang == "zh":
            if total is not None and not counted:  # "完成39个积水点改造，包括金庄花园": the count in its own phrase
                body = f"{fill(total.action_zh or action, total.name_zh)}，包括{item.name_zh}"
            else:
                body = fill(action, item.name_zh if total is None else f"{total.quantity}{total.unit or ''}{item.name_zh}")
            return Lead(f"{self.plan_year}年计划{certainty}{body} [{n}]。", kind="statement", focus=keep,
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
        return Lead(text, kind="statement", focus=keep, hedged=hedged([item]))

    def _unsaid(self, query: Query, sentence_ids: list[str], items: list[PlanItem], lang: str,
                lead: Lead) -> tuple[list[str], list[str], list[str]]:
        """What a yes/no question asks about that the sentences of the answer's items do not say, in the question's
        language: the outcomes (a sale, a fall, free of charge, the first place), "new", and the things it names. No
        plain "yes" to any of them."""
        named = [i for i in items if i.name_zh in lead.focus] or items  # the items the answer's statement names
        own = list(dict.fromkeys(i.sentence for i in named))

        def said(ids: list[str], language: str) -> str:
            return " ".join((self.texts if language == "zh" else self.texts_en).get(s, "") for s in ids)

        # an outcome is said by the sentence in the question's language ("前列" is not "第一") and the items' names,
        # not by the residents' keywords: they name the thing, they do not say the plan does it
        names = " ".join(i.name_zh if lang == "zh" else i.name_en for i in named)
        claims = unsaid_claims(query.text, f"{said(sentence_ids if named is items else own, lang)} {names}")
        # a thing is named by the items' sentences, names and keywords (residents' words for the same thing)
        zh = f"{said(own, 'zh')} " + " ".join(w for i in named for w in (i.name_zh, *i.keywords_zh))
        en = f"{said(own, 'en')} " + " ".join(w for i in named for w in (i.name_en, *i.keywords_en))
        return claims, new_unsaid(query.text, named), unsaid_things(
            query.text, lang, zh, en, query.aliases, query.term_tokens,
            lambda w: any(p.match(w) for p in KIND_WORDS_OF.values()))

    @staticmethod
    def _other_kind_named(query: Query, items: list[PlanItem], lead: Lead) -> bool:
        """Whether a yes/no question asks for a kind of thing ("any e-sports *events* at the stadium?", "会办电竞*比赛*吗")
        that none of the items its answer names is (an e-sports industry cluster): what the plan does, with no "yes"."""
        kind = asked_kind(query.text)
        named = [i for i in items if i.name_zh in lead.focus]
        if not kind or not named or kind in ("project", "facility", "company"):  # (words every item answers to)
            return False
        return not any(i.kind == kind or KIND_WORDS_OF[kind].search(f"{i.name_zh} {i.name_en}") for i in named)

    @staticmethod
    def _other_act(query: Query, items: list[PlanItem], lead: Lead) -> bool:
        """Whether the question asks about an action ("start construction", "host") the plan does not take on the items
        its answer names ("谋划开展…项目", "抢抓进出口博览会…机遇"): what the plan does, with no "yes"."""
        action = asked_action(query.text)
        named = [i for i in items if i.name_zh in lead.focus]
        family = DONE if action in DONE else {action}
        word = ACTION_WORDS_OF[action].search(query.text) if action else None
        if word and any(word.group(0).lower() in f"{i.name_zh} {i.name_en}".lower() for i in named):
            return False  # "any update on the 长虹公园 upgrade?": the upgrade is the item, not an action asked
        return bool(action and named) and not any(i.group in family for i in named)

    @staticmethod
    def _other_kind(query: Query, items: list[PlanItem]) -> PlanItem | None:
        """The item a yes/no question names as a kind of thing ("Is biomedicine one of the clusters?") when the plan
        names it as something else and none of that kind is mentioned: the answer is what the plan says of it."""
        kind = asked_kind(query.text)
        word = KIND_WORDS_OF[kind].search(query.text) if kind else None
        if not kind or not word or not _IS_A.search(query.text[:word.start()]) or \
                not (word.group(0).isascii() or _ASKS_END.match(query.text[word.end():])):
            return None
        mentioned = [i for i in items if i.kind != "target" and mentions(query, i)]
        if any(i.kind == kind or KIND_WORDS_OF[kind].search(f"{i.name_zh} {i.name_en}") for i in mentioned):
            return None  # "区级品牌高中建设今年启动吗": a brand-name high school is a school
        return next((i for i in mentioned if i.kind in CONCRETE or i.kind in ("programme", "title")), None)

    @staticmethod
    def _single(query: Query, items: list[PlanItem]) -> PlanItem | None:
        """The one item the question is clearly about (well ahead of every other), if there is one."""
        scored = sorted(zip(item_scores(items, query), range(len(items)), items), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0] + 1):
            return scored[0][2]
        return None

    @staticmethod
    def _subject(query: Query, items: list[PlanItem], lang: str) -> str:
        scored = sorted(((item_score(i, query), n, i) for n, i in enumerate(items)), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] >= 2:
            item = scored[0][2]
            if item.kind in KIND_LABEL and any(s >= scored[0][0] - 0.5 and i.kind == item.kind for s, _, i in scored[1:]):
                label = KIND_LABEL[item.kind]  # "How much will the new schools cost?": the schools, not one of them
                return f"这些{label[1]}" if lang == "zh" else f"the {label[3]}"
            return item.name_zh if lang == "zh" else item.name_en
        return ""
