"""The visit triggers' names, the switches that turn them on and the windows around a date —
shared by the scheduler (``scheduler``) and the car dealer's rhythm (``car_rhythm``)."""

from datetime import date, datetime

import peewee as pw

from desktop.models import Customer, ServiceOrder, VisitTask

from ..common.calendar import WorkCalendar

LOOKBACK_DAYS = 30  # skip windows that ended more than this many days before today
HORIZON_DAYS = 14  # windows opening later than this are created by a later run

DATE_SLACK = 3  # ± working days around a delivery anniversary or the warranty end

FIRST = "首次回访"
COMPLAINT = "投诉回访"
DELIVERY_1M = "交付1个月"
DELIVERY_3M = "交付3个月"
WARRANTY = "保修到期"
RHYTHM_333 = ("333·3天", "333·3周", "333·3个月")
QUARTERLY = "季度批量"
# the car dealer's rhythm (seed 002; rules in services.car_rhythm)
FIRST_DAY = "首日回访"
THIRD_DAY = "三日回访"
HALF_YEAR = "保修期半年回访"  # one task per half-year: 保修期半年回访·6个月, ·12个月 …

# trigger → the setting that switches it on
SWITCHES = {
    FIRST: "trigger_first_visit",
    COMPLAINT: "trigger_complaint",
    DELIVERY_1M: "trigger_delivery_1m",
    DELIVERY_3M: "trigger_delivery_3m",
    WARRANTY: "trigger_warranty_end",
    "333": "trigger_333",
    "问卷催收": "trigger_chase",
    QUARTERLY: "trigger_quarterly",
    FIRST_DAY: "trigger_car_delivery",
    THIRD_DAY: "trigger_car_delivery",
    HALF_YEAR: "trigger_warranty_half_year",
}


# ---------------------------------------------------------------- date helpers
def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (01-31 + 1 month → 02-28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, dom))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


Window = tuple[date, date]


def candidates(trigger: str, condition) -> pw.ModelSelect:
    """Orders matching ``condition`` that have no task for ``trigger`` yet (active customers)."""
    has_task = VisitTask.select(VisitTask.id).where(
        (VisitTask.order == ServiceOrder.id) & (VisitTask.trigger == trigger)
    )
    return (
        ServiceOrder.select()
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .where(condition & ~Customer.archived & ~pw.fn.EXISTS(has_task))
    )


def around(cal: WorkCalendar, target: date) -> Window:
    return cal.add_workdays(target, -DATE_SLACK), cal.add_workdays(target, DATE_SLACK)
