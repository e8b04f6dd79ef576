"""Figures counted over service orders rather than visits (the catalogue's 投诉率).

投诉率 = complaint orders ÷ orders completed in the scope's period (完成时间), narrowed by the
scope's order and customer filters. A complaint order is one marked 是否投诉 or of service type
投诉处理 (as the sampling plan's 投诉 stratum reads it), so the rate is at most 100%.
"""

from dataclasses import dataclass

import peewee as pw

from desktop.models import ServiceOrder

from . import metrics
from .scope import Scope

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
