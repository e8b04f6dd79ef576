"""Figures counted over service orders rather than visits (the catalogue's 投诉率, 复购率 and
响应时效).

投诉率 = complaint orders ÷ orders completed in the scope's period (完成时间), narrowed by the
scope's order and customer filters. A complaint order is one marked 是否投诉 or of service type
投诉处理 (as the sampling plan's 投诉 stratum reads it), so the rate is at most 100%.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import peewee as pw

from desktop.models import ServiceOrder
from desktop.models.connection import hours_between

from . import metrics
from .scope import Scope, day_moments, returning_condition

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


# ---------------------------------------------------------------- complaints per level (三级响应)
GOAL_FACTOR = 0.75  # seed 004: 服务投诉率下降25% — the goal is the previous period's rate × 0.75


def _sum_case(condition) -> pw.Expression:
    return pw.fn.SUM(pw.Case(None, [(condition, 1)], 0))


@dataclass(frozen=True)
class LevelFigures:
    """One complaint level: its share of the period's orders and its response timeliness."""

    level: str
    rate: Rate  # complaints of the level ÷ orders completed in the period (投诉率)
    timely: Rate  # answered within the level's hours ÷ complaints of the level received (及时率)


@dataclass(frozen=True)
class ComplaintFigures:
    rate: Rate  # 投诉率 of the period
    previous: Rate  # 投诉率 of the comparison period
    timely: Rate  # 投诉处理及时率, every level together
    levels: tuple[LevelFigures, ...]

    @property
    def goal(self) -> float | None:
        """The goal: the previous period's rate × 0.75 (None without a previous rate)."""
        prev = self.previous.value
        return None if prev is None else prev * GOAL_FACTOR

    @property
    def met(self) -> bool | None:
        if self.rate.value is None or self.goal is None:
            return None
        return self.rate.value <= self.goal + 1e-12


def complaint_rates_by_level(scope: Scope) -> dict[str, Rate]:
    """投诉率 per level: each level's complaint orders ÷ every order completed in the scope (the
    levels add up to the whole 投诉率; a complaint without a level counts as 一级)."""
    from ..intake import complaints

    sums = [_sum_case(complaint_condition() & complaints.level_condition(level)) for level in complaints.LEVELS]
    row = ServiceOrder.select(*sums, pw.fn.COUNT(ServiceOrder.id)).where(*scope.order_conditions()).tuples().get()
    whole = int(row[-1] or 0)
    definition = metrics.COMPLAINT_RATE.definition
    return {level: Rate(int(n or 0), whole, definition) for level, n in zip(complaints.LEVELS, row, strict=False)}


def complaint_timeliness(scope: Scope, at: datetime | None = None) -> dict[str, Rate]:
    """投诉处理及时率 per level: complaints (是否投诉) received in the scope's period (受理时间)
    answered within their level's hours — 首次响应时间, else the closing time. One neither
    answered nor closed counts as late once its deadline is over, and is left out while it runs
    (at ``at``, now)."""
    from desktop.models import now
    from desktop.models.connection import hours_between

    from ..intake import complaints

    at = at or now()
    answered = pw.fn.COALESCE(ServiceOrder.complaint_responded_at, ServiceOrder.complaint_closed_at)
    in_time = answered.is_null(False) & (
        hours_between(answered, ServiceOrder.complaint_at) <= complaints.hours_expression() + 1e-6
    )
    conds = [
        ServiceOrder.is_complaint == True,  # noqa: E712 - SQL expression
        ServiceOrder.complaint_at.is_null(False),
        answered.is_null(False) | complaints.deadline_passed(at),
        *scope.order_filter_conditions(),
    ]
    if scope.period is not None:
        conds.append(ServiceOrder.complaint_at >= datetime.combine(scope.period.start, time.min))
        conds.append(ServiceOrder.complaint_at < datetime.combine(scope.period.end + timedelta(days=1), time.min))
    sums = []
    for level in complaints.LEVELS:
        sums += [_sum_case(complaints.level_condition(level) & in_time), _sum_case(complaints.level_condition(level))]
    row = ServiceOrder.select(*sums).where(*conds).tuples().get()
    definition = metrics.COMPLAINT_TIMELY.definition
    return {
        level: Rate(int(row[2 * i] or 0), int(row[2 * i + 1] or 0), definition)
        for i, level in enumerate(complaints.LEVELS)
    }


def total(rates: dict[str, Rate], definition: str) -> Rate:
    """The levels' rates added up (part and whole summed; the whole is shared by 投诉率's)."""
    return Rate(sum(r.part for r in rates.values()), sum(r.whole for r in rates.values()), definition)


def _whole_rate(by_level: dict[str, Rate]) -> Rate:
    """投诉率 from its levels: their complaint orders added up over the orders they share."""
    whole = next(iter(by_level.values())).whole if by_level else 0
    return Rate(sum(r.part for r in by_level.values()), whole, metrics.COMPLAINT_RATE.definition)


def complaint_figures(scope: Scope, at: datetime | None = None) -> ComplaintFigures:
    """投诉率 (with its previous period and goal) and 投诉处理及时率, in all and per level."""
    by_level = complaint_rates_by_level(scope)
    timely = complaint_timeliness(scope, at)
    levels = tuple(LevelFigures(level, by_level[level], timely[level]) for level in by_level)
    previous = complaint_rate(scope.previous()) if scope.period is not None else Rate(0, 0, "")
    return ComplaintFigures(
        rate=_whole_rate(by_level),
        previous=previous,
        timely=total(timely, metrics.COMPLAINT_TIMELY.definition),
        levels=levels,
    )


def repurchase_rate(scope: Scope) -> Rate:
    """复购率 of the scope: (orders of returning customers, orders) completed in its period and
    filters — a returning customer's order is one the customer had an earlier completed order
    before (``scope.returning_condition``)."""
    returning = pw.fn.SUM(pw.Case(None, [(returning_condition(), 1)], 0))
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
