import json
from datetime import date, datetime
from itertools import count

import pytest

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.admin import settings
from desktop.services.common import calendar
from desktop.services.scheduling import scheduler
from desktop.services.scheduling.scheduler import run_scheduler
from desktop.services.scheduling.triggers import add_months
from desktop.services.visits.templates import active_template

_seq = count(1)


def make_order(customer=None, **fields) -> ServiceOrder:
    n = next(_seq)
    if customer is None:
        customer = Customer.create(code=f"C{n:05d}", name=f"客户{n}", phone=f"138{n:08d}")
    fields.setdefault("order_no", f"W{n:06d}")
    return ServiceOrder.create(customer=customer, **fields)


def tasks_of(order, trigger=None):
    query = VisitTask.select().where(VisitTask.order == order)
    if trigger:
        query = query.where(VisitTask.trigger == trigger)
    return list(query)


@pytest.fixture(autouse=True)
def official_calendar():
    calendar.configure()
    yield
    calendar.configure()


def test_first_visit_window_follows_national_day(database):
    order = make_order(completed_at=datetime(2024, 9, 27, 16, 30))
    result = run_scheduler(today=date(2024, 9, 30))
    (task,) = tasks_of(order, "首次回访")
    assert (task.earliest, task.latest) == (date(2024, 10, 8), date(2024, 10, 10))
    assert task.status == "待回访"
    assert task.customer_id == order.customer_id
    assert task.template_id == active_template(settings.get("default_template_family")).id
    assert result["created"]["首次回访"] == 1
    assert result["total"] == 1
    assert result["warning"] is None


def test_complaint_closed_gets_24h_visit_instead_of_first_visit(database):
    # closed Fri 2024-10-11 evening; Sat 10-12 is a swapped working day → window 10-11 … 10-12
    order = make_order(
        service_type="维修",
        completed_at=datetime(2024, 10, 10, 9, 0),
        is_complaint=True,
        complaint_closed_at=datetime(2024, 10, 11, 18, 0),
        complaint_level="二级",
    )
    result = run_scheduler(today=date(2024, 10, 11))
    (task,) = tasks_of(order)
    assert task.trigger == "投诉回访"
    assert (task.earliest, task.latest) == (date(2024, 10, 11), date(2024, 10, 12))
    assert result["created"]["投诉回访"] == 1
    assert result["created"]["首次回访"] == 0


def test_delivery_and_warranty_triggers(database):
    order = make_order(
        service_type="交付",
        delivered_on=date(2024, 8, 15),
        warranty_end=date(2024, 9, 20),
    )
    run_scheduler(today=date(2024, 9, 10))
    one_month = tasks_of(order, "交付1个月")[0]
    # target Sun 09-15 (中秋 09-15…17; Sat 09-14 is a working day): 3 working days either side
    assert (one_month.earliest, one_month.latest) == (date(2024, 9, 12), date(2024, 9, 20))
    warranty = tasks_of(order, "保修到期")[0]
    assert (warranty.earliest, warranty.latest) == (date(2024, 9, 14), date(2024, 9, 25))
    assert tasks_of(order, "交付3个月") == []  # still months away: made by a later run
    run_scheduler(today=date(2024, 11, 5))
    three = tasks_of(order, "交付3个月")[0]
    assert (three.earliest, three.latest) == (
        calendar.add_workdays(date(2024, 11, 15), -3),
        calendar.add_workdays(date(2024, 11, 15), 3),
    )


def test_rerun_creates_nothing_new(database):
    make_order(completed_at=datetime(2024, 9, 27, 16, 30))
    make_order(is_complaint=True, complaint_closed_at=datetime(2024, 10, 8, 10, 0))
    make_order(service_type="交付", delivered_on=date(2024, 9, 8))
    first = run_scheduler(today=date(2024, 10, 8))
    assert first["total"] == 3
    before = VisitTask.select().count()
    second = run_scheduler(today=date(2024, 10, 8))
    assert second["total"] == 0
    assert set(second["created"]) >= {"首次回访", "投诉回访", "交付1个月"}
    assert VisitTask.select().count() == before == 3
    assert "没有需要新建" in scheduler.describe(second)


def test_old_orders_are_skipped(database):
    ancient = make_order(completed_at=datetime(2021, 3, 1, 10, 0), delivered_on=date(2021, 3, 1))
    # window 2024-08-26 … 08-28 ended 41 days before 10-08: too late to call
    stale = make_order(completed_at=datetime(2024, 8, 21, 10, 0))
    # window ended 2024-09-23: 15 days ago, still worth a call
    recent = make_order(completed_at=datetime(2024, 9, 13, 10, 0))
    run_scheduler(today=date(2024, 10, 8))
    assert tasks_of(ancient) == []
    assert tasks_of(stale) == []
    assert len(tasks_of(recent, "首次回访")) == 1


def test_switches_and_service_types(database):
    repair = make_order(service_type="维修", completed_at=datetime(2024, 10, 8, 10, 0))
    consult = make_order(service_type="咨询", completed_at=datetime(2024, 10, 8, 10, 0))
    settings.set_value("trigger_first_visit_types", "维修，安装")
    run_scheduler(today=date(2024, 10, 9))
    assert len(tasks_of(repair)) == 1
    assert tasks_of(consult) == []
    settings.set_value("trigger_first_visit", False)
    fresh = make_order(service_type="维修", completed_at=datetime(2024, 10, 9, 10, 0))
    result = run_scheduler(today=date(2024, 10, 9))
    assert tasks_of(fresh) == []
    assert "首次回访" not in result["created"]


def test_333_rhythm_when_switched_on(database):
    order = make_order(completed_at=datetime(2024, 3, 4, 10, 0))  # a Monday
    assert "333·3天" not in run_scheduler(today=date(2024, 3, 5))["created"]  # off by default
    settings.set_value("trigger_333", True)
    run_scheduler(today=date(2024, 3, 5))
    three_days = tasks_of(order, "333·3天")[0]
    assert (three_days.earliest, three_days.latest) == (date(2024, 3, 7), date(2024, 3, 11))
    assert tasks_of(order, "333·3周") == []  # opens 03-25, beyond the horizon
    run_scheduler(today=date(2024, 3, 20))
    assert tasks_of(order, "333·3周")[0].earliest == date(2024, 3, 25)


def test_archived_customers_get_no_tasks(database):
    order = make_order(completed_at=datetime(2024, 10, 8, 10, 0))
    Customer.update(archived=True).where(Customer.id == order.customer_id).execute()
    assert run_scheduler(today=date(2024, 10, 9))["total"] == 0


def test_year_without_official_data_warns_and_uses_user_holidays(database):
    settings.set_value("calendar_extra_holidays", "2031-01-01、bad-day")
    scheduler.configure_calendar()
    order = make_order(completed_at=datetime(2030, 12, 31, 10, 0))
    result = run_scheduler(today=date(2031, 1, 2))
    (task,) = tasks_of(order)
    assert (task.earliest, task.latest) == (date(2031, 1, 6), date(2031, 1, 8))
    assert "2031" in result["warning"]
    assert "注意" in scheduler.describe(result)
    assert scheduler.calendar_notice(date(2031, 1, 2)) is not None
    assert scheduler.calendar_notice(date(2024, 6, 1)) is None


def test_quarterly_batch_samples_last_quarter_once(database):
    settings.set_value("trigger_quarterly", True)
    for day in range(1, 31):
        make_order(completed_at=datetime(2024, 9, day, 10, 0))
    first = run_scheduler(today=date(2024, 10, 8))
    assert first["created"]["季度批量"] == 3  # 10% of 30 customers
    plan_tasks = VisitTask.select().where(VisitTask.trigger == "抽样：季度批量 2024Q3")
    assert plan_tasks.count() == 3
    assert run_scheduler(today=date(2024, 10, 9))["created"]["季度批量"] == 0
    assert run_scheduler(today=date(2024, 11, 20))["created"]["季度批量"] == 0  # past the first 30 days


def test_add_months_clamps_to_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)


def test_cli_schedule_prints_summary_and_json(database, db_target, capsys):
    from desktop.cli import main

    make_order(completed_at=datetime(2024, 9, 27, 16, 30))
    assert main(["--db", db_target, "schedule", "--today", "2024-10-08"]) == 0
    assert "已新建回访任务 1 个：首次回访 1 个" in capsys.readouterr().out
    assert main(["--db", db_target, "schedule", "--today", "2024-10-08", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 0 and data["created"]["首次回访"] == 0
