"""Questions about a document itself — who issued it, when, which session approved it, to whom it went, whether
it is public — answered from the document's notice (its metadata and the notice paragraph, which is cited)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .corpus import Document
from .bilingual import Rendering

# the question is about the document, not about what the plan does
_ABOUT = re.compile(r"(这份|这个|该|本)?(计划|文件|通知|文)(是)?(由|被)?.{0,8}(发布|印发|发的|下发|出台|签发|落款|审议|通过|批准|发给|公开)|"
                    r"(谁|哪个部门|哪个单位|什么部门|哪个机关|哪家单位)(发布|印发|发的|出的|制定|下发)|落款|印发.{0,6}(日期|时间|哪天)|"
                    r"审议通过|哪次会议|主动公开|发给哪些|(计划|文件|通知)(是|算|属于)?(不是)?(保密|机密|涉密|秘密|内部)(的|文件)?|"
                    r"\b(plan|document|notice)\b.{0,12}\b(secret|confidential|classified)\b|"
                    r"^(was|is|has|had|when was|who)\b.{0,20}\b(plan|document|notice)\b.{0,12}\b(approved|adopted|"
                    r"passed|issued|published)\b|"
                    r"\b(who|which (government )?(office|body|department|agency|authority))\b.{0,40}\b(issue|issued|publish|"
                    r"published|put out|release|released|sign|signed|wrote|write)|\b(issued|published|released|approved|dated)\b"
                    r".{0,30}\b(when|which|what|by whom)\b|\b(when|what date)\b.{0,40}\b(issued|published|released|approved|"
                    r"dated|notice)\b|date (is )?on the notice|\bnotice\b.{0,20}\b(date|dated|signed)\b|which session|"
                    r"\bsent to\b|\baddressed to\b|made public|publicly (available|released)|"
                    r"^(is|was) (this|the) (plan|document|notice) (public|open to the public|publicly available)\b|"
                    r"通知(要求|让|请)|收文单位|\b(notice|recipients)\b.{0,30}\b(asks?|asked|requests?|requested|requires?|"
                    r"required|tells?|told)\b", re.I)
# what a question about the notice asks for, in both languages
_ASKED = {"issuer": r"谁|部门|(?<!各)单位(?!的)|机关|发的|发布|印发(?!.{0,3}(日期|时间))|\bwho\b|\b(office|body|department|agency|"
                    r"authority)\b|\bissued\b|\bput out\b|\bpublish",
          "date": r"日期|哪天|什么时候|何时|落款|时间|(\d{1,2}|[一二三四五六七八九十]{1,2})月|春节|元旦|年前|年后|\bwhen\b|\bdate\b|"
                  r"\bdated\b|\bwhat day\b|\b(january|february|march|april|june|july|august|september|october|november|"
                  r"december|spring festival|new year|before|after)\b",
          "session": r"会议|审议|通过|批准|\bmeeting\b|\bsession\b|\bsitting\b|approv|\bcongress\b|sign(ed)? off",
          "to": r"发给|哪些单位|对象|sent to|addressed|\bto whom\b|recipients",
          "request": r"要求|做什么|干什么|怎么做|\b(asks?|asked|requests?|requested|requires?|required|tells?|told)\b",
          "public": r"公开|保密|机密|涉密|秘密|\bpublic(ly)?\b|\bdisclos|\b(secret|confidential|classified)\b"}
_SECRET = re.compile(r"保密|机密|涉密|秘密|内部|\b(secret|confidential|classified)\b", re.I)  # asked the other way round
# a question about what the district will do (the plan's content, not the notice that covers it)
_DISTRICT_DOES = re.compile(r"\b(will|does|is|can|should) (the district|nankai)\b(?! (congress|people's congress))|"
                            r"(南开区?|区里|我区|区政府)(今年|2024年)?(要|将|会|准备|打算)", re.I)


def beside_the_notice(text: str, words: set[str], notice_words: set[str], title_words: set[str]) -> bool:
    """Whether a question its covering notice ranks first is about the plan's content all the same: it asks what the
    district will do, or it shares with the notice only the document's title ("2024年对南开区来说是什么特殊年份")."""
    return bool(_DISTRICT_DOES.search(text)) or not (words - title_words) & notice_words


_SESSION = re.compile(r"已经(?P<s>.+?)审议通过")
_SESSION_EN = re.compile(r"(reviewed and )?approved at (?P<s>the .+?)(\s*\([^)]*\))?(,|\.|;| and )")
_TO = re.compile(r"^(?P<to>.+?)[:：]")
_REQUEST = re.compile(r"请(?P<r>[^。；]+)[。；]")  # what the notice asks its recipients to do
_REQUEST_EN = re.compile(r"\bplease (?P<r>[^.;]+)")
_TO_EN = re.compile(r"^To (?P<to>.+?):")
_DISCLOSURE = re.compile(r"(主动|依申请|不予)公开")


# "When will the business environment plan be issued?" asks about a plan the document announces, not the document
_NAMED_PLAN = re.compile(r"\b([\w'’-]+)\s+(plan|programme|scheme)\b", re.I)
_THIS_PLAN = frozenset("""the this that a development district district's nankai nankai's 2024 2024's annual whole
    entire year's social economic government's""".split())


def about_document(question: str) -> bool:
    if any(m.group(1).lower() not in _THIS_PLAN for m in _NAMED_PLAN.finditer(question)):
        return False
    return bool(_ABOUT.search(question))


@dataclass(frozen=True)
class NoticeFacts:
    doc_id: str
    paragraph_id: str
    title: str
    issuer: str
    date: str
    session: str
    recipients: str
    title_en: str
    issuer_en: str
    date_en: str
    session_en: str
    recipients_en: str
    request: str = ""
    request_en: str = ""
    public: str = ""  # the notice's line on disclosure (此件主动公开)
    public_en: str = ""

    @classmethod
    def of(cls, doc: Document, renderings: dict[str, Rendering]) -> "NoticeFacts | None":
        meta = doc.meta
        notice = next((p for p in doc.paragraphs if p.topic == "通知"), None)
        if not meta.get("issuer") or notice is None:
            return None
        body = meta.get("notice", "")
        first = notice.sentences[0] if notice.sentences else None
        first_en = renderings.get(first.id).en if first and first.id in renderings else ""
        date_en = next((renderings[s.id].en for s in notice.sentences if s.text == meta.get("date") and s.id in renderings),
                       "")
        notice_title_en = renderings.get(f"{doc.doc_id}/notice-title")
        issuer_en = ""
        if notice_title_en:
            m = re.match(r"Notice of (the )?(?P<i>.+?)( \([^)]*\))? on ", notice_title_en.en)
            issuer_en = f"the {m.group('i')}" if m else ""
        title_en = renderings.get(f"{doc.doc_id}/title")
        session = _SESSION.search(body)
        session_en = _SESSION_EN.search(first_en)
        to = _TO.search(body)
        to_en = _TO_EN.search(first_en)
        request, request_en = _REQUEST.search(body), _REQUEST_EN.search(first_en)
        disclosed = next((x for x in notice.sentences if _DISCLOSURE.search(x.text)), None)
        public_en = renderings[disclosed.id].en if disclosed and disclosed.id in renderings else ""
        return cls(doc_id=doc.doc_id, paragraph_id=notice.id, title=doc.title, issuer=meta["issuer"],
                   date=meta.get("date", ""), session=session.group("s") if session else "",
                   recipients=to.group("to") if to else "", title_en=re.sub(r" \([^)]*\)", "", title_en.en)
                   if title_en else doc.title, issuer_en=issuer_en, date_en=date_en,
                   session_en=session_en.group("s") if session_en else "", recipients_en=to_en.group("to") if to_en else "",
                   request=request.group("r") if request else "",
                   request_en=re.sub(r"\byour\b", "their", request_en.group("r")) if request_en else "",
                   public=disclosed.text.strip("（）() ") if disclosed else "", public_en=public_en.strip("() ."))

    def asked(self, question: str) -> list[str]:
        """The notice's facts the question asks for (issuer, date, session, to); none when it names none of them."""
        return [k for k, pattern in _ASKED.items() if re.search(pattern, question, re.I)]

    def value(self, key: str, lang: str) -> str:
        zh = {"issuer": self.issuer, "date": self.date, "session": self.session, "to": self.recipients,
              "request": self.request, "public": self.public}
        en = {"issuer": self.issuer_en, "date": self.date_en, "session": self.session_en, "to": self.recipients_en,
              "request": self.request_en, "public": self.public_en}
        return (zh if lang == "zh" else en)[key]

    def lead(self, question: str, lang: str, n: int) -> str:
        """One sentence with the notice's facts the question asks for (all of them when it names none)."""
        keys = [k for k in self.asked(question) or [k for k in _ASKED if k not in ("request", "public")]
                if self.value(k, lang)]
        if keys == ["public"]:  # "这个计划公开吗？": the notice's own line on it, first
            yes = "主动公开" in self.public
            secret = bool(_SECRET.search(question))  # "这份计划是保密文件吗？": public, so no
            word = ("不是。" if secret else "是的。") if lang == "zh" else ("No. " if secret else "Yes. ")
            if lang == "zh":
                return f"{word if yes else ''}《{self.title}》的印发通知注明：{self.public} [{n}]。"
            return f"{word if yes else ''}The notice issuing the {self.title_en} says: {self.public_en} [{n}]."
        keys = [k for k in keys if k != "public"]
        if keys == ["request"] or keys == ["to", "request"]:  # "通知要求各单位做什么？": what it asks of its recipients
            if lang == "zh":
                return f"通知请{self.recipients or '收文单位'}{self.request} [{n}]。"
            whom = self.recipients_en[:1].lower() + self.recipients_en[1:] if self.recipients_en else "its recipients"
            return f"The notice asks {whom} to {self.request_en} [{n}]."
        keys = [k for k in keys if k != "request"]
        if lang == "zh":
            parts = {"issuer": f"由{self.issuer}印发", "date": f"印发日期为{self.date}",
                     "session": f"已经{self.session}审议通过", "to": f"发给{self.recipients}"}
            return f"《{self.title}》" + "，".join(parts[k] for k in keys) + f" [{n}]。"
        i, d, s_, to = (self.issuer_en, self.date_en, self.session_en, self.recipients_en)
        has = set(keys)
        if "issuer" in has:
            text = f"was issued by {i}" + (f" on {d}" if "date" in has else "") + \
                (f" after approval at {s_}" if "session" in has else "") + (f" to {to}" if "to" in has else "")
        elif "session" in has:
            text = f"was approved at {s_}" + (f" and issued on {d}" if "date" in has else "") + \
                (f" and sent to {to}" if "to" in has else "")
        elif "date" in has:
            text = f"is dated {d}" + (f" and was sent to {to}" if "to" in has else "")
        else:
            text = f"was sent to {to}"
        return f"The {self.title_en} {text} [{n}]."



