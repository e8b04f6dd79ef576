"""Questionnaires handed out or sent (问卷 / 短信 / 微信): 回收率 per channel against its own goal
(seed 002: paper ≥ 70%; seed 004: online ≥ 30%) and the 催收 task for one not back within the
settable number of days (seed 003: a survey runs 7–10 days, with reminders)."""

from datetime import date, datetime

import pytest

from desktop.models import Customer, ServiceOrder, VisitTask, db
from desktop.services.admin import settings
from desktop.services.common import calendar
from desktop.services.common.errors import UserError, ValidationError
from desktop.services.scheduling import chasing, tasks
from desktop.services.scheduling.scheduler import describe, run_scheduler


@pytest.fixture(autouse=True)
def official_calendar():
    calendar.configure()
    yield
    calendar.configure()


def _tasks(n: int, trigger="交付1个月", **fields) -> list[int]:
    ids = []
    with db.atomic():
        for i in range(n):
            c = Customer.create(code=f"C{trigger[:2]}{i:05d}", name=f"客户{i}", phone=f"139{i:08d}")
            o = ServiceOrder.create(order_no=f"W{trigger[:2]}{i:05d}", customer=c)
            ids.append(VisitTask.create(customer=c, order=o, trigger=trigger, **fields).id)
    return ids


def test_return_rate_per_channel_against_its_goal(database):
    # seed 003: 100 questionnaires, 85 back (85% ≥ paper's 70%); online by 短信: 10 sent, 2 back
    paper = _tasks(100)
    chasing.mark_sent(paper, "问卷", datetime(2024, 5, 6, 10, 0))
    VisitTask.update(status="已完成").where(VisitTask.id.in_(paper[:85])).execute()
    sms = _tasks(10, trigger="首次回访")
    chasing.mark_sent(sms, "短信", datetime(2024, 5, 31, 23, 0))
    VisitTask.update(status="已完成").where(VisitTask.id.in_(sms[:2])).execute()
    VisitTask.update(status="已取消").where(VisitTask.id == sms[9]).execute()  # cancelled: not counted

    rows = {r.channel: r for r in chasing.recovery_by_channel(date(2024, 5, 1), date(2024, 5, 31))}
    assert (rows["问卷"].returned, rows["问卷"].sent, rows["问卷"].target) == (85, 100, 0.70)
    assert rows["问卷"].met is True and "达标" in rows["问卷"].text()
    assert (rows["短信"].returned, rows["短信"].sent, rows["短信"].target) == (2, 9, 0.30)
    assert rows["短信"].met is False and "未达标" in rows["短信"].text()
    assert rows["微信"].sent == 0 and rows["微信"].rate is None and "没有发放" in rows["微信"].text()
    assert chasing.recovery_by_channel(date(2024, 6, 1), date(2024, 6, 30))[0].sent == 0


def test_only_open_tasks_can_be_sent(database):
    (task_id,) = _tasks(1)
    VisitTask.update(status="已完成").execute()
    with pytest.raises(UserError, match="已经结束"):
        chasing.mark_sent([task_id], "微信")
    with pytest.raises(ValidationError, match="发放渠道"):
        chasing.mark_sent([task_id], "邮件")


def test_questionnaire_not_back_in_time_gets_one_chase_task(database):
    settings.set_value("trigger_chase_days", 7)
    (task_id, returned_id) = _tasks(2)
    chasing.mark_sent([task_id, returned_id], "短信", datetime(2024, 10, 8, 10, 0))
    VisitTask.update(status="已完成").where(VisitTask.id == returned_id).execute()  # back in time

    assert run_scheduler(today=date(2024, 10, 14))["created"][chasing.CHASE] == 0  # 6 days: not yet
    result = run_scheduler(today=date(2024, 10, 15))  # 7 days
    assert result["created"][chasing.CHASE] == 1 and "问卷催收 1 个" in describe(result)
    chase = VisitTask.get(VisitTask.chase_of == task_id)
    original = VisitTask.get_by_id(task_id)
    assert chase.trigger == "催收·交付1个月" and chase.order_id == original.order_id
    assert (chase.earliest, chase.latest, chase.status) == (date(2024, 10, 15), date(2024, 10, 17), "待回访")
    assert "短信" in chase.note and "7 天未收回" in chase.note
    assert run_scheduler(today=date(2024, 10, 16))["created"][chasing.CHASE] == 0  # once each

    # the chase task is a reminder: no recovery rate counts it
    due = tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 31), today=date(2024, 11, 1)).due
    VisitTask.update(chase_of=None).where(VisitTask.id == chase.id).execute()
    assert tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 31), today=date(2024, 11, 1)).due == due + 1
    VisitTask.update(chase_of=task_id).where(VisitTask.id == chase.id).execute()

    # the questionnaire comes back: the next run cancels the reminder
    VisitTask.update(status="已完成").where(VisitTask.id == task_id).execute()
    run_scheduler(today=date(2024, 10, 16))
    assert VisitTask.get_by_id(chase.id).status == "已取消"


def test_chase_days_is_a_setting_with_a_range(database):
    with pytest.raises(Exception, match="1 到 60"):
        settings.validate_values({"trigger_chase_days": 0})
    settings.set_value("trigger_chase_days", 3)
    (task_id,) = _tasks(1)
    chasing.mark_sent([task_id], "微信", datetime(2024, 10, 8, 10, 0))
    assert run_scheduler(today=date(2024, 10, 11))["created"][chasing.CHASE] == 1
    settings.set_value("trigger_chase", False)
    assert chasing.CHASE not in run_scheduler(today=date(2024, 10, 12))["created"]
