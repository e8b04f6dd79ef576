"""Visit triggers: which 回访任务 are due, created once each (DOMAIN §3 "When to visit").

``run_scheduler(today)`` looks at the service orders and creates, for every trigger switched on in
the settings, the task it calls for — with its window (earliest … latest on the working-day
calendar), the active default questionnaire and status 待回访. A task is unique on (order,
trigger), so running it again creates nothing new. Orders whose window closed more than
``LOOKBACK_DAYS`` ago are left alone (no tasks for services done years ago), and windows that open
more than ``HORIZON_DAYS`` ahead are created by a later run, closer to the time.

It runs at start-up, after an import and on ``huifang schedule``.
"""

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import peewee as pw

from desktop.models import ServiceOrder, db

from ..admin import settings as app_settings
from ..common import calendar
from ..common.calendar import WorkCalendar
from .car_rhythm import car_rules, half_year_tasks
from .tasks import NewTask, default_template_id, insert_tasks
from .triggers import (
    COMPLAINT,
    DELIVERY_1M,
    DELIVERY_3M,
    FIRST,
    FIRST_DAY,
    HALF_YEAR,
    HORIZON_DAYS,
    LOOKBACK_DAYS,
    QUARTERLY,
    RHYTHM_333,
    SWITCHES,
    THIRD_DAY,
    WARRANTY,
    Window,
    add_months,
    around,
    as_date,
    candidates,
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- settings → calendar
def split_list(text) -> list[str]:
    """Items of a list setting typed as text (顿号, commas, semicolons, spaces or new lines)."""
    if isinstance(text, list | tuple):
        return [str(x).strip() for x in text if str(x).strip()]
    return [p for p in re.split(r"[\s,，、;；]+", str(text or "")) if p]


def parse_day_list(text) -> tuple[list[date], list[str]]:
    """(dates, items that are not dates) from a setting such as "2027-01-01、2027-02-06"."""
    from ..common.dates import parse_date
    from ..common.errors import ValidationError

    days, bad = [], []
    for item in split_list(text):
        try:
            value = parse_date(item)
        except ValidationError:
            bad.append(item)
            continue
        days.append(value.date() if isinstance(value, datetime) else value)
    return days, bad


def configure_calendar() -> WorkCalendar:
    """Set the working-day calendar's fallback holidays/workdays from the settings."""
    holidays, _ = parse_day_list(app_settings.get("calendar_extra_holidays"))
    workdays, _ = parse_day_list(app_settings.get("calendar_extra_workdays"))
    return calendar.configure(holidays, workdays)


def _text(day: date) -> pw.Value:
    return pw.Value(day.isoformat(), converter=False)


# ---------------------------------------------------------------- the triggers

Rule = Callable[[WorkCalendar], Iterator[tuple[int, int, Window]]]


def _first_visits(cal: WorkCalendar, today: date, types: list[str], skip_complaints: bool):
    cond = ServiceOrder.completed_at.is_null(False) & (
        ServiceOrder.completed_at >= _text(today - timedelta(days=LOOKBACK_DAYS + 40))
    )
    if types:
        cond &= ServiceOrder.service_type.in_(types)
    if skip_complaints:
        cond &= ~ServiceOrder.is_complaint
    query = candidates(FIRST, cond).select(ServiceOrder.id, ServiceOrder.customer, ServiceOrder.completed_at)
    for order_id, customer_id, completed in query.tuples().iterator():
        yield order_id, customer_id, cal.first_visit_window(as_date(completed))


def _complaint_visits(cal: WorkCalendar, today: date):
    cond = (
        ServiceOrder.is_complaint
        & ServiceOrder.complaint_closed_at.is_null(False)
        & (ServiceOrder.complaint_closed_at >= _text(today - timedelta(days=LOOKBACK_DAYS + 20)))
    )
    query = candidates(COMPLAINT, cond).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.complaint_closed_at
    )
    for order_id, customer_id, closed in query.tuples().iterator():
        day = as_date(closed)
        yield order_id, customer_id, (day, cal.add_workdays(day, 1))


def _delivery_visits(cal: WorkCalendar, today: date, trigger: str, months: int):
    low = add_months(today - timedelta(days=LOOKBACK_DAYS + 20), -months)
    high = add_months(today + timedelta(days=HORIZON_DAYS + 20), -months)
    cond = ServiceOrder.delivered_on.is_null(False) & ServiceOrder.delivered_on.between(low, high)
    query = candidates(trigger, cond).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.delivered_on
    )
    for order_id, customer_id, delivered in query.tuples().iterator():
        yield order_id, customer_id, around(cal, add_months(as_date(delivered), months))


def _warranty_visits(cal: WorkCalendar, today: date):
    low = today - timedelta(days=LOOKBACK_DAYS + 20)
    high = today + timedelta(days=HORIZON_DAYS + 20)
    cond = ServiceOrder.warranty_end.is_null(False) & ServiceOrder.warranty_end.between(low, high)
    query = candidates(WARRANTY, cond).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.warranty_end
    )
    for order_id, customer_id, end in query.tuples().iterator():
        yield order_id, customer_id, around(cal, as_date(end))


def _rhythm_target(base: date, trigger: str) -> date:
    if trigger == RHYTHM_333[0]:
        return base + timedelta(days=3)
    if trigger == RHYTHM_333[1]:
        return base + timedelta(weeks=3)
    return add_months(base, 3)


def _rhythm_visits(cal: WorkCalendar, today: date, trigger: str):
    reach = {RHYTHM_333[0]: 20, RHYTHM_333[1]: 40, RHYTHM_333[2]: 110}[trigger]
    cond = ServiceOrder.completed_at.is_null(False) & (
        ServiceOrder.completed_at >= _text(today - timedelta(days=LOOKBACK_DAYS + reach))
    )
    query = candidates(trigger, cond).select(
        ServiceOrder.id, ServiceOrder.customer, ServiceOrder.completed_at
    )
    for order_id, customer_id, completed in query.tuples().iterator():
        earliest = cal.next_workday(_rhythm_target(as_date(completed), trigger))
        yield order_id, customer_id, (earliest, cal.add_workdays(earliest, 2))


# ---------------------------------------------------------------- running them
def enabled_triggers() -> list[str]:
    """The triggers switched on in the settings, in the order they run."""
    out = [
        name
        for name in (FIRST, COMPLAINT, DELIVERY_1M, DELIVERY_3M, WARRANTY)
        if app_settings.get(SWITCHES[name])
    ]
    if app_settings.get(SWITCHES["333"]):
        out += list(RHYTHM_333)
    if app_settings.get(SWITCHES[FIRST_DAY]):
        out += [FIRST_DAY, THIRD_DAY]
    if app_settings.get(SWITCHES[HALF_YEAR]):
        out.append(HALF_YEAR)
    if app_settings.get(SWITCHES[QUARTERLY]):
        out.append(QUARTERLY)
    return out


def run_scheduler(today: date | None = None) -> dict:
    """Create the due tasks of every enabled trigger, once each.

    Returns ``{"created": {trigger: count}, "total": n, "warning": str | None}`` — the warning is
    the calendar's when a window fell in a year without official holiday data.
    """
    today = today or date.today()
    base = calendar.current()
    cal = WorkCalendar(base.extra_holidays, base.extra_workdays)  # fresh: this run's warning only
    enabled = enabled_triggers()
    template_id = default_template_id()
    oldest = today - timedelta(days=LOOKBACK_DAYS)
    newest = today + timedelta(days=HORIZON_DAYS)
    types = split_list(app_settings.get("trigger_first_visit_types"))

    rules = {
        FIRST: lambda: _first_visits(cal, today, types, skip_complaints=COMPLAINT in enabled),
        COMPLAINT: lambda: _complaint_visits(cal, today),
        DELIVERY_1M: lambda: _delivery_visits(cal, today, DELIVERY_1M, 1),
        DELIVERY_3M: lambda: _delivery_visits(cal, today, DELIVERY_3M, 3),
        WARRANTY: lambda: _warranty_visits(cal, today),
    }
    for name in RHYTHM_333:
        rules[name] = lambda name=name: _rhythm_visits(cal, today, name)

    rules.update(car_rules(cal, today))

    # the slow part (reading recent orders, working out windows) runs before the write
    # transaction, so other writers wait only for the short bulk insert
    batches = {
        trigger: [
            NewTask(customer_id, order_id, trigger, earliest, latest, template_id=template_id)
            for order_id, customer_id, (earliest, latest) in rules[trigger]()
            if latest >= oldest and earliest <= newest
        ]
        for trigger in enabled
        if trigger not in (QUARTERLY, HALF_YEAR)
    }
    if HALF_YEAR in enabled:  # a trigger per half-year (·6个月, ·12个月 …): listed as one
        batches[HALF_YEAR] = [
            t for t in half_year_tasks(cal, today, template_id) if t.latest >= oldest and t.earliest <= newest
        ]
    created: dict[str, int] = {}
    with db.atomic():
        for trigger in enabled:
            if trigger == QUARTERLY:
                from .plans import run_quarterly_batch

                created[trigger] = run_quarterly_batch(today, cal)
            else:
                created[trigger] = insert_tasks(batches[trigger])
        if app_settings.get(SWITCHES["问卷催收"]):  # questionnaires sent and not back (services.chasing)
            from .chasing import CHASE, create_chase_tasks

            created[CHASE] = create_chase_tasks(today, cal)
    log.info("自动生成回访任务（%s）：新建 %s 个 %s", today, sum(created.values()), created)
    return {"created": created, "total": sum(created.values()), "warning": cal.warning()}


def describe(result: dict) -> str:
    """A one-paragraph Chinese summary of ``run_scheduler``'s result (CLI and status bar)."""
    made = {k: v for k, v in result["created"].items() if v}
    if made:
        parts = "、".join(f"{k} {v} 个" for k, v in made.items())
        text = f"已新建回访任务 {result['total']} 个：{parts}。"
    elif result["created"]:
        text = "没有需要新建的回访任务（到期的任务都已建好）。"
    else:
        text = "所有回访触发规则都已关闭（可在“设置”中开启），未新建任务。"
    if result.get("warning"):
        text += "\n注意：" + result["warning"]
    return text


def calendar_notice(today: date | None = None) -> str | None:
    """The calendar warning when today or the next few weeks fall in a year without official
    holiday data (the task windows then use weekends plus the holidays from the settings)."""
    today = today or date.today()
    base = calendar.current()
    cal = WorkCalendar(base.extra_holidays, base.extra_workdays)
    for day in (today, today + timedelta(days=HORIZON_DAYS)):
        if not cal.covers(day.year):
            cal.uncovered_years.add(day.year)
    return cal.warning()
