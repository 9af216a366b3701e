"""The outcomes a yes/no question asks the plan to promise — a rise or a fall, free of charge, a sale, a rank, an
opening — and the words that say each: a plain "yes" needs the cited sentence to say the outcome asked."""

from __future__ import annotations

import re

JUDGEMENT = r"(?<![只最建修弄办做搞改装盖治管完准更变越向会])好(吗|不好)|怎么样[？?]?$|\b(is|are) (it|nankai|the \w+) (good|safe|nice|bad)\b"


_JUDGEMENT = re.compile(JUDGEMENT, re.I)


def asks_judgement(question: str) -> bool:
    """Whether a question asks how things are now ("南开治安好吗？"), which a plan of tasks does not say."""
    return bool(_JUDGEMENT.search(question))


# Outcomes a yes/no question can ask the plan to promise — a rise or a fall, free of charge, a sale, a rank, a move —
# each with the words (both languages) that say it. A plain "yes" needs the cited sentence to say the outcome asked.
OWN = r"(?<=南开)(自己|自身|本身)|(?<=区里)自己|(?<=区)自己|\b(its own|nankai's own|of its own)\b"

CLAIMS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [(re.compile(ask, re.I), re.compile(say, re.I)) for ask, say in (
    (r"下降|降低|减少|下调|变少|少了|变小|缩小|更少|(?<=会)少(?=[吗了些点])|\b(go(es)? down|come(s)? down|fall|falls|drop|drops|"
     r"decreas|reduc|lower|cut|cuts|fewer|less|smaller|shrinks?|shrinking)\b",
     r"下降|降低|减少|压减|\b(decreas|reduc|lower|cut|fewer|less|declin)"),
    (r"上涨|涨价|涨|提高|增加|变多|上升|\b(go(es)? up|rise|rises|raise|raised|increas\w*|higher|grow)\b",
     r"上涨|提高|增加|增长|上升|提升|扩大|增建|新增|增设|\b(increas|rais|higher|grow|growth|expand|more)"),
    (r"免费|不要钱|不花钱|\bfree\b|no charge|without charge", r"免费|\bfree\b"),
    # ("Will nursery places be more affordable?" asks a price; "more affordable childcare places" asks for more of them)
    (r"便宜|低价|降价|\b(cheap|cheaper|low[- ]cost|discount|less expensive|"
     r"(?:(?<=be )|(?<=become )|(?<=get )|(?<=are )|(?<=is ))more affordable(?!\s+[a-z]))",
     r"便宜|低价|降价|优惠|\b(cheap|low[- ]cost|discount)"),
    (r"卖掉|卖给|出售|拍卖|\b(sold|sell|sells|sale|auction)", r"出售|拍卖|\b(sold|sell|sale|auction)"),
    (r"私有化|私营化|\bprivati[sz]", r"私有化|\bprivati[sz]"),
    (r"外包|\boutsourc|contractors?\b", r"外包|\boutsourc|contractor"),
    (r"拆(?!分)|\b(demolish|tear down|torn down|pull down|knock down)", r"拆除|拆迁|\bdemoli"),
    (r"破产|倒闭|\bbankrupt", r"破产|倒闭|\bbankrupt"),
    (r"罚款|罚钱|处罚|\b(fined?|fines|penalt\w+)\b", r"罚款|处罚|\b(fine[sd]?|penalt)"),  # a sanction on the asker
    # opening to traffic or the public ("8号线今年能开通吗", "Will Line 8 open?") is said by the plan's own words for it,
    # not by construction supported
    # ("any new schools opening?" asks for new schools: the participle is no claim)
    (r"开通|通车|投用|投入使用|开放|\b(open|opens|opened|reopen\w*)\b(?! (up|a|an|the|my|our|new)\b)",
     r"开通|通车|投用|投入使用|开放|\bopen|\bin(to)? (use|service|operation)\b"),
    (r"搬到|搬来|搬迁|搬走|\b(move|moves|moving|relocat\w*)\b", r"搬迁|迁入|迁建|疏解|\b(move|relocat)"),
    (r"扩建|扩容|扩大|拓宽|加宽|\b(expand\w*|enlarg\w*|extend\w*|bigger|widen\w*|wider)\b",
     r"扩建|扩容|扩大|拓宽|加宽|\b(expan|enlarg|extend|extension|widen)"),
    # a resident's registered residence (户口): the plan's 落户 is of projects settling in Nankai
    (r"落户|户口|户籍|\b(hukou|residency|residence permit|household registration)\b", r"户口|户籍|\b(hukou|residency)\b"),
    # traffic getting better is said by the plan's words for congestion eased, not by road projects carried out
    (r"好转|不堵|(?<=堵车)缓解|(?<=拥堵)缓解|\b(less|ease[sd]?|easing)(?= (traffic|congestion|jams?)\b)|"
     r"(?<=traffic )(gets? |will get |be )?(better|easier|lighter)\b", r"好转|缓解|拥堵|\bcongestion|\bease"),
    (r"第一|最好|最佳|冠军|\b(the best|number one|no\.? ?1|first place|top (of|in) the)\b", r"第一|最好|最佳|(?<!among )\bthe best\b|\b(first place|number one)\b"),
    (r"关闭|关停|停办|取消|禁止|\b(clos(e|ed|ing) down|shut|cancel\w*|scrap\w*|ban|banned)\b",
     r"关闭|关停|取消|禁止|\b(close|shut|cancel|scrap|ban)"),
    # an achievement ("能实现吗", "reach carbon neutrality") is said by 实现 / 达到 / 完成, not by 推进 or 推动…落地
    (r"实现|做到|达到|达成|\b(achiev\w*|reach(ed|es)?)\b", r"实现|达到|完成|(?<!持续)保持|\b(achiev|reach|meet|met|maintain|keep)"),
    # a problem solved ("停车难会解决吗", "will parking problems be solved") is said by the plan's own words for it, not by
    # the tasks it carries out on the problem (增建停车泊位 adds parking spaces)
    (r"解决|根治|彻底|\b(solv\w*|resolv\w*|once and for all|for good)\b", r"解决|解难|根治|\b(solv|resolv)"),
    # hiring is said by the plan's employment words, not by an enterprise's investment or a cluster
    # (and more of the people who do a job: "Will there be more grid workers?" over 全科网格 upgraded)
    (r"招工|招人|招聘|\b(hir(e|es|ed|ing)|recruit\w*)\b|"
     r"\bmore (\w+ )?(workers|staff|doctors|nurses|teachers|police(men)?|officers|wardens|guards|cleaners)\b", r"招工|招聘|招人|就业|用工|\b(hir|recruit|employ|jobs?\b)"),
    # a future better ("营商环境会更好吗", "will the streets get better"): the plan's tasks on a thing say what it does,
    # not that it will be better (how things are now is the judgement below)
    (r"更好|变好|好起来|改善|(?<=会)好(?=吗)|\b(gets?|getting|be|become|becomes) better\b", r"更好|变好|改善|提升|\bbetter\b|\bimprov"),
    # money paid back or paid out ("看糖尿病能报销吗", "绿色社区有奖励吗"): said by the plan's words for it, not by a task
    (r"报销|奖励|奖金|补贴|补助|\b(reimburs\w*|rewards?|bonus(es)?|subsid(y|ies|ised|ized))\b",
     r"报销|奖励|奖补|补贴|补助|\b(reimburs|reward|bonus|subsid)"),
    # a grade or rank gained ("二级医院会升三甲吗"): building key specialties says nothing of one
    (r"升(三甲|级|格|为)|晋升|\b(upgraded? to|promoted to)\b", r"升级|升为|晋升|\bupgrad\w* (to|into)\b"),
    # a month ("Will the marathon be held in May?", "九月能开学吗"): the plan gives its year's tasks, few dates
    (r"\b(in|by|before|until|from|this|next|early|late) (january|february|march|april|may|june|july|august|september|"
     r"october|november|december)\b|(?<![\d年])([一二三四五六七八九十]|十[一二]|\d{1,2})月(份|底|初)?(?!\d)",
     r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b|\d{1,2}月"),
    # becoming something ("南开会成为天津的中心吗"): building a centre (打造…服务中心) is not becoming one
    (r"成为|变成|\b(become|becomes|becoming|turn into)\b", r"成为|建成为|\b(become|becoming)\b"),
    # the last or final one ("2024年是十四五的最后一年吗"): a crucial year is not the last
    (r"最后一[年个批期]?|最终|\b(last|final) (year|one|stage|phase)\b", r"最后一|收官|\b(last|final) (year|stage|phase)\b"),
    # a charge asked ("健身要钱吗", "要门票吗", "Does it cost anything?"): using a venue's resources says no price
    (r"要钱|收费吗|收钱|要门票|\b(cost (anything|money)|charge (for|to)|pay to (enter|use|get in))\b",
     r"收费|免费|门票|\b(fee|charge|free|ticket)"),
    # a side effect ("修路会不会堵车"): road works carried out say nothing of jams they cause
    (r"堵车|\b(traffic jams?|gridlock)\b", r"拥堵|堵车|\bcongestion|\bjams?\b"),
    # the district's own ("南开自己有12条产业链吗"): serving the city's chains (全市12条重点产业链) is not owning them
    (OWN, r"(?<!全)区(属|级|内)|本区|\b(its own|the district's own)\b"),
    # a judgement of how things are now ("治安好吗", "is it safe") the plan, a list of tasks, never gives
    (JUDGEMENT, r"(?!)"),
)]


def unsaid_claims(question: str, evidence: str) -> list[str]:
    """The outcomes a yes/no question asks about ("Will the Huanghe Theatre be *sold*?", "失业率会*下降*吗？",
    "会是全市*第一*吗？") that ``evidence`` (the sentences the answer's statement cites, in the question's language, with
    their items' names and keywords) does not say: a plain "yes" would promise them."""
    out = []
    for ask, say in CLAIMS:  # (a capitalised word inside the question is a name's: "the Water Drop stadium")
        m = next((m for m in ask.finditer(question) if not (m.start() > 0 and m.group(0)[:1].isupper())), None)
        if m and not say.search(evidence):
            out.append("变好" if m.group(0) == "好" else m.group(0))  # ("会好吗": will it get better)
    return out
