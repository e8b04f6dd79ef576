"""预约 (advance appointment): 1–2 working days before a visit's window opens, contact the customer
by SMS or phone, say why (about 3 minutes on the service just done) and agree a time slot.

Seed 000: "通过短信或电话提前1-2天联系客户，说明回访目的……确认客户方便的时间段，避免打扰客户正常工作生活".

A task is **to book** (待预约, the reminder on the 回访任务 page and the 工作台) while it is 待回访,
has no agreed slot, and its window opens 1 to 2 working days from today (``booking_range``).
``booking_text`` gives the SMS (or the phone opening) to copy; ``book`` stores the agreed slot on
the task (``appointment_start`` … ``appointment_end``), makes it 已预约 and books the call for the
slot's start (so the task comes up in 今日 on that day).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from desktop.models import VisitTask, db

from ..admin import accounts
from ..admin import settings as app_settings
from ..common import calendar
from ..common.errors import UserError, ValidationError, ValidationErrors

ADVANCE_WORKDAYS = (1, 2)  # book 1–2 working days before the window opens
CHANNELS = ("短信", "电话")
TO_BOOK_STATUS = "待回访"
BOOKED_STATUS = "已预约"
MINUTES = 3  # how long the visit takes, as the message says
DEFAULT_SLOT = (time(10, 0), time(11, 30))  # the first good calling slot
REMINDER = "需预约"


def booking_range(today: date) -> tuple[date, date]:
    """Windows opening from tomorrow through the 2nd working day after ``today`` are booked today
    (on a Friday: Saturday … Tuesday, so a Monday window is booked before the weekend)."""
    return today + timedelta(days=1), calendar.add_workdays(today, ADVANCE_WORKDAYS[-1])


def booking_condition(today: date):
    """SQL on ``VisitTask``: the task is to book today."""
    first, last = booking_range(today)
    return (
        (VisitTask.status == TO_BOOK_STATUS)
        & VisitTask.appointment_start.is_null()
        & (VisitTask.earliest >= first)
        & (VisitTask.earliest <= last)
    )


def count_due(today: date | None = None) -> int:
    """How many tasks are to book today (the signed-in 回访员: their own and the unassigned)."""
    query = VisitTask.select().where(booking_condition(today or date.today()))
    own = accounts.own_staff_filter()
    if own is not False:
        mine = VisitTask.assignee.is_null()
        query = query.where(mine | (VisitTask.assignee == own) if own is not None else mine)
    return query.count()


# ---------------------------------------------------------------- the text to copy
def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def window_words(earliest: date | None, latest: date | None) -> str:
    """10月8日至10月10日 / 10月8日 / 近日."""
    if earliest is None:
        return "近日"
    if latest is None or latest == earliest:
        return _day(earliest)
    return f"{_day(earliest)}至{_day(latest)}"


def _addressee(task: VisitTask) -> str:
    """张先生 (family name and 称谓), else the name as written."""
    customer = task.customer
    if customer.title and customer.name:
        return f"{customer.name[0]}{customer.title}"
    return customer.name


def booking_text(task_id: int, channel: str = "短信") -> str:
    """The SMS (``短信``) or the phone opening (``电话``) asking the customer for a time slot."""
    task = _task(task_id)
    company = str(app_settings.get("company_name") or "")
    hotline = str(app_settings.get("hotline") or "")
    service = (task.order.service_type if task.order_id else "") or "售后"
    when = window_words(task.earliest, task.latest)
    who = _addressee(task)
    if channel == "电话":
        me = accounts.actor_name() or app_settings.default_visitor()
        intro = f"我是{company}客服{me}" if me else f"我是{company}客服"
        return (
            f"{who}您好，{intro}。为了提升服务质量，我们想在{when}占用您约{MINUTES}分钟，"
            f"电话了解您对本次{service}服务的感受。请问您哪天、什么时段方便接听？"
            "（建议时段：上午10:00–11:30，下午15:00–17:30）"
        )
    tail = f"如有疑问请致电{hotline}。" if hotline else ""
    return (
        f"【{company}】尊敬的{who}，您好！为了提升服务质量，我们想在{when}占用您约{MINUTES}分钟，"
        f"电话了解您对本次{service}服务的感受。请问您哪天、什么时段方便接听？直接回复本短信即可。{tail}谢谢！"
    )


# ---------------------------------------------------------------- booking
@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime

    def text(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


def slot_text(start: datetime | None, end: datetime | None) -> str:
    """The agreed slot as the lists show it; "" without one."""
    if start is None:
        return ""
    return Slot(start, end).text() if end is not None else f"{start:%Y-%m-%d %H:%M}"


def default_slot(task_id: int, now: datetime | None = None) -> Slot:
    """The first good slot (10:00–11:30) on the window's first working day, not before tomorrow."""
    task = _task(task_id)
    now = now or datetime.now()
    day = max(task.earliest or now.date(), now.date() + timedelta(days=1))
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return Slot(datetime.combine(day, DEFAULT_SLOT[0]), datetime.combine(day, DEFAULT_SLOT[1]))


def _task(task_id: int) -> VisitTask:
    task = VisitTask.get_or_none(VisitTask.id == task_id)
    if task is None:
        raise UserError("找不到该回访任务，可能已被删除。请刷新任务列表。")
    return task


def _check_slot(start, end, now: datetime) -> list[ValidationError]:
    errors = []
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return [ValidationError("预约时段", "请填写约定的日期和起止时间。")]
    if start <= now:
        errors.append(ValidationError("预约时段", f"{start:%Y-%m-%d %H:%M} 已经过去，请选择以后的时间。"))
    if end <= start:
        errors.append(ValidationError("预约时段", "结束时间须晚于开始时间，请重新选择。"))
    elif end.date() != start.date():
        errors.append(ValidationError("预约时段", "起止时间须在同一天，请重新选择。"))
    return errors


@accounts.requires(accounts.CALL, "预约回访")
def book(
    task_id: int, start: datetime, end: datetime, channel: str = "电话", *, now: datetime | None = None
) -> str:
    """Store the agreed slot on the task, make it 已预约 and book the call for ``start``.
    Returns the line for the status bar."""
    now = now or datetime.now()
    task = _task(task_id)
    accounts.require_own(assignee_id=task.assignee_id, what="个回访任务")
    if task.status not in (TO_BOOK_STATUS, BOOKED_STATUS):
        raise UserError(f"该任务状态为“{task.status}”，已经结束，不能再预约。")
    errors = _check_slot(start, end, now)
    if channel not in CHANNELS:
        errors.append(ValidationError("联系方式", f"请选择 {'、'.join(CHANNELS)}。"))
    if errors:
        raise ValidationErrors(errors)
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    slot = Slot(start, end)
    line = f"{now:%Y-%m-%d} 经{channel}预约：{slot.text()}"
    note = f"{task.note}\n{line}" if task.note else line
    with db.atomic():
        VisitTask.update(
            status=BOOKED_STATUS,
            appointment_start=start,
            appointment_end=end,
            next_attempt_at=start,
            note=note,
        ).where(VisitTask.id == task.id).execute()
    outside = ""
    if task.latest is not None and start.date() > task.latest:
        outside = f"（注意：晚于回访窗口截止日 {task.latest:%Y-%m-%d}）"
    return f"已预约 {task.customer.name}：{slot.text()}{outside}。"
