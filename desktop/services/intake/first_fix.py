"""问题一次性解决 of a service order: said by someone, or judged from the orders that follow.

``ServiceOrder.first_time_fixed`` holds what was said — on the order form (是 / 否 / 未填) or in
the import column 一次性解决 — True, False, or NULL when nobody said. An order nobody said anything
about is judged from the data (:func:`outcome`):

* **not fixed the first time** when the same customer reports the same product (产品型号) again
  — a later 维修 or 投诉处理 order — within 返修判定天数 (setting ``kpi_rework_days``, 30 by
  default) after it was completed;
* **fixed** once those days have passed without such an order;
* **unknown** while the days are still running, and for orders the rule cannot judge (no 产品型号,
  not completed yet, or a service that does not fix anything: 保养, 咨询, 交付).

What was said always wins. The rule runs where the figure is computed (the KPI's automatic
问题一次性解决率), as one SQL expression: nothing is written when orders are saved or imported, so
an order that arrives later — or a changed number of days — counts at once, and a bulk import
stays a bulk insert.
"""

from datetime import datetime, timedelta

import peewee as pw

from desktop.models import ServiceOrder, db, now
from desktop.models.connection import hours_between

from ..admin import settings
from ..common.errors import ValidationError
from ..common.validation import shown, to_halfwidth

FIELD = "一次性解决"
SETTING = "kpi_rework_days"
DEFAULT_DAYS = 30
JUDGED_TYPES = ("安装", "维修", "投诉处理")  # services meant to fix something
REPORT_TYPES = ("维修", "投诉处理")  # a later order of these reports the product again
YES, NO, UNKNOWN = "是", "否", "未填"
CHOICES = ((UNKNOWN, None), (YES, True), (NO, False))  # the order form's choices
_YES = {"是", "y", "yes", "1", "√", "✓", "✔", "true", "t", "对"}
_NO = {"否", "n", "no", "0", "×", "✗", "x", "false", "f", "不是"}
_UNKNOWN = {"", "未填", "未知"}
VALUES_HINT = "请填写 是 或 否（也可写 Y/N、1/0、√/×），不清楚的留空（按返修判定天数自动判定）"


def parse(value, field: str = FIELD) -> bool | None:
    """是/否, Y/N, 1/0, √/× (and True/False) → bool; blank, 未填 or 未知 → None (not said).
    Anything else is refused, naming the field and the values it takes."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = to_halfwidth(str(value)).strip().lower()
    if text in _UNKNOWN:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(field, f"“{shown(value)}”无法识别。{VALUES_HINT}。")


def label(value: bool | None) -> str:
    return UNKNOWN if value is None else (YES if value else NO)


def rework_days() -> int:
    """返修判定天数 as set (the default when the stored value is unusable)."""
    try:
        return settings.clean_rework_days(settings.get(SETTING))
    except ValidationError:
        return DEFAULT_DAYS


def outcome(days: int | None = None, at: datetime | None = None, *, said: bool = True) -> pw.Node:
    """An SQL expression over ``ServiceOrder``: 1 fixed the first time, 0 not, NULL unknown — what
    was said (unless ``said`` is False: the rule alone), else the rule of this module with
    ``days`` (the setting) as of ``at`` (now)."""
    days = rework_days() if days is None else days
    at = at or now()
    later = ServiceOrder.alias("later_order")
    moment = pw.fn.COALESCE(later.completed_at, later.created_at)  # an open order: when recorded
    reported_again = pw.fn.EXISTS(
        later.select(pw.SQL("1")).where(
            later.customer == ServiceOrder.customer,
            later.product_model == ServiceOrder.product_model,
            later.id != ServiceOrder.id,
            later.service_type.in_(REPORT_TYPES),
            (moment > ServiceOrder.completed_at)
            | ((moment == ServiceOrder.completed_at) & (later.id > ServiceOrder.id)),
            hours_between(moment, ServiceOrder.completed_at) <= days * 24,
        )
    )
    judged = (
        ServiceOrder.completed_at.is_null(False)
        & (ServiceOrder.product_model != "")
        & ServiceOrder.service_type.in_(JUDGED_TYPES)
    )
    rule = [
        (judged & reported_again, 0),
        (judged & (ServiceOrder.completed_at <= at - timedelta(days=days)), 1),
    ]
    if said:
        value = pw.Case(None, [(ServiceOrder.first_time_fixed == True, 1)], 0)  # noqa: E712 - SQL
        rule.insert(0, (ServiceOrder.first_time_fixed.is_null(False), value))
    return pw.Case(None, rule, None)


def counts(scope, *, at: datetime | None = None) -> tuple[int, int]:
    """(fixed the first time, orders whose outcome is known) among the orders of ``scope`` (a
    ``reporting.scope.Scope``: completed in its period, within its team, service type, 新老客户
    and customer filters — ``Scope.order_conditions``). One SQL query; the rule is evaluated
    once per order."""
    inner = ServiceOrder.select(outcome(at=at).alias("fixed")).where(*scope.order_conditions())
    table = inner.alias("judged")
    query = pw.Select([table], [pw.fn.SUM(table.c.fixed), pw.fn.COUNT(table.c.fixed)]).bind(db)
    good, total = query.tuples().get()
    return int(good or 0), int(total or 0)


def outcome_of(order_id: int, *, at: datetime | None = None, said: bool = True) -> bool | None:
    """The outcome of one order as the KPI counts it (what was said, else the rule); with
    ``said`` False what the rule alone says (the order form's hint while 未填 is chosen)."""
    value = (
        ServiceOrder.select(outcome(at=at, said=said).alias("fixed"))
        .where(ServiceOrder.id == order_id)
        .tuples()
        .first()
    )
    return None if value is None or value[0] is None else bool(value[0])


def rule_text(days: int | None = None) -> str:
    days = rework_days() if days is None else days
    return f"同一客户同一产品型号在完成后 {days} 天内再次报修（维修或投诉）记为否，满 {days} 天未再报修记为是"
