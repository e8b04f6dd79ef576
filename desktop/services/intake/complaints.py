"""Complaints' three response levels (三级响应, seed 004): each level's response deadline and the
priority of the complaint's visit tasks, and the complaints whose response is overdue now.

A complaint is received at 投诉受理时间 and answered at 首次响应时间 (or, without one, when it
was closed: the customer was answered by then at the latest). Its level (一级 普通, 二级 较重,
三级 严重; blank counts as 一级) sets how many hours the answer may take. The domain's rule is
that every complaint is answered within 24 hours; seed 004's text breaks off before naming the
hours of the higher levels, so 12 h and 2 h are this product's defaults, kept here in one table.

Qt-free; the per-level 投诉率 and 投诉处理及时率 are in ``reporting.orders``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from desktop.models import Customer, ServiceOrder, now

LEVELS = ServiceOrder.COMPLAINT_LEVELS  # 一级, 二级, 三级
DEFAULT_LEVEL = LEVELS[0]  # a complaint without a level is answered as 一级
LEVEL_NAMES = {"一级": "普通", "二级": "较重", "三级": "严重"}
LEVEL_HOURS = {"一级": 24, "二级": 12, "三级": 2}  # response deadline after 受理
PRIORITY = {"一级": "普通", "二级": "高", "三级": "紧急"}  # the complaint's visit tasks
PRIORITY_RANK = {"一级": 1, "二级": 2, "三级": 3}
NOT_COMPLAINT_RANK = 0


def level_of(level: str | None) -> str:
    """The level a complaint is handled at: its own, or 一级 when none was chosen."""
    return level if level in LEVEL_HOURS else DEFAULT_LEVEL


def hours_for(level: str | None) -> int:
    return LEVEL_HOURS[level_of(level)]


def deadline(complaint_at: datetime | None, level: str | None) -> datetime | None:
    """When the first response is due: 受理时间 + the level's hours (None without 受理时间)."""
    return None if complaint_at is None else complaint_at + timedelta(hours=hours_for(level))


def level_text(level: str | None) -> str:
    """一级（普通，24 小时内响应） — the level with its name and deadline, for tooltips and notes."""
    level = level_of(level)
    return f"{level}（{LEVEL_NAMES[level]}，{LEVEL_HOURS[level]} 小时内响应）"


def rules_text() -> str:
    """The three levels in one line (the definitions and the order dialog's tooltip)."""
    return "；".join(level_text(level) for level in LEVELS)


def priority_of(level: str | None, is_complaint: bool = True) -> str:
    """The priority of a complaint's visit task ("" for an order that is not a complaint)."""
    return PRIORITY[level_of(level)] if is_complaint else ""


# ---------------------------------------------------------------- SQL pieces
def hours_expression() -> pw.Case:
    """SQL on ``ServiceOrder``: the response hours of the order's level (blank: 一级)."""
    others = [(level, hours) for level, hours in LEVEL_HOURS.items() if level != DEFAULT_LEVEL]
    return pw.Case(ServiceOrder.complaint_level, others, LEVEL_HOURS[DEFAULT_LEVEL])


def level_expression() -> pw.Case:
    """SQL on ``ServiceOrder``: the level the complaint is handled at (blank: 一级)."""
    others = [(level, level) for level in LEVELS if level != DEFAULT_LEVEL]
    return pw.Case(ServiceOrder.complaint_level, others, DEFAULT_LEVEL)


def priority_rank_expression():
    """SQL on ``ServiceOrder`` (LEFT JOINed to the task): 3 紧急 … 1 普通 for a complaint order,
    0 otherwise — the 回访任务 list's 优先级 sort key."""
    ranks = [(level, rank) for level, rank in PRIORITY_RANK.items() if level != DEFAULT_LEVEL]
    by_level = pw.Case(ServiceOrder.complaint_level, ranks, PRIORITY_RANK[DEFAULT_LEVEL])
    return pw.Case(None, [(ServiceOrder.is_complaint == True, by_level)], NOT_COMPLAINT_RANK)  # noqa: E712


def level_condition(level: str):
    """SQL on ``ServiceOrder``: handled at ``level`` (一级 takes the blank and unknown ones)."""
    cond = ServiceOrder.complaint_level == level
    if level == DEFAULT_LEVEL:
        cond = cond | ServiceOrder.complaint_level.is_null() | ServiceOrder.complaint_level.not_in(LEVELS)
    return cond


def deadline_passed(at: datetime):
    """SQL on ``ServiceOrder``: the level's deadline is over at ``at`` (one term per level, so
    no date arithmetic in SQL)."""
    cond = None
    for level in LEVELS:
        limit = at - timedelta(hours=LEVEL_HOURS[level])
        term = level_condition(level) & (ServiceOrder.complaint_at <= limit)
        cond = term if cond is None else cond | term
    # implied by every term; lets the database read only the complaints (by 投诉受理时间's index)
    earliest = ServiceOrder.complaint_at <= at - timedelta(hours=min(LEVEL_HOURS.values()))
    return earliest & (cond)


def unanswered():
    """SQL on ``ServiceOrder``: a received complaint with neither a response nor a close."""
    return (
        (ServiceOrder.is_complaint == True)  # noqa: E712
        & ServiceOrder.complaint_at.is_null(False)
        & ServiceOrder.complaint_responded_at.is_null()
        & ServiceOrder.complaint_closed_at.is_null()
    )


# ---------------------------------------------------------------- overdue responses (工作台)
@dataclass(frozen=True)
class OverdueComplaint:
    order_id: int
    order_no: str
    customer: str
    level: str
    complaint_at: datetime
    deadline: datetime

    def line(self, at: datetime) -> str:
        hours = max((at - self.deadline).total_seconds() / 3600, 0)
        return (
            f"{self.order_no} {self.customer} {self.level}：应于 {self.deadline:%m-%d %H:%M} 前响应，"
            f"已超时 {hours:.0f} 小时"
        )


def overdue_responses(at: datetime | None = None, team: str | None = None, limit: int | None = None):
    """Complaints not answered although their level's deadline is over at ``at`` (now), the most
    urgent level first, then the oldest."""
    at = at or now()
    query = (
        ServiceOrder.select(
            ServiceOrder.id,
            ServiceOrder.order_no,
            Customer.name,
            ServiceOrder.complaint_level,
            ServiceOrder.complaint_at,
        )
        .join(Customer, on=(ServiceOrder.customer == Customer.id))
        .where(unanswered() & deadline_passed(at))
        .order_by(priority_rank_expression().desc(), ServiceOrder.complaint_at, ServiceOrder.id)
    )
    if team:
        query = query.where(ServiceOrder.team == team)
    if limit is not None:
        query = query.limit(limit)
    out = []
    for order_id, order_no, name, level, received in query.tuples():
        received = received if isinstance(received, datetime) else datetime.fromisoformat(str(received))
        out.append(OverdueComplaint(order_id, order_no, name, level_of(level), received, deadline(received, level)))
    return out


def overdue_count(at: datetime | None = None, team: str | None = None) -> int:
    at = at or now()
    query = ServiceOrder.select().where(unanswered() & deadline_passed(at))
    if team:
        query = query.where(ServiceOrder.team == team)
    return query.count()
