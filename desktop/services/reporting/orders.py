"""Figures counted over service orders rather than visits (the catalogue's 投诉率, 复购率 and
响应时效).

投诉率 = complaint orders ÷ orders completed in the scope's period (完成时间), narrowed by the
scope's order and customer filters. A complaint order is one marked 是否投诉 or of service type
投诉处理 (as the sampling plan's 投诉 stratum reads it), so the rate is at most 100%.
"""

from dataclasses import dataclass

import peewee as pw

from desktop.models import ServiceOrder
from desktop.models.connection import hours_between

from . import metrics
from .scope import Scope, day_moments, returning_orders

COMPLAINT_SERVICE = "投诉处理"


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int
    definition: str

    @property
    def value(self) -> float | None:
        """part ÷ whole as a fraction, None without a denominator."""
        return self.part / self.whole if self.whole else None


def complaint_condition():
    """SQL on ``ServiceOrder``: a complaint order (是否投诉, or service type 投诉处理)."""
    return (ServiceOrder.is_complaint == True) | (ServiceOrder.service_type == COMPLAINT_SERVICE)  # noqa: E712


def complaint_rate(scope: Scope) -> Rate:
    """投诉率 of the scope: (complaint orders, orders) completed in its period and filters."""
    complaints = pw.fn.SUM(pw.Case(None, [(complaint_condition(), 1)], 0))
    part, whole = (
        ServiceOrder.select(complaints, pw.fn.COUNT(ServiceOrder.id))
        .where(*scope.order_conditions())
        .tuples()
        .get()
    )
    return Rate(int(part or 0), int(whole or 0), metrics.COMPLAINT_RATE.definition)


def repurchase_rate(scope: Scope) -> Rate:
    """复购率 of the scope: (orders of returning customers, orders) completed in its period and
    filters — a returning customer's order is one the customer had an earlier completed order
    before (``scope.returning_orders``)."""
    returning = pw.fn.SUM(pw.Case(None, [(ServiceOrder.id.in_(returning_orders()), 1)], 0))
    part, whole = (
        ServiceOrder.select(returning, pw.fn.COUNT(ServiceOrder.id))
        .where(*scope.order_conditions())
        .tuples()
        .get()
    )
    return Rate(int(part or 0), int(whole or 0), metrics.REPURCHASE_RATE.definition)


@dataclass(frozen=True)
class Mean:
    total: float
    n: int
    definition: str

    @property
    def value(self) -> float | None:
        return self.total / self.n if self.n else None


def response_hours(scope: Scope) -> Mean:
    """响应时效 of the scope: the mean hours from 投诉受理 to the first response (else the closing
    time) of the complaints received in its period, within its order and customer filters."""
    answered = pw.fn.COALESCE(ServiceOrder.complaint_responded_at, ServiceOrder.complaint_closed_at)
    hours = hours_between(answered, ServiceOrder.complaint_at)
    conds = [ServiceOrder.complaint_at.is_null(False), answered.is_null(False), *scope.order_filter_conditions()]
    if scope.period is not None:
        start, stop = day_moments(scope.period)
        conds += [ServiceOrder.complaint_at >= start, ServiceOrder.complaint_at < stop]
    total, n = ServiceOrder.select(pw.fn.SUM(hours), pw.fn.COUNT(ServiceOrder.id)).where(*conds).tuples().get()
    return Mean(float(total or 0), int(n or 0), metrics.RESPONSE_TIME.definition)
