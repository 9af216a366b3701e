"""What a question asks, without an LLM: its type, the attribute asked for, its year, exclusions and parts.

Everything here is a small lexicon of question words in both languages — how residents ask, not what the plan
says — so that it generalises to questions nobody has written yet. The answerer uses it to choose the form of the
direct answer (a count, a list, a yes/no, a date) and to notice when the plan does not give what was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------- lexicon

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("why", re.compile(r"为什么|为何|为啥|\bwhy\b", re.I)),
    ("who", re.compile(r"谁|哪个部门|哪个单位|什么部门|什么单位|哪个机关|由.{0,6}(发布|印发|通过)|"
                       r"\bwho\b|which (body|office|department|agency|authority|commission)", re.I)),
    ("when", re.compile(r"什么时候|何时|哪天|哪一天|几月|几号|日期|哪一?年(?!级)|几时|多久|时间表|"
                        # (not "When I go to …, will …": a when followed by its clause's subject joins clauses)
                        r"\bwhen\b(?!\s+(i|we|my|our|you|your|they|people|residents|a|an|the|it|there|this|that|he|she|someone)\b)|"
                        r"what date|which date|"
                        r"what day|by when|how soon|deadline", re.I)),
    ("where", re.compile(r"哪里|在哪(?![次个一些年种届])|哪儿|什么地方|什么位置|\bwhere\b|which (area|street|location|part of)", re.I)),
    ("how_much", re.compile(r"多少钱|花多少|投资多少|多少资金|多少经费|多少预算|(?<!更)多大(?!型)|多高|多少平方|百分之几|"
                            r"how much|what (percentage|share|proportion|rate)|how big|how large", re.I)),
    ("which", re.compile(r"哪些|哪几|哪[家所条座个项处](?![一-龥]{0,1}(时候|地方))|有什么|有啥|有哪|包括什么|包含|都有|which|what (are|kinds?|types?|new|projects?|"
                         r"schools?|parks?|roads?|things?|changes?|plans?|else|other|brands?|events?|compan(y|ies)|"
                         r"facilit(y|ies)|hospitals?|plots?|clusters?|industr(y|ies)|venues?|buildings?|platforms?)\b|"
                         r"list\b", re.I)),
    ("how_many", re.compile(r"多少|(?<!哪)几(?![乎])|how many|number of|what number|how often", re.I)),
    ("whether", re.compile(r"吗[？?]?$|是否|有没有|会不会|能不能|是不是|可不可以|要不要|有无|"
                           r"^(is|are|was|were|will|would|does|do|did|can|could|has|have|should|shall)\b|"
                           r"(^|[-–—,;:.]\s*)(any|anything|anyone)\b|(^|[.?!]\s+)(is|are) there\b", re.I)),  # "… - any new schools?"
]

_ATTRIBUTES: list[tuple[str, re.Pattern[str]]] = [
    ("growth", re.compile(r"增长|增速|增幅|提高多少|增加多少|growth|grow|increase by|rise by", re.I)),
    ("money", re.compile(r"多少钱|(投资|资金|经费|预算|拨款|花费|费用|造价|投入)(是)?(多少|金额|规模|几)|投资额|"
                         r"资金(量|数额)|亿元|万元|花了?多少|补贴多少|税收|税收收入|房价|均价|价格|租金|票价|收费标准|"
                         r"how much (money|will .{0,30}cost|funding|is .{0,30}(invest|spent|budget))|\bcost\b|"
                         r"\bbudget (for|of)\b|investment amount|\bamount of (money|funding|investment)\b|\bhow much .{0,30}\bspend|"
                         r"\bwhat (is|will) (the district|it|nankai) (be )?spend(ing)? on\b|\bwhat (is|are) the (spending|funding|"
                         r"investment|budget)s? (on|for)\b|\byuan\b|\brmb\b|"
                         r"\bhow much (is|are|will be|would be) (the |a |my )?(\w+ )?(rewards?|bonus(es)?|subsid(y|ies)|grants?|"
                         r"allowances?)\b|"
                         r"tax revenue|\btaxes\b|\bprices?\b|\brents?\b(?! out)|\bfares?\b|\bfees?\b", re.I)),
    ("population", re.compile(r"人口|常住|户籍人口|多少人(住|生活)|居民有多少|"
                              r"population|how many (people|residents) (live|are there)|inhabitants", re.I)),
    ("date", re.compile(r"什么时候|何时|哪天|几月|几号|日期|哪一?年(?!级)|几时|开工时间|完工时间|开放时间|通车时间|哪一天|具体时间|"
                        r"\bwhen\b|what date|which date|what day|by when|opening date|deadline|which month", re.I)),
    ("share", re.compile(r"比例|百分之|占比|\d+%|率|percent|percentage|share of|proportion|\brate\b", re.I)),
    ("area", re.compile(r"面积|平方米|平米|(?<!更)多大(?!型)|square (metres|meters)|\b(floor|land|total|built|green)[\s-]area\b|\bhow much area\b|"
                        r"\barea (of|covered)\b|how big|how large|floor space", re.I)),  # not "the Tiantuo area"
    ("count", re.compile(r"多少(个|所|家|条|处|项|宗|座|户|名|只|批|场)|(?<!哪)几(个|所|家|条|处|项|宗|座|户|名|批|场)|数量|"
                         r"how many|number of", re.I)),
    ("place", re.compile(r"哪里|在哪(?![次个一些年种届])|哪儿|什么地方|位置|地址|\bwhere\b|location", re.I)),
    ("name", re.compile(r"叫什么|名字|名称|是什么(学校|公园|项目)|\bcalled\b|\bname of\b|\bnamed\b", re.I)),
]

_RESULT = re.compile(r"完成了(吗|没|没有)?|(实现|做到|达到|落实|建成|达成)了(吗|没|没有)|完成得怎么样|完成情况|进展如何|"
                     r"结果(怎么样|如何)|成效|效果怎么样|\bdid (it|they|the \w+)\b.{0,40}\b(finish|complete|happen|"
                     r"achieve|meet|reach)|\b(was|were|has|have) .{0,60}\b(completed|finished|achieved|met|reached|done)\b|"
                     r"\b(has|have) .{0,60}\bbeen (fixed|repaired|built|renovated|opened|solved|upgraded)\b|"
                     r"(修好|建好|改好|弄好|解决|改造好)了(吗|没|没有)|已经(有|建成|建好|开通|开放|投用)[^？?]{0,12}(了)?(吗|没有)|\balready (have|has|got|open|built|done)\b|(建|修|改|弄|做|扩建|改造|装)完了(吗|没|没有)?|"
                     r"\b(what were|what are|any|the|its|their) (\w+ )?(results?|outcomes?)\b(?<!test results)(?<!test result)|\bactually\b.{0,20}\b(built|done|achieved)", re.I)
_EXCLUDE_ZH = re.compile(r"除(了|去|开)?(?P<x>[^，,。？?！!；;]{1,24}?)(以外|之外|外)?[，,]?"
                         r"(?=[^，,。？?！!；;]{0,10}(还|另外|其他|其它|别的)|有)")
_EXCLUDE_EN = re.compile(r"\b(besides|apart from|other than|except( for)?|aside from|not counting|excluding)\s+"
                         r"(?P<x>[^,.?;!]{2,60}?)(?=,|\?|\.|;|$| what| which| are| is| will| does| do| has| have)", re.I)
_PARTS_ZH = re.compile(r"(?P<a>[\u4e00-\u9fffA-Za-z0-9]{2,12})(和|与|及|跟|、)(?P<b>[\u4e00-\u9fffA-Za-z0-9]{2,12})"
                       r"(分别|各自|各|都|呢)")
_PARTS_EN = re.compile(r"\b(?P<a>[\w\- ]{3,40}?) and (?P<b>[\w\- ]{3,40}?)\b(,? respectively|,? each| both\b)", re.I)
_PARTS_WORD = re.compile(r"分别|各是|各有|各自|respectively|\beach\b|\bboth\b|compare|比较|相比|哪个多|哪个更", re.I)

_ZH_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
              "七": "7", "八": "8", "九": "9"}
_YEAR_DIGITS = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_YEAR_HANZI = re.compile(r"([二][〇零○][一二三四五六七八九〇零○]{2})年")
_RELATIVE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"前年|the year before last", re.I), -2),
    # ("the last year of the 14th Five-Year Plan" names no year)
    (re.compile(r"去年|上一年|上年|(?<!the )(?<!final )last year(?! of)|previous year|the year before(?! last)", re.I), -1),
    (re.compile(r"今年|本年|当年|this year|the current year|current year", re.I), 0),
    (re.compile(r"明年|下一年|来年|next year|the coming year|the following year", re.I), 1),
    (re.compile(r"后年|the year after next", re.I), 2),
]
# asking for a year's figure the plan reviews ("2023年完成了多少") differs from planning for it
_PAST = re.compile(r"去年|上一年|前年|完成了|实现了|达到了|已经|曾|过去|(?<!the )\blast year\b(?! of)|\bin 20\d\d\b.{0,30}\b(was|were|did|had)\b|"
                   r"\b(was|were|did)\b", re.I)


@dataclass(frozen=True)
class Asked:
    """What one question asks for."""

    kind: str  # which | how_many | how_much | when | where | whether | who | why | what
    attribute: str | None  # money | population | date | share | growth | area | count | place | name
    years: tuple[int, ...] = ()  # the years it names or means, resolved against the plan year
    relative_year: bool = False  # the year came from 今年 / last year …
    exclusions: tuple[str, ...] = ()  # "除了X" / "besides X": X
    parts: tuple[str, ...] = ()  # "X和Y分别" / "X and Y respectively": X, Y
    result: bool = False  # asks whether something was achieved, not what is planned
    flags: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_list(self) -> bool:
        return self.kind == "which"

    @property
    def wants_figure(self) -> bool:
        return self.kind in ("how_many", "how_much") or self.attribute in ("count", "area", "share", "growth",
                                                                           "money", "population")


def _hanzi_year(text: str) -> list[int]:
    return [int("".join(_ZH_DIGITS[c] for c in m.group(1))) for m in _YEAR_HANZI.finditer(text)]


def question_years(text: str, plan_year: int) -> tuple[tuple[int, ...], bool]:
    """The years a question names (2023, 二〇二五年) or means (去年, next year), and whether one was relative."""
    years = [int(y) for y in _YEAR_DIGITS.findall(text)] + _hanzi_year(text)
    relative = False
    for pattern, offset in _RELATIVE:
        if pattern.search(text):
            years.append(plan_year + offset)
            relative = True
    return tuple(dict.fromkeys(years)), relative


# "Where does Nankai rank for air quality?", "空气质量排在哪里？": a rank asked, not a location
_RANK = re.compile(r"\bwhere (does|do|did|will|would|is|are|was|were)\b[^?？]{0,50}?\b(rank|stand|place|come)s?\b|"
                   r"\bwhere\b[^?？]{0,30}\branked\b|排(名|位)?(在|到|居)?(哪|第几)", re.I)


def question_kind(text: str) -> str:
    for kind, pattern in _TYPES:
        if pattern.search(text) and not (kind == "where" and _RANK.search(text)):
            return kind
    return "what"


def question_attribute(text: str, kind: str) -> str | None:
    for attribute, pattern in _ATTRIBUTES:
        if pattern.search(text):
            if attribute == "date" and kind not in ("when", "what", "whether"):
                continue
            if attribute == "place" and (kind != "where" or _RANK.search(text)):
                continue
            return attribute
    return None


def exclusions(text: str) -> tuple[str, ...]:
    found = [m.group("x").strip() for m in _EXCLUDE_ZH.finditer(text)]
    found += [m.group("x").strip() for m in _EXCLUDE_EN.finditer(text)]
    return tuple(x for x in found if x)


def parts(text: str) -> tuple[str, ...]:
    if not _PARTS_WORD.search(text):
        return ()
    m = _PARTS_ZH.search(text) or _PARTS_EN.search(text)
    return (m.group("a").strip(), m.group("b").strip()) if m else ()


def understand(question: str, plan_year: int = 2024) -> Asked:
    """Read a (normalised) question; ``plan_year`` resolves 今年 / this year and the like."""
    text = question.strip()
    kind = question_kind(text)
    attribute = question_attribute(text, kind)
    years, relative = question_years(text, plan_year)
    flags = {"past"} if _PAST.search(text) else set()
    return Asked(kind=kind, attribute=attribute, years=years, relative_year=relative, exclusions=exclusions(text),
                 parts=parts(text), result=bool(_RESULT.search(text)), flags=frozenset(flags))
