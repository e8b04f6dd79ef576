"""告知客户 (seeds 000/003): each customer is told with their own feedback only, and when and
how each one was told is recorded."""

from datetime import date

import pytest

from desktop.models import ActionLog, CustomerNotice, ImprovementAction
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.improvement import customer_notices as notices
from desktop.services.improvement import flow
from desktop.services.improvement import improvement as svc
from tests.test_improvement import TODAY, seed_input, visits  # noqa: F401 (fixture)

SEED_FEEDBACK = "维修师傅第一次上门时未携带空调滤网，导致需二次预约"


def _done_action(category, rows):
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    return action


def test_each_customer_is_quoted_their_own_feedback_only(visits):  # noqa: F811
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    by_name = {r.customer: r for r in notices.notice_rows(action.id)}
    assert list(by_name) == ["张伟", "李娜"]  # the customers, in the order of their first visit
    zhang, li = by_name["张伟"], by_name["李娜"]
    assert zhang.feedback == (SEED_FEEDBACK, "又缺配件")
    assert SEED_FEEDBACK in zhang.message and "又缺配件" in zhang.message
    assert "备件没货" not in zhang.message  # 李娜's words are not shown to 张伟
    assert "多位客户反映" not in zhang.message  # nor the action's generated problem text
    assert li.message == (
        "您好，您之前反馈的“备件没货，等了一周”我们已经改进：备件库存预警，低于阈值自动补货。"
        "感谢您的宝贵意见，期待再次为您服务！"
    )
    assert SEED_FEEDBACK not in li.message
    assert not zhang.told and zhang.status_text == "未告知"
    masked = notices.notice_rows(action.id, mask=True)
    assert [(r.customer, r.phone) for r in masked] == [("张*", "138****5678"), ("李*", "139****4321")]


def test_telling_is_recorded_per_customer_with_day_and_method(visits):  # noqa: F811
    category, rows = visits
    action = svc.create_action(seed_input(category, rows), today=TODAY)
    zhang, li = (r.customer_id for r in notices.notice_rows(action.id))
    with pytest.raises(UserError, match="措施完成后"):
        notices.mark_told(action.id, zhang, "您好", today=TODAY)
    flow.change_status(action.id, "进行中", today=TODAY)
    flow.change_status(action.id, "已完成", completion_note="完成系统调试", today=TODAY)
    with pytest.raises(ValidationError, match="告知客户的话"):
        notices.mark_told(action.id, zhang, "  ", today=TODAY)
    with pytest.raises(ValidationError, match="告知方式"):
        notices.mark_told(action.id, zhang, "您好", method="飞鸽传书", today=TODAY)
    message = notices.notice_rows(action.id)[0].message
    row = notices.mark_told(action.id, zhang, message, method="短信", author="林小燕", today=TODAY)
    assert (row.told_on, row.method, row.author, row.message) == (TODAY, "短信", "林小燕", message)
    assert row.status_text == f"{TODAY:%Y-%m-%d} 短信告知（林小燕）"
    assert notices.told_count(action.id) == (1, 2)
    assert ImprovementAction.get_by_id(action.id).customer_told_on is None  # 李娜 not told yet
    assert "短信告知张*" in ActionLog.select().order_by(ActionLog.id.desc()).first().note
    later = date(2024, 10, 8)
    notices.mark_told(action.id, li, "李女士您好，备件问题已解决。", method="电话", author="林小燕", today=later)
    assert notices.told_count(action.id) == (2, 2)
    assert ImprovementAction.get_by_id(action.id).customer_told_on == later
    assert CustomerNotice.select().count() == 2
    stored = {n.customer_id: (n.told_on, n.method, n.message) for n in CustomerNotice.select()}
    assert stored[li] == (later, "电话", "李女士您好，备件问题已解决。")


def test_only_a_linked_customer_can_be_told(visits):  # noqa: F811
    from desktop.models import Customer

    category, rows = visits
    action = _done_action(category, rows[1:2])  # 李娜's visit only
    stranger = Customer.create(code="C202310009", name="王芳", phone="13700000000")
    with pytest.raises(UserError, match="关联回访中的客户"):
        notices.mark_told(action.id, stranger.id, "您好", today=TODAY)
    assert [r.customer for r in notices.notice_rows(action.id)] == ["李娜"]
