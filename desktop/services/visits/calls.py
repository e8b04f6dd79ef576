"""Calls (拨打): the attempts before a visit (无法接通, 改约, 拒访 and their effect on the task), the good calling hours and the call script's context."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from desktop.models import OUTCOMES, CallAttempt, Customer, ServiceOrder, Visit, VisitTask, db, now

from ..admin import accounts
from ..admin import settings as app_settings
from ..common import calendar
from ..common.dates import parse_date
from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_text
from ..scheduling import tasks
from . import templates as template_svc
from .visits import (
    COMPOUND_SURNAMES,
    GOOD_SLOTS,
    TASK_BOOKED,
    TASK_CLOSED,
    TASK_DONE,
    TASK_REFUSED,
    TASK_UNREACHABLE,
    UNREACHABLE_LIMIT,
    collect,
    get_customer,
)


# ---------------------------------------------------------------- call attempts
@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    outcome: str
    task_status: str | None  # the task's status afterwards (None: no task)
    unanswered: int  # 无法接通 attempts so far (of the task, or of the customer without a task)
    message: str  # a Chinese line for the status bar / the script panel


def next_good_slot(after: datetime | None = None) -> datetime:
    """The start of the next good calling slot (10:00 or 15:00 on a working day) after ``after``."""
    after = (after or datetime.now()).replace(second=0, microsecond=0)
    day = after.date()
    for _ in range(60):
        if calendar.is_workday(day):
            for start, _end in GOOD_SLOTS:
                moment = datetime.combine(day, start)
                if moment > after:
                    return moment
        day += timedelta(days=1)
    return after + timedelta(days=1)


def in_good_hours(at: datetime) -> bool:
    return any(start <= at.time() <= end for start, end in GOOD_SLOTS)


def _unanswered(task_id: int | None, customer_id: int) -> int:
    query = CallAttempt.select().where(CallAttempt.outcome == "无法接通")
    if task_id is not None:
        query = query.where(CallAttempt.task == task_id)
    else:
        query = query.where((CallAttempt.customer == customer_id) & CallAttempt.task.is_null())
    return query.count()


def _as_moment(value, field_name: str) -> datetime | None:
    if value in (None, ""):
        return None
    moment = parse_date(value, field_name)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10, 0))
    return moment.replace(microsecond=0)


@accounts.requires(accounts.CALL, "记录拨打结果")
def record_attempt(
    customer_id: int,
    outcome: str,
    *,
    reason: str = "",
    next_at: datetime | str | None = None,
    answered_by: str = "",
    uses_product: bool | None = None,
    staff: str = "",
    task_id: int | None = None,
    visit_id: int | None = None,
    at: datetime | None = None,
) -> AttemptResult:
    """Log one call attempt and move the task along.

    不方便: ``next_at`` (in the future) and ``reason`` are required; the task becomes 已预约.
    非本人: ``answered_by`` is required; ``uses_product`` says whether that person uses the
    product (then the visit may go on with them); with ``next_at`` the call is booked again.
    无法接通: counted; the third one marks the task 无法联系. 拒访: the task becomes 拒访.
    """
    at = (at or now()).replace(microsecond=0)
    errors: list[ValidationError] = []
    if outcome not in OUTCOMES:
        raise ValidationErrors(
            [ValidationError("通话结果", f"“{outcome}”不是可选的结果，请选择 {'、'.join(OUTCOMES)}。")]
        )
    try:
        customer = get_customer(customer_id)
    except ValidationError as err:
        raise ValidationErrors([err]) from None
    task = None
    if task_id is not None:
        task = VisitTask.get_or_none(VisitTask.id == task_id)
        if task is None or task.customer_id != customer.id:
            raise ValidationErrors(
                [ValidationError("回访任务", "回访任务不存在或不属于该客户，请刷新后重试。")]
            )
        accounts.require_own(assignee_id=task.assignee_id, what="个回访任务")
        if task.status == TASK_DONE:
            raise UserError(f"回访任务 #{task.id} 已完成，不能再记录通话结果。如需再联系客户，请新建回访。")
    else:
        tasks.require_own_customer(customer.id)
    if visit_id is not None:
        visit = Visit.get_or_none(Visit.id == visit_id)
        accounts.require_own(visitor=visit.visitor if visit else None, what="条回访记录")
    staff = accounts.actor_name() or staff  # signed in: the call is recorded under who made it
    reason_field = "拒访原因" if outcome == "拒访" else "原因"
    clean = collect(
        [
            ("reason", lambda: clean_text(reason, reason_field, max_len=200)),
            ("answered_by", lambda: clean_text(answered_by, "接听人", max_len=30)),
            ("staff", lambda: clean_text(staff, "回访人员", max_len=30)),
            ("next_at", lambda: _as_moment(next_at, "下次联系时间")),
        ],
        errors,
    )
    if not errors:
        if outcome == "不方便":
            if clean["next_at"] is None:
                errors.append(ValidationError("下次联系时间", "客户不方便时，请约定下次回访的日期和时间。"))
            if not clean["reason"]:
                errors.append(ValidationError("原因", "请记录客户不方便的原因（如 正在开车、在开会）。"))
        if outcome == "非本人" and not clean["answered_by"]:
            errors.append(ValidationError("接听人", "请记录实际接听的人（如 张太太、同事小李）。"))
        if clean["next_at"] is not None and clean["next_at"] <= at:
            errors.append(
                ValidationError(
                    "下次联系时间", f"{clean['next_at']:%Y-%m-%d %H:%M} 已经过去，请选择以后的时间。"
                )
            )
    if errors:
        raise ValidationErrors(errors)

    detail = {"uses_product": uses_product} if outcome == "非本人" and uses_product is not None else None
    with db.atomic():
        attempt = CallAttempt.create(
            task=task.id if task else None,
            visit=visit_id,
            customer=customer.id,
            at=at,
            outcome=outcome,
            reason=clean["reason"],
            next_at=clean["next_at"],
            answered_by=clean["answered_by"],
            staff=clean["staff"],
            detail=detail,
        )
        unanswered = _unanswered(task.id if task else None, customer.id)
        status = task.status if task else None
        changes: dict = {}
        if task is not None and task.status not in TASK_CLOSED:
            if outcome == "拒访":
                changes["status"] = TASK_REFUSED
                changes["next_attempt_at"] = None
            elif outcome == "无法接通" and unanswered >= UNREACHABLE_LIMIT:
                changes["status"] = TASK_UNREACHABLE
                changes["next_attempt_at"] = None
            elif clean["next_at"] is not None:
                changes["status"] = TASK_BOOKED
                changes["next_attempt_at"] = clean["next_at"]
            if changes:
                VisitTask.update(**changes).where(VisitTask.id == task.id).execute()
                status = changes["status"]
    return AttemptResult(
        attempt.id,
        outcome,
        status,
        unanswered,
        _attempt_message(outcome, clean, unanswered, uses_product, status),
    )


def _attempt_message(outcome: str, clean: dict, unanswered: int, uses_product, status) -> str:
    booked = f"，已预约 {clean['next_at']:%m-%d %H:%M} 再次回访" if clean["next_at"] else ""
    if outcome == "不方便":
        return f"已记录：客户不方便（{clean['reason']}）{booked}。"
    if outcome == "非本人":
        who = clean["answered_by"]
        if uses_product:
            return f"已记录：由{who}接听，其为产品使用人，继续回访。"
        return f"已记录：由{who}接听{booked}。"
    if outcome == "无法接通":
        text = f"已记录：无法接通（第{unanswered}次）。"
        if status == TASK_UNREACHABLE:
            text += f"已连续{UNREACHABLE_LIMIT}次无法接通，任务已标记为“无法联系”。"
        return text
    if outcome == "拒访":
        return "已记录：客户拒绝回访" + (f"({clean['reason']})" if clean["reason"] else "") + "。"
    return "已记录：客户方便接听，开始回访。"


def attempts_of(customer_id: int, limit: int = 30) -> list[tuple]:
    """Rows (at, outcome, note, next_at, staff) of the customer's latest call attempts."""
    rows = []
    query = (
        CallAttempt.select(
            CallAttempt.at,
            CallAttempt.outcome,
            CallAttempt.reason,
            CallAttempt.answered_by,
            CallAttempt.next_at,
            CallAttempt.staff,
            CallAttempt.detail,
        )
        .where(CallAttempt.customer == customer_id)
        .order_by(CallAttempt.at.desc(), CallAttempt.id.desc())
        .limit(limit)
        .tuples()
    )
    for at, outcome, reason, answered_by, next_at, staff, detail in query:
        parts = []
        if answered_by:
            uses = (detail or {}).get("uses_product")
            parts.append(
                f"接听人：{answered_by}" + ({True: "（使用人）", False: "（非使用人）"}.get(uses, ""))
            )
        if reason:
            parts.append(reason)
        rows.append((at, outcome, "；".join(parts), next_at, staff))
    return rows


# ---------------------------------------------------------------- the call script
def salutation(customer: Customer) -> str:
    """How the caller addresses the customer: 张先生 / 欧阳女士, or the full name."""
    name = (customer.name or "").strip()
    if customer.title and customer.ctype != "企业客户" and 2 <= len(name) <= 4:
        surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]
        return surname + customer.title
    return customer.display_name


def _day_text(value, today: date) -> str:
    if not value:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    if day.year == today.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def call_context(
    customer_id: int, order_id: int | None = None, *, visitor: str | None = None, today: date | None = None
) -> dict:
    """What the call-script panel shows and the script's {placeholders} are filled with."""
    today = today or date.today()
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise UserError("找不到该客户，可能已被删除。")
    order = ServiceOrder.get_or_none(ServiceOrder.id == order_id) if order_id else None
    if visitor is None:
        visitor = app_settings.default_visitor()
    service_type = order.service_type if order else ""
    product = order.product_model if order else ""
    when = (order.completed_at or order.delivered_on) if order else None
    service = f"{product}{service_type}服务" if service_type else "售后服务"
    return {
        "customer": salutation(customer),
        "customer_name": customer.display_name,
        "phone": accounts.phone_for_screen(customer.phone),
        "address": customer.address,
        "ctype": customer.ctype,
        "company": str(app_settings.get("company_name") or ""),
        "hotline": str(app_settings.get("hotline") or ""),
        "reply_days": str(app_settings.get("reply_workdays") or 3),
        "visitor": visitor,
        "service": service,
        "service_type": service_type,
        "service_date": _day_text(when, today) or "近期",
        "product": product,
        "engineer": order.engineer if order else "",
        "order_no": order.order_no if order else "",
        "is_complaint": bool(order.is_complaint) if order else False,
    }


def render_script(text: str, context: dict) -> str:
    """Fill the {customer} {company} {visitor} {service} {service_date} {reply_days} {hotline}
    placeholders of an opening/closing line; a line with broken braces is shown as written."""
    values = {
        key: str(context[key]) for key in template_svc.PLACEHOLDERS if context.get(key) not in (None, "")
    }
    if "visitor" not in values:
        values["visitor"] = ""
    try:
        return template_svc.render_script(text or "", values)
    except (ValueError, KeyError, IndexError):
        return text or ""


# ---------------------------------------------------------------- the task queue's calls
def calling_hours_hint(at: datetime | None = None) -> str | None:
    """A reminder when ``at`` is outside the good calling hours (or not a working day)."""
    at = at or datetime.now()
    hours = "10:00–11:30 或 15:00–17:30"
    if not calendar.is_workday(at):
        return f"今天是休息日，除非客户约定，建议在工作日的 {hours} 回访。"
    if in_good_hours(at):
        return None
    return f"现在 {at:%H:%M} 不在建议的回访时段。建议在 {hours} 拨打，避开用餐和午休时间。"


# ---------------------------------------------------------------- quick outcomes from the queue
QUICK_OUTCOMES = {"改约": "不方便", "拒访": "拒访", "无法接通": "无法接通"}


def retry_time(at: datetime | None = None) -> datetime:
    """10:00 on the next working day after ``at`` (when an unanswered call is tried again)."""
    at = at or datetime.now()
    day = calendar.add_workdays(at.date(), 1)
    return datetime.combine(day, datetime.min.time()).replace(hour=10)


@accounts.requires(accounts.CALL, "记录拨打结果")
def record_quick_outcome(
    task_id: int,
    action: str,
    *,
    reason: str = "",
    next_at: datetime | None = None,
    staff: str | None = None,
    at: datetime | None = None,
):
    """改约 (new time + reason), 拒访 (reason) or 无法接通 (tried again the next working day; the
    third one makes the task 无法联系) for one task, through ``record_attempt``."""

    if action not in QUICK_OUTCOMES:
        raise UserError(f"“{action}”不是可用的操作。")
    task = VisitTask.get_or_none(VisitTask.id == task_id)
    if task is None:
        raise UserError("找不到该回访任务，可能已被删除。请刷新任务列表。")
    if task.status not in tasks.OPEN_STATUSES:
        raise UserError(f"该任务状态为“{task.status}”，已经结束，不能再记录通话结果。")
    at = at or now()
    if action == "无法接通" and next_at is None:
        next_at = retry_time(at)
    if staff is None:
        staff = accounts.actor_name() or (
            task.assignee.name if task.assignee_id else app_settings.default_visitor()
        )
    return record_attempt(
        task.customer_id,
        QUICK_OUTCOMES[action],
        reason=reason,
        next_at=next_at,
        staff=staff,
        task_id=task.id,
        at=at,
    )
