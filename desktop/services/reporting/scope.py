"""Which visits a figure counts (统计范围): the one place the WHERE conditions are built.

A ``Scope`` is immutable: the period (and the period it is compared with), the filters, the
signed-in 回访员's restriction and which kinds of visit count. Every figure — statistics, the
dashboard, 问题分析, the report, the workbook, consolidation, the KPI's automatic values —
asks ``scope.conditions()`` for its WHERE terms on ``Visit``.

What counts by default: visits that are 已完成, not marked invalid, inside the period and the
filters, and not verification visits (二次回访 of an improvement action: they measure the
action, not the period, and are reported in their own 改进验证 section).
"""

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta

import peewee as pw

from desktop.models import Customer, QuestionnaireTemplate, ServiceOrder, Visit, VisitTask
from desktop.models.visit import DONE, VERIFY_FAMILY, VERIFY_TRIGGER

from . import periods
from .periods import Period

# which kinds of visit count: ordinary ones (the period's figures), only the verification visits
# (改进验证), or both
ORDINARY = "ordinary"
VERIFICATION = "verification"
ALL_KINDS = "all"
VISIT_KINDS = (ORDINARY, VERIFICATION, ALL_KINDS)

# the filters, in the order ``statistics.Filters`` took them positionally
FILTER_NAMES = (
    "team",
    "engineer",
    "service_type",
    "region",
    "template_family",
    "template_id",
    "customer_group",
    "source",
    "channel",
    "customer_tenure",
)

__all__ = [
    "ALL_KINDS",
    "DONE",
    "FILTER_NAMES",
    "ORDINARY",
    "VERIFICATION",
    "VERIFY_FAMILY",
    "VERIFY_TRIGGER",
    "CUSTOMER_TENURES",
    "Scope",
    "day_moments",
    "day_value",
    "returning_condition",
    "verification_condition",
]


def _blank_to_none(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _as_period(value) -> Period | None:
    """None (all time), a ``Period``, anything with ``start``/``end`` (kpi's periods), or what
    ``periods.parse_period`` reads (2024, "2024Q2", "2024-05", (from, to))."""
    if value is None or isinstance(value, Period):
        return value
    if hasattr(value, "start") and hasattr(value, "end"):
        return periods.range_period(value.start, value.end)
    return periods.parse_period(value)


def day_value(day: date) -> pw.Value:
    """A date as ISO text, compared with the stored text as is (no adapter involved)."""
    return pw.Value(day.isoformat(), converter=False)


NEW_CUSTOMER, RETURNING_CUSTOMER = CUSTOMER_TENURES = ("新客户", "老客户")


def day_moments(period: Period) -> tuple[datetime, datetime]:
    """The first moment of the period and the first moment after it."""
    return datetime.combine(period.start, time.min), datetime.combine(period.end + timedelta(days=1), time.min)


def returning_condition() -> pw.Expression:
    """SQL on ``ServiceOrder``: the order is a returning customer's (老客户) — its customer had
    another order completed earlier (完成时间). A customer's first order, and an order without a
    完成时间, is a new customer's (新客户). It is correlated with the query's ``ServiceOrder`` row,
    so only the orders the query reads are looked up (by the customer index), not every order."""
    earlier = ServiceOrder.alias("earlier")
    return pw.fn.EXISTS(
        earlier.select(earlier.id).where(
            (earlier.customer == ServiceOrder.customer) & (earlier.completed_at < ServiceOrder.completed_at)
        )
    )


def verification_condition():
    """SQL on ``Visit``: a verification visit (二次回访) — made for a task whose trigger is
    二次回访 (any round), or on the 改进效果二次回访 form."""
    by_task = Visit.task.is_null(False) & Visit.task.in_(
        VisitTask.select(VisitTask.id).where(VisitTask.trigger.startswith(VERIFY_TRIGGER))
    )
    by_form = Visit.template.in_(
        QuestionnaireTemplate.select(QuestionnaireTemplate.id).where(
            QuestionnaireTemplate.family == VERIFY_FAMILY
        )
    )
    return by_task | by_form


@dataclass(frozen=True)
class Scope:
    """Which visits count. ``period`` may be a ``Period`` or anything ``parse_period`` reads; None
    means all time. ``comparison``: the period compared with (default: ``periods.previous``).
    Blank filter texts mean "all". ``visitors``: the 回访员's own names when the signed-in role
    sees only its own work (None: everyone's). ``kinds``: ORDINARY (default), VERIFICATION or
    ALL_KINDS."""

    period: Period | None = None
    team: str | None = None
    engineer: str | None = None  # 服务工程师 (the staff member who did the service)
    service_type: str | None = None
    region: str | None = None
    template_family: str | None = None
    template_id: int | None = None
    customer_group: str | None = None  # 客户类型: VIP客户 / 普通客户 / 企业客户 / 投诉客户
    source: str | None = None  # 客户来源
    channel: str | None = None  # 回访方式: 电话 / 短信 / 上门 / 问卷 …
    customer_tenure: str | None = None  # 新客户 / 老客户 (by the visited order: ``returning_condition``)
    comparison: Period | None = None
    visitors: tuple[str, ...] | None = None
    kinds: str = ORDINARY

    def __post_init__(self):
        object.__setattr__(self, "period", _as_period(self.period))
        object.__setattr__(self, "comparison", _as_period(self.comparison))
        for name in FILTER_NAMES:
            object.__setattr__(self, name, _blank_to_none(getattr(self, name)))
        if self.template_id is not None:
            object.__setattr__(self, "template_id", int(self.template_id))
        if self.visitors is not None:
            object.__setattr__(self, "visitors", tuple(sorted(set(self.visitors))))
        if self.customer_tenure is not None and self.customer_tenure not in CUSTOMER_TENURES:
            raise ValueError(f"customer_tenure must be one of {CUSTOMER_TENURES}")
        if self.kinds not in VISIT_KINDS:
            raise ValueError(f"kinds must be one of {VISIT_KINDS}")

    @classmethod
    def of(cls, start=None, end=None, **filters) -> "Scope":
        """A scope from what the older call style passes: a ``Scope`` as is (filters, if any,
        applied on top), a period (``start`` alone: anything ``parse_period`` reads) or first and
        last day (either may be None: open-ended)."""
        if isinstance(start, Scope):
            return replace(start, **filters) if filters else start
        if end is None and start is not None and not isinstance(start, date):
            return cls(period=start, **filters)
        if start is None and end is None:
            return cls(**filters)
        first = start if start is not None else date(1900, 1, 1)
        last = end if end is not None else date(9999, 12, 31)
        return cls(period=periods.range_period(first, last), **filters)

    # ------------------------------------------------------------ derived scopes
    def with_period(self, period) -> "Scope":
        return replace(self, period=period, comparison=None)

    def previous(self) -> "Scope":
        """The same scope over the comparison period (the period just before, of the same length,
        unless another one was chosen)."""
        if self.period is None:
            raise ValueError("a scope without a period has no previous period")
        return replace(self, period=self.comparison_period, comparison=None)

    @property
    def comparison_period(self) -> Period | None:
        if self.comparison is not None:
            return self.comparison
        return periods.previous(self.period) if self.period is not None else None

    def verification(self) -> "Scope":
        """The same scope, counting only the verification visits (改进验证)."""
        return replace(self, kinds=VERIFICATION)

    def with_filters(self, **changes) -> "Scope":
        return replace(self, **changes)

    @classmethod
    def for_signed_in(cls, **kwargs) -> "Scope":
        """A scope restricted like the signed-in person's lists: a 回访员 counts their own visits."""
        from ..admin import accounts

        if accounts.own_staff_filter() is not False:
            kwargs["visitors"] = tuple(accounts.my_names())
        return cls(**kwargs)

    @property
    def narrowed(self) -> bool:
        """True when anything besides the period restricts the visits."""
        return self.visitors is not None or any(getattr(self, name) is not None for name in FILTER_NAMES)

    @property
    def filters(self) -> dict:
        """The filters that are set, by name."""
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name) is not None}

    @property
    def bounds(self) -> tuple[date | None, date | None]:
        return (self.period.start, self.period.end) if self.period is not None else (None, None)

    # ------------------------------------------------------------ SQL
    def conditions(self, *, valid_only: bool = True) -> list:
        """WHERE terms on ``Visit``: completed, valid (unless ``valid_only`` is False), of the kinds
        that count, in the period (end day included), the filters and the role's restriction."""
        conds = [Visit.status == DONE]
        if valid_only:
            conds.append(Visit.invalid == False)  # noqa: E712 (peewee expression)
        if self.kinds == ORDINARY:
            conds.append(~verification_condition())
        elif self.kinds == VERIFICATION:
            conds.append(verification_condition())
        if self.period is not None:
            conds.append(Visit.visit_date >= day_value(self.period.start))
            conds.append(Visit.visit_date <= day_value(self.period.end))
        order_conds = self._order_filters()
        if order_conds:
            conds.append(Visit.order.in_(ServiceOrder.select(ServiceOrder.id).where(*order_conds)))
        customer_conds = self._customer_filters()
        if customer_conds:
            conds.append(Visit.customer.in_(Customer.select(Customer.id).where(*customer_conds)))
        if self.channel is not None:
            conds.append(Visit.method == self.channel)
        if self.template_id is not None:
            conds.append(Visit.template == self.template_id)
        if self.template_family is not None:
            family = QuestionnaireTemplate.select(QuestionnaireTemplate.id).where(
                QuestionnaireTemplate.family == self.template_family
            )
            conds.append(Visit.template.in_(family))
        if self.visitors is not None:
            conds.append(Visit.visitor.in_(list(self.visitors)))
        return conds

    def _order_filters(self) -> list:
        conds = []
        if self.team is not None:
            conds.append(ServiceOrder.team == self.team)
        if self.engineer is not None:
            conds.append(ServiceOrder.engineer == self.engineer)
        if self.service_type is not None:
            conds.append(ServiceOrder.service_type == self.service_type)
        if self.customer_tenure == RETURNING_CUSTOMER:
            conds.append(returning_condition())
        elif self.customer_tenure == NEW_CUSTOMER:
            conds.append(~returning_condition())
        return conds

    def _customer_filters(self) -> list:
        conds = []
        if self.region is not None:
            conds.append(Customer.region == self.region)
        if self.customer_group is not None:
            conds.append(Customer.ctype == self.customer_group)
        if self.source is not None:
            conds.append(Customer.source == self.source)
        return conds

    def order_conditions(self) -> list:
        """WHERE terms on ``ServiceOrder`` for the order-based figures (投诉率): completed in the
        period (完成时间, end day included), the order's and the customer's filters. The visit's
        own filters (channel, template, the 回访员's restriction) do not apply to orders."""
        conds = [ServiceOrder.completed_at.is_null(False)]
        if self.period is not None:
            conds.append(ServiceOrder.completed_at >= datetime.combine(self.period.start, time.min))
            conds.append(ServiceOrder.completed_at < datetime.combine(self.period.end + timedelta(days=1), time.min))
        return conds + self.order_filter_conditions()

    def order_filter_conditions(self) -> list:
        """WHERE terms on ``ServiceOrder`` for the scope's order and customer filters alone (no
        period): the complaint figures date a complaint by its 受理时间 instead."""
        conds = self._order_filters()
        customer_conds = self._customer_filters()
        if customer_conds:
            conds.append(ServiceOrder.customer.in_(Customer.select(Customer.id).where(*customer_conds)))
        return conds

    def visit_ids(self, *, valid_only: bool = True):
        """A sub-query of the ids of the visits in scope."""
        return Visit.select(Visit.id).where(*self.conditions(valid_only=valid_only))


def scope_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(Scope))
