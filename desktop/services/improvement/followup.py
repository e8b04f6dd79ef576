"""Weekly follow-up of improvement actions (seed 000: 售后服务部指定专人每周跟踪各部门落实进度).

An action still being worked on (未启动 / 进行中) whose last entry in its log — a progress note,
a status change or its creation — is ``FOLLOW_UP_DAYS`` days old or older is 待跟进: the
工作台 and the 改进方案表 flag it until someone records its progress.
"""

from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from desktop.models import ActionLog, ImprovementAction

from .improvement import OVERDUE_STATUSES

FOLLOW_UP_DAYS = 7
FOLLOW_UP_STATUSES = OVERDUE_STATUSES  # 未启动, 进行中: the measure is not done yet
STALE = "待跟进"  # the 改进方案表's filter
STALE_RULE = f"未启动或进行中的措施，超过 {FOLLOW_UP_DAYS} 天没有进度记录（每周至少记录一次进度）"


@dataclass(frozen=True)
class StaleAction:
    action_id: int
    problem: str
    department: str
    owner: str
    status: str
    last_entry: date  # the day of the last log entry (or of the action's creation)
    days: int  # days since then

    @property
    def text(self) -> str:
        return f"{self.days}天未跟进"


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()  # SQLite may hand back the text


def stale_actions(today: date | None = None) -> list[StaleAction]:
    """The actions without a progress entry for ``FOLLOW_UP_DAYS`` days, longest silence first."""
    today = today or date.today()
    last = (
        ActionLog.select(ActionLog.action.alias("action_id"), pw.fn.MAX(ActionLog.at).alias("last_at"))
        .group_by(ActionLog.action)
        .alias("last")
    )
    query = (
        ImprovementAction.select(
            ImprovementAction.id,
            ImprovementAction.problem,
            ImprovementAction.department,
            ImprovementAction.owner,
            ImprovementAction.status,
            ImprovementAction.created_at,
            last.c.last_at,
        )
        .join(last, pw.JOIN.LEFT_OUTER, on=(ImprovementAction.id == last.c.action_id))
        .where(ImprovementAction.status.in_(FOLLOW_UP_STATUSES))
        .tuples()
    )
    out = []
    for action_id, problem, department, owner, status, created, last_at in query:
        day = _day(last_at if last_at is not None else created)
        days = (today - day).days
        if days >= FOLLOW_UP_DAYS:
            out.append(StaleAction(action_id, problem, department, owner, status, day, days))
    return sorted(out, key=lambda s: (-s.days, s.action_id))


def stale_days(today: date | None = None) -> dict[int, int]:
    """Action id → days without a progress entry, for the actions that are 待跟进."""
    return {s.action_id: s.days for s in stale_actions(today)}
