"""Plan items as data (corpus/items.jsonl) and reading questions (bot.understand)."""

from __future__ import annotations

import json

import pytest

from bot.corpus import load_corpus
from bot.errors import DataFileError
from bot.items import GROUPS, KINDS, load_items
from bot.testing import CORPUS
from bot.understand import understand


@pytest.fixture(scope="module")
def sentences() -> dict[str, str]:
    return {s.id: s.text for s in load_corpus(CORPUS).sentences}


def test_every_item_name_and_value_occurs_in_its_sentence(sentences: dict[str, str]) -> None:
    items = load_items(CORPUS)
    assert len(items) >= 300
    problems = []
    for item in items:
        text = sentences.get(item.sentence)
        if text is None:
            problems.append(f"{item.id}: no sentence {item.sentence}")
            continue
        for field in ("name_zh", "quantity", "certainty_zh"):
            value = getattr(item, field)
            if value and value not in text:
                problems.append(f"{item.id}: {field} {value!r} is not in {item.sentence}")
        action = item.action_zh or ""
        if "…" in action:  # "促进…尽早开工": the verb before the name, the rest after it, as the sentence has them
            head, tail = action.split("…", 1)
            before = text.find(head)
            at = text.find(item.name_zh, max(before, 0))
            if before < 0 or at < 0 or not tail or text.find(tail, at + len(item.name_zh)) < 0 or "…" in tail:
                problems.append(f"{item.id}: action_zh {action!r} does not frame {item.name_zh!r} in {item.sentence}")
        elif action and action not in text:
            problems.append(f"{item.id}: action_zh {action!r} is not in {item.sentence}")
        if not all("\u4e00" > c or c > "\u9fff" for c in item.name_en + (item.value_en or "")):
            problems.append(f"{item.id}: Chinese in the English name or value")
    assert not problems, "\n".join(problems[:20])


def test_items_cover_kinds_the_answers_need() -> None:
    items = load_items(CORPUS)
    kinds = {i.kind for i in items}
    assert {"school", "park", "road", "metro", "target", "company", "event"} <= kinds
    assert {i.kind for i in items} <= set(KINDS) and {i.group for i in items} <= set(GROUPS)
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids))
    schools = {i.name_zh: i.group for i in items if i.kind == "school"}
    assert schools["六马路地块小学"] == "建成" and schools["天拖中学"] == "新开工"


def test_a_bad_items_file_names_the_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "items.jsonl").write_text(json.dumps({"id": "x", "sentence": "d/1.1.1", "kind": "spaceship",
                                                      "name_zh": "甲", "name_en": "a", "group": "其他"}) + "\n")
    with pytest.raises(DataFileError, match=r"record 1: kind 'spaceship'"):
        load_items(tmp_path)
    assert load_items(tmp_path / "missing") == []


@pytest.mark.parametrize("question, kind, attribute", [
    ("今年要改造多少个老旧小区？", "how_many", "count"),
    ("How many pocket parks will be built?", "how_many", "count"),
    ("老旧小区改造一共投资多少钱？", "how_much", "money"),
    ("How much will the metro line cost?", "how_much", "money"),
    ("哪些学校今年建成？", "which", None),
    ("Which schools open this year?", "which", None),
    ("长虹公园什么时候开放？", "when", "date"),
    ("When will the Changhong Park reopen?", "when", "date"),
    ("南开区有多少人口？", "how_many", "population"),
    ("谁发布了这个计划？", "who", None),
    ("Is a new fire station planned?", "whether", None),
    ("今年有没有新建公园？", "whether", None),
    ("GDP增速目标是多少", "how_many", "growth"),
])
def test_question_type_and_attribute(question: str, kind: str, attribute: str | None) -> None:
    asked = understand(question)
    assert (asked.kind, asked.attribute) == (kind, attribute)


def test_years_exclusions_parts_and_results() -> None:
    assert understand("2023年改造了多少个小区？").years == (2023,)
    assert understand("二〇二五年有什么计划").years == (2025,)
    assert understand("去年完成了多少", plan_year=2024).years == (2023,)
    assert understand("What happens next year?", plan_year=2025).years == (2026,)
    assert understand("今年建几所学校").relative_year
    assert understand("除了学校以外，还有哪些民生工程？").exclusions == ("学校",)
    assert understand("Besides the schools, what else is being built?").exclusions == ("the schools",)
    assert understand("新开工面积和竣工面积分别是多少？").parts == ("新开工面积", "竣工面积")
    assert understand("2024年老旧小区改造完成了吗？").result
    assert understand("Did the district finish the old compounds?").result
    assert not understand("今年改造多少个老旧小区？").result
