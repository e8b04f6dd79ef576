"""The car dealer's visit rhythm (seed 002, 客户回访话术（6次回访）; 工程质量保修回访制度), as triggers a
主管 switches on in 设置 → 自动建回访任务:

* 首日回访 (``trigger_car_delivery``): "销售顾问在交车当天或第二天对用户进行回访" — the window is the
  delivery day and the day after (calendar days: a dealer delivers and calls at weekends too);
* 三日回访 (same switch): "交车之后第三天" — from the third day after delivery to the next working
  day after it (so a holiday on that day still leaves a working day to call);
* 保修期半年回访 (``trigger_warranty_half_year``): "在保修期内的项目一般每半年回访一次" — every 6
  months after delivery while the warranty runs (before 保修到期日, which has its own visit), within
  3 working days either side; one task per half-year (trigger 保修期半年回访·6个月, ·12个月 …).

``services.scheduler.run_scheduler`` runs them with the other triggers (once each, unique on
order and trigger).
"""

from collections.abc import Iterator
from datetime import date, timedelta

from desktop.models import Customer, ServiceOrder, VisitTask

from ..common.calendar import WorkCalendar
from .tasks import NewTask
from .triggers import (
    FIRST_DAY,
    HALF_YEAR,
    HORIZON_DAYS,
    LOOKBACK_DAYS,
    THIRD_DAY,
    add_months,
    around,
    as_date,
    candidates,
)

HALF_YEAR_MONTHS = 6
SLACK_DAYS = 20  # read a little beyond the scheduler's look-back and horizon
BATCH = 400  # order ids per IN (...) list


def half_year_trigger(months: int) -> str:
    """保修期半年回访·6个月 (the visit ``months`` after delivery)."""
    return f"{HALF_YEAR}·{months}个月"


def first_day_window(delivered: date) -> tuple[date, date]:
    return delivered, delivered + timedelta(days=1)


def third_day_window(cal: WorkCalendar, delivered: date) -> tuple[date, date]:
    third = delivered + timedelta(days=3)
    return third, cal.add_workdays(third, 1)


def _delivered_recently(trigger: str, today: date):
    cond = ServiceOrder.delivered_on.is_null(False) & (
        ServiceOrder.delivered_on >= today - timedelta(days=LOOKBACK_DAYS + SLACK_DAYS)
    )
    query = candidates(trigger, cond).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.delivered_on
    )
    return query.tuples().iterator()


def _first_day(cal: WorkCalendar, today: date) -> Iterator:
    for order_id, customer_id, delivered in _delivered_recently(FIRST_DAY, today):
        yield order_id, customer_id, first_day_window(as_date(delivered))


def _third_day(cal: WorkCalendar, today: date) -> Iterator:
    for order_id, customer_id, delivered in _delivered_recently(THIRD_DAY, today):
        yield order_id, customer_id, third_day_window(cal, as_date(delivered))


def car_rules(cal: WorkCalendar, today: date) -> dict:
    """trigger → the rule yielding (order id, customer id, window) of the orders without its task."""
    return {FIRST_DAY: lambda: _first_day(cal, today), THIRD_DAY: lambda: _third_day(cal, today)}


def half_year_targets(delivered: date, warranty_end: date) -> list[tuple[int, date]]:
    """(months after delivery, the day) of every half-year visit inside the warranty."""
    out, months = [], HALF_YEAR_MONTHS
    while (target := add_months(delivered, months)) < warranty_end:
        out.append((months, target))
        months += HALF_YEAR_MONTHS
    return out


def half_year_tasks(cal: WorkCalendar, today: date, template_id: int | None) -> list[NewTask]:
    """The half-year visits whose day is near ``today`` and that have no task yet."""
    low = today - timedelta(days=LOOKBACK_DAYS + SLACK_DAYS)
    high = today + timedelta(days=HORIZON_DAYS + SLACK_DAYS)
    orders = list(
        ServiceOrder.select(
            ServiceOrder.id, ServiceOrder.customer, ServiceOrder.delivered_on, ServiceOrder.warranty_end
        )
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .where(
            ServiceOrder.delivered_on.is_null(False)
            & ServiceOrder.warranty_end.is_null(False)
            & (ServiceOrder.warranty_end >= low)
            & (ServiceOrder.delivered_on <= high)
            & ~Customer.archived
        )
        .tuples()
    )
    due = []
    for order_id, customer_id, delivered, warranty_end in orders:
        for months, target in half_year_targets(as_date(delivered), as_date(warranty_end)):
            if low <= target <= high:
                due.append((order_id, customer_id, half_year_trigger(months), target))
    if not due:
        return []
    ids = sorted({d[0] for d in due})
    made: set[tuple[int, str]] = set()
    for start in range(0, len(ids), BATCH):
        made.update(
            VisitTask.select(VisitTask.order, VisitTask.trigger)
            .where(VisitTask.order.in_(ids[start : start + BATCH]) & VisitTask.trigger.startswith(HALF_YEAR))
            .tuples()
        )
    return [
        NewTask(customer_id, order_id, trigger, *around(cal, target), template_id=template_id)
        for order_id, customer_id, trigger, target in due
        if (order_id, trigger) not in made
    ]
