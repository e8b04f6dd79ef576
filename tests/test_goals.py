"""目标 (seed 004): targets for 综合得分, 投诉率, 复购率 and 响应时效 per period, against the
reporting core's actual figures; 新客户 / 老客户 as a Scope filter."""

from datetime import date, datetime

import pytest

from desktop.models import PeriodGoal, Visit
from desktop.services.common.errors import ValidationErrors
from desktop.services.kpi import goals
from desktop.services.reporting import orders
from desktop.services.reporting.scope import Scope
from desktop.services.reporting.statistics import overall
from tests.test_improvement import make_visit

Q1 = "2024Q1"


@pytest.fixture
def quarter(database):
    """张伟 came back in 2024Q1 (an order in 2023-12 before); 李娜 is new and complained: received
    2024-01-10 10:00, answered 2024-01-11 04:00 (18 hours)."""
    from desktop.models import ServiceOrder

    old = make_visit("张伟", "13812345678", "C202310001", (5, 5, 4), day=date(2023, 12, 20))
    ServiceOrder.update(completed_at=datetime(2023, 12, 18, 10)).where(ServiceOrder.id == old.order_id).execute()
    back = make_visit("张伟", "13812345678", "C202310001", (4, 4, 4), day=date(2024, 2, 20))
    ServiceOrder.update(completed_at=datetime(2024, 2, 15, 10)).where(ServiceOrder.id == back.order_id).execute()
    new = make_visit("李娜", "13987654321", "C202310002", (2, 2, 3), "备件没货", day=date(2024, 1, 15))
    ServiceOrder.update(
        completed_at=datetime(2024, 1, 9, 16),
        is_complaint=True,
        complaint_at=datetime(2024, 1, 10, 10),
        complaint_responded_at=datetime(2024, 1, 11, 4),
    ).where(ServiceOrder.id == new.order_id).execute()
    return old, back, new


def test_goals_against_the_reporting_cores_figures(quarter):
    scope = Scope(period=Q1)
    rows = {r.metric.name: r for r in goals.goal_rows(scope)}
    assert [r.status for r in rows.values()] == ["未设目标"] * 4
    goals.set_targets(Q1, {"composite": "90", "complaint_rate": "10%", "repurchase_rate": "30", "response_time": "24"})
    assert goals.targets("2024Q1") == {"composite": 90, "complaint_rate": 10, "repurchase_rate": 30, "response_time": 24}
    rows = {r.metric.name: r for r in goals.goal_rows(scope)}
    composite = overall(scope).composite  # the same figure the statistics show
    assert rows["综合得分"].actual == round(composite, 1) and rows["综合得分"].met is False
    assert rows["投诉率"].actual == round(100 * 1 / 2, 1) and rows["投诉率"].basis == "投诉工单 1 / 完成工单 2"
    assert rows["投诉率"].met is False and rows["投诉率"].target_text == "≤10%"
    assert orders.repurchase_rate(scope).part == 1  # 张伟's February order: he had one in December
    assert rows["复购率"].actual == 50.0 and rows["复购率"].met is True
    assert rows["响应时效"].actual == 18.0 and rows["响应时效"].met is True
    assert rows["响应时效"].text(rows["响应时效"].actual) == "18小时"
    assert goals.summary(list(rows.values())) == "达标 2/4"
    goals.set_targets(Q1, {"composite": ""})  # a blank clears the goal
    assert "composite" not in goals.targets(Q1) and PeriodGoal.select().count() == 3
    with pytest.raises(ValidationErrors) as err:
        goals.set_targets(Q1, {"composite": "120", "complaint_rate": "abc"})
    assert set(err.value.fields) == {"综合得分目标", "投诉率目标"}
    assert goals.targets(Q1)["complaint_rate"] == 10  # nothing half-written


def test_new_and_returning_customers_are_a_scope_filter(quarter):
    old, back, new = quarter
    returning = Visit.select(Visit.id).where(*Scope(period=Q1, customer_tenure="老客户").conditions())
    first = Visit.select(Visit.id).where(*Scope(period=Q1, customer_tenure="新客户").conditions())
    assert [v.id for v in returning] == [back.id] and [v.id for v in first] == [new.id]
    assert orders.complaint_rate(Scope(period=Q1, customer_tenure="新客户")).part == 1
    assert orders.complaint_rate(Scope(period=Q1, customer_tenure="老客户")).part == 0
    with pytest.raises(ValueError):
        Scope(customer_tenure="熟客")


def test_the_report_shows_the_goals_against_the_figures(quarter):
    from desktop.services.summaries import report

    doc = report.build_report(Q1, today=date(2024, 4, 2))
    assert not any(getattr(b, "caption", "").startswith("表2-0") for s in doc.sections for b in s.blocks)
    goals.set_targets(Q1, {"complaint_rate": "10", "response_time": "24"})
    doc = report.build_report(Q1, today=date(2024, 4, 2))
    table = next(b for s in doc.sections for b in s.blocks if getattr(b, "caption", "").startswith("表2-0"))
    assert table.caption == "表2-0 本期目标达成（达标 1/2）"
    assert table.row_of("投诉率")[1:4] == ["≤10%", "50%", "未达标"]
    assert table.row_of("响应时效")[1:4] == ["≤24小时", "18小时", "达标"]
    assert table.row_of("综合得分")[3] == "未设目标"
