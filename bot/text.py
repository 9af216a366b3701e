"""Text handling for both languages: normalisation, jieba / English tokens, language detection."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from collections.abc import Mapping
from typing import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_EN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'\-]*|\d+(?:[.,]\d+)*%?")  # ("café" whole)
_WS = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

ZH_STOP = frozenset(
    "的 了 和 与 及 等 是 在 有 吗 呢 吧 啊 呀 么 嘛 哪些 哪个 哪 什么 多少 几 怎么 怎样 如何 为什么 请问 "
    "请 一下 我 我们 你 你们 他 她 它 这 那 这个 那个 个 对 把 被 将 会 要 能 可以 还 也 都 就 又 "
    "啥 咋 想 想要 多 不 没 没有 有没有 有啥 是不是 能不能 附近 周边 一点 一些 几个 哪儿 哪里 家 我家 "
    "听说 知道 觉得 感觉 最近 现在 以后 打算 准备 关心 问问 问 下 呗 哦 呢 嗯 么 吗 "
    "今年 明年 2024 年 区里 南开 南开区 计划 规划 政府 方面 有关 关于 情况 问题 告诉 一些 一个 "
    "给 让 跟 向 从 由 或 或者 该 比 着 "
    "， 。 ？ ！ 、 ； ： “ ” ‘ ’ 《 》 （ ） ( ) , . ? ! ; : - — · \" '".split()
)
EN_STOP = frozenset(
    """a an the and or of to in on at for by with from as is are was were be been being will would
    shall should can could may might do does did done this that these those it its there here what
    which who whom whose when where why how many much any some all about into over under than then
    so such not no yes i me my we our you your he she they them their please tell give show list
    also more most other whether if year years plan plans planned planning nankai district 2024
    s t get got let lets know want wants like going doing anything something everything thing things
    lol hi hey hello thanks thank really actually just kind sort stuff pretty maybe someone somebody said
    heard around near nearby place places there's what's where's anyone people guys okay ok well
    getting gets anymore can't cannot don't doesn't didn't won't isn't aren't wasn't gonna wanna kinda sorta
    pls plz thx btw omg haha lot lots fan fans have has had having""".split()
)


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width ASCII to half-width, traditional to simplified characters, one space between words."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    if _CJK.search(text):
        text = _t2s().convert(text)
    return _WS.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


_TAUGHT = [0]  # how many times jieba was taught words: cached tokens of an earlier dictionary are not reused


TAUGHT_FREQ = 50000


def add_words(words: Iterable[str]) -> None:
    """Teach jieba the corpus's place and project names so they stay whole — each once: jieba's add_word adds the
    frequency to its total on every call, so a glossary loaded again (by every reload of the index) shifted how
    every other text was cut."""
    jieba.dt.check_initialized()
    new = [w for w in words if w and len(w) >= 2 and has_cjk(w) and jieba.dt.FREQ.get(w) != TAUGHT_FREQ]
    for word in new:
        jieba.add_word(word, freq=TAUGHT_FREQ)
    if new:
        _TAUGHT[0] += 1


def taught() -> int:
    """The version of jieba's dictionary: a cache of tokens keys on it."""
    return _TAUGHT[0]


@lru_cache(maxsize=None)
def compiled(source: str) -> re.Pattern[str]:
    """A compiled regular expression built from data (a keyword, a value), kept for the process: the plan's
    items' keywords are more patterns than ``re``'s own cache of 512 holds, so re.search(f"…") on each of them
    compiled every pattern again on every question."""
    return re.compile(source)


@lru_cache(maxsize=8192)
def _zh_tokens_cached(text: str, taught: int) -> tuple[str, ...]:
    return tuple(zh_tokens(text))


def zh_tokens_of(text: str) -> tuple[str, ...]:
    """``zh_tokens`` of a fixed text (a sentence, an item's name, the question), cached while jieba's dictionary
    stays the same: retrieval and the direct answer tokenise the same texts many times per question."""
    return _zh_tokens_cached(text, _TAUGHT[0])


def zh_token_set(text: str) -> frozenset[str]:
    """``zh_tokens`` of a fixed text (an item's name), as a set, cached while jieba's dictionary stays the same."""
    return frozenset(_zh_tokens_cached(text, _TAUGHT[0]))


@lru_cache(maxsize=8192)
def en_tokens_of(text: str) -> tuple[str, ...]:
    """``en_tokens`` of a fixed text (a rendering, an item's name, the question), cached."""
    return tuple(en_tokens(text))


@lru_cache(maxsize=8192)
def en_token_set(text: str) -> frozenset[str]:
    """``en_tokens`` of a fixed text, as a set, cached."""
    return frozenset(en_tokens_of(text))


def zh_tokens(text: str) -> list[str]:
    """jieba search-mode tokens of the Chinese text, stopwords and punctuation dropped."""
    out: list[str] = []
    for tok in jieba.lcut_for_search(text):
        tok = tok.strip().lower()
        if tok and tok not in ZH_STOP and not unicodedata.category(tok[0]).startswith("P"):
            out.append(tok)
    return out


_WHOLE = frozenset({"parking", "parkings"})  # words whose stem would be another word ("parking" is not a park)


_DERIVED = re.compile(r"^([a-z]{3,}(?:om|teg|dem))(?:y|ies|ic|ics|ically)$")


def _stem(word: str) -> str:
    """A light English stemmer: enough to match school/schools, park/parks, complete/completed, title/titles.

    A final silent e goes too, so that the word and its inflections meet: title/titles -> titl,
    complete/completed -> complet, house/houses -> hous. A noun in -y and its adjective in -ic meet where their
    root ends in om, teg or dem: economy/economic -> econom, strategy/strategic -> strateg, academy/academic.
    """
    if word in _WHOLE:
        return "parking"
    if (root := _DERIVED.match(word)):  # economy / economic / economies, strategy / strategic: one word
        return root.group(1)
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if len(word) >= 4 and word.endswith("e") and not word.endswith("ee") else word


_POSSESSIVE = re.compile(r"'s$")


def en_tokens(text: str) -> list[str]:
    """Lower-cased, lightly stemmed English words and numbers; CJK text is left to zh_tokens."""
    out: list[str] = []
    for word in _EN_WORD.findall(text.lower()):
        word = _POSSESSIVE.sub("", word).strip("'-").replace(",", "")  # "the district's" is the district
        if word and word not in EN_STOP:
            out.append(_stem(word) if word[0].isalpha() else word)
    return out


def detect_language(text: str) -> str:
    """'zh' or 'en': English when most words are English (names in Chinese do not count against it)."""
    text = normalize(text)
    en_words = [w for w in re.findall(r"[A-Za-z]{2,}", text)]
    cjk_chars = sum(len(run) for run in _CJK_RUN.findall(text))
    if not en_words:
        return "zh" if cjk_chars else "en"
    if not cjk_chars:
        return "en"
    zh_words = [t for run in _CJK_RUN.findall(text) for t in jieba.lcut(run)]
    function_words = sum(1 for t in zh_words if t in ZH_STOP)
    # Chinese function words (是 / 多少 / 吗) carry the sentence; a bare Chinese name does not.
    return "en" if len(en_words) > function_words + max(0, len(zh_words) - function_words) // 2 else "zh"


def numbers_in(text: str) -> list[str]:
    """The numbers written in a text, commas removed: '2.58 million, 50,000' -> ['2.58', '50000']."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


_EN_NUMBER_WORDS = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven "
                                                      "twelve".split())}
_ZH_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九十")} | {"两": "2"}
_ZH_COUNTED = re.compile(r"(?<![一二两三四五六七八九十])([一二两三四五六七八九十])(?=[个所家条处项宗座年批轮类支只名])")


def spelled_numbers(text: str) -> list[str]:
    """Small numbers written as words — "three paired counties", "三个结对县", "三年行动" — as digits."""
    words = [_EN_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _EN_NUMBER_WORDS]
    return words + [_ZH_DIGITS[m.group(1)] for m in _ZH_COUNTED.finditer(text)]


def one_edit(a: str, b: str) -> bool:
    """Whether two words are at most one letter apart: one added, dropped, changed, or two swapped side by side."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                   and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(long) - len(short) == 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def hyphen_parts(tokens: Iterable[str], vocabulary: Mapping[str, int]) -> list[str]:
    """The words of a hyphenated question word the documents never use ("floor-area" -> "floor", "area")."""
    return [_stem(part) for token in tokens if "-" in token and token not in vocabulary
            for part in token.split("-") if len(part) > 2 and part.isalpha() and part not in EN_STOP]


def corrections(tokens: Iterable[str], vocabulary: Mapping[str, int], shortest: int = 5) -> list[str]:
    """The documents' words that misspelt question words stand for ("waterloging" -> "waterlogg", "staion" ->
    "station"): for a word of at least ``shortest`` letters the documents never use, the most frequent of their
    words one letter away."""
    found: list[str] = []
    for token in tokens:
        if len(token) < shortest or not token.isalpha() or token in vocabulary:
            continue
        near = [w for w in vocabulary if abs(len(w) - len(token)) <= 1 and len(w) >= 4 and w[0] == token[0]
                and one_edit(token, w)]
        if near:
            found.append(max(near, key=lambda w: (vocabulary[w], w)))
    return found
