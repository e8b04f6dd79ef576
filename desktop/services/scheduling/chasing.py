"""Questionnaires handed out or sent (问卷 on paper, 短信 / 微信 online): when they went out, their
return rate per channel against its own goal, and the 催收 task for one not back in time.

A visit task whose questionnaire is handed out or sent is marked with its channel and moment
(``mark_sent``). It comes back when its visit is entered (the task becomes 已完成). One still open
``trigger_chase_days`` days (settings, 7 by default: seed 003 gives a survey 7–10 days and 1–2
reminders) after it went out gets one 催收 task — same customer, order, questionnaire and
assignee, trigger ``催收·<the task's trigger>``, due within 2 working days — made by the scheduler
(``create_chase_tasks``). A 催收 task still open when the questionnaire comes back is cancelled
by the next run. 催收 tasks are reminders, not questionnaires: no 回收率 counts them.

回收率 per channel = returned ÷ sent among the tasks sent in the period (by 发放时间; cancelled
tasks and verification visits left out). Goals: paper ≥ 70% (seed 002: 调查问卷回收率应不低于70%),
online ≥ 30% (seed 004: 线上满意度问卷回收率≥30%).

Which channel a questionnaire counts under — the rule:

* The channel is how the questionnaire *went out* (``VisitTask.sent_via``); how the answers *came
  back* is the visit's 回访方式 (``Visit.method``). A task counts as returned when it is 已完成,
  whichever way its answers came back: a paper form with the link's QR code may come back as a
  扫码问卷 visit, an SMS with the link too — both still count under 问卷 and 短信.
* A link never travels alone, so there is no separate "扫码" channel: a printed form or receipt
  slip with the link's QR code handed out is 问卷; the link (or reply codes) in a text message,
  also an SMS batch, is 短信; pasted into WeChat, 微信; a campaign sent by a survey platform (问卷星,
  腾讯问卷, answers imported as 线上问卷) is 线上问卷; shown on the shop's counter screen (or its QR
  opened on a tablet there) is 柜台自助, registered automatically when staff start it
  (``mark_sent_once``). Each channel is named as the 回访方式 its answers usually come back by,
  so the by-channel figures (``reporting.channels``) put 回收率 beside that 回访方式's 满意率.
* The first registration wins for the counter: a task already sent by SMS that the customer
  then answers at the counter stays an SMS send returned. Staff registering again (发放问卷…)
  overwrites, as before.
* A task answered through a link that was never registered as sent (e.g. a form printed for
  signature but never handed out as a questionnaire) is in no channel's 回收率: a rate counts only
  what was sent. Goals: 柜台自助 is handed over in the shop like paper (≥ 70%); 线上问卷 is
  online (≥ 30%).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import peewee as pw

from desktop.models import VisitTask, db, now
from desktop.models.visit import COUNTER_METHOD, DONE, ONLINE_METHOD, PAPER_METHOD, SMS_METHOD, VERIFY_TRIGGER

from ..admin import accounts
from ..admin import settings as app_settings
from ..admin.settings import clean_chase_days
from ..common.errors import UserError, ValidationError

PAPER = PAPER_METHOD  # the paper channel is named as the 回访方式 it comes back by
SMS = SMS_METHOD
ONLINE = ONLINE_METHOD  # sent by a survey platform (问卷星, 腾讯问卷)
COUNTER = COUNTER_METHOD  # shown on the shop's counter screen
# handed out on paper, sent by text message, by WeChat, by a survey platform; shown at the counter
CHANNELS = (PAPER, SMS, "微信", ONLINE, COUNTER)
CHANNEL_GOALS = {PAPER: 0.70, SMS: 0.30, "微信": 0.30, ONLINE: 0.30, COUNTER: 0.70}
CHANNEL_KIND = {PAPER: "纸质问卷", SMS: "线上问卷", "微信": "线上问卷", ONLINE: "问卷平台", COUNTER: "现场填写"}
CHASE = "问卷催收"  # the scheduler's name for these tasks (its switch and its count)
CHASE_PREFIX = "催收·"  # a 催收 task's trigger: 催收·交付1个月 …
CHASE_DAYS_KEY = "trigger_chase_days"
CHASE_WORKDAYS = 2  # a 催收 task's window: today and the next 2 working days
OPEN = ("待回访", "已预约")
CANCELLED = "已取消"
RETURNED_NOTE = "问卷已收回，催收取消"

__all__ = [
    "CHANNELS",
    "CHANNEL_GOALS",
    "CHASE",
    "ChannelRecovery",
    "chase_days",
    "create_chase_tasks",
    "mark_sent",
    "mark_sent_once",
    "recovery_by_channel",
]


def chase_days() -> int:
    try:
        return clean_chase_days(app_settings.get(CHASE_DAYS_KEY))
    except ValidationError:
        return 7


# ---------------------------------------------------------------- sending
@accounts.requires(accounts.CALL, "登记问卷发放")
def mark_sent(task_ids: Sequence[int], channel: str, at: datetime | None = None) -> int:
    """Record that the tasks' questionnaires were handed out or sent by ``channel`` at ``at``
    (now); returns how many tasks were marked. Only open tasks can be sent; one transaction."""
    if channel not in CHANNELS:
        raise ValidationError("发放渠道", f"请选择 {'、'.join(CHANNELS)} 之一。")
    at = (at or now()).replace(microsecond=0)
    if at > now() + timedelta(minutes=5):
        raise ValidationError("发放时间", "不能晚于现在，请填写问卷实际发出的时间。")
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        raise UserError("请先在列表中选择要发放问卷的回访任务。")
    with db.atomic():
        rows = list(VisitTask.select(VisitTask.id, VisitTask.status, VisitTask.chase_of).where(VisitTask.id.in_(ids)).tuples())
        closed = [task_id for task_id, status, _chase in rows if status not in OPEN]
        if closed:
            raise UserError(f"所选任务中有 {len(closed)} 个已经结束（已完成、拒访等），不能再发放问卷。请只选择待回访或已预约的任务。")
        chases = [task_id for task_id, _status, chase in rows if chase is not None]
        if chases:
            raise UserError("催收任务是提醒客户交回问卷的任务，不能再发放问卷。请选择原来的回访任务。")
        return VisitTask.update(sent_via=channel, sent_at=at).where(VisitTask.id.in_(ids)).execute()


@accounts.requires(accounts.CALL, "登记问卷发放")
def mark_sent_once(task_id: int, channel: str, at: datetime | None = None) -> bool:
    """Record ``channel`` for an open task not registered as sent yet (the counter screen shows
    the questionnaire); True when it was marked, False when it had been sent already or is closed."""
    if channel not in CHANNELS:
        raise ValidationError("发放渠道", f"请选择 {'、'.join(CHANNELS)} 之一。")
    at = (at or now()).replace(microsecond=0)
    marked = (
        VisitTask.update(sent_via=channel, sent_at=at)
        .where(
            (VisitTask.id == task_id)
            & VisitTask.sent_via.is_null()
            & VisitTask.status.in_(OPEN)
            & VisitTask.chase_of.is_null()
        )
        .execute()
    )
    return marked == 1


# ---------------------------------------------------------------- 催收 tasks (the scheduler)
def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def create_chase_tasks(today: date, cal) -> int:
    """One 催收 task for each questionnaire sent ``chase_days()`` or more days before ``today``
    and not back (its task still open), unless it has one; and the open 催收 tasks of the
    questionnaires back since are cancelled. Call inside the scheduler's transaction."""
    chased = VisitTask.alias()
    has_chase = chased.select(chased.id).where(chased.chase_of == VisitTask.id)
    due = (
        VisitTask.select()
        .where(
            VisitTask.sent_at.is_null(False)
            & (VisitTask.sent_at < _day_start(today - timedelta(days=chase_days() - 1)))
            & VisitTask.status.in_(OPEN)
            & VisitTask.chase_of.is_null()
            & ~pw.fn.EXISTS(has_chase)
        )
        .order_by(VisitTask.id)
    )
    latest = cal.add_workdays(today, CHASE_WORKDAYS)
    created = 0
    for task in due:
        trigger = f"{CHASE_PREFIX}{task.trigger}"
        if task.order_id is not None and VisitTask.select().where(
            (VisitTask.order == task.order_id) & (VisitTask.trigger == trigger)
        ).exists():
            continue
        sent = task.sent_at if isinstance(task.sent_at, datetime) else datetime.fromisoformat(str(task.sent_at))
        VisitTask.create(
            customer=task.customer_id,
            order=task.order_id,
            trigger=trigger,
            earliest=today,
            latest=latest,
            assignee=task.assignee_id,
            template=task.template_id,
            chase_of=task.id,
            note=f"{sent:%Y-%m-%d} 经{task.sent_via}发放的问卷 {(today - sent.date()).days} 天未收回，请提醒客户填写交回",
        )
        created += 1
    back = VisitTask.select(VisitTask.id).where(VisitTask.status == DONE)
    VisitTask.update(status=CANCELLED, note=RETURNED_NOTE).where(
        VisitTask.chase_of.in_(back) & VisitTask.status.in_(OPEN)
    ).execute()
    return created


# ---------------------------------------------------------------- 回收率 per channel
@dataclass(frozen=True)
class ChannelRecovery:
    channel: str
    sent: int
    returned: int
    target: float

    @property
    def kind(self) -> str:
        return CHANNEL_KIND[self.channel]

    @property
    def rate(self) -> float | None:
        return self.returned / self.sent if self.sent else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target

    def text(self) -> str:
        goal = f"目标 ≥{self.target:.0%}"
        if not self.sent:
            return f"{self.channel}：本期没有发放（{goal}）"
        verdict = "达标" if self.met else "未达标"
        return f"{self.channel} {self.rate:.1%}（收回 {self.returned} / 发放 {self.sent}，{goal}，{verdict}）"


def recovery_by_channel(start: date, end: date) -> list[ChannelRecovery]:
    """回收率 of each channel over the questionnaires sent from ``start`` to ``end`` (included)."""
    done = pw.fn.SUM(pw.Case(None, [(VisitTask.status == DONE, 1)], 0))
    query = (
        VisitTask.select(VisitTask.sent_via, pw.fn.COUNT(VisitTask.id), done)
        .where(
            VisitTask.sent_via.in_(CHANNELS)
            & (VisitTask.sent_at >= _day_start(start))
            & (VisitTask.sent_at < _day_start(end + timedelta(days=1)))
            & (VisitTask.status != CANCELLED)
            & VisitTask.chase_of.is_null()
            & ~VisitTask.trigger.startswith(VERIFY_TRIGGER)
        )
        .group_by(VisitTask.sent_via)
    )
    counts = {channel: (int(n or 0), int(k or 0)) for channel, n, k in query.tuples()}
    return [
        ChannelRecovery(channel, *counts.get(channel, (0, 0)), CHANNEL_GOALS[channel]) for channel in CHANNELS
    ]


def channel_lines(start: date, end: date) -> str:
    """回收率 per channel in one line (the task page): the channels used in the period, then
    the ones not used named together."""
    rows = recovery_by_channel(start, end)
    parts = [r.text() for r in rows if r.sent]
    idle = [r.channel for r in rows if not r.sent]
    if idle:
        parts.append(f"本期未发放：{'、'.join(idle)}")
    return "；".join(parts)
