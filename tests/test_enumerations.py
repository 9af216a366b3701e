"""The plan's own lists read from its sentences, and the direct answers made from them."""

from __future__ import annotations

import re

from bot.enumerations import en_items, without, zh_lists

SAFETY = "持续开展燃气、消防、危化品、建筑施工、道路交通等重点行业领域排查整治，坚决防范遏制重特大事故。"
SAFETY_EN = ("continue to inspect for and rectify hazards in key sectors such as gas, fire safety, hazardous chemicals, "
             "building construction and road traffic")


def test_a_chinese_list_has_its_items_and_the_noun_naming_them() -> None:
    (enum,) = zh_lists(SAFETY)
    assert enum.items == ("燃气", "消防", "危化品", "建筑施工", "道路交通")  # the clause's verb 开展 is not an item
    assert enum.head == "重点行业领域"  # the verb after the head (排查整治) is not part of it


def test_a_second_list_of_the_same_kind_joins_the_first() -> None:
    """Nineteenth review 3 (Chinese): "南开会增加对哪些地区的拜访？" listed the advanced regions only; the complementary ones
    (西北、东北等互补地区, two items joined by 和) are regions too. A list of another kind stays apart."""
    enum, other = zh_lists("增加北京、长三角、珠三角等先进地区和西北、东北等互补地区拜访频次，深挖高校校友上市企业、行业龙头等潜在客商资源。")
    assert enum.items == ("北京", "长三角", "珠三角", "西北", "东北") and enum.head == "地区"
    assert other.items == ("高校校友上市企业", "行业龙头") and other.head.endswith("资源")
    assert zh_lists("开展燃气、消防、危化品等重点行业和学校、医院等场所检查。")[0].items == ("燃气", "消防", "危化品")


def test_two_items_or_a_plain_clause_are_not_a_list() -> None:
    assert zh_lists("推动区知识产权运营中心建设运营，促进知识产权高质量创造和高效益运用。") == []
    assert zh_lists("建成六马路地块小学、战备楼地块中学。") == []  # two items: the item answers list them
    # two items the plan names as a kind ("等资源") are a list; the tail of a longer one, or "等39个…", is not
    (enum,) = zh_lists("用好中国医学科学院医工所、天大医工院等资源，发展高端医疗器械产业集群。")
    assert enum.items == ("中国医学科学院医工所", "天大医工院") and enum.head == "资源"
    assert zh_lists("完成凌奥花园（三期）、锦园里、金庄花园等39个积水点改造。") == []


def test_english_items_are_as_many_as_the_chinese_ones() -> None:
    head, items = en_items(SAFETY_EN + ", and resolutely prevent major accidents", 5)  # type: ignore[misc]
    assert items == ("gas", "fire safety", "hazardous chemicals", "building construction", "road traffic")
    assert head == "key sectors"
    names = "help business districts such as Joy City (大悦城), Luneng City (鲁能城) and Xiyuehui (熙悦汇) thrive"
    assert en_items(names, 3) == ("business districts", ("Joy City (大悦城)", "Luneng City (鲁能城)", "Xiyuehui (熙悦汇)"))
    assert en_items("people in difficulty, such as the elderly, the sick and people with disabilities", 3)[0] == \
        "people in difficulty"  # type: ignore[index]
    assert en_items("without a list opener, gas, fire and traffic", 3) is None
    assert en_items("such as gas", 3) is None  # fewer items than the Chinese list: no English list


def test_excluded_items_are_left_out() -> None:
    assert without(("燃气", "消防", "危化品"), ("燃气",)) == ("消防", "危化品")
    assert without(("gas", "fire safety", "hazardous chemicals"), ("gas",)) == ("fire safety", "hazardous chemicals")
    assert without(("gas", "fire safety"), ()) == ("gas", "fire safety")


def test_which_sectors_is_answered_with_the_plans_list_in_both_languages(assistant) -> None:  # type: ignore[no-untyped-def]
    zh = assistant.ask("安全生产排查整治涉及哪些重点行业？", channel="eval")
    first = zh.answer.split("\n")[0]
    assert "燃气、消防、危化品、建筑施工、道路交通" in first and first.startswith("2024年计划"), zh.answer
    en = assistant.ask("Which sectors are covered by the workplace safety inspections?", channel="eval")
    first = en.answer.split("\n")[0]
    assert first.startswith("For 2024 the plan lists key sectors, such as gas, fire safety"), en.answer
    assert len(first) < 200
    other = assistant.ask("Other than gas, what else will the safety inspections look at?", channel="eval")
    listed = re.split(r": |such as ", other.answer.split("\n")[0], maxsplit=1)[1].split("[")[0]
    assert "gas" not in listed, other.answer


def test_besides_the_only_named_item_says_the_plan_names_no_other(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("除了文水路以外，还有哪些道路工程？", channel="eval")
    assert answer.answer.startswith("除文水路外，计划没有点名其他"), answer.answer
    assert answer.partial and "10条" in answer.answer  # and it gives what the plan does say


def test_besides_one_of_a_list_gives_the_rest_of_the_list(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("Besides ports, what will the specialised large AI models be used for?", channel="eval")
    first = answer.answer.split("\n")[0]
    assert "education" in first and "legal services" in first and "ports" not in first, answer.answer
    assert not answer.partial


def test_a_chinese_list_head_stops_before_a_noun_used_as_an_adverb() -> None:
    """"天拖街区、海光MALL、世贸城等载体整体打造": the list is of 载体; 整体 says how they are developed."""
    heads = [e.head for e in zh_lists("持续推进天拖街区、海光MALL、世贸城等载体整体打造和高端商业导入。")]
    assert heads == ["载体"], heads
