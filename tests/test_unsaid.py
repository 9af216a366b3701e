"""What a resident's question asks that the plan does not say — a thing it never names, a phase it does not number, a
rise of something else, a problem not happening again, members of a count it does not list — is said plainly before
what the plan does say, never answered "yes" or with other names (the twenty-second review's open findings)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("question, opening", [
    ("社保缴费会涨吗？", "计划没有提到“缴费”"),  # the rise the plan says is of pension enrolment, not of contributions
    ("今年下雨还会积水吗？", "计划没有说会不会发生；"),
    ("Will there be no more flooding when it rains this year?", "The plan does not say whether it will happen"),
    ("Will there be more grid workers?", "The plan does not say “more grid workers”"),
    ("今年国庆会有大型庆祝活动吗？", "计划没有提到“国庆”")])
def test_a_yes_no_question_gets_what_the_plan_does_not_say_first(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Each of these got "是的。" / "Yes." (or the big events with no word of National Day) over a sentence that
    says something else: enrolment growing, waterlogging spots renovated, grid management upgraded."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and answer.partial, answer.answer
    assert not answer.answer.startswith(("是的", "Yes")), answer.answer


@pytest.mark.parametrize("question", ["今年还会办天津马拉松吗？", "Will the Tianjin Marathon still be held this year?"])
def test_still_held_is_not_a_problem_happening_again(assistant, question: str) -> None:  # type: ignore[no-untyped-def]
    """还会 / still over an event the plan supports is no problem recurring: no "again" line."""
    answer = assistant.ask(question, channel="eval").answer
    assert "whether it will happen" not in answer and "会不会发生" not in answer, answer


@pytest.mark.parametrize("question, said", [
    ("When will Lingao Garden Phase I be finished?", "The plan does not mention Lingao Garden Phase I"),
    ("长虹公园二期什么时候开工？", "没有提到“长虹公园二期”"),
    ("凌奥花园一期什么时候改造？", "没有提到“凌奥花园一期”")])
def test_a_phase_the_plan_does_not_number_is_not_mentioned(assistant, question: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-second review 1d: Lingao Garden Phase I was answered with Phase III's date line."""
    assert said in assistant.ask(question, channel="eval").answer


def test_a_phase_the_plan_numbers_is_answered(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("When will phase I of Changhong Park open?", channel="eval").answer
    assert "does not mention" not in answer and "Changhong Park" in answer, answer


@pytest.mark.parametrize("question, opening, named", [
    ("Which counties in Gansu does Nankai help?", "The plan does not name the counties.", "three paired counties"),
    ("南开对口帮扶甘肃哪几个县？", "计划没有点名具体是哪些县。", "甘肃结对三县"),
    ("哪些小区今年会改造？", "计划没有点名具体是哪些小区。", "54个老旧小区"),
    ("Which pocket parks are being built?", "The plan does not name the pocket parks.", "4 pocket parks")])
def test_which_over_a_count_the_plan_names_no_member_of(assistant, question: str, opening: str, named: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-second review 3b: "Which counties in Gansu …" was answered with the Changchun Jingyue zone; the plan
    counts three paired counties and names none."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and named in answer.answer.split("\n")[0] and answer.partial, answer.answer


@pytest.mark.parametrize("question, listed", [("哪几条路要修？", "文水路"), ("Which roads will be built?", "Wenshui Road"),
                                              ("南开区今年要发展哪些产业集群？", "电子竞技产业集群"),
                                              ("Which park will be upgraded and reopened to the public?", "Changhong")])
def test_which_over_named_members_still_lists_them(assistant, question: str, listed: str) -> None:  # type: ignore[no-untyped-def]
    """A count after its members (文水路等10条道路工程, 生物医药和高端装备两大主导产业) has them, and "which park" asks for
    one thing: the list stays."""
    answer = assistant.ask(question, channel="eval").answer
    assert listed in answer.split("\n")[0] and "not name" not in answer and "没有点名" not in answer, answer


def test_leaving_the_army_reaches_the_veterans(assistant) -> None:  # type: ignore[no-untyped-def]
    """Twenty-second review 4c: "My son is leaving the army, will he get a job?" was answered with the employment
    targets; 退役军人安置 is the veterans' job placement."""
    answer = assistant.ask("My son is leaving the army, will he get a job?", channel="eval")
    assert answer.citations[0].sentence_ids == ["nankai-2024-plan/2.5.1.7"], answer.answer


@pytest.mark.parametrize("question, opening", [
    ("南开今年会发生重大事故吗？", "计划没有说会不会发生；"),  # read literally, "是的" said there will be accidents
    ("Will there be no more big accidents?", "The plan does not say whether it will happen"),
    ("今年夏天还会内涝吗？", "计划没有说会不会发生；"),
    ("二级医院会升三甲吗？", "计划没有说会“升三甲”。"),
    ("Is Haiguang Mall reopening?", "The plan does not say “reopening”"),
    ("看糖尿病能报销吗？", "计划没有说会“报销”。"),
    ("绿色社区有奖励吗？", "计划没有说会“奖励”。"),
    ("南开有胸痛中心吗？", "计划没有提到“胸痛中心”"),  # the look-alike, in Chinese too (胸痛 inside it is no variant)
    ("西营门外小学扩建完了吗？", "计划只列出2024年的目标和任务，没有给出完成结果。"),
    ("Has the Xiyingmenwai Primary School expansion been finished?", "The plan sets targets for 2024; it does not report"),
    ("我买的新房是绿色建筑吗？", "计划没有点名个别小区、单位或企业"),
    ("Is my new flat a green building?", "The plan does not name individual homes"),
    ("堵车会改善吗？", "计划没有说会“改善”。")])
def test_twenty_third_review_yes_to_what_the_plan_does_not_say(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 1a–1e, 4b: each got "是的。" / "Yes." (or a wrong word named) over a task that says
    something else — accidents prevented, key specialties built, a diabetes centre built, green communities created,
    a school finished in the plan's year, 100% of new buildings green."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and answer.partial, answer.answer


@pytest.mark.parametrize("question, opening", [("新盖的楼都是绿色建筑吗？", "是的。"), ("全科网格会升级吗？", "是的。"),
                                               ("长虹公园会开放吗？", "是的。"),
                                               ("Will all new buildings be green?", "Yes.")])
def test_what_the_plan_does_say_keeps_its_yes(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    assert assistant.ask(question, channel="eval").answer.startswith(opening)


@pytest.mark.parametrize("question, said", [
    ("安全生产三年行动什么时候结束？", "计划没有给出安全生产治本攻坚三年行动的具体日期。"),
    ("When does the three-year work safety action end?",
     "The plan does not set a date for the three-year action to tackle the root causes of work safety risks.")])
def test_an_action_of_several_years_is_no_task_of_the_plan_year(assistant, question: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 4b: the three-year action got "只说在2024年内推进" / "it is part of the 2024 plan"."""
    assert assistant.ask(question, channel="eval").answer.split("\n")[0] == said


@pytest.mark.parametrize("question, excluded, listed", [("除了金庄花园，还有哪些积水点？", "包括金庄花园", "锦园里"),
                                                        ("除了燃气，还排查哪些行业？", "燃气", "消防")])
def test_the_excluded_item_is_not_the_answer(assistant, question: str, excluded: str, listed: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 3a: "除了金庄花园，还有哪些积水点？" → "…包括金庄花园"; the item excluded is no single item asked about."""
    answer = assistant.ask(question, channel="eval").answer
    first = answer.split("\n")[0]
    assert excluded not in first and listed in answer, answer


@pytest.mark.parametrize("question, said", [("奥体中心消防站什么时候建好？", "计划没有给出奥体中心消防站的具体时间"),
                                            ("锦园里积水点什么时候改造？", "计划没有给出锦园里积水点的具体日期")])
def test_a_date_line_names_the_thing_not_only_its_place(assistant, question: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review D1: "奥体中心消防站什么时候建好？" → "计划没有给出奥体中心的具体时间" (the venue): the plan names
    奥体中心、汾水道消防站, and the action gives the item its noun."""
    assert assistant.ask(question, channel="eval").answer.startswith(said)


def test_a_cost_is_not_consumption(assistant) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review D2: 花钱 was a variant of 消费, so "上学要花钱吗？" quoted the consumption sentences."""
    answer = assistant.ask("上学要花钱吗？", channel="eval")
    assert "消费" not in answer.answer and answer.answer.startswith("计划没有提到“花钱”"), answer.answer


def test_congestion_is_the_road_network_not_the_safety_sector(assistant) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review D3: 堵车 / traffic congestion were variants of 道路交通, a sector of 2.5.3.4's safety
    inspections; congestion is 2.4.2.3's road network."""
    for question in ("堵车会改善吗？", "Will traffic congestion get better?"):
        answer = assistant.ask(question, channel="eval")
        assert answer.citations[0].sentence_ids[0] == "nankai-2024-plan/2.4.2.3", answer.answer
        assert all("2.5.3.4" not in s for c in answer.citations[:1] for s in c.sentence_ids), answer.answer


@pytest.mark.parametrize("question, opening, then", [
    ("How many state-owned companies does the district have?", "The plan does not say how many there are in all;",
     "3 companies"),
    ("How many fire stations are there in Nankai?", "The plan does not say how many there are in all;", "Fenshuidao"),
    ("南开现在有多少消防站？", "计划没有给出现有的总数；", "汾水道消防站")])
def test_how_many_there_are_is_not_a_count_of_the_year(assistant, question: str, opening: str, then: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 3b: "How many state-owned companies does the district have?" → "… 3 companies": the three
    the plan reforms, not all the district has."""
    answer = assistant.ask(question, channel="eval")
    first = answer.answer.split("\n")[0]
    assert first.startswith(opening) and then in first and answer.partial, answer.answer


@pytest.mark.parametrize("question", ["How many specialised SMEs will Nankai have?", "How many old compounds will be renovated?"])
def test_how_many_of_the_year_keeps_its_figure(assistant, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(question, channel="eval").answer
    assert "in all" not in answer and answer.startswith("In the 2024 plan:"), answer


@pytest.mark.parametrize("question, opening", [
    ("Will Tiantuo Primary School be open in September?", "The plan does not say “open”"),  # a month: no missing thing
    ("Will the Tianjin Marathon be held in May?", "The plan does not give a month;"),
    ("天津马拉松五月举办吗？", "计划没有给出具体月份。")])
def test_a_month_asked_gets_no_yes(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 4c: "… Will Tiantuo Primary School be open in September?" abstained ("It never mentions
    September"); the plan starts its construction in 2024 and gives no month for anything of the kind."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and not answer.abstained, answer.answer
    told = assistant.ask("My kid starts primary school soon. Will Tiantuo Primary School be open in September?",
                         channel="eval")
    assert not told.abstained and "Tiantuo Primary School" in told.answer, told.answer


@pytest.mark.parametrize("question, date", [("这份计划是1月印发的吗？", "2024年1月15日"),
                                            ("Was the plan issued before Spring Festival?", "15 January 2024")])
def test_a_month_or_a_festival_asks_the_notice_date(assistant, question: str, date: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 5: "Was the plan issued before Spring Festival?" — the lead dropped the date."""
    assert date in assistant.ask(question, channel="eval").answer.split("\n")[0]


def test_another_years_plan_asked_of_the_notice_says_none_is_loaded(assistant) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 4b: "2025年的计划什么时候发布？" was told the 2024 plan's issue date as if it were the answer."""
    answer = assistant.ask("2025年的计划什么时候发布？", channel="eval")
    assert answer.answer.startswith("已载入的文件中没有2025年的计划；") and answer.partial, answer.answer
    assert not assistant.ask("这份计划是什么时候印发的？", channel="eval").partial


@pytest.mark.parametrize("question", ["南开有很多空楼，会利用起来吗？", "There are empty office buildings near me. Will they be used?"])
def test_empty_buildings_reach_the_existing_assets(assistant, question: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 4a: "南开有很多空楼，会利用起来吗？" quoted the parking spaces on idle land; 2.2.1.2's 盘活存量载体资源
    (existing buildings and parks) answers."""
    answer = assistant.ask(question, channel="eval")
    assert answer.citations[0].sentence_ids[0] == "nankai-2024-plan/2.2.1.2", answer.answer


@pytest.mark.parametrize("question, opening", [
    ("南开会成为天津的中心吗？", "计划没有说会“成为”。"),  # 打造区公共文化服务中心 is building a centre, not becoming one
    ("2024年是十四五的最后一年吗？", "计划没有说会“最后一年”。"),
    ("Will pensions go up?", "The plan does not set anyone's pension, pay or benefits"),  # not the number insured
    ("我想去奥体中心健身，要钱吗？", "计划没有说会“要钱”。"),
    ("南开已经有日间照料中心了吗？", "计划只列出2024年的目标和任务，没有给出完成结果。"),
    ("Does Nankai already have day care centres?", "The plan sets targets for 2024; it does not report")])
def test_twenty_fourth_review_yes_to_what_the_plan_does_not_say(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-fourth review 1, 2, 4, 6, 8: each got "是的。" / "Yes." over a task that says something else."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and answer.partial, answer.answer


@pytest.mark.parametrize("question, said", [("How much will the new schools cost?",
                                             "The plan does not give an amount of money for the schools."),
                                            ("新学校要花多少钱？", "计划没有列出这些学校的投资金额或资金数额。")])
def test_money_for_several_of_a_kind_names_the_kind(assistant, question: str, said: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-third review 3c: "How much will the new schools cost?" → "… for the rebuilt Ermalu middle school" (one
    of the schools the plan names, not the new schools asked about)."""
    assert assistant.ask(question, channel="eval").answer.split("\n")[0] == said


def test_a_look_alike_programme_is_not_the_digital_services(assistant) -> None:  # type: ignore[no-untyped-def]
    """Twenty-fourth review D3: 一网通办 (a programme the plan never names; it has 一网统管) was a keyword of the
    digital-services item, so its question got no "not mentioned"."""
    assert "一网通办" in assistant.ask("一网通办能办哪些事？", channel="eval").answer


@pytest.mark.parametrize("question, said, not_said", [
    ("除了奥体中心，还有哪些大场馆？", "除奥体中心外，计划没有点名其他", "汾水道"),
    ("Apart from the Olympic Sports Center, what other big venues are there?", "Besides the Olympic Sports Center, the plan",
     "Fenshuidao")])
def test_an_exclusion_means_the_item_whose_sentence_the_question_says(assistant, question: str, said: str,  # type: ignore[no-untyped-def]
                                                                        not_said: str) -> None:
    """Twenty-fourth review 9: 奥体中心 names both the venue (用好奥体中心等大场大馆资源) and a fire station (提速奥体中心、
    汾水道消防站建设进度); the venues asked about are the first's, so the plan names no other — not the other fire station."""
    answer = assistant.ask(question, channel="eval").answer
    assert answer.startswith(said) and not_said not in answer.split("\n")[0], answer


@pytest.mark.parametrize("question, opening", [
    ("Where does Nankai rank for air quality?", "In 2024 the district will"),
    ("南开的空气质量在全市排在哪里？", "2024年计划提出")])
def test_where_a_rank_stands_is_no_location(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-fourth review: "Where does Nankai rank for air quality?" got "The plan does not give a location." — it
    asks a rank, which the plan's target gives (排名保持全市前列)."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and ("前列" in answer.answer or "among the best" in answer.answer), answer.answer


@pytest.mark.parametrize("question, opening", [
    ("南开自己有12条产业链吗？", "计划没有说是南开自己的。"),
    ("Does Nankai have 12 industrial chains of its own?", "The plan does not say they are Nankai's own")])
def test_the_citys_chains_are_not_the_districts_own(assistant, question: str, opening: str) -> None:  # type: ignore[no-untyped-def]
    """Twenty-fourth review 7: "是的。" to Nankai having 12 chains of its own, over 全力服务全市12条重点产业链发展."""
    answer = assistant.ask(question, channel="eval")
    assert answer.answer.startswith(opening) and answer.partial and "12" in answer.answer, answer.answer
