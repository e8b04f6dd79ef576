from datetime import date

import pytest

from desktop.models import Answer, Customer, Question, Visit
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.reporting import quality
from desktop.services.reporting import statistics as st
from desktop.services.visits.templates import active_template, questions_of

DAY = date(2024, 5, 6)


@pytest.fixture
def form(database):
    """The shipped after-sales questionnaire: 5 five-level questions, NPS (required) and an
    optional free-text question."""
    tpl = active_template("after_sales")
    questions = questions_of(tpl)
    levels = [q for q in questions if q.kind == "level5"]
    nps = next(q for q in questions if q.kind == "nps")
    text = next(q for q in questions if q.kind == "text")
    customer = Customer.create(code="C1", name="张三", phone="13800000001")
    assert len(levels) == 5 and not text.required

    def visit(
        levels_values,
        nps_value=8,
        *,
        feedback="",
        text_answer="",
        comment=None,
        status="已完成",
        method="问卷",
    ):
        v = Visit.create(
            customer=customer, template=tpl, status=status, visit_date=DAY, feedback=feedback, method=method
        )
        for i, (q, value) in enumerate(zip(levels, levels_values, strict=False)):
            if value is not None:
                Answer.create(visit=v, question=q, value=value, text=comment if (comment and i == 0) else "")
        if nps_value is not None:
            Answer.create(visit=v, question=nps, value=nps_value)
        if text_answer:
            Answer.create(visit=v, question=text, text=text_answer)
        return v.id

    return visit


def state(visit_id):
    v = Visit.get_by_id(visit_id)
    return v.invalid, v.invalid_reason, v.invalid_by_hand


def test_same_option_all_the_way_down_is_flagged_for_review(form):
    same5 = form([5, 5, 5, 5, 5])
    same3 = form([3, 3, 3, 3, 3], nps_value=5)
    varied = form([5, 4, 5, 5, 5])
    result = quality.flag_invalid()
    assert (result.checked, result.flagged, result.cleared, result.invalid, result.review) == (3, 2, 0, 0, 2)
    invalid, reason, by_hand = state(same5)
    # a delighted customer's paper form is not thrown out: a 主管 reviews it, it counts meanwhile
    assert not invalid and by_hand is None
    assert reason == quality.REVIEW_PREFIX + "疑似随意勾选：5道评分题全部选“非常满意”，且没有任何文字意见"
    assert quality.needs_review(*state(same5))
    assert "“一般”" in state(same3)[1]
    assert state(varied) == (False, "", None)


def test_pattern_rule_only_for_self_filled_forms(form):
    # on a call the interviewer records each answer: a delighted customer is not noise
    phone = form([5, 5, 5, 5, 5], method="电话")
    sms = form([5, 5, 5, 5, 5], method="短信")
    quality.flag_invalid()
    assert state(phone) == (False, "", None)
    assert quality.needs_review(*state(sms))


def test_free_text_or_too_few_ratings_keep_the_visit_valid(form):
    with_feedback = form([5, 5, 5, 5, 5], feedback="师傅很专业，都满意")
    with_text_answer = form([5, 5, 5, 5, 5], text_answer="没有需要改进的")
    with_comment = form([4, 4, 4, 4, 4], comment="还行")
    four_answers = form([5, 5, 5, 5, None])  # only 4 ratings: a pattern means nothing yet
    assert quality.flag_invalid().invalid == 1  # the 4-answer one misses a required question
    for vid in (with_feedback, with_text_answer, with_comment):
        assert state(vid) == (False, "", None)
    invalid, reason, _ = state(four_answers)
    assert invalid and reason.startswith("关键答案缺失") and "随意勾选" not in reason


def test_strict_alternation_is_flagged(form):
    wide = form([5, 1, 5, 1, 5])
    narrow = form([4, 5, 4, 5, 4])
    broken = form([5, 1, 5, 1, 1])
    three_values = form([5, 1, 5, 2, 5])
    quality.flag_invalid()
    assert state(wide)[1] == (
        quality.REVIEW_PREFIX + "疑似规律作答：5道评分题在“非常满意”和“非常不满意”之间交替选择，且没有任何文字意见"
    )
    assert "“满意”和“非常满意”" in state(narrow)[1]
    assert state(broken)[1] == "" and state(three_values)[1] == ""


def test_missing_key_answers_on_completed_visits(form):
    no_nps = form([5, 4, 3, 4, 5], nps_value=None)
    two_missing = form([5, None, 3, 4, 5], nps_value=None)
    draft = form([None, None, None, None, None], nps_value=None, status="草稿")
    quality.flag_invalid()
    assert state(no_nps)[:2] == (True, "关键答案缺失：1道必答题未作答（推荐意愿）")
    assert state(two_missing)[1] == "关键答案缺失：2道必答题未作答（响应及时性、推荐意愿）"
    assert state(draft) == (False, "", None)  # drafts are not judged


def test_both_rules_give_both_reasons(form):
    vid = form([2, 2, 2, 2, 2], nps_value=None)
    quality.flag_invalid([vid])
    invalid, reason, _ = state(vid)
    assert invalid  # the missing answer makes it invalid; the pattern is named too
    assert reason.startswith("疑似随意勾选") and "关键答案缺失" in reason and "；" in reason


def test_missing_required_text_and_retired_questions(database):
    from desktop.models import QuestionnaireTemplate

    tpl = QuestionnaireTemplate.create(family="t", name="文字必答")
    must = Question.create(
        template=tpl, position=0, text="请写建议", dimension="建议", kind="text", required=True
    )
    old = Question.create(template=tpl, position=1, text="旧题", dimension="旧", kind="level5", retired=True)
    customer = Customer.create(code="C1", name="张三", phone="13800000001")
    blank = Visit.create(customer=customer, template=tpl, status="已完成", visit_date=DAY)
    Answer.create(visit=blank, question=must, text="   ")
    filled = Visit.create(customer=customer, template=tpl, status="已完成", visit_date=DAY)
    Answer.create(visit=filled, question=must, text="多备配件")
    assert old.retired
    quality.flag_invalid()
    assert state(blank.id)[:2] == (True, "关键答案缺失：1道必答题未作答（建议）")
    assert state(filled.id) == (False, "", None)  # the retired required question does not count


def test_ten_point_forms(database):
    from desktop.models import QuestionnaireTemplate

    tpl = QuestionnaireTemplate.create(family="ten", name="十分制")
    qs = [
        Question.create(template=tpl, position=i, text=f"第{i}题", dimension=f"维度{i}", kind="score10")
        for i in range(5)
    ]
    customer = Customer.create(code="C1", name="张三", phone="13800000001")

    def visit(values):
        v = Visit.create(customer=customer, template=tpl, status="已完成", visit_date=DAY, method="问卷")
        for q, value in zip(qs, values, strict=True):
            Answer.create(visit=v, question=q, value=value)
        return v.id

    tens, alternating, honest = visit([10] * 5), visit([10, 1, 10, 1, 10]), visit([10, 9, 10, 8, 10])
    quality.flag_invalid()
    assert "全部选“10分”" in state(tens)[1]
    assert "“10分”和“1分”" in state(alternating)[1]
    assert state(honest) == (False, "", None)


def test_only_the_given_visits_are_checked(form):
    first, second = form([5] * 5), form([5] * 5)
    result = quality.flag_invalid([first])
    assert (result.checked, result.flagged) == (1, 1)
    assert quality.needs_review(*state(first)) and state(second) == (False, "", None)
    assert quality.flag_invalid([]).checked == 0
    many = [form([4] * 5) for _ in range(3)]
    assert quality.flag_invalid([*many, first] * 300).checked == 4  # duplicates and batches


def test_flag_is_cleared_when_the_answers_change(form):
    vid = form([5] * 5)
    quality.flag_invalid([vid])
    assert quality.needs_review(*state(vid))
    Visit.update(feedback="其实很满意，工程师很耐心").where(Visit.id == vid).execute()
    result = quality.flag_invalid([vid])
    assert (result.flagged, result.cleared) == (0, 1)
    assert state(vid) == (False, "", None)
    assert quality.flag_invalid([vid]) == quality.FlagResult(1, 0, 0, 0)  # nothing to write


def test_manual_decision_is_respected(form):
    looks_bad = form([5] * 5)
    looks_good = form([5, 4, 5, 4, 3])
    kept = quality.confirm_invalid(looks_bad, False, "电话回访，客户逐题确认非常满意")
    assert (kept.invalid, kept.invalid_by_hand, kept.invalid_reason) == (
        False,
        False,
        "电话回访，客户逐题确认非常满意",
    )
    dropped = quality.confirm_invalid(looks_good, True, "客户表示是家人代答，不了解情况")
    assert (dropped.invalid, dropped.invalid_by_hand) == (True, True)

    result = quality.flag_invalid()
    assert result.checked == 0  # people decided both
    assert state(looks_bad)[:2] == (False, "电话回访，客户逐题确认非常满意")
    assert state(looks_good)[0] is True

    # back to the rules
    again = quality.reset_to_automatic(looks_bad)
    assert not again.invalid and again.invalid_by_hand is None
    assert again.invalid_reason.startswith(quality.REVIEW_PREFIX + "疑似随意勾选")
    assert not quality.reset_to_automatic(looks_good).invalid


def test_confirm_needs_a_reason_and_an_existing_visit(form):
    vid = form([5, 4, 5, 4, 3])
    with pytest.raises(ValidationError) as err:
        quality.confirm_invalid(vid, True, "   ")
    assert err.value.field == "无效原因"
    assert state(vid) == (False, "", None)  # nothing half-saved
    with pytest.raises(UserError, match="找不到"):
        quality.confirm_invalid(99999, True, "原因")
    with pytest.raises(ValidationError):
        quality.confirm_invalid(vid, True, "长" * 300)


def test_statistics_exclude_and_count_flagged_visits(form):
    form([5] * 5, nps_value=10)
    form([4, 4, 3, 4, 5], nps_value=9)
    before = st.overall(st.Filters(period="2024-05"))
    assert (before.valid, before.invalid, before.satisfaction) == (2, 0, pytest.approx(9 / 10))
    quality.flag_invalid()
    # 待复核: the uniformly top form still counts …
    assert st.overall(st.Filters(period="2024-05")) == before
    # … until a 主管 confirms it invalid
    top = Visit.get(Visit.invalid_reason.startswith(quality.REVIEW_PREFIX))
    quality.confirm_invalid(top.id, True, "客户家人代填，未认真作答")
    after = st.overall(st.Filters(period="2024-05"))
    assert (after.visits, after.valid, after.invalid) == (2, 1, 1)
    assert after.satisfaction == pytest.approx(4 / 5) and after.nps == 100.0


def test_review_list(form):
    bad = form([5] * 5)
    kept = form([1] * 5)
    form([5, 4, 5, 4, 3])
    quality.flag_invalid()
    quality.confirm_invalid(kept, False, "客户确实非常不满，已转投诉")
    rows = quality.review_rows(date(2024, 5, 1), date(2024, 5, 31))
    assert {r[0] for r in rows} == {bad, kept}
    by_id = {r[0]: r for r in rows}
    assert by_id[bad][4:] == (False, state(bad)[1], None)  # 待复核, still counted
    assert by_id[kept][4:] == (False, "客户确实非常不满，已转投诉", False)
    assert by_id[bad][2] == "张三"
    assert quality.count_review() == 2
    assert quality.count_review(date(2024, 6, 1)) == 0
