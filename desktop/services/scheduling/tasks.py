"""The visit-task queue (回访任务): bucketed lists in SQL, assignment, recovery rate, bulk creation.

Lists are paged SQL (``search_tasks`` with offset/limit, ``count_tasks``) so the queue stays fast
with 100k tasks; nothing here loads whole tables into Python.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import peewee as pw

from desktop.models import CallAttempt, Customer, ServiceOrder, Staff, VisitTask, db, now
from desktop.models.connection import is_sqlite
from desktop.models.visit import DONE, VERIFY_TRIGGER

from ..admin import accounts
from ..admin import settings as app_settings
from ..intake.customers import name_condition

OPEN_STATUSES = ("待回访", "已预约")
DONE_STATUS = DONE
CANCELLED_STATUS = "已取消"
BUCKETS = ("今日", "逾期", "即将到期", "待预约", "已完成", "全部")
TO_BOOK = "待预约"  # windows opening in 1–2 working days, not booked yet (services.appointments)
SOON_DAYS = 3  # 即将到期: the window closes within this many days
RECOVERY_TARGET = 0.70  # 回收率 target (DOMAIN §3)
UNASSIGNED = "unassigned"  # assignee filter value for tasks nobody owns yet
PERIODS = ("本周", "本月", "本季度", "本年")

_BATCH = 400  # ids per IN (...) list, well under SQLite's variable limit


# ---------------------------------------------------------------- creating tasks in bulk
def default_template_id() -> int | None:
    """The active version of the default questionnaire (settings), else any active template."""
    from desktop.models import QuestionnaireTemplate

    from ..visits.templates import active_template

    tpl = active_template(app_settings.get("default_template_family"))
    if tpl is None:
        tpl = (
            QuestionnaireTemplate.select()
            .where(QuestionnaireTemplate.active)
            .order_by(QuestionnaireTemplate.builtin.desc(), QuestionnaireTemplate.id)
            .first()
        )
    return tpl.id if tpl is not None else None


@dataclass(frozen=True)
class NewTask:
    customer_id: int
    order_id: int | None
    trigger: str
    earliest: date | None
    latest: date | None
    assignee_id: int | None = None
    template_id: int | None = None
    note: str = ""


def insert_tasks(tasks: Iterable[NewTask]) -> int:
    """INSERT OR IGNORE the tasks (unique on order + trigger); returns how many were created.

    One prepared statement through the connection's ``executemany`` (see PERF_NOTES): call it
    inside the caller's ``db.atomic()`` so a batch is all-or-nothing.
    """
    created_at = now().strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        (
            t.customer_id,
            t.order_id,
            t.trigger,
            t.earliest.isoformat() if t.earliest else None,
            t.latest.isoformat() if t.latest else None,
            t.assignee_id,
            t.template_id,
            "待回访",
            t.note,
            created_at,
        )
        for t in tasks
    ]
    if not rows:
        return 0
    if not is_sqlite():  # PostgreSQL: the query builder's portable ON CONFLICT DO NOTHING
        columns = [
            VisitTask.customer,
            VisitTask.order,
            VisitTask.trigger,
            VisitTask.earliest,
            VisitTask.latest,
            VisitTask.assignee,
            VisitTask.template,
            VisitTask.status,
            VisitTask.note,
            VisitTask.created_at,
        ]
        created = 0
        with db.atomic():
            for start in range(0, len(rows), 1000):
                query = VisitTask.insert_many(rows[start : start + 1000], fields=columns)
                created += query.on_conflict_ignore().as_rowcount().execute()
        return created
    table = VisitTask._meta.table_name
    sql = (
        f'INSERT OR IGNORE INTO "{table}" ("customer_id", "order_id", "trigger", "earliest", "latest", '
        '"assignee_id", "template_id", "status", "note", "created_at") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
    )
    with db.atomic():
        cursor = db.connection().executemany(sql, rows)
        return max(cursor.rowcount, 0)


# ---------------------------------------------------------------- the queue
@dataclass(frozen=True)
class TaskFilter:
    bucket: str = "今日"
    status: str | None = None  # one of TASK_STATUSES, or None for every status
    assignee: int | str | None = None  # staff id, UNASSIGNED, or None for everyone
    text: str = ""  # customer name / phone / 工单号 / 触发原因


SORT_KEYS = {
    "customer": Customer.name,
    "phone": Customer.phone,
    "order_no": ServiceOrder.order_no,
    "service_type": ServiceOrder.service_type,
    "trigger": VisitTask.trigger,
    "latest": VisitTask.latest,
    "earliest": VisitTask.earliest,
    "assignee": Staff.name,
    "status": VisitTask.status,
    "next_attempt_at": VisitTask.next_attempt_at,
}


def _day_text(day: date) -> pw.Value:
    """A date as its ISO text, compared as text with stored date-times (no datetime adaptation)."""
    return pw.Value(day.isoformat(), converter=False)


def bucket_condition(bucket: str, today: date):
    """The WHERE condition of a bucket (None for 全部)."""
    is_open = VisitTask.status.in_(OPEN_STATUSES)
    if bucket == "今日":
        tomorrow = _day_text(today + timedelta(days=1))
        return (
            is_open
            & (VisitTask.earliest.is_null() | (VisitTask.earliest <= today))
            & (VisitTask.latest.is_null() | (VisitTask.latest >= today))
            & (VisitTask.next_attempt_at.is_null() | (VisitTask.next_attempt_at < tomorrow))
        )
    if bucket == "逾期":
        return is_open & (VisitTask.latest < today)
    if bucket == "即将到期":
        return is_open & (VisitTask.latest >= today) & (VisitTask.latest <= today + timedelta(days=SOON_DAYS))
    if bucket == TO_BOOK:
        from .appointments import booking_condition

        return booking_condition(today)
    if bucket == "已完成":
        return VisitTask.status == DONE_STATUS
    return None


def _conditions(flt: TaskFilter, today: date) -> list:
    conds = []
    cond = bucket_condition(flt.bucket, today)
    if cond is not None:
        conds.append(cond)
    if flt.status:
        conds.append(VisitTask.status == flt.status)
    own = accounts.own_staff_filter()
    if own is not False:  # a 回访员: their own tasks and the unassigned ones
        mine = VisitTask.assignee.is_null()
        conds.append(mine | (VisitTask.assignee == own) if own is not None else mine)
    if flt.assignee == UNASSIGNED:
        conds.append(VisitTask.assignee.is_null())
    elif flt.assignee is not None:
        conds.append(VisitTask.assignee == int(flt.assignee))
    return conds


def _text_condition(text: str):
    text = (text or "").strip()
    if not text:
        return None
    cond = (
        name_condition(text)
        | ServiceOrder.order_no.contains(text)
        | VisitTask.trigger.contains(text)
        | Customer.code.contains(text)
    )
    phone = accounts.phone_search(Customer.phone, text)
    return cond | phone if phone is not None else cond


def _where(query, conds):
    for cond in conds:
        query = query.where(cond)
    return query


def _attempt_count():
    """尝试次数 of the task in the current row (a correlated sub-query)."""
    return pw.fn.COALESCE(
        CallAttempt.select(pw.fn.COUNT(CallAttempt.id)).where(CallAttempt.task == VisitTask.id), 0
    )


def search_tasks(
    flt: TaskFilter = TaskFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
    sort: str = "latest",
    descending: bool = False,
    today: date | None = None,
) -> list[tuple]:
    """Rows (id, customer name, phone, 工单号, 服务类型, 触发原因, earliest, latest, 负责人, 状态,
    尝试次数, 下次联系, customer id, order id) for one page of the queue."""
    today = today or date.today()
    attempts = _attempt_count()
    # the page of ids first (cheap: no per-row subquery), then the details of those rows only
    ids = (
        VisitTask.select(VisitTask.id)
        .join(Customer, on=(VisitTask.customer == Customer.id))
        .switch(VisitTask)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(VisitTask.order == ServiceOrder.id))
        .switch(VisitTask)
        .join(Staff, pw.JOIN.LEFT_OUTER, on=(VisitTask.assignee == Staff.id))
    )
    conds = _conditions(flt, today)
    text_cond = _text_condition(flt.text)
    if text_cond is not None:
        conds.append(text_cond)
    ids = _where(ids, conds)
    if sort == "attempts":
        key = _attempt_count()
    elif sort == "priority":  # a complaint's level: 紧急 (三级) … 普通 (一级), then the others
        from ..intake.complaints import priority_rank_expression

        key = priority_rank_expression()
    else:
        key = SORT_KEYS.get(sort, VisitTask.latest)
    order = [key.desc(nulls="LAST") if descending else key.asc(nulls="LAST"), VisitTask.id]
    page_ids = [row[0] for row in ids.order_by(*order).offset(offset).limit(limit).tuples()]
    if not page_ids:
        return []
    details = (
        VisitTask.select(
            VisitTask.id,
            Customer.name,
            Customer.phone,
            ServiceOrder.order_no,
            ServiceOrder.service_type,
            VisitTask.trigger,
            VisitTask.earliest,
            VisitTask.latest,
            Staff.name,
            VisitTask.status,
            attempts,
            VisitTask.next_attempt_at,
            VisitTask.customer,
            VisitTask.order,
        )
        .join(Customer, on=(VisitTask.customer == Customer.id))
        .switch(VisitTask)
        .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(VisitTask.order == ServiceOrder.id))
        .switch(VisitTask)
        .join(Staff, pw.JOIN.LEFT_OUTER, on=(VisitTask.assignee == Staff.id))
        .where(VisitTask.id.in_(page_ids))
        .tuples()
    )
    by_id = {row[0]: row for row in details}
    if not accounts.can(accounts.FULL_PHONE):
        by_id = {i: (*row[:2], accounts.phone_for_screen(row[2]), *row[3:]) for i, row in by_id.items()}
    return [by_id[i] for i in page_ids if i in by_id]


def priorities(task_ids: Sequence[int]) -> dict[int, str]:
    """优先级 of each task: its complaint order's level (紧急 / 高 / 普通), "" for the others."""
    from ..intake.complaints import priority_of

    out: dict[int, str] = {}
    ids = list(task_ids)
    for start in range(0, len(ids), _BATCH):
        query = (
            VisitTask.select(VisitTask.id, ServiceOrder.is_complaint, ServiceOrder.complaint_level)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(VisitTask.order == ServiceOrder.id))
            .where(VisitTask.id.in_(ids[start : start + _BATCH]))
        )
        for task_id, is_complaint, level in query.tuples():
            out[task_id] = priority_of(level, bool(is_complaint))
    return out


def count_tasks(flt: TaskFilter = TaskFilter(), *, today: date | None = None) -> int:
    today = today or date.today()
    query = VisitTask.select(pw.fn.COUNT(VisitTask.id))
    text_cond = _text_condition(flt.text)
    if text_cond is not None:
        query = (
            query.join(Customer, on=(VisitTask.customer == Customer.id))
            .switch(VisitTask)
            .join(ServiceOrder, pw.JOIN.LEFT_OUTER, on=(VisitTask.order == ServiceOrder.id))
            .where(text_cond)
        )
    return _where(query, _conditions(flt, today)).scalar() or 0


def bucket_counts(
    assignee: int | str | None = None, text: str = "", *, today: date | None = None
) -> dict[str, int]:
    """How many tasks each bucket holds (for the tab labels)."""
    today = today or date.today()
    return {b: count_tasks(TaskFilter(bucket=b, assignee=assignee, text=text), today=today) for b in BUCKETS}


def is_overdue(status: str, latest: date | None, today: date | None = None) -> bool:
    today = today or date.today()
    return status in OPEN_STATUSES and latest is not None and latest < today


def task_summary(task_id: int) -> dict:
    """What a dialog needs to name a task: customer, phone, order, trigger, status, attempts."""
    task = VisitTask.get_by_id(task_id)
    customer = task.customer
    return {
        "id": task.id,
        "customer": customer.display_name,
        "phone": accounts.phone_for_screen(customer.phone),
        "order_no": task.order.order_no if task.order_id else "",
        "trigger": task.trigger,
        "status": task.status,
        "attempts": CallAttempt.select().where(CallAttempt.task == task.id).count(),
        "next_attempt_at": task.next_attempt_at,
    }


# ---------------------------------------------------------------- assignment
def staff_choices(include_inactive: bool = False) -> list[tuple[int, str, str]]:
    """(id, name, role) of the staff who can own tasks."""
    query = Staff.select(Staff.id, Staff.name, Staff.role)
    if not include_inactive:
        query = query.where(Staff.active)
    return list(query.order_by(Staff.name, Staff.id).tuples())


def require_own_customer(customer_id: int) -> None:
    """Work on a customer outside any task (a call logged without its task): a 回访员 may,
    unless every open task of the customer is another caller's — then the work belongs on that
    caller's task. PermissionDenied naming the owners."""
    me = accounts.current()
    if me is None or me.can(accounts.SEE_ALL):
        return
    owners = {
        assignee
        for (assignee,) in VisitTask.select(VisitTask.assignee)
        .where((VisitTask.customer == customer_id) & VisitTask.status.in_(OPEN_STATUSES))
        .tuples()
    }
    if not owners or None in owners or me.staff_id in owners:
        return
    names = "、".join(name for (name,) in Staff.select(Staff.name).where(Staff.id.in_(sorted(owners))).tuples())
    raise accounts.PermissionDenied(
        f"这位客户的回访任务已分配给{names}，回访员只能为分配给自己或未分配的任务记录拨打结果。"
        "如需处理，请主管先把任务分配给您。"
    )


@accounts.requires(accounts.MANAGE, "分配回访任务")
def assign_tasks(task_ids: Sequence[int], staff_id: int | None) -> int:
    """Give the tasks to one staff member (None = unassigned); returns how many changed."""
    if staff_id is not None and not Staff.select().where(Staff.id == staff_id).exists():
        from ..common.errors import ValidationError

        raise ValidationError("负责人", "所选人员不存在，请刷新后重新选择。")
    changed = 0
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    with db.atomic():
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            changed += VisitTask.update(assignee=staff_id).where(VisitTask.id.in_(chunk)).execute()
    return changed


def round_robin(items: Sequence, staff_ids: Sequence[int]) -> list[int | None]:
    """Assignee of each item: staff in turn (even split, ±1), or None when no staff is given."""
    staff = list(staff_ids)
    if not staff:
        return [None] * len(items)
    return [staff[i % len(staff)] for i in range(len(items))]


# ---------------------------------------------------------------- recovery rate and hints
@dataclass(frozen=True)
class Recovery:
    start: date
    end: date
    due: int  # tasks of the period that are settled or past their window (cancelled ones excluded)
    completed: int
    target: float = RECOVERY_TARGET

    @property
    def rate(self) -> float | None:
        return self.completed / self.due if self.due else None

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target

    def text(self) -> str:
        if not self.due:
            return f"回收率：本期还没有到期的回访任务（目标 ≥{self.target:.0%}）"
        verdict = "达标" if self.met else "未达标"
        return (
            f"回收率 {self.rate:.1%}：已完成 {self.completed} / 应回访 {self.due}"
            f"（目标 ≥{self.target:.0%}，{verdict}）"
        )


def recovery_rate(
    start: date, end: date, assignee: int | str | None = None, *, today: date | None = None
) -> Recovery:
    """Completed ÷ due for the tasks whose window closes between ``start`` and ``end``.

    Due means settled (完成, 拒访, 无法联系) or past its window: an open task whose window is still
    running is not counted yet, so the rate of the current month is fair from its first day.
    Cancelled tasks are never counted, nor verification visits (二次回访: they measure an
    improvement action, not the period). A signed-in 回访员 gets their own rate.
    """
    today = today or date.today()
    own = accounts.own_staff_filter()
    if own is not False:
        assignee = own if own is not None else UNASSIGNED
    done = pw.fn.SUM(pw.Case(None, [(VisitTask.status == DONE_STATUS, 1)], 0)).cast("BIGINT")
    query = VisitTask.select(pw.fn.COUNT(VisitTask.id), done).where(
        (VisitTask.latest >= start)
        & (VisitTask.latest <= end)
        & (VisitTask.status != CANCELLED_STATUS)
        & ~VisitTask.trigger.startswith(VERIFY_TRIGGER)
        & VisitTask.chase_of.is_null()  # a 催收 task is a reminder, not a questionnaire
        & ((VisitTask.latest < today) | VisitTask.status.not_in(OPEN_STATUSES))
    )
    if assignee == UNASSIGNED:
        query = query.where(VisitTask.assignee.is_null())
    elif assignee is not None:
        query = query.where(VisitTask.assignee == int(assignee))
    due, completed = query.tuples().get()
    return Recovery(start, end, int(due or 0), int(completed or 0))


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    """First and last day of 本周 / 本月 / 本季度 / 本年 containing ``today``."""
    today = today or date.today()
    if period == "本周":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    if period == "本季度":
        first_month = (today.month - 1) // 3 * 3 + 1
        start = date(today.year, first_month, 1)
        end = _month_end(date(today.year, first_month + 2, 1))
        return start, end
    if period == "本年":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    start = today.replace(day=1)
    return start, _month_end(start)


def _month_end(day: date) -> date:
    nxt = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return nxt - timedelta(days=1)
