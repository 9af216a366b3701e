"""What a yes/no question names that the documents never do ("今年能给我们楼加装电梯吗？" → 电梯): the answer says so
("计划没有提到“电梯”") and gives what the plan does say, instead of answering as if the plan covered it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .claims import CLAIMS
from .index import Unit
from .items import PlanItem
from .retrieve import Query
from .text import EN_STOP, ZH_STOP, en_tokens, en_tokens_of, one_edit, zh_tokens, zh_tokens_of

_REDUP = re.compile(r"(\w)一\1")
UNMENTIONED_COVERAGE = 0.6  # a best sentence saying this much of the question is about what was asked
_OWN = {"my", "our", "your", "his", "her", "their"}
_NOUN_FLAGS = {"n", "nz", "ns", "nt", "nl", "ng", "eng", "l", "j"}  # (jieba tags some names as set phrases: 恭王府 l;
# abbreviations as j: 房产税)
_NOUN_SUFFIX = frozenset("券费税卡证")  # one character that makes a noun of the word before it: 消费券, 拥堵费
_VERB_FORM = re.compile(r"(ing|ed|ly|able|ible)$|^(due|find|get|got|make|made|take|took|give|gave|keep|kept|after|"
                        r"before|about|around|into|onto|upon|within|without|through|across|near|really|still|known|"
                        r"shown|given|taken|done|seen|been|gone|has|does|says|wants|starts|needs|gets|right|"
                        r"come|comes|came|go|goes|went|move|moves|moved|stay|stays|happen|happens|become|becomes|"
                        r"sign|buy|buys|bought|lose|loses|lost|pay|pays|paid|spend|spent|sent|held|built|brought|put|"
                        r"told|begun|grown|met|apply|applies|register|join|book|watch|eat|cook|drive|rent|borrow|"
                        # the words that frame a request, not the thing asked about
                        r"scheme|schemes|plans?|support|help|update|updates|news|thing|things|changes?|stuff|"
                        r"paperwork|errands?|formalities|procedures?)$")


def _near(word: str, vocabulary: Mapping[str, int]) -> bool:
    """Whether the documents have a word one letter (character) away: a misspelling of it."""
    if len(word) < 2:
        return False
    for other in vocabulary:
        if len(word) >= 5 and len(other) >= 4 and (other.startswith(word) or word.startswith(other)):
            return True  # diabetic / diabet, closer / clos(e)
        if abs(len(other) - len(word)) > 1 or other[0] != word[0] and other[-1] != word[-1]:
            continue
        if one_edit(word, other):
            return True
    return False


_PLACE_KIND = re.compile(r"中学|小学|幼儿园|医院|公园|大学|剧院|商场|体育馆|图书馆|博物馆|车站")


def _unnamed_place(question: str, plan_text: str) -> str:
    """A school, hospital, park … named by a place name ("南开中学": 南开 + 中学) that the documents never name, whatever
    else the best sentence shares with the question (its kind word and the district's name)."""
    import jieba.posseg

    words = list(jieba.posseg.cut(question))
    for i, w in enumerate(words):
        if i and _PLACE_KIND.fullmatch(w.word) and words[i - 1].flag in ("ns", "nz", "nt", "nr"):
            names = [words[i - 1].word + w.word] + ([words[i - 2].word + words[i - 1].word + w.word] if i > 1 else [])
            if not any(n in plan_text for n in names):
                return names[0]
    return ""


_NUMBERED_ZH = re.compile(r"(?<![\d一二三四五六七八九十第])([\d一二三四五六七八九十]+)(号线|号楼|期)")
_NUMBERED_EN = re.compile(r"\b(Metro Line|Line|Subway Line)s? (\d+)\b", re.I)
_PHASE_EN = re.compile(r"\bPhase (I{1,3}|IV|VI{0,3}|\d+)\b", re.I)


def _unnamed_number(question: str, plan_text: str, plan_text_en: str) -> str:
    """A numbered name the documents never give though they number others of its kind: 地铁4号线 / "Metro Line 4"
    where the plan names Lines 7, 8 and 11 (a number the plan has, "11号线", is named), 凌奥花园一期 / "Phase I" where
    it names 三期."""
    for m in _NUMBERED_ZH.finditer(question):
        if m.group(2) == "期":  # a phase is of the place named before it ("凌奥花园一期" where the plan has 凌奥花园（三期）)
            place = question[max(0, m.start() - 4): m.start()]
            if len(place) == 4 and place in plan_text and not re.search(rf"{place}[^，。、]{{0,6}}{m.group(0)}", plan_text) \
                    and re.search(rf"{place}[^，。、]{{0,6}}[\d一二三四五六七八九十]+期", plan_text):
                return place + m.group(0)
        elif m.group(0) not in plan_text and m.group(2) in plan_text:
            return m.group(0)
    for m in _NUMBERED_EN.finditer(question):
        number = m.group(2)
        if not re.search(rf"\blines? ([\d, and]*\b)?{number}\b", plan_text_en) and \
                not re.search(rf"(?<!\d){number}号线", plan_text) and "line" in plan_text_en:
            return f"Line {number}"
    for m in _PHASE_EN.finditer(question):  # "Lingao Garden Phase I" where the plan names its Phase III
        place = re.search(r"((?:[A-Za-z]+ ){2})$", question[: m.start()])  # (the plan's English is lower-cased)
        name = place.group(1).strip().lower() if place else ""
        if name and re.search(rf"{name}\W{{0,3}}phase\b|phase \w+ of (the )?{name}", plan_text_en, re.I) and not \
                re.search(rf"{name}\W{{0,3}}{m.group(0)}\b|{m.group(0)} of (the )?{name}", plan_text_en, re.I):
            return f"{place.group(1).strip() if place else ''} {m.group(0)}"
    return ""


def last_clause(question: str) -> str:
    """What a question asks, in its last clause ("孩子快上小学了，南开今年有新学校吗" asks the second)."""
    return re.split(r"[，,；;。!！]\s*|\s[-–—]+\s", question.strip(" ？?。!！"))[-1]


@dataclass
class _Word:
    word: str
    flag: str
    joined: bool = False  # made of two dictionary words (消费 + 券): no misspelling of a word the documents have


def _nouns_joined(cut: Iterable[Any]) -> list[_Word]:
    """jieba's (word, flag) pairs with a one-character noun joined to the noun before it: 大湾 + 区 is 大湾区, 失业 + 金
    is 失业金 (a thing reported missing is named whole); a noun-making character to the word before it, whatever its
    tag: 消费 + 券 is 消费券, 拥堵 + 费 is 拥堵费."""
    out: list[_Word] = []
    for w in cut:
        if out and len(w.word) == 1 and w.word in _NOUN_SUFFIX and len(out[-1].word) > 1 and out[-1].flag != "eng" \
                and "\u4e00" <= out[-1].word[0] <= "\u9fff":
            out[-1] = _Word(out[-1].word + w.word, "n", joined=True)
        elif out and len(w.word) == 1 and w.flag in ("n", "ng") and out[-1].flag in _NOUN_FLAGS and out[-1].flag != "eng":
            out[-1] = _Word(out[-1].word + w.word, out[-1].flag)
        else:
            out.append(_Word(w.word, w.flag))
    return out


def _modal(word: str) -> bool:
    """A modal verb and a verb that jieba took for a noun ("会用", "能领"), or a noun cut with the modal after it
    ("病人能" -> 人能): no thing asked about."""
    import jieba

    return len(word) == 2 and (word[0] in "会能要可想该" or word[1] in "能会要可") and (jieba.dt.FREQ.get(word) or 0) < 20


def _modal_cut(words: list[_Word], n: int) -> bool:
    """A word jieba cut across a modal and the verb after it: 雾霾 / 天会 / 少 ("雾霾天会少吗"), not 灯会 in "有灯会吗"."""
    w = words[n].word  # (and 教育 / 会 / 变成 cut as 教育会, "education association": "南开的教育会变成全市第一吗")
    return len(w) in (2, 3) and w[-1] in "会能要" and n + 1 < len(words) and words[n + 1].flag[:1] in ("v", "a", "d")


def _subject(words: list[_Word], n: int) -> bool:
    """A verb said as the thing a modal's outcome is of, after the noun it belongs to: 社保 / 缴费 / 会涨 ("will the
    social insurance contributions go up"), 停车 / 收费 / 会降."""
    return words[n].flag == "v" and 0 < n < len(words) - 1 and words[n - 1].flag in _NOUN_FLAGS and \
        words[n + 1].word in ("会", "能", "要", "将")


def a_thing_zh(word: str) -> bool:
    """Whether jieba reads a Chinese word as the name of a thing or of a day (国庆, 暑假), not as a time of day or a time
    from now (晚上, 以后) or a quality."""
    import jieba.posseg

    cut = list(jieba.posseg.cut(word))
    return len(cut) == 1 and (cut[0].flag in _NOUN_FLAGS - {"eng"} or cut[0].flag == "t" and word not in _SOME_TIME)


_SOME_TIME = frozenset("早上 上午 中午 下午 晚上 傍晚 夜里 夜间 晚间 白天 平时 周末 今天 明天 昨天 今年 明年 去年 现在 目前 当前 以后 今后 将来 "
                       "最近 近期 年底 年初 月底 月初 之前 以前".split())


def _misspelt(word: str, vocabulary: Mapping[str, int]) -> bool:
    """A Chinese word one character away from a word the documents have and in no dictionary (地贴 for 地铁; 恭王府 is
    a word of its own, not 庄王府 mistyped)."""
    import jieba

    return not jieba.dt.FREQ.get(word) and _near(word, vocabulary)


def _unknown(word: str, df_en: Mapping[str, int], plan_text_en: str) -> bool:
    """A word of a compound name the documents never use ("Haiguang Mall" is known; "kid starts" is not a name)."""
    stem = en_tokens(word)[0] if en_tokens(word) else word
    return word not in EN_STOP and not _VERB_FORM.search(word) and not df_en.get(stem) \
        and not re.search(rf"\b{re.escape(word)}", plan_text_en)


_NAME_RUN = re.compile(r"(?<![\w'’])[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)+")


def _unknown_name(asked: str, sentences_en: list[str]) -> str:
    """A name of capitalised words ("the Greater Bay Area") that no sentence of the documents has all the words of:
    each word may be known ("parking bays", "greater efforts"), the thing they name together is not."""
    for m in _NAME_RUN.finditer(asked):
        pieces = re.split(r"(?<=['’]s) ", m.group(0))  # "Nankai's GDP": the name after a possessive
        run = pieces[-1].split(" ")
        if m.start() == 0 and len(pieces) == 1:  # a question's own first word is capitalised, whatever it is
            run = run[1:]
        words = [w.lower().rstrip("'’s") for w in run if w.lower() not in EN_STOP and not w.isupper()]
        if len(words) < 2:
            continue
        if not any(all(re.search(rf"\b{re.escape(w)}", s) for w in words) for s in sentences_en):
            return " ".join(run)
    return ""


def missing_thing(query: Query, coverage: float, found: list[Unit], plan_text: str, plan_text_en: str,
                  df_en: Mapping[str, int], sentences_en: list[str], names_only: bool = False) -> str:
    """The thing a yes/no question names that occurs nowhere in the documents ("加装电梯" → 电梯), when the best
    sentence says little of the question (a named place, "南开中学", or an English capitalised name, whatever it
    says; ``names_only``: only such a name, for a question that asks what or which; ``sentences_en``: each
    sentence's English, with its glossary names, where a name of several words is looked for). A thing is a noun
    (jieba's n, nz, ns, nt; in English a word that is not a verb form or adverb), not a misspelling of a word the
    documents have (地贴 → 地铁, primery → primary), so that a question's own verbs ("提到", "trying") and typos are
    never reported as missing."""
    covered = coverage >= UNMENTIONED_COVERAGE  # then only a name the documents lack ("Prince Gong's Mansion",
    # over Prince Zhuang's) is missing: one unknown word of a name is another thing than the one the plan names
    if query.lang == "zh" and (named := _unnamed_place(query.text, plan_text)):
        return named
    if (numbered := _unnamed_number(query.text, plan_text, plan_text_en)):
        return numbered
    if (covered or names_only) and query.lang == "zh":
        return ""
    near_zh = {t: 1 for u in found for t in zh_tokens_of(u.zh)}  # a misspelling is of a word the search found
    near_en = {t: 1 for u in found for t in en_tokens_of(u.en or "")}
    asked = last_clause(query.text)
    if query.lang == "zh":
        import jieba.posseg

        # a verb said twice ("能治一治", "看一看") is no thing, whatever jieba tags its pieces
        redup = [m.span() for m in _REDUP.finditer(asked)]
        words, at = [], 0
        for w in _nouns_joined(jieba.posseg.cut(asked)):
            if not any(a < at + len(w.word) and at < b for a, b in redup):
                words.append(w)
            at += len(w.word)
        unknown = [w.word for n, w in enumerate(words) if len(w.word) > 1 and (w.flag in _NOUN_FLAGS or _subject(words, n))
                   and w.word not in ZH_STOP and w.word not in _FRAME_ZH
                   and not _modal(w.word) and not _modal_cut(words, n)
                   and w.word not in plan_text and w.word not in query.aliases
                   and (w.joined or not _misspelt(w.word, near_zh))]
        return unknown[-1] if unknown else ""
    if (name := _unknown_name(asked, sentences_en)):
        return name
    words = re.findall(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ\-]+", asked)  # ("café", not "caf")
    for i in range(len(words)):
        w = words[i].lower()
        stem = en_tokens(w)[0] if en_tokens(w) else w
        before = {w.lower() for w in words[max(0, i - 2): i]}
        if before & _OWN:  # "for my kids", "my new flat": the resident's own situation, not the thing asked about
            continue
        if any(ask.fullmatch(w) for ask, _ in CLAIMS):  # "sell", "cheaper": an outcome asked (unsaid_claims), no thing
            continue
        if w in _MONTHS:  # "open in September": a date asked (the plan gives its year's tasks), not a thing
            continue
        name = i > 0 and words[i][0].isupper()  # a capitalised word inside the question is a name, not a misspelling
        if (covered or names_only) and not name:
            continue
        if len(w) > 2 and _unknown(w, df_en, plan_text_en) and (name or not _near(stem, near_en)):
            whole = re.search(rf"(?:\b[A-Z][\w-]*\s+)*\b{re.escape(words[i])}(?:['’]s)?(?:\s+[A-Z][\w-]*)*", asked[1:])
            if name and whole:  # the whole name: "Prince Gong's Mansion"
                return whole.group(0)
            nxt = words[i + 1] if i + 1 < len(words) and _unknown(words[i + 1].lower(), df_en, plan_text_en) else ""
            return f"{words[i]} {nxt}".strip()
    return ""



# a yes/no question about what others will do ("Will foreign companies invest more?", "外国企业会来南开投资吗？"): the
# plan says what the district will do, never what companies, investors or visitors will (being allowed, getting
# support or receiving help is the district's doing: "Will private investors be allowed to …")
_OTHERS_ACT = re.compile(r"^(will|would)\s+(the\s+)?((more|many|foreign|overseas|private|big|new|other)\s+)*"
                         r"([a-z]*(al|ic|tech|ing)\s+)?(companies|firms|"
                         r"investors|businesses|enterprises|tourists|visitors|foreigners|brands)\s+(?!be\b|get\b|receive\b)"
                         r"|^(外国|外地|外资|国外|更多的?|民营|私营|大)?(企业|公司|外企|投资者|投资商|客商|游客|商家|品牌)(会|将)"
                         r"(?!得到|享受|获得|拿到|被)", re.I)


# the asker's own ability or right ("我能报名天津马拉松吗？", "Can I sign up for …?"): the plan says what the district
# does, not what any one person may do
_CAN_I = re.compile(r"^(can|may|could) (i|we)\b|^(am|are) (i|we) (allowed|able|eligible)\b|^(我|我们|俺|咱)(能|可以|能不能|"
                    r"可不可以)|^我想[^？?]*[，,](可以|行|能)(吗|不)|"  # "我想在西营门开个厂，可以吗？"
                    # the asker or their family ("我妈没交过养老保险，现在还能交吗？", "我的孩子能上品牌高中吗？")
                    r"^(我|我们|俺|咱)(的|家)?(孩子|儿子|女儿|爸|妈|爸妈|父母|家人|老人)?[^？?]{0,16}(还能|能不能|可不可以|"
                    r"可以|能)[^？?]{0,10}(吗|不)[？?]?$", re.I)
# a burden going on ("Will I still need to repeat medical tests …?", "还要重复检查吗"): "Yes" would keep it, whatever the
# plan does to lift it
_STILL = re.compile(r"\bstill (need|have) to\b|\b(need|have) to (repeat|redo|re-?do)\b|还(要|得|需要)|仍(然)?(要|需要|得)|"
                    r"重新(抽血|检查|做)", re.I)
# what there is now ("南开有地方病吗？", "Are there endemic diseases in Nankai?") read from a task against it
_THERE_IS = re.compile(r"^(南开|南开区|区里|天津|我们这)?(现在|目前)?有(没有)?[^，,。]{1,12}吗|"
                       r"^(are|is) there\b(?! (anything|something|any (plans?|news|updates?|mention)\b|a plan|plans\b))|"
                       r"^(does|do) (nankai|the district|we) have\b", re.I)
_REMEDY = re.compile(r"防治|治理|整治|防范|化解|攻坚|prevent|control|tackl|rectif|defus|curb|"
                     # or an opportunity or resource used ("抢抓进出口博览会…机遇"): it says nothing of what is there
                     r"抢抓|借助|\bseiz|\bmake good use of", re.I)


# a problem happening again ("今年下雨还会积水吗？", "Will my street still flood?"): "yes" says it will, whatever the plan
# does against it, and the plan's remedy does not say it will not
_AGAIN = re.compile(r"还会|仍(然)?会|依然会|不再|再也不|不会再|会(发生|出现)|\bstill\b|\bno (more|longer)\b|\bagain\b|"
                    r"\bany ?more\b|\bhappen", re.I)
_FIXES = re.compile(r"防治|治理|整治|改造|攻坚|根治|防范|遏制|\b(prevent|tackl|rectif|renovat|control|curb)", re.I)


# what the plan does not do or say, before what it does say: the openings of a yes/no answer that gets no "yes"
FRAMED = {"others": {"zh": "计划只写区里要做的事，没有说企业或他人会怎样；以下是{year}年计划的相关安排。",
                     "en": "The plan sets out what the district will do, not what companies or others will do; here is "
                           "what it plans. "},
          "ability": {"zh": "计划没有说个人能否这样做；以下是{year}年计划的相关安排。",
                      "en": "The plan does not say what any one person can do; here is what it plans. "},
          "now": {"zh": "计划只列出{year}年要做的事，没有评价现状。",
                  "en": "The plan lists what the district will do in {year}; it does not say how things are now. "},
          "again": {"zh": "计划没有说会不会发生；以下是{year}年计划的相关安排。",
                    "en": "The plan does not say whether it will happen; here is what it plans. "},
          "theirs": {"zh": "计划没有点名个别小区、单位或企业；以下是{year}年计划的总体安排。",
                     "en": "The plan does not name individual homes, streets or businesses; here is what it plans. "},
          "pay": {"zh": "计划不涉及个人的养老金、工资或补贴标准；以下是{year}年计划的相关安排。",
                  "en": "The plan does not set anyone's pension, pay or benefits; here is what it plans. "},
          "help": {"zh": "计划不办理个人或单个企业的具体事项；以下是{year}年计划的相关安排。",
                   "en": "The plan does not take up any one person's or business's case; here is what it plans. "}}


# the asker's own pension, pay or benefit ("Will my pension go up?", "我的退休金会涨吗"): the plan sets no one's payment
_MY_PAY = re.compile(r"\b(my|our)\s+(own\s+|state\s+|basic\s+|unpaid\s+)?(pensions?(?! insurance)|salary|salaries|wages?|"
                     r"pay|allowances?|benefits?|subsid(y|ies)|bills?)\b|(我|我们|我家|咱|咱们|俺)(的|家的?)?(养老金|退休金|"
                     r"退休工资|工资|低保金?|补贴|补助|待遇|社保)|"
                     # (anyone's: "Will pensions go up?", "养老金会涨吗": the amount paid, not the number insured)
                     r"\b(pensions?|salar(y|ies)|wages?)\b(?! insurance)[^?]{0,20}\b(go up|rise|increase|be raised|higher)\b|"
                     r"(养老金|退休金|工资)[^？?]{0,6}(涨|提高|增加|上调)", re.I)
# the district asked to act for the asker ("区里能帮我申请专利吗？", "我的公司做外贸，区里能帮忙吗？"): the plan says what it does for
# all, never that it takes up one person's or one firm's case
_HELP_ME = re.compile(r"帮(我|俺|咱|忙)|帮助(我|俺|咱)|替(我|俺|咱)|给(我|俺|咱)们?办|\bhelp (me|us|my|our)\b|"
                      r"\b(do|handle|sort) (it|this|that) (out )?for (me|us)\b", re.I)
_MONTHS = frozenset("january february march april may june july august september october november december".split())


def own_case(text: str, whether: bool, lang: str, year: int) -> str | None:
    """What the plan does not do for the asker in person: set their pay, or (asked yes or no) act on their case."""
    case = "pay" if _MY_PAY.search(text) else "help" if whether and _HELP_ME.search(text) else None
    return FRAMED[case][lang].format(year=year).strip() if case else None


def asker_frame(question: str, named: list[Any]) -> str:
    """Why a yes/no question over the plan's statement of ``named`` items gets no plain "yes": "others" (what
    companies or visitors will do, a named company among them), "ability" (what the asker may do), "still" (a burden
    going on), "again" (a problem the plan tackles happening again), "now" (a problem there is, read from a task against it); "" when none."""
    text = question.strip()
    if _OTHERS_ACT.search(text) or any(i.kind == "company" and re.match(rf"(will|would)\s+{re.escape(i.name_en or '')}\b|"
                                                                        rf"{re.escape(i.name_zh)}(会|将)", text, re.I)
                                       for i in named):
        return "others"
    if _STILL.search(text):
        return "still"
    if _CAN_I.search(text):
        return "ability"
    if _AGAIN.search(text) and any(_FIXES.search(f"{i.action_zh or ''} {i.name_zh} {i.action_en or ''} {i.name_en}")
                                   for i in named):
        return "again"
    if _THERE_IS.search(text) and any(_REMEDY.search(f"{i.action_zh or ''} {i.name_zh} {i.action_en or ''} {i.name_en}")
                                      for i in named):
        return "now"
    return ""


_FRAME_ZH = frozenset("业务 手续 事儿 方面 情况 事情 东西 问题 政策 措施 举措 办法 对策 支持 帮助 打算 安排 规划 计划 工作 活动 项目 服务 地方 大家 居民 市民 "
                      "孩子 老人 家里 我家 楼下 门口 小区里 社区里 咱们 自己 今年 明年 以后 现在 南开 南开区 区里 全区 我们".split())
_FRAME_EN = frozenset("kid kids child children family families home homes resident residents people person city area "
                      "anyone everyone someone lot lots way ways thing things stuff place places year nankai district "
                      "plan plans update updates news support help fix anywhere somewhere fan fans too one ones "
                      "kind kinds type types sort part parts "
                      "yr pls".split())


# kind words that any item of the kind answers to ("any events?": consumption-promotion events are events); a
# narrower one — a festival, a trade show, 博览会, 演出 — must be said by the answer's sentences like any other noun
_GENERIC_KINDS = frozenset("""event events activity activities project projects facility facilities company companies
    enterprise enterprises firm firms business businesses place places institution institutions organisation
    organisations organization organizations programme programmes program programs scheme schemes school schools
    park parks road roads hospital hospitals
    活动 项目 设施 企业 公司 机构 地方 学校 公园 道路 医院""".split())


def unsaid_things(question: str, lang: str, evidence_zh: str, evidence_en: str, aliases: Mapping[str, list[str]],
                  said_terms: Mapping[str, list[str]], is_kind: Callable[[str], bool]) -> list[str]:
    """The nouns of a yes/no question's last clause that the sentences of its answer's items do not say ("Will Nankai
    build a medical device *factory*?" over "develop a high-end medical device industry cluster", "南开有*国庆*庆祝活动吗"
    over 策划办好特色促消费活动): a plain "yes" would say the plan has them. Not checked: the question's frame (方面,
    "my kids"), kind words (the items are of the kind asked, or no "yes" anyway), misspellings of the evidence's
    words, and English words that name a glossary term the evidence has."""
    asked = last_clause(question)
    if lang == "zh":
        import jieba.posseg

        near_zh = {t: 1 for t in zh_tokens(evidence_zh)}
        asked = _REDUP.sub("", asked)  # "能治一治": a verb said twice
        cut = list(_nouns_joined(jieba.posseg.cut(asked)))
        # a verbal noun that qualifies the next word is a thing (违章停车: 违章); at the end it is the act asked (启动吗)
        qualifies = {n for n, (w, nxt) in enumerate(zip(cut, cut[1:])) if w.flag == "vn" and nxt.flag in ("v", "vn", "n")}
        return [w.word for n, w in enumerate(cut)
                if (w.flag in _NOUN_FLAGS or w.flag == "t" or n in qualifies) and len(w.word) > 1 and not _modal(w.word)
                and not _modal_cut(cut, n)
                and (w.flag != "eng" or w.word.lower() not in evidence_en.lower())  # ("e-sports 电竞产业": said)
                and w.word not in ZH_STOP and w.word not in _FRAME_ZH and not (is_kind(w.word) and w.word in _GENERIC_KINDS)
                and w.word not in evidence_zh and not any(t in evidence_zh for t in aliases.get(w.word, ()))
                and not _misspelt(w.word, near_zh)]
    vocabulary = {t: 1 for t in en_tokens(evidence_en)}
    named = {w for term, ws in said_terms.items() if term in evidence_zh for w in ws}
    out = []
    for word in re.findall(r"[A-Za-z][A-Za-z\-]+", asked):
        low = word.lower()
        stem = en_tokens(low)[0] if en_tokens(low) else low
        if len(low) < 3 or low in EN_STOP or low in _FRAME_EN or _VERB_FORM.search(low) or \
                is_kind(low) and low in _GENERIC_KINDS:
            continue
        if stem in vocabulary or stem in named or _near(stem, vocabulary) or len(stem) >= 5 and stem in evidence_en.lower():
            continue  # ("provinces" in "cross-provincial")
        if low == "new" and ("新" in evidence_zh or re.search(r"\b(new|build|builds|construction)\b", evidence_en)):
            continue  # a new park is one the plan builds (新建, 新开工); no new hospital is in 推动…重点专科建设
        out.append(word)
    return out


# the asker's own home, street or firm ("my company", "near me", "我们小区", "我家"): no item of the plan is theirs by name
_MINE = re.compile(r"\b(my|our)\s+(own\s+|new\s+)?((child|kid|son|daughter)['’]s\s+|(children|kids)['’]\s+)?"
                   r"(primary\s+|middle\s+|high\s+)?(company|firm|business|shop|restaurant|home|house|flat|apartment|"
                   r"building|compound|estate|street|road|neighbourhood|neighborhood|community|area|school)\b|"
                   r"我家|我们家|咱家|我(们|的)?(小区|楼|单位|公司|企业|店|饭店|社区|街道|学校)|咱们?(小区|楼|社区)|"
                   r"(我|我们|咱)(买|租|住)的(新)?(房子?|楼|商铺|店面)|"
                   r"(我|我们|咱)(家)?(孩子|儿子|女儿|娃)的?(学校|小学|中学|幼儿园)", re.I)
# a place by the asker's home ("near me", "家门口", "我家旁边"): the plan never says where anything is from anyone's home
_NEAR_ME = re.compile(r"\bnear (me|us|my home|our home|where I live)\b|\bby my (home|house|flat)\b|家门口|"
                      r"(我|我们|咱)(家|这|那)?(附近|周边|旁边)|^(这)?(附近|周边)", re.I)


_NO_SUBJECT = re.compile(r"(属于|算不算|算是|算|是不是|是|能不能|能|可以|会不会|会|有没有)[^，,。]{0,20}(吗|不|没有)?$")


def asks_about_own(query: Query, items: list[PlanItem], focus: list[str]) -> bool:
    """Whether a yes/no question asks about the asker's own home, street or firm, which no item its answer names is
    ("Is my company part of the 12 chains?"; "my school, Tiantuo Primary" would be one)."""
    asked_clause = last_clause(query.text)  # ("我家是低保户，今年区里还管困难家庭吗": the home is the situation told)
    if _NEAR_ME.search(asked_clause):  # "我家旁边会有口袋公园吗": the plan's pocket parks are nowhere in particular
        return True
    if _NO_SUBJECT.match(asked_clause) and _MINE.match(query.text):  # "我的公司做软件的，属于重点产业链吗？": the
        asked_clause = query.text  # last clause, with no subject of its own, asks about the firm told of first
    if not _MINE.search(asked_clause):
        return False
    asked = set(en_tokens(query.text))
    # the question names one of them by its own name ("my school, Tiantuo Primary"; "我们小区天拖南里"), not by its kind
    return not any(i.name_zh in query.text or _named_by(i, asked) for i in items if i.name_zh in focus)


def _named_by(item: PlanItem, asked: set[str]) -> bool:
    """The question names the item by its own name's words, as one thing: "national high-tech enterprises", a kind of
    firm, is no one asker's firm ("Will my company be recognised as a national high-tech enterprise?")."""
    name = re.sub(r"\([^)]*\)", "", item.name_en or "").strip()
    if re.search(r"[a-z]s$", name) and not name.endswith("ss"):
        return False
    words = {w for w in en_tokens(re.sub(r"\([^)]*\)", "", item.name_en or "")) if w[0].isalpha()} - _KIND_NOUNS
    return bool(words) and words <= asked


_KIND_NOUNS = frozenset(en_tokens("old residential compound compounds school schools primary middle high park parks road "
                                  "roads company companies key industrial chain chains green restaurant restaurants "
                                  "street streets community communities project projects plot plots Tianjin's"))


# a question asking for something new ("a new high school", "会建新高中吗") is said by an item the plan builds
_NEW = re.compile(r"\bnew\b|新建|建新|新(?=(学校|高中|中学|小学|幼儿园|医院|公园|道路|马路|楼))", re.I)
_BUILT = frozenset({"新开工", "新建", "建成"})
_NEW_PHRASE = re.compile(r"\bnew [a-z]+|新建[\u4e00-\u9fff]{2}", re.I)  # "new buildings", 新建建筑
_BUILD = re.compile(r"\b(build|builds|building(?! (standards?|codes?|materials?))|built|construct\w*|put up|erect\w*)\b|"
                    r"建设|修建|兴建|盖|建(?![筑])", re.I)  # ("green building standards": a noun, not building them)


def new_unsaid(question: str, named: list[PlanItem]) -> list[str]:
    """"new" when the question asks for something new and none of the items it is answered by is built by the plan
    ("a new high school" over 开展品牌高中建设, developing brand-name high schools), nor is itself the new thing asked
    about ("Will new buildings be green?": the plan's standard is for 新建建筑, new buildings; "Will they build a lot of
    new buildings?" asks it to build them, which it does not)."""
    m = _NEW.search(question)
    if not m or any(i.group in _BUILT or "新" in (i.action_zh or "") for i in named):
        return []
    for phrase in _NEW_PHRASE.finditer(question):
        said = phrase.group(0).lower()
        rest = question[: phrase.start()] + question[phrase.end():]
        if any(said in f"{i.name_zh} {i.name_en}".lower() for i in named):
            if not _BUILD.search(rest):
                return []  # the plan's own "new X", asked about as it is, not asked to be built
            if said.isascii():  # the plan names new buildings; it does not say it builds them
                return [f"build {said}"]
    return [m.group(0) if m.group(0).isascii() else "新建"]  # (建新高中 asks for a 新建 one)
