"""Complaints' three response levels (seed 004 三级响应): deadline and task priority by level,
overdue responses, and 投诉率 / 投诉处理及时率 per level with the goal "投诉率下降25%"."""

from datetime import date, datetime, timedelta

import pytest

from desktop.models import Customer, ServiceOrder, VisitTask
from desktop.services.intake import complaints
from desktop.services.kpi import automatic, kpi
from desktop.services.reporting import metrics, orders
from desktop.services.reporting.scope import Scope
from desktop.services.scheduling import tasks

RECEIVED = datetime(2024, 5, 6, 9, 0)  # 投诉受理时间 of this period's complaints (Mon 09:00)


def _customer(n=1):
    return Customer.create(code=f"C20231000{n}", name=f"客户{n}", phone=f"1380000000{n}")


def _order(customer, no, completed, **kw):
    return ServiceOrder.create(order_no=no, customer=customer, completed_at=completed, **kw)


@pytest.fixture
def shop(database):
    """April: 100 orders, 8 complaints (8%). May: 100 orders, 6 complaints (6% — seed 004's goal:
    8% × 0.75 = 6%), 3 of 一级, 2 of 二级, 1 of 三级, answered after the hours written beside."""
    c = _customer()
    for i in range(100):
        _order(c, f"A{i}", datetime(2024, 4, 10, 9, 0), is_complaint=i < 8)
    answers = [  # (level, hours to the first response; None: not answered yet)
        ("一级", 23),  # in time (24 h)
        ("一级", 30),  # late
        (None, 20),  # no level: handled as 一级, in time
        ("二级", 11),  # in time (12 h)
        ("二级", None),  # 12 h over at the count: late
        ("三级", 3),  # late (2 h)
    ]
    for i in range(100):
        complaint = i < len(answers)
        extra = {}
        if complaint:
            level, hours = answers[i]
            extra = dict(
                is_complaint=True,
                complaint_level=level,
                complaint_at=RECEIVED,
                complaint_responded_at=RECEIVED + timedelta(hours=hours) if hours is not None else None,
            )
        _order(c, f"M{i}", datetime(2024, 5, 20, 9, 0), **extra)
    return c


def test_level_sets_deadline_and_priority():
    assert complaints.deadline(RECEIVED, "三级") == RECEIVED + timedelta(hours=2)
    assert complaints.deadline(RECEIVED, "二级") == RECEIVED + timedelta(hours=12)
    assert complaints.deadline(RECEIVED, "一级") == RECEIVED + timedelta(hours=24)
    assert complaints.deadline(RECEIVED, None) == RECEIVED + timedelta(hours=24)  # every complaint: 24 h
    assert [complaints.priority_of(level) for level in ("一级", "二级", "三级")] == ["普通", "高", "紧急"]
    assert complaints.priority_of("三级", is_complaint=False) == ""


def test_rate_and_timeliness_per_level(shop):
    may = Scope(period="2024-05")
    at = datetime(2024, 6, 1)
    figures = orders.complaint_figures(may, at=at)
    assert (figures.rate.part, figures.rate.whole) == (6, 100)
    assert (figures.previous.part, figures.previous.whole) == (8, 100)
    assert figures.goal == pytest.approx(0.06) and figures.met is True
    by_level = {f.level: f for f in figures.levels}
    assert {lvl: (f.rate.part, f.rate.whole) for lvl, f in by_level.items()} == {
        "一级": (3, 100),
        "二级": (2, 100),
        "三级": (1, 100),
    }
    assert {lvl: (f.timely.part, f.timely.whole) for lvl, f in by_level.items()} == {
        "一级": (2, 3),
        "二级": (1, 2),
        "三级": (0, 1),
    }
    assert (figures.timely.part, figures.timely.whole) == (3, 6)
    # the KPI's 投诉处理及时率 is the same count (one source of truth)
    assert automatic.complaint_counts(kpi.parse_period("2024-05"), kpi.ALL_TEAMS, at=at) == (3, 6)
    assert "上期投诉率 × 0.75" in metrics.COMPLAINT_RATE.definition


def test_an_open_complaint_counts_only_once_its_deadline_is_over(shop):
    may = Scope(period="2024-05")
    # five hours after receipt: the unanswered 二级 complaint still has time
    early = orders.complaint_timeliness(may, at=RECEIVED + timedelta(hours=5))
    assert (early["二级"].part, early["二级"].whole) == (1, 1)


def test_overdue_responses_most_urgent_first(database):
    c = _customer()
    _order(c, "W1", None, is_complaint=True, complaint_level="一级", complaint_at=RECEIVED)
    _order(c, "W3", None, is_complaint=True, complaint_level="三级", complaint_at=RECEIVED)
    _order(c, "W2", None, is_complaint=True, complaint_level="二级", complaint_at=RECEIVED)
    _order(
        c, "W4", None, is_complaint=True, complaint_level="三级", complaint_at=RECEIVED,
        complaint_responded_at=RECEIVED + timedelta(hours=1),
    )
    three_hours = RECEIVED + timedelta(hours=3)
    assert [o.order_no for o in complaints.overdue_responses(three_hours)] == ["W3"]
    day_after = RECEIVED + timedelta(hours=25)
    late = complaints.overdue_responses(day_after)
    assert [o.order_no for o in late] == ["W3", "W2", "W1"]
    assert complaints.overdue_count(day_after) == 3
    assert "已超时" in late[0].line(day_after)


def test_task_list_sorts_by_priority(database):
    c = _customer()
    levels = {"W1": "一级", "W3": "三级", "W2": "二级"}
    for no, level in levels.items():
        o = _order(c, no, RECEIVED, is_complaint=True, complaint_level=level)
        VisitTask.create(customer=c, order=o, trigger="投诉回访", earliest=date(2024, 5, 6), latest=date(2024, 5, 7))
    plain = _order(c, "W0", RECEIVED)
    VisitTask.create(customer=c, order=plain, trigger="首次回访", earliest=date(2024, 5, 6), latest=date(2024, 5, 7))
    rows = tasks.search_tasks(tasks.TaskFilter(bucket="全部"), sort="priority", descending=True)
    assert [r[3] for r in rows] == ["W3", "W2", "W1", "W0"]
    ids = [r[0] for r in rows]
    assert tasks.priorities(ids) == dict(zip(ids, ["紧急", "高", "普通", ""], strict=True))
