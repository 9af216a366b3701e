"""The "Key figures and projects" tab: the plan items (``assistant.items``) grouped by kind — targets with their
values first, then projects, schools and hospitals, facilities, … — searchable in both languages and filterable by
kind, each linked to its sentence in the plan viewer in the reader's language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..corpus import Corpus
from ..index import corpus_units
from ..items import GROUP_EN, KIND_LABEL, PlanItem
from .render import render_template

ALL = "all"
# (key, zh, en, kinds): the order of the tab
CATEGORIES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("target", "指标", "Targets", ("target",)),
    ("project", "项目", "Projects", ("project", "parcel", "housing", "carrier")),
    ("school", "学校和医院", "Schools and hospitals", ("school", "hospital")),
    ("facility", "设施、道路和公园", "Facilities, roads and parks", ("facility", "road", "metro", "park")),
    ("industry", "产业和企业", "Industry and companies", ("cluster", "company", "brand", "institution")),
    ("event", "活动", "Events", ("event",)),
    ("programme", "工作和举措", "Programmes and measures", ("programme", "policy", "service")),
    ("title", "称号", "Titles", ("title",)),
    ("place", "地点", "Places", ("place",)),
]
_CATEGORY_OF = {kind: key for key, _, _, kinds in CATEGORIES for kind in kinds}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


@dataclass(frozen=True)
class Entry:
    """One item as the tab shows it, with its paragraph's labels and the text a search looks in."""

    item: PlanItem
    category: str
    label_zh: str
    label_en: str
    haystack: str


class Catalog:
    """The items of the plan, ready to be filtered and rendered (built once per process)."""

    def __init__(self, items: list[PlanItem], corpus: Corpus, corpus_dir) -> None:  # type: ignore[no-untyped-def]
        labels_zh = {p.id: p.label for p in corpus.paragraphs}
        labels_en = {u.paragraph_id: u.label_en for u in corpus_units(corpus, corpus_dir)}
        order = {key: n for n, (key, *_rest) in enumerate(CATEGORIES)}
        entries = []
        for item in items:
            category = _CATEGORY_OF.get(item.kind, "programme")
            pid = item.paragraph
            words = [item.name_zh, item.name_en, item.action_zh, item.action_en, item.measure_zh, item.measure_en,
                     item.quantity, item.value_en, item.value_zh(), item.value_en_text(), *item.keywords_zh,
                     *item.keywords_en, item.kind, *KIND_LABEL.get(item.kind, ())[1:]]
            entries.append(Entry(item, category, labels_zh.get(pid, pid), labels_en.get(pid, pid),
                                 _fold(" ".join(w for w in words if w))))
        # targets with a value first, then the other kinds in the tab's order; within a kind, the plan's order
        self.entries = sorted(entries, key=lambda e: (order[e.category], not (e.item.quantity or e.item.value_en)))
        self.counts = {key: sum(e.category == key for e in self.entries) for key, *_rest in CATEGORIES}

    def choices(self, lang: str) -> list[tuple[str, str]]:
        all_label = "全部" if lang == "zh" else "All"
        return [(f"{all_label} ({len(self.entries)})", ALL)] + [
            (f"{zh if lang == 'zh' else en} ({self.counts[key]})", key) for key, zh, en, _ in CATEGORIES
            if self.counts[key]]

    def select(self, query: str = "", category: str = ALL) -> list[Entry]:
        """The entries of ``category`` holding every word of ``query`` (a Latin word from its start: "park" finds
        "parks", not "spark"; Chinese anywhere)."""
        words = [re.compile(r"\b" + re.escape(w) if w.isascii() else re.escape(w)) for w in _fold(query).split()]
        return [e for e in self.entries if (category in (ALL, "", None) or e.category == category)
                and all(w.search(e.haystack) for w in words)]

    def render(self, lang: str, query: str = "", category: str = ALL) -> str:
        shown = self.select(query, category)
        groups = [(key, zh if lang == "zh" else en, [e for e in shown if e.category == key])
                  for key, zh, en, _ in CATEGORIES]
        return render_template("items.html", lang=lang, groups=[g for g in groups if g[2]], shown=len(shown),
                               total=len(self.entries), query=query.strip(), group_en=GROUP_EN)
