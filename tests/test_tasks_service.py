from datetime import date, datetime, timedelta

import pytest

from desktop.models import CallAttempt, Customer, ServiceOrder, Staff, VisitTask
from desktop.services.common.errors import ValidationError
from desktop.services.scheduling import tasks
from desktop.services.scheduling.tasks import UNASSIGNED, NewTask, TaskFilter, insert_tasks
from desktop.services.visits import calls

TODAY = date(2024, 10, 15)


def add_task(n, earliest, latest, status="待回访", assignee=None, next_at=None, trigger="首次回访"):
    cust = Customer.create(code=f"C{n:05d}", name=f"客户{n}", phone=f"137{n:08d}")
    order = ServiceOrder.create(order_no=f"W{n:06d}", customer=cust, service_type="维修")
    return VisitTask.create(
        customer=cust,
        order=order,
        trigger=trigger,
        earliest=earliest,
        latest=latest,
        status=status,
        assignee=assignee,
        next_attempt_at=next_at,
    )


@pytest.fixture
def queue(database):
    d = TODAY
    wang = Staff.create(name="王芳")
    made = {
        "today": add_task(1, d - timedelta(days=1), d + timedelta(days=5), assignee=wang),
        "today_soon": add_task(2, d - timedelta(days=2), d + timedelta(days=1)),
        "overdue": add_task(3, d - timedelta(days=9), d - timedelta(days=2), assignee=wang),
        "booked_later": add_task(
            4, d, d + timedelta(days=6), "已预约", next_at=datetime(2024, 10, 17, 10, 0)
        ),
        "booked_today": add_task(
            5, d - timedelta(days=3), d + timedelta(days=6), "已预约", next_at=datetime(2024, 10, 15, 15, 0)
        ),
        "future": add_task(6, d + timedelta(days=3), d + timedelta(days=8)),
        "done": add_task(7, d - timedelta(days=5), d - timedelta(days=1), "已完成", assignee=wang),
        "refused_late": add_task(8, d - timedelta(days=9), d - timedelta(days=3), "拒访"),
    }
    CallAttempt.create(task=made["today"], customer=made["today"].customer, outcome="无法接通")
    CallAttempt.create(task=made["today"], customer=made["today"].customer, outcome="不方便")
    return made, wang


def ids(flt, **kw):
    return {row[0] for row in tasks.search_tasks(flt, today=TODAY, **kw)}


def test_buckets(queue):
    made, _ = queue
    t = {k: v.id for k, v in made.items()}
    assert ids(TaskFilter("今日")) == {t["today"], t["today_soon"], t["booked_today"]}
    assert ids(TaskFilter("逾期")) == {t["overdue"]}
    assert ids(TaskFilter("即将到期")) == {t["today_soon"]}
    assert ids(TaskFilter("已完成")) == {t["done"]}
    assert len(ids(TaskFilter("全部"))) == 8
    assert ids(TaskFilter("全部", status="拒访")) == {t["refused_late"]}
    counts = tasks.bucket_counts(today=TODAY)
    assert counts == {"今日": 3, "逾期": 1, "即将到期": 1, "待预约": 0, "已完成": 1, "全部": 8}
    for bucket, n in counts.items():
        assert tasks.count_tasks(TaskFilter(bucket), today=TODAY) == n == len(ids(TaskFilter(bucket)))


def test_assignee_and_text_filters(queue):
    made, wang = queue
    assert ids(TaskFilter("全部", assignee=wang.id)) == {made[k].id for k in ("today", "overdue", "done")}
    assert len(ids(TaskFilter("全部", assignee=UNASSIGNED))) == 5
    assert ids(TaskFilter("全部", text="客户3")) == {made["overdue"].id}
    assert ids(TaskFilter("全部", text="00000005")) == {made["booked_today"].id}  # phone digits
    assert tasks.count_tasks(TaskFilter("全部", text="W000007"), today=TODAY) == 1


def test_row_shape_and_attempt_count(queue):
    made, _ = queue
    rows = tasks.search_tasks(TaskFilter("今日"), today=TODAY, sort="latest")
    assert [r[0] for r in rows] == [made["today_soon"].id, made["today"].id, made["booked_today"].id]
    row = next(r for r in rows if r[0] == made["today"].id)
    assert row[1:6] == ("客户1", "13700000001", "W000001", "维修", "首次回访")
    assert row[8] == "王芳" and row[9] == "待回访" and row[10] == 2
    by_attempts = tasks.search_tasks(TaskFilter("全部"), today=TODAY, sort="attempts", descending=True)
    assert by_attempts[0][0] == made["today"].id
    paged = tasks.search_tasks(TaskFilter("全部"), today=TODAY, offset=6, limit=5)
    assert len(paged) == 2


def test_overdue_flag():
    assert tasks.is_overdue("待回访", TODAY - timedelta(days=1), TODAY)
    assert not tasks.is_overdue("已完成", TODAY - timedelta(days=1), TODAY)
    assert not tasks.is_overdue("已预约", TODAY, TODAY)


def test_recovery_rate(queue):
    made, wang = queue
    # windows closing 10-01 … 10-15: overdue(10-13, open), done(10-14), refused(10-12) → 1 of 3
    rec = tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 15), today=TODAY)
    assert (rec.due, rec.completed) == (3, 1)
    assert rec.rate == pytest.approx(1 / 3)
    assert rec.met is False
    assert "33.3%" in rec.text() and "70%" in rec.text() and "未达标" in rec.text()
    VisitTask.update(status="已完成").where(
        VisitTask.id.in_([made["overdue"].id, made["refused_late"].id])
    ).execute()
    rec = tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 15), today=TODAY)
    assert rec.rate == 1.0 and rec.met
    VisitTask.update(status="已取消").where(VisitTask.id == made["refused_late"].id).execute()
    assert tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 15), today=TODAY).due == 2
    assert tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 15), today=TODAY, assignee=wang.id).due == 2
    # open tasks whose window is still running are not due yet
    assert tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 31), today=TODAY).due == 2
    calls.record_quick_outcome(made["future"].id, "拒访", reason="不需要")
    assert tasks.recovery_rate(date(2024, 10, 1), date(2024, 10, 31), today=TODAY).due == 3
    empty = tasks.recovery_rate(date(2020, 1, 1), date(2020, 1, 31))
    assert empty.rate is None and "没有到期" in empty.text()


def test_period_bounds():
    assert tasks.period_bounds("本月", TODAY) == (date(2024, 10, 1), date(2024, 10, 31))
    assert tasks.period_bounds("本周", TODAY) == (date(2024, 10, 14), date(2024, 10, 20))
    assert tasks.period_bounds("本季度", TODAY) == (date(2024, 10, 1), date(2024, 12, 31))
    assert tasks.period_bounds("本年", TODAY) == (date(2024, 1, 1), date(2024, 12, 31))
    assert tasks.period_bounds("本月", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))


def test_assign_and_bulk_insert(queue):
    made, wang = queue
    li = Staff.create(name="李娜")
    changed = tasks.assign_tasks([made["future"].id, made["today_soon"].id], li.id)
    assert changed == 2
    assert VisitTask.get_by_id(made["future"].id).assignee_id == li.id
    tasks.assign_tasks([made["future"].id], None)
    assert VisitTask.get_by_id(made["future"].id).assignee_id is None
    with pytest.raises(ValidationError):
        tasks.assign_tasks([made["future"].id], 9999)
    order = made["today"].order
    new = NewTask(order.customer_id, order.id, "首次回访", TODAY, TODAY)
    other = NewTask(order.customer_id, order.id, "交付1个月", TODAY, TODAY)
    assert insert_tasks([new, other]) == 1  # (order, 首次回访) exists already
    assert tasks.round_robin([1, 2, 3, 4, 5], [10, 20]) == [10, 20, 10, 20, 10]
    assert tasks.round_robin([1, 2], []) == [None, None]


def test_calling_hours_hint():
    assert calls.calling_hours_hint(datetime(2024, 10, 15, 10, 30)) is None
    assert calls.calling_hours_hint(datetime(2024, 10, 15, 16, 0)) is None
    noon = calls.calling_hours_hint(datetime(2024, 10, 15, 12, 15))
    assert "12:15" in noon and "10:00–11:30" in noon and "15:00–17:30" in noon
    assert "休息日" in calls.calling_hours_hint(datetime(2024, 10, 1, 10, 30))  # National Day


def test_quick_outcomes_move_the_task(queue):
    from desktop.services.common.errors import UserError, ValidationErrors

    made, _ = queue
    task = made["future"]
    at = datetime(2024, 9, 30, 16, 0)  # Monday before National Day
    assert calls.retry_time(at) == datetime(2024, 10, 8, 10, 0)
    for n in (1, 2):
        result = calls.record_quick_outcome(task.id, "无法接通", at=at + timedelta(minutes=n))
        task = VisitTask.get_by_id(task.id)
        assert task.status == "已预约" and task.next_attempt_at == datetime(2024, 10, 8, 10, 0)
    result = calls.record_quick_outcome(task.id, "无法接通", at=at + timedelta(minutes=3))
    assert VisitTask.get_by_id(task.id).status == "无法联系"
    assert "无法联系" in result.message
    with pytest.raises(UserError):
        calls.record_quick_outcome(task.id, "拒访", reason="不需要")

    booked = made["today"]
    with pytest.raises(ValidationErrors):
        calls.record_quick_outcome(
            booked.id, "改约", reason="", next_at=None, at=datetime(2024, 10, 15, 10, 0)
        )
    calls.record_quick_outcome(
        booked.id,
        "改约",
        reason="在开会",
        next_at=datetime(2024, 10, 16, 15, 0),
        at=datetime(2024, 10, 15, 10, 0),
    )
    booked = VisitTask.get_by_id(booked.id)
    assert booked.status == "已预约" and booked.next_attempt_at == datetime(2024, 10, 16, 15, 0)
    attempt = (
        CallAttempt.select().where(CallAttempt.task == booked.id).order_by(CallAttempt.id.desc()).first()
    )
    assert attempt.reason == "在开会" and attempt.staff == "王芳"

    calls.record_quick_outcome(made["today_soon"].id, "拒访", reason="不需要回访")
    assert VisitTask.get_by_id(made["today_soon"].id).status == "拒访"
