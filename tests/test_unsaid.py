"""What a resident's question asks that the plan does not say — a thing it never names, a phase it does not number, a
rise of something else, a problem not happening again, members of a count it does not list — is said plainly before
what the plan does say, never answered "yes" or with other names (the twenty-second review's open findings)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("question, opening", [
    ("社保缴费会涨吗？", "计划没有提到“缴费”"),  # the rise the plan says is of pension enrolment, not of contributions
    ("今年下雨还会积水吗？", "计划没有说今后还会不会这样；"),
    ("Will there be no more flooding when it rains this year?", "The plan does not say whether this will happen again"),
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
    assert "again" not in answer and "还会不会" not in answer, answer


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
