"""The years a loaded index's sentences are about, and its documents' years and kinds: what ranks a sentence about
another year below one about the year asked (``bot.retrieve``)."""

from __future__ import annotations

import numpy as np

from .documents import label_document, label_years, name_years, years_in
from .index import Unit


class YearIndex:
    """The year each sentence is about — the years its text names, else its heading's (read from its label), else
    its document's — and each document's year and kind, read once from the index's units. With several documents
    loaded the labels name them ("2025年计划 · …", ``bot.documents.label_document``); a lone document's year comes
    from its headings' years or its ID ("nankai-2024-plan")."""

    def __init__(self, units: list[Unit]) -> None:
        doc_year: dict[str, int | None] = {}
        self.doc_kind: dict[str, str | None] = {}
        heading_years: set[int] = set()
        for u in units:
            if u.doc_id not in doc_year:
                named = label_document(u.label)
                found = name_years(u.doc_id)
                doc_year[u.doc_id] = named.year or (found[0] if found else None)
                self.doc_kind[u.doc_id] = named.kind
            heading_years.update(label_years(u.label))
        self.doc_year = doc_year
        self._position = {u.id: i for i, u in enumerate(units)}
        self.unit_years: list[tuple[int, ...]] = []
        for u in units:
            own = years_in(u.zh) or label_years(u.label)[-1:] or ([doc_year[u.doc_id]] if doc_year[u.doc_id] else [])
            self.unit_years.append(tuple(own))
        self.known = np.array([bool(y) for y in self.unit_years], dtype=bool)
        doc_ids = np.array([u.doc_id for u in units], dtype=object)
        self.doc_masks = {d: doc_ids == d for d in doc_year}
        self.masks: dict[int, np.ndarray] = {}
        for i, ys in enumerate(self.unit_years):
            for y in ys:
                self.masks.setdefault(y, np.zeros(len(units), dtype=bool))[i] = True
        years = {y for y in doc_year.values() if y}
        plans = [doc_year[d] for d, kind in self.doc_kind.items() if kind == "plan" and doc_year[d]]
        self.plan_year: int = max(plans or years or {2024})  # type: ignore[type-var]
        self.covered: tuple[int, ...] = tuple(sorted(years | heading_years))

    def year_masks(self, wanted: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """(sentences about one of ``wanted``, sentences about other years), or None when either is empty (the
        order could not change)."""
        match = np.zeros(len(self.unit_years), dtype=bool)
        for y in wanted:
            if y in self.masks:
                match |= self.masks[y]
        other = self.known & ~match
        return (match, other) if match.any() and other.any() else None

    def plan_masks(self, years: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """(sentences of the plans for ``years``, sentences of documents that are not plans), or None without
        either (other years' plans are the year preference's business)."""
        plans = [d for d, kind in self.doc_kind.items() if kind == "plan" and self.doc_year[d] in years]
        others = [d for d, kind in self.doc_kind.items() if kind != "plan"]
        if not plans or not others:
            return None
        return (np.logical_or.reduce([self.doc_masks[d] for d in plans]),
                np.logical_or.reduce([self.doc_masks[d] for d in others]))

    def is_target(self, unit: Unit, year: int) -> bool:
        """A plan's sentence about its own year: what was planned for ``year``."""
        doc_year = self.doc_year.get(unit.doc_id)
        return self.doc_kind.get(unit.doc_id) == "plan" and doc_year == year and year in (self.of(unit) or (year,))

    def is_result(self, unit: Unit, year: int) -> bool:
        """A later document's look back at ``year`` — the 2024 work report's "2023年工作回顾", the 2025 plan's review
        of 2024: what was achieved."""
        doc_year = self.doc_year.get(unit.doc_id)
        return year in self.of(unit) and bool(doc_year and doc_year > year)

    def of(self, unit: Unit) -> tuple[int, ...]:
        """The years a sentence is about (its text's, else its heading's, else its document's; () when unknown)."""
        return self.unit_years[self._position[unit.id]]
